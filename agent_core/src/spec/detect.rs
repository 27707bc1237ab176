//! What kind of document this is: other API formats (refused with a hint) and the OpenAPI/Swagger version.

use serde_json::{Map, Value};

use crate::error::{snippet, ErrorCode, Location, Result, SpecError, Warning};
use crate::model::Dialect;

const SUPPORTED: &str = "supported: Swagger 2.0, OpenAPI 3.0.x and 3.1.x";
const HINT: &str = "convert it to OpenAPI first";

fn unsupported(what: &str) -> SpecError {
    SpecError::new(
        ErrorCode::SpecFormatUnsupported,
        format!("this is {what}, not an OpenAPI or Swagger document; {HINT}"),
        Location::default(),
    )
}

/// Formats recognisable from the text alone (some of them are valid YAML and must not reach version detection).
pub fn sniff_text(text: &str) -> Option<SpecError> {
    let start = text.trim_start();
    if start.starts_with("#%RAML") {
        return Some(unsupported("a RAML document"));
    }
    if start.starts_with('<') {
        let head: String = start.chars().take(512).collect::<String>().to_ascii_lowercase();
        let what = if head.contains("wsdl") {
            "a WSDL document"
        } else if head.contains("<application") || head.contains("wadl") {
            "a WADL document"
        } else if head.contains("<html") || head.contains("<!doctype html") {
            "an HTML page"
        } else {
            "an XML document"
        };
        return Some(unsupported(what));
    }
    let first_line = text.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with('#')).unwrap_or("");
    // Blueprint's FORMAT line is optional; its `+ Request`/`+ Response` sections are not (and are not YAML).
    let blueprint_sections = text.lines().any(|l| l.starts_with("+ Response ") || l.starts_with("+ Request"));
    if (first_line.starts_with("FORMAT:") && first_line.contains("1A")) || blueprint_sections {
        return Some(unsupported("an API Blueprint document"));
    }
    if looks_like_graphql(first_line) || first_line.starts_with("\"\"\"") {
        return Some(unsupported("a GraphQL schema"));
    }
    if first_line.starts_with("syntax = ") || first_line.starts_with("syntax=") {
        return Some(unsupported("a Protocol Buffers definition"));
    }
    None
}

/// `type Query {`, `schema {`, `scalar Date` and the like; a YAML key always has a colon right after its name.
fn looks_like_graphql(line: &str) -> bool {
    const KEYWORDS: [&str; 11] =
        ["type", "schema", "interface", "input", "enum", "scalar", "union", "directive", "extend", "query", "mutation"];
    let mut words = line.split_whitespace();
    let (Some(first), Some(second)) = (words.next(), words.next()) else { return false };
    KEYWORDS.contains(&first)
        && !second.starts_with(':')
        && (line.ends_with('{') || first == "scalar" || first == "directive" || second == "{")
}

/// Formats recognisable from the parsed root (only asked when neither `openapi` nor `swagger` is present).
pub fn sniff_value(root: &Map<String, Value>) -> Option<SpecError> {
    let info = root.get("info").and_then(Value::as_object);
    let postman_schema = info
        .and_then(|i| i.get("schema"))
        .and_then(Value::as_str)
        .is_some_and(|s| s.contains("getpostman.com") || s.contains("postman"));
    let postman_items = root.get("item").is_some_and(Value::is_array) && info.is_some_and(|i| i.contains_key("name"));
    if postman_schema || postman_items || info.is_some_and(|i| i.contains_key("_postman_id")) {
        return Some(unsupported("a Postman collection"));
    }
    let postman_v1 = root.get("requests").is_some_and(Value::is_array)
        && (root.contains_key("order") || root.contains_key("folders"));
    if postman_v1 {
        return Some(unsupported("a Postman collection"));
    }
    if root.contains_key("_postman_variable_scope") {
        return Some(unsupported("a Postman environment"));
    }
    if root.contains_key("asyncapi") {
        return Some(unsupported("an AsyncAPI document"));
    }
    if root.contains_key("__export_format") || root.get("_type").and_then(Value::as_str) == Some("export") {
        return Some(unsupported("an Insomnia export"));
    }
    if root.get("log").and_then(|l| l.get("entries")).is_some() {
        return Some(unsupported("a HAR file"));
    }
    if root.contains_key("discoveryVersion") {
        return Some(unsupported("a Google API Discovery document"));
    }
    if root.contains_key("raml") || root.contains_key("baseUri") && root.contains_key("title") {
        return Some(unsupported("a RAML document"));
    }
    if root.contains_key("$schema") && !root.contains_key("paths") {
        return Some(unsupported("a JSON Schema"));
    }
    None
}

