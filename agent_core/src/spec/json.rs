//! A small strict JSON parser into `serde_json::Value`.
//!
//! Written by hand (rather than `serde_json::from_str`) to get line/column on every error, a nesting limit without
//! recursion, duplicate-key detection with pointers, and the lines of selected pointers for reports.

use serde_json::{Map, Number, Value};

use super::pointer;
use super::read::line_col;
use super::syntax::{Parsed, LINE_DEPTH};
use crate::error::{ErrorCode, Location, Result, SpecError};

enum Frame {
    Object { map: Map<String, Value>, key: String, ptr: Option<String> },
    Array { items: Vec<Value>, ptr: Option<String> },
}

impl Frame {
    fn ptr(&self) -> &Option<String> {
        match self {
            Frame::Object { ptr, .. } | Frame::Array { ptr, .. } => ptr,
        }
    }
}

struct Parser<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
    line: u32,
    max_depth: usize,
    parsed: Parsed,
}

/// Parse one JSON document (the text must hold something other than whitespace).
pub fn parse(src: &str, max_depth: usize) -> Result<Parsed> {
    let mut p = Parser { src, bytes: src.as_bytes(), pos: 0, line: 1, max_depth, parsed: Parsed::default() };
    p.parsed.value = p.document()?;
    p.parsed.finish_lines();
    Ok(p.parsed)
}

