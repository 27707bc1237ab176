//! Compiled schema IR shared by validation and generation.
//!
//! [`compile`] turns every [`crate::model::SchemaEntry`] into a [`Node`] (entry N becomes node N; inline
//! sub-schemas get further ids) following the dialect's rules: 2.0/3.0 `nullable`, boolean exclusive bounds, tuple
//! `items`, ignored `$ref` siblings; 3.1 type arrays, numeric exclusive bounds, `prefixItems`, `$ref` siblings as
//! an extra `allOf` member. Patterns are compiled once (see [`pattern`]); formats are resolved to [`Format`].

mod compiler;
mod ecma;
pub mod format;
mod keywords;
pub mod node;
pub mod pattern;
mod post;
pub mod regex_gen;
pub mod testing;
pub mod types;
pub mod unsat;
mod warnings;

pub use format::Format;
pub use node::{
    Additional, ArrRules, Bound, Conditional, Discriminator, Node, NodeId, Num, NumRules, ObjRules, PatternId, Prop,
    StrRules, TypeSet,
};
pub use pattern::Pattern;
pub use post::INFINITE as INFINITE_COST;

use crate::error::{Result, Warning};
use crate::model::{Dialect, SchemaId, SchemaStore};

/// Deepest nesting of inline schemas accepted.
pub const MAX_SCHEMA_DEPTH: usize = 512;

/// All schemas of a spec, compiled. Node ids for the store's entries equal their [`SchemaId`]. Cloned only to relax
/// a contradictory schema for generation (see `datagen::relax`).
#[derive(Clone, Debug)]
pub struct Compiled {
    pub dialect: Dialect,
    pub nodes: Vec<Node>,
    pub patterns: Vec<Pattern>,
    /// Number of store entries (nodes `0..entries` are the entries).
    pub entries: usize,
    /// Component name of each entry (for reports and discriminators).
    pub names: Vec<Option<Box<str>>>,
    /// Estimated size of the smallest instance of each node (see `post::costs`); guides recursion.
    pub cost: Vec<u32>,
}

impl Compiled {
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id as usize]
    }

    pub fn pattern(&self, id: PatternId) -> &Pattern {
        &self.patterns[id as usize]
    }

    pub fn cost(&self, id: NodeId) -> u32 {
        self.cost[id as usize]
    }

    /// The node of a store entry, if it exists.
    pub fn entry(&self, id: SchemaId) -> Option<NodeId> {
        ((id as usize) < self.entries).then_some(id)
    }
}

/// Compile every entry of the store. Invalid `pattern`s are `SPEC_PATTERN_INVALID` errors; unknown formats,
/// ignored keywords and contradictory schemas (see [`unsat`]) are warnings.
pub fn compile(store: &SchemaStore, dialect: Dialect) -> Result<(Compiled, Vec<Warning>)> {
    let mut compiler = compiler::Compiler::new(store, dialect);
    compiler.compile_entries()?;
    let compiler::Compiler { mut nodes, patterns, mut warnings, .. } = compiler;
    post::implicit_mappings(&mut nodes, store);
    post::property_flags(&mut nodes);
    let cost = post::costs(&nodes);
    let names = store.entries.iter().map(|e| e.name.as_deref().map(Into::into)).collect();
    let compiled = Compiled { dialect, nodes, patterns, entries: store.len(), names, cost };
    unsat::detect(&compiled, &mut warnings);
    Ok((compiled, warnings.finish()))
}

/// RFC 6901 escaping of one reference token.
pub fn escape_token(token: &str) -> std::borrow::Cow<'_, str> {
    if token.contains(['~', '/']) {
        token.replace('~', "~0").replace('/', "~1").into()
    } else {
        token.into()
    }
}

#[cfg(test)]
mod tests;
