//! Sentinel's deterministic core.
//!
//! * [`spec`]: read, parse (JSON/YAML with hostile-input limits), resolve `$ref`s, normalise Swagger 2.0 /
//!   OpenAPI 3.0 / 3.1 into [`model::Spec`].
//! * [`schema`]: compile the spec's schemas into one IR shared by validation and generation.
//! * [`validate`]: JSON Schema validation (both dialects) returning every violation with its pointer.
//! * [`datagen`]: seeded positive, negative (one labelled violation) and boundary values.
//! * [`cases`]: whole request cases per operation.
//!
//! Nothing here does network I/O: files are read through [`spec::FileSource`], remote documents through
//! [`spec::RemoteFetcher`], both supplied by the caller. `py/` (feature `python`) is the only PyO3 code.

pub mod cases;
pub mod datagen;
pub mod error;
pub mod model;
pub mod schema;
pub mod spec;
pub mod validate;

#[cfg(feature = "python")]
mod py;

pub use error::{ErrorCode, Location, Result, SpecError, Warning};

/// A loaded spec with its compiled schemas: everything generation and validation need.
pub struct Loaded {
    pub spec: model::Spec,
    pub compiled: schema::Compiled,
}

/// Load, normalise and compile a spec. Compile-time problems (invalid patterns, unknown formats) are errors or
/// warnings on the returned spec.
pub fn load(
    input: spec::Input<'_>,
    options: &spec::LoadOptions,
    files: &dyn spec::FileSource,
    remote: Option<&dyn spec::RemoteFetcher>,
) -> Result<Loaded> {
    let mut spec = spec::load(input, options, files, remote)?;
    let (compiled, warnings) = schema::compile(&spec.schemas, spec.dialect)?;
    spec.warnings.extend(warnings);
    Ok(Loaded { spec, compiled })
}
