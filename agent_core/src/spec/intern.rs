//! Interning of schemas into the [`SchemaStore`], following the contract in `model.rs`.
//!
//! One entry per distinct (document, pointer); `$ref` strings in schema positions become entry ids; pure refs
//! collapse to their target (2.0/3.0: any schema with `$ref`; 3.1: a schema that is only a `$ref`). A target gets
//! its id before its body is walked, so recursion through properties/items terminates; bodies are walked from a
//! queue, so the Rust stack depth is bounded by one document's nesting, never by the length of a ref chain.

use std::collections::{HashMap, VecDeque};

use serde_json::{Map, Value};

use super::pointer;
use super::refs::{DocSet, Loc};
use crate::error::{snippet, ErrorCode, Result, Warning};
use crate::model::{Dialect, SchemaEntry, SchemaId, SchemaStore};

/// Keywords whose value is one schema.
const ONE: [&str; 12] = [
    "additionalProperties",
    "unevaluatedProperties",
    "unevaluatedItems",
    "additionalItems",
    "not",
    "if",
    "then",
    "else",
    "contains",
    "propertyNames",
    "contentSchema",
    "items",
];
/// Keywords whose value is an array of schemas (`items` may also be one: draft 4 tuples).
const MANY: [&str; 5] = ["prefixItems", "allOf", "anyOf", "oneOf", "items"];
/// Keywords whose value maps names to schemas.
const NAMED: [&str; 6] =
    ["properties", "patternProperties", "dependentSchemas", "$defs", "definitions", "dependencies"];

pub struct Interner<'d> {
    docs: &'d DocSet<'d>,
    dialect: Dialect,
    max_depth: usize,
    entries: Vec<SchemaEntry>,
    index: HashMap<Loc, SchemaId>,
    /// Entries built by the loader, by the location of what they were built from.
    built: HashMap<Loc, SchemaId>,
    queue: VecDeque<(SchemaId, Loc)>,
    pub warnings: Vec<Warning>,
}

impl<'d> Interner<'d> {
    pub fn new(docs: &'d DocSet<'d>, dialect: Dialect, max_depth: usize) -> Self {
        Interner {
            docs,
            dialect,
            max_depth,
            entries: Vec::new(),
            index: HashMap::new(),
            built: HashMap::new(),
            queue: VecDeque::new(),
            warnings: Vec::new(),
        }
    }

    /// The entry for the schema written at `loc` (a parameter, media type or header `schema`).
    pub fn slot(&mut self, loc: &Loc) -> Result<SchemaId> {
        self.target(loc.clone())
    }

    /// An entry for a schema the loader builds (2.0 parameters and headers, form bodies), keyed by `key` so that a
    /// shared definition gives one entry. Refs inside resolve against `key`'s document.
    pub fn synthetic(&mut self, key: Loc, mut value: Value) -> Result<SchemaId> {
        if let Some(&id) = self.built.get(&key) {
            return Ok(id);
        }
        let id = self.push(&key, Value::Null);
        self.rewrite(&mut value, &key, 0)?;
        self.built.insert(key, id);
        self.entries[id as usize].value = value;
        Ok(id)
    }

    /// Walk every queued entry; returns the finished store.
    pub fn finish(mut self) -> Result<(SchemaStore, Vec<Warning>)> {
        self.drain()?;
        Ok((SchemaStore { entries: self.entries }, self.warnings))
    }

    fn drain(&mut self) -> Result<()> {
        while let Some((id, loc)) = self.queue.pop_front() {
            let doc = self.docs.doc(loc.doc);
            let mut value = pointer::get(&doc.value, &loc.ptr).cloned().unwrap_or(Value::Null);
            drop(doc);
            self.rewrite(&mut value, &loc, 0)?;
            self.entries[id as usize].value = value;
        }
        Ok(())
    }

    fn is_pure_ref(&self, value: &Value) -> Option<String> {
        let map = value.as_object()?;
        let reference = map.get("$ref")?.as_str()?;
        (self.dialect.is_legacy() || map.len() == 1).then(|| reference.to_owned())
    }

    /// Id of the schema at `start`, collapsing chains of pure refs; a chain that loops is an error.
    fn target(&mut self, start: Loc) -> Result<SchemaId> {
        let mut chain: Vec<Loc> = Vec::new();
        let mut current = start;
        let id = loop {
            if let Some(&id) = self.index.get(&current) {
                break id;
            }
            let doc = self.docs.doc(current.doc);
            let Some(value) = pointer::get(&doc.value, &current.ptr) else {
                return Err(self.docs.error(
                    ErrorCode::SpecRefUnresolved,
                    format!("schema {} does not exist", self.docs.display(&current)),
                    &current,
                ));
            };
            let Some(reference) = self.is_pure_ref(value) else {
                let id = self.push(&current, Value::Null);
                self.queue.push_back((id, current.clone()));
                self.index.insert(current, id);
                break id;
            };
            drop(doc);
            if let Some(first) = chain.iter().position(|l| *l == current) {
                let names: Vec<String> = chain[first..].iter().map(|l| self.docs.display(l)).collect();
                return Err(self
                    .docs
                    .error(
                        ErrorCode::SpecRefCircular,
                        format!("schema $refs loop without any schema: {} -> {}", names.join(" -> "), names[0]),
                        &chain[first],
                    )
                    .with_related(names));
            }
            let next = self.docs.resolve(&current, &reference)?;
            chain.push(current);
            current = next;
        };
        for loc in chain {
            self.index.insert(loc, id);
        }
        Ok(id)
    }

