//! Boundary positives: valid values exactly on a bound (numbers on `minimum`/`maximum` or the closest value inside
//! an exclusive bound, strings of exactly `minLength`/`maxLength` code points, arrays of exactly
//! `minItems`/`maxItems` items, the ends of the `int32`/`int64` ranges). Each is checked to be valid.

use serde_json::{Map, Value};

use super::breakers::{extend, plural};
use super::conjuncts::{declared_types, property_schemas};
use super::mutate::{apply, Op};
use super::numbers::{div_ceil, div_floor, int_lower, int_upper, round_to_step};
use super::positive::Generator;
use super::rng::Rng;
use super::sites::{places, Place};
use super::{GenOptions, Label, Labelled};
use crate::schema::{Bound, Compiled, Node, NodeId, Num, TypeSet};
use crate::validate::is_valid;

const MAX_PLACES: usize = 200;
/// Longest string or array built to sit on an upper bound.
const MAX_BUILT: u64 = 4096;

pub fn boundaries(c: &Compiled, id: NodeId, opts: GenOptions, rng: &mut Rng, limit: usize) -> Vec<Labelled> {
    let Some(base) =
        super::generate_checked(c, id, opts, rng, 20, true).or_else(|| super::positive_with(c, id, opts, rng, 20))
    else {
        return Vec::new();
    };
    let places = places(c, id, &base, MAX_PLACES);
    let mut gen = Generator::new(c, rng, opts);
    let mut out: Vec<Labelled> = Vec::new();
    for place in &places {
        for (label, alternatives) in candidates(&mut gen, place) {
            if out.len() >= limit {
                return out;
            }
            if out.iter().any(|o| o.label == label) {
                continue;
            }
            let found = alternatives.iter().find_map(|op| {
                let v = apply(&base, &place.steps, op)?;
                is_valid(c, id, &v, opts.direction).then_some(v)
            });
            if let Some(value) = found {
                out.push(Labelled { value, label });
            }
        }
    }
    out
}

fn label(n: &Node, keyword: &'static str, place: &Place, description: String) -> Label {
    Label {
        keyword,
        schema_pointer: format!("{}/{keyword}", n.pointer),
        instance_pointer: place.pointer.clone(),
        description,
        boundary: true,
    }
}

/// The closest valid value to a bound, on the `multipleOf` grid.
pub fn on_bound(b: Bound, lower: bool, int_ctx: bool, step: Option<Num>) -> Num {
    if int_ctx {
        let v = if lower { int_lower(b) } else { int_upper(b) };
        return match step.and_then(Num::as_int).filter(|s| *s > 1) {
            Some(s) if lower => Num::Int(div_ceil(v, s) * s),
            Some(s) => Num::Int(div_floor(v, s) * s),
            None => Num::Int(v),
        };
    }
    let x = b.value.as_f64();
    match step {
        Some(s) => {
            let s = s.as_f64();
            let mut k = if lower { (x / s).ceil() } else { (x / s).floor() };
            if b.exclusive && (k * s - x).abs() < 1e-12 {
                k += if lower { 1.0 } else { -1.0 };
            }
            Num::Float(round_to_step(k * s, s))
        }
        None if b.exclusive => {
            let delta = if x.abs() > 1e12 { x.abs() * 1e-9 } else { 0.01 };
            Num::Float(if lower { x + delta } else { x - delta })
        }
        None => b.value,
    }
}

