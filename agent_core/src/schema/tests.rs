use serde_json::json;

use super::testing::{compile_components, compile_one, StoreBuilder};
use super::*;
use crate::error::ErrorCode;
use crate::model::Dialect;

fn compile_warn(dialect: Dialect, components: serde_json::Value) -> (Compiled, Vec<Warning>) {
    let store = StoreBuilder::new(dialect).components(components).build();
    compile(&store, dialect).unwrap()
}

fn compile_err(dialect: Dialect, components: serde_json::Value) -> crate::error::SpecError {
    let store = StoreBuilder::new(dialect).components(components).build();
    compile(&store, dialect).expect_err("compile should fail")
}

#[test]
fn entry_ids_are_node_ids_and_inline_schemas_follow() {
    let c = compile_components(
        Dialect::Oas30,
        json!({
            "A": {"type": "object", "properties": {"b": {"$ref": "#/components/schemas/B"}, "n": {"type": "integer"}}},
            "B": {"type": "string"}
        }),
    );
    assert_eq!(c.entries, 2);
    assert_eq!(&*c.node(0).pointer, "#/components/schemas/A");
    assert_eq!(&*c.node(1).pointer, "#/components/schemas/B");
    let props = &c.node(0).object.as_ref().unwrap().properties;
    assert_eq!(props[0].node, 1, "a $ref property is the target node itself");
    assert!(props[1].node >= 2);
    assert_eq!(&*c.node(props[1].node).pointer, "#/components/schemas/A/properties/n");
}

#[test]
fn ref_siblings_ignored_in_legacy_and_added_in_31() {
    let schemas = json!({
        "A": {"properties": {"x": {"$ref": "#/components/schemas/B", "maxLength": 2}}},
        "B": {"type": "string"}
    });
    let legacy = compile_components(Dialect::Oas30, schemas.clone());
    let x = legacy.node(0).object.as_ref().unwrap().properties[0].node;
    assert_eq!(x, 1);
    let modern = compile_components(Dialect::Oas31, schemas);
    let x = modern.node(0).object.as_ref().unwrap().properties[0].node;
    let node = modern.node(x);
    assert_eq!(&*node.all_of, &[1]);
    assert_eq!(node.string.as_ref().unwrap().max_length, Some(2));
}

#[test]
fn annotation_only_siblings_in_31_are_the_target() {
    let c = compile_components(
        Dialect::Oas31,
        json!({"A": {"properties": {"x": {"$ref": "#/components/schemas/B", "description": "d"}}}, "B": {"type": "string"}}),
    );
    assert_eq!(c.node(0).object.as_ref().unwrap().properties[0].node, 1);
}

#[test]
fn types_and_nullable_per_dialect() {
    let c = compile_one(Dialect::Oas31, json!({"type": ["string", "null"]}));
    assert_eq!(c.node(0).types, Some(TypeSet::STRING.union(TypeSet::NULL)));
    let c = compile_one(Dialect::Oas30, json!({"type": "string", "nullable": true}));
    assert!(c.node(0).nullable);
    let c = compile_one(Dialect::Swagger20, json!({"type": "string", "x-nullable": true}));
    assert!(c.node(0).nullable);
    let (c, warnings) = compile_warn(Dialect::Oas31, json!({"S": {"type": "string", "nullable": true}}));
    assert!(!c.node(0).nullable);
    assert!(warnings.iter().any(|w| w.code == ErrorCode::SpecSchemaUnsupported && w.message.contains("nullable")));
}

