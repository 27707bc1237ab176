//! The compiled node types: one [`Node`] per schema object, with keyword groups boxed so that the common node
//! (a property with a `type` and maybe a `format`) stays small.

use std::cmp::Ordering;
use std::collections::HashMap;

use serde_json::Value;

use super::format::Format;
pub use super::types::{is_integral, Num, TypeSet};

/// Index into [`super::Compiled::nodes`]. Store entry N has node id N.
pub type NodeId = u32;
/// Index into [`super::Compiled::patterns`].
pub type PatternId = u32;

/// An effective numeric bound: the value and whether it is excluded.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bound {
    pub value: Num,
    pub exclusive: bool,
}

impl Bound {
    /// The keyword reported when the bound is broken.
    pub fn keyword(self, lower: bool) -> &'static str {
        match (lower, self.exclusive) {
            (true, false) => "minimum",
            (true, true) => "exclusiveMinimum",
            (false, false) => "maximum",
            (false, true) => "exclusiveMaximum",
        }
    }
}

/// Numeric keywords. A 2.0/3.0 `exclusiveMinimum: true` moves `minimum` into `exclusive_minimum`.
#[derive(Clone, Debug, Default)]
pub struct NumRules {
    pub minimum: Option<Num>,
    pub exclusive_minimum: Option<Num>,
    pub maximum: Option<Num>,
    pub exclusive_maximum: Option<Num>,
    pub multiple_of: Option<Num>,
}

impl NumRules {
    /// The strictest lower bound.
    pub fn lower(&self) -> Option<Bound> {
        stricter(self.minimum, self.exclusive_minimum, std::cmp::Ordering::Greater)
    }

    /// The strictest upper bound.
    pub fn upper(&self) -> Option<Bound> {
        stricter(self.maximum, self.exclusive_maximum, std::cmp::Ordering::Less)
    }
}

