//! `schema_from_json` and `NativeSchema`: one standalone schema, for property tests and benchmarks.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use serde_json::Value;

use super::errors::spec_error;
use super::spec::{case_kind, parse_direction};
use crate::cases::{generate_values, CaseKind};
use crate::datagen::Target;
use crate::model::{Dialect, SchemaEntry, SchemaStore};
use crate::schema::{compile, Compiled};
use crate::validate::validate_json_bytes;

#[pyclass(frozen, module = "agent_core._native")]
pub struct NativeSchema {
    compiled: Compiled,
}

#[pymethods]
impl NativeSchema {
    /// `count` values as JSON: positives as a list of `{value, relaxation}` (relaxation is null unless the schema
    /// is unsatisfiable and the value is a labelled best effort), negatives as a list of `{value, label}`.
    fn generate<'py>(
        &self,
        py: Python<'py>,
        kind: &str,
        seed: u64,
        count: usize,
        target: &str,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let kind = case_kind(kind)?;
        let target = match target {
            "json" => Target::Json,
            "text" => Target::Text,
            other => return Err(PyValueError::new_err(format!("target must be 'json' or 'text', not {other:?}"))),
        };
        let values = generate_values(&self.compiled, 0, kind, seed, count, target);
        let out: Vec<Value> = values
            .into_iter()
            .map(|v| match kind {
                CaseKind::Positive => serde_json::json!({ "value": v.value, "relaxation": v.relaxation }),
                CaseKind::Negative => serde_json::json!({ "value": v.value, "label": v.label }),
            })
            .collect();
        let bytes = serde_json::to_vec(&out).map_err(|e| PyValueError::new_err(e.to_string()))?;
        Ok(PyBytes::new(py, &bytes))
    }

    fn validate(&self, instance_json: &[u8], direction: &str) -> PyResult<Vec<(&'static str, String, String, String)>> {
        let direction = parse_direction(direction)?;
        let violations = validate_json_bytes(&self.compiled, 0, instance_json, direction);
        Ok(violations.into_iter().map(|v| (v.keyword, v.instance_pointer, v.schema_pointer, v.message)).collect())
    }
}

/// Compile one schema without `$ref`s. `dialect` is `swagger20`, `oas30` or `oas31`.
#[pyfunction]
pub fn schema_from_json(py: Python<'_>, schema_json: &[u8], dialect: &str) -> PyResult<NativeSchema> {
    let dialect = match dialect {
        "swagger20" => Dialect::Swagger20,
        "oas30" => Dialect::Oas30,
        "oas31" => Dialect::Oas31,
        other => return Err(PyValueError::new_err(format!("unknown dialect {other:?}"))),
    };
    let value: Value = serde_json::from_slice(schema_json).map_err(|e| PyValueError::new_err(e.to_string()))?;
    let store = SchemaStore { entries: vec![SchemaEntry { pointer: "#".to_owned(), name: None, value }] };
    let (compiled, _warnings) = compile(&store, dialect).map_err(|err| spec_error(py, err))?;
    Ok(NativeSchema { compiled })
}
