//! The one error type of the crate.
//!
//! Every failure to load or compile a spec is a [`SpecError`] carrying a stable [`ErrorCode`] (the strings are API:
//! they end up in result rows, reports and scripts) and a [`Location`]. The Python binding maps this type to
//! `agent_core.errors.SpecError` in exactly one place (`py/errors.rs`).

use serde::Serialize;
use std::fmt;

/// Messages are shown to users and stored; they never echo large or secret input.
pub const MAX_MESSAGE_BYTES: usize = 1024;

macro_rules! error_codes {
    ($( $variant:ident => $code:literal, $severity:literal, $meaning:literal; )*) => {
        /// Stable error and warning codes. See `docs/spec-errors.md` for the catalogue.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
        pub enum ErrorCode { $( #[doc = $meaning] #[serde(rename = $code)] $variant, )* }

        impl ErrorCode {
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self { $(ErrorCode::$variant => $code,)* }
            }

            /// "error" or "warning": warnings are reported but do not stop a load.
            pub fn severity(self) -> &'static str {
                match self { $(ErrorCode::$variant => $severity,)* }
            }

            pub fn meaning(self) -> &'static str {
                match self { $(ErrorCode::$variant => $meaning,)* }
            }
        }
    };
}

error_codes! {
    SpecJsonSyntax => "SPEC_JSON_SYNTAX", "error", "Malformed JSON.";
    SpecYamlSyntax => "SPEC_YAML_SYNTAX", "error", "Malformed YAML.";
    SpecEmpty => "SPEC_EMPTY", "error", "The document is empty (only whitespace or comments).";
    SpecNotAMapping => "SPEC_NOT_A_MAPPING", "error", "The document root is not an object.";
    SpecMultiDocument => "SPEC_MULTI_DOCUMENT", "error", "More than one YAML document in the stream.";
    SpecDuplicateKey => "SPEC_DUPLICATE_KEY", "error", "The same key appears twice in one object.";
    SpecEncoding => "SPEC_ENCODING", "error", "The bytes are not valid UTF-8 (a BOM is allowed) or hold forbidden control characters.";
    SpecYamlUnsafeTag => "SPEC_YAML_UNSAFE_TAG", "error", "A YAML tag outside the core schema (never constructed).";
    SpecYamlAliasLimit => "SPEC_YAML_ALIAS_LIMIT", "error", "YAML alias expansion exceeds the budget.";
    SpecTooLarge => "SPEC_TOO_LARGE", "error", "The input is larger than the configured limit.";
    SpecDecompressionLimit => "SPEC_DECOMPRESSION_LIMIT", "error", "The inflated size of a compressed input exceeds the limit.";
    SpecTooDeep => "SPEC_TOO_DEEP", "error", "The nesting depth exceeds the limit.";
    SpecTooManyFiles => "SPEC_TOO_MANY_FILES", "error", "The spec references more files than the limit allows.";
    SpecFormatUnsupported => "SPEC_FORMAT_UNSUPPORTED", "error", "The input is not an OpenAPI or Swagger document.";
    SpecVersionMissing => "SPEC_VERSION_MISSING", "error", "Neither `openapi` nor `swagger` is present.";
    SpecVersionUnsupported => "SPEC_VERSION_UNSUPPORTED", "error", "A well-formed but unsupported version.";
    SpecVersionInvalid => "SPEC_VERSION_INVALID", "error", "The version field has the wrong type or form.";
    SpecStructureInvalid => "SPEC_STRUCTURE_INVALID", "error", "The document violates the OpenAPI structure.";
    SpecRefUnresolved => "SPEC_REF_UNRESOLVED", "error", "A $ref target does not exist.";
    SpecRefCircular => "SPEC_REF_CIRCULAR", "error", "A cycle made only of $refs.";
    SpecRefForbidden => "SPEC_REF_FORBIDDEN", "error", "A $ref to a remote URL, a file: URI or a path outside the spec root.";
    SpecRefRemoteFailed => "SPEC_REF_REMOTE_FAILED", "error", "An allowed remote $ref could not be fetched.";
    SpecOperationIdDuplicate => "SPEC_OPERATION_ID_DUPLICATE", "error", "The same operationId on more than one operation.";
    SpecPathInvalid => "SPEC_PATH_INVALID", "error", "A path key that is not a valid path template.";
    SpecPathParamMismatch => "SPEC_PATH_PARAM_MISMATCH", "error", "Path template variables and `in: path` parameters do not match.";
    SpecPatternInvalid => "SPEC_PATTERN_INVALID", "error", "A `pattern` that is not a valid ECMA-262 regular expression.";
    SpecPatternUnsupported => "SPEC_PATTERN_UNSUPPORTED", "warning", "A valid regex that the generator cannot produce strings for.";
    SpecPatternUnsafe => "SPEC_PATTERN_UNSAFE", "warning", "A regex prone to catastrophic backtracking.";
    SpecFormatUnknown => "SPEC_FORMAT_UNKNOWN", "warning", "An unregistered `format`; data is generated from `type`.";
    SpecSecuritySchemeUndefined => "SPEC_SECURITY_SCHEME_UNDEFINED", "error", "A security requirement names an undefined scheme.";
    SpecServerUrlInvalid => "SPEC_SERVER_URL_INVALID", "error", "A server URL that cannot be parsed.";
    SpecNonstringKey => "SPEC_NONSTRING_KEY", "warning", "A YAML key that is not a string (normalised to one).";
    SpecRefIgnored => "SPEC_REF_IGNORED", "warning", "A $ref that was not followed (inside an extension, or unsupported form).";
    SpecSchemaUnsupported => "SPEC_SCHEMA_UNSUPPORTED", "warning", "A schema keyword that Sentinel ignores.";
    SpecSchemaUnsatisfiable => "SPEC_SCHEMA_UNSATISFIABLE", "warning", "A schema no value can satisfy; generation relaxes it and says so.";
    SpecOperationSkipped => "SPEC_OPERATION_SKIPPED", "warning", "An operation that cannot be tested and was skipped.";
    SpecIo => "SPEC_IO", "error", "The spec file could not be read.";
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where in the input a problem is. Any subset of the fields may be known.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Location {
    /// The file the problem is in, relative to the spec root when it is not the root document.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// RFC 6901 JSON pointer of the offending node ("" is the root).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    /// 1-based line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// 1-based column (in characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    /// 0-based byte offset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
}

impl Location {
    pub fn pointer(pointer: impl Into<String>) -> Self {
        Location { pointer: Some(pointer.into()), ..Location::default() }
    }

    pub fn line_col(line: u32, column: u32, offset: u64) -> Self {
        Location { line: Some(line), column: Some(column), offset: Some(offset), ..Location::default() }
    }

    pub fn with_file(mut self, file: impl Into<String>) -> Self {
        self.file = Some(file.into());
        self
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = Vec::new();
        if let Some(file) = &self.file {
            parts.push(file.clone());
        }
        if let Some(line) = self.line {
            match self.column {
                Some(col) => parts.push(format!("line {line}, column {col}")),
                None => parts.push(format!("line {line}")),
            }
        }
        if let Some(pointer) = &self.pointer {
            parts.push(format!("at {}", if pointer.is_empty() { "/" } else { pointer }));
        }
        f.write_str(&parts.join(", "))
    }
}

/// A classified failure to load a spec.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SpecError {
    pub code: ErrorCode,
    pub message: String,
    pub location: Location,
    /// Other places involved (e.g. the second operation that reuses an operationId).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<String>,
}

