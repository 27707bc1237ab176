"""Property tests of the native generator against two validators.

For random schemas in both dialects: every generated positive value is accepted by the Rust validator and by an
independent one (``jsonschema``, with format checking); every negative value is rejected by both, and the Rust
validator names the constraint the generator labelled.
"""

from __future__ import annotations

from typing import Any

import jsonschema
import orjson
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from agent_core import _native

# Patterns that mean the same in ECMA-262 and Python's `re`, so both validators agree.
PATTERNS = ["^[a-z]+$", "^[A-Z]{2,4}-[0-9]{3}$", "^\\d{3}-\\d{4}$", "^(foo|bar)[0-9]*$", "^[a-f0-9]{8}$", "abc"]
FORMATS = ["email", "uuid", "date", "date-time", "ipv4", "ipv6", "hostname", "uri"]
FORMAT_CHECKER = jsonschema.FormatChecker()


def _numbers(kind: str) -> st.SearchStrategy[dict[str, Any]]:
    base = st.integers(-1000, 1000) if kind == "integer" else st.floats(-1000, 1000, allow_nan=False).map(round)

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": kind}
        lo = draw(st.none() | base)
        hi = draw(st.none() | base)
        if lo is not None and hi is not None and lo > hi:
            lo, hi = hi, lo
        if lo is not None:
            schema["minimum"] = lo
        if hi is not None and (lo is None or hi - lo >= 4):
            schema["maximum"] = hi
        if draw(st.booleans()) and kind == "integer":
            schema["multipleOf"] = draw(st.sampled_from([2, 3, 5]))
        if lo is not None and draw(st.booleans()):
            schema["exclusiveMinimum"] = True  # rewritten per dialect in _dialect_bounds
        return schema

    return build()


@st.composite
def _strings(draw: st.DrawFn) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    choice = draw(st.sampled_from(["plain", "pattern", "format", "enum"]))
    if choice == "plain":
        lo = draw(st.integers(0, 10))
        schema["minLength"] = lo
        schema["maxLength"] = lo + draw(st.integers(0, 20))
    elif choice == "pattern":
        schema["pattern"] = draw(st.sampled_from(PATTERNS))
    elif choice == "format":
        schema["format"] = draw(st.sampled_from(FORMATS))
    else:
        schema["enum"] = draw(st.lists(st.text("abcxyz", min_size=1, max_size=6), min_size=1, max_size=4, unique=True))
    return schema


CONSTS = st.one_of(st.integers(-5, 5), st.sampled_from(["on", "off"])).map(lambda v: {"const": v})
LEAVES = st.one_of(_numbers("integer"), _numbers("number"), _strings(), st.just({"type": "boolean"}), CONSTS)


def _objects(
    children: st.SearchStrategy[dict[str, Any]], names: tuple[str, ...] = ("a", "b", "c", "d")
) -> st.SearchStrategy[dict[str, Any]]:
    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        props = draw(st.dictionaries(st.sampled_from(names), children, min_size=1, max_size=3))
        required = draw(st.lists(st.sampled_from(sorted(props)), unique=True))
        schema: dict[str, Any] = {"type": "object", "properties": props}
        if required:
            schema["required"] = required
        if draw(st.booleans()):
            schema["additionalProperties"] = False
        return schema

    return build()


