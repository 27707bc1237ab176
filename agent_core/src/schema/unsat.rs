//! Schemas that no value can satisfy, found by structural checks cheap enough for every compile.
//!
//! Real specs contain contradictions that their authors never noticed because no tool enforces them. Three
//! shapes are recognised here, each sound for what it claims (the warning never names a satisfiable schema as
//! contradictory, except that an indistinct `oneOf` can still be met by an ill-typed member, which the message
//! says):
//!
//! * a `required` name that a node with `additionalProperties: false` in the same `allOf` closure does not admit
//!   (a misspelt name, or properties declared by an `allOf` member that a strict parent does not repeat);
//! * an `enum`/`const` none of whose values is valid against the schema that lists it (`type: integer` with
//!   `enum: ["1", "2"]`);
//! * a `oneOf` whose alternatives are all open objects with nothing required: every well-typed object matches all
//!   of them, never exactly one.
//!
//! Generation (see `datagen::relax`) uses the same checks to find what to relax. Checks that depend on the
//! direction of the exchange (readOnly/writeOnly against `required`) or that only a generation attempt can reveal
//! are left to generation, which cannot add warnings to a loaded spec but marks its cases instead.

use std::collections::{BTreeMap, HashSet};

use serde_json::Value;

use super::node::{Additional, NodeId, ObjRules, TypeSet};
use super::warnings::Warnings;
use super::Compiled;
use crate::error::{snippet, ErrorCode};
use crate::validate::{is_valid, Direction};

/// Most nodes of one `allOf` closure examined (the same guard as generation's conjunct sets).
const MAX_CLOSURE: usize = 64;

/// `required` asks for `name`, which node `deny` (with `additionalProperties: false`) does not admit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DenyConflict {
    pub deny: NodeId,
    pub name: Box<str>,
    pub required_by: NodeId,
    /// A node of the scope that declares the property, if any (then `deny` forgot to repeat a sibling's property).
    pub declared_by: Option<NodeId>,
}

/// `roots` and their `allOf` members, transitively, in document order (`true` schemas left out).
pub fn closure(c: &Compiled, roots: &[NodeId]) -> Vec<NodeId> {
    let mut out: Vec<NodeId> = Vec::new();
    let mut stack: Vec<NodeId> = roots.iter().rev().copied().collect();
    while let Some(id) = stack.pop() {
        if out.contains(&id) || out.len() >= MAX_CLOSURE || c.node(id).is_true() {
            continue;
        }
        out.push(id);
        stack.extend(c.node(id).all_of.iter().rev());
    }
    out
}

/// Whether the object rules let a member called `name` exist.
pub fn admits(c: &Compiled, o: &ObjRules, name: &str) -> bool {
    o.additional != Additional::Deny
        || o.property(name).is_some()
        || o.pattern_properties.iter().any(|&(p, _)| c.pattern(p).is_match(name))
}

/// Every `required` name of `scope` that a node of `scope` with `additionalProperties: false` does not admit.
pub fn deny_conflicts(c: &Compiled, scope: &[NodeId]) -> Vec<DenyConflict> {
    let objects = || scope.iter().filter_map(|&id| c.node(id).object.as_deref().map(|o| (id, o)));
    let mut out = Vec::new();
    for (deny, d) in objects().filter(|(_, o)| o.additional == Additional::Deny) {
        for (required_by, r) in objects() {
            for name in r.required.iter() {
                if admits(c, d, name) || out.iter().any(|x: &DenyConflict| x.deny == deny && x.name == *name) {
                    continue;
                }
                let declared_by = objects().find(|(_, o)| o.property(name).is_some()).map(|(id, _)| id);
                out.push(DenyConflict { deny, name: name.clone(), required_by, declared_by });
            }
        }
    }
    out
}

/// Whether every value of `scope` must be an object: some node declares `type` and the declared types leave
/// nothing but `object` (null is ruled out separately by the caller).
fn object_only(c: &Compiled, scope: &[NodeId]) -> bool {
    let mut declared: Option<TypeSet> = None;
    for &id in scope {
        if let Some(t) = c.node(id).types {
            declared = Some(declared.map_or(t, |d| d.intersect(t)));
        }
    }
    declared.is_some_and(|t| t.without(TypeSet::NULL) == TypeSet::OBJECT)
}

/// Node `id` lists values (`enum`/`const`) and none of them is valid against the node itself.
pub fn literal_unsatisfiable(c: &Compiled, id: NodeId) -> bool {
    let n = c.node(id);
    let listed: &[Value] = match (&n.const_value, &n.enum_values) {
        (Some(v), _) => std::slice::from_ref(v),
        (None, Some(values)) => values,
        (None, None) => return false,
    };
    !listed.iter().any(|v| is_valid(c, id, v, Direction::Request) || is_valid(c, id, v, Direction::Response))
}

