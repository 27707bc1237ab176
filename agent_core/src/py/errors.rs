//! The one place where Rust errors become Python exceptions.
//!
//! `SpecError` is defined in Python (`agent_core/errors.py`) so that it pickles across processes; here it is looked
//! up and instantiated with positional arguments (message, code, file, pointer, line, column, offset, related).

use pyo3::exceptions::{PyFileNotFoundError, PyIsADirectoryError, PyPermissionError};
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use crate::error::SpecError;

pub fn spec_error(py: Python<'_>, err: SpecError) -> PyErr {
    match build(py, &err) {
        Ok(exc) => exc,
        Err(import_failure) => import_failure,
    }
}

fn build(py: Python<'_>, err: &SpecError) -> PyResult<PyErr> {
    let class = py.import("agent_core.errors")?.getattr("SpecError")?;
    let related = PyTuple::new(py, &err.related)?;
    let loc = &err.location;
    let instance = class.call1((
        err.message.as_str(),
        err.code.as_str(),
        loc.file.as_deref(),
        loc.pointer.as_deref(),
        loc.line,
        loc.column,
        loc.offset,
        related,
    ))?;
    Ok(PyErr::from_value(instance))
}

/// A Python exception raised by a file reader callback, as the `io::Error` the loader understands.
pub fn io_error(py: Python<'_>, err: &PyErr) -> std::io::Error {
    use std::io::ErrorKind;
    let kind = if err.is_instance_of::<PyFileNotFoundError>(py) {
        ErrorKind::NotFound
    } else if err.is_instance_of::<PyIsADirectoryError>(py) {
        ErrorKind::IsADirectory
    } else if err.is_instance_of::<PyPermissionError>(py) {
        ErrorKind::PermissionDenied
    } else {
        ErrorKind::Other
    };
    let message = err.value(py).str().map(|s| s.to_string()).unwrap_or_else(|_| "read failed".to_owned());
    std::io::Error::new(kind, message)
}
