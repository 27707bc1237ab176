//! What one operation's requests are made of: its parameters and the chosen request-body media type, each with
//! the way its values travel, and the draft request that cases are assembled in.

use indexmap::IndexMap;
use serde_json::Value;

use super::{id, CaseKind, CaseSource, CaseViolation, GeneratedCase, PartLocation};
use crate::datagen::{self, GenOptions, Relaxed, Rng, Target};
use crate::model::{MediaType, Operation, ParamLocation, Parameter, RequestBody};
use crate::schema::Compiled;
use crate::validate::{is_valid, Direction};

pub struct ParamPlan<'a> {
    pub param: &'a Parameter,
    pub location: PartLocation,
    pub opts: GenOptions,
}

pub struct BodyPlan<'a> {
    pub body: &'a RequestBody,
    pub media: &'a MediaType,
    /// The media type written into cases (a concrete one for wildcard ranges).
    pub media_type: String,
    pub opts: GenOptions,
}

pub struct Plan<'a> {
    pub op: &'a Operation,
    pub params: Vec<ParamPlan<'a>>,
    pub body: Option<BodyPlan<'a>>,
}

fn is_json(media_type: &str) -> bool {
    media_type == "application/json" || media_type.ends_with("+json") || media_type.ends_with("/json")
}

/// Preference among request-body media types: JSON, then form-urlencoded, multipart, text/plain, the rest.
fn rank(media_type: &str) -> u8 {
    match media_type {
        m if is_json(m) => 0,
        "*/*" | "application/*" => 1,
        "application/x-www-form-urlencoded" => 2,
        "multipart/form-data" => 3,
        "text/plain" => 4,
        _ => 5,
    }
}

