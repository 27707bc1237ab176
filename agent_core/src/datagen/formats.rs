//! Realistic values for string formats, and invalid ones for negatives.

use super::rng::Rng;
use crate::schema::Format;

const WORDS: &[&str] = &["api", "shop", "user", "order", "item", "media", "cloud", "data", "store", "pets"];
const DOMAINS: &[&str] = &["example.com", "example.org", "example.net", "test.io"];
const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// A value of `format` whose length (in code points) lies in `min..=max`, if the format allows one.
pub fn generate(format: Format, rng: &mut Rng, min: u64, max: Option<u64>) -> Option<String> {
    let s = match format {
        Format::DateTime => date_time(rng),
        Format::Date => date(rng),
        Format::Time => format!("{}Z", clock(rng)),
        Format::Duration => duration(rng),
        Format::Email | Format::IdnEmail => {
            format!("{}.{}{}@{}", word(rng), word(rng), rng.below(100), DOMAINS[rng.index(DOMAINS.len())])
        }
        Format::Hostname | Format::IdnHostname => {
            format!("{}-{}.{}", word(rng), rng.below(100), DOMAINS[rng.index(DOMAINS.len())])
        }
        Format::Ipv4 => {
            format!("{}.{}.{}.{}", rng.range_u64(1, 223), rng.below(256), rng.below(256), rng.range_u64(1, 254))
        }
        Format::Ipv6 => {
            let groups: Vec<String> = (0..6).map(|_| format!("{:x}", rng.below(0x10000))).collect();
            format!("2001:db8:{}", groups.join(":"))
        }
        Format::Uri | Format::Iri => {
            format!("https://{}/{}/{}", DOMAINS[rng.index(DOMAINS.len())], word(rng), rng.below(10_000))
        }
        Format::UriReference => format!("/{}/{}", word(rng), rng.below(10_000)),
        Format::UriTemplate => format!("/{}/{{id}}", word(rng)),
        Format::Uuid => uuid(rng),
        Format::Byte => return base64(rng, min, max),
        Format::Regex => ["^[a-z]+$", "\\d{3}", "^(foo|bar)$", ".*"][rng.index(4)].to_string(),
        Format::JsonPointer => format!("/{}/{}", word(rng), rng.below(10)),
        Format::Password => format!("Pw-{}{}!", word(rng), rng.below(10_000)),
        Format::Int32 | Format::Int64 => rng.below(1_000_000).to_string(),
        Format::Float | Format::Double => format!("{}.{}", rng.below(1000), rng.below(100)),
        Format::Binary => {
            let n = rng.range_u64(min, max.unwrap_or(min + 16).min(min + 16)) as usize;
            return Some((0..n).map(|_| char::from(b'a' + rng.below(26) as u8)).collect());
        }
    };
    let n = s.chars().count() as u64;
    (n >= min && max.is_none_or(|m| n <= m)).then_some(s)
}

fn word(rng: &mut Rng) -> &'static str {
    WORDS[rng.index(WORDS.len())]
}

fn date(rng: &mut Rng) -> String {
    let year = rng.range_u64(1990, 2035);
    let month = rng.range_u64(1, 12);
    let day = rng.range_u64(1, 28);
    format!("{year:04}-{month:02}-{day:02}")
}

fn clock(rng: &mut Rng) -> String {
    format!("{:02}:{:02}:{:02}", rng.below(24), rng.below(60), rng.below(60))
}

fn date_time(rng: &mut Rng) -> String {
    let mut s = format!("{}T{}", date(rng), clock(rng));
    if rng.chance(0.3) {
        s.push_str(&format!(".{:03}", rng.below(1000)));
    }
    if rng.chance(0.8) {
        s.push('Z');
    } else {
        let sign = if rng.chance(0.5) { '+' } else { '-' };
        s.push_str(&format!("{sign}{:02}:{:02}", rng.below(14), [0, 30, 45][rng.index(3)]));
    }
    s
}

fn duration(rng: &mut Rng) -> String {
    match rng.below(4) {
        0 => format!("P{}D", rng.range_u64(1, 30)),
        1 => format!("PT{}M", rng.range_u64(1, 59)),
        2 => format!("P{}W", rng.range_u64(1, 8)),
        _ => format!("P{}DT{}H{}M", rng.below(10), rng.below(24), rng.below(60)),
    }
}

