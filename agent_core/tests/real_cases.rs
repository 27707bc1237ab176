//! Every operation of every loadable real spec yields at least one positive case (`max_cases = 1`, seed 1, as the
//! Python corpus test asks), relaxed cases are the exception, and negatives built on a relaxed base only label
//! violations of the original schema.
//!
//! The corpus is found through `SENTINEL_SPECS_DIR`, else `<CARGO_MANIFEST_DIR>/../../shared/specs`, else
//! `/work/shared/specs` (the folder holding `real/MANIFEST.tsv`). About 20 s in a debug build.

use std::path::{Path, PathBuf};
use std::time::Instant;

use agent_core::cases::{generate_cases, CaseKind, CaseRequest, CaseSource, PartLocation};
use agent_core::spec::{Base, FsSource, Input, LoadOptions};
use agent_core::validate::{validate, Direction};
use agent_core::ErrorCode;

/// Real specs that genuinely fail to load (the loader's own corpus test checks the code and the reason).
const NOT_LOADABLE: &[(&str, &str)] = &[("openai-openapi__openapi.yaml", "SPEC_PATH_INVALID")];

fn real_dir() -> PathBuf {
    let mut candidates = Vec::new();
    if let Ok(dir) = std::env::var("SENTINEL_SPECS_DIR") {
        candidates.push(PathBuf::from(dir));
    }
    candidates.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/specs"));
    candidates.push(PathBuf::from("/work/shared/specs"));
    for dir in &candidates {
        if dir.join("real/MANIFEST.tsv").is_file() {
            return dir.join("real");
        }
    }
    panic!("spec corpus not found: set SENTINEL_SPECS_DIR to the folder holding real/ (looked in {candidates:?})");
}

fn load(real: &Path, file: &str) -> agent_core::Result<agent_core::Loaded> {
    let path = real.join(file);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    // Multi-file specs reference siblings up the tree (Azure's common-types): the root is the source checkout.
    let parts: Vec<&str> = file.split('/').collect();
    let root_dir = (parts[0] == "multi").then(|| real.join(parts[0]).join(parts[1]));
    let options = LoadOptions { root_dir, ..LoadOptions::default() };
    agent_core::load(Input { bytes: &bytes, name: file.to_string(), base: Base::File(path) }, &options, &FsSource, None)
}

#[test]
fn every_operation_of_every_real_spec_yields_a_positive_case() {
    let real = real_dir();
    let manifest = std::fs::read_to_string(real.join("MANIFEST.tsv")).expect("manifest");
    let start = Instant::now();
    let (mut specs, mut operations, mut warnings) = (0usize, 0usize, 0usize);
    let mut empty: Vec<String> = Vec::new();
    let mut relaxed: Vec<String> = Vec::new();
    for line in manifest.lines().skip(1) {
        let file = line.split('\t').next().expect("a file column");
        let loaded = match load(&real, file) {
            Ok(loaded) => loaded,
            Err(e) => {
                let expected = NOT_LOADABLE.iter().find(|(f, _)| *f == file).map(|(_, code)| *code);
                assert_eq!(expected, Some(e.code.as_str()), "{file} does not load: {e}");
                continue;
            }
        };
        specs += 1;
        let spec = &loaded.spec;
        warnings += spec.warnings.iter().filter(|w| w.code == ErrorCode::SpecSchemaUnsatisfiable).count();
        for (i, op) in spec.operations.iter().enumerate() {
            operations += 1;
            let label = format!("{file} {} {}", op.method.to_uppercase(), op.path);
            let request = CaseRequest { kind: CaseKind::Positive, seed: 1, max_cases: 1 };
            let cases = generate_cases(spec, &loaded.compiled, i, &request);
            let Some(case) = cases.first() else {
                empty.push(label);
                continue;
            };
            assert_eq!(case.source == CaseSource::Relaxed, case.relaxation.is_some(), "{label}: {case:?}");
            if case.relaxation.is_none() {
                continue;
            }
            relaxed.push(format!("{label}\n    {}", case.relaxation.as_deref().unwrap_or_default()));
            // Negatives on the relaxed base: each body violation is one the original schema reports.
            let body_schema = op.request_body.as_ref().and_then(|b| b.content.iter().find_map(|m| m.schema));
            let request = CaseRequest { kind: CaseKind::Negative, seed: 1, max_cases: 20 };
            let negatives = generate_cases(spec, &loaded.compiled, i, &request);
            assert!(!negatives.is_empty(), "{label}: no negative on a relaxed base");
            for n in negatives {
                let v = n.violation.as_ref().expect("a negative has a violation");
                let (PartLocation::Body, Some(schema), true) = (v.location, body_schema, n.has_body) else { continue };
                let original = validate(&loaded.compiled, schema, &n.body, Direction::Request);
                assert!(
                    original.iter().any(|o| o.keyword == v.keyword && o.instance_pointer == v.instance_pointer),
                    "{label}: {v:?} is not a violation of the original schema: {original:?}"
                );
            }
        }
    }
    println!(
        "{specs} specs, {operations} operations, {} relaxed, {warnings} {} warnings, {:.1?}",
        relaxed.len(),
        ErrorCode::SpecSchemaUnsatisfiable,
        start.elapsed()
    );
    for r in &relaxed {
        println!("relaxed: {r}");
    }
    assert!(
        empty.is_empty(),
        "{} operations yield no positive case: {:#?}",
        empty.len(),
        &empty[..empty.len().min(10)]
    );
    assert!(specs >= 100, "only {specs} specs loaded");
    // Relaxation is for contradictory schemas only: a handful of operations, never a habit.
    assert!(relaxed.len() * 200 <= operations, "{} of {operations} operations needed relaxation", relaxed.len());
}