#[test]
fn exclusive_bounds_per_dialect() {
    let c =
        compile_one(Dialect::Oas30, json!({"type": "number", "minimum": 1, "exclusiveMinimum": true, "maximum": 9}));
    let num = c.node(0).num.as_ref().unwrap();
    assert_eq!(num.exclusive_minimum, Some(Num::Int(1)));
    assert_eq!(num.minimum, None);
    assert_eq!(num.lower(), Some(Bound { value: Num::Int(1), exclusive: true }));
    assert_eq!(num.upper(), Some(Bound { value: Num::Int(9), exclusive: false }));
    let c = compile_one(Dialect::Oas31, json!({"type": "number", "exclusiveMinimum": 1.5, "minimum": 0}));
    let num = c.node(0).num.as_ref().unwrap();
    assert_eq!(num.lower(), Some(Bound { value: Num::Float(1.5), exclusive: true }));
}

#[test]
fn tuple_items_in_legacy_and_prefix_items_in_31() {
    let c = compile_one(
        Dialect::Oas30,
        json!({"items": [{"type": "string"}, {"type": "integer"}], "additionalItems": false}),
    );
    let a = c.node(0).array.as_ref().unwrap();
    assert_eq!(a.prefix.len(), 2);
    assert_eq!(a.items_keyword, "additionalItems");
    assert!(c.node(a.items.unwrap()).is_false());
    let c = compile_one(Dialect::Oas31, json!({"prefixItems": [{"type": "string"}], "items": {"type": "integer"}}));
    let a = c.node(0).array.as_ref().unwrap();
    assert_eq!(a.prefix.len(), 1);
    assert_eq!(a.items_keyword, "items");
}

#[test]
fn invalid_pattern_is_an_error_at_the_keyword() {
    let err = compile_err(
        Dialect::Oas30,
        json!({"X": {"type": "object", "properties": {"code": {"type": "string", "pattern": "([a-z]"}}}}),
    );
    assert_eq!(err.code, ErrorCode::SpecPatternInvalid);
    assert_eq!(err.location.pointer.as_deref(), Some("#/components/schemas/X/properties/code/pattern"));
    let err = compile_err(Dialect::Oas31, json!({"X": {"patternProperties": {"a/(": {}}}}));
    assert_eq!(err.location.pointer.as_deref(), Some("#/components/schemas/X/patternProperties/a~1("));
}

#[test]
fn ecma_only_patterns_compile_and_unsupported_ones_warn() {
    let (_, warnings) = compile_warn(
        Dialect::Oas30,
        json!({"A": {"type": "string", "pattern": r"^[\w\-]+\_x$"}, "B": {"type": "string", "pattern": r"^(a)\1$"}}),
    );
    let unsupported: Vec<_> = warnings.iter().filter(|w| w.code == ErrorCode::SpecPatternUnsupported).collect();
    assert_eq!(unsupported.len(), 1);
    assert_eq!(unsupported[0].pointer, "#/components/schemas/B/pattern");
}

#[test]
fn unknown_formats_warn_per_pointer_and_ignored_keywords_once() {
    let (c, warnings) = compile_warn(
        Dialect::Oas31,
        json!({
            "A": {"type": "string", "format": "phone", "unevaluatedProperties": false},
            "B": {"type": "string", "format": "phone", "unevaluatedProperties": false},
            "C": {"type": "string", "format": "email"}
        }),
    );
    let unknown: Vec<_> = warnings.iter().filter(|w| w.code == ErrorCode::SpecFormatUnknown).collect();
    assert_eq!(unknown.len(), 2);
    assert_eq!(unknown[0].pointer, "#/components/schemas/A/format");
    assert_eq!(warnings.iter().filter(|w| w.code == ErrorCode::SpecSchemaUnsupported).count(), 1);
    assert_eq!(c.node(2).format, Some(Format::Email));
    assert_eq!(c.node(0).format, None);
}

#[test]
fn unresolved_ref_id_is_an_error() {
    let store = crate::model::SchemaStore {
        entries: vec![crate::model::SchemaEntry {
            pointer: "#/components/schemas/A".into(),
            name: Some("A".into()),
            value: json!({"properties": {"b": {"$ref": 7}}}),
        }],
    };
    let err = compile(&store, Dialect::Oas30).expect_err("unresolved");
    assert_eq!(err.code, ErrorCode::SpecRefUnresolved);
}

