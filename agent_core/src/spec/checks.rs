//! Structural checks the schema-level model cannot express: path templates, path parameters, operationIds,
//! security requirements.

use std::collections::{HashMap, HashSet};

use indexmap::IndexMap;
use serde_json::Value;

use super::pointer;
use super::refs::{DocSet, Loc, ROOT};
use crate::error::{snippet, ErrorCode, Result, SpecError, Warning};
use crate::model::{Operation, ParamLocation, SecurityRequirement, SecurityScheme};

/// Validate a path key and return its template variable names. A query string is an error (URLs built from the
/// key would break). A `#fragment` suffix is never sent, and published specs (AWS's `/#X-Amz-Target=...`) use
/// one to tell apart operations on the same path: a warning.
pub fn path_template(path: &str, ptr: &str, warnings: &mut Vec<Warning>) -> Result<Vec<String>> {
    let invalid =
        |why: &str| SpecError::at_pointer(ErrorCode::SpecPathInvalid, format!("path {}: {why}", snippet(path)), ptr);
    if path.contains("://") {
        return Err(invalid("a path is relative to the server URL; it cannot be a full URL"));
    }
    if !path.starts_with('/') {
        return Err(invalid("it must start with '/'"));
    }
    if path.split('#').next().unwrap_or(path).contains('?') {
        return Err(invalid("a query string is not part of a path (use `in: query` parameters)"));
    }
    if path.contains('#') {
        warnings.push(Warning::new(
            ErrorCode::SpecPathInvalid,
            format!("path {}: the fragment is not part of the path and is never sent", snippet(path)),
            ptr,
        ));
    }
    let mut names = Vec::new();
    let mut rest = path;
    while let Some(open) = rest.find(['{', '}']) {
        if rest.as_bytes()[open] == b'}' {
            return Err(invalid("unbalanced '}'"));
        }
        let after = &rest[open + 1..];
        let Some(close) = after.find(['{', '}']) else { return Err(invalid("unclosed '{'")) };
        if after.as_bytes()[close] == b'{' {
            return Err(invalid("nested '{'"));
        }
        let name = &after[..close];
        if name.trim().is_empty() {
            return Err(invalid("empty template variable '{}'"));
        }
        names.push(name.to_owned());
        rest = &after[close + 1..];
    }
    Ok(names)
}

/// Every template variable needs an `in: path` parameter (else no URL can be built: an error). A path
/// parameter that the template does not use is harmless for testing and common in published specs: a warning.
pub fn path_params(op: &Operation, template: &[String], warnings: &mut Vec<Warning>) -> Result<()> {
    let declared: HashSet<&str> =
        op.parameters.iter().filter(|p| p.location == ParamLocation::Path).map(|p| p.name.as_str()).collect();
    if let Some(missing) = template.iter().find(|v| !declared.contains(v.as_str())) {
        return Err(SpecError::at_pointer(
            ErrorCode::SpecPathParamMismatch,
            format!("template variable {} of {} has no `in: path` parameter", snippet(missing), snippet(&op.path)),
            op.pointer.clone(),
        ));
    }
    for param in op.parameters.iter().filter(|p| p.location == ParamLocation::Path) {
        if !template.contains(&param.name) {
            warnings.push(Warning::new(
                ErrorCode::SpecPathParamMismatch,
                format!("path parameter {} does not appear in {}", snippet(&param.name), snippet(&op.path)),
                param.pointer.clone(),
            ));
        }
    }
    Ok(())
}

