//! Format checks (what each format enforces is documented in [`crate::schema::format`]).

use std::net::{Ipv4Addr, Ipv6Addr};

use crate::schema::Format;

/// Whether string `s` conforms to `format` (formats that are not enforced accept everything).
pub fn check_string(format: Format, s: &str) -> bool {
    match format {
        Format::DateTime => date_time(s),
        Format::Date => date(s.as_bytes()),
        Format::Time => time(s.as_bytes(), false),
        Format::Duration => duration(s),
        Format::Email => email(s, false),
        Format::IdnEmail => email(s, true),
        Format::Hostname => hostname(s, false),
        Format::IdnHostname => hostname(s, true),
        Format::Ipv4 => s.parse::<Ipv4Addr>().is_ok(),
        Format::Ipv6 => s.parse::<Ipv6Addr>().is_ok(),
        Format::Uri => uri(s, false, true),
        Format::Iri => uri(s, true, true),
        Format::UriReference => uri(s, false, false),
        Format::UriTemplate => uri_template(s),
        Format::Uuid => uuid(s),
        Format::Byte => base64(s),
        Format::Regex => regress::Regex::with_flags(s, "u").is_ok() || regress::Regex::new(s).is_ok(),
        Format::JsonPointer => json_pointer(s),
        Format::Binary | Format::Password | Format::Int32 | Format::Int64 | Format::Float | Format::Double => true,
    }
}

fn digits(b: &[u8]) -> Option<u32> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0u32, |acc, d| acc.saturating_mul(10).saturating_add((d - b'0') as u32)))
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

fn date(b: &[u8]) -> bool {
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    match (digits(&b[0..4]), digits(&b[5..7]), digits(&b[8..10])) {
        (Some(y), Some(m), Some(d)) => (1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m),
        _ => false,
    }
}

/// `HH:MM:SS[.frac]` followed by an offset (required when `need_offset`).
fn time(b: &[u8], need_offset: bool) -> bool {
    if b.len() < 8 || b[2] != b':' || b[5] != b':' {
        return false;
    }
    let (Some(h), Some(m), Some(s)) = (digits(&b[0..2]), digits(&b[3..5]), digits(&b[6..8])) else { return false };
    if h > 23 || m > 59 || s > 60 {
        return false;
    }
    let mut rest = &b[8..];
    if rest.first() == Some(&b'.') {
        let frac = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if frac == 0 {
            return false;
        }
        rest = &rest[1 + frac..];
    }
    match rest {
        [] => !need_offset,
        [b'Z' | b'z'] => true,
        [sign, oh1, oh2, b':', om1, om2] if *sign == b'+' || *sign == b'-' => {
            matches!((digits(&[*oh1, *oh2]), digits(&[*om1, *om2])), (Some(oh), Some(om)) if oh <= 23 && om <= 59)
        }
        _ => false,
    }
}

fn date_time(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 20 && matches!(b[10], b'T' | b't' | b' ') && date(&b[..10]) && time(&b[11..], true)
}

fn duration(s: &str) -> bool {
    let Some(rest) = s.strip_prefix('P') else { return false };
    let (date_part, time_part) = match rest.split_once('T') {
        Some((d, t)) => (d, Some(t)),
        None => (rest, None),
    };
    if date_part.is_empty() && time_part.is_none_or(str::is_empty) {
        return false;
    }
    components(date_part, "YMWD") && time_part.is_none_or(|t| !t.is_empty() && components(t, "HMS"))
}

/// `n<unit>` groups in the order of `units`, each unit at most once; the last may have a fraction.
fn components(mut s: &str, units: &str) -> bool {
    let mut allowed = units;
    while !s.is_empty() {
        let n = s.bytes().take_while(|c| c.is_ascii_digit() || *c == b'.').count();
        if n == 0 || s[..n].starts_with('.') || s[..n].ends_with('.') || s[..n].matches('.').count() > 1 {
            return false;
        }
        let Some(unit) = s[n..].chars().next() else { return false };
        let Some(pos) = allowed.find(unit) else { return false };
        allowed = &allowed[pos + 1..];
        s = &s[n + 1..];
    }
    true
}

fn email(s: &str, idn: bool) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else { return false };
    if local.is_empty() || local.len() > 64 || local.contains('@') && !local.starts_with('"') {
        return false;
    }
    if local.chars().any(|c| c.is_whitespace() || c.is_control() || (!idn && !c.is_ascii())) {
        return false;
    }
    if let Some(ip) = domain.strip_prefix('[').and_then(|d| d.strip_suffix(']')) {
        return ip.parse::<Ipv4Addr>().is_ok()
            || ip.strip_prefix("IPv6:").is_some_and(|v6| v6.parse::<Ipv6Addr>().is_ok());
    }
    hostname(domain, idn)
}

fn hostname(s: &str, idn: bool) -> bool {
    let s = s.strip_suffix('.').unwrap_or(s);
    if s.is_empty() || s.len() > 253 {
        return false;
    }
    s.split('.').all(|label| {
        let n = label.chars().count();
        (1..=63).contains(&n)
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || (idn && !c.is_ascii() && c.is_alphanumeric()))
    })
}

