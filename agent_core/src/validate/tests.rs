use serde_json::{json, Value};

use super::*;
use crate::model::Dialect;
use crate::schema::testing::{compile_components, compile_one};

fn keywords(dialect: Dialect, schema: Value, instance: Value) -> Vec<&'static str> {
    let c = compile_one(dialect, schema);
    let violations = validate(&c, 0, &instance, Direction::Request);
    assert_eq!(is_valid(&c, 0, &instance, Direction::Request), violations.is_empty());
    violations.iter().map(|v| v.keyword).collect()
}

fn valid(dialect: Dialect, schema: Value, instance: Value) {
    let got = keywords(dialect, schema.clone(), instance.clone());
    assert!(got.is_empty(), "{instance} against {schema}: {got:?}");
}

fn invalid(dialect: Dialect, schema: Value, instance: Value, keyword: &str) {
    let got = keywords(dialect, schema.clone(), instance.clone());
    assert_eq!(got, vec![keyword], "{instance} against {schema}");
}

const BOTH: [Dialect; 2] = [Dialect::Oas30, Dialect::Oas31];

#[test]
fn type_keyword() {
    for d in BOTH {
        valid(d, json!({"type": "integer"}), json!(3));
        valid(d, json!({"type": "integer"}), json!(3.0));
        invalid(d, json!({"type": "integer"}), json!(3.5), "type");
        valid(d, json!({"type": "number"}), json!(3));
        invalid(d, json!({"type": "string"}), json!(null), "type");
        invalid(d, json!({"type": "object"}), json!([]), "type");
        valid(d, json!({}), json!({"any": 1}));
    }
    valid(Dialect::Oas31, json!({"type": ["string", "null"]}), json!(null));
    invalid(Dialect::Oas31, json!({"type": ["string", "null"]}), json!(1), "type");
}

#[test]
fn nullable_in_legacy_dialects() {
    valid(Dialect::Oas30, json!({"type": "string", "nullable": true}), json!(null));
    valid(Dialect::Swagger20, json!({"type": "string", "x-nullable": true}), json!(null));
    valid(Dialect::Oas30, json!({"type": "string", "nullable": true, "enum": ["a"]}), json!(null));
    invalid(Dialect::Oas30, json!({"type": "string", "nullable": false}), json!(null), "type");
    // 3.1 has no `nullable`.
    invalid(Dialect::Oas31, json!({"type": "string", "nullable": true}), json!(null), "type");
}

#[test]
fn enum_and_const() {
    for d in BOTH {
        valid(d, json!({"enum": ["a", 1, null]}), json!(1.0));
        invalid(d, json!({"enum": ["a", "b"]}), json!("c"), "enum");
        valid(d, json!({"const": {"a": [1]}}), json!({"a": [1.0]}));
        invalid(d, json!({"const": 5}), json!(6), "const");
    }
}

#[test]
fn numeric_bounds() {
    for d in BOTH {
        valid(d, json!({"minimum": 1, "maximum": 3}), json!(1));
        valid(d, json!({"minimum": 1, "maximum": 3}), json!(3));
        invalid(d, json!({"minimum": 1}), json!(0.999), "minimum");
        invalid(d, json!({"maximum": 3}), json!(4), "maximum");
        invalid(d, json!({"multipleOf": 3}), json!(7), "multipleOf");
        valid(d, json!({"multipleOf": 0.01}), json!(19.99));
        invalid(d, json!({"multipleOf": 0.01}), json!(19.991), "multipleOf");
    }
    valid(Dialect::Oas30, json!({"minimum": 1, "exclusiveMinimum": false}), json!(1));
    invalid(Dialect::Oas30, json!({"minimum": 1, "exclusiveMinimum": true}), json!(1), "exclusiveMinimum");
    invalid(Dialect::Oas30, json!({"maximum": 5, "exclusiveMaximum": true}), json!(5), "exclusiveMaximum");
    invalid(Dialect::Oas31, json!({"exclusiveMinimum": 1}), json!(1), "exclusiveMinimum");
    valid(Dialect::Oas31, json!({"exclusiveMaximum": 5}), json!(4.999));
    invalid(Dialect::Oas31, json!({"exclusiveMaximum": 5}), json!(5), "exclusiveMaximum");
    // Big integers are compared exactly.
    valid(Dialect::Oas31, json!({"maximum": 9223372036854775807u64}), json!(9223372036854775807u64));
    invalid(Dialect::Oas31, json!({"maximum": 9223372036854775806u64}), json!(9223372036854775807u64), "maximum");
}