impl SpecError {
    pub fn new(code: ErrorCode, message: impl Into<String>, location: Location) -> Self {
        SpecError { code, message: bounded(message.into()), location, related: Vec::new() }
    }

    pub fn at_pointer(code: ErrorCode, message: impl Into<String>, pointer: impl Into<String>) -> Self {
        SpecError::new(code, message, Location::pointer(pointer))
    }

    pub fn with_related(mut self, related: Vec<String>) -> Self {
        self.related = related;
        self
    }
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let loc = self.location.to_string();
        if loc.is_empty() {
            write!(f, "{}: {}", self.code, self.message)
        } else {
            write!(f, "{}: {} ({})", self.code, self.message, loc)
        }
    }
}

impl std::error::Error for SpecError {}

/// A non-fatal problem found while loading; the spec is still usable.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Warning {
    pub code: ErrorCode,
    pub message: String,
    pub pointer: String,
}

impl Warning {
    pub fn new(code: ErrorCode, message: impl Into<String>, pointer: impl Into<String>) -> Self {
        Warning { code, message: bounded(message.into()), pointer: pointer.into() }
    }
}

/// Cut a message to [`MAX_MESSAGE_BYTES`] on a char boundary.
pub fn bounded(mut message: String) -> String {
    if message.len() > MAX_MESSAGE_BYTES {
        let mut cut = MAX_MESSAGE_BYTES - 3;
        while !message.is_char_boundary(cut) {
            cut -= 1;
        }
        message.truncate(cut);
        message.push_str("...");
    }
    message
}

/// Quote a piece of user input for a message: short, single-line, never the whole thing.
pub fn snippet(text: &str) -> String {
    const MAX: usize = 80;
    let one_line: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    if one_line.chars().count() > MAX {
        let cut: String = one_line.chars().take(MAX).collect();
        format!("'{cut}...'")
    } else {
        format!("'{one_line}'")
    }
}

pub type Result<T> = std::result::Result<T, SpecError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_upper_snake() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            let s = code.as_str();
            assert!(seen.insert(s), "duplicate code {s}");
            assert!(s.chars().all(|c| c.is_ascii_uppercase() || c == '_'), "{s}");
        }
    }

    #[test]
    fn messages_are_bounded() {
        let err = SpecError::new(ErrorCode::SpecJsonSyntax, "é".repeat(5000), Location::default());
        assert!(err.message.len() <= MAX_MESSAGE_BYTES);
    }

    #[test]
    fn display_names_code_and_location() {
        let err = SpecError::new(ErrorCode::SpecJsonSyntax, "bad", Location::line_col(4, 2, 30));
        assert_eq!(err.to_string(), "SPEC_JSON_SYNTAX: bad (line 4, column 2)");
    }
}
