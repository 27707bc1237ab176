//! Seeded data generation: positive, negative and boundary values.
//!
//! * [`positive`]: a value valid against the schema. Built from the merged keywords (see `conjuncts`), then
//!   checked with the validator; an invalid draw is retried and finally dropped, so a positive is never invalid.
//! * [`negatives`]: values that each break exactly one labelled constraint (type, enum, bounds, lengths,
//!   pattern, format, required, additionalProperties, item and property counts, ... at the root or nested in
//!   properties and items). Each is checked: it must be invalid and every violation must be the labelled one.
//! * [`boundaries`]: valid values sitting exactly on a bound (minimum, maxLength, minItems, ...).
//! * [`relax`]: for a schema no value satisfies, a relaxed copy of the schemas (see `relax` for the ladder) from
//!   which the closest honest value is generated; such values are invalid and always marked as relaxed.
//!
//! All randomness comes from [`rng::Rng`], so a seed gives the same values on every platform and release.

mod boundary;
mod breakers;
mod conjuncts;
mod formats;
mod mutate;
mod negative;
mod numbers;
mod positive;
pub mod relax;
pub mod rng;
mod sites;
mod strings;

use serde::Serialize;
use serde_json::Value;

use crate::model::SchemaId;
use crate::schema::Compiled;
use crate::validate::{is_valid, Direction};

pub use relax::{relax, Relaxed, Rung, Step};
pub use rng::Rng;

/// How the value travels: as JSON (a body), or as text (path/query/header/cookie parameters, form fields), where
/// every value becomes a string and a type violation must survive that (an integer parameter gets "abc", never
/// the string "5"; nothing can break `type: string`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    Json,
    Text,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GenOptions {
    pub target: Target,
    /// Requests omit readOnly properties; responses omit writeOnly ones.
    pub direction: Direction,
}

impl Default for GenOptions {
    fn default() -> Self {
        GenOptions { target: Target::Json, direction: Direction::Request }
    }
}

impl GenOptions {
    pub fn text() -> Self {
        GenOptions { target: Target::Text, ..GenOptions::default() }
    }
}

/// Which constraint a value breaks (negatives) or sits on (boundary positives).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Label {
    /// The JSON Schema keyword, as the validator reports it.
    pub keyword: &'static str,
    /// Pointer of the keyword in the spec.
    pub schema_pointer: String,
    /// Where in the value (RFC 6901) the validator reports it.
    pub instance_pointer: String,
    pub description: String,
    /// The value is at (positive) or just past (negative) a bound.
    pub boundary: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Labelled {
    pub value: Value,
    pub label: Label,
}

/// Draws before a positive value is given up.
pub const POSITIVE_ATTEMPTS: usize = 10;

/// A value valid against node `id`, or None when none was found in [`POSITIVE_ATTEMPTS`] draws.
pub fn positive(c: &Compiled, id: SchemaId, opts: GenOptions, rng: &mut Rng) -> Option<Value> {
    positive_with(c, id, opts, rng, POSITIVE_ATTEMPTS)
}

/// [`positive`] with an explicit number of draws.
pub fn positive_with(c: &Compiled, id: SchemaId, opts: GenOptions, rng: &mut Rng, attempts: usize) -> Option<Value> {
    generate_checked(c, id, opts, rng, attempts, false)
}

/// A checked positive; `rich` builds the fullest value (the base that negatives and boundaries edit).
fn generate_checked(
    c: &Compiled,
    id: SchemaId,
    opts: GenOptions,
    rng: &mut Rng,
    attempts: usize,
    rich: bool,
) -> Option<Value> {
    if id as usize >= c.nodes.len() {
        return None;
    }
    let mut gen = positive::Generator::new(c, rng, opts);
    gen.rich = rich;
    for _ in 0..attempts {
        gen.reset_budget();
        if let Some(v) = gen.value(&[id], 0) {
            if is_valid(c, id, &v, opts.direction) {
                return Some(v);
            }
        }
    }
    None
}

/// Up to `limit` values that each break one labelled constraint of node `id` (checked with the validator),
/// spread over the places of the value (root first, then properties and items in turn).
pub fn negatives(c: &Compiled, id: SchemaId, opts: GenOptions, rng: &mut Rng, limit: usize) -> Vec<Labelled> {
    negative::negatives(c, None, id, opts, rng, limit)
}

/// [`negatives`] of a relaxed schema (bases and checks use the relaxed copy), keeping only those whose label is a
/// violation of the `original` schema that the relaxed base value does not already have: a negative never labels
/// what only the relaxation introduced (e.g. an `enum` whose values had to be coerced).
pub fn relaxed_negatives(
    original: &Compiled,
    relaxed: &Relaxed,
    id: SchemaId,
    opts: GenOptions,
    rng: &mut Rng,
    limit: usize,
) -> Vec<Labelled> {
    negative::negatives(&relaxed.compiled, Some(original), id, opts, rng, limit)
}

/// Up to `limit` valid values that each sit exactly on one bound of node `id` (label `boundary: true`).
pub fn boundaries(c: &Compiled, id: SchemaId, opts: GenOptions, rng: &mut Rng, limit: usize) -> Vec<Labelled> {
    boundary::boundaries(c, id, opts, rng, limit)
}

#[cfg(test)]
mod relax_tests;
#[cfg(test)]
mod tests;
