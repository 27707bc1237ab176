//! Negative values: a valid base value with exactly one constraint broken at one place.
//!
//! Each candidate carries a label and one or more alternative edits; the first alternative the validator confirms
//! (invalid, and every violation is the labelled keyword at the labelled place) is kept. Candidates are taken
//! round-robin over places so that a limited number of negatives covers many properties.

use serde_json::{Map, Value};

use super::breakers;
use super::conjuncts::declared_types;
use super::mutate::{apply, Op};
use super::positive::Generator;
use super::rng::Rng;
use super::sites::{places, Place};
use super::{GenOptions, Label, Labelled, Target};
use crate::schema::{Compiled, Node, NodeId, Num, TypeSet};
use crate::validate::validate;

/// Places of one base value examined.
const MAX_PLACES: usize = 200;
/// Bases tried when the first yields fewer negatives than asked for.
const MAX_BASES: usize = 3;

pub struct Candidate {
    pub label: Label,
    pub place: usize,
    pub alternatives: Vec<Op>,
}

/// Negatives of node `id` of `c`. With `original` (`c` is then a relaxed copy of it), a negative is kept only when
/// the original reports its label and does not already report it for the base value.
pub fn negatives(
    c: &Compiled,
    original: Option<&Compiled>,
    id: NodeId,
    opts: GenOptions,
    rng: &mut Rng,
    limit: usize,
) -> Vec<Labelled> {
    let mut out: Vec<Labelled> = Vec::new();
    for round in 0..MAX_BASES {
        if out.len() >= limit {
            break;
        }
        // The first base is as full as possible; later ones vary.
        let Some(base) = super::generate_checked(c, id, opts, rng, 20, round == 0)
            .or_else(|| super::positive_with(c, id, opts, rng, 20))
        else {
            break;
        };
        let inherited = original.map(|o| validate(o, id, &base, opts.direction));
        let genuine = |value: &Value, label: &Label| match (original, &inherited) {
            (Some(o), Some(inherited)) => {
                let is_label = |v: &crate::validate::Violation| {
                    v.keyword == label.keyword
                        && v.instance_pointer == label.instance_pointer
                        && v.schema_pointer == label.schema_pointer
                };
                !inherited.iter().any(is_label) && validate(o, id, value, opts.direction).iter().any(is_label)
            }
            _ => true,
        };
        let places = places(c, id, &base, MAX_PLACES);
        let mut gen = Generator::new(c, rng, opts);
        let per_place: Vec<Vec<Candidate>> =
            places.iter().enumerate().map(|(i, p)| candidates(&mut gen, p, i)).collect();
        let before = out.len();
        let rounds = per_place.iter().map(Vec::len).max().unwrap_or(0);
        'rounds: for round in 0..rounds {
            for list in &per_place {
                let Some(cand) = list.get(round) else { continue };
                if out.iter().any(|o| o.label == cand.label) {
                    continue;
                }
                if let Some(value) = confirm(c, id, opts, &base, &places[cand.place], cand) {
                    if !genuine(&value, &cand.label) {
                        continue;
                    }
                    out.push(Labelled { value, label: cand.label.clone() });
                    if out.len() >= limit {
                        break 'rounds;
                    }
                }
            }
        }
        if out.len() == before {
            break;
        }
    }
    out
}

/// The first alternative that breaks exactly the labelled constraint.
fn confirm(c: &Compiled, id: NodeId, opts: GenOptions, base: &Value, place: &Place, cand: &Candidate) -> Option<Value> {
    cand.alternatives.iter().find_map(|op| {
        let value = apply(base, &place.steps, op)?;
        let violations = validate(c, id, &value, opts.direction);
        let label = &cand.label;
        let exact = !violations.is_empty()
            && violations.iter().any(|v| v.keyword == label.keyword)
            && violations.iter().all(|v| {
                v.instance_pointer == label.instance_pointer
                    && (v.keyword == label.keyword
                        || (label.keyword == "type" && matches!(v.keyword, "enum" | "const")))
            });
        exact.then_some(value)
    })
}

pub fn label(n: &Node, keyword: &'static str, pointer: &str, boundary: bool, description: String) -> Label {
    Label {
        keyword,
        schema_pointer: format!("{}/{keyword}", n.pointer),
        instance_pointer: pointer.to_string(),
        description,
        boundary,
    }
}

