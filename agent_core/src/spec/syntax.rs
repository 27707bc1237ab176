//! Text → value: choose JSON or YAML from the name and the content, with one fallback.

use serde_json::Value;

use super::{json, yaml, LoadOptions};
use crate::error::{ErrorCode, Location, Result, SpecError, Warning};
use crate::model::SourceLines;

/// Pointers with at most this many tokens get their line recorded (enough for
/// `/paths/{p}/{method}/requestBody/content/{type}` and `/components/schemas/X/properties/y`).
pub const LINE_DEPTH: usize = 6;

/// A parsed document.
#[derive(Debug, Default)]
pub struct Parsed {
    pub value: Value,
    pub source_lines: SourceLines,
    pub warnings: Vec<Warning>,
    /// Lines of shallow containers as the parser meets them; moved into `source_lines` at the end, sized once.
    pub lines: Vec<(String, u32)>,
}

impl Parsed {
    pub fn finish_lines(&mut self) {
        let lines = std::mem::take(&mut self.lines);
        let mut map = std::collections::HashMap::with_capacity(lines.len());
        map.extend(lines);
        self.source_lines = SourceLines { by_pointer: map };
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Hint {
    Json,
    Yaml,
    None,
}

fn hint(name: &str) -> Hint {
    let lower = name.to_ascii_lowercase();
    let lower = lower.strip_suffix(".gz").unwrap_or(&lower);
    if lower.ends_with(".json") {
        Hint::Json
    } else if lower.ends_with(".yaml") || lower.ends_with(".yml") {
        Hint::Yaml
    } else {
        Hint::None
    }
}

/// Parse `text` as JSON or YAML. JSON for `.json` names and for `{`/`[` content; a `{`-document that is not a
/// `.json` file and fails as JSON gets a second chance as YAML (flow-style YAML is common).
pub fn parse(text: &str, name: &str, options: &LoadOptions) -> Result<Parsed> {
    if is_blank(text) {
        return Err(SpecError::new(
            ErrorCode::SpecEmpty,
            "the document is empty (only whitespace or comments)",
            Location::default(),
        ));
    }
    let hint = hint(name);
    let first = text.trim_start().as_bytes().first().copied();
    let looks_json = matches!(first, Some(b'{' | b'['));
    if hint == Hint::Json || looks_json {
        match json::parse(text, options.max_depth) {
            Ok(parsed) => return Ok(parsed),
            Err(err) if hint == Hint::Json || err.code != ErrorCode::SpecJsonSyntax => return Err(err),
            Err(json_err) => {
                return match yaml_document(text, options) {
                    Ok(parsed) => Ok(parsed),
                    Err(yaml_err) if hint == Hint::Yaml => Err(yaml_err),
                    Err(yaml_err) if yaml_err.code != ErrorCode::SpecYamlSyntax => Err(yaml_err),
                    Err(_) => Err(json_err),
                };
            }
        }
    }
    yaml_document(text, options)
}

fn yaml_document(text: &str, options: &LoadOptions) -> Result<Parsed> {
    yaml::parse(text, options)?
        .ok_or_else(|| SpecError::new(ErrorCode::SpecEmpty, "the document holds no YAML document", Location::default()))
}

/// Only whitespace, comments and YAML document markers.
fn is_blank(text: &str) -> bool {
    text.lines().all(|line| {
        let t = line.trim();
        t.is_empty() || t.starts_with('#') || t == "---" || t == "..."
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(text: &str, name: &str) -> ErrorCode {
        parse(text, name, &LoadOptions::default()).map(|_| ()).unwrap_err().code
    }

    #[test]
    fn blank_documents_are_empty() {
        assert_eq!(code("", "a.yaml"), ErrorCode::SpecEmpty);
        assert_eq!(code("  \n# c\n---\n", "a.json"), ErrorCode::SpecEmpty);
    }

    #[test]
    fn the_extension_picks_the_reported_parser() {
        assert_eq!(code("{\"a\": 1,}", "a.json"), ErrorCode::SpecJsonSyntax);
        assert_eq!(code("{a: [1}", "a.yaml"), ErrorCode::SpecYamlSyntax);
        assert_eq!(code("{a: [1}", "upload"), ErrorCode::SpecJsonSyntax);
        assert_eq!(code("a: {", "a.json"), ErrorCode::SpecJsonSyntax);
    }

    #[test]
    fn flow_yaml_falls_back_from_json() {
        let parsed = parse("{openapi: 3.0.0, paths: {}}", "spec.yaml", &LoadOptions::default()).unwrap();
        assert_eq!(parsed.value["openapi"], "3.0.0");
        let parsed = parse("{openapi: 3.0.0}", "upload", &LoadOptions::default()).unwrap();
        assert_eq!(parsed.value["openapi"], "3.0.0");
    }
}
