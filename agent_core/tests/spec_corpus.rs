//! The shared spec corpus: every broken/hostile case gets its expected code, every real spec loads with the
//! operation count its MANIFEST states.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use agent_core::spec::{self, Base, FsSource, Input, LoadOptions};
use agent_core::{Location, SpecError};
use serde_json::Value;

/// Real specs that are genuinely broken, with the error they must fail with and why.
const REAL_FAILURES: &[(&str, &str, &str)] = &[(
    "openai-openapi__openapi.yaml",
    "SPEC_PATH_INVALID",
    "path key `/responses?beta=true` carries a query string; URLs built from it would be wrong",
)];

/// Broken-corpus cases whose code belongs to the schema compiler: at the loader's level they must load.
const COMPILER_CASES: &[&str] =
    &["pattern_invalid_regex.yaml", "pattern_unbalanced_group.json", "format_unknown_values.yaml"];

fn corpus_dir() -> PathBuf {
    let mut candidates = Vec::new();
    if let Ok(dir) = std::env::var("SENTINEL_SPECS_DIR") {
        candidates.push(PathBuf::from(dir));
    }
    candidates.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/specs"));
    candidates.push(PathBuf::from("/work/shared/specs"));
    for dir in &candidates {
        if dir.join("broken/expected.json").is_file() && dir.join("real/MANIFEST.tsv").is_file() {
            return dir.clone();
        }
    }
    panic!(
        "spec corpus not found: set SENTINEL_SPECS_DIR to the folder holding broken/ and real/ (looked in {candidates:?})"
    );
}

fn load_file(path: &Path, root_dir: Option<PathBuf>) -> (Result<agent_core::model::Spec, SpecError>, Duration) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let options = LoadOptions { root_dir, ..LoadOptions::default() };
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let start = Instant::now();
    let result =
        spec::load(Input { bytes: &bytes, name, base: Base::File(path.to_path_buf()) }, &options, &FsSource, None);
    (result, start.elapsed())
}

fn outcome(result: &Result<agent_core::model::Spec, SpecError>) -> (String, Option<Location>) {
    match result {
        Ok(_) => ("OK".to_owned(), None),
        Err(e) => (e.code.as_str().to_owned(), Some(e.location.clone())),
    }
}

#[test]
fn broken_corpus_gives_the_expected_codes() {
    let dir = corpus_dir().join("broken");
    let expected: Value = serde_json::from_slice(&std::fs::read(dir.join("expected.json")).unwrap()).unwrap();
    let mut failures = Vec::new();
    let mut checked = 0;
    for case in expected["cases"].as_array().unwrap() {
        if case["severity"] == "helper" {
            continue;
        }
        let file = case["file"].as_str().unwrap();
        let path = dir.join(file);
        if file == "huge_50mb.json" && !path.exists() {
            continue;
        }
        let mut want: Vec<String> = vec![case["code"].as_str().unwrap().to_owned()];
        want.extend(case["also_acceptable"].as_array().unwrap().iter().filter_map(|v| v.as_str()).map(str::to_owned));
        if COMPILER_CASES.contains(&file) {
            want = vec!["OK".to_owned()];
        }
        let (first, elapsed) = load_file(&path, None);
        let (second, _) = load_file(&path, None);
        let (code, location) = outcome(&first);
        checked += 1;
        if !want.contains(&code) {
            failures.push(format!("{file}: expected {want:?}, got {code} {:?}", first.as_ref().err()));
            continue;
        }
        if outcome(&second) != (code.clone(), location) {
            failures.push(format!("{file}: a second load gave a different outcome"));
        }
        if let Ok(spec) = &first {
            if spec.operations.is_empty() {
                failures.push(format!("{file}: loaded without operations"));
            }
        }
        if let Err(err) = &first {
            assert!(err.message.len() < 2048, "{file}: message too long");
            assert!(!err.message.contains("root:x:0:0"), "{file}: message echoes file content");
        }
        if file == "huge_50mb.json" && elapsed > Duration::from_secs(2) {
            failures.push(format!("{file}: refused in {elapsed:?}, not before parsing"));
        }
        if elapsed > Duration::from_secs(5) {
            failures.push(format!("{file}: took {elapsed:?}"));
        }
    }
    assert!(checked >= 30, "only {checked} broken cases found");
    assert!(failures.is_empty(), "broken corpus failures:\n{}", failures.join("\n"));
}

