//! Load-level tests of `$ref` resolution across documents, with in-memory files and a fake fetcher.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::*;
use crate::error::ErrorCode;

/// Files in memory; every read is recorded so tests can prove that refused refs read nothing.
#[derive(Default)]
pub struct MemFiles {
    files: HashMap<PathBuf, Vec<u8>>,
    pub reads: RefCell<Vec<PathBuf>>,
}

impl MemFiles {
    pub fn with(files: &[(&str, &str)]) -> Self {
        let files = files.iter().map(|(p, c)| (PathBuf::from(p), c.as_bytes().to_vec())).collect();
        MemFiles { files, reads: RefCell::default() }
    }
}

impl FileSource for MemFiles {
    fn read(&self, path: &Path, _max_bytes: u64) -> std::io::Result<Vec<u8>> {
        self.reads.borrow_mut().push(path.to_path_buf());
        self.files.get(path).cloned().ok_or_else(|| std::io::Error::from(std::io::ErrorKind::NotFound))
    }
}

struct FakeRemote(HashMap<String, String>);

impl RemoteFetcher for FakeRemote {
    fn fetch(&self, url: &str, _max_bytes: u64) -> std::result::Result<Vec<u8>, String> {
        self.0.get(url).map(|s| s.as_bytes().to_vec()).ok_or_else(|| "404 Not Found".to_owned())
    }
}

/// A 3.0 document whose single operation's 200 response uses `schema`.
pub fn with_schema(schema: &str) -> String {
    format!(
        "openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\npaths:\n  /pets:\n    get:\n      operationId: list\n      \
         responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              \
         schema: {schema}\n"
    )
}

fn load_with(root: &str, files: &MemFiles, options: &LoadOptions, remote: Option<&dyn RemoteFetcher>) -> Result<Spec> {
    let input = Input { bytes: root.as_bytes(), name: "root.yaml".into(), base: Base::File("/spec/root.yaml".into()) };
    load(input, options, files, remote)
}

fn load_files(root: &str, files: &MemFiles) -> Result<Spec> {
    load_with(root, files, &LoadOptions::default(), None)
}

fn code(result: Result<Spec>) -> ErrorCode {
    result.map(|_| ()).unwrap_err().code
}

#[test]
fn relative_files_resolve_against_the_referring_document() {
    let files = MemFiles::with(&[
        ("/spec/models/pet.yaml", "Pet: {type: object, properties: {tag: {$ref: '../common/tag.json#/Tag'}}}"),
        ("/spec/common/tag.json", "{\"Tag\": {\"type\": \"string\"}}"),
    ]);
    let spec = load_files(&with_schema("{$ref: 'models/pet.yaml#/Pet'}"), &files).unwrap();
    let id = spec.operations[0].responses[0].content[0].schema.unwrap();
    let pet = spec.schemas.get(id).unwrap();
    assert_eq!(pet.pointer, "models/pet.yaml#/Pet");
    let tag_id = pet.value["properties"]["tag"]["$ref"].as_u64().unwrap() as u32;
    assert_eq!(spec.schemas.get(tag_id).unwrap().pointer, "common/tag.json#/Tag");
}

#[test]
fn refs_outside_the_root_are_refused_before_any_read() {
    for target in ["../../etc/passwd", "/etc/passwd", "file:///etc/passwd", "..%2F..%2Fetc%2Fpasswd", "//h/x"] {
        let files = MemFiles::default();
        let err = load_files(&with_schema(&format!("{{$ref: '{target}#/x'}}")), &files).unwrap_err();
        assert_eq!(err.code, ErrorCode::SpecRefForbidden, "{target}");
        assert!(files.reads.borrow().is_empty(), "{target} was read");
    }
}

#[test]
fn root_dir_widens_the_allowed_tree() {
    let files = MemFiles::with(&[("/common/t.yaml", "T: {type: integer}")]);
    let options = LoadOptions { root_dir: Some("/".into()), ..LoadOptions::default() };
    assert!(load_with(&with_schema("{$ref: '../common/t.yaml#/T'}"), &files, &options, None).is_ok());
}

