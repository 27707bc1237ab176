//! The edits that break one keyword each: numeric bounds and steps, string lengths, patterns and formats, item
//! and property counts, uniqueness, required and undeclared members.

use serde_json::{Map, Value};

use super::conjuncts::{item_schemas, property_schemas};
use super::mutate::Op;
use super::negative::label;
use super::numbers::{div_ceil, div_floor, int_lower, int_upper, round_to_step};
use super::positive::Generator;
use super::sites::Place;
use super::{formats, strings, Label};
use crate::schema::{escape_token, Additional, Bound, Node, NodeId, Num, TypeSet};

/// Just past a bound: one below a lower bound (or at an exclusive one), on the `multipleOf` grid when possible.
pub fn past_bound(b: Bound, lower: bool, int_ctx: bool, step: Option<Num>) -> Num {
    let dir: i128 = if lower { -1 } else { 1 };
    if int_ctx {
        let inside = if lower { int_lower(b) } else { int_upper(b) };
        let mut v = inside + dir;
        if let Some(s) = step.and_then(Num::as_int).filter(|s| *s > 1) {
            v = if lower { div_floor(v, s) * s } else { div_ceil(v, s) * s };
        }
        return Num::Int(v);
    }
    if b.exclusive {
        return b.value;
    }
    let x = b.value.as_f64();
    match step {
        Some(s) => {
            let s = s.as_f64();
            let k = if lower { (x / s).ceil() - 1.0 } else { (x / s).floor() + 1.0 };
            Num::Float(round_to_step(k * s, s))
        }
        None => {
            let delta = if x.abs() > 1e12 { x.abs() * 1e-9 } else { 0.01 };
            Num::Float(x + dir as f64 * delta)
        }
    }
}

pub fn numeric(n: &Node, x: Num, int_ctx: bool, at: &str, push: &mut impl FnMut(Label, Vec<Op>)) {
    if let Some(rules) = &n.num {
        for (bound, lower) in [(rules.lower(), true), (rules.upper(), false)] {
            let Some(b) = bound else { continue };
            let v = past_bound(b, lower, int_ctx, rules.multiple_of);
            let kw = b.keyword(lower);
            let desc = if b.exclusive {
                format!("{}, equal to the excluded bound ({kw} {})", show(v), show(b.value))
            } else {
                format!("{}, just {} the {kw} {}", show(v), if lower { "below" } else { "above" }, show(b.value))
            };
            push(label(n, kw, at, true, desc), vec![Op::Replace(v.to_json())]);
        }
        if let Some(step) = rules.multiple_of {
            let alternatives: Vec<Op> = if int_ctx {
                match step.as_int() {
                    Some(s) if s > 1 => x
                        .as_int()
                        .map(|i| {
                            vec![Op::Replace(Value::from((i + 1) as i64)), Op::Replace(Value::from((i - 1) as i64))]
                        })
                        .unwrap_or_default(),
                    _ => Vec::new(),
                }
            } else {
                let half = step.as_f64() / 2.0;
                vec![
                    Op::Replace(Num::Float(x.as_f64() + half).to_json()),
                    Op::Replace(Num::Float(x.as_f64() - half).to_json()),
                ]
            };
            push(
                label(n, "multipleOf", at, false, format!("a value that is not a multiple of {}", show(step))),
                alternatives,
            );
        }
    }
    if let Some((lo, hi)) = n.format.and_then(|f| f.int_range()) {
        let name = n.format.map_or("", |f| f.name());
        for (v, side) in [(lo - 1, "below"), (hi + 1, "above")] {
            push(
                label(n, "format", at, true, format!("{v}, just {side} the {name} range")),
                vec![Op::Replace(Num::Int(v).to_json())],
            );
        }
    }
}

fn show(x: Num) -> String {
    x.to_string()
}

/// "1 item", "3 items", "2 properties".
pub fn plural(n: u64, noun: &str) -> String {
    match (n, noun.strip_suffix('y')) {
        (1, _) => format!("1 {noun}"),
        (_, Some(stem)) => format!("{n} {stem}ies"),
        _ => format!("{n} {noun}s"),
    }
}

