//! Array and object keywords of the validator.

use serde_json::{Map, Value};

use super::engine::{record, Path, Seg, Validator};
use super::equality::first_duplicate;
use super::{Direction, Violation};
use crate::error::snippet;
use crate::schema::{Additional, ArrRules, Node, ObjRules};

impl Validator<'_> {
    pub(super) fn array<const C: bool>(
        &self,
        n: &Node,
        r: &ArrRules,
        items: &[Value],
        path: &Path,
        depth: u32,
        out: &mut Vec<Violation>,
    ) -> bool {
        let mut ok = true;
        let len = items.len() as u64;
        if let Some(min) = r.min_items {
            if len < min {
                fail!(C, ok, out, "minItems", n, path, "{len} items, at least {min} required");
            }
        }
        if let Some(max) = r.max_items {
            if len > max {
                fail!(C, ok, out, "maxItems", n, path, "{len} items, at most {max} allowed");
            }
        }
        if r.unique {
            if let Some((i, j)) = first_duplicate(items) {
                fail!(C, ok, out, "uniqueItems", n, path, "items {i} and {j} are equal");
            }
        }
        for (i, item) in items.iter().enumerate() {
            let Some(schema) = r.item_schema(i) else { break };
            let child = path.child(Seg::Index(i));
            if self.c.node(schema).is_false() {
                let kw = if i < r.prefix.len() { "prefixItems" } else { r.items_keyword };
                fail!(C, ok, out, kw, n, &child, "no item is allowed at position {i}");
                continue;
            }
            if !self.node::<C>(schema, item, &child, depth + 1, out) {
                if !C {
                    return false;
                }
                ok = false;
            }
        }
        if let Some(contains) = r.contains {
            let count =
                items.iter().filter(|item| self.node::<false>(contains, item, path, depth + 1, out)).count() as u64;
            if count < r.min_contains {
                let kw = if r.min_contains == 1 { "contains" } else { "minContains" };
                fail!(C, ok, out, kw, n, path, "{count} items match `contains`, at least {} required", r.min_contains);
            }
            if let Some(max) = r.max_contains {
                if count > max {
                    fail!(C, ok, out, "maxContains", n, path, "{count} items match `contains`, at most {max} allowed");
                }
            }
        }
        ok
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn object<const C: bool>(
        &self,
        n: &Node,
        r: &ObjRules,
        whole: &Value,
        map: &Map<String, Value>,
        path: &Path,
        depth: u32,
        out: &mut Vec<Violation>,
    ) -> bool {
        let mut ok = true;
        for (key, value) in map {
            let child = path.child(Seg::Key(key));
            let mut matched = false;
            if let Some(prop) = r.property(key) {
                matched = true;
                if !self.node::<C>(prop.node, value, &child, depth + 1, out) {
                    if !C {
                        return false;
                    }
                    ok = false;
                }
            }
            for &(pattern, schema) in r.pattern_properties.iter() {
                if self.c.pattern(pattern).is_match(key) {
                    matched = true;
                    if !self.node::<C>(schema, value, &child, depth + 1, out) {
                        if !C {
                            return false;
                        }
                        ok = false;
                    }
                }
            }
            if !matched {
                match r.additional {
                    Additional::Allow => {}
                    Additional::Deny => {
                        fail!(
                            C,
                            ok,
                            out,
                            "additionalProperties",
                            n,
                            &child,
                            "property {} is not allowed",
                            snippet(key)
                        );
                    }
                    Additional::Schema(schema) => {
                        if !self.node::<C>(schema, value, &child, depth + 1, out) {
                            if !C {
                                return false;
                            }
                            ok = false;
                        }
                    }
                }
            }
            if let Some(names) = r.property_names {
                let name = Value::String(key.clone());
                if !self.node::<false>(names, &name, &child, depth + 1, out) {
                    fail!(C, ok, out, "propertyNames", n, &child, "property name {} is not allowed", snippet(key));
                }
            }
        }
        for name in r.required.iter() {
            if !map.contains_key(&**name) && self.required_here(r, name) {
                fail!(C, ok, out, "required", n, path, "required property {} is missing", snippet(name));
            }
        }
        let count = map.len() as u64;
        if let Some(min) = r.min_properties {
            if count < min {
                fail!(C, ok, out, "minProperties", n, path, "{count} properties, at least {min} required");
            }
        }
        if let Some(max) = r.max_properties {
            if count > max {
                fail!(C, ok, out, "maxProperties", n, path, "{count} properties, at most {max} allowed");
            }
        }
        for (name, deps) in r.dependent_required.iter() {
            if map.contains_key(&**name) {
                for dep in deps.iter() {
                    if !map.contains_key(&**dep) {
                        fail!(C, ok, out, "dependentRequired", n, path, "{} requires {}", snippet(name), snippet(dep));
                    }
                }
            }
        }
        for (name, schema) in r.dependent_schemas.iter() {
            if map.contains_key(&**name) && !self.node::<C>(*schema, whole, path, depth + 1, out) {
                if !C {
                    return false;
                }
                ok = false;
            }
        }
        ok
    }

    /// `required` does not apply to readOnly properties in requests nor to writeOnly ones in responses.
    fn required_here(&self, r: &ObjRules, name: &str) -> bool {
        match r.property(name) {
            Some(p) => match self.direction {
                Direction::Request => !p.read_only,
                Direction::Response => !p.write_only,
            },
            None => true,
        }
    }
}
