//! Security schemes (3.x `components.securitySchemes`, 2.0 `securityDefinitions`) and requirements.

use indexmap::IndexMap;
use serde_json::{json, Map, Value};

use super::Ctx;
use crate::error::{snippet, ErrorCode, Result, SpecError};
use crate::model::{Dialect, ParamLocation, SecurityRequirement, SecurityScheme, SecuritySchemeKind};
use crate::spec::pointer;
use crate::spec::refs::Loc;

pub fn schemes(ctx: &Ctx<'_>, root: &Map<String, Value>) -> Result<IndexMap<String, SecurityScheme>> {
    let base = match ctx.dialect {
        Dialect::Swagger20 => "/securityDefinitions",
        _ => "/components/securitySchemes",
    };
    let container = match ctx.dialect {
        Dialect::Swagger20 => root.get("securityDefinitions"),
        _ => root.get("components").and_then(|c| c.get("securitySchemes")),
    };
    let names: Vec<String> = match container {
        Some(Value::Object(map)) => map.keys().filter(|k| !k.starts_with("x-")).cloned().collect(),
        _ => return Ok(IndexMap::new()),
    };
    let mut out = IndexMap::new();
    for name in names {
        let node = ctx.follow(&Loc::root(pointer::push(base, &name)))?;
        let ptr = pointer::push(base, &name);
        let Some(obj) = node.value().as_object() else {
            return Err(ctx.structure("a security scheme must be an object", &ptr));
        };
        let scheme = match ctx.dialect {
            Dialect::Swagger20 => v2(obj, &ptr)?,
            _ => v3(obj, &ptr)?,
        };
        out.insert(name, scheme);
    }
    Ok(out)
}

fn empty(kind: SecuritySchemeKind) -> SecurityScheme {
    SecurityScheme {
        kind,
        name: None,
        location: None,
        scheme: None,
        bearer_format: None,
        flows: None,
        open_id_connect_url: None,
    }
}

