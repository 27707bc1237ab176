//! Generation and validation over the component schemas of real specs. Ignored by default; point it at a
//! directory of JSON specs (YAML must be converted first) and run in release mode:
//!
//! ```sh
//! SENTINEL_SCHEMA_CORPUS=/path/to/specs cargo test --release --test corpus -- --ignored --nocapture
//! ```
//!
//! Only `#/components/schemas/*` (3.x) or `#/definitions/*` (2.0) references are resolved; any other `$ref` is
//! dropped, which can make a schema looser but never invalid. The test fails on any broken promise: an invalid
//! positive or boundary value, or a negative whose label the validator does not report.

use std::time::Instant;

use agent_core::datagen::{boundaries, negatives, positive, GenOptions, Rng};
use agent_core::model::{Dialect, SchemaEntry, SchemaStore};
use agent_core::schema::compile;
use agent_core::validate::{validate, Direction};
use serde_json::Value;

fn decode(token: &str) -> String {
    let t = token.replace("~1", "/").replace("~0", "~");
    let b = t.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&t[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn rewrite(v: &mut Value, prefix: &str, names: &[String]) {
    let id = |r: &str| r.strip_prefix(prefix).map(decode).and_then(|n| names.iter().position(|x| *x == n));
    match v {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref").cloned() {
                match id(&r) {
                    Some(i) => map.insert("$ref".into(), Value::from(i as u64)),
                    None => map.remove("$ref"),
                };
            }
            if let Some(Value::Object(m)) = map.get_mut("discriminator").and_then(|d| d.get_mut("mapping")) {
                let resolved: serde_json::Map<String, Value> =
                    m.iter().filter_map(|(k, r)| Some((k.clone(), Value::from(id(r.as_str()?)? as u64)))).collect();
                *m = resolved;
            }
            for (k, child) in map.iter_mut() {
                let literal = matches!(k.as_str(), "enum" | "const" | "example" | "examples" | "default");
                if !k.starts_with("x-") && !literal {
                    rewrite(child, prefix, names);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|x| rewrite(x, prefix, names)),
        _ => {}
    }
}

fn store_of(doc: &Value) -> Option<(Dialect, SchemaStore)> {
    let (dialect, prefix, components) = if doc.get("swagger").is_some() {
        (Dialect::Swagger20, "#/definitions/", doc.get("definitions")?)
    } else {
        let version = doc.get("openapi")?.as_str()?;
        let dialect = if version.starts_with("3.1") { Dialect::Oas31 } else { Dialect::Oas30 };
        (dialect, "#/components/schemas/", doc.pointer("/components/schemas")?)
    };
    let components = components.as_object()?;
    let names: Vec<String> = components.keys().cloned().collect();
    let mut store = SchemaStore::default();
    for (name, value) in components {
        let mut value = value.clone();
        rewrite(&mut value, prefix, &names);
        store.entries.push(SchemaEntry { pointer: format!("{prefix}{name}"), name: Some(name.clone()), value });
    }
    Some((dialect, store))
}

#[test]
#[ignore = "needs SENTINEL_SCHEMA_CORPUS; run in release with --ignored --nocapture"]
fn real_world_component_schemas() {
    let Ok(dir) = std::env::var("SENTINEL_SCHEMA_CORPUS") else {
        println!("SENTINEL_SCHEMA_CORPUS is not set: nothing to check");
        return;
    };
    let mut files: Vec<_> =
        std::fs::read_dir(&dir).expect("corpus directory").filter_map(|e| Some(e.ok()?.path())).collect();
    files.retain(|p| p.extension().is_some_and(|e| e == "json"));
    files.sort();
    let start = Instant::now();
    let (mut entries, mut without_positive, mut negative_count, mut broken) = (0usize, 0usize, 0usize, Vec::new());
    for file in files {
        let Ok(doc) = serde_json::from_slice::<Value>(&std::fs::read(&file).expect("readable")) else { continue };
        let Some((dialect, store)) = store_of(&doc) else { continue };
        let (c, _warnings) = match compile(&store, dialect) {
            Ok(done) => done,
            Err(e) => {
                println!("{}: {e}", file.display());
                continue;
            }
        };
        for id in 0..c.entries as u32 {
            entries += 1;
            let mut rng = Rng::new(u64::from(id));
            let opts = GenOptions::default();
            let mut found = 0;
            for _ in 0..3 {
                if let Some(v) = positive(&c, id, opts, &mut rng) {
                    found += 1;
                    if !validate(&c, id, &v, Direction::Request).is_empty() {
                        broken.push(format!("positive {} {v}", c.node(id).pointer));
                    }
                }
            }
            without_positive += usize::from(found == 0);
            for n in negatives(&c, id, opts, &mut rng, 30) {
                negative_count += 1;
                let v = validate(&c, id, &n.value, Direction::Request);
                if !v.iter().any(|v| v.keyword == n.label.keyword && v.instance_pointer == n.label.instance_pointer) {
                    broken.push(format!("negative {:?} {}", n.label, n.value));
                }
            }
            for b in boundaries(&c, id, opts, &mut rng, 10) {
                if !validate(&c, id, &b.value, Direction::Request).is_empty() {
                    broken.push(format!("boundary {:?} {}", b.label, b.value));
                }
            }
        }
    }
    println!(
        "{entries} schemas, {without_positive} without a positive (unsatisfiable or too hard), {negative_count} negatives, {:?}",
        start.elapsed()
    );
    assert!(broken.is_empty(), "{} broken promises, first: {}", broken.len(), broken[0]);
}
