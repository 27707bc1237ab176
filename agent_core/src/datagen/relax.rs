//! Relaxed generation: the closest honest value for a schema that no value satisfies.
//!
//! Positive generation never returns an invalid value. When a schema is contradictory (see `schema::unsat`),
//! [`relax`] finds the sub-schema that cannot be generated and rewrites a private copy of the compiled arena,
//! climbing a ladder of relaxations, each a common intent behind a real-world contradiction:
//!
//! 1. [`Rung::SiblingProperties`]: `additionalProperties: false` also admits the properties declared by the other
//!    members of its `allOf` closure and their `anyOf`/`oneOf` alternatives ("the members' properties are
//!    declared too").
//! 2. [`Rung::CoercedEnum`]: `enum`/`const` values that spell a value of the declared type become that value
//!    (`"1"` for `type: integer`, `2` for `type: string`, `"true"` for `type: boolean`).
//! 3. [`Rung::ReadWriteOnly`]: `required` stops asking for a readOnly property in requests (a writeOnly one in
//!    responses) declared by another member, as OpenAPI says it should; generation omits such properties.
//! 4. [`Rung::UndeclaredRequired`]: `required` stops asking for a name that `additionalProperties: false` forbids
//!    and nothing declares (a misspelt name).
//! 5. [`Rung::OneOfAsAnyOf`]: a `oneOf` whose alternatives overlap is read as `anyOf`.
//! 6. [`Rung::DroppedKeyword`], the last resort: the single keyword whose removal lets the sub-schema be generated
//!    is dropped.
//!
//! Only the sub-schema that fails is relaxed: the search walks down from the root through what a value cannot
//! avoid (required properties, `allOf` members, items of non-empty arrays, alternatives when all of them fail) to
//! the deepest node that cannot be generated although everything it needs can (the "locus"), applies the rungs there
//! in order until the locus generates, and repeats from the root. Generation and validation then run unchanged on
//! the relaxed copy. A relaxed value is invalid against the original schema; [`Relaxed::note`] names the
//! relaxations that its violations come from.

use serde_json::Value;

use super::{conjuncts, positive_with, GenOptions, Rng};
use crate::schema::unsat::{admits, closure, deny_conflicts};
use crate::schema::{Additional, Compiled, Node, NodeId, Prop, TypeSet};
use crate::validate::{validate, Direction};

/// Draws per probe of one node.
const PROBE_ATTEMPTS: usize = 12;
/// Loci fixed before giving up on a schema.
const MAX_ROUNDS: usize = 8;
/// Nodes probed on the way down to one locus.
const MAX_DESCENT: usize = 64;

/// One step of the ladder, in the order they are tried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rung {
    SiblingProperties,
    CoercedEnum,
    ReadWriteOnly,
    UndeclaredRequired,
    OneOfAsAnyOf,
    DroppedKeyword,
}

impl Rung {
    pub const LADDER: [Rung; 6] = [
        Rung::SiblingProperties,
        Rung::CoercedEnum,
        Rung::ReadWriteOnly,
        Rung::UndeclaredRequired,
        Rung::OneOfAsAnyOf,
        Rung::DroppedKeyword,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Rung::SiblingProperties => "sibling-properties",
            Rung::CoercedEnum => "coerced-enum",
            Rung::ReadWriteOnly => "read-write-only",
            Rung::UndeclaredRequired => "undeclared-required",
            Rung::OneOfAsAnyOf => "oneof-as-anyof",
            Rung::DroppedKeyword => "dropped-keyword",
        }
    }
}

/// One relaxation applied to the copy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub rung: Rung,
    /// Pointer of the relaxed node (its keyword is in `keyword`).
    pub node_pointer: String,
    pub keyword: &'static str,
    /// What was relaxed, for people.
    pub detail: String,
}

impl Step {
    pub fn describe(&self) -> String {
        format!("{} at {}/{}: {}", self.rung.as_str(), self.node_pointer, self.keyword, self.detail)
    }
}

/// A relaxed copy of the compiled schemas, and how it differs from the original.
#[derive(Clone, Debug)]
pub struct Relaxed {
    pub compiled: Compiled,
    pub steps: Vec<Step>,
}

impl Relaxed {
    /// A value valid against the relaxed copy of node `id`.
    pub fn positive(&self, id: NodeId, opts: GenOptions, rng: &mut Rng, attempts: usize) -> Option<Value> {
        positive_with(&self.compiled, id, opts, rng, attempts)
    }