pub fn string(gen: &mut Generator, n: &Node, s: &str, place: &Place, at: &str, push: &mut impl FnMut(Label, Vec<Op>)) {
    let c = gen.c;
    let view = strings::merged(c, &place.nodes);
    let chars: Vec<char> = s.chars().collect();
    if let Some(rules) = &n.string {
        if let Some(min) = rules.min_length.filter(|m| *m >= 1) {
            let short: String = chars.iter().take(min as usize - 1).collect();
            let filler: String = "a".repeat(min as usize - 1);
            let desc = format!("{}, one less than minLength {min}", plural(min - 1, "character"));
            push(
                label(n, "minLength", at, true, desc),
                vec![Op::Replace(Value::from(short)), Op::Replace(Value::from(filler))],
            );
        }
        if let Some(max) = rules.max_length.filter(|m| *m < 100_000) {
            let pad = chars.last().copied().unwrap_or('a');
            let long: String = chars.iter().copied().chain(std::iter::repeat(pad)).take(max as usize + 1).collect();
            let filler = "a".repeat(max as usize + 1);
            let desc = format!("{}, one more than maxLength {max}", plural(max + 1, "character"));
            push(
                label(n, "maxLength", at, true, desc),
                vec![Op::Replace(Value::from(long)), Op::Replace(Value::from(filler))],
            );
        }
        if let Some(p) = rules.pattern {
            let pattern = c.pattern(p);
            let len = (chars.len() as u64).max(view.min).min(view.max.unwrap_or(u64::MAX)).max(1) as usize;
            let mut alternatives = Vec::new();
            let mut last_bad = chars.clone();
            if let Some(last) = last_bad.last_mut() {
                *last = '!';
            }
            let candidates = std::iter::once(last_bad.into_iter().collect::<String>())
                .chain(['!', '~', '0', 'a', 'Z', '-', '.'].iter().map(|ch| ch.to_string().repeat(len)));
            for candidate in candidates {
                if !pattern.is_match(&candidate) && alternatives.len() < 4 {
                    alternatives.push(Op::Replace(Value::from(candidate)));
                }
            }
            let desc = format!("a string not matching {}", crate::error::snippet(&pattern.source));
            push(label(n, "pattern", at, false, desc), alternatives);
        }
    }
    if let Some(f) = n.format.filter(|f| f.is_enforced() && f.applies_to() == TypeSet::STRING) {
        if let Some(bad) = formats::invalid(f) {
            push(
                label(n, "format", at, false, format!("{} is not a valid {}", crate::error::snippet(bad), f.name())),
                vec![Op::Replace(Value::from(bad))],
            );
        }
    }
}

pub fn array(
    gen: &mut Generator,
    n: &Node,
    items: &[Value],
    place: &Place,
    at: &str,
    push: &mut impl FnMut(Label, Vec<Op>),
) {
    let Some(rules) = &n.array else { return };
    // `items: false` after a tuple: one item too many.
    let closed = rules.items.is_some_and(|i| gen.c.node(i).is_false());
    if closed {
        let full = if items.len() >= rules.prefix.len() {
            Some(items.to_vec())
        } else {
            extend(gen, &place.nodes, items, rules.prefix.len(), rules.unique)
        };
        if let Some(mut longer) = full {
            let index = longer.len();
            longer.push(Value::from("extra"));
            let desc = format!("an item after the {} allowed", plural(rules.prefix.len() as u64, "item"));
            push(
                label(n, rules.items_keyword, &format!("{at}/{index}"), false, desc),
                vec![Op::Replace(Value::Array(longer))],
            );
        }
    }
    if let Some(min) = rules.min_items.filter(|m| *m >= 1 && *m as usize <= items.len()) {
        let short = items[..min as usize - 1].to_vec();
        push(
            label(n, "minItems", at, true, format!("{}, one less than minItems {min}", plural(min - 1, "item"))),
            vec![Op::Replace(Value::Array(short))],
        );
    }
    if let Some(max) = rules.max_items.filter(|m| *m < 1000) {
        if let Some(long) = extend(gen, &place.nodes, items, max as usize + 1, rules.unique) {
            push(
                label(n, "maxItems", at, true, format!("{}, one more than maxItems {max}", plural(max + 1, "item"))),
                vec![Op::Replace(Value::Array(long))],
            );
        }
    }
    if rules.unique {
        let mut dup = items.to_vec();
        if dup.len() >= 2 {
            dup[1] = dup[0].clone();
        } else if let Some(first) = dup.first().cloned() {
            dup.push(first);
        } else if let Some(one) = gen.value(&item_schemas(gen.c, &place.nodes, 0), 1) {
            dup = vec![one.clone(), one];
        }
        if dup.len() >= 2 {
            push(label(n, "uniqueItems", at, false, "two equal items".into()), vec![Op::Replace(Value::Array(dup))]);
        }
    }
}

