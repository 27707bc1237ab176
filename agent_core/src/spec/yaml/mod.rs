//! YAML → `serde_json::Value` on top of yaml-rust2's event parser.
//!
//! Building the value ourselves (instead of using yaml-rust2's own loader) gives: YAML 1.2 core-schema scalars,
//! a tag whitelist (other tags are refused, never constructed), an alias-expansion budget, merge keys, duplicate
//! key detection, a depth limit without recursion, and the lines of shallow pointers.

use std::collections::HashMap;

use serde_json::{Map, Value};
use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::{Marker, ScanError, TScalarStyle};

mod scalar;

use super::pointer;
use super::syntax::{Parsed, LINE_DEPTH};
use super::LoadOptions;
use crate::error::{snippet, ErrorCode, Location, Result, SpecError, Warning};
use scalar::{is_decimal_int, is_special_float, is_yaml11_bool, resolve_plain};

const CORE_PREFIX: &str = "tag:yaml.org,2002:";
const MERGE_KEY: &str = "<<";
/// Marks a pending merge key; input cannot contain NUL, so no real key collides with it.
const MERGE_SENTINEL: &str = "\u{0}<<";

enum Kind {
    Map { map: Map<String, Value>, key: Option<String>, key_line: u32, merges: Vec<(Value, Marker)> },
    Seq { items: Vec<Value> },
}

struct Frame {
    kind: Kind,
    anchor: usize,
    ptr: Option<String>,
    /// Nodes in this subtree, aliases counted as expanded.
    nodes: u64,
    /// Height of this subtree (a scalar is 0).
    height: usize,
    /// Bytes of the strings in this subtree (keys included).
    bytes: u64,
}

/// A finished node with what the alias budget and the depth limit need to know about it.
struct Node {
    value: Value,
    nodes: u64,
    height: usize,
    bytes: u64,
}

struct Builder<'a> {
    src: &'a str,
    max_depth: usize,
    max_alias_nodes: u64,
    alias_nodes: u64,
    /// Aliases may also not copy more bytes than a whole document may hold (one big string aliased many times).
    max_alias_bytes: u64,
    alias_bytes: u64,
    anchors: HashMap<usize, Node>,
    stack: Vec<Frame>,
    root: Option<Value>,
    documents: usize,
    parsed: Parsed,
    nonstring_key: Option<String>,
}

/// Parse a single-document YAML stream. `Ok(None)` when the stream holds no document at all.
pub fn parse(src: &str, options: &LoadOptions) -> Result<Option<Parsed>> {
    let mut b = Builder {
        src,
        max_depth: options.max_depth,
        max_alias_nodes: options.max_alias_nodes,
        alias_nodes: 0,
        max_alias_bytes: options.max_bytes,
        alias_bytes: 0,
        anchors: HashMap::new(),
        stack: Vec::new(),
        root: None,
        documents: 0,
        parsed: Parsed::default(),
        nonstring_key: None,
    };
    let mut parser = Parser::new_from_str(src);
    loop {
        let (event, mark) = parser.next_token().map_err(|e| b.scan_error(&e))?;
        match event {
            Event::StreamEnd => break,
            Event::DocumentStart => {
                b.documents += 1;
                if b.documents > 1 {
                    return Err(b.error(
                        ErrorCode::SpecMultiDocument,
                        "more than one YAML document in the stream",
                        mark,
                    ));
                }
            }
            Event::Scalar(text, style, anchor, tag) => b.scalar(text, style, anchor, tag.as_ref(), mark)?,
            Event::Alias(id) => b.alias(id, mark)?,
            Event::SequenceStart(anchor, tag) => b.open(Kind::Seq { items: Vec::new() }, anchor, tag.as_ref(), mark)?,
            Event::MappingStart(anchor, tag) => b.open(
                Kind::Map { map: Map::new(), key: None, key_line: 0, merges: Vec::new() },
                anchor,
                tag.as_ref(),
                mark,
            )?,
            Event::SequenceEnd | Event::MappingEnd => b.close(mark)?,
            Event::StreamStart | Event::DocumentEnd | Event::Nothing => {}
        }
    }
    let Some(root) = b.root else { return Ok(None) };
    b.parsed.finish_lines();
    if let Some(key) = b.nonstring_key {
        b.parsed.warnings.push(Warning::new(
            ErrorCode::SpecNonstringKey,
            format!("YAML keys that are not strings (such as {}) were read as strings", snippet(&key)),
            "",
        ));
    }
    b.parsed.value = root;
    Ok(Some(b.parsed))
}

