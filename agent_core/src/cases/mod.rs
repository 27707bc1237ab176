//! Whole request cases for one operation.
//!
//! [`generate_cases`] builds positive cases (examples first, then boundary values, then generated ones) or
//! negative cases (exactly one violation each, in one parameter or the body, everything else valid), de-duplicated
//! by a content hash. Values are not serialised: the Python executor applies style/explode and the media type.
//! Randomness is seeded per operation from (seed, operationId, kind), so selecting other operations never changes
//! an operation's cases, and the same seed and spec always give the same output.

mod id;
mod negative;
mod plan;
mod positive;
mod values;

use indexmap::IndexMap;
use serde::Serialize;
use serde_json::Value;

use crate::datagen::Rng;
use crate::model::Spec;
use crate::schema::Compiled;

pub use id::{canonical, content_id, operation_seed};
pub use values::{generate_values, GeneratedValue};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CaseKind {
    Positive,
    Negative,
}

impl CaseKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CaseKind::Positive => "positive",
            CaseKind::Negative => "negative",
        }
    }
}

#[derive(Clone, Debug)]
pub struct CaseRequest {
    pub kind: CaseKind,
    pub seed: u64,
    pub max_cases: usize,
}

/// Where a case's values came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CaseSource {
    /// Parameter, media-type or schema examples/defaults.
    Example,
    Generated,
    /// A value on (positive) or just past (negative) a bound.
    Boundary,
    /// Built on a relaxed value of a schema that no value satisfies (see `GeneratedCase::relaxation`): the closest
    /// honest attempt, not a valid request. Only when no strictly valid case exists.
    Relaxed,
}

/// The part of the request a negative case breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PartLocation {
    Path,
    Query,
    Header,
    Cookie,
    Body,
}

/// The one violation of a negative case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CaseViolation {
    pub location: PartLocation,
    /// The parameter's name; None for the body.
    pub parameter: Option<String>,
    pub keyword: &'static str,
    pub schema_pointer: String,
    /// Pointer inside the parameter value or body.
    pub instance_pointer: String,
    pub description: String,
    pub boundary: bool,
}

/// One request to send. This is the JSON handed to Python as is.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GeneratedCase {
    /// First 32 hex digits of SHA-256 over the canonical (sorted-key) JSON of operation_id, kind, the parts, body,
    /// has_body and media_type.
    pub case_id: String,
    pub operation_id: String,
    pub kind: CaseKind,
    pub source: CaseSource,
    pub path_params: IndexMap<String, Value>,
    pub query: IndexMap<String, Value>,
    pub headers: IndexMap<String, Value>,
    pub cookies: IndexMap<String, Value>,
    pub body: Value,
    pub has_body: bool,
    /// The request body's media type (None without a body).
    pub media_type: Option<String>,
    /// Negative cases only.
    pub violation: Option<CaseViolation>,
    /// For `source: "relaxed"` cases: what was relaxed and where, one `<part>: <rung> at <schema pointer>/<keyword>:
    /// <detail>` per relaxation, separated by `; `, e.g. `body: coerced-enum at
    /// #/components/schemas/X/properties/n/enum: ...`. Absent from the JSON otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relaxation: Option<String>,
}

/// Up to `request.max_cases` cases for operation `op_index` of `spec`. Positive: at least one case whenever
/// `max_cases >= 1`; when a required part's schema is contradictory and no strictly valid case exists, the cases are
/// built from relaxed values (`source: "relaxed"`, with a `relaxation` note). Negative: cases spread round-robin
/// over the parameters and the body; on a relaxed base, a violation is only ever one the original schema reports.
pub fn generate_cases(spec: &Spec, compiled: &Compiled, op_index: usize, request: &CaseRequest) -> Vec<GeneratedCase> {
    let Some(op) = spec.operations.get(op_index) else { return Vec::new() };
    if request.max_cases == 0 {
        return Vec::new();
    }
    let mut rng = Rng::new(operation_seed(request.seed, &op.operation_id, request.kind.as_str()));
    let plan = plan::Plan::new(op);
    match request.kind {
        CaseKind::Positive => positive::cases(compiled, &plan, &mut rng, request.max_cases),
        CaseKind::Negative => negative::cases(compiled, &plan, &mut rng, request.max_cases),
    }
}

/// Collects cases, dropping duplicates (same case_id).
struct CaseSet {
    cases: Vec<GeneratedCase>,
    seen: std::collections::HashSet<String>,
    max: usize,
}

impl CaseSet {
    fn new(max: usize) -> CaseSet {
        CaseSet { cases: Vec::with_capacity(max.min(1024)), seen: std::collections::HashSet::new(), max }
    }

    fn full(&self) -> bool {
        self.cases.len() >= self.max
    }

    /// Add unless full or a duplicate; true when added.
    fn push(&mut self, case: GeneratedCase) -> bool {
        if self.full() || !self.seen.insert(case.case_id.clone()) {
            return false;
        }
        self.cases.push(case);
        true
    }
}

#[cfg(test)]
mod tests;
