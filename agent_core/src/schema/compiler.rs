//! Schema object → [`Node`]: reads each keyword according to the dialect.
//!
//! Applicators and structural keywords (`properties`, `items`, `allOf`, ...) live in [`super::keywords`]; this file
//! holds the walk, `$ref` handling and the scalar keywords.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::format::Format;
use super::node::{Node, NodeId, Num, NumRules, PatternId, StrRules, TypeSet};
use super::pattern::{Pattern, PatternProblem};
use super::warnings::Warnings;
use super::{escape_token, MAX_SCHEMA_DEPTH};
use crate::error::{snippet, ErrorCode, Result, SpecError};
use crate::model::{Dialect, SchemaStore};

/// Keywords recognised but not implemented: one `SPEC_SCHEMA_UNSUPPORTED` warning per keyword.
const IGNORED: &[(&str, &str)] = &[
    ("unevaluatedProperties", "not supported; additional properties are not checked through it"),
    ("unevaluatedItems", "not supported"),
    ("$dynamicRef", "dynamic references are not supported"),
    ("$recursiveRef", "recursive references are not supported"),
    ("contentSchema", "content is not decoded"),
];

/// Keywords that do not change validation: a 3.1 `$ref` with only these siblings is the target itself.
const ANNOTATIONS: &[&str] =
    &["$ref", "title", "description", "$comment", "deprecated", "externalDocs", "xml", "$id", "$schema", "$anchor"];

pub struct Compiler<'a> {
    pub dialect: Dialect,
    pub store: &'a SchemaStore,
    pub nodes: Vec<Node>,
    pub patterns: Vec<Pattern>,
    pattern_ids: HashMap<Box<str>, PatternId>,
    pub warnings: Warnings,
}

impl<'a> Compiler<'a> {
    pub fn new(store: &'a SchemaStore, dialect: Dialect) -> Self {
        Compiler {
            dialect,
            store,
            nodes: Vec::with_capacity(store.len() * 2),
            patterns: Vec::new(),
            pattern_ids: HashMap::new(),
            warnings: Warnings::default(),
        }
    }

    pub fn compile_entries(&mut self) -> Result<()> {
        self.nodes.resize_with(self.store.len(), Node::default);
        for (i, entry) in self.store.entries.iter().enumerate() {
            let node = match self.ref_target(&entry.value, &entry.pointer)? {
                // An entry that is only a reference: an alias node.
                Some(target) => {
                    Node { pointer: entry.pointer.as_str().into(), all_of: Box::new([target]), ..Node::default() }
                }
                None => self.build(&entry.value, entry.pointer.clone(), 0)?,
            };
            self.nodes[i] = node;
        }
        Ok(())
    }

    /// Compile an inline sub-schema at `pointer`; a reference compiles to its target's id.
    pub fn sub(&mut self, value: &Value, pointer: String, depth: usize) -> Result<NodeId> {
        if let Some(target) = self.ref_target(value, &pointer)? {
            return Ok(target);
        }
        let id = self.nodes.len() as NodeId;
        self.nodes.push(Node::default());
        let node = self.build(value, pointer, depth + 1)?;
        self.nodes[id as usize] = node;
        Ok(id)
    }

    /// The target of a schema that is (equivalent to) a plain `$ref`.
    fn ref_target(&mut self, value: &Value, pointer: &str) -> Result<Option<NodeId>> {
        let Some(map) = value.as_object() else { return Ok(None) };
        if !map.get("$ref").is_some_and(Value::is_number) {
            return Ok(None);
        }
        let Some(target) = self.ref_id(map, pointer)? else { return Ok(None) };
        if self.dialect.is_legacy() || map.keys().all(|k| ANNOTATIONS.contains(&k.as_str()) || k.starts_with("x-")) {
            Ok(Some(target))
        } else {
            Ok(None)
        }
    }

