//! Integers and numbers within merged bounds, exclusive bounds, `multipleOf` and `int32`/`int64` ranges.

use serde_json::Value;

use super::positive::Generator;
use crate::schema::{Bound, Compiled, NodeId, Num};

/// Bounds merged over a conjunct set.
#[derive(Clone, Copy, Debug, Default)]
pub struct Range {
    pub lower: Option<Bound>,
    pub upper: Option<Bound>,
    /// The first `multipleOf` (others are left to checking).
    pub step: Option<Num>,
    /// Integer range from `int32`/`int64`.
    pub int_range: Option<(i128, i128)>,
}

pub fn merged(c: &Compiled, nodes: &[NodeId]) -> Range {
    let mut r = Range::default();
    for &id in nodes {
        let n = c.node(id);
        if let Some(rules) = &n.num {
            if let Some(b) = rules.lower() {
                r.lower = Some(match r.lower {
                    Some(cur) if tighter_lower(cur, b) => cur,
                    _ => b,
                });
            }
            if let Some(b) = rules.upper() {
                r.upper = Some(match r.upper {
                    Some(cur) if tighter_upper(cur, b) => cur,
                    _ => b,
                });
            }
            if r.step.is_none() {
                r.step = rules.multiple_of;
            }
        }
        if let Some((lo, hi)) = n.format.and_then(|f| f.int_range()) {
            r.int_range = Some(match r.int_range {
                Some((a, b)) => (a.max(lo), b.min(hi)),
                None => (lo, hi),
            });
        }
    }
    r
}

fn tighter_lower(a: Bound, b: Bound) -> bool {
    match a.value.cmp_num(b.value) {
        std::cmp::Ordering::Greater => true,
        std::cmp::Ordering::Less => false,
        std::cmp::Ordering::Equal => a.exclusive || !b.exclusive,
    }
}

fn tighter_upper(a: Bound, b: Bound) -> bool {
    match a.value.cmp_num(b.value) {
        std::cmp::Ordering::Less => true,
        std::cmp::Ordering::Greater => false,
        std::cmp::Ordering::Equal => a.exclusive || !b.exclusive,
    }
}

/// Smallest integer satisfying a lower bound.
pub fn int_lower(b: Bound) -> i128 {
    match b.value {
        Num::Int(i) => i + b.exclusive as i128,
        Num::Float(f) => {
            let c = f.ceil();
            let c = if b.exclusive && c == f { c + 1.0 } else { c };
            c.clamp(-1e38, 1e38) as i128
        }
    }
}

/// Largest integer satisfying an upper bound.
pub fn int_upper(b: Bound) -> i128 {
    match b.value {
        Num::Int(i) => i - b.exclusive as i128,
        Num::Float(f) => {
            let c = f.floor();
            let c = if b.exclusive && c == f { c - 1.0 } else { c };
            c.clamp(-1e38, 1e38) as i128
        }
    }
}

impl Range {
    /// Inclusive integer range (None: empty).
    pub fn ints(&self) -> Option<(Option<i128>, Option<i128>)> {
        let mut lo = self.lower.map(int_lower);
        let mut hi = self.upper.map(int_upper);
        if let Some((a, b)) = self.int_range {
            lo = Some(lo.map_or(a, |l| l.max(a)));
            hi = Some(hi.map_or(b, |h| h.min(b)));
        }
        match (lo, hi) {
            (Some(l), Some(h)) if l > h => None,
            other => Some(other),
        }
    }
}

impl Generator<'_, '_> {
    pub(super) fn integer(&mut self, nodes: &[NodeId]) -> Option<Value> {
        let r = merged(self.c, nodes);
        let (lo, hi) = r.ints()?;
        let step = match r.step {
            Some(Num::Int(s)) if s > 0 => s,
            Some(Num::Float(f)) if f.fract() == 0.0 && f >= 1.0 => f as i128,
            _ => 1,
        };
        let (lo_k, hi_k) = (lo.map(|l| div_ceil(l, step)), hi.map(|h| div_floor(h, step)));
        let k = self.pick_int(lo_k, hi_k)?;
        Some(Num::Int(k * step).to_json())
    }