#[test]
fn integer_formats_are_ranges() {
    for d in BOTH {
        valid(d, json!({"type": "integer", "format": "int32"}), json!(2147483647));
        invalid(d, json!({"type": "integer", "format": "int32"}), json!(2147483648u64), "format");
        invalid(d, json!({"type": "integer", "format": "int64"}), json!(9223372036854775808u64), "format");
        valid(d, json!({"type": "number", "format": "float"}), json!(1e300));
    }
}

#[test]
fn string_keywords() {
    for d in BOTH {
        valid(d, json!({"minLength": 2, "maxLength": 3}), json!("éé"));
        invalid(d, json!({"minLength": 2}), json!("é"), "minLength");
        invalid(d, json!({"maxLength": 2}), json!("ééé"), "maxLength");
        valid(d, json!({"maxLength": 2}), json!("😀😀"));
        valid(d, json!({"pattern": "b+"}), json!("abba"));
        invalid(d, json!({"pattern": "^b+$"}), json!("abba"), "pattern");
        valid(d, json!({"pattern": r"^\p{L}+$"}), json!("héllo"));
        invalid(d, json!({"format": "email"}), json!("nope"), "format");
        valid(d, json!({"format": "email"}), json!(12));
        valid(d, json!({"format": "binary"}), json!("\u{0}\u{1}"));
        valid(d, json!({"minLength": 5}), json!(3));
    }
}

#[test]
fn array_keywords() {
    for d in BOTH {
        valid(d, json!({"items": {"type": "integer"}}), json!([1, 2]));
        invalid(d, json!({"items": {"type": "integer"}}), json!([1, "x"]), "type");
        invalid(d, json!({"minItems": 2}), json!([1]), "minItems");
        invalid(d, json!({"maxItems": 1}), json!([1, 2]), "maxItems");
        invalid(d, json!({"uniqueItems": true}), json!([1, {"a": 1}, {"a": 1.0}]), "uniqueItems");
        valid(d, json!({"uniqueItems": true}), json!([1, "1"]));
        invalid(d, json!({"contains": {"type": "string"}}), json!([1, 2]), "contains");
        invalid(d, json!({"contains": {"type": "string"}, "minContains": 2}), json!(["a", 2]), "minContains");
        invalid(d, json!({"contains": {"type": "string"}, "maxContains": 1}), json!(["a", "b"]), "maxContains");
    }
    let tuple = json!({"items": [{"type": "string"}, {"type": "integer"}], "additionalItems": false});
    valid(Dialect::Oas30, tuple.clone(), json!(["a", 1]));
    invalid(Dialect::Oas30, tuple.clone(), json!(["a", 1, 2]), "additionalItems");
    invalid(Dialect::Oas30, tuple, json!([1, 1]), "type");
    let prefix = json!({"prefixItems": [{"type": "string"}], "items": false});
    valid(Dialect::Oas31, prefix.clone(), json!(["a"]));
    invalid(Dialect::Oas31, prefix, json!(["a", 1]), "items");
}

