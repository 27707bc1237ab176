//! Positive values: built from the merged keywords of a conjunct set, checked where merging is not exact.

use serde_json::{Map, Value};

use super::conjuncts::{self, Conj};
use super::rng::Rng;
use super::{GenOptions, Target};
use crate::schema::{Compiled, NodeId, TypeSet};
use crate::validate::{is_valid, Direction};

/// Beyond this depth values are built minimally (no optional properties, shortest arrays, cheapest branches).
pub const SOFT_DEPTH: u32 = 4;
/// Beyond this depth generation gives up (a recursion without a way out).
pub const HARD_DEPTH: u32 = 24;
/// Values (of any nesting) one top-level value may contain before generation turns minimal.
const BUDGET: u32 = 400;

pub struct Generator<'c, 'r> {
    pub c: &'c Compiled,
    pub rng: &'r mut Rng,
    pub opts: GenOptions,
    /// Build bases for negatives and boundaries: every optional property, non-empty arrays, no optional null, so
    /// that as many places as possible exist to break.
    pub rich: bool,
    budget: u32,
}

impl<'c, 'r> Generator<'c, 'r> {
    pub fn new(c: &'c Compiled, rng: &'r mut Rng, opts: GenOptions) -> Self {
        Generator { c, rng, opts, rich: false, budget: BUDGET }
    }

    pub fn reset_budget(&mut self) {
        self.budget = BUDGET;
    }

    /// A value satisfying every node of `roots` (unchecked at the top: callers validate).
    pub fn value(&mut self, roots: &[NodeId], depth: u32) -> Option<Value> {
        if depth > HARD_DEPTH {
            return None;
        }
        let minimal = depth >= SOFT_DEPTH || self.budget == 0;
        self.budget = self.budget.saturating_sub(1);
        let rich = self.rich;
        let mut found = None;
        for attempt in 0..4 {
            // Later attempts build fuller objects: more members make overlapping oneOf alternatives distinguishable.
            self.rich = rich || attempt >= 2;
            let Some(conj) = conjuncts::expand(self.c, roots, self.rng, minimal) else { break };
            let Some(v) = self.build(roots, &conj, depth, minimal) else {
                if conj.needs_check {
                    continue;
                }
                break;
            };
            if !conj.needs_check || self.valid_for_all(roots, &v) {
                found = Some(v);
                break;
            }
        }
        self.rich = rich;
        found
    }

    fn valid_for_all(&self, nodes: &[NodeId], v: &Value) -> bool {
        nodes.iter().all(|&n| is_valid(self.c, n, v, self.opts.direction))
    }

    /// A value for the expanded set `conj` of `roots`. Literal values (enum, const, examples, null) are checked
    /// against the roots themselves, so that a value allowed through any alternative is found.
    fn build(&mut self, roots: &[NodeId], conj: &Conj, depth: u32, minimal: bool) -> Option<Value> {
        let nodes = &conj.nodes[..];
        if let Some(v) = self.literal(roots, nodes) {
            return v;
        }
        if !minimal && !self.rich && self.rng.chance(0.08) {
            if let Some(v) = self.example(roots, nodes) {
                return Some(v);
            }
        }
        let null_ok = self.valid_for_all(roots, &Value::Null);
        let types = self.candidate_types(nodes);
        let non_null = types.without(TypeSet::NULL);
        let p_null = match (minimal, self.rich) {
            (true, _) => 0.5,
            (false, true) => 0.0,
            (false, false) => 0.05,
        };
        if null_ok && (non_null.is_empty() || self.rng.chance(p_null)) {
            return Some(Value::Null);
        }
        let t = self.pick_type(non_null, minimal)?;
        let mut v = match t {
            TypeSet::BOOLEAN => Value::Bool(self.rng.chance(0.5)),
            TypeSet::INTEGER => self.integer(nodes)?,
            TypeSet::NUMBER => self.number(nodes)?,
            TypeSet::STRING => Value::String(self.string(nodes, minimal)?),
            TypeSet::ARRAY => self.array(nodes, depth, minimal)?,
            _ => self.object(nodes, depth, minimal)?,
        };
        if let Value::Object(map) = &mut v {
            // The discriminator value of the chosen branch, unless the property's own schema rules it out (specs
            // whose mapping keys differ from the property's enum): then the generated value stands.
            for (prop, key) in &conj.forced {
                let fits = conjuncts::property_schemas(self.c, nodes, prop)
                    .is_ok_and(|schemas| schemas.iter().all(|&s| is_valid(self.c, s, key, self.opts.direction)));
                if fits {
                    map.insert(prop.to_string(), key.clone());
                }
            }
        }
        Some(v)
    }

