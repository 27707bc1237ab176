//! Stable identities: the per-operation seed and the content hash that names a case.

use serde_json::Value;
use sha2::{Digest, Sha256};

/// The seed of one operation's cases, derived from the run seed, the operationId and the kind, so that
/// generating a subset of operations does not change any operation's cases.
pub fn operation_seed(seed: u64, operation_id: &str, kind: &str) -> u64 {
    let mut h = Sha256::new();
    h.update(seed.to_le_bytes());
    h.update([0]);
    h.update(operation_id.as_bytes());
    h.update([0]);
    h.update(kind.as_bytes());
    let digest = h.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_le_bytes(first)
}

/// First 32 hex digits of SHA-256 over the canonical JSON of `content`.
pub fn content_id(content: &Value) -> String {
    let mut text = Vec::with_capacity(256);
    canonical(content, &mut text);
    hex32(&text)
}

/// First 32 hex digits of SHA-256 over `bytes`.
pub fn hex32(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(32);
    for byte in &digest[..16] {
        out.push(char::from_digit((byte >> 4) as u32, 16).unwrap_or('0'));
        out.push(char::from_digit((byte & 15) as u32, 16).unwrap_or('0'));
    }
    out
}

/// JSON with object keys sorted (by code point) and no insignificant whitespace.
pub fn canonical(v: &Value, out: &mut Vec<u8>) {
    match v {
        Value::Object(map) => canonical_members(map.iter(), out),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                canonical(item, out);
            }
            out.push(b']');
        }
        scalar => scalar_json(scalar, out),
    }
}

/// An object from its members, keys sorted.
pub fn canonical_members<'a>(members: impl Iterator<Item = (&'a String, &'a Value)>, out: &mut Vec<u8>) {
    let mut members: Vec<(&String, &Value)> = members.collect();
    members.sort_by(|a, b| a.0.cmp(b.0));
    out.push(b'{');
    for (i, (k, v)) in members.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        string_json(k, out);
        out.push(b':');
        canonical(v, out);
    }
    out.push(b'}');
}

pub fn string_json(s: &str, out: &mut Vec<u8>) {
    // Writing a str into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, s);
}

fn scalar_json(v: &Value, out: &mut Vec<u8>) {
    let _ = serde_json::to_writer(&mut *out, v);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn canonical_json_sorts_keys() {
        let mut s = Vec::new();
        canonical(&json!({"b": [1, {"d": null, "c": "x"}], "a": true, "é": "\n"}), &mut s);
        assert_eq!(String::from_utf8(s).unwrap(), r#"{"a":true,"b":[1,{"c":"x","d":null}],"é":"\n"}"#);
    }

    #[test]
    fn ids_ignore_key_order_but_not_content() {
        let a = content_id(&json!({"x": 1, "y": [2]}));
        assert_eq!(a, content_id(&json!({"y": [2], "x": 1})));
        assert_ne!(a, content_id(&json!({"x": 1, "y": [3]})));
        assert_eq!(a.len(), 32);
    }

    #[test]
    fn operation_seeds_are_independent() {
        assert_eq!(operation_seed(1, "getPet", "positive"), operation_seed(1, "getPet", "positive"));
        assert_ne!(operation_seed(1, "getPet", "positive"), operation_seed(1, "getPet", "negative"));
        assert_ne!(operation_seed(1, "getPet", "positive"), operation_seed(2, "getPet", "positive"));
        assert_ne!(operation_seed(1, "getPet", "positive"), operation_seed(1, "getPets", "positive"));
    }
}
