//! Swagger 2.0 operations: typed parameters become schemas, `body`/`formData` become request bodies,
//! response `schema`s go under `produces`.

use indexmap::IndexMap;
use serde_json::{Map, Value};

use super::params::{self, RawParam};
use super::{media_type, status, Ctx, Node};
use crate::error::Result;
use crate::model::{Header, MediaType, Operation, Parameter, RequestBody, Response};
use crate::spec::intern::object_schema;
use crate::spec::pointer;

/// Fields of a 2.0 parameter, header or items object that are JSON Schema keywords.
const SCHEMA_FIELDS: [&str; 17] = [
    "type",
    "format",
    "enum",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "pattern",
    "minItems",
    "maxItems",
    "uniqueItems",
    "multipleOf",
    "default",
    "description",
    "$ref",
];

const FORM: &str = "application/x-www-form-urlencoded";
const MULTIPART: &str = "multipart/form-data";

pub fn fill(
    ctx: &mut Ctx<'_>,
    op: &mut Operation,
    node: &Node,
    raw: Vec<RawParam>,
    root: &Map<String, Value>,
) -> Result<()> {
    let consumes = media_list(node.get("consumes").or(root.get("consumes")));
    let produces = media_list(node.get("produces").or(root.get("produces")));
    let mut body: Option<&RawParam> = None;
    let mut form: Vec<&RawParam> = Vec::new();
    for param in &raw {
        match param.location.as_str() {
            "body" => {
                body.get_or_insert(param);
            }
            "formData" => form.push(param),
            _ => op.parameters.push(parameter(ctx, param)?),
        }
    }
    if let Some(body) = body {
        let bnode = ctx.node(&body.node);
        let schema = match bnode.get("schema") {
            Some(_) => Some(ctx.schemas.slot(&body.node.child("schema"))?),
            None => None,
        };
        let content = consumes
            .iter()
            .map(|m| MediaType { media_type: m.clone(), schema, examples: Vec::new(), encoding: IndexMap::new() })
            .collect();
        op.request_body =
            Some(RequestBody { required: bnode.bool("required"), content, pointer: body.pointer.clone() });
    } else if !form.is_empty() {
        op.request_body = Some(form_body(ctx, op, node, &form, &consumes)?);
    }
    if let Some(Value::Object(responses)) = node.get("responses") {
        for code in responses.keys().filter(|k| !k.starts_with("x-")) {
            let logical = pointer::push(&format!("{}/responses", op.pointer), code);
            let resp = ctx.follow(&node.loc.child("responses").child(code))?;
            op.responses.push(response(ctx, &resp, code, logical, &produces)?);
        }
    }
    Ok(())
}

/// `consumes`/`produces`, normalised; application/json when absent or empty.
fn media_list(value: Option<&Value>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    if let Some(Value::Array(items)) = value {
        for m in items.iter().filter_map(Value::as_str).map(media_type) {
            if !m.is_empty() && !out.contains(&m) {
                out.push(m);
            }
        }
    }
    if out.is_empty() {
        out.push("application/json".to_owned());
    }
    out
}

fn parameter(ctx: &mut Ctx<'_>, raw: &RawParam) -> Result<Parameter> {
    let Some(location) = params::location(&raw.location).filter(|l| *l != crate::model::ParamLocation::Cookie) else {
        let msg = format!("parameter `in` must be path, query, header, body or formData, found {:?}", raw.location);
        return Err(ctx.structure(msg, &raw.pointer));
    };
    let node = ctx.node(&raw.node);
    let obj = node.value().as_object().cloned().unwrap_or_default();
    let (style, explode) = if obj.get("type").and_then(Value::as_str) == Some("array") {
        params::collection_format(obj.get("collectionFormat").and_then(Value::as_str), location)
    } else {
        let style = params::default_style(location);
        (style, style == crate::model::Style::Form)
    };
    let schema = ctx.schemas.synthetic(raw.node.clone(), schema_of(&obj))?;
    Ok(Parameter {
        name: raw.name.clone(),
        location,
        required: location == crate::model::ParamLocation::Path || node.bool("required"),
        deprecated: node.bool("deprecated"),
        style,
        explode,
        allow_reserved: false,
        schema: Some(schema),
        media_type: None,
        examples: obj.get("x-example").into_iter().cloned().collect(),
        pointer: raw.pointer.clone(),
    })
}

