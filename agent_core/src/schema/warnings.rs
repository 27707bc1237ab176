//! Warning collection for the compiler: capped per code, and once per keyword for ignored keywords.

use std::collections::{HashMap, HashSet};

use crate::error::{ErrorCode, Warning};

/// Most warnings kept per code; one more summarises the rest.
pub const MAX_PER_CODE: usize = 50;

#[derive(Default)]
pub struct Warnings {
    list: Vec<Warning>,
    counts: HashMap<ErrorCode, usize>,
    keywords: HashSet<&'static str>,
}

impl Warnings {
    pub fn push(&mut self, code: ErrorCode, message: impl Into<String>, pointer: impl Into<String>) {
        let count = self.counts.entry(code).or_insert(0);
        *count += 1;
        if *count <= MAX_PER_CODE {
            self.list.push(Warning::new(code, message, pointer));
        }
    }

    /// A keyword Sentinel ignores: reported the first time it is seen.
    pub fn ignored_keyword(&mut self, keyword: &'static str, reason: &str, pointer: &str) {
        if self.keywords.insert(keyword) {
            self.push(
                ErrorCode::SpecSchemaUnsupported,
                format!("`{keyword}` is ignored ({reason}); further uses are not reported"),
                format!("{pointer}/{keyword}"),
            );
        }
    }

    pub fn finish(mut self) -> Vec<Warning> {
        let mut over: Vec<(ErrorCode, usize)> =
            self.counts.iter().filter(|(_, n)| **n > MAX_PER_CODE).map(|(c, n)| (*c, *n - MAX_PER_CODE)).collect();
        over.sort_by_key(|(c, _)| c.as_str());
        for (code, more) in over {
            self.list.push(Warning::new(code, format!("{more} more {code} warnings not shown"), ""));
        }
        self.list
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capped_per_code_with_a_summary() {
        let mut w = Warnings::default();
        for i in 0..60 {
            w.push(ErrorCode::SpecFormatUnknown, "unknown", format!("#/{i}"));
        }
        w.ignored_keyword("unevaluatedProperties", "not supported", "#/a");
        w.ignored_keyword("unevaluatedProperties", "not supported", "#/b");
        let list = w.finish();
        assert_eq!(list.iter().filter(|w| w.code == ErrorCode::SpecFormatUnknown).count(), MAX_PER_CODE + 1);
        assert_eq!(list.iter().filter(|w| w.code == ErrorCode::SpecSchemaUnsupported).count(), 1);
    }
}