#[test]
fn missing_files_and_pointers_name_the_referring_node() {
    let files = MemFiles::with(&[("/spec/a.yaml", "A: {type: string}")]);
    for target in ["./none.yaml#/A", "a.yaml#/B", "#/components/schemas/Missing"] {
        let err = load_files(&with_schema(&format!("{{$ref: '{target}'}}")), &files).unwrap_err();
        assert_eq!(err.code, ErrorCode::SpecRefUnresolved, "{target}");
        assert_eq!(
            err.location.pointer.as_deref(),
            Some("/paths/~1pets/get/responses/200/content/application~1json/schema")
        );
    }
}

#[test]
fn remote_refs_need_permission_and_a_fetcher() {
    let root = with_schema("{$ref: 'https://example.com/s/pet.yaml#/Pet'}");
    let files = MemFiles::default();
    assert_eq!(code(load_files(&root, &files)), ErrorCode::SpecRefForbidden);
    let remote = FakeRemote(HashMap::from([
        ("https://example.com/s/pet.yaml".to_owned(), "Pet: {properties: {o: {$ref: 'other.yaml#/O'}}}".to_owned()),
        ("https://example.com/s/other.yaml".to_owned(), "O: {type: string}".to_owned()),
    ]));
    let allowed = LoadOptions { allow_remote_refs: true, ..LoadOptions::default() };
    let spec = load_with(&root, &files, &allowed, Some(&remote)).unwrap();
    assert_eq!(spec.schemas.len(), 2);
    let root = with_schema("{$ref: 'https://example.com/gone.yaml#/X'}");
    assert_eq!(code(load_with(&root, &files, &allowed, Some(&remote))), ErrorCode::SpecRefRemoteFailed);
}

#[test]
fn uploads_without_a_location_only_resolve_internal_refs() {
    let root = with_schema("{$ref: 'other.yaml#/X'}");
    let input = Input { bytes: root.as_bytes(), name: "upload".into(), base: Base::None };
    let err = load(input, &LoadOptions::default(), &MemFiles::default(), None).unwrap_err();
    assert_eq!(err.code, ErrorCode::SpecRefForbidden);
}

#[test]
fn file_count_is_limited() {
    let files = MemFiles::with(&[("/spec/a.yaml", "A: {$ref: 'b.yaml#/B'}"), ("/spec/b.yaml", "B: {type: string}")]);
    let options = LoadOptions { max_files: 2, ..LoadOptions::default() };
    let err = load_with(&with_schema("{$ref: 'a.yaml#/A'}"), &files, &options, None).unwrap_err();
    assert_eq!(err.code, ErrorCode::SpecTooManyFiles);
}

#[test]
fn external_documents_get_the_same_checks() {
    let files = MemFiles::with(&[("/spec/bad.json", "{\"A\": {\"type\": \"string\",}}")]);
    let err = load_files(&with_schema("{$ref: 'bad.json#/A'}"), &files).unwrap_err();
    assert_eq!(err.code, ErrorCode::SpecJsonSyntax);
    assert_eq!(err.location.file.as_deref(), Some("bad.json"));
    let files = MemFiles::with(&[("/spec/tag.yaml", "A: !Ref x")]);
    assert_eq!(code(load_files(&with_schema("{$ref: 'tag.yaml#/A'}"), &files)), ErrorCode::SpecYamlUnsafeTag);
}

#[test]
fn pure_ref_cycles_across_files_are_circular() {
    let files =
        MemFiles::with(&[("/spec/a.yaml", "A: {$ref: 'b.yaml#/B'}"), ("/spec/b.yaml", "B: {$ref: 'a.yaml#/A'}")]);
    let err = load_files(&with_schema("{$ref: 'a.yaml#/A'}"), &files).unwrap_err();
    assert_eq!(err.code, ErrorCode::SpecRefCircular);
    assert!(!err.related.is_empty());
}