/// The JSON Schema equivalent of a 2.0 parameter, header or items object.
pub fn schema_of(obj: &Map<String, Value>) -> Value {
    let mut schema = Map::new();
    for key in SCHEMA_FIELDS {
        if let Some(v) = obj.get(key) {
            schema.insert(key.to_owned(), v.clone());
        }
    }
    if let Some(nullable) = obj.get("x-nullable") {
        schema.insert("nullable".to_owned(), nullable.clone());
    }
    if schema.get("type").and_then(Value::as_str) == Some("file") {
        schema.insert("type".to_owned(), Value::from("string"));
        schema.insert("format".to_owned(), Value::from("binary"));
    }
    if let Some(Value::Object(items)) = obj.get("items") {
        schema.insert("items".to_owned(), schema_of(items));
    }
    Value::Object(schema)
}

/// All `formData` parameters as one object schema.
fn form_body(
    ctx: &mut Ctx<'_>,
    op: &Operation,
    node: &Node,
    form: &[&RawParam],
    consumes: &[String],
) -> Result<RequestBody> {
    let mut properties = Map::new();
    let mut required = Vec::new();
    let mut has_file = false;
    for param in form {
        let pnode = ctx.node(&param.node);
        let obj = pnode.value().as_object().cloned().unwrap_or_default();
        has_file |= obj.get("type").and_then(Value::as_str) == Some("file");
        if pnode.bool("required") {
            required.push(Value::from(param.name.clone()));
        }
        properties.insert(param.name.clone(), schema_of(&obj));
    }
    let media = if has_file || consumes.iter().any(|m| m == MULTIPART) { MULTIPART } else { FORM };
    let any_required = !required.is_empty();
    let schema = ctx.schemas.synthetic(node.loc.child("parameters"), object_schema(properties, required))?;
    Ok(RequestBody {
        required: any_required,
        content: vec![MediaType {
            media_type: media.to_owned(),
            schema: Some(schema),
            examples: Vec::new(),
            encoding: IndexMap::new(),
        }],
        pointer: format!("{}/parameters", op.pointer),
    })
}

fn response(ctx: &mut Ctx<'_>, resp: &Node, code: &str, logical: String, produces: &[String]) -> Result<Response> {
    if !resp.value().is_object() {
        return Err(ctx.structure("a response must be an object", &logical));
    }
    let mut content = Vec::new();
    if resp.get("schema").is_some() {
        let schema = ctx.schemas.slot(&resp.loc.child("schema"))?;
        let examples = resp.get("examples").and_then(Value::as_object);
        for media in produces {
            let example = examples.and_then(|e| e.iter().find(|(k, _)| media_type(k) == *media)).map(|(_, v)| v);
            content.push(MediaType {
                media_type: media.clone(),
                schema: Some(schema),
                examples: example.into_iter().cloned().collect(),
                encoding: IndexMap::new(),
            });
        }
    }
    let mut headers = Vec::new();
    if let Some(Value::Object(map)) = resp.get("headers") {
        for (name, header) in map {
            let obj = header.as_object().cloned().unwrap_or_default();
            let schema = ctx.schemas.synthetic(resp.loc.child("headers").child(name), schema_of(&obj))?;
            headers.push(Header { name: name.clone(), required: false, schema: Some(schema) });
        }
    }
    Ok(Response {
        status: status(code),
        description: resp.str("description").map(str::to_owned),
        content,
        headers,
        links: Vec::new(),
        pointer: logical,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn typed_parameters_become_schemas() {
        let p = json!({"name": "f", "in": "formData", "type": "file", "x-nullable": true, "required": true});
        assert_eq!(schema_of(p.as_object().unwrap()), json!({"type": "string", "format": "binary", "nullable": true}));
        let p = json!({"type": "array", "collectionFormat": "csv", "items": {"type": "integer", "minimum": 1,
                       "collectionFormat": "pipes"}, "maxItems": 3});
        assert_eq!(
            schema_of(p.as_object().unwrap()),
            json!({"type": "array", "maxItems": 3, "items": {"type": "integer", "minimum": 1}})
        );
    }

    #[test]
    fn media_lists_default_to_json() {
        assert_eq!(media_list(None), ["application/json"]);
        assert_eq!(
            media_list(Some(&json!(["Application/XML; charset=utf-8", "application/xml"]))),
            ["application/xml"]
        );
    }
}