    fn ref_id(&mut self, map: &Map<String, Value>, pointer: &str) -> Result<Option<NodeId>> {
        match map.get("$ref") {
            None => Ok(None),
            Some(Value::Number(n)) => match n.as_u64() {
                Some(id) if (id as usize) < self.store.len() => Ok(Some(id as NodeId)),
                _ => Err(SpecError::at_pointer(
                    ErrorCode::SpecRefUnresolved,
                    format!("$ref names schema {n}, which does not exist"),
                    format!("{pointer}/$ref"),
                )),
            },
            Some(other) => {
                self.warnings.push(
                    ErrorCode::SpecRefIgnored,
                    format!("$ref {} was not resolved and is ignored", snippet(&other.to_string())),
                    format!("{pointer}/$ref"),
                );
                Ok(None)
            }
        }
    }

    fn build(&mut self, value: &Value, pointer: String, depth: usize) -> Result<Node> {
        if depth > MAX_SCHEMA_DEPTH {
            return Err(SpecError::at_pointer(ErrorCode::SpecTooDeep, "schema nesting is too deep", pointer));
        }
        let map = match value {
            Value::Bool(b) => return Ok(Node { pointer: pointer.into(), boolean: Some(*b), ..Node::default() }),
            Value::Object(map) => map,
            other => {
                self.warnings.push(
                    ErrorCode::SpecSchemaUnsupported,
                    format!(
                        "a schema must be an object or a boolean, not {}; treated as `true`",
                        snippet(&other.to_string())
                    ),
                    pointer.clone(),
                );
                return Ok(Node { pointer: pointer.into(), boolean: Some(true), ..Node::default() });
            }
        };
        let mut node = Node::default();
        let ref_member = self.ref_id(map, &pointer)?;
        if let (Some(target), true) = (ref_member, self.dialect.is_legacy()) {
            // 2.0/3.0: siblings of `$ref` are ignored.
            node.all_of = Box::new([target]);
            node.pointer = pointer.into();
            return Ok(node);
        }
        self.scalar_keywords(map, &pointer, &mut node)?;
        self.structural_keywords(map, &pointer, depth, &mut node)?;
        if let Some(target) = ref_member {
            // 3.1: `$ref` with siblings is one more `allOf` member.
            let mut all_of = vec![target];
            all_of.extend_from_slice(&node.all_of);
            node.all_of = all_of.into();
        }
        for (keyword, reason) in IGNORED {
            if map.contains_key(*keyword) {
                self.warnings.ignored_keyword(keyword, reason, &pointer);
            }
        }
        node.pointer = pointer.into();
        Ok(node)
    }

    fn scalar_keywords(&mut self, map: &Map<String, Value>, pointer: &str, node: &mut Node) -> Result<()> {
        let legacy = self.dialect.is_legacy();
        if let Some(t) = map.get("type") {
            let (types, unknown) = parse_type(t);
            node.types = Some(types);
            if let Some(name) = unknown {
                self.warnings.push(
                    ErrorCode::SpecSchemaUnsupported,
                    format!("type {} is not a JSON Schema type; the value's type is not checked", snippet(&name)),
                    format!("{pointer}/type"),
                );
            }
        }
        let flag = |key: &str| map.get(key).and_then(Value::as_bool).unwrap_or(false);
        if legacy {
            node.nullable = flag("nullable") || flag("x-nullable");
        } else if map.contains_key("nullable") {
            self.warnings.ignored_keyword("nullable", "not a 3.1 keyword; use `type: [..., \"null\"]`", pointer);
        }
        if let Some(Value::Array(values)) = map.get("enum") {
            node.enum_values = Some(values.clone().into_boxed_slice());
        }
        node.const_value = map.get("const").cloned();
        node.read_only = flag("readOnly");
        node.write_only = flag("writeOnly");
        node.default = map.get("default").cloned();
        if let Some(example) = map.get("example") {
            node.examples = vec![example.clone()].into();
        }
        if let Some(Value::Array(examples)) = map.get("examples") {
            let mut all = node.examples.to_vec();
            all.extend(examples.iter().cloned());
            node.examples = all.into();
        }
        if let Some(Value::String(name)) = map.get("format") {
            match Format::from_name(name) {
                Some(f) => node.format = Some(f),
                None => self.warnings.push(
                    ErrorCode::SpecFormatUnknown,
                    format!("format {} is not registered; values follow `type` only", snippet(name)),
                    format!("{pointer}/format"),
                ),
            }
        }
        self.numeric_keywords(map, legacy, node);
        let min_length = map.get("minLength").and_then(Value::as_u64);
        let max_length = map.get("maxLength").and_then(Value::as_u64);
        let pattern = match map.get("pattern") {
            Some(Value::String(p)) => Some(self.pattern(p, &format!("{pointer}/pattern"))?),
            _ => None,
        };
        if min_length.is_some() || max_length.is_some() || pattern.is_some() {
            node.string = Some(Box::new(StrRules { min_length, max_length, pattern }));
        }
        Ok(())
    }