    fn push(&mut self, loc: &Loc, value: Value) -> SchemaId {
        let id = self.entries.len() as SchemaId;
        self.entries.push(SchemaEntry { pointer: self.docs.display(loc), name: self.component_name(loc), value });
        id
    }

    fn component_name(&self, loc: &Loc) -> Option<String> {
        let tokens: Vec<&str> = loc.ptr.split('/').skip(1).collect();
        match tokens.as_slice() {
            ["components", "schemas", name] | ["definitions", name] | ["$defs", name] => {
                Some(pointer::unescape(name).into_owned())
            }
            [] if loc.doc != 0 => {
                let display = self.docs.doc(loc.doc).display.clone();
                let file = display.rsplit('/').next().unwrap_or(&display);
                Some(file.split('.').next().unwrap_or(file).to_owned())
            }
            _ => None,
        }
    }

    /// Rewrite the refs of the schema `value` found at `at`, and of its sub-schemas.
    fn rewrite(&mut self, value: &mut Value, at: &Loc, depth: usize) -> Result<()> {
        if depth > self.max_depth {
            return Err(self.docs.error(ErrorCode::SpecTooDeep, "schema nesting exceeds the depth limit", at));
        }
        let Value::Object(map) = value else { return Ok(()) };
        if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
            let target = self.docs.resolve(at, reference)?;
            let id = self.target(target)?;
            map.insert("$ref".to_owned(), Value::from(id));
        }
        if self.dialect == Dialect::Swagger20 {
            if let Some(nullable) = map.get("x-nullable").cloned() {
                map.insert("nullable".to_owned(), nullable);
            }
            // 2.0 response schemas may say `type: file`: a binary body.
            if map.get("type").and_then(Value::as_str) == Some("file") {
                map.insert("type".to_owned(), Value::from("string"));
                map.insert("format".to_owned(), Value::from("binary"));
            }
        }
        if let Some(mapping) = map.get_mut("discriminator").and_then(|d| d.get_mut("mapping")) {
            let at = at.child("discriminator").child("mapping");
            self.rewrite_mapping(mapping, &at)?;
        }
        let keys: Vec<String> = map.keys().filter(|k| is_schema_keyword(k)).cloned().collect();
        for key in keys {
            let child_at = at.child(&key);
            let Some(child) = map.get_mut(&key) else { continue };
            match child {
                Value::Object(_) if ONE.contains(&key.as_str()) => self.rewrite(child, &child_at, depth + 1)?,
                Value::Array(items) if MANY.contains(&key.as_str()) => {
                    for (i, item) in items.iter_mut().enumerate() {
                        self.rewrite(item, &child_at.index(i), depth + 1)?;
                    }
                }
                Value::Object(named) if NAMED.contains(&key.as_str()) => {
                    for (name, item) in named.iter_mut() {
                        if item.is_object() {
                            self.rewrite(item, &child_at.child(name), depth + 1)?;
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// `discriminator.mapping` values (refs or bare schema names) → entry ids.
    fn rewrite_mapping(&mut self, mapping: &mut Value, at: &Loc) -> Result<()> {
        let Value::Object(mapping) = mapping else { return Ok(()) };
        let mut dropped = Vec::new();
        for (name, target) in mapping.iter_mut() {
            let Some(text) = target.as_str() else { continue };
            let reference = if text.contains(['/', '#']) || text.ends_with(".json") || text.ends_with(".yaml") {
                text.to_owned()
            } else {
                format!("#/components/schemas/{}", pointer::escape(text))
            };
            match self.docs.resolve(&at.child(name), &reference) {
                Ok(loc) => *target = Value::from(self.target(loc)?),
                // The mapping only names schemas that `oneOf`/`anyOf` already list; a broken entry is dropped.
                Err(err) => {
                    self.warnings.push(Warning::new(
                        ErrorCode::SpecRefIgnored,
                        format!("discriminator mapping {} dropped: {}", snippet(name), err.message),
                        at.child(name).ptr,
                    ));
                    dropped.push(name.clone());
                }
            }
        }
        for name in dropped {
            mapping.shift_remove(&name);
        }
        Ok(())
    }
}

fn is_schema_keyword(key: &str) -> bool {
    ONE.contains(&key) || MANY.contains(&key) || NAMED.contains(&key)
}

/// The schema keyword names, for the loader's own synthesised schemas.
pub fn object_schema(properties: Map<String, Value>, required: Vec<Value>) -> Value {
    let mut schema = Map::new();
    schema.insert("type".to_owned(), Value::from("object"));
    schema.insert("properties".to_owned(), Value::Object(properties));
    if !required.is_empty() {
        schema.insert("required".to_owned(), Value::Array(required));
    }
    Value::Object(schema)
}
