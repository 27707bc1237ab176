use indexmap::IndexMap;
use serde_json::{json, Value};

use super::*;
use crate::model::{Dialect, MediaType, Operation, ParamLocation, Parameter, RequestBody, Spec, Style};
use crate::schema::testing::StoreBuilder;
use crate::validate::{is_valid, validate, Direction};

fn param(name: &str, location: ParamLocation, required: bool, schema: u32, examples: Vec<Value>) -> Parameter {
    Parameter {
        name: name.into(),
        location,
        required,
        deprecated: false,
        style: if location == ParamLocation::Query { Style::Form } else { Style::Simple },
        explode: location == ParamLocation::Query,
        allow_reserved: false,
        schema: Some(schema),
        media_type: None,
        examples,
        pointer: format!("#/paths/~1pets/get/parameters/{name}"),
    }
}

fn operation(id: &str, parameters: Vec<Parameter>, request_body: Option<RequestBody>) -> Operation {
    Operation {
        operation_id: id.into(),
        has_explicit_id: true,
        method: "post".into(),
        path: "/pets/{petId}".into(),
        pointer: format!("/paths/~1pets/{id}"),
        line: None,
        summary: None,
        tags: vec![],
        deprecated: false,
        parameters,
        request_body,
        responses: vec![],
        security: None,
        servers: vec![],
    }
}

fn body(required: bool, content: Vec<(&str, Option<u32>, Vec<Value>)>) -> RequestBody {
    RequestBody {
        required,
        content: content
            .into_iter()
            .map(|(m, schema, examples)| MediaType {
                media_type: m.into(),
                schema,
                examples,
                encoding: IndexMap::new(),
            })
            .collect(),
        pointer: "#/paths/~1pets/post/requestBody".into(),
    }
}

/// The pet-store fixture: entries 0 Pet, 1 PetId, 2 Limit, 3 Trace, 4 Session.
fn fixture() -> (Spec, Compiled) {
    let dialect = Dialect::Oas30;
    let store = StoreBuilder::new(dialect)
        .components(json!({
            "Pet": {"type": "object", "required": ["name", "age"], "additionalProperties": false, "properties": {
                "id": {"type": "integer", "readOnly": true},
                "name": {"type": "string", "minLength": 1, "maxLength": 20},
                "age": {"type": "integer", "minimum": 0, "maximum": 40},
                "tag": {"type": "string", "enum": ["dog", "cat"]}}},
            "PetId": {"type": "integer", "minimum": 1, "format": "int64"},
            "Limit": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
            "Trace": {"type": "string", "format": "uuid"},
            "Session": {"type": "string", "pattern": "^[a-f0-9]{8}$"}
        }))
        .build();
    let (compiled, _) = crate::schema::compile(&store, dialect).unwrap();
    let ops = vec![
        operation(
            "updatePet",
            vec![
                param("petId", ParamLocation::Path, true, 1, vec![json!(7)]),
                param("limit", ParamLocation::Query, false, 2, vec![]),
                param("X-Trace", ParamLocation::Header, false, 3, vec![]),
                param("session", ParamLocation::Cookie, true, 4, vec![]),
            ],
            Some(body(
                true,
                vec![
                    ("text/plain", None, vec![]),
                    ("application/json", Some(0), vec![json!({"name": "Rex", "age": 3})]),
                ],
            )),
        ),
        operation("ping", vec![], None),
        operation(
            "search",
            vec![
                param("limit", ParamLocation::Query, false, 2, vec![]),
                param("X-Trace", ParamLocation::Header, false, 3, vec![]),
            ],
            None,
        ),
    ];
    let spec = Spec {
        source: "test".into(),
        version: "3.0.3".into(),
        dialect,
        title: "t".into(),
        api_version: "1".into(),
        servers: vec![],
        security_schemes: IndexMap::new(),
        security: vec![],
        operations: ops,
        warnings: vec![],
        schemas: store,
        lines: Default::default(),
    };
    (spec, compiled)
}