/// The detected version.
pub struct Version {
    pub dialect: Dialect,
    pub literal: String,
    pub warning: Option<Warning>,
}

fn version_error(code: ErrorCode, message: String, field: &str) -> SpecError {
    SpecError::at_pointer(code, message, format!("/{field}"))
}

/// Read `openapi` / `swagger` (and recognise Swagger 1.x's `swaggerVersion`).
pub fn version(root: &Map<String, Value>) -> Result<Version> {
    match (root.get("openapi"), root.get("swagger")) {
        (Some(_), Some(_)) => Err(SpecError::at_pointer(
            ErrorCode::SpecVersionInvalid,
            "both `openapi` and `swagger` are present; keep only one",
            "",
        )),
        (Some(v), None) => openapi(v),
        (None, Some(v)) => swagger(v),
        (None, None) => {
            if let Some(v) = root.get("swaggerVersion") {
                let shown = scalar_text(v);
                return Err(version_error(
                    ErrorCode::SpecVersionUnsupported,
                    format!("Swagger {} (swaggerVersion) is not supported; {SUPPORTED}", snippet(&shown)),
                    "swaggerVersion",
                ));
            }
            if let Some(err) = sniff_value(root) {
                return Err(err);
            }
            Err(SpecError::at_pointer(
                ErrorCode::SpecVersionMissing,
                format!("neither `openapi` nor `swagger` is present; {SUPPORTED}"),
                "",
            ))
        }
    }
}

fn openapi(v: &Value) -> Result<Version> {
    let Some(text) = v.as_str() else {
        return Err(version_error(
            ErrorCode::SpecVersionInvalid,
            format!("`openapi` must be a string such as \"3.0.3\", found {}", snippet(&scalar_text(v))),
            "openapi",
        ));
    };
    let Some((major, minor)) = parse_semver(text) else {
        return Err(version_error(
            ErrorCode::SpecVersionInvalid,
            format!("`openapi` must look like \"3.0.3\", found {}", snippet(text)),
            "openapi",
        ));
    };
    let dialect = match (major, minor) {
        (3, 0) => Dialect::Oas30,
        (3, 1) | (3, 2) => Dialect::Oas31,
        _ => {
            return Err(version_error(
                ErrorCode::SpecVersionUnsupported,
                format!("OpenAPI {} is not supported; {SUPPORTED}", snippet(text)),
                "openapi",
            ))
        }
    };
    let warning = (minor == 2).then(|| {
        Warning::new(
            ErrorCode::SpecVersionUnsupported,
            format!("OpenAPI {text} is read with the OpenAPI 3.1 rules; newer features are ignored"),
            "/openapi",
        )
    });
    Ok(Version { dialect, literal: text.to_owned(), warning })
}

fn swagger(v: &Value) -> Result<Version> {
    match v {
        Value::String(s) if s == "2.0" => {
            Ok(Version { dialect: Dialect::Swagger20, literal: s.clone(), warning: None })
        }
        Value::Number(n) if n.as_f64() == Some(2.0) && !n.is_i64() && !n.is_u64() => Ok(Version {
            dialect: Dialect::Swagger20,
            literal: "2.0".to_owned(),
            warning: Some(Warning::new(
                ErrorCode::SpecVersionInvalid,
                "`swagger` should be the string \"2.0\" (an unquoted 2.0 is a number in YAML)",
                "/swagger",
            )),
        }),
        Value::String(s) if s.split('.').all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())) => {
            Err(version_error(
                ErrorCode::SpecVersionUnsupported,
                format!("Swagger {} is not supported; {SUPPORTED}", snippet(s)),
                "swagger",
            ))
        }
        other => Err(version_error(
            ErrorCode::SpecVersionInvalid,
            format!("`swagger` must be the string \"2.0\", found {}", snippet(&scalar_text(other))),
            "swagger",
        )),
    }
}

