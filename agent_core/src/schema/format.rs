//! The registered `format` values and what each one means to Sentinel.
//!
//! Formats are open: an unknown format is a `SPEC_FORMAT_UNKNOWN` warning and the value is generated and
//! validated from `type` alone. For the known ones, the validator enforces:
//!
//! | format | applies to | validator enforces |
//! |---|---|---|
//! | date-time | string | RFC 3339 `date-time` (`T` or `t`/space separator, offset `Z` or `±hh:mm`, real calendar dates, leap second 60 allowed) |
//! | date | string | RFC 3339 `full-date` with a real calendar date |
//! | time | string | RFC 3339 `partial-time` with an optional offset (many APIs omit it) |
//! | duration | string | ISO 8601 / RFC 3339 appendix A duration (`P1Y2M`, `PT5M`, `P3W`) |
//! | email, idn-email | string | one `@`, non-empty local part ≤ 64, a domain of dot-separated labels, no spaces (idn: non-ASCII allowed) |
//! | hostname, idn-hostname | string | RFC 1123 labels (1–63 chars, letters/digits/hyphens, no leading/trailing hyphen), ≤ 253 chars (idn: non-ASCII letters allowed) |
//! | ipv4 | string | dotted quad, no leading zeros |
//! | ipv6 | string | RFC 4291 text forms (as `std::net::Ipv6Addr` parses them) |
//! | uri, iri | string | an absolute URI: `scheme:` then no whitespace/controls (iri: non-ASCII allowed) |
//! | uri-reference | string | no whitespace or control characters, no non-ASCII |
//! | uri-template | string | balanced `{...}` expressions, no whitespace |
//! | uuid | string | `8-4-4-4-12` hex digits |
//! | byte | string | base64 (standard or URL-safe alphabet; padding optional but correct when present) |
//! | regex | string | compiles as an ECMA-262 regular expression |
//! | json-pointer | string | RFC 6901: empty or `/`-prefixed, `~` only as `~0`/`~1` |
//! | int32, int64 | number | the value lies in the signed 32/64-bit range (a real constraint) |
//! | binary, password, float, double | - | nothing (documentation hints; `float`/`double` are any JSON number) |
//!
//! A format only constrains instances of the type it applies to (a number with `format: email` is fine).

use super::node::TypeSet;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    DateTime,
    Date,
    Time,
    Duration,
    Email,
    IdnEmail,
    Hostname,
    IdnHostname,
    Ipv4,
    Ipv6,
    Uri,
    UriReference,
    Iri,
    Uuid,
    Byte,
    Binary,
    Password,
    Int32,
    Int64,
    Float,
    Double,
    Regex,
    JsonPointer,
    UriTemplate,
}

impl Format {
    pub fn from_name(name: &str) -> Option<Format> {
        Some(match name {
            "date-time" => Format::DateTime,
            "date" => Format::Date,
            "time" => Format::Time,
            "duration" => Format::Duration,
            "email" => Format::Email,
            "idn-email" => Format::IdnEmail,
            "hostname" => Format::Hostname,
            "idn-hostname" => Format::IdnHostname,
            "ipv4" => Format::Ipv4,
            "ipv6" => Format::Ipv6,
            "uri" => Format::Uri,
            "uri-reference" => Format::UriReference,
            "iri" => Format::Iri,
            "uuid" => Format::Uuid,
            "byte" => Format::Byte,
            "binary" => Format::Binary,
            "password" => Format::Password,
            "int32" => Format::Int32,
            "int64" => Format::Int64,
            "float" => Format::Float,
            "double" => Format::Double,
            "regex" => Format::Regex,
            "json-pointer" => Format::JsonPointer,
            "uri-template" => Format::UriTemplate,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Format::DateTime => "date-time",
            Format::Date => "date",
            Format::Time => "time",
            Format::Duration => "duration",
            Format::Email => "email",
            Format::IdnEmail => "idn-email",
            Format::Hostname => "hostname",
            Format::IdnHostname => "idn-hostname",
            Format::Ipv4 => "ipv4",
            Format::Ipv6 => "ipv6",
            Format::Uri => "uri",
            Format::UriReference => "uri-reference",
            Format::Iri => "iri",
            Format::Uuid => "uuid",
            Format::Byte => "byte",
            Format::Binary => "binary",
            Format::Password => "password",
            Format::Int32 => "int32",
            Format::Int64 => "int64",
            Format::Float => "float",
            Format::Double => "double",
            Format::Regex => "regex",
            Format::JsonPointer => "json-pointer",
            Format::UriTemplate => "uri-template",
        }
    }

    /// The instance type the format speaks about.
    pub fn applies_to(self) -> TypeSet {
        match self {
            Format::Int32 | Format::Int64 | Format::Float | Format::Double => TypeSet::NUMBER.union(TypeSet::INTEGER),
            _ => TypeSet::STRING,
        }
    }

    /// Whether the validator checks the format (see the module table).
    pub fn is_enforced(self) -> bool {
        !matches!(self, Format::Binary | Format::Password | Format::Float | Format::Double)
    }

    /// The inclusive integer range of `int32`/`int64`.
    pub fn int_range(self) -> Option<(i128, i128)> {
        match self {
            Format::Int32 => Some((i32::MIN as i128, i32::MAX as i128)),
            Format::Int64 => Some((i64::MIN as i128, i64::MAX as i128)),
            _ => None,
        }
    }
}