impl Builder<'_> {
    fn scalar(
        &mut self,
        text: String,
        style: TScalarStyle,
        anchor: usize,
        tag: Option<&Tag>,
        mark: Marker,
    ) -> Result<()> {
        let core = self.core_tag(tag, mark)?;
        let plain = style == TScalarStyle::Plain;
        if let Some(Frame { kind: Kind::Map { key: None, map, .. }, ptr, .. }) = self.stack.last() {
            // A key: kept as written (so `200:` is "200"), warned about once when YAML would not read a string.
            let merge = plain && text == MERGE_KEY;
            if plain && core.is_none() && !merge && (!resolve_plain(&text).is_string() || is_yaml11_bool(&text)) {
                self.nonstring_key.get_or_insert_with(|| text.clone());
            }
            if map.contains_key(&text) && !merge {
                let parent = ptr.clone().unwrap_or_else(|| self.pointer_of_top());
                let loc = Location { pointer: Some(pointer::push(&parent, &text)), ..self.location(mark) };
                return Err(SpecError::new(
                    ErrorCode::SpecDuplicateKey,
                    format!("duplicate key {}", snippet(&text)),
                    loc,
                ));
            }
            if anchor > 0 {
                let bytes = text.len() as u64;
                self.anchors.insert(anchor, Node { value: Value::String(text.clone()), nodes: 1, height: 0, bytes });
            }
            if let Some(Frame { kind: Kind::Map { key, key_line, .. }, bytes, .. }) = self.stack.last_mut() {
                *bytes += text.len() as u64;
                *key = Some(if merge { MERGE_SENTINEL.to_owned() } else { text });
                *key_line = mark.line() as u32;
            }
            return Ok(());
        }
        let value = match core {
            None if plain => resolve_plain(&text),
            None | Some("str" | "binary" | "timestamp") => Value::String(text),
            Some(kind) => self.tagged(kind, &text, mark)?,
        };
        let bytes = value.as_str().map_or(8, |t| t.len() as u64);
        if anchor > 0 {
            self.anchors.insert(anchor, Node { value: value.clone(), nodes: 1, height: 0, bytes });
        }
        self.finish(Node { value, nodes: 1, height: 0, bytes }, mark)
    }

    /// Count nodes and bytes copied for anchors and aliases against the budget.
    fn charge(&mut self, nodes: u64, bytes: u64, mark: Marker) -> Result<()> {
        self.alias_nodes = self.alias_nodes.saturating_add(nodes);
        self.alias_bytes = self.alias_bytes.saturating_add(bytes);
        if self.alias_nodes > self.max_alias_nodes {
            let msg = format!("YAML anchors and aliases copy more than the limit of {} nodes", self.max_alias_nodes);
            return Err(self.error(ErrorCode::SpecYamlAliasLimit, &msg, mark));
        }
        if self.alias_bytes > self.max_alias_bytes {
            let msg = format!("YAML anchors and aliases copy more than the limit of {} bytes", self.max_alias_bytes);
            return Err(self.error(ErrorCode::SpecYamlAliasLimit, &msg, mark));
        }
        Ok(())
    }

    /// A scalar with an explicit core tag must have that type.
    fn tagged(&self, kind: &str, text: &str, mark: Marker) -> Result<Value> {
        let resolved = resolve_plain(text);
        let ok = match kind {
            "null" => resolved.is_null(),
            "bool" => resolved.is_boolean(),
            "int" => resolved.is_i64() || resolved.is_u64() || (resolved.is_f64() && is_decimal_int(text)),
            "float" => resolved.is_number() || is_special_float(text),
            _ => false,
        };
        if ok {
            Ok(resolved)
        } else {
            Err(self.error(ErrorCode::SpecYamlSyntax, &format!("{} is not a valid !!{kind}", snippet(text)), mark))
        }
    }

    fn alias(&mut self, id: usize, mark: Marker) -> Result<()> {
        let Some(node) = self.anchors.get(&id) else {
            return Err(self.error(ErrorCode::SpecYamlAliasLimit, "an alias refers to a node that contains it", mark));
        };
        let (nodes, bytes, height) = (node.nodes, node.bytes, node.height);
        self.charge(nodes, bytes, mark)?;
        if self.stack.len() + height >= self.max_depth {
            return Err(self.too_deep(mark));
        }
        let node = Node { value: self.anchors[&id].value.clone(), nodes, height, bytes };
        if let Some(Frame { kind: Kind::Map { key: None, .. }, .. }) = self.stack.last() {
            // An alias used as a key: it must name a scalar.
            let Value::String(text) = node.value else {
                return Err(self.error(ErrorCode::SpecYamlSyntax, "only string aliases can be used as keys", mark));
            };
            return self.scalar(text, TScalarStyle::SingleQuoted, 0, None, mark);
        }
        self.finish(node, mark)
    }

    fn open(&mut self, kind: Kind, anchor: usize, tag: Option<&Tag>, mark: Marker) -> Result<()> {
        let expected = if matches!(kind, Kind::Map { .. }) { "map" } else { "seq" };
        if let Some(found) = self.core_tag(tag, mark)? {
            if found != expected {
                return Err(self.error(ErrorCode::SpecYamlSyntax, &format!("!!{found} on a collection"), mark));
            }
        }
        if let Some(Frame { kind: Kind::Map { key: None, .. }, .. }) = self.stack.last() {
            return Err(self.error(ErrorCode::SpecYamlSyntax, "mappings and sequences cannot be used as keys", mark));
        }
        if self.stack.len() >= self.max_depth {
            return Err(self.too_deep(mark));
        }
        let ptr = match self.stack.last() {
            None => Some(String::new()),
            Some(parent) if self.stack.len() < LINE_DEPTH => child_pointer(parent),
            Some(_) => None,
        };
        if let Some(ptr) = &ptr {
            // A mapping value is recorded at its key's line, which is where a reader looks for it.
            let line = match self.stack.last() {
                Some(Frame { kind: Kind::Map { key_line, .. }, .. }) => *key_line,
                _ => mark.line() as u32,
            };
            self.parsed.lines.push((ptr.clone(), line));
        }
        self.stack.push(Frame { kind, anchor, ptr, nodes: 1, height: 0, bytes: 0 });
        Ok(())
    }

    fn close(&mut self, mark: Marker) -> Result<()> {
        let Some(frame) = self.stack.pop() else { return Ok(()) };
        let value = match frame.kind {
            Kind::Seq { items } => Value::Array(items),
            Kind::Map { mut map, merges, .. } => {
                for (source, at) in merges {
                    merge_into(&mut map, source).map_err(|msg| self.error(ErrorCode::SpecYamlSyntax, msg, at))?;
                }
                Value::Object(map)
            }
        };
        let node = Node { value, nodes: frame.nodes, height: frame.height, bytes: frame.bytes };
        if frame.anchor > 0 {
            // Keeping a copy per anchor costs its size; nested anchors could otherwise copy a document many times.
            self.charge(node.nodes, node.bytes, mark)?;
            let copy = Node { value: node.value.clone(), nodes: node.nodes, height: node.height, bytes: node.bytes };
            self.anchors.insert(frame.anchor, copy);
        }
        self.finish(node, mark)
    }

    /// Attach a finished node to its parent (or make it the root).
    fn finish(&mut self, node: Node, mark: Marker) -> Result<()> {
        let Some(parent) = self.stack.last_mut() else {
            self.root = Some(node.value);
            return Ok(());
        };
        parent.nodes = parent.nodes.saturating_add(node.nodes);
        parent.bytes = parent.bytes.saturating_add(node.bytes);
        parent.height = parent.height.max(node.height + 1);
        match &mut parent.kind {
            Kind::Seq { items } => {
                items.push(node.value);
            }
            Kind::Map { map, key, merges, .. } => match key.take() {
                Some(k) if k == MERGE_SENTINEL => merges.push((node.value, mark)),
                Some(k) => {
                    map.insert(k, node.value);
                }
                None => unreachable!("collections are refused as keys in open()"),
            },
        }
        Ok(())
    }

    /// The core-schema tag name (`str`, `int`, ...), None for no tag or the non-specific `!`; other tags refused.
    fn core_tag<'t>(&self, tag: Option<&'t Tag>, mark: Marker) -> Result<Option<&'t str>> {
        let Some(tag) = tag else { return Ok(None) };
        if tag.handle.is_empty() && tag.suffix == "!" {
            return Ok(None);
        }
        const CORE: [&str; 9] = ["str", "int", "float", "bool", "null", "map", "seq", "binary", "timestamp"];
        if tag.handle == CORE_PREFIX && CORE.contains(&tag.suffix.as_str()) {
            return Ok(Some(tag.suffix.as_str()));
        }
        let shown = if tag.handle == CORE_PREFIX {
            format!("!!{}", tag.suffix)
        } else {
            format!("{}{}", tag.handle, tag.suffix)
        };
        Err(self.error(
            ErrorCode::SpecYamlUnsafeTag,
            &format!("YAML tag {} is not allowed (only core-schema tags are)", snippet(&shown)),
            mark,
        ))
    }

    /// Pointer of the innermost open collection, built from the whole stack (used only for errors).
    fn pointer_of_top(&self) -> String {
        let mut out = String::new();
        for (i, frame) in self.stack.iter().enumerate() {
            if i + 1 == self.stack.len() {
                break;
            }
            match &frame.kind {
                Kind::Map { key, .. } => out = pointer::push(&out, key.as_deref().unwrap_or("")),
                Kind::Seq { items } => out = format!("{out}/{}", items.len()),
            }
        }
        out
    }

    fn location(&self, mark: Marker) -> Location {
        let offset = self.src.char_indices().nth(mark.index()).map_or(self.src.len(), |(i, _)| i);
        Location::line_col(mark.line() as u32, mark.col() as u32 + 1, offset as u64)
    }

    fn error(&self, code: ErrorCode, message: &str, mark: Marker) -> SpecError {
        SpecError::new(code, message, self.location(mark))
    }

    fn too_deep(&self, mark: Marker) -> SpecError {
        self.error(ErrorCode::SpecTooDeep, &format!("nesting deeper than the limit of {} levels", self.max_depth), mark)
    }

    fn scan_error(&self, err: &ScanError) -> SpecError {
        if err.info().contains("recursion limit exceeded") {
            return self.too_deep(*err.marker());
        }
        if err.info().contains("invalid Unicode character escape") {
            // A `\u` escape naming no Unicode scalar value (a lone surrogate): an encoding problem.
            return self.error(ErrorCode::SpecEncoding, err.info(), *err.marker());
        }
        self.error(ErrorCode::SpecYamlSyntax, err.info(), *err.marker())
    }
}

