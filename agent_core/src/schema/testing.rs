//! Building a [`SchemaStore`] by hand, for tests and benchmarks (the real loader lives in `spec/`).
//!
//! Component schemas are written as JSON with ordinary string `$ref`s (`#/components/schemas/Pet`, or
//! `#/definitions/Pet` in 2.0); the builder rewrites them (and `discriminator.mapping` values) into entry ids the
//! way the loader does.

use serde_json::{Map, Value};

use crate::model::{Dialect, SchemaEntry, SchemaId, SchemaStore};

pub struct StoreBuilder {
    dialect: Dialect,
    store: SchemaStore,
    names: Vec<String>,
}

impl StoreBuilder {
    pub fn new(dialect: Dialect) -> StoreBuilder {
        StoreBuilder { dialect, store: SchemaStore::default(), names: Vec::new() }
    }

    fn prefix(&self) -> &'static str {
        if self.dialect == Dialect::Swagger20 {
            "#/definitions/"
        } else {
            "#/components/schemas/"
        }
    }

    /// Add every member of `components` (an object name → schema) as a named entry, ids in order.
    pub fn components(mut self, components: Value) -> StoreBuilder {
        let Value::Object(map) = components else { panic!("components must be an object") };
        let prefix = self.prefix();
        for (name, value) in map {
            self.names.push(name.clone());
            self.store.entries.push(SchemaEntry { pointer: format!("{prefix}{name}"), name: Some(name), value });
        }
        self
    }

    /// Add an anonymous entry (e.g. a parameter schema) at `pointer`; returns its id.
    pub fn inline(&mut self, pointer: &str, value: Value) -> SchemaId {
        self.store.entries.push(SchemaEntry { pointer: pointer.to_string(), name: None, value });
        (self.store.entries.len() - 1) as SchemaId
    }

    pub fn build(mut self) -> SchemaStore {
        let prefix = self.prefix();
        let names = std::mem::take(&mut self.names);
        let resolve = |r: &str| -> Option<SchemaId> {
            let name = r.strip_prefix(prefix)?;
            names.iter().position(|n| n == name).map(|i| i as SchemaId)
        };
        for entry in &mut self.store.entries {
            rewrite(&mut entry.value, &resolve);
        }
        self.store
    }
}

fn rewrite(value: &mut Value, resolve: &dyn Fn(&str) -> Option<SchemaId>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                let id = resolve(r).unwrap_or_else(|| panic!("unknown $ref {r}"));
                map.insert("$ref".into(), Value::from(id));
            }
            if let Some(Value::Object(mapping)) = map.get_mut("discriminator").and_then(|d| d.get_mut("mapping")) {
                let rewritten: Map<String, Value> = mapping
                    .iter()
                    .map(|(k, v)| {
                        let target = v.as_str().and_then(resolve).unwrap_or_else(|| panic!("unknown mapping {v}"));
                        (k.clone(), Value::from(target))
                    })
                    .collect();
                *mapping = rewritten;
            }
            for (key, child) in map.iter_mut() {
                let literal = matches!(key.as_str(), "enum" | "const" | "default" | "example" | "examples");
                if !key.starts_with("x-") && !literal {
                    rewrite(child, resolve);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| rewrite(v, resolve)),
        _ => {}
    }
}

/// Compile named components; panics on a compile error.
pub fn compile_components(dialect: Dialect, components: Value) -> super::Compiled {
    let store = StoreBuilder::new(dialect).components(components).build();
    super::compile(&store, dialect).unwrap_or_else(|e| panic!("{e}")).0
}

/// Compile one schema as entry 0 (named `S`, so `#/components/schemas/S` refers to itself).
pub fn compile_one(dialect: Dialect, schema: Value) -> super::Compiled {
    compile_components(dialect, serde_json::json!({ "S": schema }))
}