fn run(spec: &Spec, c: &Compiled, op: usize, kind: CaseKind, seed: u64, max: usize) -> Vec<GeneratedCase> {
    generate_cases(spec, c, op, &CaseRequest { kind, seed, max_cases: max })
}

fn part(case: &GeneratedCase, location: PartLocation) -> &IndexMap<String, Value> {
    match location {
        PartLocation::Path => &case.path_params,
        PartLocation::Query => &case.query,
        PartLocation::Header => &case.headers,
        _ => &case.cookies,
    }
}

/// Which parts of `case` are invalid (missing required ones included).
fn broken_parts(spec: &Spec, c: &Compiled, op: usize, case: &GeneratedCase) -> Vec<(PartLocation, Option<String>)> {
    let plan = plan::Plan::new(&spec.operations[op]);
    let mut out = Vec::new();
    for p in &plan.params {
        match part(case, p.location).get(&p.param.name) {
            None if p.param.required => out.push((p.location, Some(p.param.name.clone()))),
            Some(v) if !is_valid(c, p.param.schema.unwrap(), v, Direction::Request) => {
                out.push((p.location, Some(p.param.name.clone())));
            }
            _ => {}
        }
    }
    if let Some(b) = &plan.body {
        if !case.has_body {
            if b.body.required {
                out.push((PartLocation::Body, None));
            }
        } else if !is_valid(c, b.media.schema.unwrap(), &case.body, Direction::Request) {
            out.push((PartLocation::Body, None));
        }
    }
    out
}

#[test]
fn positive_cases_are_valid_complete_and_distinct() {
    let (spec, c) = fixture();
    let cases = run(&spec, &c, 0, CaseKind::Positive, 1, 40);
    assert!(cases.len() >= 20, "{}", cases.len());
    let mut ids = std::collections::HashSet::new();
    for case in &cases {
        assert!(broken_parts(&spec, &c, 0, case).is_empty(), "{case:?}");
        assert!(case.path_params.contains_key("petId") && case.cookies.contains_key("session"));
        assert!(case.has_body && case.media_type.as_deref() == Some("application/json"));
        assert!(case.body.get("id").is_none(), "readOnly property sent: {}", case.body);
        assert!(case.violation.is_none() && case.kind == CaseKind::Positive);
        assert!(ids.insert(case.case_id.clone()));
    }
    // Examples first, then boundaries, then generated.
    assert_eq!(cases[0].source, CaseSource::Example);
    assert_eq!(cases[0].path_params["petId"], json!(7));
    assert_eq!(cases[0].body, json!({"name": "Rex", "age": 3}));
    let order: Vec<CaseSource> = cases.iter().map(|c| c.source).collect();
    let first_generated = order.iter().position(|s| *s == CaseSource::Generated).unwrap();
    assert!(order[..first_generated].contains(&CaseSource::Boundary));
    assert!(order[first_generated..].iter().all(|s| *s == CaseSource::Generated));
    assert!(
        cases.iter().any(|c| c.query.contains_key("limit")) && cases.iter().any(|c| !c.query.contains_key("limit"))
    );
}

#[test]
fn every_operation_gets_a_positive_case() {
    let (spec, c) = fixture();
    for op in 0..spec.operations.len() {
        let cases = run(&spec, &c, op, CaseKind::Positive, 9, 1);
        assert_eq!(cases.len(), 1, "operation {op}");
    }
    let ping = run(&spec, &c, 1, CaseKind::Positive, 9, 10);
    assert_eq!(ping.len(), 1);
    assert!(!ping[0].has_body && ping[0].media_type.is_none() && ping[0].body.is_null());
    assert!(run(&spec, &c, 1, CaseKind::Negative, 9, 10).is_empty());
    assert!(run(&spec, &c, 0, CaseKind::Positive, 9, 0).is_empty());
}

