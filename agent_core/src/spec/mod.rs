//! Spec ingestion: bytes → [`Spec`].
//!
//! Order of work, each step with its own error codes: size and compression limits → encoding → syntax (JSON or
//! YAML, with depth, duplicate-key, alias and tag limits) → format and version detection → `$ref` resolution
//! (internal, relative files inside the spec root, remote only when allowed) → normalisation of 2.0/3.0/3.1 into
//! the model → structural checks (paths, path parameters, operationIds).
//!
//! Modules: `read` (bytes → text), `detect` (other formats, version), `syntax` (JSON or YAML) with `json` and
//! `yaml`, `pointer` (RFC 6901), `refs` (the document set), `intern` (the schema store), `normalize` (the model),
//! `checks` (structural rules). Every external document goes through the same first three steps and limits.
//!
//! Lenient on purpose, because published specs do it: a `#fragment` suffix on a path key, operation objects that
//! are `$ref`s to other files, discriminator mappings that name missing schemas (dropped with a warning), YAML
//! 1.1 booleans and numbers as keys (strings, with a warning). Refused: a `?query` in a path key.

mod checks;
mod detect;
mod intern;
mod json;
mod normalize;
mod pointer;
mod read;
mod refs;
mod syntax;
mod yaml;

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::error::{ErrorCode, Location, Result, SpecError};
use crate::model::Spec;
use refs::{DocBase, DocSet, Document};

/// Limits and permissions for one load. Defaults are safe for untrusted input.
#[derive(Clone, Debug)]
pub struct LoadOptions {
    /// Largest accepted document (and largest inflated size of a compressed one).
    pub max_bytes: u64,
    /// Deepest accepted nesting of arrays/objects in any document.
    pub max_depth: usize,
    /// Largest number of nodes that YAML aliases may expand to, over the whole document.
    pub max_alias_nodes: u64,
    /// Most documents (root included) one spec may pull in through `$ref` (published multi-file specs reach 1500).
    pub max_files: usize,
    /// Follow `http(s)://` refs through the caller's [`RemoteFetcher`].
    pub allow_remote_refs: bool,
    /// Directory that relative file refs must stay inside. None: the root document's directory.
    pub root_dir: Option<PathBuf>,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            max_bytes: 20 * 1024 * 1024,
            max_depth: 256,
            max_alias_nodes: 1_000_000,
            max_files: 4096,
            allow_remote_refs: false,
            root_dir: None,
        }
    }
}

/// Where the root document came from, for resolving relative refs.
#[derive(Clone, Debug)]
pub enum Base {
    /// A file: relative refs resolve against its directory.
    File(PathBuf),
    /// A URL: relative refs are remote refs.
    Url(String),
    /// Bytes with no origin (an upload): only internal refs work.
    None,
}

/// The root document.
pub struct Input<'a> {
    pub bytes: &'a [u8],
    /// Display name used in messages and reports.
    pub name: String,
    pub base: Base,
}

/// How the loader reads referenced files. Called only for paths already checked to lie inside the spec root.
pub trait FileSource {
    fn read(&self, path: &Path, max_bytes: u64) -> std::io::Result<Vec<u8>>;
}

/// How the loader fetches remote refs when [`LoadOptions::allow_remote_refs`] is set. The caller applies its own
/// SSRF guard. Errors are messages.
pub trait RemoteFetcher {
    fn fetch(&self, url: &str, max_bytes: u64) -> std::result::Result<Vec<u8>, String>;
}

/// Reads files with `std::fs` (used by Rust tests and tools; Python passes its own reader).
pub struct FsSource;

impl FileSource for FsSource {
    fn read(&self, path: &Path, max_bytes: u64) -> std::io::Result<Vec<u8>> {
        use std::io::Read;
        let file = std::fs::File::open(path)?;
        let mut buf = Vec::new();
        file.take(max_bytes.saturating_add(1)).read_to_end(&mut buf)?;
        Ok(buf)
    }
}

/// Load a spec. See the module docs for the order of checks.
pub fn load(
    input: Input<'_>,
    options: &LoadOptions,
    files: &dyn FileSource,
    remote: Option<&dyn RemoteFetcher>,
) -> Result<Spec> {
    let parsed = parse_document(input.bytes, &input.name, options)?;
    let Value::Object(root) = &parsed.value else {
        return Err(SpecError::new(
            ErrorCode::SpecNotAMapping,
            "the document root must be an object (a mapping)",
            Location::pointer(""),
        ));
    };
    let version = detect::version(root)?;
    let mut warnings = parsed.warnings;
    warnings.extend(version.warning);
    let base = match input.base {
        Base::File(path) => DocBase::File(path),
        Base::Url(url) => DocBase::Url(url),
        Base::None => DocBase::None,
    };
    let root_doc = Document { value: parsed.value, base, display: String::new() };
    let docs = DocSet::new(root_doc, options, files, remote, parse_external);
    checks::refs(&docs)?;
    normalize::build(
        &docs,
        normalize::Root {
            source: input.name,
            version: version.literal,
            dialect: version.dialect,
            lines: parsed.source_lines,
            warnings,
            max_depth: options.max_depth,
        },
    )
}

/// Steps 1–3 for any document: bytes → text → other-format sniffing → JSON or YAML.
fn parse_document(bytes: &[u8], name: &str, options: &LoadOptions) -> Result<syntax::Parsed> {
    let text = read::decode(bytes, options.max_bytes)?;
    if let Some(err) = detect::sniff_text(&text) {
        return Err(err);
    }
    syntax::parse(&text, name, options)
}

fn parse_external(bytes: &[u8], name: &str, options: &LoadOptions) -> Result<Value> {
    parse_document(bytes, name, options).map(|parsed| parsed.value)
}

#[cfg(test)]
mod tests;