    pub(super) fn number(&mut self, nodes: &[NodeId]) -> Option<Value> {
        let r = merged(self.c, nodes);
        if let Some(step) = r.step {
            // Multiples: an integer count of steps inside the bounds.
            let s = step.as_f64();
            let lo = r.lower.map(|b| {
                let k = (b.value.as_f64() / s).ceil();
                if b.exclusive && (k * s - b.value.as_f64()).abs() < 1e-12 {
                    k as i128 + 1
                } else {
                    k as i128
                }
            });
            let hi = r.upper.map(|b| {
                let k = (b.value.as_f64() / s).floor();
                if b.exclusive && (k * s - b.value.as_f64()).abs() < 1e-12 {
                    k as i128 - 1
                } else {
                    k as i128
                }
            });
            let k = self.pick_int(lo, hi)?;
            return Some(Num::Float(round_to_step(k as f64 * s, s)).to_json());
        }
        if r.int_range.is_some() || self.rng.chance(0.3) {
            if let Some((lo, hi)) = r.ints() {
                if lo.zip(hi).is_none_or(|(l, h)| l <= h) {
                    if let Some(k) = self.pick_int(lo, hi) {
                        return Some(Num::Int(k).to_json());
                    }
                }
            }
        }
        let lo = r.lower.map(|b| b.value.as_f64());
        let hi = r.upper.map(|b| b.value.as_f64());
        let (a, b) = match (lo, hi) {
            (Some(l), Some(h)) => (l, h),
            (Some(l), None) => (l, l + 1000.0),
            (None, Some(h)) => (h - 1000.0, h),
            (None, None) => (-1000.0, 1000.0),
        };
        if a > b {
            return None;
        }
        for _ in 0..8 {
            let mut x = a + (b - a) * self.rng.unit();
            if self.rng.chance(0.7) {
                let rounded = (x * 100.0).round() / 100.0;
                if rounded >= a && rounded <= b {
                    x = rounded;
                }
            }
            let num = Num::Float(x);
            let lower_ok = r.lower.is_none_or(|l| {
                if l.exclusive {
                    num.cmp_num(l.value).is_gt()
                } else {
                    num.cmp_num(l.value).is_ge()
                }
            });
            let upper_ok = r.upper.is_none_or(|u| {
                if u.exclusive {
                    num.cmp_num(u.value).is_lt()
                } else {
                    num.cmp_num(u.value).is_le()
                }
            });
            if lower_ok && upper_ok {
                return Some(num.to_json());
            }
        }
        None
    }

    /// An integer in the optional inclusive bounds, favouring small realistic values.
    pub(super) fn pick_int(&mut self, lo: Option<i128>, hi: Option<i128>) -> Option<i128> {
        match (lo, hi) {
            (Some(l), Some(h)) if l > h => None,
            (Some(l), Some(h)) => {
                if h - l > 1000 && self.rng.chance(0.6) {
                    Some(self.rng.range_i128(l, l + 1000))
                } else {
                    Some(self.rng.range_i128(l, h))
                }
            }
            (Some(l), None) => Some(l + self.small()),
            (None, Some(h)) => Some(h - self.small()),
            (None, None) => {
                let roll = self.rng.unit();
                Some(if roll < 0.7 {
                    self.rng.range_i128(0, 100)
                } else if roll < 0.9 {
                    self.rng.range_i128(-1000, 1000)
                } else {
                    self.rng.range_i128(i32::MIN as i128, i32::MAX as i128)
                })
            }
        }
    }

    fn small(&mut self) -> i128 {
        if self.rng.chance(0.8) {
            self.rng.range_i128(0, 100)
        } else {
            self.rng.range_i128(0, 100_000)
        }
    }
}

pub fn div_floor(a: i128, b: i128) -> i128 {
    let q = a / b;
    if (a % b != 0) && ((a < 0) != (b < 0)) {
        q - 1
    } else {
        q
    }
}

pub fn div_ceil(a: i128, b: i128) -> i128 {
    let q = a / b;
    if (a % b != 0) && ((a < 0) == (b < 0)) {
        q + 1
    } else {
        q
    }
}

/// `x` rounded to the number of decimals of `step`, so `3 * 0.1` prints as `0.3`.
pub fn round_to_step(x: f64, step: f64) -> f64 {
    let mut decimals = 0;
    let mut s = step.abs();
    while decimals < 12 && (s - s.round()).abs() > 1e-9 {
        s *= 10.0;
        decimals += 1;
    }
    let f = 10f64.powi(decimals);
    (x * f).round() / f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_division_rounds_the_right_way() {
        assert_eq!(div_floor(-7, 2), -4);
        assert_eq!(div_ceil(-7, 2), -3);
        assert_eq!(div_floor(7, 2), 3);
        assert_eq!(div_ceil(7, 2), 4);
        assert_eq!(div_ceil(6, 3), 2);
    }

    #[test]
    fn integer_bounds_from_any_bound() {
        assert_eq!(int_lower(Bound { value: Num::Int(3), exclusive: true }), 4);
        assert_eq!(int_lower(Bound { value: Num::Float(2.5), exclusive: false }), 3);
        assert_eq!(int_lower(Bound { value: Num::Float(2.0), exclusive: true }), 3);
        assert_eq!(int_upper(Bound { value: Num::Float(2.5), exclusive: true }), 2);
        assert_eq!(int_upper(Bound { value: Num::Int(2), exclusive: true }), 1);
    }

    #[test]
    fn rounding_to_step() {
        assert_eq!(round_to_step(3.0 * 0.1, 0.1), 0.3);
        assert_eq!(round_to_step(1999.0 * 0.01, 0.01), 19.99);
    }
}
