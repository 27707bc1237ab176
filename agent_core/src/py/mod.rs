//! The Python binding: the only PyO3 code in the crate.

use pyo3::prelude::*;

use crate::error::ErrorCode;

/// (code, severity, meaning) for every stable error code.
#[pyfunction]
fn error_codes() -> Vec<(&'static str, &'static str, &'static str)> {
    ErrorCode::ALL.iter().map(|c| (c.as_str(), c.severity(), c.meaning())).collect()
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(error_codes, m)?)?;
    Ok(())
}