#[test]
fn refs_in_extensions_and_data_are_not_followed() {
    let root = format!(
        "{}components:\n  schemas:\n    P:\n      type: object\n      example: {{$ref: 'nowhere.yaml'}}\n      \
         x-doc: {{$ref: '../../../etc/passwd'}}\n      default: {{$ref: '#/nope'}}\nx-examples: {{$ref: 'gone.yaml'}}\n",
        with_schema("{$ref: '#/components/schemas/P'}")
    );
    let files = MemFiles::default();
    let spec = load_files(&root, &files).unwrap();
    assert!(files.reads.borrow().is_empty());
    let p = &spec.schemas.get(0).unwrap().value;
    assert_eq!(p["x-doc"]["$ref"], "../../../etc/passwd");
    assert_eq!(p["example"]["$ref"], "nowhere.yaml");
}

#[test]
fn fragments_are_unescaped_and_percent_decoded() {
    let root = format!(
        "{}components:\n  schemas:\n    'a/b c':\n      type: string\n",
        with_schema("{$ref: '#/components/schemas/a~1b%20c'}")
    );
    let spec = load_files(&root, &MemFiles::default()).unwrap();
    assert_eq!(spec.schemas.get(0).unwrap().name.as_deref(), Some("a/b c"));
}

#[test]
fn path_items_and_operations_in_other_files() {
    let root = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    $ref: 'paths/a.yaml'\n  /b:\n    get:\n      \
                $ref: 'ops/b.yaml'\n";
    let files = MemFiles::with(&[
        ("/spec/paths/a.yaml", "get:\n  operationId: getA\n  responses: {'204': {description: none}}\n"),
        (
            "/spec/ops/b.yaml",
            "operationId: getB\nparameters: [{$ref: '../params.yaml#/q'}]\nresponses: {'204': {description: x}}\n",
        ),
        ("/spec/params.yaml", "q: {name: q, in: query, schema: {type: integer}}\n"),
    ]);
    let spec = load_files(root, &files).unwrap();
    let ids: Vec<&str> = spec.operations.iter().map(|o| o.operation_id.as_str()).collect();
    assert_eq!(ids, ["getA", "getB"]);
    assert_eq!(spec.operations[1].parameters[0].name, "q");
    assert_eq!(spec.operations[1].pointer, "/paths/~1b/get");
}

#[test]
fn non_schema_ref_cycles_are_circular() {
    let root = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      parameters:\n        - \
                $ref: '#/components/parameters/A'\n      responses: {'204': {description: x}}\ncomponents:\n  parameters:\n    \
                A: {$ref: '#/components/parameters/B'}\n    B: {$ref: '#/components/parameters/A'}\n";
    assert_eq!(code(load_files(root, &MemFiles::default())), ErrorCode::SpecRefCircular);
}

#[test]
fn same_bytes_same_model() {
    let files = MemFiles::with(&[("/spec/a.yaml", "A: {type: object, properties: {self: {$ref: '#/A'}}}")]);
    let root = with_schema("{$ref: 'a.yaml#/A'}");
    let one = serde_json::to_string(&load_files(&root, &files).unwrap()).unwrap();
    let two = serde_json::to_string(&load_files(&root, &files).unwrap()).unwrap();
    assert_eq!(one, two);
}

#[test]
fn unused_broken_components_are_still_errors() {
    let cycle = format!(
        "{}components:\n  schemas:\n    A: {{$ref: '#/components/schemas/B'}}\n    B: {{$ref: '#/components/schemas/A'}}\n",
        with_schema("{type: string}")
    );
    assert_eq!(code(load_files(&cycle, &MemFiles::default())), ErrorCode::SpecRefCircular);
    let dangling =
        format!("{}components:\n  schemas:\n    A: {{$ref: '#/components/schemas/Nope'}}\n", with_schema("{}"));
    let err = load_files(&dangling, &MemFiles::default()).unwrap_err();
    assert_eq!(
        (err.code, err.location.pointer.as_deref()),
        (ErrorCode::SpecRefUnresolved, Some("/components/schemas/A"))
    );
    let recursive = format!(
        "{}components:\n  schemas:\n    T: {{properties: {{next: {{$ref: '#/components/schemas/T'}}}}}}\n",
        with_schema("{}")
    );
    assert!(load_files(&recursive, &MemFiles::default()).is_ok());
}