/// `major.minor.patch` with an optional `-suffix`.
fn parse_semver(text: &str) -> Option<(u64, u64)> {
    let core = text.split_once('-').map_or(text, |(c, _)| c);
    let mut parts = core.split('.');
    let mut next = || parts.next().filter(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    let (major, minor, _patch) = (next()?.parse().ok()?, next()?.parse().ok()?, next()?);
    parts.next().is_none().then_some((major, minor))
}

fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn detect(v: Value) -> Result<Version> {
        version(v.as_object().unwrap())
    }

    fn code(v: Value) -> ErrorCode {
        detect(v).map(|_| ()).unwrap_err().code
    }

    #[test]
    fn versions() {
        assert_eq!(detect(json!({"openapi": "3.0.3"})).unwrap().dialect, Dialect::Oas30);
        assert_eq!(detect(json!({"openapi": "3.1.0"})).unwrap().dialect, Dialect::Oas31);
        let v = detect(json!({"openapi": "3.2.0"})).unwrap();
        assert!(v.dialect == Dialect::Oas31 && v.warning.is_some());
        assert_eq!(detect(json!({"swagger": "2.0"})).unwrap().dialect, Dialect::Swagger20);
        assert!(detect(json!({"swagger": 2.0})).unwrap().warning.is_some());
    }

    #[test]
    fn version_errors() {
        assert_eq!(code(json!({"openapi": "4.0.0"})), ErrorCode::SpecVersionUnsupported);
        assert_eq!(code(json!({"openapi": "3.9.0"})), ErrorCode::SpecVersionUnsupported);
        assert_eq!(code(json!({"swaggerVersion": "1.2", "apis": []})), ErrorCode::SpecVersionUnsupported);
        assert_eq!(code(json!({"swagger": "1.2"})), ErrorCode::SpecVersionUnsupported);
        assert_eq!(code(json!({"info": {}})), ErrorCode::SpecVersionMissing);
        assert_eq!(code(json!({"openapi": 3.0})), ErrorCode::SpecVersionInvalid);
        assert_eq!(code(json!({"openapi": "three"})), ErrorCode::SpecVersionInvalid);
        assert_eq!(code(json!({"swagger": 2})), ErrorCode::SpecVersionInvalid);
        assert_eq!(code(json!({"openapi": "3.0.0", "swagger": "2.0"})), ErrorCode::SpecVersionInvalid);
    }

    #[test]
    fn other_formats() {
        let postman = json!({"info": {"schema": "https://schema.getpostman.com/json/collection/v2.1.0/"}, "item": []});
        assert_eq!(code(postman), ErrorCode::SpecFormatUnsupported);
        assert_eq!(code(json!({"info": {"_postman_id": "x"}})), ErrorCode::SpecFormatUnsupported);
        assert_eq!(code(json!({"asyncapi": "2.6.0"})), ErrorCode::SpecFormatUnsupported);
        assert!(sniff_text("#%RAML 1.0\ntitle: x").is_some());
        assert!(sniff_text("FORMAT: 1A\nHOST: x").is_some());
        assert!(sniff_text("# Pets API\n## GET /pets\n+ Response 200 (application/json)\n").is_some());
        assert_eq!(code(json!({"info": {"name": "c"}, "item": []})), ErrorCode::SpecFormatUnsupported);
        assert!(sniff_text("<?xml version=\"1.0\"?><definitions/>").is_some());
        assert!(sniff_text("type Query {\n  a: Int\n}").is_some());
        assert!(sniff_text("type: object\n").is_none());
        assert!(sniff_text("syntax = \"proto3\";\npackage x;").is_some());
        let v1 = json!({"id": "x", "name": "n", "order": [], "requests": []});
        assert_eq!(code(v1), ErrorCode::SpecFormatUnsupported);
        assert!(sniff_text("openapi: 3.0.0\n").is_none());
    }
}
