//! Translation of ECMA-262 pattern syntax into the syntax `regex-syntax` parses, for string generation only.
//!
//! Validation always runs the original pattern through `regress`; this translation only has to describe the same
//! strings closely enough for a generator whose output is checked afterwards. ECMA-isms handled here:
//! `\d \w \s` (ASCII/ECMA sets, not Unicode classes), identity escapes (`\/ \_ \@`), `\cX`, `\0`, `\uHHHH` with
//! surrogate pairs, `\u{...}`, literal `{ } ]` where ECMA treats them as characters, `[]` and `[^]`, `-` at odd
//! places in classes, `.` (excludes all line terminators). Lookarounds are dropped (the result is marked
//! approximate); backreferences cannot be expressed and make the translation fail.

/// The whitespace set of ECMA-262 `\s`, as a `regex-syntax` class body.
const SPACE: &str = r"\x{9}-\x{D}\x{20}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}\x{FEFF}";

#[derive(Debug)]
pub struct Translation {
    pub text: String,
    /// A lookaround was removed: generated strings are candidates that must still be checked.
    pub approximate: bool,
}

/// Translate `pattern`; `unicode` says whether `regress` accepted it with the `u` flag (then `\p{..}` is a
/// property class rather than the letter `p`).
pub fn translate(pattern: &str, unicode: bool) -> Result<Translation, String> {
    let lookbehinds = pattern.matches("(?<=").count() + pattern.matches("(?<!").count();
    let mut t = Translator {
        chars: pattern.chars().collect(),
        pos: 0,
        out: String::with_capacity(pattern.len() * 2),
        unicode,
        named_groups: pattern.matches("(?<").count() > lookbehinds,
        approximate: false,
    };
    t.run()?;
    Ok(Translation { text: t.out, approximate: t.approximate })
}

enum Atom {
    Char(char),
    /// A class body such as `0-9` or a negated nested class `[^0-9]`, emitted as a nested class.
    Set(String),
    /// Emitted as is (`\b`, `\p{L}`).
    Raw(String),
}

struct Translator {
    chars: Vec<char>,
    pos: usize,
    out: String,
    unicode: bool,
    named_groups: bool,
    approximate: bool,
}