    fn numeric_keywords(&mut self, map: &Map<String, Value>, legacy: bool, node: &mut Node) {
        let num = |key: &str| map.get(key).and_then(Value::as_number).map(Num::from_json);
        let mut rules = NumRules { multiple_of: num("multipleOf").filter(|m| m.as_f64() > 0.0), ..NumRules::default() };
        rules.minimum = num("minimum");
        rules.maximum = num("maximum");
        // Boolean form (2.0/3.0) turns the plain bound exclusive; the numeric form (3.1, tolerated anywhere) is a
        // bound of its own.
        match map.get("exclusiveMinimum") {
            Some(Value::Bool(true)) if legacy || rules.minimum.is_some() => {
                rules.exclusive_minimum = rules.minimum.take();
            }
            Some(Value::Number(n)) => rules.exclusive_minimum = Some(Num::from_json(n)),
            _ => {}
        }
        match map.get("exclusiveMaximum") {
            Some(Value::Bool(true)) if legacy || rules.maximum.is_some() => {
                rules.exclusive_maximum = rules.maximum.take();
            }
            Some(Value::Number(n)) => rules.exclusive_maximum = Some(Num::from_json(n)),
            _ => {}
        }
        if rules.minimum.is_some()
            || rules.maximum.is_some()
            || rules.exclusive_minimum.is_some()
            || rules.exclusive_maximum.is_some()
            || rules.multiple_of.is_some()
        {
            node.num = Some(Box::new(rules));
        }
    }

    /// Compile (or reuse) a pattern; `pointer` is where the pattern is written.
    pub fn pattern(&mut self, source: &str, pointer: &str) -> Result<PatternId> {
        if let Some(id) = self.pattern_ids.get(source) {
            return Ok(*id);
        }
        match Pattern::compile(source) {
            Ok((pattern, problem)) => {
                if let Some(reason) = problem {
                    self.warnings.push(
                        ErrorCode::SpecPatternUnsupported,
                        format!("cannot generate strings for pattern {}: {reason}", snippet(source)),
                        pointer,
                    );
                }
                let id = self.patterns.len() as PatternId;
                self.patterns.push(pattern);
                self.pattern_ids.insert(source.into(), id);
                Ok(id)
            }
            Err(PatternProblem::Invalid(reason)) => Err(SpecError::at_pointer(
                ErrorCode::SpecPatternInvalid,
                format!("pattern {} is not a valid ECMA-262 regular expression: {reason}", snippet(source)),
                pointer,
            )),
        }
    }

    pub fn child_pointer(pointer: &str, keyword: &str, token: &str) -> String {
        format!("{pointer}/{keyword}/{}", escape_token(token))
    }
}

/// The type set, and the first unknown type name (which constrains nothing).
fn parse_type(value: &Value) -> (TypeSet, Option<String>) {
    let mut unknown = None;
    let mut one = |name: &str| match name {
        // Swagger 2.0 `file` is a string (the upload's content).
        "file" => TypeSet::STRING,
        other => TypeSet::from_name(other).unwrap_or_else(|| {
            unknown.get_or_insert_with(|| other.to_string());
            TypeSet::ALL
        }),
    };
    let set = match value {
        Value::String(name) => one(name),
        Value::Array(names) => names.iter().filter_map(Value::as_str).fold(TypeSet::EMPTY, |set, n| set.union(one(n))),
        _ => TypeSet::ALL,
    };
    (set, unknown)
}
