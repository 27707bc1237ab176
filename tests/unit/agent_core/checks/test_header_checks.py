"""response_headers_conformance: required headers and header values against their schemas."""

from __future__ import annotations

from typing import Any

from agent_core.apispec import Header
from agent_core.checks import resolve, run_checks
from agent_core.models import Finding, Severity
from tests.unit.agent_core.checks import support

SCHEMAS: dict[int, dict[str, Any]] = {
    1: {"type": "array"},
    2: {"type": "integer", "minimum": 0, "maximum": 100},
    3: {"type": "string", "pattern": "^v[0-9]+$"},
    4: {"type": "array", "items": {"type": "integer"}, "minItems": 2},
    5: {"type": "boolean"},
}
OP = support.operation(
    support.response(
        "200",
        headers=(
            Header("X-Rate-Limit", required=True, schema=2),
            Header("X-Version", required=False, schema=3),
            Header("X-Ids", required=False, schema=4),
            Header("X-Cached", required=False, schema=5),
            Header("Content-Type", required=True, schema=3),
            Header("X-Free", required=True),
        ),
    )
)


def _run(*headers: tuple[str, str], sanitised: dict[str, str] | None = None) -> list[Finding]:
    base = (("Content-Type", "application/json"), ("X-Free", "anything"))
    ctx = support.context(
        OP,
        body=b"[]",
        headers=base + headers,
        spec=support.FakeValidator(schemas=SCHEMAS),
        sanitised_headers=sanitised,
    )
    return run_checks(ctx, resolve(["response_headers_conformance"]))


def test_conforming_headers_pass_after_coercion_from_strings() -> None:
    assert _run(("x-rate-limit", "42"), ("X-Version", "v2"), ("X-Ids", "1, 2,3"), ("X-Cached", "true")) == []


def test_repeated_header_fields_are_combined_before_validation() -> None:
    assert _run(("X-Rate-Limit", "1"), ("X-Ids", "1"), ("X-Ids", "2")) == []


def test_missing_required_header_is_medium() -> None:
    [finding] = _run()
    assert finding.severity is Severity.MEDIUM
    assert finding.title == "Missing required response header"
    assert finding.message == (
        "GET /pets answered 200 OK without the `X-Rate-Limit` header, which the spec requires for this response"
    )
    assert finding.details["header"] == "X-Rate-Limit"


def test_invalid_header_value_is_low_and_names_the_constraint() -> None:
    [finding] = _run(("X-Rate-Limit", "101"))
    assert finding.severity is Severity.LOW
    assert finding.title == "Invalid response header"
    assert finding.message == (
        "GET /pets answered 200 OK with `X-Rate-Limit: 101`, which breaks its schema: "
        "101 is greater than the maximum of 100"
    )
    assert finding.details["violations"] == [
        {"keyword": "maximum", "schema_pointer": "/maximum", "message": "101 is greater than the maximum of 100"}
    ]


def test_a_value_of_the_wrong_type_is_reported_as_a_type_error() -> None:
    [finding] = _run(("X-Rate-Limit", "plenty"))
    assert finding.details["violations"][0]["keyword"] == "type"
    [pattern] = _run(("X-Rate-Limit", "5"), ("X-Version", "2"))
    assert pattern.details["violations"][0]["keyword"] == "pattern"
    [items] = _run(("X-Rate-Limit", "5"), ("X-Ids", "7"))
    assert items.details["violations"][0]["keyword"] == "minItems"


def test_fingerprint_follows_header_and_constraint_not_value() -> None:
    [a] = _run(("X-Rate-Limit", "101"))
    [b] = _run(("X-Rate-Limit", "5000"))
    [c] = _run(("X-Rate-Limit", "-1"))
    [d] = _run()
    assert a.fingerprint == b.fingerprint
    assert len({a.fingerprint, c.fingerprint, d.fingerprint}) == 3


def test_a_masked_header_value_never_reaches_the_finding() -> None:
    sanitised = {"Content-Type": "application/json", "X-Free": "anything", "X-Rate-Limit": "***"}
    [finding] = _run(("X-Rate-Limit", "101"), sanitised=sanitised)
    assert "101" not in finding.message
    assert "101" not in str(finding.details)
    assert finding.message.endswith("with `X-Rate-Limit: ***`, which breaks its schema: `maximum`")


def test_undocumented_statuses_are_not_judged() -> None:
    ctx = support.context(OP, status=404, spec=support.FakeValidator(schemas=SCHEMAS))
    assert run_checks(ctx, resolve(["response_headers_conformance"])) == []
