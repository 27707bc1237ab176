//! OpenAPI 3.0/3.1 operations: parameters, request bodies, responses, headers, links, examples.

use indexmap::IndexMap;
use serde_json::Value;

use super::params::{self, RawParam};
use super::{media_type, status, Ctx, Node};
use crate::error::{ErrorCode, Result, Warning};
use crate::model::{Header, Link, MediaType, Operation, ParamLocation, Parameter, RequestBody, Response};
use crate::spec::pointer;
use crate::spec::refs::Loc;

/// Header parameters that OpenAPI 3 says to ignore (they are set from other fields).
const IGNORED_HEADERS: [&str; 3] = ["accept", "content-type", "authorization"];

pub fn fill(ctx: &mut Ctx<'_>, op: &mut Operation, node: &Node, raw: Vec<RawParam>, index: usize) -> Result<()> {
    for param in &raw {
        if let Some(p) = parameter(ctx, param)? {
            op.parameters.push(p);
        }
    }
    if node.get("requestBody").is_some() {
        let logical = format!("{}/requestBody", op.pointer);
        let body = ctx.follow(&node.loc.child("requestBody"))?;
        let content = content(ctx, &body.loc.child("content"), &format!("{logical}/content"))?;
        op.request_body = Some(RequestBody { required: body.bool("required"), content, pointer: logical });
    }
    if let Some(Value::Object(responses)) = node.get("responses") {
        for code in responses.keys().filter(|k| !k.starts_with("x-")) {
            let logical = pointer::push(&format!("{}/responses", op.pointer), code);
            let resp = ctx.follow(&node.loc.child("responses").child(code))?;
            let response = response(ctx, &resp, code, logical, (index, op.responses.len()))?;
            op.responses.push(response);
        }
    }
    Ok(())
}

fn parameter(ctx: &mut Ctx<'_>, raw: &RawParam) -> Result<Option<Parameter>> {
    let Some(location) = params::location(&raw.location) else {
        let msg = format!("parameter `in` must be path, query, header or cookie, found {:?}", raw.location);
        return Err(ctx.structure(msg, &raw.pointer));
    };
    if location == ParamLocation::Header && IGNORED_HEADERS.contains(&raw.name.to_ascii_lowercase().as_str()) {
        return Ok(None);
    }
    let node = ctx.node(&raw.node);
    let style = node.str("style").and_then(params::style).unwrap_or_else(|| params::default_style(location));
    let explode = node.get("explode").and_then(Value::as_bool).unwrap_or(style == crate::model::Style::Form);
    let (mut schema, mut media) = (None, None);
    if node.get("schema").is_some() {
        schema = Some(ctx.schemas.slot(&raw.node.child("schema"))?);
    } else if let Some(Value::Object(content)) = node.get("content") {
        if let Some(first) = content.keys().next() {
            media = Some(media_type(first));
            let mt = raw.node.child("content").child(first);
            if ctx.node(&mt).get("schema").is_some() {
                schema = Some(ctx.schemas.slot(&mt.child("schema"))?);
            }
        }
    }
    Ok(Some(Parameter {
        name: raw.name.clone(),
        location,
        required: location == ParamLocation::Path || node.bool("required"),
        deprecated: node.bool("deprecated"),
        style,
        explode,
        allow_reserved: node.bool("allowReserved"),
        schema,
        media_type: media,
        examples: examples(ctx, &raw.node)?,
        pointer: raw.pointer.clone(),
    }))
}

/// A `content` map: media types normalised, first one wins on duplicates.
fn content(ctx: &mut Ctx<'_>, loc: &Loc, logical: &str) -> Result<Vec<MediaType>> {
    let keys: Vec<String> = match ctx.node(loc).value() {
        Value::Object(map) => map.keys().cloned().collect(),
        _ => return Ok(Vec::new()),
    };
    let mut out: Vec<MediaType> = Vec::new();
    for key in keys {
        let normalised = media_type(&key);
        if out.iter().any(|m| m.media_type == normalised) {
            continue;
        }
        let mt = ctx.follow(&loc.child(&key))?;
        if !mt.value().is_object() {
            return Err(ctx.structure("a media type must be an object", &pointer::push(logical, &key)));
        }
        let schema = match mt.get("schema") {
            Some(_) => Some(ctx.schemas.slot(&mt.loc.child("schema"))?),
            None => None,
        };
        let mut encoding = IndexMap::new();
        if let Some(Value::Object(enc)) = mt.get("encoding") {
            for (prop, e) in enc {
                if let Some(ct) = e.get("contentType").and_then(Value::as_str) {
                    encoding.insert(prop.clone(), ct.to_owned());
                }
            }
        }
        let examples = examples(ctx, &mt.loc)?;
        out.push(MediaType { media_type: normalised, schema, examples, encoding });
    }
    Ok(out)
}

