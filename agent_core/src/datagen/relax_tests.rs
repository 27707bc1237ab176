use serde_json::{json, Value};

use super::relax::{relax, Relaxed, Rung};
use super::*;
use crate::model::Dialect;
use crate::schema::testing::{compile_components, compile_one};
use crate::validate::{validate, Direction};

/// Strict generation fails for node `id`; relaxation succeeds with exactly the rungs `rungs`, and values from the
/// copy are invalid against the original with a note naming the relaxation.
fn relaxed(c: &Compiled, id: SchemaId, opts: GenOptions, rungs: &[Rung]) -> (Relaxed, Vec<(Value, String)>) {
    let mut rng = Rng::new(7);
    assert!(positive_with(c, id, opts, &mut rng, 60).is_none(), "the schema is satisfiable");
    let r = relax(c, id, opts, &mut rng).expect("relaxation helps");
    assert_eq!(r.steps.iter().map(|s| s.rung).collect::<Vec<_>>(), rungs, "{:?}", r.steps);
    let mut values = Vec::new();
    for _ in 0..20 {
        let v = r.positive(id, opts, &mut rng, 20).expect("the relaxed copy generates");
        assert!(!validate(c, id, &v, opts.direction).is_empty(), "{v} is valid against the original");
        let note = r.note(c, id, &v, opts.direction).expect("an invalid value has a note");
        values.push((v, note));
    }
    (r, values)
}

#[test]
fn sibling_properties_are_admitted_by_a_strict_member() {
    let c = compile_components(
        Dialect::Swagger20,
        json!({
            "Props": {"type": "object", "additionalProperties": false, "required": ["name"],
                      "properties": {"name": {"type": "string", "minLength": 1}},
                      "allOf": [{"$ref": "#/definitions/Base"}]},
            "Base": {"type": "object", "additionalProperties": false, "properties": {"created": {"type": "string"}}}
        }),
    );
    let (r, values) = relaxed(&c, 0, GenOptions::default(), &[Rung::SiblingProperties, Rung::SiblingProperties]);
    assert_eq!(r.steps[0].node_pointer, "#/definitions/Props");
    assert_eq!(r.steps[1].node_pointer, "#/definitions/Base");
    for (v, note) in values {
        assert!(v["name"].as_str().is_some_and(|s| !s.is_empty()), "{v}");
        assert!(note.contains("sibling-properties at #/definitions/Base/additionalProperties"), "{note}");
        assert!(note.contains("'name'"), "{note}");
    }
}

#[test]
fn enum_values_that_spell_the_declared_type_are_coerced() {
    let c = compile_one(
        Dialect::Oas30,
        json!({"type": "object", "required": ["shards", "pin"], "additionalProperties": false,
               "properties": {"pin": {"type": "string"},
                              "shards": {"type": "integer", "enum": ["1", "2", "4"]},
                              "size": {"type": "string", "enum": [2, 4, true]}}}),
    );
    let (r, values) = relaxed(&c, 0, GenOptions::default(), &[Rung::CoercedEnum]);
    // Only the unsatisfiable sub-schema is relaxed: the optional `size` is left alone (and left out).
    assert_eq!(r.steps[0].node_pointer, "#/components/schemas/S/properties/shards");
    for (v, note) in values {
        assert!([1, 2, 4].contains(&v["shards"].as_i64().expect("an integer")), "{v}");
        assert!(v.get("size").is_none(), "{v}");
        assert!(note.starts_with("coerced-enum at #/components/schemas/S/properties/shards/enum"), "{note}");
    }
    // Strings for `type: string` from numbers and booleans.
    let c = compile_one(Dialect::Oas30, json!({"type": "string", "enum": [2, 4, true]}));
    let (_, values) = relaxed(&c, 0, GenOptions::default(), &[Rung::CoercedEnum]);
    assert!(values.iter().all(|(v, _)| ["2", "4", "true"].contains(&v.as_str().unwrap())));
}

#[test]
fn required_read_only_members_are_not_asked_for_in_requests() {
    let c = compile_components(
        Dialect::Oas30,
        json!({
            "Create": {"allOf": [{"$ref": "#/components/schemas/Base"}], "required": ["id", "name"]},
            "Base": {"type": "object", "properties": {"id": {"type": "string", "readOnly": true},
                                                      "name": {"type": "string"}}}
        }),
    );
    let (r, values) = relaxed(&c, 0, GenOptions::default(), &[Rung::ReadWriteOnly]);
    assert!(r.steps[0].detail.contains("'id'") && r.steps[0].detail.contains("requests"));
    for (v, note) in values {
        assert!(v.get("id").is_none() && v["name"].is_string(), "{v}");
        assert!(note.starts_with("read-write-only at #/components/schemas/Create/required"), "{note}");
    }
    // Responses are not blocked: the property is generated there.
    let response = GenOptions { direction: Direction::Response, ..GenOptions::default() };
    assert!(positive(&c, 0, response, &mut Rng::new(1)).is_some());
}

