//! Servers: 3.x `servers` (with variables), or one server built from 2.0 `schemes`/`host`/`basePath`.

use indexmap::IndexMap;
use serde_json::{Map, Value};

use super::scalar_string;
use crate::error::{snippet, ErrorCode, Result, SpecError};
use crate::model::{Server, ServerVariable};

/// Root `servers`; absent or empty means one server `/` (OpenAPI 3).
pub fn root_v3(value: Option<&Value>) -> Result<Vec<Server>> {
    let servers = list(value, "/servers")?;
    if servers.is_empty() {
        return Ok(vec![Server { url: "/".to_owned(), description: None, variables: IndexMap::new() }]);
    }
    Ok(servers)
}

/// Path- or operation-level `servers` (absent: none, the global ones apply).
pub fn override_v3(value: Option<&Value>) -> Result<Vec<Server>> {
    list(value, "")
}

fn list(value: Option<&Value>, ptr: &str) -> Result<Vec<Server>> {
    let Some(Value::Array(items)) = value else { return Ok(Vec::new()) };
    items.iter().enumerate().map(|(i, s)| server(s, &format!("{ptr}/{i}"))).collect()
}

fn invalid(message: String, ptr: &str) -> SpecError {
    SpecError::at_pointer(ErrorCode::SpecServerUrlInvalid, message, ptr)
}

fn server(value: &Value, ptr: &str) -> Result<Server> {
    let Some(url) = value.get("url").and_then(Value::as_str) else {
        return Err(invalid("a server needs a string `url`".to_owned(), ptr));
    };
    let mut variables = IndexMap::new();
    if let Some(Value::Object(vars)) = value.get("variables") {
        for (name, var) in vars {
            let enum_values: Vec<String> = match var.get("enum") {
                Some(Value::Array(items)) => items.iter().map(scalar_string).collect(),
                _ => Vec::new(),
            };
            let default = var.get("default").map(scalar_string).or_else(|| enum_values.first().cloned());
            let Some(default) = default else {
                return Err(invalid(format!("server variable {} has no default", snippet(name)), ptr));
            };
            if !enum_values.is_empty() && !enum_values.contains(&default) {
                let msg =
                    format!("server variable {}: default {} is not in its enum", snippet(name), snippet(&default));
                return Err(invalid(msg, ptr));
            }
            variables.insert(name.clone(), ServerVariable { default, enum_values });
        }
    }
    check_template(url, &variables, ptr)?;
    let description = value.get("description").and_then(Value::as_str).map(str::to_owned);
    Ok(Server { url: url.to_owned(), description, variables })
}

/// Braces must balance and name a declared variable.
fn check_template(url: &str, variables: &IndexMap<String, ServerVariable>, ptr: &str) -> Result<()> {
    let mut rest = url;
    while let Some(open) = rest.find(['{', '}']) {
        if rest.as_bytes()[open] == b'}' {
            return Err(invalid(format!("unbalanced '}}' in server URL {}", snippet(url)), ptr));
        }
        let Some(close) = rest[open..].find('}') else {
            return Err(invalid(format!("unclosed '{{' in server URL {}", snippet(url)), ptr));
        };
        let name = &rest[open + 1..open + close];
        if !variables.contains_key(name) {
            return Err(invalid(format!("server URL variable {} is not declared", snippet(name)), ptr));
        }
        rest = &rest[open + close + 1..];
    }
    Ok(())
}

/// 2.0: `https` when listed (else the first scheme), `host`, `basePath`; without a host, just the base path.
pub fn from_v2(root: &Map<String, Value>) -> Vec<Server> {
    let base_path = root.get("basePath").and_then(Value::as_str).unwrap_or("");
    let url = match root.get("host").and_then(Value::as_str).filter(|h| !h.is_empty()) {
        Some(host) => {
            let schemes: Vec<&str> = match root.get("schemes") {
                Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
                _ => Vec::new(),
            };
            let scheme = if schemes.contains(&"https") { "https" } else { schemes.first().copied().unwrap_or("https") };
            format!("{}://{host}{base_path}", scheme.to_ascii_lowercase())
        }
        None if base_path.is_empty() => "/".to_owned(),
        None => base_path.to_owned(),
    };
    vec![Server { url, description: None, variables: IndexMap::new() }]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn v3_servers_with_variables() {
        let v = json!([{"url": "https://{env}.x.com/v1", "variables": {"env": {"default": "api", "enum": ["api", "sandbox"]}}}]);
        let s = root_v3(Some(&v)).unwrap();
        assert_eq!(s[0].variables["env"].default, "api");
        assert_eq!(root_v3(None).unwrap()[0].url, "/");
        let bad = json!([{"url": "https://{env}.x.com"}]);
        assert_eq!(root_v3(Some(&bad)).unwrap_err().code, ErrorCode::SpecServerUrlInvalid);
    }

    #[test]
    fn v2_server() {
        let root = json!({"host": "api.x.com", "basePath": "/v2", "schemes": ["http", "https"]});
        assert_eq!(from_v2(root.as_object().unwrap())[0].url, "https://api.x.com/v2");
        let root = json!({"basePath": "/v2"});
        assert_eq!(from_v2(root.as_object().unwrap())[0].url, "/v2");
    }
}
