//! Value-level types of the IR: JSON type sets and exact-enough numbers.

use std::cmp::Ordering;

use serde_json::{Number, Value};

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

impl std::fmt::Display for Num {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Num::Int(i) => write!(f, "{i}"),
            Num::Float(x) => write!(f, "{x}"),
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
