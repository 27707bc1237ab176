//! The normalised API model: what Swagger 2.0, OpenAPI 3.0 and 3.1 documents all become.
//!
//! The loader (`spec/`) builds it; the schema compiler (`schema/`), generators (`datagen/`, `cases`) and the Python
//! side read it. Schemas are not inlined: every schema the operations use lives once in [`SchemaStore`] and is
//! referred to by [`SchemaId`], which keeps recursive schemas finite and large specs small.

use indexmap::IndexMap;
use serde::Serialize;
use serde_json::Value;

use crate::error::Warning;

/// Index into [`SchemaStore::entries`].
pub type SchemaId = u32;

/// Which rules the schemas follow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    /// Swagger 2.0: a JSON Schema draft 4 subset; `x-nullable` has been turned into `nullable` by the loader.
    Swagger20,
    /// OpenAPI 3.0: draft 4/5 subset plus `nullable`, boolean `exclusiveMinimum`/`exclusiveMaximum`.
    Oas30,
    /// OpenAPI 3.1: JSON Schema 2020-12.
    Oas31,
}

impl Dialect {
    /// 2.0 and 3.0 share the schema rules (nullable, boolean exclusive bounds, `$ref` siblings ignored).
    pub fn is_legacy(self) -> bool {
        !matches!(self, Dialect::Oas31)
    }
}

/// Every schema reachable from the operations.
///
/// `value` is the schema object as written, with two rewrites done by the loader:
/// * every `"$ref": "<string>"` inside it is replaced by `"$ref": <number>`, the [`SchemaId`] of the target
///   (a `$ref` inside a vendor extension `x-*` is left alone);
/// * `discriminator.mapping` values are replaced by the [`SchemaId`] numbers of their targets.
///
/// Sub-schemas written inline stay inline. In 2.0/3.0 a schema whose only content is a `$ref` has been replaced by
/// its target's id wherever it is referenced, so chains of pure refs never reach the compiler.
#[derive(Clone, Debug, Default, Serialize)]
pub struct SchemaStore {
    pub entries: Vec<SchemaEntry>,
}

#[derive(Clone, Debug, Serialize)]
pub struct SchemaEntry {
    /// Where the schema came from: `#/components/schemas/Pet`, `other.yaml#/Pet`, or the pointer of an inline
    /// schema (`#/paths/~1pets/get/parameters/0/schema`). Used in labels, violations and reports.
    pub pointer: String,
    /// Component name when the schema is a named component (`Pet`), else None.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub value: Value,
}

