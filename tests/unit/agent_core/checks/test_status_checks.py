"""Checks that judge the status and timing: server errors, documented codes, negative and positive data, time."""

from __future__ import annotations

from typing import Any

from agent_core.checks import CheckConfig, CheckContext, resolve, run_checks
from agent_core.models import Finding, Location, Severity, TestCase, TestKind, Violation
from tests.unit.agent_core.checks import support


def _run(name: str, ctx: CheckContext) -> list[Finding]:
    return run_checks(ctx, resolve([name]))


OP = support.operation(support.response("200"), support.response("4XX"))
LIMIT_VIOLATION = Violation(
    location=Location.QUERY,
    parameter="limit",
    keyword="maximum",
    schema_pointer="/maximum",
    description="maximum 100",
    boundary=True,
)


def test_not_a_server_error_reports_5xx_as_high() -> None:
    [finding] = _run("not_a_server_error", support.context(OP, status=503, body=b"down"))
    assert finding.severity is Severity.HIGH
    assert finding.title == "Server error"
    assert finding.message == "GET /pets answered 503 Service Unavailable to a functional request"
    assert finding.details == {"status": 503}


def test_not_a_server_error_passes_other_statuses() -> None:
    for status in (200, 301, 404, 499):
        assert _run("not_a_server_error", support.context(OP, status=status, body=b"[]")) == []


def test_not_a_server_error_fingerprint_follows_the_status_not_the_case() -> None:
    first = _run("not_a_server_error", support.context(OP, status=500, test_case=support.case(query={"limit": 3})))
    second = _run(
        "not_a_server_error",
        support.context(OP, status=500, test_case=support.case(case_id="case-2", query={"limit": 77})),
    )
    other = _run("not_a_server_error", support.context(OP, status=502))
    assert first[0].fingerprint == second[0].fingerprint
    assert first[0].case_id != second[0].case_id
    assert first[0].fingerprint != other[0].fingerprint


def test_status_code_conformance_reports_undocumented_status_as_medium() -> None:
    op = support.operation(support.response("200"), support.response("404"))
    [finding] = _run("status_code_conformance", support.context(op, status=418, body=b"{}"))
    assert finding.severity is Severity.MEDIUM
    assert finding.title == "Undocumented status code"
    assert finding.message == (
        "GET /pets answered 418 I'm a Teapot, which the spec does not document (documented: 200, 404)"
    )
    assert finding.details["documented"] == ["200", "404"]


def test_status_code_conformance_accepts_exact_range_and_default() -> None:
    assert _run("status_code_conformance", support.context(OP, status=200, body=b"[]")) == []
    assert _run("status_code_conformance", support.context(OP, status=422, body=b"{}")) == []
    with_default = support.operation(support.response("200"), support.response("default"))
    assert _run("status_code_conformance", support.context(with_default, status=599)) == []


def test_status_code_conformance_does_not_judge_operations_without_responses() -> None:
    assert _run("status_code_conformance", support.context(support.operation(), status=418)) == []


def test_status_code_conformance_fingerprint_differs_by_status() -> None:
    op = support.operation(support.response("200"))
    a = _run("status_code_conformance", support.context(op, status=201))[0]
    b = _run("status_code_conformance", support.context(op, status=202))[0]
    assert a.fingerprint != b.fingerprint


def _negative(**parts: Any) -> TestCase:
    return support.case(kind=TestKind.NEGATIVE, violation=LIMIT_VIOLATION, expectation=("4XX",), **parts)


def test_negative_data_rejection_reports_accepted_violation_with_place_value_and_constraint() -> None:
    ctx = support.context(OP, status=201, body=b"{}", test_case=_negative(query={"limit": 101}))
    [finding] = _run("negative_data_rejection", ctx)
    assert finding.severity is Severity.HIGH
    assert finding.title == "Invalid data accepted"
    assert finding.message == (
        "query parameter `limit` = 101 breaks `maximum` (maximum 100); the API answered 201 Created"
    )
    assert finding.cwe == "CWE-20"
    assert finding.details["place"] == "query parameter `limit`"
    assert finding.details["boundary"] is True