#[test]
fn object_keywords() {
    for d in BOTH {
        let s = json!({"properties": {"a": {"type": "string"}}, "required": ["a"], "additionalProperties": false});
        valid(d, s.clone(), json!({"a": "x"}));
        invalid(d, s.clone(), json!({}), "required");
        invalid(d, s.clone(), json!({"a": "x", "b": 1}), "additionalProperties");
        invalid(d, s, json!({"a": 1}), "type");
        valid(d, json!({"additionalProperties": {"type": "integer"}}), json!({"x": 1}));
        invalid(d, json!({"additionalProperties": {"type": "integer"}}), json!({"x": "1"}), "type");
        let pp = json!({"patternProperties": {"^x-": {"type": "string"}}, "additionalProperties": false});
        valid(d, pp.clone(), json!({"x-a": "s"}));
        invalid(d, pp, json!({"y": "s"}), "additionalProperties");
        invalid(d, json!({"propertyNames": {"maxLength": 2}}), json!({"abc": 1}), "propertyNames");
        invalid(d, json!({"minProperties": 1}), json!({}), "minProperties");
        invalid(d, json!({"maxProperties": 1}), json!({"a": 1, "b": 2}), "maxProperties");
    }
    invalid(Dialect::Oas31, json!({"dependentRequired": {"a": ["b"]}}), json!({"a": 1}), "dependentRequired");
    invalid(Dialect::Oas30, json!({"dependencies": {"a": ["b"]}}), json!({"a": 1}), "dependentRequired");
    invalid(Dialect::Oas31, json!({"dependentSchemas": {"a": {"required": ["b"]}}}), json!({"a": 1}), "required");
}

#[test]
fn every_violation_is_reported_with_pointers() {
    let c = compile_one(
        Dialect::Oas30,
        json!({
            "type": "object", "required": ["id", "name"], "additionalProperties": false,
            "properties": {
                "id": {"type": "integer", "minimum": 1},
                "tags": {"type": "array", "items": {"type": "string", "maxLength": 3}}
            }
        }),
    );
    let v = validate(&c, 0, &json!({"id": 0, "tags": ["ok", "toolong", 5], "x/y": true}), Direction::Response);
    let got: Vec<(&str, &str, &str)> =
        v.iter().map(|v| (v.keyword, v.instance_pointer.as_str(), v.schema_pointer.as_str())).collect();
    assert_eq!(
        got,
        vec![
            ("minimum", "/id", "#/components/schemas/S/properties/id/minimum"),
            ("maxLength", "/tags/1", "#/components/schemas/S/properties/tags/items/maxLength"),
            ("type", "/tags/2", "#/components/schemas/S/properties/tags/items/type"),
            ("additionalProperties", "/x~1y", "#/components/schemas/S/additionalProperties"),
            ("required", "", "#/components/schemas/S/required"),
        ]
    );
}

#[test]
fn applicators() {
    for d in BOTH {
        let one = json!({"oneOf": [{"type": "integer"}, {"minimum": 0}]});
        valid(d, one.clone(), json!(-1));
        invalid(d, one.clone(), json!(1), "oneOf");
        invalid(d, one, json!(-1.5), "oneOf");
        invalid(d, json!({"anyOf": [{"type": "string"}, {"type": "boolean"}]}), json!(1), "anyOf");
        invalid(d, json!({"allOf": [{"type": "integer"}, {"minimum": 5}]}), json!(1), "minimum");
        invalid(d, json!({"not": {"type": "string"}}), json!("a"), "not");
    }
    let cond =
        json!({"if": {"properties": {"k": {"const": "a"}}}, "then": {"required": ["a"]}, "else": {"required": ["b"]}});
    valid(Dialect::Oas31, cond.clone(), json!({"k": "a", "a": 1}));
    invalid(Dialect::Oas31, cond.clone(), json!({"k": "a"}), "required");
    invalid(Dialect::Oas31, cond, json!({"k": "z", "a": 1}), "required");
}

