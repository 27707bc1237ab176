//! Positive cases: examples, then boundary values, then generated requests varying the optional parameters; when
//! none of these exists because a required part's schema is contradictory, relaxed requests (see
//! `datagen::relax`), examples that fit the relaxed schema first.

use serde_json::Value;

use super::plan::{is_empty_text, Draft, ParamPlan, Plan};
use super::{CaseKind, CaseSet, CaseSource, GeneratedCase, PartLocation};
use crate::datagen::{self, Rng};
use crate::schema::Compiled;
use crate::validate::{is_valid, Direction};

/// Draws per value for ordinary cases, and for the first case (which must exist when at all possible).
const ATTEMPTS: usize = 10;
const FIRST_ATTEMPTS: usize = 60;

pub fn cases(c: &Compiled, plan: &Plan, rng: &mut Rng, max: usize) -> Vec<GeneratedCase> {
    let mut set = CaseSet::new(max);
    examples(c, plan, rng, &mut set);
    let remaining = max - set.cases.len();
    // Boundaries come next but leave room for generated cases (at least one, about a quarter).
    let boundary_budget = if remaining >= 2 { remaining - (remaining / 4).max(1) } else { 0 };
    boundaries(c, plan, rng, &mut set, boundary_budget);
    generated(c, plan, rng, &mut set);
    if set.cases.is_empty() {
        relaxed(c, plan, rng, &mut set);
    }
    set.cases
}

fn param_examples(c: &Compiled, plan: &Plan, p: &ParamPlan) -> Vec<Value> {
    let mut pool: Vec<Value> = p.param.examples.clone();
    if let Some(schema) = p.param.schema {
        let n = c.node(schema);
        pool.extend(n.examples.iter().cloned());
        pool.extend(n.default.iter().cloned());
    }
    pool.retain(|v| plan.param_accepts(c, p, v));
    pool
}

fn body_examples(c: &Compiled, plan: &Plan) -> Vec<Value> {
    let Some(b) = &plan.body else { return Vec::new() };
    let mut pool: Vec<Value> = b.media.examples.clone();
    if let Some(schema) = b.media.schema {
        let n = c.node(schema);
        pool.extend(n.examples.iter().cloned());
        pool.extend(n.default.iter().cloned());
    }
    pool.retain(|v| plan.body_accepts(c, v));
    pool
}

/// Case i uses the i-th example of every part that has examples (cycling) and generated values elsewhere.
fn examples(c: &Compiled, plan: &Plan, rng: &mut Rng, set: &mut CaseSet) {
    let params: Vec<Vec<Value>> = plan.params.iter().map(|p| param_examples(c, plan, p)).collect();
    let body = body_examples(c, plan);
    let n = params.iter().map(Vec::len).chain(std::iter::once(body.len())).max().unwrap_or(0);
    'cases: for i in 0..n {
        if set.full() {
            return;
        }
        let mut draft = Draft::default();
        for (p, pool) in plan.params.iter().zip(&params) {
            if !pool.is_empty() {
                draft.set(p.location, &p.param.name, pool[i % pool.len()].clone());
            } else if p.param.required {
                match plan.param_value(c, p, rng, FIRST_ATTEMPTS) {
                    Some(v) => draft.set(p.location, &p.param.name, v),
                    None => continue 'cases,
                }
            }
        }
        if let Some(b) = &plan.body {
            let value = if body.is_empty() {
                plan.body_value(c, rng, FIRST_ATTEMPTS)
            } else {
                Some(body[i % body.len()].clone())
            };
            match value {
                Some(v) => {
                    draft.body = v;
                    draft.has_body = true;
                }
                None if b.body.required => continue 'cases,
                None => {}
            }
        }
        set.push(draft.finish(plan, CaseKind::Positive, CaseSource::Example, None));
    }
}