fn text(obj: &Map<String, Value>, key: &str) -> Option<String> {
    obj.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn structure(message: String, ptr: &str) -> SpecError {
    SpecError::at_pointer(ErrorCode::SpecStructureInvalid, message, ptr)
}

fn api_key(obj: &Map<String, Value>, ptr: &str) -> Result<SecurityScheme> {
    let location = match obj.get("in").and_then(Value::as_str) {
        Some("query") => ParamLocation::Query,
        Some("header") => ParamLocation::Header,
        Some("cookie") => ParamLocation::Cookie,
        other => {
            return Err(structure(format!("apiKey `in` must be query, header or cookie, found {other:?}"), ptr));
        }
    };
    Ok(SecurityScheme { name: text(obj, "name"), location: Some(location), ..empty(SecuritySchemeKind::ApiKey) })
}

fn v3(obj: &Map<String, Value>, ptr: &str) -> Result<SecurityScheme> {
    let kind = obj.get("type").and_then(Value::as_str).unwrap_or("");
    Ok(match kind {
        "apiKey" => api_key(obj, ptr)?,
        "http" => SecurityScheme {
            scheme: text(obj, "scheme").map(|s| s.to_ascii_lowercase()),
            bearer_format: text(obj, "bearerFormat"),
            ..empty(SecuritySchemeKind::Http)
        },
        "oauth2" => SecurityScheme { flows: obj.get("flows").cloned(), ..empty(SecuritySchemeKind::OAuth2) },
        "openIdConnect" => SecurityScheme {
            open_id_connect_url: text(obj, "openIdConnectUrl"),
            ..empty(SecuritySchemeKind::OpenIdConnect)
        },
        "mutualTLS" => empty(SecuritySchemeKind::MutualTls),
        other => return Err(structure(format!("unknown security scheme type {}", snippet(other)), ptr)),
    })
}

fn v2(obj: &Map<String, Value>, ptr: &str) -> Result<SecurityScheme> {
    let kind = obj.get("type").and_then(Value::as_str).unwrap_or("");
    Ok(match kind {
        "basic" => SecurityScheme { scheme: Some("basic".to_owned()), ..empty(SecuritySchemeKind::Http) },
        "apiKey" => api_key(obj, ptr)?,
        "oauth2" => SecurityScheme { flows: Some(v2_flows(obj)), ..empty(SecuritySchemeKind::OAuth2) },
        other => return Err(structure(format!("unknown security definition type {}", snippet(other)), ptr)),
    })
}

/// 2.0 `flow` + urls + scopes → the 3.x `flows` object.
fn v2_flows(obj: &Map<String, Value>) -> Value {
    let scopes = obj.get("scopes").cloned().unwrap_or_else(|| json!({}));
    let url = |key: &str| obj.get(key).cloned().unwrap_or(Value::Null);
    let (name, flow) = match obj.get("flow").and_then(Value::as_str).unwrap_or("") {
        "implicit" => ("implicit", json!({"authorizationUrl": url("authorizationUrl"), "scopes": scopes})),
        "password" => ("password", json!({"tokenUrl": url("tokenUrl"), "scopes": scopes})),
        "application" => ("clientCredentials", json!({"tokenUrl": url("tokenUrl"), "scopes": scopes})),
        "accessCode" => (
            "authorizationCode",
            json!({"authorizationUrl": url("authorizationUrl"), "tokenUrl": url("tokenUrl"), "scopes": scopes}),
        ),
        _ => return json!({}),
    };
    let mut flows = Map::new();
    flows.insert(name.to_owned(), flow);
    Value::Object(flows)
}

/// A `security` array: scheme name → scopes per requirement.
pub fn requirements(value: &Value, ptr: &str) -> Result<Vec<SecurityRequirement>> {
    let Value::Array(items) = value else {
        return Err(structure("`security` must be an array".to_owned(), ptr));
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let Value::Object(map) = item else {
            return Err(structure("a security requirement must be an object".to_owned(), &format!("{ptr}/{i}")));
        };
        let requirement: SecurityRequirement = map
            .iter()
            .map(|(name, scopes)| {
                let scopes = match scopes {
                    Value::Array(s) => s.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
                    _ => Vec::new(),
                };
                (name.clone(), scopes)
            })
            .collect();
        out.push(requirement);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v2_definitions_become_3x_shapes() {
        let basic = v2(json!({"type": "basic"}).as_object().unwrap(), "").unwrap();
        assert_eq!((basic.kind, basic.scheme.as_deref()), (SecuritySchemeKind::Http, Some("basic")));
        let oauth = json!({"type": "oauth2", "flow": "accessCode", "authorizationUrl": "a", "tokenUrl": "t",
                           "scopes": {"read": "r"}});
        let oauth = v2(oauth.as_object().unwrap(), "").unwrap();
        assert_eq!(
            oauth.flows.unwrap(),
            json!({"authorizationCode": {"authorizationUrl": "a", "tokenUrl": "t", "scopes": {"read": "r"}}})
        );
        let app = v2(json!({"type": "oauth2", "flow": "application", "tokenUrl": "t"}).as_object().unwrap(), "");
        assert!(app.unwrap().flows.unwrap().get("clientCredentials").is_some());
    }

    #[test]
    fn v3_schemes() {
        let http = v3(json!({"type": "http", "scheme": "Bearer", "bearerFormat": "JWT"}).as_object().unwrap(), "");
        assert_eq!(http.unwrap().scheme.as_deref(), Some("bearer"));
        let key = v3(json!({"type": "apiKey", "in": "cookie", "name": "sid"}).as_object().unwrap(), "").unwrap();
        assert_eq!(key.location, Some(ParamLocation::Cookie));
    }

    #[test]
    fn requirement_lists() {
        let reqs = requirements(&json!([{}, {"oauth": ["read", "write"]}]), "/security").unwrap();
        assert!(reqs[0].is_empty());
        assert_eq!(reqs[1]["oauth"], ["read", "write"]);
        assert!(requirements(&json!({}), "/security").is_err());
    }
}