impl<'a> Plan<'a> {
    pub fn new(op: &'a Operation) -> Plan<'a> {
        let params = op
            .parameters
            .iter()
            .map(|param| {
                let location = match param.location {
                    ParamLocation::Path => PartLocation::Path,
                    ParamLocation::Query => PartLocation::Query,
                    ParamLocation::Header => PartLocation::Header,
                    ParamLocation::Cookie => PartLocation::Cookie,
                };
                // `content`-based JSON parameters keep JSON semantics; everything else travels as text.
                let json = param.media_type.as_deref().is_some_and(is_json);
                let opts = if json { GenOptions::default() } else { GenOptions::text() };
                ParamPlan { param, location, opts }
            })
            .collect();
        let body = op.request_body.as_ref().and_then(|body| {
            let media = body.content.iter().min_by_key(|m| rank(&m.media_type))?;
            let media_type = match media.media_type.as_str() {
                "*/*" | "application/*" => "application/json".to_string(),
                other => other.to_string(),
            };
            let target = if is_json(&media_type) { Target::Json } else { Target::Text };
            Some(BodyPlan { body, media, media_type, opts: GenOptions { target, direction: Direction::Request } })
        });
        Plan { op, params, body }
    }

    /// A valid value for a parameter; path parameters never get an empty value (it would change the route).
    pub fn param_value(&self, c: &Compiled, p: &ParamPlan, rng: &mut Rng, attempts: usize) -> Option<Value> {
        let Some(schema) = p.param.schema else {
            return Some(p.param.examples.first().cloned().unwrap_or_else(|| Value::from("sample")));
        };
        for _ in 0..3 {
            let v = datagen::positive_with(c, schema, p.opts, rng, attempts)?;
            if p.location != PartLocation::Path || !is_empty_text(&v) {
                return Some(v);
            }
        }
        None
    }

    pub fn body_value(&self, c: &Compiled, rng: &mut Rng, attempts: usize) -> Option<Value> {
        let b = self.body.as_ref()?;
        match b.media.schema {
            Some(schema) => datagen::positive_with(c, schema, b.opts, rng, attempts),
            None => Some(b.media.examples.first().cloned().unwrap_or_else(|| Value::from(""))),
        }
    }

    /// Whether `v` is a valid value for the parameter (examples are checked before use).
    /// Required parameters (and, when `optional` says so, optional ones) and the body, all valid; None when a
    /// required part cannot be generated.
    pub fn draft(
        &self,
        c: &Compiled,
        rng: &mut Rng,
        attempts: usize,
        optional: &mut dyn FnMut(&mut Rng) -> bool,
    ) -> Option<Draft> {
        let mut draft = Draft::default();
        for p in &self.params {
            if !p.param.required && !optional(rng) {
                continue;
            }
            match self.param_value(c, p, rng, attempts) {
                Some(v) => draft.set(p.location, &p.param.name, v),
                None if p.param.required => return None,
                None => {}
            }
        }
        if let Some(b) = &self.body {
            if b.body.required || optional(rng) {
                match self.body_value(c, rng, attempts) {
                    Some(v) => {
                        draft.body = v;
                        draft.has_body = true;
                    }
                    None if b.body.required => return None,
                    None => {}
                }
            }
        }
        Some(draft)
    }

    /// Relaxed copies for the required parts that strict generation cannot produce; None when one of them cannot be
    /// produced even relaxed.
    pub fn relaxations(&self, c: &Compiled, rng: &mut Rng, attempts: usize) -> Option<Relaxations> {
        let mut out = Relaxations { params: Vec::with_capacity(self.params.len()), body: None };
        for p in &self.params {
            let relaxed = match p.param.schema {
                Some(schema) if p.param.required && self.param_value(c, p, rng, attempts).is_none() => {
                    Some(datagen::relax(c, schema, p.opts, rng)?)
                }
                _ => None,
            };
            out.params.push(relaxed);
        }
        if let Some(b) = &self.body {
            if let Some(schema) = b.media.schema {
                if b.body.required && self.body_value(c, rng, attempts).is_none() {
                    out.body = Some(datagen::relax(c, schema, b.opts, rng)?);
                }
            }
        }
        Some(out)
    }

    /// [`Plan::draft`] with the relaxed parts of `rx` generated from their relaxed copies (the body from `example`
    /// when given) and each relaxed value's note recorded on the draft.
    pub fn relaxed_draft(
        &self,
        c: &Compiled,
        rx: &Relaxations,
        rng: &mut Rng,
        attempts: usize,
        optional: &mut dyn FnMut(&mut Rng) -> bool,
        example: Option<&Value>,
    ) -> Option<Draft> {
        let mut draft = Draft::default();
        for (p, relaxed) in self.params.iter().zip(&rx.params) {
            let (Some(r), Some(schema)) = (relaxed, p.param.schema) else {
                if !p.param.required && !optional(rng) {
                    continue;
                }
                match self.param_value(c, p, rng, attempts) {
                    Some(v) => draft.set(p.location, &p.param.name, v),
                    None if p.param.required => return None,
                    None => {}
                }
                continue;
            };
            let v = (0..3)
                .filter_map(|_| r.positive(schema, p.opts, rng, attempts))
                .find(|v| p.location != PartLocation::Path || !is_empty_text(v))?;
            draft.note(part_name(p), r.notes(c, schema, &v, p.opts.direction));
            draft.set(p.location, &p.param.name, v);
        }
        if let Some(b) = &self.body {
            match (&rx.body, b.media.schema) {
                (Some(r), Some(schema)) => {
                    let v = match example {
                        Some(v) => v.clone(),
                        None => r.positive(schema, b.opts, rng, attempts)?,
                    };
                    draft.note("body".to_string(), r.notes(c, schema, &v, b.opts.direction));
                    draft.body = v;
                    draft.has_body = true;
                }
                _ if b.body.required || optional(rng) => match self.body_value(c, rng, attempts) {
                    Some(v) => {
                        draft.body = v;
                        draft.has_body = true;
                    }
                    None if b.body.required => return None,
                    None => {}
                },
                _ => {}
            }
        }
        Some(draft)
    }

    pub fn param_accepts(&self, c: &Compiled, p: &ParamPlan, v: &Value) -> bool {
        let nonempty = p.location != PartLocation::Path || !is_empty_text(v);
        nonempty && p.param.schema.is_none_or(|s| is_valid(c, s, v, Direction::Request))
    }

    pub fn body_accepts(&self, c: &Compiled, v: &Value) -> bool {
        let Some(b) = &self.body else { return false };
        b.media.schema.is_none_or(|s| is_valid(c, s, v, Direction::Request))
    }
}

/// Relaxed copies of the schemas of an operation's contradictory required parts (None: the part is generated
/// strictly).
pub struct Relaxations {
    pub params: Vec<Option<Relaxed>>,
    pub body: Option<Relaxed>,
}

/// How a parameter is named in relaxation notes: `query parameter 'limit'`.
pub fn part_name(p: &ParamPlan) -> String {
    format!("{} parameter {}", p.param.location.as_str(), crate::error::snippet(&p.param.name))
}

/// A value that serialises to nothing in a URL path.
pub fn is_empty_text(v: &Value) -> bool {
    match v {
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        Value::Null => true,
        _ => false,
    }
}

/// A request being assembled.
#[derive(Clone, Debug, Default)]
pub struct Draft {
    pub path_params: IndexMap<String, Value>,
    pub query: IndexMap<String, Value>,
    pub headers: IndexMap<String, Value>,
    pub cookies: IndexMap<String, Value>,
    pub body: Value,
    pub has_body: bool,
    /// Relaxation notes per part (part name, one note per step), for parts holding relaxed values.
    pub relaxation: Vec<(String, Vec<String>)>,
}

impl Draft {
    /// Record the relaxation notes of a part (none: the part holds a valid value).
    pub fn note(&mut self, part: String, notes: Vec<String>) {
        self.relaxation.retain(|(p, _)| *p != part);
        if !notes.is_empty() {
            self.relaxation.push((part, notes));
        }
    }