fn stricter(inclusive: Option<Num>, exclusive: Option<Num>, tighter: Ordering) -> Option<Bound> {
    match (inclusive, exclusive) {
        (None, None) => None,
        (Some(v), None) => Some(Bound { value: v, exclusive: false }),
        (None, Some(v)) => Some(Bound { value: v, exclusive: true }),
        (Some(i), Some(x)) => {
            if i.cmp_num(x) == tighter {
                Some(Bound { value: i, exclusive: false })
            } else {
                Some(Bound { value: x, exclusive: true })
            }
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct StrRules {
    /// In Unicode code points.
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    pub pattern: Option<PatternId>,
}

#[derive(Clone, Debug)]
pub struct ArrRules {
    /// `prefixItems` (3.1) or the array form of `items` (2.0/3.0).
    pub prefix: Box<[NodeId]>,
    /// Schema of the items after `prefix`; None = anything.
    pub items: Option<NodeId>,
    /// The keyword `items` came from: "items" or "additionalItems" (reported in violations).
    pub items_keyword: &'static str,
    pub min_items: Option<u64>,
    pub max_items: Option<u64>,
    pub unique: bool,
    pub contains: Option<NodeId>,
    pub min_contains: u64,
    pub max_contains: Option<u64>,
}

impl Default for ArrRules {
    fn default() -> Self {
        ArrRules {
            prefix: Box::new([]),
            items: None,
            items_keyword: "items",
            min_items: None,
            max_items: None,
            unique: false,
            contains: None,
            min_contains: 1,
            max_contains: None,
        }
    }
}

impl ArrRules {
    /// The schema for the item at `index`, if constrained.
    pub fn item_schema(&self, index: usize) -> Option<NodeId> {
        self.prefix.get(index).copied().or(self.items)
    }
}

#[derive(Clone, Debug)]
pub struct Prop {
    pub name: Box<str>,
    pub node: NodeId,
    /// `readOnly`/`writeOnly` of the property's schema (or of a direct `allOf` member), set after compilation.
    pub read_only: bool,
    pub write_only: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Additional {
    Allow,
    Deny,
    Schema(NodeId),
}

/// `dependentRequired`: when the property is present, these must be too.
pub type DependentRequired = (Box<str>, Box<[Box<str>]>);

#[derive(Clone, Debug)]
pub struct ObjRules {
    pub properties: Box<[Prop]>,
    /// Name → index into `properties`, built only for large property sets (small ones are scanned).
    pub index: Option<HashMap<Box<str>, u32>>,
    pub required: Box<[Box<str>]>,
    pub additional: Additional,
    pub pattern_properties: Box<[(PatternId, NodeId)]>,
    pub property_names: Option<NodeId>,
    pub min_properties: Option<u64>,
    pub max_properties: Option<u64>,
    pub dependent_required: Box<[DependentRequired]>,
    pub dependent_schemas: Box<[(Box<str>, NodeId)]>,
}

impl Default for ObjRules {
    fn default() -> Self {
        ObjRules {
            properties: Box::new([]),
            index: None,
            required: Box::new([]),
            additional: Additional::Allow,
            pattern_properties: Box::new([]),
            property_names: None,
            min_properties: None,
            max_properties: None,
            dependent_required: Box::new([]),
            dependent_schemas: Box::new([]),
        }
    }
}

impl ObjRules {
    pub const INDEX_THRESHOLD: usize = 12;

    pub fn property(&self, name: &str) -> Option<&Prop> {
        match &self.index {
            Some(index) => index.get(name).map(|&i| &self.properties[i as usize]),
            None => self.properties.iter().find(|p| &*p.name == name),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Conditional {
    pub if_: NodeId,
    pub then_: Option<NodeId>,
    pub else_: Option<NodeId>,
}

#[derive(Clone, Debug)]
pub struct Discriminator {
    pub property: Box<str>,
    /// Explicit `mapping` first (document order), then the implicit component-name mapping.
    pub mapping: Vec<(Box<str>, NodeId)>,
}

impl Discriminator {
    /// The discriminator value that selects `node`, if any.
    pub fn key_for(&self, node: NodeId) -> Option<&str> {
        self.mapping.iter().find(|(_, id)| *id == node).map(|(k, _)| &**k)
    }

    pub fn node_for(&self, key: &str) -> Option<NodeId> {
        self.mapping.iter().find(|(k, _)| &**k == key).map(|(_, id)| *id)
    }
}

/// One compiled schema object (or boolean schema).
#[derive(Clone, Debug, Default)]
pub struct Node {
    /// JSON pointer of the schema, e.g. `#/components/schemas/Pet/properties/name`.
    pub pointer: Box<str>,
    /// `Some(b)` for the boolean schemas `true`/`false`; every other field is then empty.
    pub boolean: Option<bool>,
    /// `type`; None when absent.
    pub types: Option<TypeSet>,
    /// 2.0/3.0 `nullable: true` / `x-nullable: true`: null is a valid instance of the whole schema.
    pub nullable: bool,
    pub enum_values: Option<Box<[Value]>>,
    pub const_value: Option<Value>,
    pub format: Option<Format>,
    pub num: Option<Box<NumRules>>,
    pub string: Option<Box<StrRules>>,
    pub array: Option<Box<ArrRules>>,
    pub object: Option<Box<ObjRules>>,
    pub all_of: Box<[NodeId]>,
    pub any_of: Box<[NodeId]>,
    pub one_of: Box<[NodeId]>,
    pub not: Option<NodeId>,
    pub conditional: Option<Box<Conditional>>,
    pub discriminator: Option<Box<Discriminator>>,
    pub read_only: bool,
    pub write_only: bool,
    pub default: Option<Value>,
    /// `example` and `examples` (array form) of the schema.
    pub examples: Box<[Value]>,
    /// The node uses keywords that a generator cannot satisfy by construction (`oneOf`, `not`, `if`, `contains`,
    /// `patternProperties`, `propertyNames`, dependencies, several patterns...): generated values are checked.
    pub needs_check: bool,
}

impl Node {
    pub fn is_true(&self) -> bool {
        self.boolean == Some(true)
    }

    pub fn is_false(&self) -> bool {
        self.boolean == Some(false)
    }
}
