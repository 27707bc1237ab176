//! JSON Schema validation over the compiled IR.
//!
//! [`validate`] returns every violation: each broken keyword at each instance location, with RFC 6901 pointers
//! into the instance and the schema. The walk allocates nothing unless a violation is recorded, and its depth is
//! bounded (a runaway recursion is a `depth` violation, not a stack overflow).
//!
//! Conventions: `required`, `minProperties`, `dependentRequired` are reported at the object; `additionalProperties`
//! and `propertyNames` at the offending property; a failed `anyOf`/`oneOf` is one violation at the instance.

/// Record a violation (collect mode) or return `false` at once (check mode). Used by `engine` and `containers`.
macro_rules! fail {
    ($C:ident, $ok:ident, $out:expr, $kw:expr, $node:expr, $path:expr, $($msg:tt)+) => {{
        if !$C {
            return false;
        }
        $ok = false;
        record($out, $kw, $node, $path, format!($($msg)+));
    }};
}

mod applicators;
mod containers;
mod engine;
pub mod equality;
pub mod format;
mod http;

use serde::Serialize;
use serde_json::Value;

use crate::model::SchemaId;
use crate::schema::Compiled;

pub use engine::MAX_DEPTH;
pub use http::{media_type_matches, status_matches};

/// Which side of the exchange an instance belongs to: `readOnly` properties are not required in requests,
/// `writeOnly` properties are not required in responses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Request,
    Response,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// The JSON Schema keyword that failed ("type", "required", "pattern", ...; "json" for unparseable bytes,
    /// "depth" for runaway nesting, "false" for a `false` schema, "schema" for an unknown schema id).
    pub keyword: &'static str,
    /// RFC 6901 pointer into the instance ("" is the root).
    pub instance_pointer: String,
    /// Pointer of the keyword in the spec, e.g. `#/components/schemas/Pet/properties/name/type`.
    pub schema_pointer: String,
    pub message: String,
}

/// Every violation of `instance` against node `id` (a store entry id or any node id).
pub fn validate(c: &Compiled, id: SchemaId, instance: &Value, direction: Direction) -> Vec<Violation> {
    if id as usize >= c.nodes.len() {
        return vec![unknown_schema(id)];
    }
    let mut out = Vec::new();
    engine::Validator { c, direction }.node::<true>(id, instance, &engine::Path::ROOT, 0, &mut out);
    out
}

/// Whether `instance` is valid (stops at the first violation).
pub fn is_valid(c: &Compiled, id: SchemaId, instance: &Value, direction: Direction) -> bool {
    if id as usize >= c.nodes.len() {
        return false;
    }
    engine::Validator { c, direction }.is_valid(id, instance)
}

/// Parse `bytes` as JSON and validate it; bytes that are not JSON give a single "json" violation.
pub fn validate_json_bytes(c: &Compiled, id: SchemaId, bytes: &[u8], direction: Direction) -> Vec<Violation> {
    if id as usize >= c.nodes.len() {
        return vec![unknown_schema(id)];
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(value) => validate(c, id, &value, direction),
        Err(e) => vec![Violation {
            keyword: "json",
            instance_pointer: String::new(),
            schema_pointer: c.node(id).pointer.to_string(),
            message: format!("the body is not JSON: {e}"),
        }],
    }
}

/// A schema id that `c` does not hold (a caller bug, reported rather than panicking).
fn unknown_schema(id: SchemaId) -> Violation {
    Violation {
        keyword: "schema",
        instance_pointer: String::new(),
        schema_pointer: String::new(),
        message: format!("schema {id} does not exist"),
    }
}

#[cfg(test)]
mod tests;
