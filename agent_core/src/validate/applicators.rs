//! `anyOf`, `oneOf`, `not`, `if`/`then`/`else`.
//!
//! Alternatives are tried in check mode; a failed `anyOf`/`oneOf` is one violation whose message explains the
//! most relevant alternative (the one the discriminator selects, or the only one) without adding its violations to
//! the list, so that each violation is one broken constraint.

use serde_json::Value;

use super::engine::{Path, Validator};
use super::Violation;
use crate::schema::{Node, NodeId};

impl Validator<'_> {
    pub(super) fn applicators<const C: bool>(
        &self,
        n: &Node,
        v: &Value,
        path: &Path,
        depth: u32,
        out: &mut Vec<Violation>,
    ) -> bool {
        let mut ok = true;
        let mut scratch = Vec::new();
        if !n.any_of.is_empty() && !n.any_of.iter().any(|&m| self.node::<false>(m, v, path, depth + 1, &mut scratch)) {
            if !C {
                return false;
            }
            ok = false;
            let detail = self.explain(n, &n.any_of, v, path, depth);
            self.push(
                out,
                "anyOf",
                n,
                path,
                format!("matches none of the {} anyOf alternatives{detail}", n.any_of.len()),
            );
        }
        if !n.one_of.is_empty() {
            // The first two matching alternatives (a third does not change the verdict).
            let mut matched: [Option<usize>; 2] = [None, None];
            for (i, &m) in n.one_of.iter().enumerate() {
                if self.node::<false>(m, v, path, depth + 1, &mut scratch) {
                    if matched[0].is_none() {
                        matched[0] = Some(i);
                    } else {
                        matched[1] = Some(i);
                        break;
                    }
                }
            }
            if matched[0].is_none() || matched[1].is_some() {
                if !C {
                    return false;
                }
                ok = false;
                let message = match matched {
                    [Some(a), Some(b)] => format!("matches more than one oneOf alternative ({a} and {b})"),
                    _ => {
                        let detail = self.explain(n, &n.one_of, v, path, depth);
                        format!("matches none of the {} oneOf alternatives{detail}", n.one_of.len())
                    }
                };
                self.push(out, "oneOf", n, path, message);
            }
        }
        if let Some(not) = n.not {
            if self.node::<false>(not, v, path, depth + 1, &mut scratch) {
                if !C {
                    return false;
                }
                ok = false;
                self.push(out, "not", n, path, "matches the schema under `not`".to_string());
            }
        }
        if let Some(cond) = &n.conditional {
            let branch =
                if self.node::<false>(cond.if_, v, path, depth + 1, &mut scratch) { cond.then_ } else { cond.else_ };
            if let Some(branch) = branch {
                if !self.node::<C>(branch, v, path, depth + 1, out) {
                    if !C {
                        return false;
                    }
                    ok = false;
                }
            }
        }
        ok
    }

    #[cold]
    fn push(&self, out: &mut Vec<Violation>, keyword: &'static str, n: &Node, path: &Path, message: String) {
        out.push(Violation {
            keyword,
            instance_pointer: path.pointer(),
            schema_pointer: format!("{}/{keyword}", n.pointer),
            message,
        });
    }

    /// ": alternative 'Cat' fails at /name: ..." for the alternative the discriminator (or the lack of others)
    /// points at; empty when there is no obvious one.
    #[cold]
    fn explain(&self, n: &Node, alternatives: &[NodeId], v: &Value, path: &Path, depth: u32) -> String {
        let chosen = match (&n.discriminator, v.as_object()) {
            (Some(d), Some(map)) => map.get(&*d.property).and_then(Value::as_str).and_then(|key| d.node_for(key)),
            _ => None,
        }
        .filter(|id| alternatives.contains(id))
        .or_else(|| (alternatives.len() == 1).then(|| alternatives[0]));
        let Some(chosen) = chosen else { return String::new() };
        let mut inner = Vec::new();
        self.node::<true>(chosen, v, path, depth + 1, &mut inner);
        let label = self.c.names.get(chosen as usize).and_then(|n| n.as_deref()).unwrap_or("the alternative");
        match inner.first() {
            Some(first) => {
                let at = if first.instance_pointer.is_empty() { "/" } else { &first.instance_pointer };
                format!("; {label} fails at {at}: {}", first.message)
            }
            None => String::new(),
        }
    }
}
