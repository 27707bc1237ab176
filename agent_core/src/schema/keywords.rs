//! Keywords holding sub-schemas: array and object keywords, applicators, conditionals, discriminator.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::compiler::Compiler;
use super::node::{Additional, ArrRules, Conditional, Discriminator, Node, NodeId, ObjRules, Prop};
use crate::error::Result;

impl Compiler<'_> {
    pub(super) fn structural_keywords(
        &mut self,
        map: &Map<String, Value>,
        pointer: &str,
        depth: usize,
        node: &mut Node,
    ) -> Result<()> {
        self.array_keywords(map, pointer, depth, node)?;
        self.object_keywords(map, pointer, depth, node)?;
        node.all_of = self.list(map, "allOf", pointer, depth)?.into();
        node.any_of = self.list(map, "anyOf", pointer, depth)?.into();
        node.one_of = self.list(map, "oneOf", pointer, depth)?.into();
        node.not = self.single(map, "not", pointer, depth)?;
        if let Some(if_) = self.single(map, "if", pointer, depth)? {
            let then_ = self.single(map, "then", pointer, depth)?;
            let else_ = self.single(map, "else", pointer, depth)?;
            node.conditional = Some(Box::new(Conditional { if_, then_, else_ }));
        }
        node.discriminator = discriminator(map.get("discriminator"));
        node.needs_check = !node.any_of.is_empty()
            || !node.one_of.is_empty()
            || node.not.is_some()
            || node.conditional.is_some()
            || node.array.as_ref().is_some_and(|a| a.contains.is_some())
            || node.object.as_ref().is_some_and(|o| {
                !o.pattern_properties.is_empty()
                    || o.property_names.is_some()
                    || !o.dependent_schemas.is_empty()
                    || !o.dependent_required.is_empty()
            });
        Ok(())
    }

    fn single(&mut self, map: &Map<String, Value>, key: &str, pointer: &str, depth: usize) -> Result<Option<NodeId>> {
        match map.get(key) {
            Some(v @ (Value::Object(_) | Value::Bool(_))) => {
                Ok(Some(self.sub(v, format!("{pointer}/{key}"), depth)?))
            }
            _ => Ok(None),
        }
    }

    fn list(&mut self, map: &Map<String, Value>, key: &str, pointer: &str, depth: usize) -> Result<Vec<NodeId>> {
        let Some(Value::Array(items)) = map.get(key) else { return Ok(Vec::new()) };
        let mut ids = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            ids.push(self.sub(item, format!("{pointer}/{key}/{i}"), depth)?);
        }
        Ok(ids)
    }

    fn array_keywords(&mut self, map: &Map<String, Value>, pointer: &str, depth: usize, node: &mut Node) -> Result<()> {
        const KEYS: &[&str] = &[
            "items",
            "prefixItems",
            "additionalItems",
            "minItems",
            "maxItems",
            "uniqueItems",
            "contains",
            "minContains",
            "maxContains",
        ];
        if !KEYS.iter().any(|k| map.contains_key(*k)) {
            return Ok(());
        }
        let mut rules = ArrRules::default();
        let prefix_items = self.list(map, "prefixItems", pointer, depth)?;
        match map.get("items") {
            // The array form: a tuple (2.0/3.0; tolerated in 3.1), the rest governed by `additionalItems`.
            Some(Value::Array(_)) => {
                rules.prefix = self.list(map, "items", pointer, depth)?.into();
                rules.items = self.single(map, "additionalItems", pointer, depth)?;
                rules.items_keyword = "additionalItems";
            }
            Some(_) => {
                rules.items = self.single(map, "items", pointer, depth)?;
                if !prefix_items.is_empty() {
                    rules.prefix = prefix_items.into();
                }
            }
            None => {
                if !prefix_items.is_empty() {
                    rules.prefix = prefix_items.into();
                    rules.items = self.single(map, "additionalItems", pointer, depth)?;
                    rules.items_keyword = "additionalItems";
                }
            }
        }
        let count = |key: &str| map.get(key).and_then(Value::as_u64);
        rules.min_items = count("minItems");
        rules.max_items = count("maxItems");
        rules.unique = map.get("uniqueItems").and_then(Value::as_bool).unwrap_or(false);
        rules.contains = self.single(map, "contains", pointer, depth)?;
        rules.min_contains = count("minContains").unwrap_or(1);
        rules.max_contains = count("maxContains");
        node.array = Some(Box::new(rules));
        Ok(())
    }

    fn object_keywords(
        &mut self,
        map: &Map<String, Value>,
        pointer: &str,
        depth: usize,
        node: &mut Node,
    ) -> Result<()> {
        const KEYS: &[&str] = &[
            "properties",
            "required",
            "additionalProperties",
            "patternProperties",
            "propertyNames",
            "minProperties",
            "maxProperties",
            "dependentRequired",
            "dependentSchemas",
            "dependencies",
        ];
        if !KEYS.iter().any(|k| map.contains_key(*k)) {
            return Ok(());
        }
        let mut rules = ObjRules::default();
        if let Some(Value::Object(props)) = map.get("properties") {
            let mut list = Vec::with_capacity(props.len());
            for (name, schema) in props {
                let id = self.sub(schema, Compiler::child_pointer(pointer, "properties", name), depth)?;
                // Kept even next to a 2.0/3.0 `$ref` (where other siblings are ignored): they only relax `required`.
                let flag = |key: &str| schema.get(key).and_then(Value::as_bool).unwrap_or(false);
                list.push(Prop {
                    name: name.as_str().into(),
                    node: id,
                    read_only: flag("readOnly"),
                    write_only: flag("writeOnly"),
                });
            }
            if list.len() > ObjRules::INDEX_THRESHOLD {
                let index: HashMap<Box<str>, u32> =
                    list.iter().enumerate().map(|(i, p)| (p.name.clone(), i as u32)).collect();
                rules.index = Some(index);
            }
            rules.properties = list.into();
        }
        if let Some(Value::Array(names)) = map.get("required") {
            let mut required: Vec<Box<str>> = Vec::with_capacity(names.len());
            for name in names.iter().filter_map(Value::as_str) {
                if !required.iter().any(|r| &**r == name) {
                    required.push(name.into());
                }
            }
            rules.required = required.into();
        }
        rules.additional = match map.get("additionalProperties") {
            Some(Value::Bool(false)) => Additional::Deny,
            Some(v @ Value::Object(_)) => match self.sub(v, format!("{pointer}/additionalProperties"), depth)? {
                id if self.nodes[id as usize].is_true() => Additional::Allow,
                id => Additional::Schema(id),
            },
            _ => Additional::Allow,
        };
        if let Some(Value::Object(patterns)) = map.get("patternProperties") {
            let mut list = Vec::with_capacity(patterns.len());
            for (source, schema) in patterns {
                let at = Compiler::child_pointer(pointer, "patternProperties", source);
                let pattern = self.pattern(source, &at)?;
                list.push((pattern, self.sub(schema, at, depth)?));
            }
            rules.pattern_properties = list.into();
        }
        rules.property_names = self.single(map, "propertyNames", pointer, depth)?;
        let count = |key: &str| map.get(key).and_then(Value::as_u64);
        rules.min_properties = count("minProperties");
        rules.max_properties = count("maxProperties");
        let mut dep_required = Vec::new();
        let mut dep_schemas = Vec::new();
        for key in ["dependentRequired", "dependentSchemas", "dependencies"] {
            let Some(Value::Object(deps)) = map.get(key) else { continue };
            for (name, dep) in deps {
                match dep {
                    Value::Array(names) if key != "dependentSchemas" => {
                        let names: Vec<Box<str>> = names.iter().filter_map(Value::as_str).map(Into::into).collect();
                        dep_required.push((name.as_str().into(), names.into()));
                    }
                    Value::Object(_) | Value::Bool(_) if key != "dependentRequired" => {
                        let id = self.sub(dep, Compiler::child_pointer(pointer, key, name), depth)?;
                        dep_schemas.push((name.as_str().into(), id));
                    }
                    _ => {}
                }
            }
        }
        rules.dependent_required = dep_required.into();
        rules.dependent_schemas = dep_schemas.into();
        node.object = Some(Box::new(rules));
        Ok(())
    }
}

/// 3.x `{propertyName, mapping}` or the 2.0 string form. Mapping values are schema ids (unresolved ones are
/// skipped); the implicit mapping is added after compilation.
fn discriminator(value: Option<&Value>) -> Option<Box<Discriminator>> {
    let (property, mapping) = match value? {
        Value::String(name) => (name.as_str(), None),
        Value::Object(map) => (map.get("propertyName")?.as_str()?, map.get("mapping").and_then(Value::as_object)),
        _ => return None,
    };
    let mapping = mapping
        .map(|m| {
            m.iter().filter_map(|(key, id)| Some((key.as_str().into(), id.as_u64()? as NodeId))).collect::<Vec<_>>()
        })
        .unwrap_or_default();
    Some(Box::new(Discriminator { property: property.into(), mapping }))
}