def _arrays(children: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        lo = draw(st.integers(0, 3))
        schema: dict[str, Any] = {"type": "array", "items": draw(children), "minItems": lo}
        if draw(st.booleans()):
            schema["maxItems"] = lo + draw(st.integers(0, 4))
        if draw(st.booleans()) and lo <= 1:
            schema["uniqueItems"] = True
        return schema

    return build()


def _combinations(children: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    """anyOf over any members; allOf over objects with disjoint properties (satisfiable by construction);
    oneOf over distinguishable types."""
    any_of = st.lists(children, min_size=1, max_size=3).map(lambda members: {"anyOf": members})
    open_object = {"additionalProperties"}
    all_of = st.tuples(_objects(children, ("a", "b")), _objects(children, ("c", "d"))).map(
        lambda members: {"allOf": [{k: v for k, v in m.items() if k not in open_object} for m in members]}
    )
    one_of = st.tuples(_strings(), _numbers("integer")).map(lambda pair: {"oneOf": list(pair)})
    return st.one_of(any_of, all_of, one_of)


SCHEMAS = st.recursive(
    LEAVES,
    lambda children: st.one_of(_objects(children), _arrays(children), _combinations(children)),
    max_leaves=6,
)


def _nullable(schema: dict[str, Any], dialect: str) -> dict[str, Any]:
    if "type" not in schema:
        return {"anyOf": [schema, {"type": "null"}]} if dialect == "oas31" else schema
    if dialect == "oas30":
        return {**schema, "nullable": True}
    return {**schema, "type": [schema["type"], "null"]}


def _dialect_bounds(node: Any, dialect: str) -> Any:
    """Exclusive bounds are booleans next to minimum in 3.0 and numbers replacing it in 3.1."""
    if isinstance(node, list):
        return [_dialect_bounds(n, dialect) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _dialect_bounds(v, dialect) if k not in ("enum", "const") else v for k, v in node.items()}
    if out.get("exclusiveMinimum") is True and dialect == "oas31":
        out["exclusiveMinimum"] = out.pop("minimum")
    return out


def _python_validator(schema: dict[str, Any], dialect: str) -> jsonschema.protocols.Validator:
    if dialect == "oas31":
        return jsonschema.Draft202012Validator(schema, format_checker=FORMAT_CHECKER)
    # OpenAPI 3.0 schemas are draft-4 schemas plus `nullable`, which draft 4 does not know: express it as a type.
    return jsonschema.Draft4Validator(_openapi30_to_draft4(schema), format_checker=FORMAT_CHECKER)


def _openapi30_to_draft4(node: Any) -> Any:
    if isinstance(node, list):
        return [_openapi30_to_draft4(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _openapi30_to_draft4(v) if k != "enum" else v for k, v in node.items() if k not in ("nullable", "const")}
    if "const" in node:
        out["enum"] = [node["const"]]  # draft 4 has no const; Sentinel reads it in 3.0 too
    if node.get("nullable") is True and "type" in node:
        out["type"] = [node["type"], "null"]
    return out


def _rust_violations(compiled: _native.NativeSchema, value: Any) -> list[tuple[str, str, str, str]]:
    return compiled.validate(orjson.dumps(value), "request")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schema=SCHEMAS, dialect=st.sampled_from(["oas30", "oas31"]), nullable=st.booleans(), seed=st.integers(0, 2**32))
def test_positive_values_satisfy_both_validators(
    schema: dict[str, Any], dialect: str, nullable: bool, seed: int
) -> None:
    schema = _dialect_bounds(schema, dialect)
    if nullable:
        schema = _nullable(schema, dialect)
    compiled = _native.schema_from_json(orjson.dumps(schema), dialect)
    generated = orjson.loads(compiled.generate("positive", seed, 8, "json"))
    assert generated, f"no positive value for {schema}"
    python = _python_validator(schema, dialect)
    # A value built from a relaxed (unsatisfiable) schema is labelled as such and makes no validity claim.
    values = [g["value"] for g in generated if g["relaxation"] is None]
    event("relaxed" if len(values) < len(generated) else "strict")
    for value in values:
        assert _rust_violations(compiled, value) == [], f"Rust rejects its own positive {value!r} for {schema}"
        errors = [e.message for e in python.iter_errors(value)]
        assert errors == [], f"jsonschema rejects positive {value!r} for {schema}: {errors}"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schema=SCHEMAS, dialect=st.sampled_from(["oas30", "oas31"]), seed=st.integers(0, 2**32))
def test_negative_values_break_their_labelled_constraint(schema: dict[str, Any], dialect: str, seed: int) -> None:
    schema = _dialect_bounds(schema, dialect)
    compiled = _native.schema_from_json(orjson.dumps(schema), dialect)
    negatives = orjson.loads(compiled.generate("negative", seed, 8, "json"))
    python = _python_validator(schema, dialect)
    for negative in negatives:
        value, label = negative["value"], negative["label"]
        keywords = {v[0] for v in _rust_violations(compiled, value)}
        assert label["keyword"] in keywords, f"{value!r} labelled {label} but Rust reports {keywords} for {schema}"
        assert not python.is_valid(value), f"jsonschema accepts negative {value!r} ({label}) for {schema}"


@given(schema=SCHEMAS, dialect=st.sampled_from(["oas30", "oas31"]), seed=st.integers(0, 2**32))
@settings(max_examples=50, deadline=None)
def test_same_seed_same_values(schema: dict[str, Any], dialect: str, seed: int) -> None:
    schema = _dialect_bounds(schema, dialect)
    first = _native.schema_from_json(orjson.dumps(schema), dialect)
    second = _native.schema_from_json(orjson.dumps(schema), dialect)
    for kind in ("positive", "negative"):
        assert first.generate(kind, seed, 5, "json") == second.generate(kind, seed, 5, "json")
