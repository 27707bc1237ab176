//! Bytes → text: size limit, gzip inflation, BOM, UTF-8 and control characters.

use std::io::Read;

use crate::error::{ErrorCode, Location, Result, SpecError};

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const UTF8_BOM: [u8; 3] = [0xef, 0xbb, 0xbf];

/// Turn raw input into text, enforcing `max_bytes` on the raw and the inflated size.
pub fn decode(bytes: &[u8], max_bytes: u64) -> Result<String> {
    if bytes.len() as u64 > max_bytes {
        return Err(SpecError::new(
            ErrorCode::SpecTooLarge,
            format!("the document is {} bytes, more than the limit of {max_bytes} bytes", bytes.len()),
            Location::default(),
        ));
    }
    let inflated;
    let bytes = if bytes.starts_with(&GZIP_MAGIC) {
        inflated = inflate(bytes, max_bytes)?;
        &inflated[..]
    } else {
        bytes
    };
    if let Some(kind) = binary_kind(bytes) {
        return Err(SpecError::new(
            ErrorCode::SpecFormatUnsupported,
            format!("this is {kind}, not an OpenAPI or Swagger document"),
            Location::default(),
        ));
    }
    let (bytes, skipped) = match bytes.strip_prefix(&UTF8_BOM) {
        Some(rest) => (rest, UTF8_BOM.len()),
        None => (bytes, 0),
    };
    if bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]) {
        return Err(SpecError::new(
            ErrorCode::SpecEncoding,
            "the document is UTF-16 encoded; save it as UTF-8",
            Location::line_col(1, 1, 0),
        ));
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => {
            let at = err.valid_up_to();
            // The prefix is valid, so line and column can be counted on it.
            let prefix = std::str::from_utf8(&bytes[..at]).unwrap_or_default();
            let (line, column) = line_col(prefix, at);
            return Err(SpecError::new(
                ErrorCode::SpecEncoding,
                format!("invalid UTF-8 byte 0x{:02x} at byte offset {}", bytes[at], at + skipped),
                Location::line_col(line, column, (at + skipped) as u64),
            ));
        }
    };
    // Tab, LF and CR are the only C0 characters JSON and YAML allow; C1 characters are left alone on purpose
    // because published specs contain them.
    if let Some(at) = text.bytes().position(|b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) {
        let (line, column) = line_col(text, at);
        return Err(SpecError::new(
            ErrorCode::SpecEncoding,
            format!("forbidden control character U+{:04X} at byte offset {}", text.as_bytes()[at], at + skipped),
            Location::line_col(line, column, (at + skipped) as u64),
        ));
    }
    Ok(text.to_owned())
}

/// Common binary files people upload by mistake (refused as a format, not as bad text).
fn binary_kind(bytes: &[u8]) -> Option<&'static str> {
    const MAGIC: [(&[u8], &str); 8] = [
        (b"PK\x03\x04", "a ZIP archive"),
        (b"\x89PNG", "a PNG image"),
        (b"\xff\xd8\xff", "a JPEG image"),
        (b"GIF8", "a GIF image"),
        (b"%PDF-", "a PDF file"),
        (b"\x7fELF", "an executable"),
        (b"BZh", "a bzip2 archive"),
        (b"\xfd7zXZ\x00", "an xz archive"),
    ];
    MAGIC.iter().find(|(magic, _)| bytes.starts_with(magic)).map(|(_, kind)| *kind)
}

/// Inflate a gzip stream without ever holding more than `max_bytes + 1` inflated bytes.
fn inflate(bytes: &[u8], max_bytes: u64) -> Result<Vec<u8>> {
    let decoder = flate2::read::MultiGzDecoder::new(bytes);
    let mut out = Vec::new();
    match decoder.take(max_bytes.saturating_add(1)).read_to_end(&mut out) {
        Ok(_) if out.len() as u64 > max_bytes => Err(SpecError::new(
            ErrorCode::SpecDecompressionLimit,
            format!("the compressed document inflates to more than the limit of {max_bytes} bytes"),
            Location::default(),
        )),
        Ok(_) => Ok(out),
        Err(err) => {
            Err(SpecError::new(ErrorCode::SpecEncoding, format!("corrupt gzip data: {err}"), Location::default()))
        }
    }
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
pub fn line_col(text: &str, offset: usize) -> (u32, u32) {
    let offset = offset.min(text.len());
    let before = &text.as_bytes()[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&before[line_start..]).chars().count() + 1;
    (line as u32, column as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(data).unwrap();
        enc.finish().unwrap()
    }

    #[test]
    fn too_large_before_anything_else() {
        let err = decode(&[0xff; 100], 10).unwrap_err();
        assert_eq!(err.code, ErrorCode::SpecTooLarge);
    }

    #[test]
    fn gzip_is_inflated_within_the_limit() {
        assert_eq!(decode(&gzip(b"{\"a\": 1}"), 100).unwrap(), "{\"a\": 1}");
        let err = decode(&gzip(&vec![b' '; 10_000]), 1000).unwrap_err();
        assert_eq!(err.code, ErrorCode::SpecDecompressionLimit);
    }

    #[test]
    fn bom_is_stripped_and_c1_kept() {
        assert_eq!(decode(b"\xef\xbb\xbfa: 1", 100).unwrap(), "a: 1");
        assert_eq!(decode("a: \u{85}x".as_bytes(), 100).unwrap(), "a: \u{85}x");
    }

    #[test]
    fn invalid_utf8_reports_offset_and_line() {
        let err = decode(b"a: 1\nb: caf\xe9\n", 100).unwrap_err();
        assert_eq!(err.code, ErrorCode::SpecEncoding);
        assert_eq!(err.location.offset, Some(11));
        assert_eq!((err.location.line, err.location.column), (Some(2), Some(7)));
    }

    #[test]
    fn control_characters_are_refused() {
        assert_eq!(decode(b"a: \x00", 100).unwrap_err().code, ErrorCode::SpecEncoding);
        assert_eq!(decode(b"a: \x1b[0m", 100).unwrap_err().code, ErrorCode::SpecEncoding);
        assert!(decode(b"a:\t1\r\n", 100).is_ok());
    }

    #[test]
    fn binary_files_are_another_format() {
        assert_eq!(decode(b"PK\x03\x04rest", 100).unwrap_err().code, ErrorCode::SpecFormatUnsupported);
        assert_eq!(decode(b"\x89PNG\r\n", 100).unwrap_err().code, ErrorCode::SpecFormatUnsupported);
    }

    #[test]
    fn line_col_counts_characters() {
        assert_eq!(line_col("ab\ncé d", 7), (2, 4));
        assert_eq!(line_col("", 0), (1, 1));
    }
}