#[test]
fn specific_broken_locations() {
    let dir = corpus_dir().join("broken");
    let err = load_file(&dir.join("json_trailing_comma.json"), None).0.unwrap_err();
    assert_eq!(err.location.line, Some(4));
    let err = load_file(&dir.join("ref_dangling_internal.yaml"), None).0.unwrap_err();
    assert_eq!(
        err.location.pointer.as_deref(),
        Some("/paths/~1pets/get/responses/200/content/application~1json/schema")
    );
    assert!(err.message.contains("Missing"), "{}", err.message);
    let err = load_file(&dir.join("duplicate_operation_id.yaml"), None).0.unwrap_err();
    assert_eq!(err.related.len(), 2);
    let spec = load_file(&dir.join("ok_yaml_numeric_status_codes.yaml"), None).0.unwrap();
    let statuses: Vec<&str> = spec.operations[0].responses.iter().map(|r| r.status.as_str()).collect();
    assert_eq!(statuses, ["200", "404", "default"]);
    assert!(spec.warnings.iter().any(|w| w.code.as_str() == "SPEC_NONSTRING_KEY"));
    let err = load_file(&dir.join("non_utf8_latin1.yaml"), None).0.unwrap_err();
    assert!(err.location.offset.is_some() && err.location.line.is_some());
}

struct Row {
    file: String,
    operations: usize,
}

fn manifest(real: &Path) -> Vec<Row> {
    let text = std::fs::read_to_string(real.join("MANIFEST.tsv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap_or_else(|| panic!("no column {name}"));
    let (file, ops) = (col("file"), col("operations"));
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let cells: Vec<&str> = l.split('\t').collect();
            Row { file: cells[file].to_owned(), operations: cells[ops].parse().unwrap() }
        })
        .collect()
}

#[test]
fn real_corpus_loads() {
    let real = corpus_dir().join("real");
    let rows = manifest(&real);
    assert!(rows.len() >= 100, "MANIFEST lists only {} specs", rows.len());
    let known: HashMap<&str, (&str, &str)> = REAL_FAILURES.iter().map(|(f, c, why)| (*f, (*c, *why))).collect();
    let mut failures = Vec::new();
    let mut timings = Vec::new();
    for row in &rows {
        let path = real.join(&row.file);
        let root_dir =
            row.file.strip_prefix("multi/").map(|rest| real.join("multi").join(rest.split('/').next().unwrap()));
        let (result, elapsed) = load_file(&path, root_dir);
        timings.push((elapsed, row.file.clone()));
        match (&result, known.get(row.file.as_str())) {
            (Ok(spec), None) => {
                if spec.operations.len() != row.operations {
                    failures.push(format!(
                        "{}: {} operations, MANIFEST says {}",
                        row.file,
                        spec.operations.len(),
                        row.operations
                    ));
                }
            }
            (Err(err), Some((code, _))) if err.code.as_str() == *code => {}
            (Err(err), _) => failures.push(format!("{}: {err}", row.file)),
            (Ok(_), Some(_)) => {
                failures.push(format!("{}: listed as failing but loads; remove it from the list", row.file))
            }
        }
    }
    timings.sort_by_key(|t| std::cmp::Reverse(t.0));
    for (elapsed, file) in timings.iter().take(8) {
        println!("slowest: {elapsed:>10.1?}  {file}");
    }
    assert!(failures.is_empty(), "{} real specs failed:\n{}", failures.len(), failures.join("\n"));
}