/// Node `id` has a `oneOf` of at least two alternatives that are all open objects (type object, nothing
/// required, no `minProperties`, any extra member allowed, no literal or applicator that could separate them) and
/// that declare disjoint sets of properties: an object whose members are well-typed for the alternative declaring
/// them then matches every alternative.
pub fn indistinct_one_of(c: &Compiled, id: NodeId) -> bool {
    let n = c.node(id);
    if n.one_of.len() < 2 {
        return false;
    }
    let mut names: HashSet<&str> = HashSet::new();
    for &b in n.one_of.iter() {
        let scope = closure(c, &[b]);
        if !open_object(c, &scope) {
            return false;
        }
        let mut own: HashSet<&str> = HashSet::new();
        for o in scope.iter().filter_map(|&s| c.node(s).object.as_deref()) {
            own.extend(o.properties.iter().map(|p| &*p.name));
        }
        if own.iter().any(|name| names.contains(name)) {
            return false;
        }
        names.extend(own);
    }
    true
}

fn open_object(c: &Compiled, scope: &[NodeId]) -> bool {
    if scope.is_empty() || !object_only(c, scope) {
        return false;
    }
    scope.iter().all(|&id| {
        let n = c.node(id);
        let plain = n.boolean.is_none()
            && n.enum_values.is_none()
            && n.const_value.is_none()
            && n.not.is_none()
            && n.one_of.is_empty()
            && n.any_of.is_empty()
            && n.conditional.is_none();
        plain
            && n.object.as_deref().is_none_or(|o| {
                o.required.is_empty()
                    && o.min_properties.unwrap_or(0) == 0
                    && o.additional == Additional::Allow
                    && o.pattern_properties.is_empty()
                    && o.property_names.is_none()
                    && o.dependent_required.is_empty()
                    && o.dependent_schemas.is_empty()
            })
    })
}

/// One `SPEC_SCHEMA_UNSATISFIABLE` warning per contradictory schema of the arena.
pub fn detect(c: &Compiled, warnings: &mut Warnings) {
    // (deny node, name) pairs already reported, and the messages per reporting node.
    let mut seen: HashSet<(NodeId, Box<str>)> = HashSet::new();
    let mut found: BTreeMap<NodeId, Vec<String>> = BTreeMap::new();
    for id in 0..c.nodes.len() as NodeId {
        let n = c.node(id);
        if n.boolean.is_some() {
            continue;
        }
        if literal_unsatisfiable(c, id) {
            let (keyword, listed) = match (&n.const_value, &n.enum_values) {
                (Some(v), _) => ("const", v.to_string()),
                (None, Some(values)) => ("enum", Value::Array(values.to_vec()).to_string()),
                (None, None) => unreachable!("literal_unsatisfiable needs a list"),
            };
            let typed = n.types.map(|t| format!(" (`type: {}`)", t.describe())).unwrap_or_default();
            found.entry(id).or_default().push(format!(
                "no value of `{keyword}` {} is valid against the schema's own keywords{typed}",
                snippet(&listed)
            ));
        }
        if indistinct_one_of(c, id) {
            found.entry(id).or_default().push(format!(
                "the {} `oneOf` alternatives are open objects that require nothing: every object with well-typed \
                 members matches all of them, never exactly one",
                n.one_of.len()
            ));
        }
        if n.object.is_none() && n.all_of.is_empty() {
            continue;
        }
        let scope = closure(c, &[id]);
        let nullable = is_valid(c, id, &Value::Null, Direction::Request);
        if nullable || !object_only(c, &scope) {
            continue;
        }
        for conflict in deny_conflicts(c, &scope) {
            if !seen.insert((conflict.deny, conflict.name.clone())) {
                continue;
            }
            // The smallest schema holding both sides: the `required` node when the strict node is in its closure,
            // the strict node when it holds the `required` one, else the schema that combines them.
            let owner = if closure(c, &[conflict.required_by]).contains(&conflict.deny) {
                conflict.required_by
            } else if closure(c, &[conflict.deny]).contains(&conflict.required_by) {
                conflict.deny
            } else {
                id
            };
            let why = match conflict.declared_by {
                Some(d) => format!("declared by {} but not repeated there", c.node(d).pointer),
                None => "declared nowhere".to_string(),
            };
            found.entry(owner).or_default().push(format!(
                "`required` asks for {} ({why}), which `additionalProperties: false` at {} forbids",
                snippet(&conflict.name),
                c.node(conflict.deny).pointer
            ));
        }
    }
    for (id, reasons) in found {
        warnings.push(
            ErrorCode::SpecSchemaUnsatisfiable,
            format!(
                "no value satisfies this schema: {}; generation relaxes it and marks such cases",
                reasons.join("; ")
            ),
            c.node(id).pointer.to_string(),
        );
    }
}
