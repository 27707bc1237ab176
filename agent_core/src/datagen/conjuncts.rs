//! The set of nodes a generated value must satisfy at one place ("conjuncts"): a node, its `allOf` members
//! (and `$ref` aliases), and one chosen branch of each `oneOf`/`anyOf`/`if`. Keywords are merged across the set by
//! the generators; whatever merging cannot express is checked afterwards.

use serde_json::Value;

use super::rng::Rng;
use crate::schema::{Compiled, NodeId, TypeSet, INFINITE_COST};

/// Most nodes one set may hold (guards against pathological `allOf` graphs).
const MAX_NODES: usize = 64;

#[derive(Default, Debug)]
pub struct Conj {
    pub nodes: Vec<NodeId>,
    /// Property values forced by a discriminator: (property, mapping key).
    pub forced: Vec<(Box<str>, Value)>,
    /// Some node needs the result checked (`oneOf`, `not`, `if`, ...).
    pub needs_check: bool,
}

/// Expand `roots` into a conjunct set, choosing branches with `rng` (or the cheapest ones when `minimal`).
/// None when a `false` schema is involved.
pub fn expand(c: &Compiled, roots: &[NodeId], rng: &mut Rng, minimal: bool) -> Option<Conj> {
    let mut conj = Conj::default();
    let mut stack: Vec<NodeId> = roots.iter().rev().copied().collect();
    while let Some(id) = stack.pop() {
        let n = c.node(id);
        if n.is_true() || conj.nodes.contains(&id) {
            continue;
        }
        if n.is_false() {
            return None;
        }
        if conj.nodes.len() >= MAX_NODES {
            conj.needs_check = true;
            break;
        }
        conj.nodes.push(id);
        conj.needs_check |= n.needs_check;
        let mut chosen: Vec<NodeId> = Vec::new();
        for branches in [&n.one_of, &n.any_of] {
            if branches.is_empty() {
                continue;
            }
            let b = choose(c, branches, rng, minimal);
            if let Some(d) = &n.discriminator {
                if let Some(key) = d.key_for(b).or_else(|| c.names.get(b as usize).and_then(|n| n.as_deref())) {
                    conj.forced.push((d.property.clone(), Value::String(key.to_string())));
                }
            }
            chosen.push(b);
        }
        if let Some(cond) = &n.conditional {
            match (cond.then_, cond.else_) {
                (Some(then_), _) if cond.else_.is_none() || rng.chance(0.5) => {
                    chosen.push(cond.if_);
                    chosen.push(then_);
                }
                (_, Some(else_)) => chosen.push(else_),
                _ => {}
            }
        }
        // Depth-first, in document order: allOf members, then chosen branches.
        for &b in chosen.iter().rev() {
            stack.push(b);
        }
        for &m in n.all_of.iter().rev() {
            stack.push(m);
        }
    }
    inherited_discriminators(c, &mut conj);
    Some(conj)
}

/// A discriminator on a base schema reached through `allOf` (2.0-style inheritance): the value names the
/// component being generated.
fn inherited_discriminators(c: &Compiled, conj: &mut Conj) {
    for &id in &conj.nodes {
        let n = c.node(id);
        let Some(d) = &n.discriminator else { continue };
        if !n.one_of.is_empty() || !n.any_of.is_empty() || conj.forced.iter().any(|(p, _)| *p == d.property) {
            continue;
        }
        if let Some(key) = conj.nodes.iter().find_map(|&other| d.key_for(other)) {
            conj.forced.push((d.property.clone(), Value::String(key.to_string())));
        }
    }
}

/// A branch: random among those that can terminate, or the cheapest one when `minimal`.
pub fn choose(c: &Compiled, branches: &[NodeId], rng: &mut Rng, minimal: bool) -> NodeId {
    if minimal {
        return *branches.iter().min_by_key(|&&b| c.cost(b)).unwrap_or(&branches[0]);
    }
    let finite: Vec<NodeId> = branches.iter().copied().filter(|&b| c.cost(b) < INFINITE_COST).collect();
    let pool = if finite.is_empty() { branches } else { &finite[..] };
    pool[rng.index(pool.len())]
}

/// The `allOf` closure of `roots` without choosing branches (used to find keywords that apply at a place).
pub fn closure(c: &Compiled, roots: &[NodeId]) -> Vec<NodeId> {
    let mut out: Vec<NodeId> = Vec::new();
    let mut stack: Vec<NodeId> = roots.iter().rev().copied().collect();
    while let Some(id) = stack.pop() {
        if out.contains(&id) || out.len() >= MAX_NODES {
            continue;
        }
        out.push(id);
        for &m in c.node(id).all_of.iter().rev() {
            stack.push(m);
        }
    }
    out
}

/// The declared types shared by every node of the set (None: no node declares `type`).
pub fn declared_types(c: &Compiled, nodes: &[NodeId]) -> Option<TypeSet> {
    let mut out: Option<TypeSet> = None;
    for &id in nodes {
        if let Some(t) = c.node(id).types {
            // "number" also admits integers.
            let t = if t.intersects(TypeSet::NUMBER) { t.union(TypeSet::INTEGER) } else { t };
            out = Some(out.map_or(t, |o| o.intersect(t)));
        }
    }
    out
}

/// The schemas that constrain the value of property `name` of an object under `nodes`: the declared property,
/// matching `patternProperties`, else `additionalProperties`. `Err(())` when some node forbids the property.
pub fn property_schemas(c: &Compiled, nodes: &[NodeId], name: &str) -> Result<Vec<NodeId>, ()> {
    let mut out = Vec::new();
    for &id in nodes {
        let Some(o) = &c.node(id).object else { continue };
        let mut matched = false;
        if let Some(p) = o.property(name) {
            out.push(p.node);
            matched = true;
        }
        for &(pattern, schema) in o.pattern_properties.iter() {
            if c.pattern(pattern).is_match(name) {
                out.push(schema);
                matched = true;
            }
        }
        if !matched {
            match o.additional {
                crate::schema::Additional::Allow => {}
                crate::schema::Additional::Deny => return Err(()),
                crate::schema::Additional::Schema(s) => out.push(s),
            }
        }
    }
    Ok(out)
}

/// The schemas for the array item at `index` under `nodes`.
pub fn item_schemas(c: &Compiled, nodes: &[NodeId], index: usize) -> Vec<NodeId> {
    nodes.iter().filter_map(|&id| c.node(id).array.as_ref().and_then(|a| a.item_schema(index))).collect()
}
