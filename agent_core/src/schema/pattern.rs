//! Compiled `pattern`/`patternProperties` regular expressions.
//!
//! Matching uses `regress` (ECMA-262 semantics, unanchored search, as JSON Schema requires). A pattern is first
//! compiled with the `u` flag (so `\p{L}` is a property class) and, when that fails, without it (Annex B syntax such
//! as `\_` or a literal `{`, common in real specs).

use super::regex_gen::{RegexGen, Stretch};
use crate::datagen::rng::Rng;

#[derive(Clone)]
pub struct Pattern {
    pub source: Box<str>,
    pub regex: regress::Regex,
    /// Compiled with the `u` flag.
    pub unicode: bool,
    /// None when the generator cannot produce strings for the pattern (then a `SPEC_PATTERN_UNSUPPORTED` warning
    /// was emitted and generation falls back to checked random strings).
    pub generator: Option<RegexGen>,
}

impl std::fmt::Debug for Pattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pattern").field("source", &self.source).field("unicode", &self.unicode).finish()
    }
}

/// Why a pattern could not be used.
#[derive(Debug)]
pub enum PatternProblem {
    /// Not an ECMA-262 regular expression (an error).
    Invalid(String),
}

impl Pattern {
    /// Compile `source`; the second value explains why strings cannot be generated from it, if they cannot.
    pub fn compile(source: &str) -> Result<(Pattern, Option<String>), PatternProblem> {
        let (regex, unicode) = match regress::Regex::with_flags(source, "u") {
            Ok(re) => (re, true),
            Err(_) => match regress::Regex::new(source) {
                Ok(re) => (re, false),
                Err(e) => return Err(PatternProblem::Invalid(e.to_string())),
            },
        };
        let mut pattern = Pattern { source: source.into(), regex, unicode, generator: None };
        let problem = match RegexGen::build(source, unicode) {
            Ok(gen) => {
                if pattern.self_test(&gen) {
                    pattern.generator = Some(gen);
                    None
                } else {
                    Some("generated candidates never match (lookarounds or assertions)".to_string())
                }
            }
            Err(reason) => Some(reason),
        };
        Ok((pattern, problem))
    }

    pub fn is_match(&self, text: &str) -> bool {
        self.regex.find(text).is_some()
    }

    /// The generator is useful when some of a few candidates match.
    fn self_test(&self, gen: &RegexGen) -> bool {
        let mut rng = Rng::new(0x5EED);
        let mut buf = String::new();
        for attempt in 0..24 {
            buf.clear();
            let stretch = if attempt % 3 == 2 { Stretch::Shortest } else { Stretch::Random };
            if gen.generate(&mut rng, stretch, &mut buf) && self.is_match(&buf) {
                return true;
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecma_only_syntax_compiles() {
        for p in [r"^\_[a-z]+$", r"^{x}$", r"^[\w\-]+$", r"\p{L}+", r"^a]$"] {
            assert!(Pattern::compile(p).is_ok(), "{p}");
        }
    }

    #[test]
    fn invalid_patterns_are_rejected() {
        for p in ["[", "(", "a{2,1}", "*a"] {
            assert!(matches!(Pattern::compile(p), Err(PatternProblem::Invalid(_))), "{p}");
        }
    }

    #[test]
    fn unicode_property_is_a_class() {
        let (p, problem) = Pattern::compile(r"^\p{L}+$").unwrap();
        assert!(problem.is_none());
        assert!(p.is_match("héllo") && !p.is_match("p{L}"));
    }

    #[test]
    fn search_is_unanchored() {
        let (p, _) = Pattern::compile("b+").unwrap();
        assert!(p.is_match("abba"));
    }

    #[test]
    fn backreference_is_unsupported_for_generation() {
        let (p, problem) = Pattern::compile(r"^(a)\1$").unwrap();
        assert!(p.generator.is_none() && problem.is_some());
    }

    #[test]
    fn lookahead_patterns_generate_when_candidates_match() {
        let (p, problem) = Pattern::compile(r"^(?=.*\d)[a-z0-9]{8,}$").unwrap();
        assert!(problem.is_none(), "{problem:?}");
        assert!(p.generator.as_ref().unwrap().approximate);
    }
}
