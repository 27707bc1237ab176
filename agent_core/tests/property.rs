//! Property-style loop: for a corpus of schemas (both dialect families, formats, real-world patterns, composition,
//! recursion) and many seeds, every positive validates, every boundary positive validates, and every negative is
//! invalid with exactly its labelled keyword at its labelled place.

use agent_core::datagen::{boundaries, negatives, positive, GenOptions, Rng, Target};
use agent_core::model::Dialect;
use agent_core::schema::testing::compile_components;
use agent_core::schema::Compiled;
use agent_core::validate::{validate, Direction};
use serde_json::{json, Value};

const SEEDS: u64 = 25;

fn corpus() -> Vec<(Dialect, Value)> {
    vec![
        (
            Dialect::Oas30,
            json!({
                "Pet": {"type": "object", "required": ["name", "photoUrls"], "properties": {
                    "id": {"type": "integer", "format": "int64", "readOnly": true},
                    "category": {"$ref": "#/components/schemas/Category"},
                    "name": {"type": "string", "example": "doggie"},
                    "photoUrls": {"type": "array", "items": {"type": "string", "format": "uri"}},
                    "tags": {"type": "array", "items": {"$ref": "#/components/schemas/Tag"}, "maxItems": 5},
                    "status": {"type": "string", "enum": ["available", "pending", "sold"]},
                    "weight": {"type": "number", "format": "float", "minimum": 0, "exclusiveMinimum": true, "maximum": 200}}},
                "Category": {"type": "object", "properties": {"id": {"type": "integer", "format": "int32"}, "name": {"type": "string", "pattern": "^[a-zA-Z0-9]+[a-zA-Z0-9\\.\\-_]*[a-zA-Z0-9]+$"}}},
                "Tag": {"type": "object", "additionalProperties": false, "properties": {"id": {"type": "integer"}, "name": {"type": "string", "maxLength": 16}}},
                "Order": {"type": "object", "required": ["quantity", "shipDate"], "properties": {
                    "quantity": {"type": "integer", "minimum": 1, "maximum": 99, "multipleOf": 1},
                    "price": {"type": "number", "multipleOf": 0.01, "minimum": 0.01},
                    "shipDate": {"type": "string", "format": "date-time"},
                    "email": {"type": "string", "format": "email", "nullable": true},
                    "ref": {"type": "string", "format": "uuid"},
                    "note": {"type": "string", "nullable": true, "maxLength": 140}}},
                "Account": {"allOf": [{"$ref": "#/components/schemas/Category"}, {"type": "object", "required": ["iban"], "properties": {
                    "iban": {"type": "string", "pattern": "^[A-Z]{2}\\d{2}[A-Z0-9]{11,30}$"},
                    "since": {"type": "string", "format": "date"}}}]},
                "Shape": {"oneOf": [{"$ref": "#/components/schemas/Circle"}, {"$ref": "#/components/schemas/Square"}], "discriminator": {"propertyName": "kind"}},
                "Circle": {"type": "object", "required": ["kind", "r"], "properties": {"kind": {"type": "string", "enum": ["Circle"]}, "r": {"type": "number", "minimum": 0}}},
                "Square": {"type": "object", "required": ["kind", "side"], "properties": {"kind": {"type": "string", "enum": ["Square"]}, "side": {"type": "integer", "minimum": 1}}},
                "Node": {"type": "object", "required": ["value"], "properties": {"value": {"type": "string", "minLength": 1}, "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}}, "parent": {"$ref": "#/components/schemas/Node"}}},
                "Matrix": {"type": "array", "minItems": 1, "maxItems": 3, "items": {"type": "array", "minItems": 2, "maxItems": 2, "items": {"type": "integer", "minimum": -5, "maximum": 5}}},
                "Flags": {"type": "array", "uniqueItems": true, "minItems": 2, "items": {"type": "string", "enum": ["a", "b", "c"]}},
                "Legacy": {"type": "object", "properties": {"n": {"type": "integer", "maximum": 10, "exclusiveMaximum": true}}, "required": ["n"], "minProperties": 1, "maxProperties": 2}
            }),
        ),
        (
            Dialect::Swagger20,
            json!({
                "Animal": {"type": "object", "discriminator": "animalType", "required": ["animalType"], "properties": {"animalType": {"type": "string"}, "name": {"type": "string", "x-nullable": true}}},
                "Dog": {"allOf": [{"$ref": "#/definitions/Animal"}, {"type": "object", "properties": {"barks": {"type": "boolean"}}}]},
                "Upload": {"type": "object", "properties": {"file": {"type": "file"}, "size": {"type": "integer", "format": "int32", "minimum": 0}}}
            }),
        ),
        (
            Dialect::Oas31,
            json!({
                "Event": {"type": "object", "required": ["id", "at", "payload"], "properties": {
                    "id": {"type": "string", "format": "uuid"},
                    "at": {"type": "string", "format": "date-time"},
                    "level": {"type": ["string", "null"], "enum": ["info", "warn", null]},
                    "score": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
                    "tags": {"type": "array", "prefixItems": [{"const": "v1"}], "items": {"type": "string", "pattern": "^[a-z]+$"}, "minItems": 1},
                    "payload": {"$ref": "#/components/schemas/Payload"},
                    "meta": {"type": "object", "additionalProperties": {"type": "integer"}, "propertyNames": {"maxLength": 8}, "maxProperties": 4}}},
                "Payload": {"anyOf": [{"type": "string", "maxLength": 10}, {"type": "object", "required": ["x"], "properties": {"x": {"type": "integer"}}}]},
                "Cond": {"type": "object", "properties": {"kind": {"enum": ["a", "b"]}, "a": {"type": "integer"}, "b": {"type": "string"}},
                         "required": ["kind"], "if": {"properties": {"kind": {"const": "a"}}}, "then": {"required": ["a"]}, "else": {"required": ["b"]}},
                "Deps": {"type": "object", "properties": {"card": {"type": "string"}, "cvv": {"type": "string", "pattern": "^\\d{3}$"}}, "dependentRequired": {"card": ["cvv"]}},
                "NotEmpty": {"type": "string", "not": {"const": ""}, "maxLength": 5},
                "Tuple": {"type": "array", "prefixItems": [{"type": "integer"}, {"type": "string", "format": "ipv4"}], "items": false},
                "Contains": {"type": "array", "contains": {"type": "integer", "minimum": 100}, "maxContains": 2, "items": {"type": "integer"}},
                "Sibling": {"$ref": "#/components/schemas/NotEmpty", "minLength": 2},
                "Patterns": {"type": "object", "required": ["a", "b", "c", "d", "e", "f", "g", "h"], "properties": {
                    "a": {"type": "string", "pattern": "^(?!\\s*$).+"},
                    "b": {"type": "string", "pattern": "^[\\p{L}\\p{N} .'-]+$"},
                    "c": {"type": "string", "pattern": "^[A-Z0-9]{3}(\\_[A-Z0-9]+)*$"},
                    "d": {"type": "string", "pattern": "^\\/[\\w\\-\\/]*$"},
                    "e": {"type": "string", "pattern": "^((?!password).)*$", "maxLength": 20},
                    "f": {"type": "string", "pattern": "^(?<year>\\d{4})-(?<month>0[1-9]|1[0-2])$"},
                    "g": {"type": "string", "pattern": "^#([A-Fa-f0-9]{6}|[A-Fa-f0-9]{3})$"},
                    "h": {"type": "string", "pattern": "^\\+[1-9]\\d{1,14}$"}}}
            }),
        ),
    ]
}

fn check_value_sets(c: &Compiled, id: u32, opts: GenOptions, seed: u64) -> usize {
    let mut rng = Rng::new(seed);
    let mut positives = 0;
    for _ in 0..8 {
        if let Some(v) = positive(c, id, opts, &mut rng) {
            let violations = validate(c, id, &v, opts.direction);
            assert!(violations.is_empty(), "positive {v} of {} invalid: {violations:?}", c.node(id).pointer);
            positives += 1;
        }
    }
    for b in boundaries(c, id, opts, &mut rng, 30) {
        let violations = validate(c, id, &b.value, opts.direction);
        assert!(violations.is_empty(), "boundary {:?} {} invalid: {violations:?}", b.label, b.value);
        assert!(b.label.boundary);
    }
    for n in negatives(c, id, opts, &mut rng, 60) {
        let violations = validate(c, id, &n.value, opts.direction);
        assert!(!violations.is_empty(), "negative {:?} {} is valid", n.label, n.value);
        assert!(
            violations.iter().any(|v| v.keyword == n.label.keyword && v.instance_pointer == n.label.instance_pointer),
            "negative {:?} {}: {violations:?}",
            n.label,
            n.value
        );
        assert!(
            violations.iter().all(|v| v.instance_pointer == n.label.instance_pointer),
            "{:?}: {violations:?}",
            n.label
        );
        if opts.target == Target::Text {
            assert!(!n.value.is_null());
            if n.label.keyword == "type" {
                assert!(n.value.as_str().is_none_or(|s| s.parse::<f64>().is_err()), "{}", n.value);
            }
        }
    }
    positives
}

#[test]
fn generated_values_keep_their_promises() {
    for (dialect, components) in corpus() {
        let c = compile_components(dialect, components);
        for id in 0..c.entries as u32 {
            let mut positives = 0;
            for seed in 0..SEEDS {
                positives += check_value_sets(&c, id, GenOptions::default(), seed);
            }
            assert!(positives > 0, "no positive for {}", c.node(id).pointer);
        }
    }
}

#[test]
fn text_target_values_keep_their_promises() {
    let c = compile_components(
        Dialect::Oas30,
        json!({
            "Int": {"type": "integer", "minimum": 1, "maximum": 500},
            "Num": {"type": "number", "multipleOf": 0.5},
            "Bool": {"type": "boolean"},
            "Str": {"type": "string", "pattern": "^[a-z]{2,6}$"},
            "Day": {"type": "string", "format": "date"},
            "Ids": {"type": "array", "items": {"type": "integer", "format": "int32"}, "maxItems": 4},
            "Enum": {"type": "string", "enum": ["asc", "desc"]}
        }),
    );
    for id in 0..c.entries as u32 {
        for seed in 0..SEEDS {
            assert!(check_value_sets(&c, id, GenOptions::text(), seed) > 0);
        }
    }
}

#[test]
fn response_direction_hides_write_only() {
    let c = compile_components(
        Dialect::Oas31,
        json!({"User": {"type": "object", "required": ["id", "password"], "properties": {
            "id": {"type": "integer", "readOnly": true}, "password": {"type": "string", "writeOnly": true, "minLength": 8}}}}),
    );
    let opts = GenOptions { target: Target::Json, direction: Direction::Response };
    for seed in 0..SEEDS {
        assert!(check_value_sets(&c, 0, opts, seed) > 0);
        let v = positive(&c, 0, opts, &mut Rng::new(seed)).unwrap();
        assert!(v.get("password").is_none() && v.get("id").is_some());
    }
}