    /// What `value` owes to relaxation against the original node `id`: one line per step its violations come from
    /// (every step when none can be told), and nothing when the value is valid against the original after all.
    pub fn notes(&self, original: &Compiled, id: NodeId, value: &Value, direction: Direction) -> Vec<String> {
        let violations = validate(original, id, value, direction);
        if violations.is_empty() {
            return Vec::new();
        }
        let implicated = |s: &Step| {
            violations.iter().any(|v| {
                v.schema_pointer
                    .strip_prefix(s.node_pointer.as_str())
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
            })
        };
        let mut steps: Vec<&Step> = self.steps.iter().filter(|s| implicated(s)).collect();
        if steps.is_empty() {
            steps = self.steps.iter().collect();
        }
        let mut notes: Vec<String> = Vec::with_capacity(steps.len());
        for s in steps {
            let d = s.describe();
            if !notes.contains(&d) {
                notes.push(d);
            }
        }
        notes
    }

    /// [`Relaxed::notes`] on one line (`; ` between steps), None for a valid value.
    pub fn note(&self, original: &Compiled, id: NodeId, value: &Value, direction: Direction) -> Option<String> {
        let notes = self.notes(original, id, value, direction);
        (!notes.is_empty()).then(|| notes.join("; "))
    }
}

/// A relaxed copy of `c` in which node `id` can be generated (with no step when it already can), or None when no
/// rung helps. Callers try strict generation first: a strictly valid value is always preferred.
pub fn relax(c: &Compiled, id: NodeId, opts: GenOptions, rng: &mut Rng) -> Option<Relaxed> {
    if id as usize >= c.nodes.len() {
        return None;
    }
    let mut relaxed = Relaxed { compiled: c.clone(), steps: Vec::new() };
    for _ in 0..MAX_ROUNDS {
        // With no step yet this is a strict success (the caller's draws were unlucky): values from the copy are
        // then valid, and their note says so by being None.
        if generates(&relaxed.compiled, id, opts, rng) {
            return Some(relaxed);
        }
        let locus = locus(&relaxed.compiled, id, opts, rng);
        if !fix(&mut relaxed, locus, opts, rng) {
            return None;
        }
    }
    generates(&relaxed.compiled, id, opts, rng).then_some(relaxed)
}

fn generates(c: &Compiled, id: NodeId, opts: GenOptions, rng: &mut Rng) -> bool {
    positive_with(c, id, opts, rng, PROBE_ATTEMPTS).is_some()
}

fn hidden(c: &Compiled, scope: &[NodeId], name: &str, direction: Direction) -> bool {
    scope.iter().filter_map(|&s| c.node(s).object.as_deref()).filter_map(|o| o.property(name)).any(
        |p| match direction {
            Direction::Request => p.read_only,
            Direction::Response => p.write_only,
        },
    )
}

/// What a value of `id` cannot avoid, in document order: `allOf` members, the schemas of required properties,
/// the item schemas of arrays that must not be empty, and the alternatives when every one of them fails.
fn needed(c: &Compiled, id: NodeId, opts: GenOptions, rng: &mut Rng) -> Vec<NodeId> {
    let scope = closure(c, &[id]);
    let mut out: Vec<NodeId> = scope.iter().copied().filter(|&s| s != id).collect();
    for &s in &scope {
        let n = c.node(s);
        if let Some(o) = &n.object {
            for name in o.required.iter() {
                if hidden(c, &scope, name, opts.direction) {
                    continue;
                }
                if let Ok(schemas) = conjuncts::property_schemas(c, &scope, name) {
                    out.extend(schemas);
                }
            }
        }
        if let Some(a) = &n.array {
            if a.min_items.unwrap_or(0) > 0 {
                out.extend(a.item_schema(0));
            }
        }
        for branches in [&n.one_of, &n.any_of] {
            if !branches.is_empty() && !branches.iter().any(|&b| generates(c, b, opts, rng)) {
                out.push(branches[0]);
            }
        }
    }
    let mut seen = Vec::with_capacity(out.len());
    out.retain(|x| {
        !seen.contains(x) && {
            seen.push(*x);
            true
        }
    });
    out
}

/// The deepest node under `id` that fails although what it needs does not.
fn locus(c: &Compiled, id: NodeId, opts: GenOptions, rng: &mut Rng) -> NodeId {
    let mut at = id;
    let mut visited = vec![id];
    while visited.len() < MAX_DESCENT {
        let next = needed(c, at, opts, rng).into_iter().find(|&n| !visited.contains(&n) && !generates(c, n, opts, rng));
        match next {
            Some(n) => {
                visited.push(n);
                at = n;
            }
            None => break,
        }
    }
    at
}

