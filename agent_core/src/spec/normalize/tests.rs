//! Normalisation rules, each on a small inline document.

use serde_json::{json, Value};

use crate::error::ErrorCode;
use crate::model::{ParamLocation, SecuritySchemeKind, Spec, Style};
use crate::spec::{load, Base, Input, LoadOptions, Result};

fn load_str(src: &str) -> Result<Spec> {
    let input = Input { bytes: src.as_bytes(), name: "spec.yaml".into(), base: Base::None };
    load(input, &LoadOptions::default(), &crate::spec::FsSource, None)
}

fn ok(src: &str) -> Spec {
    load_str(src).unwrap_or_else(|e| panic!("{e}"))
}

fn err(src: &str) -> ErrorCode {
    load_str(src).map(|_| ()).unwrap_err().code
}

fn schema(spec: &Spec, id: Option<u32>) -> &Value {
    &spec.schemas.get(id.expect("a schema")).unwrap().value
}

const V3: &str = "openapi: 3.0.3\ninfo: {title: Pets, version: 1.2}\n";
const V31: &str = "openapi: 3.1.0\ninfo: {title: t, version: '1'}\n";
const V2: &str = "swagger: '2.0'\ninfo: {title: Pets, version: '1'}\n";

#[test]
fn v3_parameters_merge_and_default_styles() {
    let spec = ok(&format!(
        "{V3}paths:\n  /pets/{{id}}:\n    parameters:\n      - {{name: id, in: path, schema: {{type: integer}}}}\n      \
         - {{name: q, in: query, schema: {{type: string}}}}\n    get:\n      parameters:\n        \
         - {{name: q, in: query, required: true, style: pipeDelimited, schema: {{type: array}}}}\n        \
         - {{name: X-Trace, in: header, schema: {{type: string}}}}\n        - {{name: Accept, in: header, schema: {{}}}}\n        \
         - {{name: sid, in: cookie, example: abc, examples: {{a: {{value: x}}, b: {{externalValue: 'http://x'}}}}, \
         schema: {{type: string}}}}\n        - {{name: f, in: query, content: {{Application/JSON: {{schema: {{type: object}}}}}}}}\n      \
         responses: {{'200': {{description: ok}}}}\n"
    ));
    let op = &spec.operations[0];
    let names: Vec<&str> = op.parameters.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["id", "q", "X-Trace", "sid", "f"]);
    let id = &op.parameters[0];
    assert!(id.required && id.style == Style::Simple && !id.explode && id.location == ParamLocation::Path);
    let q = &op.parameters[1];
    assert!(q.required && q.style == Style::PipeDelimited && !q.explode);
    assert_eq!(q.pointer, "/paths/~1pets~1{id}/get/parameters/0");
    let sid = &op.parameters[3];
    assert!(sid.style == Style::Form && sid.explode);
    assert_eq!(sid.examples, [json!("abc"), json!("x")]);
    assert_eq!(op.parameters[4].media_type.as_deref(), Some("application/json"));
    assert_eq!(schema(&spec, op.parameters[4].schema), &json!({"type": "object"}));
    assert_eq!(spec.api_version, "1.2");
}

#[test]
fn v3_bodies_responses_headers_links() {
    let spec = ok(&format!(
        "{V3}paths:\n  /pets:\n    post:\n      operationId: add\n      requestBody:\n        required: true\n        \
         content:\n          'application/json; charset=utf-8': {{schema: {{type: object}}, example: {{a: 1}}}}\n          \
         Multipart/Form-Data: {{schema: {{type: object}}, encoding: {{img: {{contentType: image/png}}}}}}\n      \
         responses:\n        2xx:\n          description: fine\n          headers:\n            X-Rate: {{schema: {{type: integer}}, \
         required: true}}\n            Content-Type: {{schema: {{type: string}}}}\n          links:\n            \
         byId: {{operationRef: '#/paths/~1pets~1{{id}}/get', parameters: {{id: '$response.body#/id'}}}}\n            \
         other: {{operationId: add}}\n        Default: {{description: err}}\n  /pets/{{id}}:\n    get:\n      \
         parameters: [{{name: id, in: path, required: true, schema: {{type: string}}}}]\n      \
         responses: {{'200': {{description: ok}}}}\n"
    ));
    let post = &spec.operations[0];
    let body = post.request_body.as_ref().unwrap();
    assert!(body.required);
    let types: Vec<&str> = body.content.iter().map(|m| m.media_type.as_str()).collect();
    assert_eq!(types, ["application/json", "multipart/form-data"]);
    assert_eq!(body.content[0].examples, [json!({"a": 1})]);
    assert_eq!(body.content[1].encoding["img"], "image/png");
    let statuses: Vec<&str> = post.responses.iter().map(|r| r.status.as_str()).collect();
    assert_eq!(statuses, ["2XX", "default"]);
    let ok = &post.responses[0];
    assert_eq!(ok.headers.len(), 1);
    assert!(ok.headers[0].required);
    assert_eq!(ok.links[0].operation_id.as_deref(), Some("GET /pets/{id}"));
    assert_eq!(ok.links[0].parameters["id"], "$response.body#/id");
    assert_eq!(ok.links[1].operation_id.as_deref(), Some("add"));
    assert_eq!(spec.operations[1].operation_id, "GET /pets/{id}");
    assert!(!spec.operations[1].has_explicit_id);
}

