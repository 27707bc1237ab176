//! The Python binding: the only PyO3 code in the crate.
//!
//! Data crosses as JSON bytes (the model once per spec, cases per operation) or small tuples (violations);
//! long native work releases the GIL.

mod errors;
mod files;
mod schema;
mod spec;

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
    m.add_function(wrap_pyfunction!(spec::load_spec, m)?)?;
    m.add_function(wrap_pyfunction!(schema::schema_from_json, m)?)?;
    m.add_class::<spec::NativeSpec>()?;
    m.add_class::<schema::NativeSchema>()?;
    Ok(())
}