/// An explicit operationId may be used once.
pub fn operation_ids(operations: &[Operation]) -> Result<()> {
    let mut seen: HashMap<&str, &Operation> = HashMap::new();
    for op in operations.iter().filter(|o| o.has_explicit_id) {
        if let Some(first) = seen.insert(&op.operation_id, op) {
            return Err(SpecError::at_pointer(
                ErrorCode::SpecOperationIdDuplicate,
                format!(
                    "operationId {} is used by {} {} and {} {}",
                    snippet(&op.operation_id),
                    first.method.to_ascii_uppercase(),
                    first.path,
                    op.method.to_ascii_uppercase(),
                    op.path
                ),
                op.pointer.clone(),
            )
            .with_related(vec![first.pointer.clone(), op.pointer.clone()]));
        }
    }
    Ok(())
}

/// Security requirements must name defined schemes (no real spec of the corpus breaks this: an error).
pub fn security(
    operations: &[Operation],
    global: &[SecurityRequirement],
    schemes: &IndexMap<String, SecurityScheme>,
) -> Result<()> {
    let global = global.iter().map(|r| (r, "/security".to_owned()));
    let per_op = operations
        .iter()
        .flat_map(|op| op.security.iter().flatten().map(move |r| (r, format!("{}/security", op.pointer))));
    for (requirement, ptr) in global.chain(per_op) {
        for name in requirement.keys() {
            if !schemes.contains_key(name) {
                return Err(SpecError::at_pointer(
                    ErrorCode::SpecSecuritySchemeUndefined,
                    format!("security requirement names the undefined scheme {}", snippet(name)),
                    ptr,
                ));
            }
        }
    }
    Ok(())
}

/// Keys whose values are data or extensions, never followed for `$ref`s.
pub fn is_data_key(key: &str) -> bool {
    key.starts_with("x-") || matches!(key, "example" | "examples" | "default" | "enum" | "const" | "value")
}

/// Every `$ref` of the root document outside data and extensions must resolve, also in parts no operation uses,
/// and no chain of `$ref`-only objects may loop (recursion through properties or items is fine: it passes through
/// an object without `$ref`).
pub fn refs(docs: &DocSet<'_>) -> Result<()> {
    let doc = docs.doc(ROOT);
    let mut stack: Vec<(&Value, String)> = vec![(&doc.value, String::new())];
    while let Some((value, ptr)) = stack.pop() {
        match value {
            Value::Object(map) => {
                if map.get("$ref").is_some_and(Value::is_string) {
                    docs.follow(Loc::root(ptr.clone()))?;
                }
                for (key, child) in map.iter().rev() {
                    if !is_data_key(key) && (child.is_object() || child.is_array()) {
                        stack.push((child, pointer::push(&ptr, key)));
                    }
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate().rev() {
                    if child.is_object() || child.is_array() {
                        stack.push((child, format!("{ptr}/{i}")));
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(path: &str) -> Option<ErrorCode> {
        path_template(path, "/paths/x", &mut Vec::new()).err().map(|e| e.code)
    }

    #[test]
    fn path_keys() {
        assert_eq!(path_template("/pets/{petId}/toys/{toy}", "", &mut Vec::new()).unwrap(), ["petId", "toy"]);
        let mut warnings = Vec::new();
        assert!(path_template("/#X-Amz-Target=Op", "", &mut warnings).is_ok());
        assert!(path_template("/tags/{arn}#tagKeys", "", &mut warnings).is_ok());
        assert_eq!(warnings.len(), 2);
        assert_eq!(code("/responses?beta=true"), Some(ErrorCode::SpecPathInvalid));
        assert_eq!(code("/a/{b}.json"), None);
        assert_eq!(code("pets"), Some(ErrorCode::SpecPathInvalid));
        assert_eq!(code("/pets/{id"), Some(ErrorCode::SpecPathInvalid));
        assert_eq!(code("/pets/id}"), Some(ErrorCode::SpecPathInvalid));
        assert_eq!(code("/pets/{}"), Some(ErrorCode::SpecPathInvalid));
        assert_eq!(code("/a/{b{c}}"), Some(ErrorCode::SpecPathInvalid));
        assert_eq!(code("https://x.com/pets"), Some(ErrorCode::SpecPathInvalid));
    }
}