fn uuid(rng: &mut Rng) -> String {
    let a = rng.next_u64();
    let b = rng.next_u64();
    // Version 4, RFC 4122 variant.
    let hi = (a & 0xFFFF_FFFF_FFFF_0FFF) | 0x4000;
    let lo = (b & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000;
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        hi >> 32,
        (hi >> 16) & 0xFFFF,
        hi & 0xFFFF,
        lo >> 48,
        lo & 0xFFFF_FFFF_FFFF
    )
}

/// Base64 of random bytes, with a length that fits (base64 lengths are multiples of 4).
fn base64(rng: &mut Rng, min: u64, max: Option<u64>) -> Option<String> {
    let lo_groups = min.div_ceil(4);
    let hi_groups = max.map_or(lo_groups + 4, |m| m / 4).min(lo_groups + 4);
    if hi_groups < lo_groups {
        return None;
    }
    let groups = rng.range_u64(lo_groups.max(u64::from(max.is_none_or(|m| m >= 4))), hi_groups.max(lo_groups));
    let bytes: Vec<u8> = (0..groups * 3).map(|_| rng.below(256) as u8).collect();
    let mut out = String::with_capacity(groups as usize * 4);
    for chunk in bytes.chunks(3) {
        let n = (chunk[0] as u32) << 16 | (chunk[1] as u32) << 8 | chunk[2] as u32;
        for shift in [18, 12, 6, 0] {
            out.push(B64[(n >> shift & 63) as usize] as char);
        }
    }
    if groups > 0 && rng.chance(0.5) {
        // End with padding sometimes: drop the last byte's worth.
        out.truncate(out.len() - 1);
        out.push('=');
    }
    Some(out)
}

/// A string that breaks `format` (for enforced string formats).
pub fn invalid(format: Format) -> Option<&'static str> {
    Some(match format {
        Format::DateTime => "2021-13-45T25:61:00Z",
        Format::Date => "2021-02-30",
        Format::Time => "25:61:00",
        Format::Duration => "P1H",
        Format::Email | Format::IdnEmail => "not-an-email",
        Format::Hostname | Format::IdnHostname => "-invalid-.host-",
        Format::Ipv4 => "256.1.1.1",
        Format::Ipv6 => "2001:db8::g",
        Format::Uri | Format::Iri => "not a uri",
        Format::UriReference => "not a uri",
        Format::UriTemplate => "/a/{unclosed",
        Format::Uuid => "not-a-uuid",
        Format::Byte => "not base64!",
        Format::Regex => "(unclosed",
        Format::JsonPointer => "no-leading-slash",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::format::check_string;

    const STRING_FORMATS: &[Format] = &[
        Format::DateTime,
        Format::Date,
        Format::Time,
        Format::Duration,
        Format::Email,
        Format::IdnEmail,
        Format::Hostname,
        Format::IdnHostname,
        Format::Ipv4,
        Format::Ipv6,
        Format::Uri,
        Format::Iri,
        Format::UriReference,
        Format::UriTemplate,
        Format::Uuid,
        Format::Byte,
        Format::Regex,
        Format::JsonPointer,
        Format::Password,
        Format::Binary,
    ];

    #[test]
    fn generated_values_pass_the_validator() {
        let mut rng = Rng::new(5);
        for &f in STRING_FORMATS {
            for _ in 0..300 {
                let s = generate(f, &mut rng, 0, None).unwrap_or_else(|| panic!("{f:?}"));
                assert!(check_string(f, &s), "{f:?} generated {s:?}");
            }
        }
    }

    #[test]
    fn invalid_values_fail_the_validator() {
        for &f in STRING_FORMATS {
            if let Some(bad) = invalid(f) {
                assert!(!check_string(f, bad), "{f:?} accepted {bad:?}");
            } else {
                assert!(!f.is_enforced(), "{f:?} is enforced but has no invalid sample");
            }
        }
    }

    #[test]
    fn base64_fits_lengths() {
        let mut rng = Rng::new(2);
        for (min, max) in [(0, Some(4)), (5, Some(8)), (8, Some(8)), (0, None)] {
            for _ in 0..100 {
                let s = base64(&mut rng, min, max).unwrap();
                assert!(s.len() as u64 >= min && max.is_none_or(|m| s.len() as u64 <= m), "{s}");
                assert!(check_string(Format::Byte, &s), "{s}");
            }
        }
        assert!(base64(&mut rng, 5, Some(7)).is_none());
    }
}
