//! Resolved documents → the normalised [`Spec`] model (2.0, 3.0 and 3.1 share this driver).

mod params;
mod security;
mod servers;
mod v2;
mod v3;

use std::rc::Rc;

use serde_json::{Map, Value};

use super::checks;
use super::intern::Interner;
use super::pointer;
use super::refs::{DocSet, Document, Loc, ROOT};
use crate::error::{ErrorCode, Result, SpecError, Warning};
use crate::model::{Dialect, Operation, SourceLines, Spec};

/// HTTP methods in the order operations are listed.
pub const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

static NULL: Value = Value::Null;

/// A node of one of the documents, kept alive while it is read. The pointer is looked up once: builders read
/// many fields of each node, and a lookup hashes every token of a long path key.
pub struct Node {
    /// Keeps the document (and so `value`) alive.
    _doc: Rc<Document>,
    value: *const Value,
    pub loc: Loc,
}

impl Node {
    fn new(doc: Rc<Document>, loc: Loc) -> Node {
        let value: *const Value = pointer::get(&doc.value, &loc.ptr).unwrap_or(&NULL);
        Node { _doc: doc, value, loc }
    }

    pub fn value(&self) -> &Value {
        // SAFETY: `value` points into the document held by `_doc` (or at the static NULL). Documents are never
        // mutated once loaded, and the Rc keeps this one alive at a fixed address for as long as `self` lives.
        unsafe { &*self.value }
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.value().get(key)
    }

    pub fn str(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Value::as_str)
    }

    pub fn bool(&self, key: &str) -> bool {
        self.get(key).and_then(Value::as_bool).unwrap_or(false)
    }
}

/// What the per-version builders share.
pub struct Ctx<'d> {
    pub docs: &'d DocSet<'d>,
    pub schemas: Interner<'d>,
    pub dialect: Dialect,
    pub warnings: Vec<Warning>,
    /// Links whose `operationRef` is resolved once every operation is known: (operation, response, link, ref).
    pub pending_links: Vec<(usize, usize, usize, String)>,
}

impl<'d> Ctx<'d> {
    pub fn node(&self, loc: &Loc) -> Node {
        Node::new(self.docs.doc(loc.doc), loc.clone())
    }

    /// The object at `loc` after following its `$ref`s.
    pub fn follow(&self, loc: &Loc) -> Result<Node> {
        let loc = self.docs.follow(loc.clone())?;
        Ok(self.node(&loc))
    }

    pub fn structure(&self, message: impl Into<String>, pointer: &str) -> SpecError {
        SpecError::at_pointer(ErrorCode::SpecStructureInvalid, message, pointer)
    }
}

/// The inputs of [`build`] that come from parsing the root document.
pub struct Root {
    pub source: String,
    pub version: String,
    pub dialect: Dialect,
    pub lines: SourceLines,
    pub warnings: Vec<Warning>,
    pub max_depth: usize,
}

pub fn build(docs: &DocSet<'_>, root_info: Root) -> Result<Spec> {
    let mut ctx = Ctx {
        docs,
        schemas: Interner::new(docs, root_info.dialect, root_info.max_depth),
        dialect: root_info.dialect,
        warnings: root_info.warnings,
        pending_links: Vec::new(),
    };
    let root_doc = docs.doc(ROOT);
    let empty = Map::new();
    let root = root_doc.value.as_object().unwrap_or(&empty);
    let info = root.get("info");
    if !info.is_some_and(Value::is_object) {
        return Err(ctx.structure("`info` (with `title` and `version`) is required", "/info"));
    }
    if ctx.dialect != Dialect::Oas31 && !root.contains_key("paths") {
        return Err(ctx.structure("`paths` is required", "/paths"));
    }
    let text = |key: &str| info.and_then(|i| i.get(key)).map(scalar_string).unwrap_or_default();
    let (title, api_version) = (text("title"), text("version"));

    let security_schemes = security::schemes(&ctx, root)?;
    let security = match root.get("security") {
        Some(v) => security::requirements(v, "/security")?,
        None => Vec::new(),
    };
    let servers = match ctx.dialect {
        Dialect::Swagger20 => servers::from_v2(root),
        _ => servers::root_v3(root.get("servers"))?,
    };
    let mut operations = operations(&mut ctx, root)?;
    v3::resolve_links(std::mem::take(&mut ctx.pending_links), &mut operations);
    checks::operation_ids(&operations)?;
    checks::security(&operations, &security, &security_schemes)?;
    let (schemas, schema_warnings) = ctx.schemas.finish()?;
    ctx.warnings.extend(schema_warnings);
    let lines = root_info.lines;
    Ok(Spec {
        source: root_info.source,
        version: root_info.version,
        dialect: root_info.dialect,
        title,
        api_version,
        servers,
        security_schemes,
        security,
        operations: operations
            .into_iter()
            .map(|mut op| {
                op.line = lines.line_of(&op.pointer);
                op
            })
            .collect(),
        warnings: ctx.warnings,
        schemas,
        lines,
    })
}