#[test]
fn discriminator_mappings_explicit_and_implicit() {
    let c = compile_components(
        Dialect::Oas30,
        json!({
            "Pet": {
                "oneOf": [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}],
                "discriminator": {"propertyName": "kind", "mapping": {"kitty": "#/components/schemas/Cat"}}
            },
            "Cat": {"type": "object"},
            "Dog": {"type": "object"}
        }),
    );
    let d = c.node(0).discriminator.as_ref().unwrap();
    assert_eq!(&*d.property, "kind");
    assert_eq!(d.key_for(1), Some("kitty"));
    assert_eq!(d.key_for(2), Some("Dog"));
}

#[test]
fn inheritance_discriminator_maps_extending_components() {
    let c = compile_components(
        Dialect::Swagger20,
        json!({
            "Pet": {"type": "object", "discriminator": "petType", "properties": {"petType": {"type": "string"}}},
            "Cat": {"allOf": [{"$ref": "#/definitions/Pet"}, {"properties": {"purrs": {"type": "boolean"}}}]}
        }),
    );
    let d = c.node(0).discriminator.as_ref().unwrap();
    assert_eq!(d.key_for(1), Some("Cat"));
}

#[test]
fn read_only_flags_reach_properties_through_refs() {
    let c = compile_components(
        Dialect::Oas30,
        json!({
            "A": {"properties": {"id": {"$ref": "#/components/schemas/Id"}, "pw": {"type": "string", "writeOnly": true},
                                 "owner": {"$ref": "#/components/schemas/Owner", "readOnly": true}}},
            "Id": {"type": "integer", "readOnly": true},
            "Owner": {"type": "string"}
        }),
    );
    let props = &c.node(0).object.as_ref().unwrap().properties;
    assert!(props[0].read_only && !props[0].write_only);
    assert!(props[1].write_only);
    // A 3.0 `$ref` sibling still marks the property read-only.
    assert!(props[2].read_only && !c.node(props[2].node).read_only);
}

#[test]
fn costs_terminate_recursion_where_possible() {
    let c = compile_components(
        Dialect::Oas30,
        json!({
            "Tree": {"type": "object", "required": ["v"], "properties": {"v": {"type": "integer"}, "kids": {"type": "array", "items": {"$ref": "#/components/schemas/Tree"}}}},
            "Loop": {"type": "object", "required": ["next"], "properties": {"next": {"$ref": "#/components/schemas/Loop"}}},
            "Chain": {"type": "object", "required": ["next"], "properties": {"next": {"anyOf": [{"type": "null"}, {"$ref": "#/components/schemas/Chain"}]}}}
        }),
    );
    assert!(c.cost(0) < INFINITE_COST);
    assert_eq!(c.cost(1), INFINITE_COST);
    assert!(c.cost(2) < INFINITE_COST);
}

#[test]
fn boolean_schemas_and_non_schemas() {
    let (c, warnings) = compile_warn(Dialect::Oas31, json!({"T": true, "F": false, "X": 5}));
    assert!(c.node(0).is_true() && c.node(1).is_false() && c.node(2).is_true());
    assert_eq!(warnings.len(), 1);
}

#[test]
fn pointers_escape_property_names() {
    let c = compile_one(Dialect::Oas31, json!({"properties": {"a/b~c": {"type": "string"}}}));
    let p = c.node(0).object.as_ref().unwrap().properties[0].node;
    assert_eq!(&*c.node(p).pointer, "#/components/schemas/S/properties/a~1b~0c");
}

#[test]
fn unknown_type_names_warn_and_constrain_nothing() {
    let (c, warnings) = compile_warn(Dialect::Oas30, json!({"S": {"type": "int"}, "F": {"type": "file"}}));
    assert_eq!(c.node(0).types, Some(TypeSet::ALL));
    assert_eq!(c.node(1).types, Some(TypeSet::STRING));
    assert_eq!(warnings.len(), 1);
    assert_eq!(warnings[0].pointer, "#/components/schemas/S/type");
}

