//! The validator: one recursive walk over instance and nodes.
//!
//! Every check function is generic over `C`: `true` collects every violation, `false` answers "valid?" and stops at
//! the first failure (used for `anyOf`/`oneOf`/`not`/`if`/`contains`). The instance path is a linked list on the
//! stack: pointers are only built when a violation is recorded.

use serde_json::Value;

use super::equality::json_eq;
use super::format::check_string;
use super::{Direction, Violation};
use crate::error::snippet;
use crate::schema::{Compiled, Node, NodeId, Num, NumRules, StrRules, TypeSet};

/// Deepest nesting of schema evaluations (instance depth plus reference hops) before giving up with a "depth"
/// violation instead of exhausting the stack.
pub const MAX_DEPTH: u32 = 300;

#[derive(Clone, Copy)]
pub enum Seg<'a> {
    Root,
    Key(&'a str),
    Index(usize),
}

/// The instance location, as a chain of stack frames.
#[derive(Clone, Copy)]
pub struct Path<'a> {
    pub parent: Option<&'a Path<'a>>,
    pub seg: Seg<'a>,
}

impl<'a> Path<'a> {
    pub const ROOT: Path<'static> = Path { parent: None, seg: Seg::Root };

    pub fn child(&'a self, seg: Seg<'a>) -> Path<'a> {
        Path { parent: Some(self), seg }
    }

    /// RFC 6901 pointer ("" for the root).
    pub fn pointer(&self) -> String {
        let mut segs = Vec::new();
        let mut cur = Some(self);
        while let Some(p) = cur {
            segs.push(p.seg);
            cur = p.parent;
        }
        let mut out = String::new();
        for seg in segs.iter().rev() {
            match seg {
                Seg::Root => {}
                Seg::Key(k) => {
                    out.push('/');
                    out.push_str(&crate::schema::escape_token(k));
                }
                Seg::Index(i) => {
                    out.push('/');
                    out.push_str(&i.to_string());
                }
            }
        }
        out
    }
}

pub struct Validator<'c> {
    pub c: &'c Compiled,
    pub direction: Direction,
}

#[cold]
#[inline(never)]
pub(super) fn record(out: &mut Vec<Violation>, keyword: &'static str, node: &Node, path: &Path, message: String) {
    out.push(Violation {
        keyword,
        instance_pointer: path.pointer(),
        schema_pointer: format!("{}/{keyword}", node.pointer),
        message: crate::error::bounded(message),
    });
}

impl<'c> Validator<'c> {
    pub fn is_valid(&self, id: NodeId, v: &Value) -> bool {
        self.node::<false>(id, v, &Path::ROOT, 0, &mut Vec::new())
    }

    pub fn node<const C: bool>(
        &self,
        id: NodeId,
        v: &Value,
        path: &Path,
        depth: u32,
        out: &mut Vec<Violation>,
    ) -> bool {
        let n = self.c.node(id);
        match n.boolean {
            Some(true) => return true,
            Some(false) => {
                if C {
                    out.push(Violation {
                        keyword: "false",
                        instance_pointer: path.pointer(),
                        schema_pointer: n.pointer.to_string(),
                        message: "no value is allowed here (schema `false`)".to_string(),
                    });
                }
                return false;
            }
            None => {}
        }
        if depth >= MAX_DEPTH {
            if C {
                record(out, "depth", n, path, format!("nesting deeper than {MAX_DEPTH} levels is not validated"));
            }
            return false;
        }
        if n.nullable && v.is_null() {
            return true;
        }
        let mut ok = true;
        if let Some(types) = n.types {
            if !types.accepts(v) {
                fail!(C, ok, out, "type", n, path, "expected {}, got {}", types.describe(), TypeSet::of(v).name());
            }
        }
        if let Some(values) = &n.enum_values {
            if !values.iter().any(|e| json_eq(e, v)) {
                fail!(C, ok, out, "enum", n, path, "{} is not one of the {} allowed values", show(v), values.len());
            }
        }
        if let Some(c) = &n.const_value {
            if !json_eq(c, v) {
                fail!(C, ok, out, "const", n, path, "{} is not the constant {}", show(v), show(c));
            }
        }
        ok &= match v {
            Value::Number(num) => self.number::<C>(n, Num::from_json(num), path, out),
            Value::String(s) => self.string::<C>(n, s, path, out),
            Value::Array(items) => match &n.array {
                Some(rules) => self.array::<C>(n, rules, items, path, depth, out),
                None => true,
            },
            Value::Object(map) => match &n.object {
                Some(rules) => self.object::<C>(n, rules, v, map, path, depth, out),
                None => true,
            },
            _ => true,
        };
        if !ok && !C {
            return false;
        }
        for &m in n.all_of.iter() {
            if !self.node::<C>(m, v, path, depth + 1, out) {
                if !C {
                    return false;
                }
                ok = false;
            }
        }
        if !n.any_of.is_empty() || !n.one_of.is_empty() || n.not.is_some() || n.conditional.is_some() {
            ok &= self.applicators::<C>(n, v, path, depth, out);
        }
        ok
    }

