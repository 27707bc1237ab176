//! The set of documents a spec spans, and `$ref` resolution between them.
//!
//! Documents are loaded lazily, the first time a ref points into them, through [`FileSource`] or
//! [`RemoteFetcher`]. A file path is checked lexically against the spec root before anything is read.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::rc::Rc;

use serde_json::Value;

use super::{pointer, FileSource, LoadOptions, RemoteFetcher};
use crate::error::{snippet, ErrorCode, Location, Result, SpecError};

pub type DocId = usize;
pub const ROOT: DocId = 0;

/// Where a document lives, for resolving the relative refs inside it.
#[derive(Clone, Debug)]
pub enum DocBase {
    File(PathBuf),
    Url(String),
    None,
}

pub struct Document {
    pub value: Value,
    pub base: DocBase,
    /// Name used in messages and entry pointers ("" for the root document).
    pub display: String,
}

/// A node in one of the documents: the document and an (unescaped-on-lookup) JSON pointer.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Loc {
    pub doc: DocId,
    pub ptr: String,
}

impl Loc {
    pub fn root(ptr: impl Into<String>) -> Self {
        Loc { doc: ROOT, ptr: ptr.into() }
    }

    pub fn child(&self, token: &str) -> Loc {
        Loc { doc: self.doc, ptr: pointer::push(&self.ptr, token) }
    }

    pub fn index(&self, i: usize) -> Loc {
        Loc { doc: self.doc, ptr: format!("{}/{i}", self.ptr) }
    }
}

pub struct DocSet<'a> {
    docs: RefCell<Vec<Rc<Document>>>,
    keys: RefCell<HashMap<String, DocId>>,
    /// (referring document, file part of a ref) → document: skips path work for refs seen before.
    seen: RefCell<HashMap<(DocId, String), DocId>>,
    options: &'a LoadOptions,
    files: &'a dyn FileSource,
    remote: Option<&'a dyn RemoteFetcher>,
    parse: ParseFn,
    /// Lexically normalised directory that file refs must stay inside.
    root_dir: Option<PathBuf>,
    /// Directory of the root document, for display names of the other files.
    display_dir: Option<PathBuf>,
}

/// Bytes of an external document → its value (the same limits as the root; provided by the loader).
pub type ParseFn = fn(&[u8], &str, &LoadOptions) -> Result<Value>;

impl<'a> DocSet<'a> {
    pub fn new(
        root: Document,
        options: &'a LoadOptions,
        files: &'a dyn FileSource,
        remote: Option<&'a dyn RemoteFetcher>,
        parse: ParseFn,
    ) -> Self {
        let root_file_dir = match &root.base {
            DocBase::File(path) => Some(normalize(&absolute(path)).parent().map(Path::to_path_buf).unwrap_or_default()),
            _ => None,
        };
        let root_dir = options.root_dir.as_ref().map(|d| normalize(&absolute(d))).or_else(|| root_file_dir.clone());
        let mut keys = HashMap::new();
        if let DocBase::File(path) = &root.base {
            keys.insert(file_key(&normalize(&absolute(path))), ROOT);
        } else if let DocBase::Url(url) = &root.base {
            keys.insert(url.clone(), ROOT);
        }
        DocSet {
            docs: RefCell::new(vec![Rc::new(root)]),
            keys: RefCell::new(keys),
            seen: RefCell::default(),
            options,
            files,
            remote,
            parse,
            display_dir: root_file_dir.or_else(|| root_dir.clone()),
            root_dir,
        }
    }

    pub fn doc(&self, id: DocId) -> Rc<Document> {
        Rc::clone(&self.docs.borrow()[id])
    }

    /// `#/ptr` for the root document, `file#/ptr` for the others.
    pub fn display(&self, loc: &Loc) -> String {
        format!("{}#{}", self.docs.borrow()[loc.doc].display, loc.ptr)
    }

    /// Location of an error about the node at `loc`.
    pub fn location(&self, loc: &Loc) -> Location {
        let mut location = Location::pointer(loc.ptr.clone());
        if loc.doc != ROOT {
            location.file = Some(self.docs.borrow()[loc.doc].display.clone());
        }
        location
    }

    pub fn error(&self, code: ErrorCode, message: impl Into<String>, loc: &Loc) -> SpecError {
        SpecError::new(code, message, self.location(loc))
    }