    /// `const`/`enum` anywhere in the set: a listed value valid for the roots. `Some(None)`: none is.
    fn literal(&mut self, roots: &[NodeId], nodes: &[NodeId]) -> Option<Option<Value>> {
        let c = self.c;
        let mut lists = nodes.iter().filter_map(|&id| {
            let n = c.node(id);
            n.const_value.as_ref().map(std::slice::from_ref).or(n.enum_values.as_deref())
        });
        let first = lists.next()?;
        for listed in std::iter::once(first).chain(lists) {
            let start = self.rng.index(listed.len());
            for i in 0..listed.len() {
                let candidate = &listed[(start + i) % listed.len()];
                if self.valid_for_all(roots, candidate) {
                    return Some(Some(candidate.clone()));
                }
            }
        }
        Some(None)
    }

    /// One of the set's `example`/`examples`/`default` values that is valid.
    fn example(&mut self, roots: &[NodeId], nodes: &[NodeId]) -> Option<Value> {
        let mut pool: Vec<&Value> = Vec::new();
        for &id in nodes {
            let n = self.c.node(id);
            pool.extend(n.examples.iter());
            pool.extend(n.default.iter());
        }
        let v = (*self.rng.pick(&pool)?).clone();
        self.valid_for_all(roots, &v).then_some(v)
    }

    /// Declared types, or the types implied by the keywords present when nothing is declared.
    fn candidate_types(&self, nodes: &[NodeId]) -> TypeSet {
        if let Some(t) = conjuncts::declared_types(self.c, nodes) {
            return t;
        }
        let mut implied = TypeSet::EMPTY;
        for &id in nodes {
            let n = self.c.node(id);
            if n.object.is_some() {
                implied = implied.union(TypeSet::OBJECT);
            }
            if n.array.is_some() {
                implied = implied.union(TypeSet::ARRAY);
            }
            if n.string.is_some() {
                implied = implied.union(TypeSet::STRING);
            }
            if n.num.is_some() {
                implied = implied.union(TypeSet::NUMBER);
            }
            if let Some(f) = n.format {
                implied = implied.union(f.applies_to());
            }
        }
        if implied.is_empty() {
            match self.opts.target {
                Target::Text => TypeSet::STRING.union(TypeSet::INTEGER),
                Target::Json => TypeSet::STRING.union(TypeSet::INTEGER).union(TypeSet::BOOLEAN),
            }
        } else {
            implied
        }
    }

    fn pick_type(&mut self, types: TypeSet, minimal: bool) -> Option<TypeSet> {
        let members: Vec<TypeSet> = types.members().collect();
        if members.is_empty() {
            return None;
        }
        if minimal {
            // Scalars end recursion.
            return members
                .iter()
                .copied()
                .find(|t| !matches!(*t, TypeSet::ARRAY | TypeSet::OBJECT))
                .or(Some(members[0]));
        }
        Some(members[self.rng.index(members.len())])
    }

    fn array(&mut self, nodes: &[NodeId], depth: u32, minimal: bool) -> Option<Value> {
        let rules: Vec<&crate::schema::ArrRules> =
            nodes.iter().filter_map(|&id| self.c.node(id).array.as_deref()).collect();
        let min = rules.iter().filter_map(|r| r.min_items).max().unwrap_or(0);
        let max = rules.iter().filter_map(|r| r.max_items).min();
        let unique = rules.iter().any(|r| r.unique);
        let contains: Vec<NodeId> = rules.iter().filter_map(|r| r.contains).collect();
        let min_contains =
            if contains.is_empty() { 0 } else { rules.iter().map(|r| r.min_contains).max().unwrap_or(1) };
        let min = min.max(min_contains);
        if max.is_some_and(|m| m < min) {
            return None;
        }
        let extra = match (minimal, self.rich) {
            (true, _) => 0,
            (false, true) => u64::from(min == 0),
            (false, false) => self.rng.range_u64(0, 3),
        };
        let len = max.map_or(min + extra, |m| (min + extra).min(m)).min(min.max(64));
        let mut items: Vec<Value> = Vec::with_capacity(len as usize);
        for i in 0..len as usize {
            let mut schemas = conjuncts::item_schemas(self.c, nodes, i);
            if (i as u64) < min_contains {
                schemas.extend_from_slice(&contains);
            }
            let mut item = None;
            for _ in 0..(if unique { 6 } else { 1 }) {
                let candidate = self.value(&schemas, depth + 1);
                match candidate {
                    Some(v) if unique && items.iter().any(|o| crate::validate::equality::json_eq(o, &v)) => continue,
                    other => {
                        item = other;
                        break;
                    }
                }
            }
            match item {
                Some(v) => items.push(v),
                None if i as u64 >= min => break,
                None => return None,
            }
        }
        Some(Value::Array(items))
    }