#[test]
fn optional_parameters_vary() {
    let (spec, c) = fixture();
    let cases = run(&spec, &c, 2, CaseKind::Positive, 3, 30);
    let shapes: std::collections::HashSet<(bool, bool)> =
        cases.iter().map(|c| (c.query.contains_key("limit"), c.headers.contains_key("X-Trace"))).collect();
    assert_eq!(shapes.len(), 4, "{shapes:?}");
}

#[test]
fn negative_cases_break_exactly_one_part() {
    let (spec, c) = fixture();
    let cases = run(&spec, &c, 0, CaseKind::Negative, 1, 60);
    assert!(cases.len() >= 25, "{}", cases.len());
    for case in &cases {
        let v = case.violation.as_ref().expect("negatives carry their violation");
        let broken = broken_parts(&spec, &c, 0, case);
        assert_eq!(broken, vec![(v.location, v.parameter.clone())], "{case:?}");
        assert_eq!(case.source == CaseSource::Boundary, v.boundary);
        if v.location == PartLocation::Path {
            assert!(!plan::is_empty_text(&case.path_params["petId"]));
        }
    }
    let locations: std::collections::HashSet<PartLocation> =
        cases.iter().map(|c| c.violation.as_ref().unwrap().location).collect();
    assert_eq!(locations.len(), 5, "{locations:?}");
    // The first cases already cover several parts (round-robin).
    let first: std::collections::HashSet<PartLocation> =
        cases.iter().take(5).map(|c| c.violation.as_ref().unwrap().location).collect();
    assert!(first.len() >= 4, "{first:?}");
    let missing = |loc: PartLocation| {
        cases.iter().any(|c| {
            c.violation
                .as_ref()
                .is_some_and(|v| v.location == loc && v.keyword == "required" && v.instance_pointer.is_empty())
        })
    };
    assert!(missing(PartLocation::Cookie) && missing(PartLocation::Body));
    assert!(cases.iter().any(|c| c.violation.as_ref().is_some_and(|v| v.boundary)));
    // Text parameters never get a numeric string as a type violation.
    for case in cases.iter().filter(|c| c.violation.as_ref().unwrap().keyword == "type") {
        if let Some(v) = case.path_params.get("petId") {
            assert!(v.as_str().is_none_or(|s| s.parse::<f64>().is_err()), "{v}");
        }
    }
}

#[test]
fn same_seed_same_cases_and_ids_match_content() {
    let (spec, c) = fixture();
    for kind in [CaseKind::Positive, CaseKind::Negative] {
        let a = serde_json::to_string(&run(&spec, &c, 0, kind, 42, 25)).unwrap();
        let b = serde_json::to_string(&run(&spec, &c, 0, kind, 42, 25)).unwrap();
        assert_eq!(a, b);
        let other = serde_json::to_string(&run(&spec, &c, 0, kind, 43, 25)).unwrap();
        assert_ne!(a, other);
    }
    let case = &run(&spec, &c, 0, CaseKind::Positive, 42, 1)[0];
    let content = json!({
        "operation_id": case.operation_id, "kind": "positive", "path_params": case.path_params, "query": case.query,
        "headers": case.headers, "cookies": case.cookies, "body": case.body, "has_body": case.has_body,
        "media_type": case.media_type,
    });
    assert_eq!(case.case_id, content_id(&content));
}

#[test]
fn other_operations_do_not_change_an_operations_cases() {
    let (mut spec, c) = fixture();
    let before = run(&spec, &c, 2, CaseKind::Negative, 5, 10);
    spec.operations.remove(0);
    let after = run(&spec, &c, 1, CaseKind::Negative, 5, 10);
    assert_eq!(before, after);
}