    /// The parameter map of a location (None for the body, which is not a parameter map).
    fn part(&mut self, location: PartLocation) -> Option<&mut IndexMap<String, Value>> {
        match location {
            PartLocation::Path => Some(&mut self.path_params),
            PartLocation::Query => Some(&mut self.query),
            PartLocation::Header => Some(&mut self.headers),
            PartLocation::Cookie => Some(&mut self.cookies),
            PartLocation::Body => None,
        }
    }

    /// Set a parameter (a no-op for `Body`: set `body` directly).
    pub fn set(&mut self, location: PartLocation, name: &str, value: Value) {
        if let Some(part) = self.part(location) {
            part.insert(name.to_string(), value);
        }
    }

    pub fn remove(&mut self, location: PartLocation, name: &str) {
        if let Some(part) = self.part(location) {
            part.shift_remove(name);
        }
    }

    /// The finished case, named by the hash of its content. A draft holding a relaxed value gives a `Relaxed` case
    /// whatever `source` says.
    pub fn finish(
        self,
        plan: &Plan,
        kind: CaseKind,
        source: CaseSource,
        violation: Option<CaseViolation>,
    ) -> GeneratedCase {
        let media_type = if self.has_body { plan.body.as_ref().map(|b| b.media_type.clone()) } else { None };
        let kind_name = kind.as_str();
        // Canonical JSON of the content, keys in sorted order.
        let mut text = Vec::with_capacity(256);
        text.extend_from_slice(b"{\"body\":");
        id::canonical(&self.body, &mut text);
        text.extend_from_slice(b",\"cookies\":");
        id::canonical_members(self.cookies.iter(), &mut text);
        text.extend_from_slice(if self.has_body { b",\"has_body\":true" } else { b",\"has_body\":false" });
        text.extend_from_slice(b",\"headers\":");
        id::canonical_members(self.headers.iter(), &mut text);
        text.extend_from_slice(b",\"kind\":");
        id::string_json(kind_name, &mut text);
        text.extend_from_slice(b",\"media_type\":");
        match &media_type {
            Some(m) => id::string_json(m, &mut text),
            None => text.extend_from_slice(b"null"),
        }
        text.extend_from_slice(b",\"operation_id\":");
        id::string_json(&plan.op.operation_id, &mut text);
        text.extend_from_slice(b",\"path_params\":");
        id::canonical_members(self.path_params.iter(), &mut text);
        text.extend_from_slice(b",\"query\":");
        id::canonical_members(self.query.iter(), &mut text);
        text.push(b'}');
        GeneratedCase {
            case_id: id::hex32(&text),
            operation_id: plan.op.operation_id.clone(),
            kind,
            source: if self.relaxation.is_empty() { source } else { CaseSource::Relaxed },
            path_params: self.path_params,
            query: self.query,
            headers: self.headers,
            cookies: self.cookies,
            body: self.body,
            has_body: self.has_body,
            media_type,
            violation,
            relaxation: (!self.relaxation.is_empty()).then(|| {
                let steps = self.relaxation.iter().flat_map(|(part, notes)| notes.iter().map(move |n| (part, n)));
                steps.map(|(part, note)| format!("{part}: {note}")).collect::<Vec<_>>().join("; ")
            }),
        }
    }
}