impl Parser<'_> {
    fn document(&mut self) -> Result<Value> {
        let mut stack: Vec<Frame> = Vec::new();
        let root = 'value: loop {
            self.skip_ws();
            let mut value = match self.peek() {
                Some(b'{') => {
                    self.check_depth(stack.len())?;
                    let ptr = self.child_ptr(&stack);
                    self.record(&ptr);
                    self.pos += 1;
                    self.skip_ws();
                    if self.peek() == Some(b'}') {
                        self.pos += 1;
                        Value::Object(Map::new())
                    } else {
                        let map = Map::new();
                        let key = self.key(&map, &ptr, &stack)?;
                        stack.push(Frame::Object { map, key, ptr });
                        continue 'value;
                    }
                }
                Some(b'[') => {
                    self.check_depth(stack.len())?;
                    let ptr = self.child_ptr(&stack);
                    self.record(&ptr);
                    self.pos += 1;
                    self.skip_ws();
                    if self.peek() == Some(b']') {
                        self.pos += 1;
                        Value::Array(Vec::new())
                    } else {
                        stack.push(Frame::Array { items: Vec::new(), ptr });
                        continue 'value;
                    }
                }
                Some(b'"') => Value::String(self.string()?),
                Some(b'-' | b'0'..=b'9') => self.number()?,
                Some(b't') => self.literal("true", Value::Bool(true))?,
                Some(b'f') => self.literal("false", Value::Bool(false))?,
                Some(b'n') => self.literal("null", Value::Null)?,
                Some(_) => return Err(self.unexpected("a value")),
                None => return Err(self.syntax("unexpected end of input, expected a value", self.pos)),
            };
            // Attach the finished value to its container; close containers that end here.
            loop {
                let Some(last) = stack.len().checked_sub(1) else { break 'value value };
                let (outer, frame) = stack.split_at_mut(last);
                match &mut frame[0] {
                    Frame::Object { map, key, ptr } => {
                        map.insert(std::mem::take(key), value);
                        self.skip_ws();
                        match self.peek() {
                            Some(b',') => {
                                let comma = self.pos;
                                self.pos += 1;
                                self.skip_ws();
                                if self.peek() == Some(b'}') {
                                    return Err(self.syntax("trailing comma before '}'", comma));
                                }
                                *key = self.key(map, ptr, outer)?;
                                continue 'value;
                            }
                            Some(b'}') => {
                                self.pos += 1;
                                value = Value::Object(std::mem::take(map));
                                stack.pop();
                            }
                            _ => return Err(self.unexpected("',' or '}' after an object member")),
                        }
                    }
                    Frame::Array { items, .. } => {
                        items.push(value);
                        self.skip_ws();
                        match self.peek() {
                            Some(b',') => {
                                let comma = self.pos;
                                self.pos += 1;
                                self.skip_ws();
                                if self.peek() == Some(b']') {
                                    return Err(self.syntax("trailing comma before ']'", comma));
                                }
                                continue 'value;
                            }
                            Some(b']') => {
                                self.pos += 1;
                                value = Value::Array(std::mem::take(items));
                                stack.pop();
                            }
                            _ => return Err(self.unexpected("',' or ']' after an array element")),
                        }
                    }
                }
            }
        };
        self.skip_ws();
        if self.pos < self.bytes.len() {
            return Err(self.syntax("unexpected content after the end of the document", self.pos));
        }
        Ok(root)
    }

    /// Parse `"key" :` of an object member; refuse a key already in `map`.
    fn key(&mut self, map: &Map<String, Value>, ptr: &Option<String>, outer: &[Frame]) -> Result<String> {
        let start = self.pos;
        if self.peek() != Some(b'"') {
            return Err(self.unexpected("a string key"));
        }
        let key = self.string()?;
        if map.contains_key(&key) {
            let parent = match ptr {
                Some(p) => p.clone(),
                None => pointer_of(outer),
            };
            let (line, column) = line_col(self.src, start);
            let loc = Location {
                pointer: Some(pointer::push(&parent, &key)),
                ..Location::line_col(line, column, start as u64)
            };
            return Err(SpecError::new(
                ErrorCode::SpecDuplicateKey,
                format!("duplicate key {}", crate::error::snippet(&key)),
                loc,
            ));
        }
        self.skip_ws();
        if self.peek() != Some(b':') {
            return Err(self.unexpected("':' after an object key"));
        }
        self.pos += 1;
        Ok(key)
    }

    fn check_depth(&self, open: usize) -> Result<()> {
        if open >= self.max_depth {
            let (line, column) = line_col(self.src, self.pos);
            return Err(SpecError::new(
                ErrorCode::SpecTooDeep,
                format!("nesting deeper than the limit of {} levels", self.max_depth),
                Location::line_col(line, column, self.pos as u64),
            ));
        }
        Ok(())
    }

    /// Pointer of a container about to open at the current position, when shallow enough to be recorded.
    fn child_ptr(&self, stack: &[Frame]) -> Option<String> {
        match stack.last() {
            None => Some(String::new()),
            Some(frame) if stack.len() < LINE_DEPTH => {
                let parent = frame.ptr().as_ref()?;
                Some(match frame {
                    Frame::Object { key, .. } => pointer::push(parent, key),
                    Frame::Array { items, .. } => format!("{parent}/{}", items.len()),
                })
            }
            Some(_) => None,
        }
    }

    /// Containers only: scalars find their line through their parent (`SourceLines::line_of`).
    fn record(&mut self, ptr: &Option<String>) {
        if let Some(ptr) = ptr {
            self.parsed.lines.push((ptr.clone(), self.line));
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(&b) = self.bytes.get(self.pos) {
            match b {
                b'\n' => self.line += 1,
                b' ' | b'\t' | b'\r' => {}
                _ => break,
            }
            self.pos += 1;
        }
    }

    fn literal(&mut self, word: &str, value: Value) -> Result<Value> {
        if self.bytes[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(value)
        } else {
            Err(self.unexpected("a value"))
        }
    }

    fn number(&mut self) -> Result<Value> {
        let start = self.pos;
        let digits = |p: &mut Self| {
            let from = p.pos;
            while matches!(p.peek(), Some(b'0'..=b'9')) {
                p.pos += 1;
            }
            p.pos - from
        };
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        let int_start = self.pos;
        let n = digits(self);
        if n == 0 || (n > 1 && self.bytes[int_start] == b'0') {
            return Err(self.syntax("invalid number", start));
        }
        let mut integer = true;
        if self.peek() == Some(b'.') {
            self.pos += 1;
            integer = false;
            if digits(self) == 0 {
                return Err(self.syntax("invalid number: digits expected after '.'", start));
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            integer = false;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if digits(self) == 0 {
                return Err(self.syntax("invalid number: digits expected in the exponent", start));
            }
        }
        let text = &self.src[start..self.pos];
        if integer {
            if let Ok(i) = text.parse::<i64>() {
                return Ok(Value::Number(i.into()));
            }
            if let Ok(u) = text.parse::<u64>() {
                return Ok(Value::Number(u.into()));
            }
        }
        match text.parse::<f64>().ok().and_then(Number::from_f64) {
            Some(n) => Ok(Value::Number(n)),
            None => Err(self.syntax("number out of range", start)),
        }
    }

    fn string(&mut self) -> Result<String> {
        let open = self.pos;
        self.pos += 1;
        let mut out = String::new();
        loop {
            let run_start = self.pos;
            while let Some(&b) = self.bytes.get(self.pos) {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            out.push_str(&self.src[run_start..self.pos]);
            match self.peek() {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => self.escape(&mut out)?,
                Some(_) => return Err(self.syntax("control character inside a string (escape it)", self.pos)),
                None => return Err(self.syntax("unterminated string", open)),
            }
        }
    }

    fn escape(&mut self, out: &mut String) -> Result<()> {
        let at = self.pos;
        self.pos += 1;
        let c = match self.peek() {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                self.pos += 1;
                let first = self.hex4(at)?;
                let code = if (0xd800..0xdc00).contains(&first) {
                    if !self.bytes[self.pos..].starts_with(b"\\u") {
                        return Err(self.lone_surrogate(at));
                    }
                    self.pos += 2;
                    let second = self.hex4(at)?;
                    if !(0xdc00..0xe000).contains(&second) {
                        return Err(self.lone_surrogate(at));
                    }
                    0x10000 + ((first - 0xd800) << 10) + (second - 0xdc00)
                } else if (0xdc00..0xe000).contains(&first) {
                    return Err(self.lone_surrogate(at));
                } else {
                    first
                };
                out.push(char::from_u32(code).ok_or_else(|| self.lone_surrogate(at))?);
                return Ok(());
            }
            _ => return Err(self.syntax("invalid escape sequence", at)),
        };
        self.pos += 1;
        out.push(c);
        Ok(())
    }

    fn hex4(&mut self, at: usize) -> Result<u32> {
        let digits = self.src.get(self.pos..self.pos + 4).filter(|d| d.bytes().all(|b| b.is_ascii_hexdigit()));
        let Some(digits) = digits else { return Err(self.syntax("invalid \\u escape", at)) };
        self.pos += 4;
        Ok(u32::from_str_radix(digits, 16).unwrap_or(0))
    }

    fn lone_surrogate(&self, at: usize) -> SpecError {
        let (line, column) = line_col(self.src, at);
        SpecError::new(
            ErrorCode::SpecEncoding,
            "lone UTF-16 surrogate in a \\u escape",
            Location::line_col(line, column, at as u64),
        )
    }

    fn unexpected(&self, expected: &str) -> SpecError {
        match self.src[self.pos..].chars().next() {
            Some(c) => {
                self.syntax(&format!("expected {expected}, found {}", crate::error::snippet(&c.to_string())), self.pos)
            }
            None => self.syntax(&format!("unexpected end of input, expected {expected}"), self.pos),
        }
    }

    fn syntax(&self, message: &str, at: usize) -> SpecError {
        let (line, column) = line_col(self.src, at);
        SpecError::new(ErrorCode::SpecJsonSyntax, message, Location::line_col(line, column, at as u64))
    }
}

/// Full pointer of the innermost open container (used only for errors deeper than the recorded lines).
fn pointer_of(stack: &[Frame]) -> String {
    let mut out = String::new();
    for frame in stack {
        match frame {
            Frame::Object { key, .. } => out = pointer::push(&out, key),
            Frame::Array { items, .. } => out = format!("{out}/{}", items.len()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn err(src: &str) -> SpecError {
        parse(src, 64).unwrap_err()
    }

    #[test]
    fn parses_values_in_order() {
        let v = parse(r#"{"b": [1, -2, 3.5, 1e2, true, null, "x\u00e9\ud83d\ude00"], "a": {}}"#, 64).unwrap().value;
        assert_eq!(v, json!({"b": [1, -2, 3.5, 100.0, true, null, "xé😀"], "a": {}}));
        assert_eq!(v.as_object().unwrap().keys().collect::<Vec<_>>(), ["b", "a"]);
    }

    #[test]
    fn big_integers_become_floats() {
        assert_eq!(parse("[18446744073709551615, 99999999999999999999]", 8).unwrap().value[0], json!(u64::MAX));
        assert!(parse("[99999999999999999999]", 8).unwrap().value[0].is_f64());
    }

    #[test]
    fn trailing_comma_reports_the_comma_line() {
        let e = err("{\n  \"a\": 1,\n  \"b\": 2,\n}\n");
        assert_eq!(e.code, ErrorCode::SpecJsonSyntax);
        assert_eq!((e.location.line, e.location.column), (Some(3), Some(9)));
    }

    #[test]
    fn truncated_and_garbage_are_syntax_errors() {
        assert_eq!(err("{\"a\": {").code, ErrorCode::SpecJsonSyntax);
        assert_eq!(err("{\"a\": 01}").code, ErrorCode::SpecJsonSyntax);
        assert_eq!(err("{\"a\": 1} x").code, ErrorCode::SpecJsonSyntax);
        assert_eq!(err("{\"a\": \"x\ny\"}").code, ErrorCode::SpecJsonSyntax);
        assert_eq!(err("{'a': 1}").code, ErrorCode::SpecJsonSyntax);
    }

    #[test]
    fn duplicate_keys_carry_pointer_and_line() {
        let e = err("{\"p\": {\"/a\": 1,\n \"/a\": 2}}");
        assert_eq!(e.code, ErrorCode::SpecDuplicateKey);
        assert_eq!(e.location.pointer.as_deref(), Some("/p/~1a"));
        assert_eq!(e.location.line, Some(2));
    }

    #[test]
    fn depth_limit_without_recursion() {
        let deep = "[".repeat(100_000);
        assert_eq!(err(&deep).code, ErrorCode::SpecTooDeep);
        assert!(parse(&format!("{}{}", "[".repeat(64), "]".repeat(64)), 64).is_ok());
        assert_eq!(
            parse(&format!("{}{}", "[".repeat(65), "]".repeat(65)), 64).unwrap_err().code,
            ErrorCode::SpecTooDeep
        );
    }

    #[test]
    fn lone_surrogates_are_encoding_errors() {
        assert_eq!(err(r#"["\ud800"]"#).code, ErrorCode::SpecEncoding);
        assert_eq!(err(r#"["\udc00x"]"#).code, ErrorCode::SpecEncoding);
    }

    #[test]
    fn records_lines_of_shallow_pointers() {
        let parsed = parse("{\n\"paths\": {\n  \"/a\": {\n   \"get\": [\n {}, {}]}}}", 64).unwrap();
        let lines = &parsed.source_lines.by_pointer;
        assert_eq!(lines.get(""), Some(&1));
        assert_eq!(lines.get("/paths"), Some(&2));
        assert_eq!(lines.get("/paths/~1a"), Some(&3));
        assert_eq!(lines.get("/paths/~1a/get"), Some(&4));
        assert_eq!(lines.get("/paths/~1a/get/1"), Some(&5));
    }
}
