//! Passes over the whole node arena after every node exists: implicit discriminator mappings, read/write-only
//! flags of properties, and the termination cost that guides generation of recursive schemas.

use super::node::{Node, NodeId, TypeSet};
use crate::model::SchemaStore;

/// Cost of a schema with no finite value (a `false`, or a recursion that never ends).
pub const INFINITE: u32 = 1 << 30;

/// `discriminator` without an explicit mapping for a member maps the member's component name (or its
/// `x-ms-discriminator-value`) to it. A
/// discriminator on a base schema without `oneOf`/`anyOf` (the 2.0 inheritance style) maps the names of the
/// components that extend the base through `allOf`.
pub fn implicit_mappings(nodes: &mut [Node], store: &SchemaStore) {
    let entries = store.len();
    // The value naming a component: Azure's `x-ms-discriminator-value` when given, else the component name.
    let name = |id: NodeId| {
        let entry = store.get(id)?;
        entry.value.get("x-ms-discriminator-value").and_then(|v| v.as_str()).or(entry.name.as_deref())
    };
    for id in 0..nodes.len() {
        if nodes[id].discriminator.is_none() {
            continue;
        }
        let mut members: Vec<NodeId> = nodes[id].one_of.iter().chain(nodes[id].any_of.iter()).copied().collect();
        if members.is_empty() && id < entries {
            members = (0..entries as NodeId)
                .filter(|&e| e as usize != id && nodes[e as usize].all_of.contains(&(id as NodeId)))
                .collect();
        }
        let Some(d) = nodes[id].discriminator.as_mut() else { continue };
        d.mapping.retain(|(_, target)| (*target as usize) < entries);
        for member in members {
            if let Some(name) = name(member) {
                if d.key_for(member).is_none() && d.node_for(name).is_none() {
                    d.mapping.push((name.into(), member));
                }
            }
        }
    }
}

/// Add `readOnly`/`writeOnly` of each property's schema (or of one of its direct `allOf` members) to the flags
/// written next to the property, so that `required` can be relaxed per direction without chasing references.
pub fn property_flags(nodes: &mut [Node]) {
    for id in 0..nodes.len() {
        let Some(props) = nodes[id].object.as_ref().map(|o| o.properties.iter().map(|p| p.node).collect::<Vec<_>>())
        else {
            continue;
        };
        let flags: Vec<(bool, bool)> = props
            .iter()
            .map(|&p| {
                let n = &nodes[p as usize];
                let members = n.all_of.iter().map(|&m| &nodes[m as usize]);
                let ro = n.read_only || members.clone().any(|m| m.read_only);
                let wo = n.write_only || members.clone().any(|m| m.write_only);
                (ro, wo)
            })
            .collect();
        if let Some(obj) = nodes[id].object.as_mut() {
            for (prop, (ro, wo)) in obj.properties.iter_mut().zip(flags) {
                prop.read_only |= ro;
                prop.write_only |= wo;
            }
        }
    }
}

/// A rough count of the values needed to build the smallest instance of each node (saturating at [`INFINITE`]).
/// Computed as a fixed point, so recursive schemas whose recursion can stop get a finite cost and the generator can
/// prefer the branch that stops.
pub fn costs(nodes: &[Node]) -> Vec<u32> {
    let mut cost = vec![INFINITE; nodes.len()];
    for _round in 0..256 {
        let mut changed = false;
        // Inline sub-schemas have larger ids than their parents: children first converges in fewer rounds.
        for id in (0..nodes.len()).rev() {
            let c = node_cost(nodes, &cost, id);
            if c < cost[id] {
                cost[id] = c;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    cost
}

fn add(a: u32, b: u32) -> u32 {
    a.saturating_add(b).min(INFINITE)
}

fn node_cost(nodes: &[Node], cost: &[u32], id: usize) -> u32 {
    let n = &nodes[id];
    match n.boolean {
        Some(true) => return 1,
        Some(false) => return INFINITE,
        None => {}
    }
    if n.nullable {
        return 1;
    }
    let of = |id: &NodeId| cost[*id as usize];
    let own = if n.enum_values.is_some() || n.const_value.is_some() {
        1
    } else {
        // Without `type` a scalar is always a valid choice.
        let types = n.types.unwrap_or(TypeSet::ALL);
        let scalars = TypeSet::NULL.union(TypeSet::BOOLEAN).union(TypeSet::INTEGER).union(TypeSet::NUMBER);
        let mut best = INFINITE;
        if types.intersects(scalars.union(TypeSet::STRING)) {
            best = 1;
        }
        if types.contains(TypeSet::ARRAY) {
            let arr_cost = match &n.array {
                Some(a) => {
                    let min = a.min_items.unwrap_or(0).min(8) as usize;
                    (0..min).fold(1, |acc, i| add(acc, a.item_schema(i).map_or(1, |s| of(&s))))
                }
                None => 1,
            };
            best = best.min(arr_cost);
        }
        if types.contains(TypeSet::OBJECT) {
            let obj_cost = match &n.object {
                Some(o) => o.required.iter().fold(1, |acc, name| add(acc, o.property(name).map_or(1, |p| of(&p.node)))),
                None => 1,
            };
            best = best.min(obj_cost);
        }
        best
    };
    let mut total = own;
    for m in n.all_of.iter() {
        total = add(total, of(m));
    }
    if !n.one_of.is_empty() {
        total = add(total, n.one_of.iter().map(of).min().unwrap_or(INFINITE));
    }
    if !n.any_of.is_empty() {
        total = add(total, n.any_of.iter().map(of).min().unwrap_or(INFINITE));
    }
    total
}