fn operations(ctx: &mut Ctx<'_>, root: &Map<String, Value>) -> Result<Vec<Operation>> {
    let mut out = Vec::new();
    let Some(paths) = root.get("paths") else { return Ok(out) };
    let Some(paths) = paths.as_object() else {
        return if paths.is_null() { Ok(out) } else { Err(ctx.structure("`paths` must be an object", "/paths")) };
    };
    for path in paths.keys() {
        if path.starts_with("x-") {
            continue;
        }
        let path_ptr = pointer::push("/paths", path);
        let template = checks::path_template(path, &path_ptr, &mut ctx.warnings)?;
        let item = ctx.follow(&Loc::root(path_ptr.clone()))?;
        match item.value() {
            Value::Object(_) => {}
            Value::Null => continue,
            _ => return Err(ctx.structure("a path item must be an object", &path_ptr)),
        }
        let shared = params::collect(ctx, &item.loc.child("parameters"), &format!("{path_ptr}/parameters"))?;
        for method in METHODS {
            let Some(op_value) = item.get(method) else { continue };
            let op_ptr = pointer::push(&path_ptr, method);
            if !op_value.is_object() {
                return Err(ctx.structure(format!("operation {method} must be an object"), &op_ptr));
            }
            // Not allowed by OpenAPI, but published multi-file specs put operations in files of their own.
            let op_node = ctx.follow(&item.loc.child(method))?;
            let own = params::collect(ctx, &op_node.loc.child("parameters"), &format!("{op_ptr}/parameters"))?;
            let raw_params = params::merge(shared.clone(), own);
            // Required in 2.0 and 3.0; optional since 3.1.
            let responses = op_node.value().get("responses");
            if ctx.dialect != Dialect::Oas31 && !responses.is_some_and(Value::is_object) {
                return Err(ctx.structure("an operation needs a `responses` object", &op_ptr));
            }
            let mut op = head(&op_node, path, method, &op_ptr)?;
            match ctx.dialect {
                Dialect::Swagger20 => v2::fill(ctx, &mut op, &op_node, raw_params, root)?,
                _ => {
                    v3::fill(ctx, &mut op, &op_node, raw_params, out.len())?;
                    op.servers = servers::override_v3(op_node.get("servers").or(item.get("servers")))?;
                }
            }
            checks::path_params(&op, &template, &mut ctx.warnings)?;
            out.push(op);
        }
    }
    Ok(out)
}

/// The fields 2.0 and 3.x operations share.
fn head(op: &Node, path: &str, method: &str, op_ptr: &str) -> Result<Operation> {
    let explicit = op.str("operationId").filter(|id| !id.is_empty());
    let tags = match op.get("tags") {
        Some(Value::Array(tags)) => tags.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
        _ => Vec::new(),
    };
    let security = match op.get("security") {
        Some(v) => Some(security::requirements(v, &format!("{op_ptr}/security"))?),
        None => None,
    };
    Ok(Operation {
        operation_id: explicit.map_or_else(|| format!("{} {path}", method.to_ascii_uppercase()), str::to_owned),
        has_explicit_id: explicit.is_some(),
        method: method.to_owned(),
        path: path.to_owned(),
        pointer: op_ptr.to_owned(),
        line: None,
        summary: op.str("summary").map(str::to_owned),
        tags,
        deprecated: op.bool("deprecated"),
        parameters: Vec::new(),
        request_body: None,
        responses: Vec::new(),
        security,
        servers: Vec::new(),
    })
}

/// `application/JSON; charset=utf-8` → `application/json`.
pub fn media_type(raw: &str) -> String {
    raw.split(';').next().unwrap_or("").trim().to_ascii_lowercase()
}

/// Response keys: `2xx` → `2XX`, `Default` → `default`.
pub fn status(raw: &str) -> String {
    let trimmed = raw.trim();
    if trimmed.eq_ignore_ascii_case("default") {
        "default".to_owned()
    } else {
        trimmed.to_ascii_uppercase()
    }
}

/// A scalar as text (versions and titles are sometimes numbers in YAML).
pub fn scalar_string(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests;
