//! Matching helpers for response checks: documented status keys and media types against actual ones.

/// Whether a documented status key covers `status`: an exact code ("200"), a range ("2XX", any case of X), or
/// "default" (matches everything; callers prefer a more specific key when one matches).
pub fn status_matches(pattern: &str, status: u16) -> bool {
    let p = pattern.trim();
    if p.eq_ignore_ascii_case("default") {
        return true;
    }
    let b = p.as_bytes();
    if b.len() != 3 {
        return false;
    }
    if b[1].eq_ignore_ascii_case(&b'x') && b[2].eq_ignore_ascii_case(&b'x') {
        return b[0].is_ascii_digit() && (b[0] - b'0') as u16 == status / 100;
    }
    p.parse::<u16>().is_ok_and(|code| code == status)
}

/// Whether an actual `Content-Type` is covered by a documented media type (range).
///
/// Parameters (`; charset=...`) are ignored and comparison is case-insensitive. `*/*` (or `*`) covers everything,
/// `type/*` every subtype of `type`, `type/*+suffix` every `type/x+suffix`, and a documented `type/suffix` also
/// covers structured-syntax variants `type/x+suffix` (documented `application/json` covers
/// `application/problem+json`).
pub fn media_type_matches(documented: &str, actual: &str) -> bool {
    let (Some((dt, ds)), Some((at, asub))) = (split(documented), split(actual)) else {
        let d = essence(documented);
        return d == "*" || d == "*/*" || d.eq_ignore_ascii_case(essence(actual));
    };
    if dt == "*" && ds == "*" {
        return true;
    }
    if !dt.eq_ignore_ascii_case(at) {
        return false;
    }
    if ds == "*" || ds.eq_ignore_ascii_case(asub) {
        return true;
    }
    let actual_suffix = asub.rsplit_once('+').map(|(_, s)| s);
    if let Some(suffix) = ds.strip_prefix("*+") {
        return actual_suffix.is_some_and(|s| s.eq_ignore_ascii_case(suffix));
    }
    actual_suffix.is_some_and(|s| s.eq_ignore_ascii_case(ds))
}

fn essence(media_type: &str) -> &str {
    media_type.split(';').next().unwrap_or("").trim()
}

fn split(media_type: &str) -> Option<(&str, &str)> {
    let (t, s) = essence(media_type).split_once('/')?;
    Some((t.trim(), s.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses() {
        assert!(status_matches("200", 200));
        assert!(!status_matches("200", 201));
        assert!(status_matches("2XX", 204) && status_matches("2xx", 299));
        assert!(!status_matches("2XX", 300));
        assert!(status_matches("default", 503) && status_matches("DEFAULT", 200));
        assert!(!status_matches("abc", 200) && !status_matches("20", 20));
    }

    #[test]
    fn media_types() {
        assert!(media_type_matches("application/json", "application/json; charset=utf-8"));
        assert!(media_type_matches("Application/JSON", "application/json"));
        assert!(media_type_matches("*/*", "image/png"));
        assert!(media_type_matches("application/*", "application/xml"));
        assert!(!media_type_matches("application/*", "text/plain"));
        assert!(media_type_matches("application/*+json", "application/vnd.api+json"));
        assert!(!media_type_matches("application/*+json", "application/json"));
        assert!(media_type_matches("application/json", "application/problem+json"));
        assert!(!media_type_matches("application/json", "text/json"));
        assert!(!media_type_matches("application/xml", "application/json"));
        assert!(!media_type_matches("text/plain", ""));
    }
}