impl Translator {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.pos + offset).copied()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += 1;
        Some(c)
    }

    fn run(&mut self) -> Result<(), String> {
        while let Some(c) = self.next() {
            match c {
                '\\' => match self.escape(false)? {
                    Atom::Char(ch) => push_char(&mut self.out, ch),
                    Atom::Set(body) => {
                        self.out.push('[');
                        self.out.push_str(&body);
                        self.out.push(']');
                    }
                    Atom::Raw(raw) => self.out.push_str(&raw),
                },
                '[' => self.class()?,
                '(' => self.group()?,
                '.' => self.out.push_str(r"[^\n\r\x{2028}\x{2029}]"),
                '{' => {
                    if let Some(len) = self.quantifier_len() {
                        self.out.push('{');
                        for _ in 0..len {
                            let q = self.next().unwrap_or('}');
                            self.out.push(q);
                        }
                    } else {
                        self.out.push_str(r"\{");
                    }
                }
                '}' => self.out.push_str(r"\}"),
                ']' => self.out.push_str(r"\]"),
                '^' | '$' | '|' | ')' | '*' | '+' | '?' => self.out.push(c),
                other => push_char(&mut self.out, other),
            }
        }
        Ok(())
    }

    /// Length of a valid `{n}`, `{n,}` or `{n,m}` quantifier body (after the `{`, including the `}`).
    fn quantifier_len(&self) -> Option<usize> {
        let rest = &self.chars[self.pos..];
        let close = rest.iter().position(|&c| c == '}')?;
        let body: String = rest[..close].iter().collect();
        let mut parts = body.splitn(2, ',');
        let lo = parts.next()?;
        if lo.is_empty() || !lo.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        if let Some(hi) = parts.next() {
            if !hi.chars().all(|c| c.is_ascii_digit()) {
                return None;
            }
        }
        Some(close + 1)
    }

    fn group(&mut self) -> Result<(), String> {
        if self.peek() != Some('?') {
            self.out.push('(');
            return Ok(());
        }
        let lookaround =
            matches!((self.peek_at(1), self.peek_at(2)), (Some('=' | '!'), _) | (Some('<'), Some('=' | '!')));
        if lookaround {
            self.skip_group()?;
            self.approximate = true;
            // A quantifier on a lookaround has no effect on the strings described.
            if matches!(self.peek(), Some('*' | '+' | '?')) {
                self.pos += 1;
            }
            return Ok(());
        }
        match (self.peek_at(1), self.peek_at(2)) {
            (Some(':'), _) => {
                self.pos += 2;
                self.out.push_str("(?:");
            }
            (Some('<'), Some(_)) => {
                self.pos += 2;
                self.out.push_str("(?P<");
                while let Some(c) = self.next() {
                    if c == '>' {
                        break;
                    }
                    if !(c.is_alphanumeric() || c == '_') {
                        return Err("unsupported group name".to_string());
                    }
                    self.out.push(c);
                }
                self.out.push('>');
            }
            _ => return Err("unsupported group syntax".to_string()),
        }
        Ok(())
    }

    /// Skip a group whose `(` was consumed, honouring escapes, classes and nesting.
    fn skip_group(&mut self) -> Result<(), String> {
        let mut depth = 1usize;
        let mut in_class = false;
        while let Some(c) = self.next() {
            match c {
                '\\' => {
                    self.next();
                }
                '[' if !in_class => in_class = true,
                ']' if in_class => in_class = false,
                '(' if !in_class => depth += 1,
                ')' if !in_class => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(());
                    }
                }
                _ => {}
            }
        }
        Err("unterminated group".to_string())
    }

    /// An escape after `\`, outside (`in_class == false`) or inside a class.
    fn escape(&mut self, in_class: bool) -> Result<Atom, String> {
        let c = self.next().ok_or("trailing backslash")?;
        Ok(match c {
            'd' => Atom::Set("0-9".into()),
            'D' => Atom::Set("^0-9".into()),
            'w' => Atom::Set("0-9A-Za-z_".into()),
            'W' => Atom::Set("^0-9A-Za-z_".into()),
            's' => Atom::Set(SPACE.into()),
            'S' => Atom::Set(format!("^{SPACE}")),
            'b' if in_class => Atom::Char('\u{8}'),
            'b' => Atom::Raw(r"\b".into()),
            'B' => Atom::Raw(r"\B".into()),
            'n' => Atom::Char('\n'),
            'r' => Atom::Char('\r'),
            't' => Atom::Char('\t'),
            'v' => Atom::Char('\u{B}'),
            'f' => Atom::Char('\u{C}'),
            '0' if !self.peek().is_some_and(|d| d.is_ascii_digit()) => Atom::Char('\0'),
            '0'..='9' => return Err("backreferences cannot be generated".to_string()),
            'c' => match self.peek() {
                Some(l) if l.is_ascii_alphabetic() => {
                    self.pos += 1;
                    Atom::Char(char::from(l as u8 % 32))
                }
                _ => {
                    self.pos -= 1;
                    Atom::Char('\\')
                }
            },
            'x' => match self.hex(2) {
                Some(v) => Atom::Char(char::from_u32(v).ok_or("bad \\x escape")?),
                None => Atom::Char('x'),
            },
            'u' => self.unicode_escape()?,
            'k' if self.named_groups && self.peek() == Some('<') => {
                return Err("backreferences cannot be generated".to_string())
            }
            'p' | 'P' if self.unicode && self.peek() == Some('{') => {
                let close = self.chars[self.pos..].iter().position(|&ch| ch == '}').ok_or("unterminated \\p")?;
                let name: String = self.chars[self.pos + 1..self.pos + close].iter().collect();
                self.pos += close + 1;
                Atom::Raw(format!("\\{c}{{{name}}}"))
            }
            other => Atom::Char(other),
        })
    }

    fn hex(&mut self, digits: usize) -> Option<u32> {
        let text: String = self.chars.get(self.pos..self.pos + digits)?.iter().collect();
        if text.len() != digits || !text.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        self.pos += digits;
        u32::from_str_radix(&text, 16).ok()
    }

    fn unicode_escape(&mut self) -> Result<Atom, String> {
        if self.unicode && self.peek() == Some('{') {
            let close = self.chars[self.pos..].iter().position(|&ch| ch == '}').ok_or("unterminated \\u{")?;
            let text: String = self.chars[self.pos + 1..self.pos + close].iter().collect();
            self.pos += close + 1;
            let v = u32::from_str_radix(&text, 16).map_err(|_| "bad \\u{} escape")?;
            return Ok(Atom::Char(char::from_u32(v).ok_or("lone surrogate")?));
        }
        let Some(hi) = self.hex(4) else { return Ok(Atom::Char('u')) };
        if (0xD800..0xDC00).contains(&hi) && self.peek() == Some('\\') && self.peek_at(1) == Some('u') {
            let save = self.pos;
            self.pos += 2;
            if let Some(lo) = self.hex(4).filter(|lo| (0xDC00..0xE000).contains(lo)) {
                let cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                return Ok(Atom::Char(char::from_u32(cp).ok_or("bad surrogate pair")?));
            }
            self.pos = save;
        }
        char::from_u32(hi).map(Atom::Char).ok_or_else(|| "lone surrogate".to_string())
    }

    /// A class after `[`.
    fn class(&mut self) -> Result<(), String> {
        let negated = self.peek() == Some('^');
        if negated {
            self.pos += 1;
        }
        let mut body = String::new();
        let mut empty = true;
        loop {
            let c = self.next().ok_or("unterminated character class")?;
            if c == ']' {
                break;
            }
            let atom = if c == '\\' { self.escape(true)? } else { Atom::Char(c) };
            empty = false;
            let is_range = self.peek() == Some('-') && self.peek_at(1).is_some_and(|n| n != ']');
            match atom {
                Atom::Char(lo) if is_range => {
                    self.pos += 1;
                    let hc = self.next().ok_or("unterminated character class")?;
                    let hi = if hc == '\\' { self.escape(true)? } else { Atom::Char(hc) };
                    match hi {
                        Atom::Char(hi) => {
                            if lo > hi {
                                return Err("character class range out of order".to_string());
                            }
                            push_char(&mut body, lo);
                            body.push('-');
                            push_char(&mut body, hi);
                        }
                        other => {
                            push_char(&mut body, lo);
                            push_char(&mut body, '-');
                            push_atom(&mut body, other);
                        }
                    }
                }
                other => push_atom(&mut body, other),
            }
        }
        if empty {
            self.out.push_str(if negated { r"[\x{0}-\x{10FFFF}]" } else { r"[^\x{0}-\x{10FFFF}]" });
        } else {
            self.out.push('[');
            if negated {
                self.out.push('^');
            }
            self.out.push_str(&body);
            self.out.push(']');
        }
        Ok(())
    }
}

