//! YAML 1.2 core-schema resolution of plain scalars (and the YAML 1.1 booleans worth a warning as keys).

use serde_json::{Number, Value};

/// YAML 1.2 core schema resolution of a plain scalar. Infinity and NaN stay strings (JSON has neither).
pub fn resolve_plain(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    let first = text.as_bytes()[0];
    if !(first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.')) {
        return Value::String(text.to_owned());
    }
    if let Some(hex) = text.strip_prefix("0x") {
        if let Ok(n) = u64::from_str_radix(hex, 16) {
            return Value::Number(n.into());
        }
    }
    if let Some(oct) = text.strip_prefix("0o") {
        if let Ok(n) = u64::from_str_radix(oct, 8) {
            return Value::Number(n.into());
        }
    }
    if is_decimal_int(text) {
        let digits = text.strip_prefix('+').unwrap_or(text);
        if let Ok(i) = digits.parse::<i64>() {
            return Value::Number(i.into());
        }
        if let Ok(u) = digits.parse::<u64>() {
            return Value::Number(u.into());
        }
    }
    if is_float(text) {
        if let Some(n) = text.parse::<f64>().ok().and_then(Number::from_f64) {
            return Value::Number(n);
        }
    }
    Value::String(text.to_owned())
}

/// `yes`/`on`/... are strings in YAML 1.2 but booleans to YAML 1.1 tools, so such keys are worth a warning.
pub fn is_yaml11_bool(text: &str) -> bool {
    matches!(text, "yes" | "Yes" | "YES" | "no" | "No" | "NO" | "on" | "On" | "ON" | "off" | "Off" | "OFF")
}

pub fn is_decimal_int(text: &str) -> bool {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// `[-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?`
pub fn is_float(text: &str) -> bool {
    let s = text.strip_prefix(['-', '+']).unwrap_or(text).as_bytes();
    let mut i = 0;
    let int_digits = s.iter().take_while(|b| b.is_ascii_digit()).count();
    i += int_digits;
    let mut frac_digits = 0;
    if s.get(i) == Some(&b'.') {
        i += 1;
        frac_digits = s[i..].iter().take_while(|b| b.is_ascii_digit()).count();
        i += frac_digits;
    }
    if int_digits == 0 && frac_digits == 0 {
        return false;
    }
    if matches!(s.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(s.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        let exp = s[i..].iter().take_while(|b| b.is_ascii_digit()).count();
        if exp == 0 {
            return false;
        }
        i += exp;
    }
    i == s.len()
}

pub fn is_special_float(text: &str) -> bool {
    let s = text.strip_prefix(['-', '+']).unwrap_or(text);
    matches!(s, ".inf" | ".Inf" | ".INF" | ".nan" | ".NaN" | ".NAN")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn core_schema() {
        let cases = [
            ("~", json!(null)),
            ("", json!(null)),
            ("TRUE", json!(true)),
            ("False", json!(false)),
            ("0x1F", json!(31)),
            ("0o17", json!(15)),
            ("-12", json!(-12)),
            ("+7", json!(7)),
            ("1.5e3", json!(1500.0)),
            (".5", json!(0.5)),
            ("99999999999999999999", json!(1e20)),
            (".inf", json!(".inf")),
            ("-.Inf", json!("-.Inf")),
            (".NaN", json!(".NaN")),
            ("2020-01-01", json!("2020-01-01")),
            ("0000-00-00", json!("0000-00-00")),
            ("24:00:00", json!("24:00:00")),
            ("=", json!("=")),
            ("yes", json!("yes")),
            ("1_000", json!("1_000")),
            ("0x", json!("0x")),
            ("1e", json!("1e")),
        ];
        for (text, want) in cases {
            assert_eq!(resolve_plain(text), want, "{text}");
        }
        assert!(is_yaml11_bool("On") && !is_yaml11_bool("y"));
        assert!(is_special_float("-.inf") && is_decimal_int("-3"));
    }
}