/// The nodes a relaxation at `locus` may touch: its `allOf` closure and the alternatives of its members.
fn scope_of(c: &Compiled, locus: NodeId) -> Vec<NodeId> {
    let mut scope = closure(c, &[locus]);
    let branches: Vec<NodeId> =
        scope.iter().flat_map(|&s| c.node(s).one_of.iter().chain(c.node(s).any_of.iter()).copied()).collect();
    for b in closure(c, &branches) {
        if !scope.contains(&b) {
            scope.push(b);
        }
    }
    scope
}

/// Climb the ladder at `locus` until it generates. Structural rungs stay applied once they found something
/// (they only undo genuine contradictions); a dropped keyword is kept only when it was the one that helped.
fn fix(r: &mut Relaxed, locus: NodeId, opts: GenOptions, rng: &mut Rng) -> bool {
    for rung in Rung::LADDER {
        let scope = scope_of(&r.compiled, locus);
        let steps = match rung {
            Rung::SiblingProperties => sibling_properties(&mut r.compiled, &scope),
            Rung::CoercedEnum => coerced_enum(&mut r.compiled, &scope, locus),
            Rung::ReadWriteOnly => read_write_only(&mut r.compiled, &scope, opts.direction),
            Rung::UndeclaredRequired => undeclared_required(&mut r.compiled, &scope),
            // Only the `oneOf`s of the failing place itself, not those nested in its alternatives.
            Rung::OneOfAsAnyOf => {
                let place = closure(&r.compiled, &[locus]);
                one_of_as_any_of(&mut r.compiled, &place)
            }
            Rung::DroppedKeyword => match dropped_keyword(&mut r.compiled, &scope, locus, opts, rng) {
                Some(step) => vec![step],
                None => return false,
            },
        };
        if steps.is_empty() {
            continue;
        }
        r.steps.extend(steps);
        if generates(&r.compiled, locus, opts, rng) {
            return true;
        }
    }
    false
}

fn step(rung: Rung, node: &Node, keyword: &'static str, detail: String) -> Step {
    Step { rung, node_pointer: node.pointer.to_string(), keyword, detail }
}

fn quoted(names: &[String]) -> String {
    names.iter().map(|n| crate::error::snippet(n)).collect::<Vec<_>>().join(", ")
}

fn sibling_properties(c: &mut Compiled, scope: &[NodeId]) -> Vec<Step> {
    let mut steps = Vec::new();
    for &deny in scope {
        let Some(d) = c.node(deny).object.as_deref() else { continue };
        if d.additional != Additional::Deny {
            continue;
        }
        let mut added: Vec<Prop> = Vec::new();
        for &other in scope.iter().filter(|&&o| o != deny) {
            let Some(o) = c.node(other).object.as_deref() else { continue };
            for p in o.properties.iter() {
                if !admits(c, d, &p.name) && !added.iter().any(|a| a.name == p.name) {
                    added.push(p.clone());
                }
            }
        }
        if added.is_empty() {
            continue;
        }
        let names: Vec<String> = added.iter().map(|p| p.name.to_string()).collect();
        let node = &mut c.nodes[deny as usize];
        let o = node.object.as_mut().expect("checked above");
        let mut props = std::mem::take(&mut o.properties).into_vec();
        props.extend(added);
        o.properties = props.into_boxed_slice();
        if let Some(index) = o.index.as_mut() {
            for (i, p) in o.properties.iter().enumerate() {
                index.entry(p.name.clone()).or_insert(i as u32);
            }
        }
        steps.push(step(
            Rung::SiblingProperties,
            node,
            "additionalProperties",
            format!("`false` also admits {} declared by sibling allOf/anyOf/oneOf members", quoted(&names)),
        ));
    }
    steps
}

/// `v` as a value of one of `types`, when it spells one.
fn coerce(v: &Value, types: TypeSet) -> Option<Value> {
    if types.accepts(v) {
        return Some(v.clone());
    }
    let as_text = match v {
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => return None,
    };
    if types.intersects(TypeSet::INTEGER.union(TypeSet::NUMBER)) {
        if let Ok(i) = as_text.parse::<i64>() {
            return Some(Value::from(i));
        }
        if types.intersects(TypeSet::NUMBER) {
            if let Some(n) =
                as_text.parse::<f64>().ok().filter(|f| f.is_finite()).and_then(serde_json::Number::from_f64)
            {
                return Some(Value::Number(n));
            }
        }
    }
    if types.intersects(TypeSet::BOOLEAN) {
        match as_text.as_str() {
            "true" => return Some(Value::Bool(true)),
            "false" => return Some(Value::Bool(false)),
            _ => {}
        }
    }
    if types.intersects(TypeSet::STRING) && !v.is_string() {
        return Some(Value::String(as_text));
    }
    None
}

