//! JSON Schema equality (numbers by value: `1 == 1.0`; objects regardless of key order) and `uniqueItems`.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use serde_json::Value;

use crate::schema::Num;

pub fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => Num::from_json(x).cmp_num(Num::from_json(y)).is_eq(),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_eq(p, q)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

/// The first pair of equal items `(i, j)`, `i < j`.
pub fn first_duplicate(items: &[Value]) -> Option<(usize, usize)> {
    if items.len() < 2 {
        return None;
    }
    if items.len() <= 16 {
        for j in 1..items.len() {
            for i in 0..j {
                if json_eq(&items[i], &items[j]) {
                    return Some((i, j));
                }
            }
        }
        return None;
    }
    let mut seen: HashMap<u64, Vec<usize>> = HashMap::with_capacity(items.len());
    for (j, item) in items.iter().enumerate() {
        let bucket = seen.entry(hash_value(item)).or_default();
        if let Some(&i) = bucket.iter().find(|&&i| json_eq(&items[i], item)) {
            return Some((i, j));
        }
        bucket.push(j);
    }
    None
}

/// A hash consistent with [`json_eq`]: numbers hash by value, object members independently of order.
fn hash_value(v: &Value) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    feed(v, &mut h);
    h.finish()
}

fn feed(v: &Value, h: &mut impl Hasher) {
    match v {
        Value::Null => 0u8.hash(h),
        Value::Bool(b) => (1u8, b).hash(h),
        Value::Number(n) => match Num::from_json(n).as_int() {
            Some(i) => (2u8, i).hash(h),
            None => (3u8, n.as_f64().unwrap_or(0.0).to_bits()).hash(h),
        },
        Value::String(s) => (4u8, s).hash(h),
        Value::Array(items) => {
            (5u8, items.len()).hash(h);
            items.iter().for_each(|i| feed(i, h));
        }
        Value::Object(map) => {
            // Order-independent: combine member hashes commutatively.
            let mut acc = 0u64;
            for (k, val) in map {
                let mut m = std::collections::hash_map::DefaultHasher::new();
                k.hash(&mut m);
                feed(val, &mut m);
                acc = acc.wrapping_add(m.finish());
            }
            (6u8, map.len(), acc).hash(h);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_compare_by_value() {
        assert!(json_eq(&json!(1), &json!(1.0)));
        assert!(json_eq(&json!([1, {"a": 2}]), &json!([1.0, {"a": 2.0}])));
        assert!(!json_eq(&json!(1), &json!("1")));
        assert!(json_eq(&json!({"a": 1, "b": 2}), &json!({"b": 2, "a": 1})));
    }

    #[test]
    fn duplicates_small_and_large() {
        assert_eq!(first_duplicate(&[json!(1), json!(2), json!(1.0)]), Some((0, 2)));
        assert_eq!(first_duplicate(&[json!(1), json!(2)]), None);
        let mut many: Vec<Value> = (0..40).map(|i| json!({"i": i, "k": "x"})).collect();
        assert_eq!(first_duplicate(&many), None);
        many.push(json!({"k": "x", "i": 7.0}));
        assert_eq!(first_duplicate(&many), Some((7, 40)));
    }
}
