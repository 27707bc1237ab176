//! Throughput of case generation and validation. Ignored by default; run in release mode:
//!
//! ```sh
//! cargo test --release --manifest-path agent_core/Cargo.toml --test throughput -- --ignored --nocapture
//! ```

mod common;

use std::time::{Duration, Instant};

use agent_core::cases::{generate_cases, generate_values, CaseKind, CaseRequest};
use agent_core::datagen::Target;
use agent_core::model::{Dialect, ParamLocation, Spec};
use agent_core::schema::Compiled;
use agent_core::validate::{validate, Direction};
use common::{json_body, operation, param, spec};
use serde_json::json;

fn fixtures() -> Vec<(&'static str, Spec, Compiled)> {
    let (simple, simple_c) = spec(
        Dialect::Oas30,
        json!({
            "Id": {"type": "integer", "minimum": 1},
            "Limit": {"type": "integer", "minimum": 1, "maximum": 100},
            "Query": {"type": "string", "maxLength": 20}
        }),
        vec![operation(
            "getItem",
            "get",
            "/items/{id}",
            vec![
                param("id", ParamLocation::Path, true, 0),
                param("limit", ParamLocation::Query, false, 1),
                param("q", ParamLocation::Query, false, 2),
            ],
            None,
        )],
    );
    let (pets, pets_c) = spec(
        Dialect::Oas30,
        json!({
            "Pet": {"type": "object", "required": ["name", "photoUrls"], "properties": {
                "id": {"type": "integer", "format": "int64", "readOnly": true},
                "category": {"$ref": "#/components/schemas/Category"},
                "name": {"type": "string", "example": "doggie"},
                "photoUrls": {"type": "array", "items": {"type": "string"}},
                "tags": {"type": "array", "items": {"$ref": "#/components/schemas/Category"}},
                "status": {"type": "string", "enum": ["available", "pending", "sold"]}}},
            "Category": {"type": "object", "properties": {"id": {"type": "integer", "format": "int64"}, "name": {"type": "string"}}},
            "Key": {"type": "string"}
        }),
        vec![operation(
            "addPet",
            "post",
            "/pet",
            vec![param("api_key", ParamLocation::Header, false, 2)],
            Some(json_body(true, 0)),
        )],
    );
    let (orders, orders_c) = spec(
        Dialect::Oas31,
        json!({
            "Order": {"type": "object", "required": ["id", "lines", "customer", "placedAt"], "additionalProperties": false, "properties": {
                "id": {"type": "string", "format": "uuid"},
                "placedAt": {"type": "string", "format": "date-time"},
                "customer": {"$ref": "#/components/schemas/Customer"},
                "lines": {"type": "array", "minItems": 1, "maxItems": 10, "items": {"$ref": "#/components/schemas/Line"}},
                "payment": {"oneOf": [{"$ref": "#/components/schemas/Card"}, {"$ref": "#/components/schemas/Transfer"}], "discriminator": {"propertyName": "method"}},
                "note": {"type": ["string", "null"], "maxLength": 200}}},
            "Customer": {"type": "object", "required": ["email", "name"], "properties": {
                "email": {"type": "string", "format": "email"},
                "name": {"type": "string", "minLength": 1, "maxLength": 80},
                "phone": {"type": "string", "pattern": "^\\+[1-9]\\d{6,14}$"},
                "country": {"type": "string", "pattern": "^[A-Z]{2}$"}}},
            "Line": {"type": "object", "required": ["sku", "quantity", "price"], "properties": {
                "sku": {"type": "string", "pattern": "^[A-Z]{3}-\\d{4}$"},
                "quantity": {"type": "integer", "minimum": 1, "maximum": 999},
                "price": {"type": "number", "multipleOf": 0.01, "exclusiveMinimum": 0}}},
            "Card": {"type": "object", "required": ["method", "last4"], "properties": {"method": {"const": "Card"}, "last4": {"type": "string", "pattern": "^\\d{4}$"}}},
            "Transfer": {"type": "object", "required": ["method", "iban"], "properties": {"method": {"const": "Transfer"}, "iban": {"type": "string", "pattern": "^[A-Z]{2}\\d{2}[A-Z0-9]{11,30}$"}}}
        }),
        vec![operation("placeOrder", "post", "/orders", vec![], Some(json_body(true, 0)))],
    );
    vec![("simple (3 params)", simple, simple_c), ("petstore addPet", pets, pets_c), ("nested order", orders, orders_c)]
}

/// Cases per second over about `budget` of generation (batches of 100 cases per seed).
fn rate(spec: &Spec, c: &Compiled, kind: CaseKind, budget: Duration) -> (f64, usize) {
    let start = Instant::now();
    let mut cases = 0usize;
    let mut seed = 0u64;
    while start.elapsed() < budget {
        cases += generate_cases(spec, c, 0, &CaseRequest { kind, seed, max_cases: 100 }).len();
        seed += 1;
    }
    (cases as f64 / start.elapsed().as_secs_f64(), cases)
}

#[test]
#[ignore = "benchmark: run in release with --ignored --nocapture"]
fn case_generation_throughput() {
    let budget = Duration::from_millis(1500);
    for (name, spec, c) in fixtures() {
        for kind in [CaseKind::Positive, CaseKind::Negative] {
            let (per_sec, total) = rate(&spec, &c, kind, budget);
            println!("{name:20} {:8} {per_sec:>12.0} cases/s ({total} cases)", kind.as_str());
            if !cfg!(debug_assertions) && name.starts_with("simple") && kind == CaseKind::Positive {
                assert!(per_sec > 20_000.0, "simple positive generation is too slow: {per_sec:.0}/s");
            }
        }
    }
}

#[test]
#[ignore = "benchmark: run in release with --ignored --nocapture"]
fn value_generation_and_validation_throughput() {
    for (name, _, c) in fixtures() {
        let start = Instant::now();
        let values = generate_values(&c, 0, CaseKind::Positive, 1, 20_000, Target::Json);
        let gen_rate = values.len() as f64 / start.elapsed().as_secs_f64();
        let start = Instant::now();
        let mut rounds = 0;
        let mut violations = 0;
        while start.elapsed() < Duration::from_millis(500) {
            for v in &values {
                violations += validate(&c, 0, &v.value, Direction::Response).len();
            }
            rounds += 1;
        }
        let per_value = start.elapsed().as_secs_f64() / (rounds * values.len()) as f64;
        println!(
            "{name:20} values {gen_rate:>10.0}/s   validate {:>6.2} µs/value ({violations} violations)",
            per_value * 1e6
        );
    }
}