fn coerced_enum(c: &mut Compiled, scope: &[NodeId], locus: NodeId) -> Vec<Step> {
    let mut steps = Vec::new();
    // The node's own `type`, else the one its place declares (alternatives of the scope are not conjuncts).
    let place = conjuncts::declared_types(c, &closure(c, &[locus]));
    for &id in scope {
        let Some(types) = conjuncts::declared_types(c, &closure(c, &[id])).or(place) else { continue };
        let n = &mut c.nodes[id as usize];
        let types = if n.nullable { types.union(TypeSet::NULL) } else { types };
        let (keyword, listed): (&'static str, Vec<Value>) = match (&n.const_value, &n.enum_values) {
            (Some(v), _) => ("const", vec![v.clone()]),
            (None, Some(values)) => ("enum", values.to_vec()),
            (None, None) => continue,
        };
        if listed.iter().all(|v| types.accepts(v)) {
            continue;
        }
        let mut coerced: Vec<Value> = Vec::with_capacity(listed.len());
        for v in listed.iter().filter_map(|v| coerce(v, types)) {
            if !coerced.contains(&v) {
                coerced.push(v);
            }
        }
        if coerced.is_empty() {
            continue;
        }
        let detail = format!(
            "values spelling a value of type {} are read as such: {} became {}",
            types.describe(),
            crate::error::snippet(&Value::Array(listed).to_string()),
            crate::error::snippet(&Value::Array(coerced.clone()).to_string())
        );
        if keyword == "const" {
            n.const_value = coerced.pop();
        } else {
            n.enum_values = Some(coerced.into_boxed_slice());
        }
        steps.push(step(Rung::CoercedEnum, n, keyword, detail));
    }
    steps
}

/// Remove `names` from the `required` list of node `id`.
fn unrequire(c: &mut Compiled, id: NodeId, names: &[String]) {
    if let Some(o) = c.nodes[id as usize].object.as_mut() {
        o.required = o.required.iter().filter(|r| !names.iter().any(|n| **n == ***r)).cloned().collect();
    }
}

fn read_write_only(c: &mut Compiled, scope: &[NodeId], direction: Direction) -> Vec<Step> {
    let mut steps = Vec::new();
    for &id in scope {
        let Some(o) = c.node(id).object.as_deref() else { continue };
        // A property declared by the node itself is already exempt (the validator reads its flags).
        let names: Vec<String> = o
            .required
            .iter()
            .filter(|r| o.property(r).is_none() && hidden(c, scope, r, direction))
            .map(|r| r.to_string())
            .collect();
        if names.is_empty() {
            continue;
        }
        unrequire(c, id, &names);
        let (flag, side) = match direction {
            Direction::Request => ("readOnly", "requests"),
            Direction::Response => ("writeOnly", "responses"),
        };
        steps.push(step(
            Rung::ReadWriteOnly,
            c.node(id),
            "required",
            format!("{} no longer required in {side}: a sibling member declares it {flag}", quoted(&names)),
        ));
    }
    steps
}

fn undeclared_required(c: &mut Compiled, scope: &[NodeId]) -> Vec<Step> {
    let mut steps = Vec::new();
    let conflicts = deny_conflicts(c, scope);
    for &id in scope {
        let names: Vec<String> = conflicts.iter().filter(|x| x.required_by == id).map(|x| x.name.to_string()).fold(
            Vec::new(),
            |mut v, n| {
                if !v.contains(&n) {
                    v.push(n);
                }
                v
            },
        );
        if names.is_empty() {
            continue;
        }
        unrequire(c, id, &names);
        let deny: Vec<&str> =
            conflicts.iter().filter(|x| x.required_by == id).map(|x| &*c.node(x.deny).pointer).collect();
        steps.push(step(
            Rung::UndeclaredRequired,
            c.node(id),
            "required",
            format!(
                "{} no longer required: `additionalProperties: false` at {} forbids it",
                quoted(&names),
                deny.first().copied().unwrap_or("")
            ),
        ));
    }
    steps
}