    fn number<const C: bool>(&self, n: &Node, x: Num, path: &Path, out: &mut Vec<Violation>) -> bool {
        let mut ok = true;
        if let Some(rules) = &n.num {
            ok = self.bounds::<C>(n, rules, x, path, out);
            if !ok && !C {
                return false;
            }
        }
        if let Some((lo, hi)) = n.format.and_then(|f| f.int_range()) {
            let inside = x.as_int().is_some_and(|i| i >= lo && i <= hi);
            if !inside {
                let f = n.format.map_or("", |f| f.name());
                fail!(C, ok, out, "format", n, path, "{} is not a valid {f} (range {lo}..={hi})", show_num(x));
            }
        }
        ok
    }

    fn bounds<const C: bool>(&self, n: &Node, r: &NumRules, x: Num, path: &Path, out: &mut Vec<Violation>) -> bool {
        let mut ok = true;
        if let Some(min) = r.minimum {
            if x.cmp_num(min).is_lt() {
                fail!(C, ok, out, "minimum", n, path, "{} is less than the minimum {}", show_num(x), show_num(min));
            }
        }
        if let Some(min) = r.exclusive_minimum {
            if x.cmp_num(min).is_le() {
                fail!(C, ok, out, "exclusiveMinimum", n, path, "{} is not greater than {}", show_num(x), show_num(min));
            }
        }
        if let Some(max) = r.maximum {
            if x.cmp_num(max).is_gt() {
                fail!(C, ok, out, "maximum", n, path, "{} is greater than the maximum {}", show_num(x), show_num(max));
            }
        }
        if let Some(max) = r.exclusive_maximum {
            if x.cmp_num(max).is_ge() {
                fail!(C, ok, out, "exclusiveMaximum", n, path, "{} is not less than {}", show_num(x), show_num(max));
            }
        }
        if let Some(step) = r.multiple_of {
            if !x.is_multiple_of(step) {
                fail!(C, ok, out, "multipleOf", n, path, "{} is not a multiple of {}", show_num(x), show_num(step));
            }
        }
        ok
    }

    fn string<const C: bool>(&self, n: &Node, s: &str, path: &Path, out: &mut Vec<Violation>) -> bool {
        let mut ok = true;
        if let Some(rules) = &n.string {
            ok = self.string_rules::<C>(n, rules, s, path, out);
            if !ok && !C {
                return false;
            }
        }
        if let Some(f) = n.format {
            if f.is_enforced() && f.applies_to() == TypeSet::STRING && !check_string(f, s) {
                fail!(C, ok, out, "format", n, path, "{} is not a valid {}", snippet(s), f.name());
            }
        }
        ok
    }

    fn string_rules<const C: bool>(
        &self,
        n: &Node,
        r: &StrRules,
        s: &str,
        path: &Path,
        out: &mut Vec<Violation>,
    ) -> bool {
        let mut ok = true;
        if r.min_length.is_some() || r.max_length.is_some() {
            // Bytes bound code points from above: count only when the byte length cannot decide.
            let len = |s: &str| s.chars().count() as u64;
            if let Some(min) = r.min_length {
                if (s.len() as u64) < min || len(s) < min {
                    fail!(C, ok, out, "minLength", n, path, "{} is shorter than {min} characters", snippet(s));
                }
            }
            if let Some(max) = r.max_length {
                if s.len() as u64 > max && len(s) > max {
                    fail!(C, ok, out, "maxLength", n, path, "string of {} characters is longer than {max}", len(s));
                }
            }
        }
        if let Some(p) = r.pattern {
            let pattern = self.c.pattern(p);
            if !pattern.is_match(s) {
                fail!(C, ok, out, "pattern", n, path, "{} does not match {}", snippet(s), snippet(&pattern.source));
            }
        }
        ok
    }
}

/// A short rendering of a value for messages.
pub fn show(v: &Value) -> String {
    match v {
        Value::String(s) => snippet(s),
        Value::Array(a) => format!("an array of {} items", a.len()),
        Value::Object(m) => format!("an object with {} properties", m.len()),
        other => snippet(&other.to_string()),
    }
}

fn show_num(x: Num) -> String {
    x.to_string()
}
