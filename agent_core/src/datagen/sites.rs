//! The places of a generated value that negatives and boundaries work on: the root, then (breadth first) the
//! properties and items of objects and arrays, each with the nodes whose keywords apply there.

use std::collections::VecDeque;

use serde_json::Value;

use super::conjuncts::{closure, item_schemas, property_schemas};
use crate::schema::{escape_token, Compiled, NodeId};

/// Deepest place visited.
const MAX_DEPTH: usize = 8;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    Key(String),
    Index(usize),
}

pub struct Place<'v> {
    pub steps: Vec<Step>,
    /// RFC 6901 pointer of the place in the value.
    pub pointer: String,
    /// The `allOf` closure of the schemas that apply at the place.
    pub nodes: Vec<NodeId>,
    pub value: &'v Value,
}

/// Up to `limit` places of `base` (a valid instance of `root`).
pub fn places<'v>(c: &Compiled, root: NodeId, base: &'v Value, limit: usize) -> Vec<Place<'v>> {
    let mut out = Vec::new();
    let mut queue: VecDeque<(Vec<Step>, String, Vec<NodeId>, &'v Value)> = VecDeque::new();
    queue.push_back((Vec::new(), String::new(), vec![root], base));
    while let Some((steps, pointer, roots, value)) = queue.pop_front() {
        if out.len() >= limit {
            break;
        }
        let nodes = closure(c, &roots);
        if steps.len() < MAX_DEPTH {
            match value {
                Value::Object(map) => {
                    for (key, child) in map {
                        if let Ok(schemas) = property_schemas(c, &nodes, key) {
                            if !schemas.is_empty() {
                                let mut s = steps.clone();
                                s.push(Step::Key(key.clone()));
                                queue.push_back((s, format!("{pointer}/{}", escape_token(key)), schemas, child));
                            }
                        }
                    }
                }
                Value::Array(items) => {
                    // The positional schemas, and the first item governed by `items`.
                    let prefix = nodes.iter().filter_map(|&n| c.node(n).array.as_ref()).map(|a| a.prefix.len()).max();
                    let visit = prefix.unwrap_or(0).max(1).min(items.len());
                    for (i, child) in items.iter().enumerate().take(visit) {
                        let schemas = item_schemas(c, &nodes, i);
                        if !schemas.is_empty() {
                            let mut s = steps.clone();
                            s.push(Step::Index(i));
                            queue.push_back((s, format!("{pointer}/{i}"), schemas, child));
                        }
                    }
                }
                _ => {}
            }
        }
        out.push(Place { steps, pointer, nodes, value });
    }
    out
}