/// `example` and `examples.*.value` of a parameter or media type (`externalValue` is not fetched).
fn examples(ctx: &mut Ctx<'_>, loc: &Loc) -> Result<Vec<Value>> {
    let node = ctx.node(loc);
    let mut out = Vec::new();
    if let Some(example) = node.get("example") {
        out.push(example.clone());
    }
    if let Some(Value::Object(named)) = node.get("examples") {
        for name in named.keys() {
            let at = loc.child("examples").child(name);
            match ctx.follow(&at) {
                Ok(example) => {
                    if let Some(value) = example.get("value") {
                        out.push(value.clone());
                    }
                }
                // Examples are illustrations: a broken one is reported, not fatal.
                Err(err) => ctx.warnings.push(Warning::new(
                    ErrorCode::SpecRefIgnored,
                    format!("example not used: {}", err.message),
                    at.ptr.clone(),
                )),
            }
        }
    }
    Ok(out)
}

fn response(ctx: &mut Ctx<'_>, resp: &Node, code: &str, logical: String, at: (usize, usize)) -> Result<Response> {
    if !resp.value().is_object() {
        return Err(ctx.structure("a response must be an object", &logical));
    }
    let content = content(ctx, &resp.loc.child("content"), &format!("{logical}/content"))?;
    let mut headers = Vec::new();
    if let Some(Value::Object(map)) = resp.get("headers") {
        for name in map.keys() {
            if name.eq_ignore_ascii_case("content-type") {
                continue;
            }
            let header = ctx.follow(&resp.loc.child("headers").child(name))?;
            let schema = if header.get("schema").is_some() {
                Some(ctx.schemas.slot(&header.loc.child("schema"))?)
            } else if let Some(Value::Object(c)) = header.get("content") {
                match c.iter().next() {
                    Some((mt, v)) if v.get("schema").is_some() => {
                        Some(ctx.schemas.slot(&header.loc.child("content").child(mt).child("schema"))?)
                    }
                    _ => None,
                }
            } else {
                None
            };
            headers.push(Header { name: name.clone(), required: header.bool("required"), schema });
        }
    }
    let mut links = Vec::new();
    if let Some(Value::Object(map)) = resp.get("links") {
        for name in map.keys() {
            let link = ctx.follow(&resp.loc.child("links").child(name))?;
            let parameters = match link.get("parameters") {
                Some(Value::Object(p)) => p.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                _ => IndexMap::new(),
            };
            if let Some(reference) = link.str("operationRef") {
                ctx.pending_links.push((at.0, at.1, links.len(), reference.to_owned()));
            }
            links.push(Link {
                name: name.clone(),
                operation_id: link.str("operationId").map(str::to_owned),
                parameters,
                request_body: link.get("requestBody").cloned(),
            });
        }
    }
    Ok(Response {
        status: status(code),
        description: resp.str("description").map(str::to_owned),
        content,
        headers,
        links,
        pointer: logical,
    })
}

/// Set the target operationId of links that name a local operation by `operationRef`:
/// (operation, response, link, ref) as collected while the responses were built.
pub fn resolve_links(pending: Vec<(usize, usize, usize, String)>, operations: &mut [Operation]) {
    for (op, resp, link, reference) in pending {
        let local = reference.strip_prefix('#').and_then(pointer::from_fragment);
        let target = local.and_then(|ptr| operations.iter().find(|o| o.pointer == ptr)).map(|o| o.operation_id.clone());
        if let Some(target) = target {
            operations[op].responses[resp].links[link].operation_id = Some(target);
        }
    }
}