#[test]
fn media_type_preference() {
    let pick = |types: &[&str]| {
        let op = operation("x", vec![], Some(body(false, types.iter().map(|t| (*t, None, vec![])).collect())));
        plan::Plan::new(&op).body.map(|b| b.media_type)
    };
    assert_eq!(
        pick(&["text/plain", "application/xml", "application/vnd.api+json"]).as_deref(),
        Some("application/vnd.api+json")
    );
    assert_eq!(
        pick(&["multipart/form-data", "application/x-www-form-urlencoded"]).as_deref(),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(pick(&["application/xml", "text/plain"]).as_deref(), Some("text/plain"));
    assert_eq!(pick(&["application/octet-stream"]).as_deref(), Some("application/octet-stream"));
    assert_eq!(pick(&["*/*"]).as_deref(), Some("application/json"));
}

#[test]
fn serialised_shape() {
    let (spec, c) = fixture();
    let neg = &run(&spec, &c, 0, CaseKind::Negative, 1, 1)[0];
    let v = serde_json::to_value(neg).unwrap();
    for key in [
        "case_id",
        "operation_id",
        "kind",
        "source",
        "path_params",
        "query",
        "headers",
        "cookies",
        "body",
        "has_body",
        "media_type",
        "violation",
    ] {
        assert!(v.get(key).is_some(), "{key} missing in {v}");
    }
    assert_eq!(v["kind"], "negative");
    for key in ["location", "parameter", "keyword", "schema_pointer", "instance_pointer", "description", "boundary"] {
        assert!(v["violation"].get(key).is_some(), "{key}");
    }
    // `relaxation` only appears on relaxed cases.
    assert!(v.get("relaxation").is_none(), "{v}");
}

#[test]
fn generate_values_for_benchmarks() {
    let (_, c) = fixture();
    let pos = generate_values(&c, 0, CaseKind::Positive, 1, 50, crate::datagen::Target::Json);
    assert_eq!(pos.len(), 50);
    assert!(pos.iter().all(|v| is_valid(&c, 0, &v.value, Direction::Request)));
    assert!(pos.iter().any(|v| v.source == CaseSource::Boundary));
    let neg = generate_values(&c, 0, CaseKind::Negative, 1, 50, crate::datagen::Target::Json);
    assert!(neg.len() >= 20);
    assert!(neg.iter().all(|v| !is_valid(&c, 0, &v.value, Direction::Request) && v.label.is_some()));
}

/// Entries 0 Order (its `shards` enum spells integers as strings), 1 Shard (the same, for a parameter), 2 Page.
fn contradictory() -> (Spec, Compiled) {
    let dialect = Dialect::Oas30;
    let store = StoreBuilder::new(dialect)
        .components(json!({
            "Order": {"type": "object", "required": ["shards", "pin"], "properties": {
                "pin": {"type": "string", "minLength": 4, "maxLength": 4},
                "shards": {"type": "integer", "enum": ["1", "2", "4"]},
                "note": {"type": "string"}}},
            "Shard": {"type": "integer", "enum": ["1", "2"]},
            "Page": {"type": "integer", "minimum": 1}
        }))
        .build();
    let (compiled, _) = crate::schema::compile(&store, dialect).unwrap();
    let ops = vec![
        operation(
            "setShards",
            vec![param("page", ParamLocation::Query, true, 2, vec![])],
            Some(body(true, vec![("application/json", Some(0), vec![json!({"pin": "1234", "shards": 4})])])),
        ),
        operation("getShard", vec![param("shard", ParamLocation::Query, true, 1, vec![])], None),
        operation("optionalShard", vec![param("shard", ParamLocation::Query, false, 1, vec![])], None),
    ];
    let spec = Spec {
        source: "test".into(),
        version: "3.0.3".into(),
        dialect,
        title: "t".into(),
        api_version: "1".into(),
        servers: vec![],
        security_schemes: IndexMap::new(),
        security: vec![],
        operations: ops,
        warnings: vec![],
        schemas: store,
        lines: Default::default(),
    };
    (spec, compiled)
}

#[test]
fn contradictory_required_parts_give_relaxed_cases_that_say_so() {
    let (spec, c) = contradictory();
    let cases = run(&spec, &c, 0, CaseKind::Positive, 1, 5);
    assert_eq!(cases.len(), 5);
    // The authors' example fits once its enum is coerced: it comes first.
    assert_eq!(cases[0].body, json!({"pin": "1234", "shards": 4}));
    for case in &cases {
        assert_eq!(case.source, CaseSource::Relaxed);
        let note = case.relaxation.as_deref().unwrap();
        assert!(note.starts_with("body: coerced-enum at #/components/schemas/Order/properties/shards/enum"), "{note}");
        // Only the contradictory sub-schema is relaxed: the rest of the request is valid.
        let violations = validate(&c, 0, &case.body, Direction::Request);
        assert!(violations.iter().all(|v| v.instance_pointer == "/shards" && v.keyword == "enum"), "{violations:?}");
        assert!(is_valid(&c, 2, &case.query["page"], Direction::Request));
    }
    let v = serde_json::to_value(&cases[0]).unwrap();
    assert_eq!(v["source"], "relaxed");
    assert!(v["relaxation"].as_str().unwrap().contains("'[1,2,4]'"), "{v}");
    // A parameter is named in the note; an optional contradictory parameter is left out, never relaxed.
    let param = &run(&spec, &c, 1, CaseKind::Positive, 1, 1)[0];
    assert!(param.relaxation.as_deref().unwrap().starts_with("query parameter 'shard': coerced-enum"));
    assert!([json!(1), json!(2)].contains(&param.query["shard"]), "{param:?}");
    let optional = run(&spec, &c, 2, CaseKind::Positive, 1, 3);
    assert!(!optional.is_empty() && optional.iter().all(|c| c.source != CaseSource::Relaxed && c.query.is_empty()));
}

#[test]
fn satisfiable_operations_are_never_relaxed() {
    let (spec, c) = fixture();
    for op in 0..spec.operations.len() {
        for kind in [CaseKind::Positive, CaseKind::Negative] {
            for case in run(&spec, &c, op, kind, 3, 30) {
                assert!(case.source != CaseSource::Relaxed && case.relaxation.is_none(), "{case:?}");
            }
        }
    }
}

#[test]
fn negatives_on_a_relaxed_base_break_the_original_schema_exactly_where_labelled() {
    let (spec, c) = contradictory();
    let cases = run(&spec, &c, 0, CaseKind::Negative, 1, 40);
    assert!(cases.len() >= 5, "{cases:?}");
    for case in &cases {
        let v = case.violation.as_ref().unwrap();
        assert!(!(v.keyword == "enum" && v.instance_pointer == "/shards"), "labels the relaxation: {v:?}");
        match v.location {
            PartLocation::Body if case.has_body => {
                let original = validate(&c, 0, &case.body, Direction::Request);
                assert!(
                    original.iter().any(|o| o.keyword == v.keyword && o.instance_pointer == v.instance_pointer),
                    "{v:?} not in {original:?}"
                );
                assert_eq!(case.source, CaseSource::Relaxed);
            }
            PartLocation::Body => assert!(case.relaxation.is_none(), "a missing body carries no note: {case:?}"),
            _ => {
                // The body keeps its relaxed value and says so.
                assert_eq!(case.source, CaseSource::Relaxed);
                assert!(case.relaxation.as_deref().unwrap().starts_with("body: "), "{case:?}");
            }
        }
    }
    let labelled = |kw: &str, at: &str| {
        cases.iter().any(|c| {
            c.violation.as_ref().unwrap().keyword == kw && c.violation.as_ref().unwrap().instance_pointer == at
        })
    };
    assert!(labelled("type", "/shards") && labelled("maxLength", "/pin") && labelled("required", ""));
}

#[test]
fn generate_values_relaxes_a_contradictory_schema() {
    let (_, c) = contradictory();
    let pos = generate_values(&c, 1, CaseKind::Positive, 1, 10, crate::datagen::Target::Text);
    assert_eq!(pos.len(), 10);
    assert!(pos.iter().all(|v| v.source == CaseSource::Relaxed && v.relaxation.is_some()));
    let neg = generate_values(&c, 0, CaseKind::Negative, 1, 10, crate::datagen::Target::Json);
    assert!(!neg.is_empty());
    assert!(neg.iter().all(|v| v.label.as_ref().is_some_and(|l| l.keyword != "enum")));
}
