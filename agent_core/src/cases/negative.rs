//! Negative cases: a valid request with exactly one part broken — a required parameter or body missing, or one
//! parameter value or the body breaking its schema — taken round-robin over the parts. A contradictory required
//! part holds a relaxed value instead (and the case is marked `relaxed`).

use super::plan::{is_empty_text, part_name, Draft, Plan};
use super::{CaseKind, CaseSet, CaseSource, CaseViolation, GeneratedCase, PartLocation};
use crate::datagen::{self, Labelled, Rng};
use crate::schema::Compiled;

const ATTEMPTS: usize = 60;

pub fn cases(c: &Compiled, plan: &Plan, rng: &mut Rng, max: usize) -> Vec<GeneratedCase> {
    let mut set = CaseSet::new(max);
    // Everything else stays valid: without a valid base there is no single-violation case. A contradictory required
    // part gets a relaxed value instead (the cases say so), and its own negatives come from its relaxed copy,
    // filtered so that none labels what only the relaxation introduced.
    let (base, rx) = match plan.draft(c, rng, ATTEMPTS, &mut |_| false) {
        Some(base) => (base, None),
        None => {
            let Some(rx) = plan.relaxations(c, rng, ATTEMPTS) else { return Vec::new() };
            let Some(base) = plan.relaxed_draft(c, &rx, rng, ATTEMPTS, &mut |_| false, None) else {
                return Vec::new();
            };
            (base, Some(rx))
        }
    };
    let relaxed_param = |i: usize| rx.as_ref().and_then(|rx| rx.params[i].as_ref());
    let relaxed_body = rx.as_ref().and_then(|rx| rx.body.as_ref());
    let mut queues: Vec<Vec<(Draft, CaseViolation)>> = Vec::new();
    for (i, p) in plan.params.iter().enumerate() {
        let mut q = Vec::new();
        let name = &p.param.name;
        if p.param.required && p.location != PartLocation::Path {
            let mut d = base.clone();
            d.remove(p.location, name);
            d.note(part_name(p), Vec::new());
            let violation = CaseViolation {
                location: p.location,
                parameter: Some(name.clone()),
                keyword: "required",
                schema_pointer: format!("{}/required", p.param.pointer),
                instance_pointer: String::new(),
                description: format!(
                    "required {} parameter {} is missing",
                    p.param.location.as_str(),
                    crate::error::snippet(name)
                ),
                boundary: false,
            };
            q.push((d, violation));
        }
        if let Some(schema) = p.param.schema {
            let relaxed = relaxed_param(i);
            let negatives = match relaxed {
                Some(r) => datagen::relaxed_negatives(c, r, schema, p.opts, rng, max),
                None => datagen::negatives(c, schema, p.opts, rng, max),
            };
            for n in negatives {
                if p.location == PartLocation::Path && is_empty_text(&n.value) {
                    continue;
                }
                let mut d = base.clone();
                if let Some(r) = relaxed {
                    d.note(part_name(p), r.notes(c, schema, &n.value, p.opts.direction));
                }
                let violation = violation(p.location, Some(name.clone()), &n);
                d.set(p.location, name, n.value);
                q.push((d, violation));
            }
        }
        queues.push(q);
    }
    if let Some(b) = &plan.body {
        let mut q = Vec::new();
        if b.body.required {
            let mut d = base.clone();
            d.body = serde_json::Value::Null;
            d.has_body = false;
            d.note("body".to_string(), Vec::new());
            let violation = CaseViolation {
                location: PartLocation::Body,
                parameter: None,
                keyword: "required",
                schema_pointer: format!("{}/required", b.body.pointer),
                instance_pointer: String::new(),
                description: "the required request body is missing".to_string(),
                boundary: false,
            };
            q.push((d, violation));
        }
        if let Some(schema) = b.media.schema {
            let negatives = match relaxed_body {
                Some(r) => datagen::relaxed_negatives(c, r, schema, b.opts, rng, max),
                None => datagen::negatives(c, schema, b.opts, rng, max),
            };
            for n in negatives {
                let mut d = base.clone();
                if let Some(r) = relaxed_body {
                    d.note("body".to_string(), r.notes(c, schema, &n.value, b.opts.direction));
                }
                let violation = violation(PartLocation::Body, None, &n);
                d.body = n.value;
                d.has_body = true;
                q.push((d, violation));
            }
        }
        queues.push(q);
    }
    let rounds = queues.iter().map(Vec::len).max().unwrap_or(0);
    for round in 0..rounds {
        for q in &queues {
            if set.full() {
                return set.cases;
            }
            if let Some((d, v)) = q.get(round) {
                let source = if v.boundary { CaseSource::Boundary } else { CaseSource::Generated };
                set.push(d.clone().finish(plan, CaseKind::Negative, source, Some(v.clone())));
            }
        }
    }
    set.cases
}

fn violation(location: PartLocation, parameter: Option<String>, n: &Labelled) -> CaseViolation {
    CaseViolation {
        location,
        parameter,
        keyword: n.label.keyword,
        schema_pointer: n.label.schema_pointer.clone(),
        instance_pointer: n.label.instance_pointer.clone(),
        description: n.label.description.clone(),
        boundary: n.label.boundary,
    }
}