def test_negative_data_rejection_names_body_pointer_and_missing_values() -> None:
    body_violation = Violation(
        location=Location.BODY,
        keyword="type",
        schema_pointer="/properties/price/type",
        instance_pointer="/items/0/price",
        description="type number",
    )
    ctx = support.context(
        OP,
        status=200,
        test_case=support.case(
            kind=TestKind.NEGATIVE,
            violation=body_violation,
            body={"items": [{"price": "free"}]},
            has_body=True,
        ),
    )
    [finding] = _run("negative_data_rejection", ctx)
    assert finding.message == (
        'request body at `/items/0/price` = "free" breaks `type` (type number); the API answered 200 OK'
    )
    missing = Violation(location=Location.HEADER, parameter="X-Request-Id", keyword="required", description="")
    ctx = support.context(OP, status=204, test_case=support.case(kind=TestKind.NEGATIVE, violation=missing))
    [finding] = _run("negative_data_rejection", ctx)
    assert finding.message == (
        "header `X-Request-Id` is absent, which breaks `required`; the API answered 204 No Content"
    )


def test_negative_data_rejection_ignores_refusals_server_errors_and_positive_cases() -> None:
    for status in (400, 404, 422, 500):
        ctx = support.context(OP, status=status, test_case=_negative(query={"limit": 101}))
        assert _run("negative_data_rejection", ctx) == []
    assert _run("negative_data_rejection", support.context(OP, status=200, test_case=support.case())) == []


def test_negative_data_rejection_fingerprint_ignores_the_generated_value() -> None:
    a = _run("negative_data_rejection", support.context(OP, status=201, test_case=_negative(query={"limit": 101})))
    b = _run(
        "negative_data_rejection",
        support.context(OP, status=200, test_case=_negative(case_id="case-9", query={"limit": 5000})),
    )
    other = Violation(
        location=Location.QUERY, parameter="limit", keyword="type", schema_pointer="/type", description="type integer"
    )
    c = _run(
        "negative_data_rejection",
        support.context(
            OP,
            status=201,
            test_case=support.case(kind=TestKind.NEGATIVE, violation=other, query={"limit": "x"}),
        ),
    )
    assert a[0].fingerprint == b[0].fingerprint
    assert a[0].fingerprint != c[0].fingerprint


def test_positive_data_acceptance_reports_valid_data_refused() -> None:
    test_case = support.case(expectation=("2XX", "404"))
    [finding] = _run("positive_data_acceptance", support.context(OP, status=400, body=b"{}", test_case=test_case))
    assert finding.severity is Severity.MEDIUM
    assert finding.title == "Valid data rejected"
    assert finding.message == (
        "GET /pets answered 400 Bad Request to a request with valid data; expected 2XX, 404 (test expectation)"
    )


def test_positive_data_acceptance_passes_expected_answers_server_errors_and_other_kinds() -> None:
    test_case = support.case(expectation=("2XX", "404"))
    for status in (200, 204, 404, 500, 503):  # 5XX belongs to not_a_server_error
        assert _run("positive_data_acceptance", support.context(OP, status=status, test_case=test_case)) == []
    negative = _negative(query={"limit": 101})
    assert _run("positive_data_acceptance", support.context(OP, status=400, test_case=negative)) == []
    security = support.case(kind=TestKind.SECURITY)
    assert _run("positive_data_acceptance", support.context(OP, status=400, test_case=security)) == []


def test_max_response_time_is_opt_in_and_reports_slow_answers_as_low() -> None:
    assert "max_response_time" not in [c.name for c in resolve(None)]
    config = CheckConfig(max_response_time_ms=500)
    [finding] = _run("max_response_time", support.context(OP, elapsed_ms=1523.4, config=config))
    assert finding.severity is Severity.LOW
    assert finding.message == "GET /pets took 1523 ms to answer, over the 500 ms limit"
    again = _run("max_response_time", support.context(OP, elapsed_ms=9000, config=config))
    assert again[0].fingerprint == finding.fingerprint


def test_max_response_time_passes_fast_answers_and_runs_without_a_limit_silently() -> None:
    config = CheckConfig(max_response_time_ms=500)
    assert _run("max_response_time", support.context(OP, elapsed_ms=500, config=config)) == []
    assert _run("max_response_time", support.context(OP, elapsed_ms=99999)) == []
