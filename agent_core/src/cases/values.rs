//! Values of one schema without a surrounding request, for tests and benchmarks.

use serde::Serialize;
use serde_json::Value;

use super::{CaseKind, CaseSource};
use crate::datagen::{self, GenOptions, Label, Rng, Target};
use crate::model::SchemaId;
use crate::schema::Compiled;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GeneratedValue {
    pub value: Value,
    pub source: CaseSource,
    /// What a negative breaks, or which bound a boundary positive sits on.
    pub label: Option<Label>,
    /// For `source: "relaxed"` values: what was relaxed and where (see `GeneratedCase::relaxation`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relaxation: Option<String>,
}

/// Up to `count` values of schema `id`: positives (a few boundary values, then generated ones) or negatives (each
/// breaking one labelled constraint, repeated over fresh base values until `count` or no progress). A schema no
/// value satisfies gets values of its relaxed copy instead, marked `relaxed` with a note.
pub fn generate_values(
    compiled: &Compiled,
    id: SchemaId,
    kind: CaseKind,
    seed: u64,
    count: usize,
    target: Target,
) -> Vec<GeneratedValue> {
    let mut rng = Rng::new(seed);
    let opts = GenOptions { target, ..GenOptions::default() };
    let mut out = Vec::with_capacity(count);
    match kind {
        CaseKind::Positive => {
            for b in datagen::boundaries(compiled, id, opts, &mut rng, count / 4) {
                out.push(GeneratedValue {
                    value: b.value,
                    source: CaseSource::Boundary,
                    label: Some(b.label),
                    relaxation: None,
                });
            }
            let mut misses = 0;
            while out.len() < count && misses < 10 {
                match datagen::positive(compiled, id, opts, &mut rng) {
                    Some(value) => {
                        out.push(GeneratedValue { value, source: CaseSource::Generated, label: None, relaxation: None })
                    }
                    None => misses += 1,
                }
            }
        }
        CaseKind::Negative => {
            let mut stale = 0;
            while out.len() < count && stale < 3 {
                let batch = datagen::negatives(compiled, id, opts, &mut rng, count - out.len());
                if batch.is_empty() {
                    stale += 1;
                }
                for n in batch {
                    let source = if n.label.boundary { CaseSource::Boundary } else { CaseSource::Generated };
                    out.push(GeneratedValue { value: n.value, source, label: Some(n.label), relaxation: None });
                }
            }
        }
    }
    if out.is_empty() && count > 0 {
        relaxed(compiled, id, kind, opts, &mut rng, count, &mut out);
    }
    out
}

fn relaxed(
    c: &Compiled,
    id: SchemaId,
    kind: CaseKind,
    opts: GenOptions,
    rng: &mut Rng,
    count: usize,
    out: &mut Vec<GeneratedValue>,
) {
    let Some(r) = datagen::relax(c, id, opts, rng) else { return };
    let mut push = |value: Value, label: Option<Label>, source: CaseSource| {
        let relaxation = r.note(c, id, &value, opts.direction);
        let source = if relaxation.is_some() { CaseSource::Relaxed } else { source };
        out.push(GeneratedValue { value, source, label, relaxation });
    };
    match kind {
        CaseKind::Positive => {
            for _ in 0..count {
                match r.positive(id, opts, rng, datagen::POSITIVE_ATTEMPTS) {
                    Some(v) => push(v, None, CaseSource::Generated),
                    None => break,
                }
            }
        }
        CaseKind::Negative => {
            for n in datagen::relaxed_negatives(c, &r, id, opts, rng, count) {
                push(n.value, Some(n.label), CaseSource::Generated);
            }
        }
    }
}
