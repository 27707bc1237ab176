//! RFC 6901 JSON pointers: escaping, unescaping, lookup, and `$ref` fragments.

use std::borrow::Cow;

use serde_json::Value;

/// Escape one reference token (`~` → `~0`, `/` → `~1`).
pub fn escape(token: &str) -> Cow<'_, str> {
    if token.contains(['~', '/']) {
        Cow::Owned(token.replace('~', "~0").replace('/', "~1"))
    } else {
        Cow::Borrowed(token)
    }
}

/// Unescape one reference token. `~1` first would turn `~01` into `/`; the RFC order is `~1` then `~0`.
pub fn unescape(token: &str) -> Cow<'_, str> {
    if token.contains('~') {
        Cow::Owned(token.replace("~1", "/").replace("~0", "~"))
    } else {
        Cow::Borrowed(token)
    }
}

/// One-pass unescape into a reused buffer (lookups run in hot loops).
fn unescape_into(token: &str, buf: &mut String) {
    buf.clear();
    let mut chars = token.chars();
    while let Some(c) = chars.next() {
        if c == '~' {
            match chars.next() {
                Some('1') => buf.push('/'),
                Some('0') => buf.push('~'),
                Some(other) => {
                    buf.push('~');
                    buf.push(other);
                }
                None => buf.push('~'),
            }
        } else {
            buf.push(c);
        }
    }
}

/// `parent` + `/` + escaped `token`.
pub fn push(parent: &str, token: &str) -> String {
    let token = escape(token);
    let mut out = String::with_capacity(parent.len() + 1 + token.len());
    out.push_str(parent);
    out.push('/');
    out.push_str(&token);
    out
}

/// The node at `pointer` ("" is the root). Array tokens must be canonical decimal indexes.
pub fn get<'v>(root: &'v Value, pointer: &str) -> Option<&'v Value> {
    if pointer.is_empty() {
        return Some(root);
    }
    let rest = pointer.strip_prefix('/')?;
    let mut node = root;
    let mut buf = String::new();
    for raw in rest.split('/') {
        let token = if raw.contains('~') {
            unescape_into(raw, &mut buf);
            buf.as_str()
        } else {
            raw
        };
        node = match node {
            Value::Object(map) => map.get(token)?,
            Value::Array(items) => {
                if token.is_empty() || (token.len() > 1 && token.starts_with('0')) {
                    return None;
                }
                items.get(token.parse::<usize>().ok()?)?
            }
            _ => return None,
        };
    }
    Some(node)
}

/// Decode a `$ref` fragment (the part after `#`) into a pointer. Percent-escapes are decoded first, as the
/// fragment is a URI component. None for fragments that are not JSON pointers (plain-name anchors).
pub fn from_fragment(fragment: &str) -> Option<String> {
    let decoded = percent_encoding::percent_decode_str(fragment).decode_utf8().ok()?;
    if decoded.is_empty() || decoded.starts_with('/') {
        Some(decoded.into_owned())
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn escapes_round_trip() {
        assert_eq!(escape("/pets/{id}"), "~1pets~1{id}");
        assert_eq!(escape("a~b"), "a~0b");
        assert_eq!(unescape("~01"), "~1");
        assert_eq!(unescape("~1pets"), "/pets");
        assert_eq!(push("/paths", "/a"), "/paths/~1a");
    }

    #[test]
    fn lookup_follows_objects_and_arrays() {
        let doc = json!({"paths": {"/a": {"get": [1, {"x": 2}]}}, "a~b": 3});
        assert_eq!(get(&doc, "/paths/~1a/get/1/x"), Some(&json!(2)));
        assert_eq!(get(&doc, "/a~0b"), Some(&json!(3)));
        assert_eq!(get(&json!({"~1": 1}), "/~01"), Some(&json!(1)));
        assert_eq!(get(&doc, ""), Some(&doc));
        assert_eq!(get(&doc, "/paths/~1a/get/01"), None);
        assert_eq!(get(&doc, "/missing"), None);
        assert_eq!(get(&doc, "paths"), None);
    }

    #[test]
    fn fragments_are_percent_decoded() {
        assert_eq!(from_fragment("/components/schemas/A%20B").as_deref(), Some("/components/schemas/A B"));
        assert_eq!(from_fragment("").as_deref(), Some(""));
        assert_eq!(from_fragment("anchor"), None);
    }
}