fn candidates(gen: &mut Generator, place: &Place, index: usize) -> Vec<Candidate> {
    let c = gen.c;
    let target = gen.opts.target;
    let mut out = Vec::new();
    let mut push = |label: Label, alternatives: Vec<Op>| {
        if !alternatives.is_empty() {
            out.push(Candidate { label, place: index, alternatives });
        }
    };
    let int_ctx = declared_types(c, &place.nodes)
        .is_some_and(|t| !t.intersects(TypeSet::NUMBER) && t.intersects(TypeSet::INTEGER))
        || place.nodes.iter().any(|&n| c.node(n).format.is_some_and(|f| f.int_range().is_some()));
    for &id in &place.nodes {
        let n = c.node(id);
        let at = place.pointer.as_str();
        if let Some(types) = n.types {
            for wrong in wrong_types(types, target) {
                let desc = format!("{} where {} is expected", describe(&wrong), types.describe());
                push(label(n, "type", at, false, desc), vec![Op::Replace(wrong)]);
            }
            if target == Target::Json && !crate::validate::is_valid(c, id, &Value::Null, gen.opts.direction) {
                push(
                    label(n, "type", at, false, "null where the schema is not nullable".into()),
                    vec![Op::Replace(Value::Null)],
                );
            }
        }
        if let Some(values) = &n.enum_values {
            if let Some(wrong) = outside(values) {
                push(
                    label(n, "enum", at, false, format!("{} is not an allowed value", describe(&wrong))),
                    vec![Op::Replace(wrong)],
                );
            }
        }
        if let Some(value) = &n.const_value {
            if let Some(wrong) = outside(std::slice::from_ref(value)) {
                push(label(n, "const", at, false, "a value other than the constant".into()), vec![Op::Replace(wrong)]);
            }
        }
        match place.value {
            Value::Number(x) => breakers::numeric(n, Num::from_json(x), int_ctx, at, &mut push),
            Value::String(s) => breakers::string(gen, n, s, place, at, &mut push),
            Value::Array(items) => breakers::array(gen, n, items, place, at, &mut push),
            Value::Object(map) => breakers::object(gen, n, map, place, at, &mut push),
            _ => {}
        }
        if target == Target::Json {
            for (keyword, branches) in [("oneOf", &n.one_of), ("anyOf", &n.any_of)] {
                if !branches.is_empty() {
                    let alternatives = [
                        Value::from(987_654_321),
                        Value::from("none-of-the-alternatives"),
                        Value::Bool(true),
                        Value::Array(vec![]),
                        Value::Object(Map::new()),
                    ]
                    .into_iter()
                    .map(Op::Replace)
                    .collect();
                    push(
                        label(n, keyword, at, false, format!("a value matching none of the {keyword} alternatives")),
                        alternatives,
                    );
                }
            }
        }
    }
    out
}

/// Values of a type outside `types` that survive the target's serialisation.
fn wrong_types(types: TypeSet, target: Target) -> Vec<Value> {
    let numeric = TypeSet::INTEGER.union(TypeSet::NUMBER);
    let mut out = Vec::new();
    match target {
        Target::Json => {
            let word = if types.intersects(numeric) {
                "not-a-number"
            } else if types.intersects(TypeSet::BOOLEAN) {
                "not-a-boolean"
            } else if types.intersects(TypeSet::ARRAY) {
                "not-an-array"
            } else {
                "not-an-object"
            };
            let pool = [
                Value::from(word),
                Value::from(12345),
                Value::Bool(true),
                Value::Array(vec![]),
                Value::Object(Map::new()),
            ];
            if let Some(v) = pool.into_iter().find(|v| !types.accepts(v)) {
                out.push(v);
            }
        }
        Target::Text => {
            if types.intersects(TypeSet::STRING) {
                return out;
            }
            if types.intersects(numeric) {
                out.push(Value::from("abc"));
            } else if types.intersects(TypeSet::BOOLEAN) {
                out.push(Value::from("notabool"));
            }
        }
    }
    if types.intersects(TypeSet::INTEGER) && !types.intersects(TypeSet::NUMBER) && !types.intersects(TypeSet::STRING) {
        out.push(Value::from(1.5));
    }
    out
}

fn describe(v: &Value) -> String {
    match v {
        Value::String(s) => format!("the string {}", crate::error::snippet(s)),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
        other => other.to_string(),
    }
}

/// A value of the same kind as `values` that is none of them.
fn outside(values: &[Value]) -> Option<Value> {
    let taken = |v: &Value| values.iter().any(|e| crate::validate::equality::json_eq(e, v));
    if let Some(first) = values.iter().find_map(Value::as_str) {
        return (0..100)
            .map(|i| Value::from(format!("{first}_invalid{}", if i == 0 { String::new() } else { i.to_string() })))
            .find(|v| !taken(v));
    }
    if values.iter().any(Value::is_number) {
        let max = values.iter().filter_map(Value::as_f64).fold(f64::MIN, f64::max);
        let v = if values.iter().all(|v| v.is_i64() || v.is_u64()) {
            Value::from(max as i64 + 1)
        } else {
            Value::from(max + 1.5)
        };
        return (!taken(&v)).then_some(v);
    }
    if values.iter().any(Value::is_boolean) {
        return [Value::Bool(false), Value::Bool(true)].into_iter().find(|v| !taken(v));
    }
    let v = Value::from("not-an-allowed-value");
    (!taken(&v)).then_some(v)
}