fn push_atom(body: &mut String, atom: Atom) {
    match atom {
        Atom::Char(c) => push_char(body, c),
        Atom::Set(set) => {
            body.push('[');
            body.push_str(&set);
            body.push(']');
        }
        Atom::Raw(raw) => body.push_str(&raw),
    }
}

/// A literal character in a form `regex-syntax` reads the same way inside and outside classes.
fn push_char(out: &mut String, c: char) {
    if c.is_ascii_alphanumeric() || c == '_' {
        out.push(c);
    } else {
        out.push_str(&format!("\\x{{{:X}}}", c as u32));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(p: &str) -> String {
        let t = translate(p, false).unwrap();
        regex_syntax::Parser::new().parse(&t.text).unwrap_or_else(|e| panic!("{p} -> {}: {e}", t.text));
        t.text
    }

    #[test]
    fn translates_ecma_isms_into_parseable_syntax() {
        for p in [
            r"^[\w\-\.]+$",
            r"^\_x\/y\@$",
            r"^[a-z]{,3}$",
            r"^{abc}$",
            r"^a]$",
            r"[]",
            r"[^]",
            r"\cJ\0",
            r"\u00e9\uD83D\uDE00",
            r"[\d-x]",
            r"[a-]",
            r"(?<year>\d{4})-(?:\d\d)",
            r"^\s*\S+$",
            r"[\b]\b",
        ] {
            ok(p);
        }
    }

    #[test]
    fn classes_use_ascii_sets() {
        let hir = regex_syntax::Parser::new().parse(&ok(r"^\d$")).unwrap();
        assert!(format!("{hir:?}").contains("'0'..='9'"));
    }

    #[test]
    fn lookarounds_are_dropped_and_marked() {
        let t = translate(r"^(?=.*[A-Z])(?!x)[a-zA-Z]{8,}$", false).unwrap();
        assert!(t.approximate);
        assert!(!t.text.contains("?="));
        regex_syntax::Parser::new().parse(&t.text).unwrap();
    }

    #[test]
    fn backreferences_fail() {
        assert!(translate(r"(a)\1", false).is_err());
        assert!(translate(r"(?<n>a)\k<n>", true).is_err());
    }

    #[test]
    fn unicode_properties_only_in_unicode_mode() {
        assert!(translate(r"\p{L}", true).unwrap().text.contains(r"\p{L}"));
        assert_eq!(translate(r"\p", false).unwrap().text, "p");
    }
}
