use serde_json::{json, Value};

use super::*;
use crate::model::Dialect;
use crate::schema::testing::{compile_components, compile_one};
use crate::validate::{validate, Direction};

fn positives(c: &Compiled, id: SchemaId, opts: GenOptions, n: usize) -> Vec<Value> {
    let mut rng = Rng::new(11);
    (0..n).map(|i| positive(c, id, opts, &mut rng).unwrap_or_else(|| panic!("no positive on draw {i}"))).collect()
}

fn all_valid(dialect: Dialect, schema: Value) -> Vec<Value> {
    let c = compile_one(dialect, schema.clone());
    let values = positives(&c, 0, GenOptions::default(), 200);
    for v in &values {
        let violations = validate(&c, 0, v, Direction::Request);
        assert!(violations.is_empty(), "{v} against {schema}: {violations:?}");
    }
    values
}

#[test]
fn numbers_respect_bounds_and_steps() {
    for v in all_valid(Dialect::Oas30, json!({"type": "integer", "minimum": 3, "maximum": 9, "multipleOf": 3})) {
        assert!([3, 6, 9].contains(&v.as_i64().unwrap()));
    }
    all_valid(Dialect::Oas30, json!({"type": "integer", "minimum": 1, "exclusiveMinimum": true, "maximum": 2}));
    all_valid(Dialect::Oas31, json!({"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 0.5}));
    all_valid(Dialect::Oas31, json!({"type": "number", "multipleOf": 0.01, "minimum": 0.05, "maximum": 0.2}));
    all_valid(Dialect::Oas30, json!({"type": "integer", "format": "int32", "minimum": 2147483000}));
    all_valid(Dialect::Oas30, json!({"type": "integer", "format": "int64"}));
    all_valid(Dialect::Oas30, json!({"type": "number", "maximum": -1e20}));
}

#[test]
fn strings_respect_lengths_patterns_and_formats() {
    for v in all_valid(Dialect::Oas30, json!({"type": "string", "minLength": 2, "maxLength": 4})) {
        let n = v.as_str().unwrap().chars().count();
        assert!((2..=4).contains(&n));
    }
    all_valid(Dialect::Oas30, json!({"type": "string", "pattern": r"^[A-Z]{2}-\d{3,5}$"}));
    all_valid(Dialect::Oas30, json!({"type": "string", "pattern": r"[a-z]", "minLength": 10}));
    all_valid(Dialect::Oas30, json!({"type": "string", "pattern": r"^\w+$", "maxLength": 3}));
    all_valid(Dialect::Oas30, json!({"type": "string", "pattern": r"^(?=.*\d)[a-z\d]{6,}$"}));
    for f in ["date-time", "date", "time", "email", "hostname", "ipv4", "ipv6", "uri", "uuid", "byte", "duration"] {
        all_valid(Dialect::Oas31, json!({"type": "string", "format": f}));
    }
    all_valid(Dialect::Oas31, json!({"type": "string", "format": "byte", "maxLength": 12}));
    all_valid(Dialect::Oas31, json!({"type": "string", "format": "made-up", "minLength": 3}));
}

#[test]
fn enums_consts_and_nullable() {
    let values = all_valid(Dialect::Oas30, json!({"type": "string", "enum": ["a", "b", "c"]}));
    assert!(values.iter().any(|v| v == "a") && values.iter().any(|v| v == "c"));
    all_valid(Dialect::Oas31, json!({"const": {"k": [1, 2]}}));
    let values = all_valid(Dialect::Oas30, json!({"type": "integer", "nullable": true}));
    assert!(values.iter().any(Value::is_null) && values.iter().any(Value::is_number));
    let values = all_valid(Dialect::Oas31, json!({"type": ["string", "null"], "minLength": 1}));
    assert!(values.iter().any(Value::is_null));
}

#[test]
fn arrays_and_objects() {
    all_valid(
        Dialect::Oas31,
        json!({"type": "array", "items": {"type": "integer", "minimum": 0, "maximum": 5}, "minItems": 3, "maxItems": 6, "uniqueItems": true}),
    );
    all_valid(
        Dialect::Oas31,
        json!({"type": "array", "prefixItems": [{"type": "string"}, {"type": "boolean"}], "items": false, "minItems": 2}),
    );
    all_valid(
        Dialect::Oas30,
        json!({"type": "array", "items": [{"type": "string"}], "additionalItems": {"type": "integer"}}),
    );
    all_valid(
        Dialect::Oas31,
        json!({"type": "array", "contains": {"const": 7}, "minContains": 2, "items": {"type": "integer"}}),
    );
    let values = all_valid(
        Dialect::Oas30,
        json!({"type": "object", "required": ["id"], "additionalProperties": false,
               "properties": {"id": {"type": "integer"}, "name": {"type": "string"}, "tag": {"type": "string"}}}),
    );
    assert!(values.iter().all(|v| v.get("id").is_some()));
    assert!(values.iter().any(|v| v.get("name").is_some()) && values.iter().any(|v| v.get("name").is_none()));
    all_valid(
        Dialect::Oas31,
        json!({"type": "object", "minProperties": 3, "additionalProperties": {"type": "boolean"}}),
    );
    all_valid(
        Dialect::Oas31,
        json!({"type": "object", "patternProperties": {"^x-": {"type": "integer"}}, "additionalProperties": false, "minProperties": 1}),
    );
    all_valid(
        Dialect::Oas31,
        json!({"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "string"}}, "dependentRequired": {"a": ["b"]}}),
    );
    all_valid(
        Dialect::Oas31,
        json!({"type": "object", "propertyNames": {"pattern": "^[a-z]+$"}, "additionalProperties": {"type": "integer"}}),
    );
}

#[test]
fn all_of_merges_constraints() {
    let c = compile_components(
        Dialect::Oas30,
        json!({
            "Base": {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer", "minimum": 10}}},
            "Child": {"allOf": [{"$ref": "#/components/schemas/Base"},
                {"type": "object", "required": ["name"], "properties": {"name": {"type": "string", "maxLength": 3}, "id": {"maximum": 12}}}]}
        }),
    );
    for v in positives(&c, 1, GenOptions::default(), 200) {
        assert!(validate(&c, 1, &v, Direction::Request).is_empty(), "{v}");
        let id = v["id"].as_i64().unwrap();
        assert!((10..=12).contains(&id));
    }
}

#[test]
fn one_of_is_exclusive_and_discriminator_is_set() {
    let c = compile_components(
        Dialect::Oas30,
        json!({
            "Pet": {"oneOf": [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}],
                    "discriminator": {"propertyName": "kind", "mapping": {"cat": "#/components/schemas/Cat"}}},
            "Cat": {"type": "object", "required": ["kind"], "properties": {"kind": {"enum": ["cat"]}, "lives": {"type": "integer"}}},
            "Dog": {"type": "object", "required": ["kind", "barks"], "properties": {"kind": {"enum": ["Dog"]}, "barks": {"type": "boolean"}}},
            "Loose": {"oneOf": [{"$ref": "#/components/schemas/Cat"}, {"type": "object", "required": ["kind"]}],
                      "discriminator": {"propertyName": "kind"}},
            "Num": {"oneOf": [{"type": "integer"}, {"type": "number", "minimum": 0}]}
        }),
    );
    let pets = positives(&c, 0, GenOptions::default(), 200);
    for v in &pets {
        assert!(validate(&c, 0, v, Direction::Request).is_empty(), "{v}");
        let kind = v["kind"].as_str().unwrap();
        assert!(kind == "cat" || kind == "Dog", "{v}");
        assert_eq!(kind == "Dog", v.get("barks").is_some(), "{v}");
    }
    assert!(pets.iter().any(|v| v["kind"] == "cat") && pets.iter().any(|v| v["kind"] == "Dog"));
    // Every cat also matches the second branch: only non-cats are valid.
    for v in positives(&c, 3, GenOptions::default(), 100) {
        assert!(validate(&c, 3, &v, Direction::Request).is_empty(), "{v}");
        assert_ne!(v["kind"], "cat");
    }
    // Non-negative integers match both branches: never generated.
    for v in positives(&c, 4, GenOptions::default(), 200) {
        let f = v.as_f64().unwrap();
        assert!(f < 0.0 || f.fract() != 0.0, "{v}");
    }
}

#[test]
fn recursive_schemas_terminate() {
    let c = compile_components(
        Dialect::Oas30,
        json!({
            "Tree": {"type": "object", "required": ["value", "children"], "properties": {
                "value": {"type": "integer"},
                "children": {"type": "array", "items": {"$ref": "#/components/schemas/Tree"}}}},
            "List": {"type": "object", "required": ["next"], "properties": {"next": {"$ref": "#/components/schemas/List"}}, "nullable": true},
            "Expr": {"anyOf": [{"type": "integer"}, {"type": "object", "required": ["left", "right"], "properties": {
                "left": {"$ref": "#/components/schemas/Expr"}, "right": {"$ref": "#/components/schemas/Expr"}}}]}
        }),
    );
    for id in 0..3 {
        for v in positives(&c, id, GenOptions::default(), 100) {
            assert!(validate(&c, id, &v, Direction::Request).is_empty(), "{v}");
            assert!(v.to_string().len() < 200_000);
        }
    }
}

#[test]
fn read_only_properties_are_omitted_in_requests() {
    let c = compile_one(
        Dialect::Oas30,
        json!({"type": "object", "required": ["id", "name"], "properties": {
            "id": {"type": "integer", "readOnly": true}, "name": {"type": "string"}, "secret": {"type": "string", "writeOnly": true}}}),
    );
    let requests = positives(&c, 0, GenOptions::default(), 100);
    assert!(requests.iter().all(|v| v.get("id").is_none()));
    let response = GenOptions { direction: Direction::Response, ..GenOptions::default() };
    let responses = positives(&c, 0, response, 100);
    assert!(responses.iter().all(|v| v.get("secret").is_none() && v.get("id").is_some()));
}

#[test]
fn examples_and_defaults_are_used_sometimes() {
    let c = compile_one(Dialect::Oas30, json!({"type": "string", "example": "the-example", "default": "the-default"}));
    let values = positives(&c, 0, GenOptions::default(), 300);
    assert!(values.iter().any(|v| v == "the-example") && values.iter().any(|v| v == "the-default"));
    assert!(values.iter().filter(|v| v.as_str().is_some_and(|s| s.starts_with("the-"))).count() < 100);
}

#[test]
fn unsatisfiable_schemas_give_nothing() {
    let c = compile_one(Dialect::Oas31, json!({"allOf": [{"type": "string"}, {"type": "integer"}]}));
    assert!(positive(&c, 0, GenOptions::default(), &mut Rng::new(1)).is_none());
    let c = compile_one(Dialect::Oas31, json!(false));
    assert!(positive(&c, 0, GenOptions::default(), &mut Rng::new(1)).is_none());
}

#[test]
fn same_seed_same_values() {
    let c = compile_one(
        Dialect::Oas30,
        json!({"type": "object", "properties": {"a": {"type": "string", "format": "email"}, "b": {"type": "array", "items": {"type": "number"}}}}),
    );
    let run = |seed| {
        let mut rng = Rng::new(seed);
        let pos: Vec<Value> = (0..20).map(|_| positive(&c, 0, GenOptions::default(), &mut rng).unwrap()).collect();
        let neg = negatives(&c, 0, GenOptions::default(), &mut rng, 20);
        (pos, neg)
    };
    assert_eq!(run(5), run(5));
    assert_ne!(run(5).0, run(6).0);
}

/// Every negative is invalid and the validator reports its labelled keyword at its labelled place.
fn check_negatives(c: &Compiled, id: SchemaId, opts: GenOptions, expected: &[&str]) -> Vec<Labelled> {
    let negs = negatives(c, id, opts, &mut Rng::new(3), 100);
    for n in &negs {
        let v = validate(c, id, &n.value, opts.direction);
        assert!(
            v.iter().any(|v| v.keyword == n.label.keyword && v.instance_pointer == n.label.instance_pointer),
            "{:?} not reported for {}: {v:?}",
            n.label,
            n.value
        );
    }
    let keywords: Vec<&str> = negs.iter().map(|n| n.label.keyword).collect();
    for kw in expected {
        assert!(keywords.contains(kw), "no {kw} negative in {keywords:?}");
    }
    negs
}

#[test]
fn negatives_cover_each_keyword() {
    let c = compile_one(
        Dialect::Oas30,
        json!({
            "type": "object", "required": ["id", "code", "tags"], "additionalProperties": false, "minProperties": 3, "maxProperties": 6,
            "properties": {
                "id": {"type": "integer", "minimum": 1, "maximum": 100, "format": "int32"},
                "ratio": {"type": "number", "minimum": 0, "exclusiveMaximum": true, "maximum": 1},
                "step": {"type": "integer", "multipleOf": 5},
                "code": {"type": "string", "minLength": 2, "maxLength": 5, "pattern": "^[A-Z]+$"},
                "mail": {"type": "string", "format": "email"},
                "kind": {"type": "string", "enum": ["a", "b"]},
                "fixed": {"const": 3},
                "tags": {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 3, "uniqueItems": true}
            }
        }),
    );
    let negs = check_negatives(
        &c,
        0,
        GenOptions::default(),
        &[
            "type",
            "required",
            "additionalProperties",
            "minimum",
            "maximum",
            "minLength",
            "maxLength",
            "pattern",
            "minItems",
            "maxItems",
            "uniqueItems",
            "maxProperties",
        ],
    );
    assert!(negs.iter().any(|n| n.label.boundary) && negs.iter().any(|n| !n.label.boundary));
    assert!(negs.iter().any(|n| n.label.instance_pointer == "/tags/0"));
    // Every label appears once.
    for (i, a) in negs.iter().enumerate() {
        assert!(negs[i + 1..].iter().all(|b| b.label != a.label));
    }
}

#[test]
fn optional_keywords_get_negatives_when_present() {
    let c = compile_one(
        Dialect::Oas30,
        json!({"type": "object", "required": ["ratio", "step", "mail", "kind", "fixed"], "properties": {
            "ratio": {"type": "number", "minimum": 0, "exclusiveMaximum": true, "maximum": 1},
            "step": {"type": "integer", "multipleOf": 5},
            "mail": {"type": "string", "format": "email"},
            "kind": {"type": "string", "enum": ["a", "b"]},
            "fixed": {"const": 3}}}),
    );
    check_negatives(
        &c,
        0,
        GenOptions::default(),
        &["exclusiveMaximum", "multipleOf", "format", "enum", "const", "minimum"],
    );
}

#[test]
fn boundary_negatives_are_just_past_the_bound() {
    let c = compile_one(Dialect::Oas30, json!({"type": "integer", "minimum": 5, "maximum": 10}));
    let negs = check_negatives(&c, 0, GenOptions::default(), &["minimum", "maximum"]);
    let value_of = |kw: &str| negs.iter().find(|n| n.label.keyword == kw).map(|n| n.value.clone());
    assert_eq!(value_of("minimum"), Some(json!(4)));
    assert_eq!(value_of("maximum"), Some(json!(11)));
    let c = compile_one(Dialect::Oas31, json!({"type": "integer", "exclusiveMinimum": 5, "multipleOf": 2}));
    let negs = check_negatives(&c, 0, GenOptions::default(), &["exclusiveMinimum"]);
    assert_eq!(negs.iter().find(|n| n.label.keyword == "exclusiveMinimum").unwrap().value, json!(4));
    let c = compile_one(Dialect::Oas30, json!({"type": "string", "minLength": 3, "maxLength": 5}));
    let negs = check_negatives(&c, 0, GenOptions::default(), &["minLength", "maxLength"]);
    for n in negs.iter().filter(|n| n.label.boundary) {
        let len = n.value.as_str().unwrap().chars().count();
        assert!(len == 2 || len == 6, "{}", n.value);
    }
}

#[test]
fn text_target_type_violations_survive_serialisation() {
    let c = compile_one(Dialect::Oas30, json!({"type": "integer", "minimum": 1}));
    let negs = check_negatives(&c, 0, GenOptions::text(), &["type", "minimum"]);
    for n in negs.iter().filter(|n| n.label.keyword == "type") {
        // Never a numeric string, never null.
        assert!(n.value == json!("abc") || n.value == json!(1.5), "{}", n.value);
    }
    let c = compile_one(Dialect::Oas30, json!({"type": "string", "maxLength": 3}));
    let negs = check_negatives(&c, 0, GenOptions::text(), &["maxLength"]);
    assert!(negs.iter().all(|n| n.label.keyword != "type"));
    let c = compile_one(Dialect::Oas30, json!({"type": "boolean"}));
    let negs = check_negatives(&c, 0, GenOptions::text(), &["type"]);
    assert_eq!(negs[0].value, json!("notabool"));
}

#[test]
fn nested_negatives_in_one_of_roots() {
    let c = compile_components(Dialect::Oas31, json!({"U": {"oneOf": [{"type": "string"}, {"type": "integer"}]}}));
    check_negatives(&c, 0, GenOptions::default(), &["oneOf"]);
}

#[test]
fn boundary_positives_sit_on_bounds() {
    let c = compile_one(
        Dialect::Oas30,
        json!({"type": "object", "required": ["n", "s", "a", "x"], "properties": {
            "n": {"type": "integer", "minimum": 2, "maximum": 9, "multipleOf": 2},
            "x": {"type": "number", "exclusiveMinimum": true, "minimum": 0},
            "s": {"type": "string", "minLength": 2, "maxLength": 4, "pattern": "^[a-z]+$"},
            "a": {"type": "array", "items": {"type": "integer"}, "minItems": 1, "maxItems": 3, "uniqueItems": true}}}),
    );
    let b = boundaries(&c, 0, GenOptions::default(), &mut Rng::new(1), 50);
    for l in &b {
        assert!(validate(&c, 0, &l.value, Direction::Request).is_empty(), "{}", l.value);
        assert!(l.label.boundary);
    }
    let at = |kw: &str, ptr: &str| {
        b.iter().find(|l| l.label.keyword == kw && l.label.instance_pointer == ptr).map(|l| l.value.clone())
    };
    assert_eq!(at("minimum", "/n").unwrap()["n"], json!(2));
    assert_eq!(at("maximum", "/n").unwrap()["n"], json!(8));
    assert_eq!(at("exclusiveMinimum", "/x").unwrap()["x"], json!(0.01));
    assert_eq!(at("minLength", "/s").unwrap()["s"].as_str().unwrap().len(), 2);
    assert_eq!(at("maxLength", "/s").unwrap()["s"].as_str().unwrap().len(), 4);
    assert_eq!(at("maxItems", "/a").unwrap()["a"].as_array().unwrap().len(), 3);
    assert_eq!(at("minItems", "/a").unwrap()["a"].as_array().unwrap().len(), 1);
    let c = compile_one(
        Dialect::Oas31,
        json!({"type": "object", "required": ["a"], "minProperties": 2, "maxProperties": 4,
               "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}, "c": {"type": "string"}}}),
    );
    let b = boundaries(&c, 0, GenOptions::default(), &mut Rng::new(1), 50);
    let count = |kw: &str| b.iter().find(|l| l.label.keyword == kw).map(|l| l.value.as_object().unwrap().len());
    assert_eq!(count("minProperties"), Some(2));
    assert_eq!(count("maxProperties"), Some(4));
    for l in &b {
        assert!(validate(&c, 0, &l.value, Direction::Request).is_empty(), "{}", l.value);
    }
}

#[test]
fn negatives_reach_every_optional_property() {
    let props: serde_json::Map<String, Value> =
        (0..10).map(|i| (format!("p{i}"), json!({"type": "integer"}))).collect();
    let c = compile_one(Dialect::Oas31, json!({"type": "object", "properties": props}));
    let negs = negatives(&c, 0, GenOptions::default(), &mut Rng::new(1), 100);
    for i in 0..10 {
        let at = format!("/p{i}");
        assert!(
            negs.iter().any(|n| n.label.keyword == "type" && n.label.instance_pointer == at),
            "no type negative at {at}"
        );
    }
    assert!(positive(&c, 1000, GenOptions::default(), &mut Rng::new(1)).is_none());
}