fn unsatisfiable(dialect: Dialect, components: serde_json::Value) -> Vec<Warning> {
    let (_, warnings) = compile_warn(dialect, components);
    warnings.into_iter().filter(|w| w.code == ErrorCode::SpecSchemaUnsatisfiable).collect()
}

#[test]
fn contradictory_schemas_warn_once_each() {
    let warnings = unsatisfiable(
        Dialect::Swagger20,
        json!({
            // A strict allOf member that does not repeat its parent's required property (Azure style).
            "Props": {"type": "object", "additionalProperties": false, "required": ["name"],
                      "properties": {"name": {"type": "string"}}, "allOf": [{"$ref": "#/definitions/Base"}]},
            "Base": {"type": "object", "additionalProperties": false, "properties": {"created": {"type": "string"}}},
            // Uses Props through allOf: the same conflict, not reported again.
            "User": {"allOf": [{"$ref": "#/definitions/Props"}]},
            // A misspelt required name under additionalProperties: false.
            "Screens": {"type": "object", "additionalProperties": false, "required": ["defaultScreen"],
                        "properties": {"default": {"type": "integer"}}},
            // Strings that spell integers.
            "Shards": {"type": "integer", "enum": ["1", "2"]},
            "Gender": {"type": "string", "maxLength": 1, "enum": ["MALE", "FEMALE"]},
            // Open alternatives with disjoint properties.
            "Restaurant": {"oneOf": [
                {"type": "object", "properties": {"Id": {"type": "integer"}}},
                {"type": "object", "properties": {"Reference": {"type": "string"}}}
            ]}
        }),
    );
    let pointers: Vec<&str> = warnings.iter().map(|w| w.pointer.as_str()).collect();
    assert_eq!(
        pointers,
        [
            "#/definitions/Props",
            "#/definitions/Screens",
            "#/definitions/Shards",
            "#/definitions/Gender",
            "#/definitions/Restaurant"
        ]
    );
    assert!(warnings[0].message.contains("'name'") && warnings[0].message.contains("#/definitions/Base"));
    assert!(warnings[1].message.contains("declared nowhere"));
    assert!(warnings[2].message.contains("`type: integer`"));
    assert!(warnings[4].message.contains("oneOf"));
    assert_eq!(ErrorCode::SpecSchemaUnsatisfiable.severity(), "warning");
}

#[test]
fn satisfiable_look_alikes_do_not_warn() {
    let warnings = unsatisfiable(
        Dialect::Oas30,
        json!({
            // The strict member repeats the property; a required name matched by patternProperties.
            "A": {"type": "object", "additionalProperties": false, "required": ["name", "x-1"],
                  "properties": {"name": {"type": "string"}}, "patternProperties": {"^x-": {}},
                  "allOf": [{"type": "object", "additionalProperties": false,
                             "properties": {"name": {}}, "patternProperties": {"^x-": {}}}]},
            // Not necessarily an object: a string satisfies it; nullable: null satisfies it.
            "B": {"additionalProperties": false, "required": ["missing"]},
            "C": {"type": "object", "nullable": true, "additionalProperties": false, "required": ["missing"]},
            // Some listed value fits.
            "D": {"type": "integer", "enum": ["1", 2]},
            // Alternatives told apart by a required property, or by a shared property of different types.
            "E": {"oneOf": [{"type": "object", "required": ["a"], "properties": {"a": {}}},
                            {"type": "object", "properties": {"b": {}}}]},
            "F": {"oneOf": [{"type": "object", "properties": {"k": {"type": "integer"}}},
                            {"type": "object", "properties": {"k": {"type": "string"}}}]}
        }),
    );
    assert!(warnings.is_empty(), "{warnings:?}");
}