fn uri(s: &str, iri: bool, absolute: bool) -> bool {
    if absolute {
        let Some((scheme, _)) = s.split_once(':') else { return false };
        let mut chars = scheme.chars();
        if !chars.next().is_some_and(|c| c.is_ascii_alphabetic())
            || !chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        {
            return false;
        }
    }
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'%' {
            if i + 2 >= b.len() || !b[i + 1].is_ascii_hexdigit() || !b[i + 2].is_ascii_hexdigit() {
                return false;
            }
            i += 3;
            continue;
        }
        if c <= b' ' || c == 0x7F || b"<>\"{}|\\^`".contains(&c) || (c >= 0x80 && !iri) {
            return false;
        }
        i += 1;
    }
    true
}

fn uri_template(s: &str) -> bool {
    let mut open = false;
    for c in s.chars() {
        match c {
            '{' if open => return false,
            '{' => open = true,
            '}' if !open => return false,
            '}' => open = false,
            c if c.is_whitespace() || c.is_control() => return false,
            _ => {}
        }
    }
    !open
}

fn uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter()
            .enumerate()
            .all(|(i, c)| if matches!(i, 8 | 13 | 18 | 23) { *c == b'-' } else { c.is_ascii_hexdigit() })
}

fn base64(s: &str) -> bool {
    let body = s.trim_end_matches('=');
    let padding = s.len() - body.len();
    if padding > 2 || (padding > 0 && s.len() % 4 != 0) || body.len() % 4 == 1 {
        return false;
    }
    let standard = body.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'+' || c == b'/');
    let url_safe = body.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_');
    standard || url_safe
}

fn json_pointer(s: &str) -> bool {
    if s.is_empty() {
        return true;
    }
    if !s.starts_with('/') {
        return false;
    }
    let b = s.as_bytes();
    b.iter().enumerate().all(|(i, c)| *c != b'~' || matches!(b.get(i + 1), Some(b'0' | b'1')))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(format: Format, good: &[&str], bad: &[&str]) {
        for g in good {
            assert!(check_string(format, g), "{format:?} should accept {g:?}");
        }
        for b in bad {
            assert!(!check_string(format, b), "{format:?} should reject {b:?}");
        }
    }

    #[test]
    fn dates_and_times() {
        all(
            Format::DateTime,
            &[
                "2024-02-29T12:30:00Z",
                "2024-01-01t00:00:00.123+05:30",
                "1990-12-31T23:59:60Z",
                "2024-01-01 10:00:00-01:00",
            ],
            &[
                "2023-02-29T12:00:00Z",
                "2024-13-01T00:00:00Z",
                "2024-01-01T24:00:00Z",
                "2024-01-01T00:00:00",
                "2024-01-01",
            ],
        );
        all(
            Format::Date,
            &["2024-02-29", "0001-01-01"],
            &["2024-2-29", "2024-04-31", "20240101", "2024-01-01T00:00:00Z"],
        );
        all(Format::Time, &["12:30:00", "12:30:00Z", "23:59:59.5+01:00"], &["24:00:00", "12:60:00", "1230", "12:30"]);
        all(
            Format::Duration,
            &["P1Y2M3DT4H5M6S", "PT5M", "P3W", "PT0.5S", "P1D"],
            &["P", "PT", "1Y", "P1S", "PT1D", "P1M1Y"],
        );
    }

    #[test]
    fn network_formats() {
        all(
            Format::Email,
            &["a@example.com", "first.last+tag@sub.example.org", "x@[127.0.0.1]"],
            &["a", "@x.com", "a@", "a b@x.com", "a@-x.com"],
        );
        all(Format::Hostname, &["example.com", "a-b.c", "localhost", "x.com."], &["-a.com", "a..b", "a_b.com", ""]);
        all(Format::IdnHostname, &["bücher.de"], &["bü cher.de"]);
        all(Format::Ipv4, &["192.168.0.1", "0.0.0.0"], &["256.1.1.1", "1.2.3", "01.2.3.4"]);
        all(Format::Ipv6, &["::1", "2001:db8::8a2e:370:7334"], &["1:2:3", "::g"]);
        all(
            Format::Uri,
            &["https://example.com/a?b=c#d", "urn:isbn:123", "mailto:a@b.c"],
            &["/relative", "no scheme", "http://a b", "http://%zz"],
        );
        all(Format::UriReference, &["/relative/path", "https://x.y", "#frag", ""], &["a b", "<x>"]);
        all(Format::Iri, &["https://例え.jp/パス"], &["例え"]);
        all(Format::UriTemplate, &["/pets/{petId}", "{a}{b}"], &["/pets/{petId", "}{", "{a{b}}"]);
    }

    #[test]
    fn other_formats() {
        all(
            Format::Uuid,
            &["123e4567-e89b-12d3-a456-426614174000"],
            &["123e4567e89b12d3a456426614174000", "g23e4567-e89b-12d3-a456-426614174000"],
        );
        all(Format::Byte, &["", "aGVsbG8=", "aGVsbG8", "YQ==", "-_8="], &["a", "aGVsbG8===", "not base64!", "YQ=x"]);
        all(Format::Regex, &["^a+$", r"\_x"], &["(", "a{2,1}"]);
        all(Format::JsonPointer, &["", "/a/b", "/a~0b~1c"], &["a", "/a~2"]);
        all(Format::Password, &["anything"], &[]);
    }
}