    /// Resolve the `$ref` string found in the object at `from`. The target must exist.
    pub fn resolve(&self, from: &Loc, reference: &str) -> Result<Loc> {
        let (file, fragment) = match reference.split_once('#') {
            Some((file, fragment)) => (file, fragment),
            None => (reference, ""),
        };
        let Some(ptr) = pointer::from_fragment(fragment) else {
            return Err(self.error(
                ErrorCode::SpecRefUnresolved,
                format!("$ref {} uses a plain-name fragment, which is not supported", snippet(reference)),
                from,
            ));
        };
        let doc = if file.is_empty() { from.doc } else { self.load(from, file)? };
        let target = Loc { doc, ptr };
        let exists = pointer::get(&self.doc(doc).value, &target.ptr).is_some();
        if !exists {
            return Err(self.error(
                ErrorCode::SpecRefUnresolved,
                format!("$ref target {} does not exist", snippet(&self.display(&target))),
                from,
            ));
        }
        Ok(target)
    }

    /// Follow `$ref`s from the object at `loc` until an object without one (non-schema objects, resolved eagerly).
    pub fn follow(&self, loc: Loc) -> Result<Loc> {
        let mut current = loc;
        let mut seen: Vec<Loc> = Vec::new();
        loop {
            let doc = self.doc(current.doc);
            let reference = pointer::get(&doc.value, &current.ptr).and_then(|v| v.get("$ref")).and_then(Value::as_str);
            let Some(reference) = reference else { return Ok(current) };
            if seen.contains(&current) {
                let chain: Vec<String> = seen.iter().map(|l| self.display(l)).collect();
                return Err(self
                    .error(
                        ErrorCode::SpecRefCircular,
                        format!("$ref cycle: {} -> {}", chain.join(" -> "), self.display(&current)),
                        &current,
                    )
                    .with_related(chain));
            }
            let next = self.resolve(&current, reference)?;
            seen.push(current);
            current = next;
        }
    }

    /// The document a ref's file part names, loaded on first use.
    fn load(&self, from: &Loc, file: &str) -> Result<DocId> {
        if let Some(&id) = self.seen.borrow().get(&(from.doc, file.to_owned())) {
            return Ok(id);
        }
        let id = self.locate_and_load(from, file)?;
        self.seen.borrow_mut().insert((from.doc, file.to_owned()), id);
        Ok(id)
    }

    fn locate_and_load(&self, from: &Loc, file: &str) -> Result<DocId> {
        let forbidden = |why: &str| {
            self.error(ErrorCode::SpecRefForbidden, format!("$ref to {} refused: {why}", snippet(file)), from)
        };
        let base = self.doc(from.doc).base.clone();
        if file.starts_with("\\\\") {
            return Err(forbidden("network paths are not followed"));
        }
        let target = match scheme(file) {
            Some(s) if s == "http" || s == "https" => Target::Url(file.to_owned()),
            Some(_) => return Err(forbidden("only relative file refs (and remote refs when allowed) are followed")),
            None => match &base {
                DocBase::Url(url) => Target::Url(join_url(url, file)),
                DocBase::File(path) => {
                    let dir = path.parent().unwrap_or(Path::new(""));
                    Target::File(normalize(&absolute(&dir.join(decode(file)))))
                }
                DocBase::None => match &self.root_dir {
                    Some(root) => Target::File(normalize(&root.join(decode(file)))),
                    None => return Err(forbidden("the document has no location to resolve relative files against")),
                },
            },
        };
        let key = match &target {
            Target::File(path) => {
                let inside = self.root_dir.as_ref().is_some_and(|root| path.starts_with(root));
                if !inside {
                    return Err(forbidden("the file is outside the spec root directory"));
                }
                file_key(path)
            }
            Target::Url(url) => {
                if !self.options.allow_remote_refs || self.remote.is_none() {
                    return Err(forbidden("remote refs are disabled"));
                }
                url.split('#').next().unwrap_or_default().to_owned()
            }
        };
        if let Some(&id) = self.keys.borrow().get(&key) {
            return Ok(id);
        }
        if self.docs.borrow().len() >= self.options.max_files {
            return Err(self.error(
                ErrorCode::SpecTooManyFiles,
                format!("the spec references more than {} documents", self.options.max_files),
                from,
            ));
        }
        let (bytes, base, display) = match target {
            Target::File(path) => {
                let bytes = self.files.read(&path, self.options.max_bytes).map_err(|err| {
                    let code = match err.kind() {
                        std::io::ErrorKind::NotFound | std::io::ErrorKind::IsADirectory => ErrorCode::SpecRefUnresolved,
                        // The caller's reader refuses what the lexical check cannot see (symlinks out of the root).
                        std::io::ErrorKind::PermissionDenied => ErrorCode::SpecRefForbidden,
                        _ => ErrorCode::SpecIo,
                    };
                    self.error(code, format!("$ref file {} cannot be read: {err}", snippet(file)), from)
                })?;
                let display = self.display_name(&path);
                (bytes, DocBase::File(path), display)
            }
            Target::Url(url) => {
                let fetcher = self.remote.expect("checked above");
                let bytes = fetcher.fetch(&key, self.options.max_bytes).map_err(|msg| {
                    self.error(
                        ErrorCode::SpecRefRemoteFailed,
                        format!("fetching {} failed: {msg}", snippet(&url)),
                        from,
                    )
                })?;
                (bytes, DocBase::Url(key.clone()), key.clone())
            }
        };
        let value = (self.parse)(&bytes, &display, self.options).map_err(|mut err| {
            err.location.file = Some(display.clone());
            err
        })?;
        let mut docs = self.docs.borrow_mut();
        docs.push(Rc::new(Document { value, base, display }));
        let id = docs.len() - 1;
        self.keys.borrow_mut().insert(key, id);
        Ok(id)
    }

