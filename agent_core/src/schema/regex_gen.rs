//! String generation from a pattern: the ECMA pattern is translated (see `schema::ecma`), parsed by
//! `regex-syntax`, and its HIR turned into a small [`Program`] that a seeded walk expands into a matching string.
//! Unbounded repetitions are bounded; assertions (`\b`, anchors) are ignored by the walk and the result is checked
//! against the real pattern by the caller.

use regex_syntax::hir::{Class, Hir, HirKind, Look};

use crate::datagen::rng::Rng;

/// Extra repetitions allowed beyond the minimum of an unbounded repetition.
const UNBOUNDED_EXTRA: u32 = 8;

#[derive(Clone, Debug)]
pub enum Program {
    Empty,
    Literal(Box<str>),
    Class {
        ranges: Box<[(char, char)]>,
        /// The part of the class inside printable ASCII, preferred for readable values.
        ascii: Box<[(char, char)]>,
    },
    Concat(Box<[Program]>),
    Alt(Box<[Program]>),
    Repeat {
        sub: Box<Program>,
        min: u32,
        max: Option<u32>,
    },
    /// Matches nothing (an empty class).
    Fail,
}

/// How the walk picks repetition counts and alternatives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stretch {
    Random,
    /// Minimum repetitions: the shortest strings.
    Shortest,
    /// Many repetitions: long strings.
    Longest,
}

#[derive(Clone, Debug)]
pub struct RegexGen {
    pub program: Program,
    /// `^` starts every match: nothing may be prepended.
    pub anchored_start: bool,
    /// `$` ends every match: nothing may be appended.
    pub anchored_end: bool,
    /// Lookarounds were dropped: results need checking.
    pub approximate: bool,
}

impl RegexGen {
    /// Build the generator for a pattern `regress` accepted (`unicode`: with the `u` flag).
    pub fn build(pattern: &str, unicode: bool) -> Result<RegexGen, String> {
        let translation = super::ecma::translate(pattern, unicode)?;
        let hir = regex_syntax::ParserBuilder::new()
            .nest_limit(200)
            .build()
            .parse(&translation.text)
            .map_err(|e| e.to_string().lines().last().unwrap_or("unsupported").trim().to_string())?;
        let props = hir.properties();
        Ok(RegexGen {
            anchored_start: props.look_set_prefix().contains(Look::Start),
            anchored_end: props.look_set_suffix().contains(Look::End),
            program: lower(&hir),
            approximate: translation.approximate,
        })
    }

    /// Append one candidate match to `out`. False when the program cannot match anything.
    pub fn generate(&self, rng: &mut Rng, stretch: Stretch, out: &mut String) -> bool {
        walk(&self.program, rng, stretch, out)
    }

    /// Append a candidate match of `lo..=hi` characters, if the program describes strings of such a length.
    pub fn generate_sized(&self, rng: &mut Rng, lo: u64, hi: u64, out: &mut String) -> bool {
        let (min, max) = bounds(&self.program);
        if lo > hi || min > hi || max.is_some_and(|m| m < lo) {
            return false;
        }
        sized(&self.program, rng, lo.max(min), hi, out).is_some_and(|n| n >= lo && n <= hi)
    }
}

/// Length bounds, in characters, of the strings a program describes (`None`: unbounded).
fn bounds(p: &Program) -> (u64, Option<u64>) {
    match p {
        Program::Empty => (0, Some(0)),
        Program::Fail => (u64::MAX, Some(0)),
        Program::Literal(s) => {
            let n = s.chars().count() as u64;
            (n, Some(n))
        }
        Program::Class { .. } => (1, Some(1)),
        Program::Concat(items) => items
            .iter()
            .map(bounds)
            .fold((0, Some(0)), |(a, b), (c, d)| (a.saturating_add(c), b.zip(d).map(|(b, d)| b.saturating_add(d)))),
        Program::Alt(items) => {
            let all: Vec<(u64, Option<u64>)> = items.iter().map(bounds).filter(|(min, _)| *min != u64::MAX).collect();
            let min = all.iter().map(|b| b.0).min().unwrap_or(u64::MAX);
            let max = all.iter().try_fold(0u64, |acc, b| b.1.map(|m| acc.max(m)));
            (min, if all.is_empty() { Some(0) } else { max })
        }
        Program::Repeat { sub, min, max } => {
            let (smin, smax) = bounds(sub);
            if smin == u64::MAX {
                return if *min == 0 { (0, Some(0)) } else { (u64::MAX, Some(0)) };
            }
            let lo = smin.saturating_mul(*min as u64);
            let hi = match (max, smax) {
                (_, Some(0)) => Some(0),
                (Some(m), Some(sm)) => Some(sm.saturating_mul(*m as u64)),
                _ => None,
            };
            (lo, hi)
        }
    }
}