    fn object(&mut self, nodes: &[NodeId], depth: u32, minimal: bool) -> Option<Value> {
        let c = self.c;
        let direction = self.opts.direction;
        // Properties in document order across the set, with the direction's hidden ones removed.
        let mut names: Vec<&str> = Vec::new();
        let mut required: Vec<&str> = Vec::new();
        let mut min_props = 0u64;
        let mut max_props = u64::MAX;
        let mut extras_allowed = true;
        for &id in nodes {
            let Some(o) = &c.node(id).object else { continue };
            for p in o.properties.iter() {
                let hidden = match direction {
                    Direction::Request => p.read_only,
                    Direction::Response => p.write_only,
                };
                if hidden {
                    continue;
                }
                if !names.contains(&&*p.name) {
                    names.push(&p.name);
                }
            }
            for r in o.required.iter() {
                if !required.contains(&&**r) {
                    required.push(r);
                }
            }
            min_props = min_props.max(o.min_properties.unwrap_or(0));
            max_props = max_props.min(o.max_properties.unwrap_or(u64::MAX));
            extras_allowed &= o.additional != crate::schema::Additional::Deny;
        }
        let hidden = |name: &str| {
            nodes.iter().filter_map(|&id| c.node(id).object.as_ref()).filter_map(|o| o.property(name)).any(|p| {
                match direction {
                    Direction::Request => p.read_only,
                    Direction::Response => p.write_only,
                }
            })
        };
        let mut chosen: Vec<&str> = required.iter().copied().filter(|r| !hidden(r)).collect();
        let p_optional = match (minimal, self.rich) {
            (true, _) => 0.0,
            (false, true) => 1.0,
            (false, false) => 0.5,
        };
        for name in &names {
            if chosen.len() as u64 >= max_props {
                break;
            }
            if !chosen.contains(name) && self.rng.chance(p_optional) {
                chosen.push(name);
            }
        }
        for name in &names {
            if chosen.len() as u64 >= min_props {
                break;
            }
            if !chosen.contains(name) {
                chosen.push(name);
            }
        }
        let mut dependents: Vec<&str> = Vec::new();
        for &id in nodes {
            let Some(o) = &c.node(id).object else { continue };
            for (name, deps) in o.dependent_required.iter() {
                if chosen.contains(&&**name) {
                    dependents.extend(deps.iter().map(|d| &**d).filter(|d| !chosen.contains(d)));
                }
            }
        }
        chosen.extend(dependents);
        let mut map = Map::with_capacity(chosen.len() + min_props as usize);
        for name in chosen {
            // A property that another node of the set forbids (an `allOf` member with `additionalProperties:
            // false` that does not repeat it) can only be left out.
            let Ok(schemas) = conjuncts::property_schemas(c, nodes, name) else {
                if required.contains(&name) {
                    return None;
                }
                continue;
            };
            let v = self.value(&schemas, depth + 1);
            match v {
                Some(v) => {
                    map.insert(name.to_string(), v);
                }
                None if required.contains(&name) => return None,
                None => {}
            }
        }
        // Extra members: to reach minProperties, and sometimes for map-like objects.
        let map_like = nodes
            .iter()
            .filter_map(|&id| c.node(id).object.as_ref())
            .any(|o| matches!(o.additional, crate::schema::Additional::Schema(_)) || !o.pattern_properties.is_empty());
        let mut wanted = min_props.saturating_sub(map.len() as u64);
        if map_like && !minimal && self.rng.chance(0.5) {
            wanted += self.rng.range_u64(1, 2);
        }
        let room = max_props.saturating_sub(map.len() as u64);
        let mut attempts = 0;
        while wanted > 0 && room > 0 && (map.len() as u64) < max_props && attempts < 64 {
            attempts += 1;
            let Some(name) = self.extra_name(nodes, attempts, extras_allowed) else { continue };
            if map.contains_key(&name) {
                continue;
            }
            let Ok(schemas) = conjuncts::property_schemas(c, nodes, &name) else { continue };
            if let Some(v) = self.value(&schemas, depth + 1) {
                map.insert(name, v);
                wanted -= 1;
            }
        }
        if (map.len() as u64) < min_props {
            return None;
        }
        Some(Value::Object(map))
    }

    /// A name for an undeclared member: from a `patternProperties` pattern, from `propertyNames`, or `extra_N`;
    /// checked against `propertyNames`.
    fn extra_name(&mut self, nodes: &[NodeId], n: u32, free: bool) -> Option<String> {
        let c = self.c;
        let objects = || nodes.iter().filter_map(|&id| c.node(id).object.as_deref());
        let patterns: Vec<crate::schema::PatternId> =
            objects().flat_map(|o| o.pattern_properties.iter().map(|(p, _)| *p)).collect();
        let names: Vec<NodeId> = objects().filter_map(|o| o.property_names).collect();
        let name = if !patterns.is_empty() && (!free || self.rng.chance(0.5)) {
            let pattern = c.pattern(patterns[self.rng.index(patterns.len())]);
            let mut s = String::new();
            pattern
                .generator
                .as_ref()?
                .generate(self.rng, crate::schema::regex_gen::Stretch::Random, &mut s)
                .then_some(s)?
        } else if !names.is_empty() {
            self.string(&names, false)?
        } else {
            format!("extra_{n}")
        };
        let as_value = Value::String(name);
        names.iter().all(|&pn| is_valid(c, pn, &as_value, self.opts.direction)).then(|| match as_value {
            Value::String(s) => s,
            _ => unreachable!(),
        })
    }
}
