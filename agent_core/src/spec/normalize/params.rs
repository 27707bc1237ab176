//! Parameter lists: collection (with `$ref`s followed), path/operation merging, serialisation defaults.

use serde_json::Value;

use super::Ctx;
use crate::error::Result;
use crate::model::{ParamLocation, Style};
use crate::spec::refs::Loc;

/// A parameter object before version-specific conversion.
#[derive(Clone)]
pub struct RawParam {
    /// The parameter object, after following `$ref`s.
    pub node: Loc,
    /// Where it is used: `/paths/~1pets/get/parameters/0`.
    pub pointer: String,
    pub name: String,
    /// `in` as written (2.0 also has `body` and `formData`).
    pub location: String,
}

/// The parameter list at `list` (absent: empty).
pub fn collect(ctx: &Ctx<'_>, list: &Loc, logical: &str) -> Result<Vec<RawParam>> {
    let node = ctx.node(list);
    let items = match node.value() {
        Value::Null => return Ok(Vec::new()),
        Value::Array(items) => items.len(),
        _ => return Err(ctx.structure("`parameters` must be an array", logical)),
    };
    let mut out = Vec::with_capacity(items);
    for i in 0..items {
        let pointer = format!("{logical}/{i}");
        let param = ctx.follow(&list.index(i))?;
        let (Some(name), Some(location)) = (param.str("name"), param.str("in")) else {
            return Err(ctx.structure("a parameter needs a string `name` and `in`", &pointer));
        };
        out.push(RawParam { name: name.to_owned(), location: location.to_owned(), node: param.loc.clone(), pointer });
    }
    Ok(out)
}

/// Path-level parameters overridden by operation-level ones with the same name and location.
pub fn merge(mut shared: Vec<RawParam>, own: Vec<RawParam>) -> Vec<RawParam> {
    for param in own {
        match shared.iter_mut().find(|p| p.name == param.name && p.location == param.location) {
            Some(slot) => *slot = param,
            None => shared.push(param),
        }
    }
    shared
}

pub fn location(raw: &str) -> Option<ParamLocation> {
    match raw {
        "path" => Some(ParamLocation::Path),
        "query" => Some(ParamLocation::Query),
        "header" => Some(ParamLocation::Header),
        "cookie" => Some(ParamLocation::Cookie),
        _ => None,
    }
}

/// OpenAPI 3 defaults: query/cookie `form` exploded, path/header `simple` not exploded.
pub fn default_style(location: ParamLocation) -> Style {
    match location {
        ParamLocation::Query | ParamLocation::Cookie => Style::Form,
        ParamLocation::Path | ParamLocation::Header => Style::Simple,
    }
}

pub fn style(raw: &str) -> Option<Style> {
    Some(match raw {
        "simple" => Style::Simple,
        "form" => Style::Form,
        "label" => Style::Label,
        "matrix" => Style::Matrix,
        "spaceDelimited" => Style::SpaceDelimited,
        "pipeDelimited" => Style::PipeDelimited,
        "deepObject" => Style::DeepObject,
        _ => return None,
    })
}

/// 2.0 `collectionFormat` → (style, explode). `csv` is the 2.0 default.
pub fn collection_format(raw: Option<&str>, location: ParamLocation) -> (Style, bool) {
    match raw.unwrap_or("csv") {
        "multi" => (Style::Form, true),
        "ssv" => (Style::SpaceDelimited, false),
        "pipes" => (Style::PipeDelimited, false),
        "tsv" => (Style::TabDelimited, false),
        _ => (default_style(location), false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(name: &str, location: &str, pointer: &str) -> RawParam {
        RawParam {
            node: Loc::root(pointer),
            pointer: pointer.to_owned(),
            name: name.to_owned(),
            location: location.into(),
        }
    }

    #[test]
    fn operation_parameters_win() {
        let shared = vec![raw("id", "path", "/p/0"), raw("q", "query", "/p/1")];
        let own = vec![raw("q", "query", "/o/0"), raw("q", "header", "/o/1")];
        let merged = merge(shared, own);
        let pointers: Vec<&str> = merged.iter().map(|p| p.pointer.as_str()).collect();
        assert_eq!(pointers, ["/p/0", "/o/0", "/o/1"]);
    }

    #[test]
    fn collection_formats() {
        assert_eq!(collection_format(None, ParamLocation::Query), (Style::Form, false));
        assert_eq!(collection_format(Some("csv"), ParamLocation::Path), (Style::Simple, false));
        assert_eq!(collection_format(Some("multi"), ParamLocation::Query), (Style::Form, true));
        assert_eq!(collection_format(Some("ssv"), ParamLocation::Query), (Style::SpaceDelimited, false));
        assert_eq!(collection_format(Some("pipes"), ParamLocation::Query), (Style::PipeDelimited, false));
        assert_eq!(collection_format(Some("tsv"), ParamLocation::Query), (Style::TabDelimited, false));
    }
}