#[test]
fn discriminator_explains_the_selected_branch() {
    let c = compile_components(
        Dialect::Oas30,
        json!({
            "Pet": {"oneOf": [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}],
                    "discriminator": {"propertyName": "kind"}},
            "Cat": {"type": "object", "required": ["kind", "purrs"], "properties": {"kind": {"type": "string"}, "purrs": {"type": "boolean"}}},
            "Dog": {"type": "object", "required": ["kind", "barks"], "properties": {"kind": {"type": "string"}, "barks": {"type": "boolean"}}}
        }),
    );
    let v = validate(&c, 0, &json!({"kind": "Cat", "purrs": "yes"}), Direction::Response);
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].keyword, "oneOf");
    assert!(v[0].message.contains("Cat fails at /purrs"), "{}", v[0].message);
}

#[test]
fn ref_siblings_per_dialect() {
    let schemas = json!({"A": {"$ref": "#/components/schemas/B", "maxLength": 2}, "B": {"type": "string"}});
    let legacy = compile_components(Dialect::Oas30, schemas.clone());
    assert!(is_valid(&legacy, 0, &json!("long"), Direction::Request));
    let modern = compile_components(Dialect::Oas31, schemas);
    assert_eq!(validate(&modern, 0, &json!("long"), Direction::Request)[0].keyword, "maxLength");
    assert_eq!(validate(&modern, 0, &json!(1), Direction::Request)[0].keyword, "type");
}

#[test]
fn boolean_schemas() {
    valid(Dialect::Oas31, json!(true), json!({"x": 1}));
    invalid(Dialect::Oas31, json!(false), json!(1), "false");
    invalid(Dialect::Oas31, json!({"properties": {"a": false}}), json!({"a": 1}), "false");
}

#[test]
fn read_only_and_write_only_by_direction() {
    let c = compile_one(
        Dialect::Oas30,
        json!({"type": "object", "required": ["id", "pw"], "properties": {
            "id": {"type": "integer", "readOnly": true}, "pw": {"type": "string", "writeOnly": true}}}),
    );
    let request = validate(&c, 0, &json!({"pw": "x"}), Direction::Request);
    assert!(request.is_empty(), "{request:?}");
    let response = validate(&c, 0, &json!({"id": 1}), Direction::Response);
    assert!(response.is_empty(), "{response:?}");
    assert_eq!(validate(&c, 0, &json!({}), Direction::Request).len(), 1);
    assert_eq!(validate(&c, 0, &json!({}), Direction::Response).len(), 1);
}

#[test]
fn runaway_recursion_is_a_violation_not_a_crash() {
    let c = compile_components(Dialect::Oas31, json!({"A": {"allOf": [{"$ref": "#/components/schemas/A"}]}}));
    let v = validate(&c, 0, &json!(1), Direction::Request);
    assert_eq!(v.last().map(|v| v.keyword), Some("depth"));
    let nested =
        compile_one(Dialect::Oas31, json!({"type": "object", "properties": {"n": {"$ref": "#/components/schemas/S"}}}));
    let mut deep = json!({});
    for _ in 0..400 {
        deep = json!({ "n": deep });
    }
    let v = validate(&nested, 0, &deep, Direction::Request);
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].keyword, "depth");
    let mut ok = json!({});
    for _ in 0..100 {
        ok = json!({ "n": ok });
    }
    assert!(validate(&nested, 0, &ok, Direction::Request).is_empty());
}

#[test]
fn json_bytes() {
    let c = compile_one(Dialect::Oas30, json!({"type": "object"}));
    assert!(validate_json_bytes(&c, 0, b"{\"a\": 1}", Direction::Response).is_empty());
    let v = validate_json_bytes(&c, 0, b"<html>", Direction::Response);
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].keyword, "json");
    assert_eq!(validate_json_bytes(&c, 0, b"[]", Direction::Response)[0].keyword, "type");
}

#[test]
fn unknown_schema_ids_are_reported_not_panicked() {
    let c = compile_one(Dialect::Oas30, json!({"type": "string"}));
    assert_eq!(validate(&c, 99, &json!("x"), Direction::Request)[0].keyword, "schema");
    assert!(!is_valid(&c, 99, &json!("x"), Direction::Request));
    assert_eq!(validate_json_bytes(&c, 99, b"1", Direction::Request)[0].keyword, "schema");
}