#[test]
fn operations_in_method_order_without_webhooks_or_callbacks() {
    let spec = ok(&format!(
        "{V31}paths:\n  /b:\n    post: {{responses: {{'201': {{description: x, \
         }}}}, callbacks: {{cb: {{'{{$request.body#/u}}': {{post: {{responses: {{'200': {{description: x}}}}}}}}}}}}}}\n    \
         get: {{responses: {{'200': {{description: x}}}}}}\n    x-extra: {{get: 1}}\n  /a:\n    trace: {{responses: {{}}}}\n    \
         delete: {{responses: {{}}}}\nwebhooks:\n  ping: {{post: {{responses: {{'200': {{description: x}}}}}}}}\n"
    ));
    let order: Vec<String> = spec.operations.iter().map(|o| o.operation_id.clone()).collect();
    assert_eq!(order, ["GET /b", "POST /b", "DELETE /a", "TRACE /a"]);
}

#[test]
fn security_and_servers_v3() {
    let spec = ok(&format!(
        "{V3}servers:\n  - url: 'https://{{env}}.x.com'\n    variables: {{env: {{default: api}}}}\nsecurity: [{{key: []}}]\n\
         components:\n  securitySchemes:\n    key: {{type: apiKey, in: header, name: X-Key}}\n    \
         oidc: {{type: openIdConnect, openIdConnectUrl: 'https://x/.well-known'}}\npaths:\n  /a:\n    servers: [{{url: /v2}}]\n    \
         get: {{security: [], responses: {{'200': {{description: x}}}}}}\n    put: {{security: [{{}}, {{oidc: [a]}}], \
         responses: {{'200': {{description: x}}}}}}\n"
    ));
    assert_eq!(spec.servers[0].variables["env"].default, "api");
    assert_eq!(spec.security_schemes["key"].kind, SecuritySchemeKind::ApiKey);
    assert_eq!(spec.security[0]["key"], Vec::<String>::new());
    assert_eq!(spec.operations[0].security, Some(vec![]));
    assert_eq!(spec.operations[0].servers[0].url, "/v2");
    assert_eq!(spec.operations[1].security.as_ref().unwrap()[1]["oidc"], ["a"]);
}