fn one_of_as_any_of(c: &mut Compiled, scope: &[NodeId]) -> Vec<Step> {
    let mut steps = Vec::new();
    for &id in scope {
        if c.node(id).one_of.is_empty() {
            continue;
        }
        let branches = std::mem::take(&mut c.nodes[id as usize].one_of);
        let count = branches.len();
        if c.node(id).any_of.is_empty() {
            c.nodes[id as usize].any_of = branches;
        } else {
            // Both on one node: the former oneOf becomes an anyOf member of its own.
            let extra = c.nodes.len() as NodeId;
            let pointer = c.node(id).pointer.clone();
            c.nodes.push(Node { pointer, any_of: branches, needs_check: true, ..Node::default() });
            c.cost.push(c.cost[id as usize]);
            let n = &mut c.nodes[id as usize];
            n.all_of = n.all_of.iter().copied().chain(std::iter::once(extra)).collect();
        }
        c.nodes[id as usize].needs_check = true;
        steps.push(step(
            Rung::OneOfAsAnyOf,
            c.node(id),
            "oneOf",
            format!("read as anyOf: the {count} alternatives overlap, so no value matches exactly one"),
        ));
    }
    steps
}

/// Keywords the last rung may drop, most specific first, each with the edit that drops it (false: absent).
type Dropper = fn(&mut Node) -> bool;

const DROPPERS: &[(&str, Dropper)] = &[
    ("false", |n| n.boolean == Some(false) && n.boolean.replace(true).is_some()),
    ("format", |n| n.format.take().is_some()),
    ("pattern", |n| n.string.as_mut().is_some_and(|s| s.pattern.take().is_some())),
    ("minLength", |n| n.string.as_mut().is_some_and(|s| s.min_length.take().is_some())),
    ("maxLength", |n| n.string.as_mut().is_some_and(|s| s.max_length.take().is_some())),
    ("minimum", |n| n.num.as_mut().is_some_and(|r| r.minimum.take().is_some() | r.exclusive_minimum.take().is_some())),
    ("maximum", |n| n.num.as_mut().is_some_and(|r| r.maximum.take().is_some() | r.exclusive_maximum.take().is_some())),
    ("multipleOf", |n| n.num.as_mut().is_some_and(|r| r.multiple_of.take().is_some())),
    ("minItems", |n| n.array.as_mut().is_some_and(|a| a.min_items.take().is_some())),
    ("maxItems", |n| n.array.as_mut().is_some_and(|a| a.max_items.take().is_some())),
    ("uniqueItems", |n| n.array.as_mut().is_some_and(|a| std::mem::take(&mut a.unique))),
    ("contains", |n| n.array.as_mut().is_some_and(|a| a.contains.take().is_some())),
    ("minProperties", |n| n.object.as_mut().is_some_and(|o| o.min_properties.take().is_some())),
    ("maxProperties", |n| n.object.as_mut().is_some_and(|o| o.max_properties.take().is_some())),
    ("required", |n| n.object.as_mut().is_some_and(|o| !std::mem::take(&mut o.required).is_empty())),
    ("additionalProperties", |n| {
        n.object.as_mut().is_some_and(|o| std::mem::replace(&mut o.additional, Additional::Allow) != Additional::Allow)
    }),
    ("propertyNames", |n| n.object.as_mut().is_some_and(|o| o.property_names.take().is_some())),
    ("dependentRequired", |n| n.object.as_mut().is_some_and(|o| !std::mem::take(&mut o.dependent_required).is_empty())),
    ("dependentSchemas", |n| n.object.as_mut().is_some_and(|o| !std::mem::take(&mut o.dependent_schemas).is_empty())),
    ("not", |n| n.not.take().is_some()),
    ("if", |n| n.conditional.take().is_some()),
    ("const", |n| n.const_value.take().is_some()),
    ("enum", |n| n.enum_values.take().is_some()),
    ("oneOf", |n| !std::mem::take(&mut n.one_of).is_empty()),
    ("anyOf", |n| !std::mem::take(&mut n.any_of).is_empty()),
    ("type", |n| n.types.take().is_some()),
];

/// The first single keyword of the scope (locus first) whose removal lets the locus be generated.
fn dropped_keyword(c: &mut Compiled, scope: &[NodeId], locus: NodeId, opts: GenOptions, rng: &mut Rng) -> Option<Step> {
    for &id in scope {
        for &(keyword, drop) in DROPPERS {
            let saved = c.nodes[id as usize].clone();
            if !drop(&mut c.nodes[id as usize]) {
                continue;
            }
            if generates(c, locus, opts, rng) {
                let detail = "dropped: no value satisfies the schema with it".to_string();
                return Some(step(Rung::DroppedKeyword, &saved, keyword, detail));
            }
            c.nodes[id as usize] = saved;
        }
    }
    None
}
