//! Hand-built specs for integration tests (the spec loader is developed separately).
#![allow(dead_code)]

use agent_core::model::{Dialect, MediaType, Operation, ParamLocation, Parameter, RequestBody, SchemaId, Spec, Style};
use agent_core::schema::testing::StoreBuilder;
use agent_core::schema::{compile, Compiled};
use indexmap::IndexMap;
use serde_json::Value;

pub fn param(name: &str, location: ParamLocation, required: bool, schema: SchemaId) -> Parameter {
    Parameter {
        name: name.into(),
        location,
        required,
        deprecated: false,
        style: if location == ParamLocation::Query { Style::Form } else { Style::Simple },
        explode: location == ParamLocation::Query,
        allow_reserved: false,
        schema: Some(schema),
        media_type: None,
        examples: vec![],
        pointer: format!("#/paths/~1x/get/parameters/{name}"),
    }
}

pub fn json_body(required: bool, schema: SchemaId) -> RequestBody {
    RequestBody {
        required,
        content: vec![MediaType {
            media_type: "application/json".into(),
            schema: Some(schema),
            examples: vec![],
            encoding: IndexMap::new(),
        }],
        pointer: "#/paths/~1x/post/requestBody".into(),
    }
}

pub fn operation(
    id: &str,
    method: &str,
    path: &str,
    parameters: Vec<Parameter>,
    body: Option<RequestBody>,
) -> Operation {
    Operation {
        operation_id: id.into(),
        has_explicit_id: true,
        method: method.into(),
        path: path.into(),
        pointer: format!("/paths/{}/{method}", path.replace('/', "~1")),
        line: None,
        summary: None,
        tags: vec![],
        deprecated: false,
        parameters,
        request_body: body,
        responses: vec![],
        security: None,
        servers: vec![],
    }
}

/// A spec over named component schemas (ids in document order) and operations.
pub fn spec(dialect: Dialect, components: Value, operations: Vec<Operation>) -> (Spec, Compiled) {
    let store = StoreBuilder::new(dialect).components(components).build();
    let (compiled, _) = compile(&store, dialect).expect("fixture compiles");
    let spec = Spec {
        source: "fixture".into(),
        version: match dialect {
            Dialect::Swagger20 => "2.0".into(),
            Dialect::Oas30 => "3.0.3".into(),
            Dialect::Oas31 => "3.1.0".into(),
        },
        dialect,
        title: "fixture".into(),
        api_version: "1".into(),
        servers: vec![],
        security_schemes: IndexMap::new(),
        security: vec![],
        operations,
        warnings: vec![],
        schemas: store,
        lines: Default::default(),
    };
    (spec, compiled)
}