#[test]
fn v2_parameters_bodies_and_responses() {
    let spec = ok(&format!(
        "{V2}host: api.x.com\nbasePath: /v1\nschemes: [http]\nconsumes: [application/json, application/xml]\n\
         produces: [application/json]\nparameters:\n  limit: {{name: limit, in: query, type: integer, minimum: 1, \
         x-nullable: true}}\npaths:\n  /pets:\n    get:\n      parameters:\n        - $ref: '#/parameters/limit'\n        \
         - {{name: tags, in: query, type: array, items: {{type: string}}, collectionFormat: multi}}\n        \
         - {{name: ids, in: header, type: array, items: {{type: integer}}}}\n      responses:\n        200:\n          \
         description: ok\n          schema: {{type: array, items: {{$ref: '#/definitions/Pet'}}}}\n          \
         headers: {{X-Next: {{type: string, format: uri}}}}\n    post:\n      \
         parameters: [{{name: body, in: body, required: true, schema: {{$ref: '#/definitions/Pet'}}}}]\n      \
         responses: {{201: {{description: created}}}}\n  /pets/{{id}}/photo:\n    put:\n      consumes: [multipart/form-data]\n      \
         parameters:\n        - {{name: id, in: path, type: string}}\n        \
         - {{name: file, in: formData, type: file, required: true}}\n        - {{name: note, in: formData, type: string}}\n      \
         responses: {{200: {{description: x, schema: {{type: file}}}}}}\n  /login:\n    post:\n      \
         parameters: [{{name: user, in: formData, type: string, required: true}}]\n      \
         responses: {{200: {{description: x}}}}\ndefinitions:\n  Pet: {{type: object, properties: {{name: {{type: string, \
         x-nullable: true}}}}}}\n"
    ));
    assert_eq!(spec.servers[0].url, "http://api.x.com/v1");
    let get = &spec.operations[0];
    assert_eq!(schema(&spec, get.parameters[0].schema), &json!({"type": "integer", "minimum": 1, "nullable": true}));
    assert!(get.parameters[1].style == Style::Form && get.parameters[1].explode);
    assert!(get.parameters[2].style == Style::Simple && !get.parameters[2].explode);
    let ok = &get.responses[0];
    assert_eq!(ok.status, "200");
    assert_eq!(ok.content[0].media_type, "application/json");
    let items = &schema(&spec, ok.content[0].schema)["items"]["$ref"];
    let pet = spec.schemas.get(items.as_u64().unwrap() as u32).unwrap();
    assert_eq!(pet.name.as_deref(), Some("Pet"));
    assert_eq!(pet.value["properties"]["name"]["nullable"], true);
    assert_eq!(schema(&spec, ok.headers[0].schema), &json!({"type": "string", "format": "uri"}));
    let post = &spec.operations[1];
    let body = post.request_body.as_ref().unwrap();
    let types: Vec<&str> = body.content.iter().map(|m| m.media_type.as_str()).collect();
    assert_eq!(types, ["application/json", "application/xml"]);
    assert_eq!(body.content[0].schema, Some(items.as_u64().unwrap() as u32));
    let put = &spec.operations[2];
    let form = put.request_body.as_ref().unwrap();
    assert_eq!(form.content[0].media_type, "multipart/form-data");
    assert_eq!(
        schema(&spec, form.content[0].schema),
        &json!({"type": "object", "properties": {"file": {"type": "string", "format": "binary"},
                "note": {"type": "string"}}, "required": ["file"]})
    );
    assert!(put.parameters[0].required);
    assert_eq!(schema(&spec, put.responses[0].content[0].schema), &json!({"type": "string", "format": "binary"}));
    let login = spec.operations[3].request_body.as_ref().unwrap();
    assert_eq!(login.content[0].media_type, "application/x-www-form-urlencoded");
}

#[test]
fn v2_security_definitions_and_relative_server() {
    let spec = ok(&format!(
        "{V2}basePath: /api\nsecurityDefinitions:\n  basic: {{type: basic}}\n  oauth: {{type: oauth2, flow: implicit, \
         authorizationUrl: 'https://x/auth', scopes: {{read: r}}}}\nsecurity: [{{basic: []}}]\npaths: {{}}\n"
    ));
    assert_eq!(spec.servers[0].url, "/api");
    assert_eq!(spec.security_schemes["basic"].scheme.as_deref(), Some("basic"));
    let flows = spec.security_schemes["oauth"].flows.as_ref().unwrap();
    assert_eq!(flows["implicit"]["authorizationUrl"], "https://x/auth");
}

#[test]
fn schema_interning() {
    let spec = ok(&format!(
        "{V31}paths:\n  /a:\n    get:\n      parameters:\n        \
         - {{name: p, in: query, schema: {{$ref: '#/components/schemas/Alias'}}}}\n        \
         - {{name: q, in: query, schema: {{$ref: '#/components/schemas/Node', description: sibling}}}}\n      \
         responses:\n        '200':\n          description: x\n          content:\n            application/json:\n              \
         schema:\n                oneOf: [{{$ref: '#/components/schemas/Cat'}}, {{$ref: '#/components/schemas/Node'}}]\n                \
         discriminator: {{propertyName: kind, mapping: {{cat: Cat, node: '#/components/schemas/Node'}}}}\n\
         components:\n  schemas:\n    Alias: {{$ref: '#/components/schemas/Node'}}\n    \
         Node: {{type: object, properties: {{children: {{type: array, items: {{$ref: '#/components/schemas/Node'}}}}}}, \
         x-meta: {{$ref: '#/components/schemas/Cat'}}}}\n    Cat: {{type: object}}\n"
    ));
    let op = &spec.operations[0];
    let node_id = op.parameters[0].schema.unwrap();
    let node = spec.schemas.get(node_id).unwrap();
    assert_eq!((node.pointer.as_str(), node.name.as_deref()), ("#/components/schemas/Node", Some("Node")));
    assert_eq!(node.value["properties"]["children"]["items"]["$ref"], json!(node_id));
    assert_eq!(node.value["x-meta"]["$ref"], "#/components/schemas/Cat");
    let q = schema(&spec, op.parameters[1].schema);
    assert_eq!(q, &json!({"$ref": node_id, "description": "sibling"}));
    let body = schema(&spec, op.responses[0].content[0].schema);
    let cat_id = body["oneOf"][0]["$ref"].clone();
    assert_eq!(body["discriminator"]["mapping"], json!({"cat": cat_id, "node": node_id}));
    assert_eq!(spec.schemas.len(), 4);
}