#[test]
fn undeclared_required_names_under_additional_properties_false_are_dropped() {
    let c = compile_one(
        Dialect::Oas30,
        json!({"type": "object", "additionalProperties": false, "required": ["defaultScreen"],
               "properties": {"default": {"type": "integer"}, "edit": {"type": "integer"}}}),
    );
    let (r, values) = relaxed(&c, 0, GenOptions::default(), &[Rung::UndeclaredRequired]);
    assert!(r.steps[0].detail.contains("'defaultScreen'"));
    for (v, note) in values {
        assert!(v.get("defaultScreen").is_none(), "{v}");
        assert!(note.starts_with("undeclared-required at #/components/schemas/S/required"), "{note}");
    }
}

#[test]
fn overlapping_one_of_is_read_as_any_of() {
    let c = compile_one(
        Dialect::Oas30,
        json!({"type": "object", "required": ["Restaurant"], "properties": {"Restaurant": {"oneOf": [
            {"type": "object", "properties": {"Id": {"type": "integer"}}},
            {"type": "object", "properties": {"Reference": {"type": "string"}}}
        ]}}}),
    );
    let (r, values) = relaxed(&c, 0, GenOptions::default(), &[Rung::OneOfAsAnyOf]);
    assert_eq!(r.steps[0].node_pointer, "#/components/schemas/S/properties/Restaurant");
    for (v, note) in values {
        assert!(v["Restaurant"].is_object(), "{v}");
        assert!(note.contains("oneof-as-anyof"), "{note}");
    }
}

#[test]
fn the_last_resort_drops_one_conflicting_keyword() {
    let c = compile_one(Dialect::Oas31, json!({"type": "string", "minLength": 5, "maxLength": 2}));
    let (r, values) = relaxed(&c, 0, GenOptions::default(), &[Rung::DroppedKeyword]);
    assert_eq!(r.steps[0].keyword, "minLength");
    assert!(values.iter().all(|(v, _)| v.as_str().unwrap().chars().count() <= 2));
    // An enum no value of which fits its `maxLength`: the bound goes, the listed values stay.
    let c = compile_one(Dialect::Oas30, json!({"type": "string", "maxLength": 1, "enum": ["MALE", "FEMALE"]}));
    let (r, values) = relaxed(&c, 0, GenOptions::default(), &[Rung::DroppedKeyword]);
    assert_eq!(r.steps[0].keyword, "maxLength");
    assert!(values.iter().all(|(v, _)| v == "MALE" || v == "FEMALE"));
    let c = compile_one(Dialect::Oas31, json!({"type": "string", "enum": []}));
    let (r, _) = relaxed(&c, 0, GenOptions::default(), &[Rung::DroppedKeyword]);
    assert_eq!(r.steps[0].keyword, "enum");
}

#[test]
fn satisfiable_schemas_are_never_relaxed() {
    let schemas = [
        json!({"type": "object", "additionalProperties": false, "required": ["a"],
               "properties": {"a": {"type": "integer", "enum": [1, "2"]}},
               "allOf": [{"type": "object", "properties": {"a": {}}}]}),
        json!({"oneOf": [{"type": "object", "required": ["a"], "properties": {"a": {}}},
                         {"type": "object", "required": ["b"], "properties": {"b": {}}}]}),
        json!({"type": "string", "minLength": 2, "maxLength": 2, "pattern": "^[a-z]+$"}),
        json!({"type": "array", "minItems": 1, "items": {"type": "string", "enum": ["x", 1]}}),
    ];
    for schema in schemas {
        let c = compile_one(Dialect::Oas31, schema.clone());
        let mut rng = Rng::new(3);
        assert!(positive_with(&c, 0, GenOptions::default(), &mut rng, 60).is_some(), "{schema}");
        let r = relax(&c, 0, GenOptions::default(), &mut rng).expect("a satisfiable schema needs no rung");
        assert!(r.steps.is_empty(), "{schema}: {:?}", r.steps);
        let v = r.positive(0, GenOptions::default(), &mut rng, 20).unwrap();
        assert_eq!(r.note(&c, 0, &v, Direction::Request), None, "{schema}: {v}");
    }
}

#[test]
fn relaxed_negatives_never_label_what_the_relaxation_introduced() {
    let c = compile_one(
        Dialect::Oas30,
        json!({"type": "object", "required": ["shards", "pin"],
               "properties": {"pin": {"type": "string", "minLength": 4},
                              "shards": {"type": "integer", "enum": ["1", "2", "4"]}}}),
    );
    let mut rng = Rng::new(5);
    let r = relax(&c, 0, GenOptions::default(), &mut rng).unwrap();
    let negs = relaxed_negatives(&c, &r, 0, GenOptions::default(), &mut rng, 50);
    assert!(!negs.is_empty());
    for n in &negs {
        // Every value breaks the coerced enum; labelling it would be a lie about the original schema.
        assert!(!(n.label.keyword == "enum" && n.label.instance_pointer == "/shards"), "{n:?}");
        let original = validate(&c, 0, &n.value, Direction::Request);
        assert!(
            original.iter().any(|v| v.keyword == n.label.keyword && v.instance_pointer == n.label.instance_pointer),
            "{n:?} is not a violation of the original: {original:?}"
        );
    }
    let labelled = |kw: &str, at: &str| negs.iter().any(|n| n.label.keyword == kw && n.label.instance_pointer == at);
    assert!(labelled("type", "/shards"), "{negs:?}");
    assert!(labelled("minLength", "/pin"), "{negs:?}");
    assert!(labelled("required", ""), "{negs:?}");
}