    fn display_name(&self, path: &Path) -> String {
        match &self.display_dir {
            Some(dir) => relative(path, dir).to_string_lossy().replace('\\', "/"),
            None => path.to_string_lossy().into_owned(),
        }
    }
}

enum Target {
    File(PathBuf),
    Url(String),
}

/// The URI scheme of a reference, lower-cased, when it has one (`C:` drive letters count as one and are refused).
fn scheme(reference: &str) -> Option<String> {
    let (head, _) = reference.split_once(':')?;
    let mut chars = head.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    valid.then(|| head.to_ascii_lowercase())
}

fn decode(file: &str) -> String {
    percent_encoding::percent_decode_str(file).decode_utf8_lossy().into_owned()
}

fn file_key(path: &Path) -> String {
    format!("file:{}", path.to_string_lossy())
}

fn absolute(path: &Path) -> PathBuf {
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().map(|cwd| cwd.join(path)).unwrap_or_else(|_| path.to_path_buf())
    }
}

/// Remove `.` and resolve `..` without touching the file system (so nothing is read before the root check).
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// `path` relative to `dir`, both normalised and absolute.
fn relative(path: &Path, dir: &Path) -> PathBuf {
    let p: Vec<_> = path.components().collect();
    let d: Vec<_> = dir.components().collect();
    let common = p.iter().zip(&d).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..d.len() {
        out.push("..");
    }
    for c in &p[common..] {
        out.push(c.as_os_str());
    }
    out
}

/// RFC 3986 reference resolution, enough for relative refs inside a remote document.
pub fn join_url(base: &str, reference: &str) -> String {
    if scheme(reference).is_some() {
        return reference.to_owned();
    }
    let (scheme_part, rest) = base.split_once("://").unwrap_or(("https", base));
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    if let Some(net) = reference.strip_prefix("//") {
        return format!("{scheme_part}://{net}");
    }
    let path = path.split(['?', '#']).next().unwrap_or("/");
    let joined = if reference.starts_with('/') {
        reference.to_owned()
    } else {
        format!("{}{reference}", &path[..path.rfind('/').map_or(0, |i| i + 1)])
    };
    let mut segments: Vec<&str> = Vec::new();
    let (joined_path, suffix) = match joined.find(['?', '#']) {
        Some(i) => (&joined[..i], &joined[i..]),
        None => (joined.as_str(), ""),
    };
    let parts: Vec<&str> = joined_path.split('/').collect();
    for (i, seg) in parts.iter().enumerate() {
        match *seg {
            "." => {}
            ".." => {
                if segments.len() > 1 {
                    segments.pop();
                }
            }
            s => segments.push(s),
        }
        if i + 1 == parts.len() && matches!(*seg, "." | "..") {
            segments.push("");
        }
    }
    format!("{scheme_part}://{authority}{}{suffix}", segments.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexical_normalisation() {
        assert_eq!(normalize(Path::new("/a/b/../c/./d")), PathBuf::from("/a/c/d"));
        assert_eq!(normalize(Path::new("/a/../../../etc/passwd")), PathBuf::from("/etc/passwd"));
        assert_eq!(relative(Path::new("/a/x/y.json"), Path::new("/a/b")), PathBuf::from("../x/y.json"));
    }

    #[test]
    fn schemes() {
        assert_eq!(scheme("http://x").as_deref(), Some("http"));
        assert_eq!(scheme("file:///etc/passwd").as_deref(), Some("file"));
        assert_eq!(scheme("C:\\x").as_deref(), Some("c"));
        assert_eq!(scheme("./a.yaml#/x:y"), None);
        assert_eq!(scheme("a.yaml"), None);
    }

    #[test]
    fn url_joining() {
        assert_eq!(join_url("https://h/a/b/spec.yaml", "c.yaml"), "https://h/a/b/c.yaml");
        assert_eq!(join_url("https://h/a/b/spec.yaml", "../c.yaml#/X"), "https://h/a/c.yaml#/X");
        assert_eq!(join_url("https://h/a/spec.yaml", "/root.yaml"), "https://h/root.yaml");
        assert_eq!(join_url("https://h/a/spec.yaml", "//other/x"), "https://other/x");
        assert_eq!(join_url("https://h/a/spec.yaml", "http://z/y"), "http://z/y");
    }
}
