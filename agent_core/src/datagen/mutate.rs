//! Edits applied to a copy of a base value at a place.

use serde_json::Value;

use super::sites::Step;

#[derive(Clone, Debug)]
pub enum Op {
    /// Replace the value at the place.
    Replace(Value),
    /// Remove a member of the object at the place.
    Remove(String),
    /// Add a member to the object at the place.
    Insert(String, Value),
}

/// A copy of `base` with `op` applied at `steps`; None when the place does not exist.
pub fn apply(base: &Value, steps: &[Step], op: &Op) -> Option<Value> {
    let mut out = base.clone();
    let mut cur = &mut out;
    for step in steps {
        cur = match (step, cur) {
            (Step::Key(k), Value::Object(map)) => map.get_mut(k)?,
            (Step::Index(i), Value::Array(items)) => items.get_mut(*i)?,
            _ => return None,
        };
    }
    match op {
        Op::Replace(v) => *cur = v.clone(),
        Op::Remove(k) => {
            cur.as_object_mut()?.shift_remove(k)?;
        }
        Op::Insert(k, v) => {
            cur.as_object_mut()?.insert(k.clone(), v.clone());
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn edits_nested_places() {
        let base = json!({"a": [{"b": 1, "c": 2}]});
        let steps = [Step::Key("a".into()), Step::Index(0)];
        assert_eq!(apply(&base, &steps, &Op::Remove("b".into())), Some(json!({"a": [{"c": 2}]})));
        assert_eq!(
            apply(&base, &steps, &Op::Insert("d".into(), json!(3))),
            Some(json!({"a": [{"b": 1, "c": 2, "d": 3}]}))
        );
        assert_eq!(apply(&base, &steps[..1], &Op::Replace(json!(null))), Some(json!({"a": null})));
        assert_eq!(apply(&base, &[Step::Key("zz".into())], &Op::Replace(json!(1))), None);
    }
}
