//! The compiled node types: one [`Node`] per schema object, with keyword groups boxed so that the common node
//! (a property with a `type` and maybe a `format`) stays small.

use std::cmp::Ordering;
use std::collections::HashMap;

use serde_json::{Number, Value};

use super::format::Format;

/// Index into [`super::Compiled::nodes`]. Store entry N has node id N.
pub type NodeId = u32;
/// Index into [`super::Compiled::patterns`].
pub type PatternId = u32;

/// A set of JSON types. `NUMBER` accepts every number, `INTEGER` only numbers without a fractional part.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct TypeSet(pub u8);

impl TypeSet {
    pub const NULL: TypeSet = TypeSet(1);
    pub const BOOLEAN: TypeSet = TypeSet(2);
    pub const INTEGER: TypeSet = TypeSet(4);
    pub const NUMBER: TypeSet = TypeSet(8);
    pub const STRING: TypeSet = TypeSet(16);
    pub const ARRAY: TypeSet = TypeSet(32);
    pub const OBJECT: TypeSet = TypeSet(64);
    pub const EMPTY: TypeSet = TypeSet(0);
    pub const ALL: TypeSet = TypeSet(127);

    pub fn from_name(name: &str) -> Option<TypeSet> {
        Some(match name {
            "null" => TypeSet::NULL,
            "boolean" => TypeSet::BOOLEAN,
            "integer" => TypeSet::INTEGER,
            "number" => TypeSet::NUMBER,
            "string" => TypeSet::STRING,
            "array" => TypeSet::ARRAY,
            "object" => TypeSet::OBJECT,
            _ => return None,
        })
    }

    pub fn contains(self, other: TypeSet) -> bool {
        self.0 & other.0 == other.0 && other.0 != 0
    }

    pub fn intersects(self, other: TypeSet) -> bool {
        self.0 & other.0 != 0
    }

    pub fn union(self, other: TypeSet) -> TypeSet {
        TypeSet(self.0 | other.0)
    }

    pub fn intersect(self, other: TypeSet) -> TypeSet {
        TypeSet(self.0 & other.0)
    }

    pub fn without(self, other: TypeSet) -> TypeSet {
        TypeSet(self.0 & !other.0)
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Whether a value of JSON type `of` (as given by [`TypeSet::of`]) is accepted; integers are numbers.
    pub fn accepts(self, value: &Value) -> bool {
        match value {
            Value::Number(n) => {
                self.intersects(TypeSet::NUMBER) || (self.intersects(TypeSet::INTEGER) && is_integral(n))
            }
            other => self.intersects(TypeSet::of(other)),
        }
    }

    /// The type of a value; numbers without a fractional part are `INTEGER`.
    pub fn of(value: &Value) -> TypeSet {
        match value {
            Value::Null => TypeSet::NULL,
            Value::Bool(_) => TypeSet::BOOLEAN,
            Value::Number(n) if is_integral(n) => TypeSet::INTEGER,
            Value::Number(_) => TypeSet::NUMBER,
            Value::String(_) => TypeSet::STRING,
            Value::Array(_) => TypeSet::ARRAY,
            Value::Object(_) => TypeSet::OBJECT,
        }
    }

    /// The members, in a fixed order.
    pub fn members(self) -> impl Iterator<Item = TypeSet> {
        (0..7).map(|bit| TypeSet(1 << bit)).filter(move |t| self.contains(*t))
    }

    pub fn name(self) -> &'static str {
        match self {
            TypeSet::NULL => "null",
            TypeSet::BOOLEAN => "boolean",
            TypeSet::INTEGER => "integer",
            TypeSet::NUMBER => "number",
            TypeSet::STRING => "string",
            TypeSet::ARRAY => "array",
            TypeSet::OBJECT => "object",
            _ => "mixed",
        }
    }

    /// "string", "integer or null", ...
    pub fn describe(self) -> String {
        let names: Vec<&str> = self.members().map(TypeSet::name).collect();
        if names.is_empty() {
            "nothing".to_string()
        } else {
            names.join(" or ")
        }
    }
}

pub fn is_integral(n: &Number) -> bool {
    n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0 && f.is_finite())
}

/// An exact-enough number: integers keep every digit (bounds such as the int64 limits), others are `f64`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Num {
    Int(i128),
    Float(f64),
}

impl Num {
    pub fn from_json(n: &Number) -> Num {
        if let Some(i) = n.as_i64() {
            Num::Int(i as i128)
        } else if let Some(u) = n.as_u64() {
            Num::Int(u as i128)
        } else {
            Num::Float(n.as_f64().unwrap_or(0.0))
        }
    }

    pub fn as_f64(self) -> f64 {
        match self {
            Num::Int(i) => i as f64,
            Num::Float(f) => f,
        }
    }

    /// The value as an integer when it has no fractional part and fits.
    pub fn as_int(self) -> Option<i128> {
        match self {
            Num::Int(i) => Some(i),
            Num::Float(f) if f.fract() == 0.0 && f.abs() < 1.0e38 => Some(f as i128),
            Num::Float(_) => None,
        }
    }

    /// Total order between numbers of either representation (JSON has no NaN).
    pub fn cmp_num(self, other: Num) -> Ordering {
        match (self, other) {
            (Num::Int(a), Num::Int(b)) => a.cmp(&b),
            (Num::Float(a), Num::Float(b)) => a.partial_cmp(&b).unwrap_or(Ordering::Equal),
            (Num::Int(a), Num::Float(b)) => cmp_int_float(a, b),
            (Num::Float(a), Num::Int(b)) => cmp_int_float(b, a).reverse(),
        }
    }

    /// Whether `self` is an integer multiple of `step` (exact for integers, relative tolerance for floats).
    pub fn is_multiple_of(self, step: Num) -> bool {
        if let (Num::Int(a), Num::Int(b)) = (self, step) {
            return b != 0 && a % b == 0;
        }
        let (a, b) = (self.as_f64(), step.as_f64());
        if b == 0.0 {
            return false;
        }
        let q = a / b;
        if !q.is_finite() {
            return false;
        }
        (q - q.round()).abs() <= 1e-9 * q.abs().max(1.0)
    }

    pub fn to_json(self) -> Value {
        match self {
            Num::Int(i) => {
                if let Ok(v) = i64::try_from(i) {
                    Value::from(v)
                } else if let Ok(v) = u64::try_from(i) {
                    Value::from(v)
                } else {
                    Number::from_f64(i as f64).map_or(Value::Null, Value::Number)
                }
            }
            Num::Float(f) => {
                if f.fract() == 0.0 && f.abs() < 9.0e15 {
                    Value::from(f as i64)
                } else {
                    Number::from_f64(f).map_or(Value::Null, Value::Number)
                }
            }
        }
    }
}

fn cmp_int_float(i: i128, f: f64) -> Ordering {
    if f >= 1.0e38 {
        return Ordering::Less;
    }
    if f <= -1.0e38 {
        return Ordering::Greater;
    }
    let t = f.trunc();
    let ti = t as i128;
    match i.cmp(&ti) {
        Ordering::Equal => {
            let frac = f - t;
            if frac > 0.0 {
                Ordering::Less
            } else if frac < 0.0 {
                Ordering::Greater
            } else {
                Ordering::Equal
            }
        }
        other => other,
    }
}

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