fn child_pointer(parent: &Frame) -> Option<String> {
    let p = parent.ptr.as_ref()?;
    match &parent.kind {
        Kind::Map { key: Some(k), .. } if k != MERGE_SENTINEL => Some(pointer::push(p, k)),
        Kind::Map { .. } => None,
        Kind::Seq { items } => Some(format!("{p}/{}", items.len())),
    }
}

/// `<<: *base` or `<<: [*a, *b]`: keys already present win, earlier sources win over later ones.
fn merge_into(map: &mut Map<String, Value>, source: Value) -> std::result::Result<(), &'static str> {
    let sources = match source {
        Value::Object(obj) => vec![obj],
        Value::Array(items) => items
            .into_iter()
            .map(|v| match v {
                Value::Object(obj) => Ok(obj),
                _ => Err("a merge key (<<) needs a mapping or a list of mappings"),
            })
            .collect::<std::result::Result<_, _>>()?,
        _ => return Err("a merge key (<<) needs a mapping or a list of mappings"),
    };
    for obj in sources {
        for (k, v) in obj {
            map.entry(k).or_insert(v);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn opts(max_alias_nodes: u64) -> LoadOptions {
        LoadOptions { max_depth: 64, max_alias_nodes, max_bytes: 100_000, ..LoadOptions::default() }
    }

    fn load(src: &str) -> Result<Value> {
        parse(src, &opts(1000)).map(|p| p.expect("a document").value)
    }

    fn code(src: &str) -> ErrorCode {
        load(src).unwrap_err().code
    }

    #[test]
    fn quoted_scalars_are_strings() {
        let v = load("a: '1'\nb: \"true\"\nc: 1\nd: 2020-01-01\ne: |\n  x\n").unwrap();
        assert_eq!(v, json!({"a": "1", "b": "true", "c": 1, "d": "2020-01-01", "e": "x\n"}));
    }

    #[test]
    fn nonstring_keys_become_strings_with_one_warning() {
        let parsed = parse("r:\n  200: a\n  default: b\n  404: c\n", &opts(10)).unwrap().unwrap();
        assert_eq!(parsed.value, json!({"r": {"200": "a", "default": "b", "404": "c"}}));
        assert_eq!(parsed.warnings.len(), 1);
        assert_eq!(parsed.warnings[0].code, ErrorCode::SpecNonstringKey);
        let parsed = parse("yes: 1\nno: 2", &opts(10)).unwrap().unwrap();
        assert_eq!(parsed.value, json!({"yes": 1, "no": 2}));
        assert_eq!(parsed.warnings.len(), 1);
    }

    #[test]
    fn tags_outside_the_core_schema_are_refused() {
        assert_eq!(code("a: !!python/object/apply:os.system [x]"), ErrorCode::SpecYamlUnsafeTag);
        assert_eq!(code("a: !Ref x"), ErrorCode::SpecYamlUnsafeTag);
        assert_eq!(code("a: !<tag:example.com:x> 1"), ErrorCode::SpecYamlUnsafeTag);
        assert_eq!(
            load("a: !!str 12\nb: !!int '7'\nc: !!binary aGk=").unwrap(),
            json!({"a": "12", "b": 7, "c": "aGk="})
        );
        assert_eq!(code("a: !!int abc"), ErrorCode::SpecYamlSyntax);
    }

    #[test]
    fn aliases_and_merge_keys() {
        let v = load("base: &b {x: 1, y: 2}\nuse: {<<: *b, y: 3}\nlist: [*b]").unwrap();
        assert_eq!(v["use"], json!({"y": 3, "x": 1}));
        assert_eq!(v["list"], json!([{"x": 1, "y": 2}]));
    }

    #[test]
    fn alias_bombs_hit_the_budget() {
        let mut src = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..9 {
            let refs = vec![format!("*a{}", i - 1); 10].join(", ");
            src.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
        }
        let start = std::time::Instant::now();
        assert_eq!(code(&src), ErrorCode::SpecYamlAliasLimit);
        assert!(start.elapsed().as_secs() < 1);
        // Few nodes, many bytes: one long string aliased over and over.
        let big = format!("a: &a {}\nb: [{}]\n", "x".repeat(10_000), vec!["*a"; 20].join(", "));
        assert_eq!(code(&big), ErrorCode::SpecYamlAliasLimit);
    }

    #[test]
    fn duplicates_multi_documents_depth_and_syntax() {
        let e = load("a: 1\nb:\n  c: 1\n  c: 2\n").unwrap_err();
        assert_eq!(e.code, ErrorCode::SpecDuplicateKey);
        assert_eq!(e.location.pointer.as_deref(), Some("/b/c"));
        assert_eq!(e.location.line, Some(4));
        assert_eq!(code("a: 1\n---\nb: 2\n"), ErrorCode::SpecMultiDocument);
        assert_eq!(code("a: \"\\ud800\""), ErrorCode::SpecEncoding);
        assert_eq!(code("a: *nope"), ErrorCode::SpecYamlSyntax);
        assert_eq!(code(&"- ".repeat(100)), ErrorCode::SpecTooDeep);
        assert_eq!(code(&format!("a: {}", "[".repeat(300))), ErrorCode::SpecTooDeep);
        let e = load("a: {b: 1\nc: 2\n").unwrap_err();
        assert_eq!(e.code, ErrorCode::SpecYamlSyntax);
        assert!(e.location.line.is_some());
        assert_eq!(code("info:\n  title: t\n    version: 1\n"), ErrorCode::SpecYamlSyntax);
    }

    #[test]
    fn empty_stream_has_no_document() {
        assert!(parse("# only a comment\n", &opts(10)).unwrap().is_none());
    }

    #[test]
    fn records_key_lines() {
        let parsed = parse("paths:\n  /a:\n    get:\n      responses: {}\n", &opts(10)).unwrap().unwrap();
        assert_eq!(parsed.source_lines.by_pointer.get("/paths/~1a/get"), Some(&3));
        assert_eq!(parsed.source_lines.by_pointer.get(""), Some(&1));
    }
}