/// Generate within `lo..=hi` characters; returns the number of characters written.
fn sized(p: &Program, rng: &mut Rng, lo: u64, hi: u64, out: &mut String) -> Option<u64> {
    match p {
        Program::Empty => Some(0),
        Program::Fail => None,
        Program::Literal(s) => {
            out.push_str(s);
            Some(s.chars().count() as u64)
        }
        Program::Class { .. } => walk(p, rng, Stretch::Random, out).then_some(1),
        Program::Concat(items) => {
            let b: Vec<(u64, Option<u64>)> = items.iter().map(bounds).collect();
            let mut written = 0u64;
            for (i, item) in items.iter().enumerate() {
                let rest_min: u64 = b[i + 1..].iter().map(|x| x.0).fold(0, u64::saturating_add);
                let rest_max: Option<u64> =
                    b[i + 1..].iter().try_fold(0u64, |acc, x| x.1.map(|m| acc.saturating_add(m)));
                let want_lo = lo.saturating_sub(written).saturating_sub(rest_max.unwrap_or(u64::MAX)).max(b[i].0);
                let want_hi = hi.saturating_sub(written).saturating_sub(rest_min).min(b[i].1.unwrap_or(u64::MAX));
                if want_lo > want_hi {
                    return None;
                }
                written += sized(item, rng, want_lo, want_hi, out)?;
            }
            Some(written)
        }
        Program::Alt(items) => {
            let fitting: Vec<&Program> = items
                .iter()
                .filter(|item| {
                    let (min, max) = bounds(item);
                    min <= hi && max.is_none_or(|m| m >= lo)
                })
                .collect();
            let item = fitting.get(rng.index(fitting.len()))?;
            let (min, _) = bounds(item);
            sized(item, rng, lo.max(min), hi, out)
        }
        Program::Repeat { sub, min, max } => {
            let (smin, smax) = bounds(sub);
            // Counts whose total length can land in lo..=hi.
            let mut k_lo = *min as u64;
            match smax {
                Some(sm) if sm > 0 => k_lo = k_lo.max(lo.div_ceil(sm)),
                None if lo > 0 => k_lo = k_lo.max(1),
                _ => {}
            }
            let mut k_hi = max.map_or(u64::MAX, u64::from);
            if let Some(fit) = hi.checked_div(smin) {
                k_hi = k_hi.min(fit);
            }
            k_hi = k_hi.min(k_lo.saturating_add(if hi == u64::MAX { UNBOUNDED_EXTRA as u64 } else { 64 }));
            if k_lo > k_hi {
                return None;
            }
            let k = rng.range_u64(k_lo, k_hi);
            let mut written = 0u64;
            for i in 0..k {
                let left = k - i - 1;
                let rest_min = smin.saturating_mul(left);
                let rest_max = if left == 0 { Some(0) } else { smax.map(|m| m.saturating_mul(left)) };
                let want_lo = lo.saturating_sub(written).saturating_sub(rest_max.unwrap_or(u64::MAX)).max(smin);
                let want_hi = hi.saturating_sub(written).saturating_sub(rest_min).min(smax.unwrap_or(u64::MAX));
                if want_lo > want_hi {
                    return None;
                }
                written += sized(sub, rng, want_lo, want_hi, out)?;
            }
            Some(written)
        }
    }
}

fn lower(hir: &Hir) -> Program {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => Program::Empty,
        HirKind::Literal(lit) => Program::Literal(String::from_utf8_lossy(&lit.0).into()),
        HirKind::Class(Class::Unicode(cls)) => {
            let ranges: Vec<(char, char)> = cls.ranges().iter().map(|r| (r.start(), r.end())).collect();
            class(ranges)
        }
        HirKind::Class(Class::Bytes(cls)) => {
            let ranges: Vec<(char, char)> = cls
                .ranges()
                .iter()
                .filter(|r| r.start() < 0x80)
                .map(|r| (r.start() as char, r.end().min(0x7F) as char))
                .collect();
            class(ranges)
        }
        HirKind::Repetition(rep) => Program::Repeat { sub: Box::new(lower(&rep.sub)), min: rep.min, max: rep.max },
        HirKind::Capture(cap) => lower(&cap.sub),
        HirKind::Concat(items) => Program::Concat(items.iter().map(lower).collect()),
        HirKind::Alternation(items) => Program::Alt(items.iter().map(lower).collect()),
    }
}

fn class(ranges: Vec<(char, char)>) -> Program {
    if ranges.is_empty() {
        return Program::Fail;
    }
    let ascii: Vec<(char, char)> = ranges
        .iter()
        .filter_map(|&(lo, hi)| {
            let lo = lo.max(' ');
            let hi = hi.min('~');
            (lo <= hi).then_some((lo, hi))
        })
        .collect();
    Program::Class { ranges: ranges.into(), ascii: ascii.into() }
}