/// `items` grown to `len` with generated items (distinct when `unique`).
pub fn extend(gen: &mut Generator, nodes: &[NodeId], items: &[Value], len: usize, unique: bool) -> Option<Vec<Value>> {
    let mut out = items.to_vec();
    let mut tries = 0;
    while out.len() < len && tries < len * 4 + 8 {
        tries += 1;
        let schemas = item_schemas(gen.c, nodes, out.len());
        let v = gen.value(&schemas, 1)?;
        if unique && out.iter().any(|o| crate::validate::equality::json_eq(o, &v)) {
            continue;
        }
        out.push(v);
    }
    (out.len() == len).then_some(out)
}

pub fn object(
    gen: &mut Generator,
    n: &Node,
    map: &Map<String, Value>,
    place: &Place,
    at: &str,
    push: &mut impl FnMut(Label, Vec<Op>),
) {
    let c = gen.c;
    let Some(rules) = &n.object else { return };
    let required = |k: &str| rules.required.iter().any(|r| &**r == k);
    for name in rules.required.iter() {
        if map.contains_key(&**name) {
            let desc = format!("required property {} removed", crate::error::snippet(name));
            push(label(n, "required", at, false, desc), vec![Op::Remove(name.to_string())]);
        }
    }
    if rules.additional == Additional::Deny {
        let name = (0..50)
            .map(|i| if i == 0 { "unexpected_property".to_string() } else { format!("unexpected_property_{i}") })
            .find(|k| {
                rules.property(k).is_none()
                    && !rules.pattern_properties.iter().any(|(p, _)| c.pattern(*p).is_match(k))
                    && !map.contains_key(k)
            });
        if let Some(name) = name {
            let l = label(
                n,
                "additionalProperties",
                &format!("{at}/{}", escape_token(&name)),
                false,
                format!("undeclared property {name} added"),
            );
            let mut alternatives = vec![Op::Insert(name.clone(), Value::from("unexpected"))];
            // At maxProperties already: make room by dropping an optional member.
            if let Some(optional) = map.keys().find(|k| !required(k)) {
                let mut swapped = map.clone();
                swapped.shift_remove(optional);
                swapped.insert(name, Value::from("unexpected"));
                alternatives.push(Op::Replace(Value::Object(swapped)));
            }
            push(l, alternatives);
        }
    }
    if let Some(min) = rules.min_properties.filter(|m| *m >= 1 && *m as usize <= map.len()) {
        let mut smaller = map.clone();
        let optional: Vec<String> = map.keys().filter(|k| !required(k)).cloned().collect();
        for k in optional {
            if smaller.len() < min as usize {
                break;
            }
            smaller.shift_remove(&k);
        }
        if smaller.len() == min as usize - 1 {
            push(
                label(
                    n,
                    "minProperties",
                    at,
                    true,
                    format!("{}, one less than minProperties {min}", plural(min - 1, "property")),
                ),
                vec![Op::Replace(Value::Object(smaller))],
            );
        }
    }
    if let Some(max) = rules.max_properties.filter(|m| *m < 1000) {
        // Declared members first (they cannot break additionalProperties), then extra ones.
        let mut bigger = map.clone();
        let declared: Vec<(String, Vec<NodeId>)> = place
            .nodes
            .iter()
            .filter_map(|&id| c.node(id).object.as_ref())
            .flat_map(|o| o.properties.iter())
            .filter(|p| !map.contains_key(&*p.name))
            .filter_map(|p| Some((p.name.to_string(), property_schemas(c, &place.nodes, &p.name).ok()?)))
            .collect();
        for (name, schemas) in declared {
            if bigger.len() > max as usize {
                break;
            }
            if let Some(v) = gen.value(&schemas, 1) {
                bigger.insert(name, v);
            }
        }
        let mut i = 0;
        while bigger.len() <= max as usize {
            i += 1;
            bigger.entry(format!("extra_{i}")).or_insert_with(|| Value::from("extra"));
        }
        push(
            label(
                n,
                "maxProperties",
                at,
                true,
                format!("{}, one more than maxProperties {max}", plural(max + 1, "property")),
            ),
            vec![Op::Replace(Value::Object(bigger))],
        );
    }
    for (name, deps) in rules.dependent_required.iter() {
        if map.contains_key(&**name) {
            if let Some(dep) = deps.iter().find(|d| map.contains_key(&***d)) {
                let desc = format!(
                    "{} removed although {} is present",
                    crate::error::snippet(dep),
                    crate::error::snippet(name)
                );
                push(label(n, "dependentRequired", at, false, desc), vec![Op::Remove(dep.to_string())]);
            }
        }
    }
}