#[test]
fn legacy_refs_ignore_siblings_and_collapse() {
    let spec = ok(&format!(
        "{V3}paths:\n  /a:\n    get:\n      parameters: [{{name: p, in: query, schema: {{$ref: '#/components/schemas/A', \
         description: ignored}}}}]\n      responses: {{'200': {{description: x}}}}\ncomponents:\n  schemas:\n    \
         A: {{$ref: '#/components/schemas/B'}}\n    B: {{type: string}}\n"
    ));
    let entry = spec.schemas.get(spec.operations[0].parameters[0].schema.unwrap()).unwrap();
    assert_eq!(entry.pointer, "#/components/schemas/B");
    assert_eq!(spec.schemas.len(), 1);
}

#[test]
fn structural_errors() {
    let dup = format!(
        "{V3}paths:\n  /a: {{get: {{operationId: x, responses: {{}}}}}}\n  /b: {{get: {{operationId: x, responses: {{}}}}}}\n"
    );
    let e = load_str(&dup).unwrap_err();
    assert_eq!(e.code, ErrorCode::SpecOperationIdDuplicate);
    assert_eq!(e.related, ["/paths/~1a/get", "/paths/~1b/get"]);
    let missing = format!("{V3}paths:\n  /a/{{id}}: {{get: {{responses: {{}}}}}}\n");
    assert_eq!(err(&missing), ErrorCode::SpecPathParamMismatch);
    let wrong_in = format!(
        "{V3}paths:\n  /a/{{id}}: {{get: {{parameters: [{{name: id, in: query, schema: {{}}}}], responses: {{}}}}}}\n"
    );
    assert_eq!(err(&wrong_in), ErrorCode::SpecPathParamMismatch);
    let extra =
        format!("{V3}paths:\n  /a: {{get: {{parameters: [{{name: id, in: path, schema: {{}}}}], responses: {{}}}}}}\n");
    let spec = ok(&extra);
    assert_eq!(spec.warnings[0].code, ErrorCode::SpecPathParamMismatch);
    let undefined = format!("{V3}security: [{{nope: []}}]\npaths: {{}}\n");
    assert_eq!(err(&undefined), ErrorCode::SpecSecuritySchemeUndefined);
    assert_eq!(err(&format!("{V3}paths:\n  pets: {{}}\n")), ErrorCode::SpecPathInvalid);
    assert_eq!(
        err(&format!("{V3}paths:\n  /a: {{get: {{description: no responses}}}}\n")),
        ErrorCode::SpecStructureInvalid
    );
    assert_eq!(err("openapi: 3.0.3\ninfo: {title: t, version: '1'}\n"), ErrorCode::SpecStructureInvalid);
    assert_eq!(err("openapi: 3.0.3\npaths: {}\n"), ErrorCode::SpecStructureInvalid);
    let bad_server = format!(
        "{V3}servers: [{{url: 'https://{{x}}.com', variables: {{x: {{default: a, enum: [b]}}}}}}]\npaths: {{}}\n"
    );
    assert_eq!(err(&bad_server), ErrorCode::SpecServerUrlInvalid);
}

#[test]
fn lines_point_into_the_document() {
    let spec = ok(&format!("{V3}paths:\n  /a:\n    get:\n      responses: {{'200': {{description: x}}}}\n"));
    assert_eq!(spec.operations[0].line, Some(5));
    assert_eq!(spec.lines.line_of("/paths/~1a/get/responses/200/description"), Some(6));
}
