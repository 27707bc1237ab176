//! File and URL access for the loader through Python callables (Python enforces the spec root and the SSRF guard).

use std::path::Path;

use pyo3::prelude::*;
use pyo3::types::PyBytes;

use super::errors::io_error;
use crate::spec::{FileSource, RemoteFetcher};

/// `read_file(path: str, max_bytes: int) -> bytes`
pub struct PyFileSource<'py> {
    pub reader: Bound<'py, PyAny>,
}

impl FileSource for PyFileSource<'_> {
    fn read(&self, path: &Path, max_bytes: u64) -> std::io::Result<Vec<u8>> {
        let py = self.reader.py();
        let result = self.reader.call1((path.to_string_lossy().as_ref(), max_bytes));
        match result {
            Ok(value) => match value.cast::<PyBytes>() {
                Ok(bytes) => Ok(bytes.as_bytes().to_vec()),
                Err(_) => Err(std::io::Error::other("the file reader did not return bytes")),
            },
            Err(err) => Err(io_error(py, &err)),
        }
    }
}

/// `fetch(url: str, max_bytes: int) -> bytes`
pub struct PyFetcher<'py> {
    pub fetch: Bound<'py, PyAny>,
}

impl RemoteFetcher for PyFetcher<'_> {
    fn fetch(&self, url: &str, max_bytes: u64) -> Result<Vec<u8>, String> {
        let py = self.fetch.py();
        match self.fetch.call1((url, max_bytes)) {
            Ok(value) => value
                .cast::<PyBytes>()
                .map(|bytes| bytes.as_bytes().to_vec())
                .map_err(|_| "the fetcher did not return bytes".to_owned()),
            Err(err) => Err(err.value(py).str().map(|s| s.to_string()).unwrap_or_else(|_| "fetch failed".to_owned())),
        }
    }
}