impl SchemaStore {
    pub fn get(&self, id: SchemaId) -> Option<&SchemaEntry> {
        self.entries.get(id as usize)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Spec {
    /// Display name of the root document (file name or URL).
    pub source: String,
    /// The literal `swagger`/`openapi` value, e.g. "2.0", "3.0.3", "3.1.0".
    pub version: String,
    pub dialect: Dialect,
    pub title: String,
    pub api_version: String,
    /// 3.x `servers`, or one server built from 2.0 `schemes`/`host`/`basePath`.
    pub servers: Vec<Server>,
    pub security_schemes: IndexMap<String, SecurityScheme>,
    /// Global security requirements (empty = none).
    pub security: Vec<SecurityRequirement>,
    /// In document order (paths in order, methods in the order get, put, post, delete, options, head, patch, trace).
    pub operations: Vec<Operation>,
    pub warnings: Vec<Warning>,
    #[serde(skip)]
    pub schemas: SchemaStore,
    /// 1-based line of a JSON pointer in the root document, where known (used to point reports into the file).
    #[serde(skip)]
    pub lines: SourceLines,
}

/// Lines of selected JSON pointers of the root document (paths, operations, parameters, responses, components).
#[derive(Clone, Debug, Default)]
pub struct SourceLines {
    pub by_pointer: std::collections::HashMap<String, u32>,
}

impl SourceLines {
    /// Line of `pointer`, or of its nearest recorded ancestor.
    pub fn line_of(&self, pointer: &str) -> Option<u32> {
        let mut p = pointer;
        loop {
            if let Some(line) = self.by_pointer.get(p) {
                return Some(*line);
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => return None,
            }
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Server {
    pub url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub variables: IndexMap<String, ServerVariable>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ServerVariable {
    pub default: String,
    #[serde(rename = "enum", skip_serializing_if = "Vec::is_empty")]
    pub enum_values: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum SecuritySchemeKind {
    ApiKey,
    Http,
    #[serde(rename = "oauth2")]
    OAuth2,
    OpenIdConnect,
    MutualTls,
}

#[derive(Clone, Debug, Serialize)]
pub struct SecurityScheme {
    #[serde(rename = "type")]
    pub kind: SecuritySchemeKind,
    /// apiKey: the header/query/cookie name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// apiKey: where the key goes.
    #[serde(rename = "in", skip_serializing_if = "Option::is_none")]
    pub location: Option<ParamLocation>,
    /// http: lower-cased scheme ("basic", "bearer", ...). 2.0 `basic` becomes http/basic.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheme: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bearer_format: Option<String>,
    /// oauth2 flows as written (2.0 flows converted to the 3.x shape).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flows: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub open_id_connect_url: Option<String>,
}

/// Scheme name → scopes. An empty requirement (`{}`) means "anonymous allowed".
pub type SecurityRequirement = IndexMap<String, Vec<String>>;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ParamLocation {
    Path,
    Query,
    Header,
    Cookie,
}

impl ParamLocation {
    pub fn as_str(self) -> &'static str {
        match self {
            ParamLocation::Path => "path",
            ParamLocation::Query => "query",
            ParamLocation::Header => "header",
            ParamLocation::Cookie => "cookie",
        }
    }
}

/// Parameter serialisation style (OpenAPI 3 names; 2.0 `collectionFormat` is mapped onto these).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Style {
    Simple,
    Form,
    Label,
    Matrix,
    SpaceDelimited,
    PipeDelimited,
    DeepObject,
    /// 2.0 `collectionFormat: tsv`.
    TabDelimited,
}

#[derive(Clone, Debug, Serialize)]
pub struct Operation {
    /// `operationId`, or `"{METHOD} {path}"` when the spec gives none (then `has_explicit_id` is false).
    pub operation_id: String,
    pub has_explicit_id: bool,
    /// Lower case: get, put, post, delete, options, head, patch, trace.
    pub method: String,
    /// Path template as written, e.g. `/pets/{petId}`.
    pub path: String,
    /// JSON pointer of the operation object, e.g. `/paths/~1pets~1{petId}/get`.
    pub pointer: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    pub tags: Vec<String>,
    pub deprecated: bool,
    /// Path-level and operation-level parameters merged (operation wins on name+in); 2.0 body/formData removed.
    pub parameters: Vec<Parameter>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_body: Option<RequestBody>,
    pub responses: Vec<Response>,
    /// None: the global requirements apply. Some(vec![]): explicitly no security.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security: Option<Vec<SecurityRequirement>>,
    /// Operation- or path-level servers overriding the global ones.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub servers: Vec<Server>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Parameter {
    pub name: String,
    #[serde(rename = "in")]
    pub location: ParamLocation,
    pub required: bool,
    pub deprecated: bool,
    pub style: Style,
    pub explode: bool,
    pub allow_reserved: bool,
    /// None only for a `content`-based parameter without schema.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema: Option<SchemaId>,
    /// Set for `content`-based parameters (the value is serialised with this media type, usually JSON).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// `example` and `examples.*.value` of the parameter (not of its schema).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub examples: Vec<Value>,
    pub pointer: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct RequestBody {
    pub required: bool,
    /// In document order. 2.0 `body` uses `consumes` (default application/json); 2.0 `formData` becomes one
    /// object schema under application/x-www-form-urlencoded or multipart/form-data (when a `file` is present
    /// or `consumes` says so).
    pub content: Vec<MediaType>,
    pub pointer: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct MediaType {
    /// Lower-cased, parameters stripped: `application/json`, `multipart/form-data`.
    pub media_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema: Option<SchemaId>,
    /// `example` and `examples.*.value` of the media type object.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub examples: Vec<Value>,
    /// Multipart/form encoding per property: content type of the part.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub encoding: IndexMap<String, String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Response {
    /// "200", "2XX" (upper-cased X), or "default".
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub content: Vec<MediaType>,
    pub headers: Vec<Header>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
    pub pointer: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Header {
    /// As written; compare case-insensitively.
    pub name: String,
    pub required: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema: Option<SchemaId>,
}

/// An OpenAPI 3 link: how a value from this response feeds another operation.
#[derive(Clone, Debug, Serialize)]
pub struct Link {
    pub name: String,
    /// Target operationId (resolved from `operationRef` when possible).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_id: Option<String>,
    /// Parameter name → runtime expression or constant, as written.
    pub parameters: IndexMap<String, Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_body: Option<Value>,
}