fn candidates(gen: &mut Generator, place: &Place) -> Vec<(Label, Vec<Op>)> {
    let c = gen.c;
    let mut out = Vec::new();
    let int_ctx = declared_types(c, &place.nodes)
        .is_some_and(|t| !t.intersects(TypeSet::NUMBER) && t.intersects(TypeSet::INTEGER))
        || place.nodes.iter().any(|&n| c.node(n).format.is_some_and(|f| f.int_range().is_some()));
    for &id in &place.nodes {
        let n = c.node(id);
        match place.value {
            Value::Number(_) => {
                if let Some(rules) = &n.num {
                    for (bound, lower) in [(rules.lower(), true), (rules.upper(), false)] {
                        let Some(b) = bound else { continue };
                        let v = on_bound(b, lower, int_ctx, rules.multiple_of);
                        let kw = b.keyword(lower);
                        out.push((
                            label(n, kw, place, format!("{v}, at the {kw} {}", b.value)),
                            vec![Op::Replace(v.to_json())],
                        ));
                    }
                }
                if let (Some((lo, hi)), true) = (n.format.and_then(|f| f.int_range()), int_ctx) {
                    let name = n.format.map_or("", |f| f.name());
                    for v in [lo, hi] {
                        out.push((
                            label(n, "format", place, format!("{v}, an end of the {name} range")),
                            vec![Op::Replace(Num::Int(v).to_json())],
                        ));
                    }
                }
            }
            Value::String(s) => {
                let Some(rules) = &n.string else { continue };
                let chars: Vec<char> = s.chars().collect();
                for (len, kw) in [(rules.min_length, "minLength"), (rules.max_length, "maxLength")] {
                    let Some(len) = len.filter(|l| *l <= MAX_BUILT) else { continue };
                    let alternatives = sized_strings(gen, &place.nodes, &chars, len as usize);
                    out.push((
                        label(n, kw, place, format!("a string of exactly {} ({kw})", plural(len, "character"))),
                        alternatives,
                    ));
                }
            }
            Value::Array(items) => {
                let Some(rules) = &n.array else { continue };
                for (len, kw) in [(rules.min_items, "minItems"), (rules.max_items, "maxItems")] {
                    let Some(len) = len.filter(|l| *l <= MAX_BUILT.min(1000)) else { continue };
                    let sized = if (len as usize) <= items.len() {
                        Some(items[..len as usize].to_vec())
                    } else {
                        extend(gen, &place.nodes, items, len as usize, rules.unique)
                    };
                    if let Some(sized) = sized {
                        out.push((
                            label(n, kw, place, format!("exactly {} ({kw})", plural(len, "item"))),
                            vec![Op::Replace(Value::Array(sized))],
                        ));
                    }
                }
            }
            Value::Object(map) => {
                let Some(rules) = &n.object else { continue };
                for (count, kw) in [(rules.min_properties, "minProperties"), (rules.max_properties, "maxProperties")] {
                    let Some(count) = count.filter(|c| *c <= 1000) else { continue };
                    if let Some(sized) = sized_object(gen, &place.nodes, map, count as usize) {
                        let desc = format!("exactly {} ({kw})", plural(count, "property"));
                        out.push((label(n, kw, place, desc), vec![Op::Replace(Value::Object(sized))]));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// `map` with exactly `count` members: optional members dropped, or declared (then extra) members added.
fn sized_object(
    gen: &mut Generator,
    nodes: &[NodeId],
    map: &Map<String, Value>,
    count: usize,
) -> Option<Map<String, Value>> {
    let c = gen.c;
    let objects: Vec<&crate::schema::ObjRules> = nodes.iter().filter_map(|&id| c.node(id).object.as_deref()).collect();
    let required = |k: &str| objects.iter().any(|o| o.required.iter().any(|r| &**r == k));
    let mut out = map.clone();
    let optional: Vec<String> = map.keys().filter(|k| !required(k)).cloned().collect();
    for k in optional.iter().rev() {
        if out.len() <= count {
            break;
        }
        out.shift_remove(k);
    }
    let declared: Vec<Box<str>> = objects.iter().flat_map(|o| o.properties.iter().map(|p| p.name.clone())).collect();
    let extras = (1..=count).map(|i| format!("extra_{i}").into_boxed_str());
    for name in declared.into_iter().chain(extras) {
        if out.len() >= count {
            break;
        }
        if out.contains_key(&*name) {
            continue;
        }
        let Ok(schemas) = property_schemas(c, nodes, &name) else { continue };
        if let Some(v) = gen.value(&schemas, 1) {
            out.insert(name.to_string(), v);
        }
    }
    (out.len() == count).then_some(out)
}

/// Strings of exactly `len` code points: the base cut or padded, then generated ones of that length.
fn sized_strings(gen: &mut Generator, nodes: &[NodeId], chars: &[char], len: usize) -> Vec<Op> {
    let pad = chars.last().copied().unwrap_or('a');
    let adjusted: String = chars.iter().copied().chain(std::iter::repeat(pad)).take(len).collect();
    let mut out = vec![Op::Replace(Value::from(adjusted))];
    for _ in 0..16 {
        if let Some(s) = gen.value(nodes, 1).and_then(|v| v.as_str().map(str::to_string)) {
            if s.chars().count() == len {
                out.push(Op::Replace(Value::from(s)));
                break;
            }
        }
    }
    out
}
