//! Strings: from patterns (see `schema::regex_gen`), from formats, or free text, within code-point lengths.

use super::formats;
use super::positive::Generator;
use super::rng::Rng;
use super::Target;
use crate::schema::regex_gen::Stretch;
use crate::schema::{Compiled, Format, NodeId, PatternId};

/// String keywords merged over a conjunct set.
#[derive(Debug, Default)]
pub struct StrView {
    pub min: u64,
    pub max: Option<u64>,
    pub patterns: Vec<PatternId>,
    pub format: Option<Format>,
}

pub fn merged(c: &Compiled, nodes: &[NodeId]) -> StrView {
    let mut v = StrView::default();
    for &id in nodes {
        let n = c.node(id);
        if let Some(s) = &n.string {
            v.min = v.min.max(s.min_length.unwrap_or(0));
            v.max = match (v.max, s.max_length) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            if let Some(p) = s.pattern {
                if !v.patterns.contains(&p) {
                    v.patterns.push(p);
                }
            }
        }
        if v.format.is_none() {
            v.format = n.format;
        }
    }
    v
}

impl StrView {
    pub fn accepts(&self, c: &Compiled, s: &str) -> bool {
        let len = s.chars().count() as u64;
        len >= self.min
            && self.max.is_none_or(|m| len <= m)
            && self.patterns.iter().all(|&p| c.pattern(p).is_match(s))
            && self.format.is_none_or(|f| {
                !f.is_enforced() || f.int_range().is_some() || crate::validate::format::check_string(f, s)
            })
    }
}

impl Generator<'_, '_> {
    pub(super) fn string(&mut self, nodes: &[NodeId], minimal: bool) -> Option<String> {
        let view = merged(self.c, nodes);
        if view.max.is_some_and(|m| m < view.min) {
            return None;
        }
        for attempt in 0..12 {
            let s = match (view.patterns.first(), view.format) {
                (Some(&p), _) => self.pattern_string(p, &view, attempt),
                (None, Some(f)) if attempt < 8 => formats::generate(f, self.rng, view.min, view.max),
                _ => Some(free_text(self.rng, self.opts.target, view.min, view.max, minimal)),
            };
            if let Some(s) = s {
                if view.accepts(self.c, &s) {
                    return Some(s);
                }
            }
        }
        None
    }

    fn pattern_string(&mut self, p: PatternId, view: &StrView, attempt: u32) -> Option<String> {
        let pattern = self.c.pattern(p);
        let Some(gen) = &pattern.generator else {
            // Unsupported pattern: plausible candidates, kept only if they match (checked by the caller).
            return match view.format {
                Some(f) if attempt % 2 == 0 => formats::generate(f, self.rng, view.min, view.max),
                _ => Some(free_text(self.rng, self.opts.target, view.min, view.max, false)),
            };
        };
        let stretch = match attempt {
            0..=4 => Stretch::Random,
            5 | 7 | 9 | 11 => Stretch::Shortest,
            _ => Stretch::Longest,
        };
        let mut s = String::new();
        let anchored = gen.anchored_start && gen.anchored_end;
        let made = if (view.min > 0 || view.max.is_some()) && attempt % 4 != 3 {
            // Lengths constrain the match itself when the pattern is anchored at both ends, else only its maximum.
            let lo = if anchored { view.min } else { 0 };
            gen.generate_sized(self.rng, lo, view.max.unwrap_or(u64::MAX), &mut s)
        } else {
            gen.generate(self.rng, stretch, &mut s)
        };
        if !made {
            return None;
        }
        let len = s.chars().count() as u64;
        if len < view.min && !anchored {
            let pad = free_text(self.rng, Target::Text, view.min - len, Some(view.min - len), true);
            if gen.anchored_end {
                s = pad + &s;
            } else {
                s.push_str(&pad);
            }
        }
        Some(s)
    }
}

/// Readable text: mostly lower-case letters and digits, sometimes words with spaces or (JSON only) non-ASCII.
pub fn free_text(rng: &mut Rng, target: Target, min: u64, max: Option<u64>, minimal: bool) -> String {
    const ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    const WORDS: &[&str] = &["alpha", "bravo", "delta", "echo", "kilo", "lima", "nova", "omega", "sierra", "tango"];
    const UNICODE: &[char] = &['é', 'ü', 'ß', 'ñ', 'ø', 'λ', 'Ж', '字', 'ö', '€'];
    let hi = max.unwrap_or(u64::MAX);
    let floor = min.max(1).min(hi);
    let len = if minimal { floor } else { rng.range_u64(floor, hi.min(floor + 12)) } as usize;
    let mut s = String::with_capacity(len + 4);
    if !minimal && target == Target::Json && rng.chance(0.15) {
        // A few words.
        while s.chars().count() < len {
            if !s.is_empty() {
                s.push(' ');
            }
            s.push_str(WORDS[rng.index(WORDS.len())]);
        }
        let cut: String = s.chars().take(len).collect();
        if !cut.ends_with(' ') {
            return cut;
        }
        s.clear();
    }
    let unicode = target == Target::Json && !minimal && rng.chance(0.05);
    for _ in 0..len {
        if unicode && rng.chance(0.3) {
            s.push(UNICODE[rng.index(UNICODE.len())]);
        } else {
            s.push(ALNUM[rng.index(ALNUM.len())] as char);
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_text_respects_lengths() {
        let mut rng = Rng::new(9);
        for (min, max) in [(0, Some(0)), (0, Some(1)), (3, Some(3)), (5, None), (0, None), (2, Some(40))] {
            for _ in 0..200 {
                let s = free_text(&mut rng, Target::Json, min, max, false);
                let n = s.chars().count() as u64;
                assert!(n >= min && max.is_none_or(|m| n <= m), "{min} {max:?} {s:?}");
            }
        }
    }

    #[test]
    fn text_target_stays_ascii() {
        let mut rng = Rng::new(1);
        for _ in 0..500 {
            assert!(free_text(&mut rng, Target::Text, 1, Some(30), false).is_ascii());
        }
    }
}