/// One part replaced by a boundary value, round-robin over the parts.
fn boundaries(c: &Compiled, plan: &Plan, rng: &mut Rng, set: &mut CaseSet, budget: usize) {
    if budget == 0 {
        return;
    }
    let Some(base) = plan.draft(c, rng, FIRST_ATTEMPTS, &mut |_| false) else { return };
    let mut queues: Vec<Vec<Draft>> = Vec::new();
    for p in &plan.params {
        let Some(schema) = p.param.schema else { continue };
        let values = datagen::boundaries(c, schema, p.opts, rng, budget);
        let drafts = values
            .into_iter()
            .filter(|b| p.location != PartLocation::Path || !is_empty_text(&b.value))
            .map(|b| {
                let mut d = base.clone();
                d.set(p.location, &p.param.name, b.value);
                d
            })
            .collect();
        queues.push(drafts);
    }
    if let Some(schema) = plan.body.as_ref().and_then(|b| b.media.schema) {
        let opts = plan.body.as_ref().map(|b| b.opts).unwrap_or_default();
        let values = datagen::boundaries(c, schema, opts, rng, budget);
        queues.push(
            values
                .into_iter()
                .map(|b| {
                    let mut d = base.clone();
                    d.body = b.value;
                    d.has_body = true;
                    d
                })
                .collect(),
        );
    }
    let start = set.cases.len();
    let rounds = queues.iter().map(Vec::len).max().unwrap_or(0);
    for round in 0..rounds {
        for q in &queues {
            if set.cases.len() - start >= budget || set.full() {
                return;
            }
            if let Some(d) = q.get(round) {
                set.push(d.clone().finish(plan, CaseKind::Positive, CaseSource::Boundary, None));
            }
        }
    }
}

/// Generated requests: first with every optional parameter, then with none, then random subsets.
fn generated(c: &Compiled, plan: &Plan, rng: &mut Rng, set: &mut CaseSet) {
    let mut failures = 0;
    let mut i = 0usize;
    while !set.full() && failures < 3 * set.max.min(100) + 10 {
        let attempts = if set.cases.is_empty() { FIRST_ATTEMPTS } else { ATTEMPTS };
        let variant = i;
        i += 1;
        let mut optional = |rng: &mut Rng| match variant {
            0 => true,
            1 => false,
            _ => rng.chance(0.5),
        };
        match plan.draft(c, rng, attempts, &mut optional) {
            Some(draft) => {
                if !set.push(draft.finish(plan, CaseKind::Positive, CaseSource::Generated, None)) {
                    failures += 1;
                }
            }
            None => failures += 1,
        }
    }
}

/// Requests whose contradictory required parts hold relaxed values: body examples that the relaxed schema accepts
/// first, then generated ones varying the optional parameters as [`generated`] does.
fn relaxed(c: &Compiled, plan: &Plan, rng: &mut Rng, set: &mut CaseSet) {
    let Some(rx) = plan.relaxations(c, rng, FIRST_ATTEMPTS) else { return };
    let examples: Vec<Value> = match (&rx.body, plan.body.as_ref().and_then(|b| b.media.schema)) {
        (Some(r), Some(schema)) => {
            let b = plan.body.as_ref().expect("a body schema");
            let n = c.node(schema);
            let mut pool: Vec<Value> = b.media.examples.clone();
            pool.extend(n.examples.iter().cloned());
            pool.extend(n.default.iter().cloned());
            pool.retain(|v| is_valid(&r.compiled, schema, v, Direction::Request));
            pool
        }
        _ => Vec::new(),
    };
    let mut failures = 0;
    let mut i = 0usize;
    while !set.full() && failures < 3 * set.max.min(100) + 10 {
        let attempts = if set.cases.is_empty() { FIRST_ATTEMPTS } else { ATTEMPTS };
        let variant = i;
        i += 1;
        let mut optional = |rng: &mut Rng| match variant {
            0 => true,
            1 => false,
            _ => rng.chance(0.5),
        };
        match plan.relaxed_draft(c, &rx, rng, attempts, &mut optional, examples.get(variant)) {
            Some(draft) => {
                let source = if variant < examples.len() { CaseSource::Example } else { CaseSource::Generated };
                if !set.push(draft.finish(plan, CaseKind::Positive, source, None)) {
                    failures += 1;
                }
            }
            None => failures += 1,
        }
    }
}