fn walk(p: &Program, rng: &mut Rng, stretch: Stretch, out: &mut String) -> bool {
    match p {
        Program::Empty => true,
        Program::Fail => false,
        Program::Literal(s) => {
            out.push_str(s);
            true
        }
        Program::Class { ranges, ascii } => {
            let pool: &[(char, char)] =
                if !ascii.is_empty() && (ascii.len() == ranges.len() || rng.chance(0.9)) { ascii } else { ranges };
            out.push(pick_char(pool, rng));
            true
        }
        Program::Concat(items) => items.iter().all(|item| walk(item, rng, stretch, out)),
        Program::Alt(items) => {
            let i = match stretch {
                Stretch::Random => rng.index(items.len()),
                Stretch::Shortest => 0,
                Stretch::Longest => items.len() - 1,
            };
            walk(&items[i], rng, stretch, out)
        }
        Program::Repeat { sub, min, max } => {
            let cap = max.unwrap_or(min.saturating_add(UNBOUNDED_EXTRA)).min(min.saturating_add(64));
            let count = match stretch {
                Stretch::Shortest => *min,
                Stretch::Longest => cap,
                Stretch::Random => {
                    // Favour short repetitions: most real values are short.
                    let soft = cap.min(min.saturating_add(6));
                    if rng.chance(0.8) {
                        rng.range_u64(*min as u64, soft as u64) as u32
                    } else {
                        rng.range_u64(*min as u64, cap as u64) as u32
                    }
                }
            };
            (0..count).all(|_| walk(sub, rng, stretch, out))
        }
    }
}

/// A character from the ranges: ranges are weighted by size, each range capped to its first 256 code points so
/// that huge negated classes yield familiar characters.
fn pick_char(ranges: &[(char, char)], rng: &mut Rng) -> char {
    let width = |&(lo, hi): &(char, char)| ((hi as u32 - lo as u32) + 1).min(256) as u64;
    let total: u64 = ranges.iter().map(width).sum();
    let mut n = rng.below(total);
    for r in ranges {
        let w = width(r);
        if n < w {
            return char::from_u32(r.0 as u32 + n as u32).unwrap_or(r.0);
        }
        n -= w;
    }
    ranges[0].0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(pattern: &str) {
        let gen = RegexGen::build(pattern, false).unwrap();
        let re = regress::Regex::new(pattern).unwrap();
        let mut rng = Rng::new(3);
        for stretch in [Stretch::Random, Stretch::Shortest, Stretch::Longest] {
            for _ in 0..50 {
                let mut s = String::new();
                assert!(gen.generate(&mut rng, stretch, &mut s));
                assert!(re.find(&s).is_some(), "{pattern} generated {s:?}");
            }
        }
    }

    #[test]
    fn generated_strings_match() {
        for p in [
            r"^[A-Z]{3}-\d{4}$",
            r"^\d+(\.\d{1,2})?$",
            r"^(foo|bar|baz)_[a-z0-9]*$",
            r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$",
            r"^\+?[1-9]\d{1,14}$",
            r"^[\w\-\.]+$",
            r"^.{3,5}$",
            r"^\S+$",
            r"^[a-f0-9]{8}-[a-f0-9]{4}$",
            r"^\u00e9+$",
        ] {
            check(p);
        }
    }

    #[test]
    fn anchors_are_detected() {
        let g = RegexGen::build(r"^abc$", false).unwrap();
        assert!(g.anchored_start && g.anchored_end);
        let g = RegexGen::build(r"abc", false).unwrap();
        assert!(!g.anchored_start && !g.anchored_end);
    }

    #[test]
    fn sized_generation_hits_the_lengths() {
        let mut rng = Rng::new(4);
        for (pattern, lo, hi) in [
            (r"^[0-9a-fA-F]+$", 40, 40),
            (r"^[a-z]+(-[a-z]+)*$", 10, 12),
            (r"^\d{3}(\d{2})?$", 5, 5),
            (r"^(ab|c)+$", 7, 7),
            (r"^x*$", 0, 0),
        ] {
            let gen = RegexGen::build(pattern, false).unwrap();
            let re = regress::Regex::new(pattern).unwrap();
            for _ in 0..50 {
                let mut s = String::new();
                assert!(gen.generate_sized(&mut rng, lo, hi, &mut s), "{pattern} {lo}..={hi}");
                let n = s.chars().count() as u64;
                assert!(n >= lo && n <= hi && re.find(&s).is_some(), "{pattern} {lo}..={hi}: {s:?}");
            }
        }
        let gen = RegexGen::build(r"^\d{3}$", false).unwrap();
        assert!(!gen.generate_sized(&mut rng, 4, 10, &mut String::new()));
    }

    #[test]
    fn empty_class_cannot_generate() {
        let g = RegexGen::build(r"^[]$", false).unwrap();
        assert!(!g.generate(&mut Rng::new(1), Stretch::Random, &mut String::new()));
    }
}
