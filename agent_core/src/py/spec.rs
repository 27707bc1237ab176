//! `load_spec` and the `NativeSpec` handle: one loaded spec, its model as JSON, generation and validation.

use std::path::PathBuf;

use pyo3::exceptions::{PyIndexError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

use super::errors::spec_error;
use super::files::{PyFetcher, PyFileSource};
use crate::cases::{generate_cases, CaseKind, CaseRequest};
use crate::spec::{Base, Input, LoadOptions};
use crate::validate::{validate_json_bytes, Direction};
use crate::Loaded;

/// A loaded, compiled spec. Immutable; safe to share between threads.
#[pyclass(frozen, module = "agent_core._native")]
pub struct NativeSpec {
    loaded: Loaded,
}

#[pymethods]
impl NativeSpec {
    /// The normalised model (`model::Spec`) as JSON.
    fn model_json<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let bytes = serde_json::to_vec(&self.loaded.spec).map_err(|e| PyValueError::new_err(e.to_string()))?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// One stored schema as JSON (its `$ref`s are numbers: ids of other stored schemas).
    fn schema_json<'py>(&self, py: Python<'py>, schema_id: u32) -> PyResult<Bound<'py, PyBytes>> {
        let entry = self
            .loaded
            .spec
            .schemas
            .get(schema_id)
            .ok_or_else(|| PyIndexError::new_err(format!("no schema {schema_id}")))?;
        let bytes = serde_json::to_vec(&entry.value).map_err(|e| PyValueError::new_err(e.to_string()))?;
        Ok(PyBytes::new(py, &bytes))
    }

    fn schema_count(&self) -> usize {
        self.loaded.spec.schemas.len()
    }

    /// Line of a JSON pointer of the root document (or of its nearest known ancestor).
    fn line_of(&self, pointer: &str) -> Option<u32> {
        self.loaded.spec.lines.line_of(pointer)
    }

    /// Cases for one operation as a JSON array of `cases::GeneratedCase`.
    fn generate_cases<'py>(
        &self,
        py: Python<'py>,
        operation_index: usize,
        kind: &str,
        seed: u64,
        max_cases: usize,
    ) -> PyResult<Bound<'py, PyBytes>> {
        if operation_index >= self.loaded.spec.operations.len() {
            return Err(PyIndexError::new_err(format!("no operation {operation_index}")));
        }
        let request = CaseRequest { kind: case_kind(kind)?, seed, max_cases };
        let loaded = &self.loaded;
        let bytes = py.detach(|| {
            let cases = generate_cases(&loaded.spec, &loaded.compiled, operation_index, &request);
            serde_json::to_vec(&cases)
        });
        let bytes = bytes.map_err(|e| PyValueError::new_err(e.to_string()))?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// Every violation of `instance_json` against stored schema `schema_id`, as
    /// `(keyword, instance_pointer, schema_pointer, message)`. Bytes that are not JSON give one `json` violation.
    fn validate(
        &self,
        py: Python<'_>,
        schema_id: u32,
        instance_json: &[u8],
        direction: &str,
    ) -> PyResult<Vec<(&'static str, String, String, String)>> {
        if self.loaded.spec.schemas.get(schema_id).is_none() {
            return Err(PyIndexError::new_err(format!("no schema {schema_id}")));
        }
        let direction = parse_direction(direction)?;
        let compiled = &self.loaded.compiled;
        let violations = py.detach(|| validate_json_bytes(compiled, schema_id, instance_json, direction));
        Ok(violations.into_iter().map(|v| (v.keyword, v.instance_pointer, v.schema_pointer, v.message)).collect())
    }
}

pub fn case_kind(kind: &str) -> PyResult<CaseKind> {
    match kind {
        "positive" => Ok(CaseKind::Positive),
        "negative" => Ok(CaseKind::Negative),
        other => Err(PyValueError::new_err(format!("kind must be 'positive' or 'negative', not {other:?}"))),
    }
}

pub fn parse_direction(direction: &str) -> PyResult<Direction> {
    match direction {
        "request" => Ok(Direction::Request),
        "response" => Ok(Direction::Response),
        other => Err(PyValueError::new_err(format!("direction must be 'request' or 'response', not {other:?}"))),
    }
}

/// Load and compile a spec. Referenced files are read through `read_file(path, max_bytes)`, remote documents
/// through `fetch(url, max_bytes)` (only with `allow_remote_refs`). Raises `agent_core.errors.SpecError`.
#[pyfunction]
#[pyo3(signature = (data, name, base_path, base_url, options, read_file, fetch))]
#[allow(clippy::too_many_arguments)]
pub fn load_spec(
    py: Python<'_>,
    data: &[u8],
    name: String,
    base_path: Option<PathBuf>,
    base_url: Option<String>,
    options: &Bound<'_, PyDict>,
    read_file: Bound<'_, PyAny>,
    fetch: Option<Bound<'_, PyAny>>,
) -> PyResult<NativeSpec> {
    let options = load_options(options)?;
    let base = match (base_path, base_url) {
        (Some(path), _) => Base::File(path),
        (None, Some(url)) => Base::Url(url),
        (None, None) => Base::None,
    };
    let files = PyFileSource { reader: read_file };
    let fetcher = fetch.map(|fetch| PyFetcher { fetch });
    let remote = fetcher.as_ref().map(|f| f as &dyn crate::spec::RemoteFetcher);
    let input = Input { bytes: data, name, base };
    crate::load(input, &options, &files, remote).map(|loaded| NativeSpec { loaded }).map_err(|err| spec_error(py, err))
}

fn load_options(options: &Bound<'_, PyDict>) -> PyResult<LoadOptions> {
    let mut out = LoadOptions::default();
    if let Some(v) = options.get_item("max_bytes")? {
        out.max_bytes = v.extract()?;
    }
    if let Some(v) = options.get_item("max_depth")? {
        out.max_depth = v.extract()?;
    }
    if let Some(v) = options.get_item("max_alias_nodes")? {
        out.max_alias_nodes = v.extract()?;
    }
    if let Some(v) = options.get_item("max_files")? {
        out.max_files = v.extract()?;
    }
    if let Some(v) = options.get_item("allow_remote_refs")? {
        out.allow_remote_refs = v.extract()?;
    }
    if let Some(v) = options.get_item("root_dir")? {
        out.root_dir = v.extract()?;
    }
    Ok(out)
}
