from __future__ import annotations

from agent_core.apispec import Operation
from agent_core.models import Severity, Status
from api.reports import OperationInfo
from tests.unit.api.reports import support


def test_operations_in_spec_order_then_unknown_ones_with_a_fallback_label() -> None:
    events = [*support.events(), support.event("listPets", "c8", Status.PASSED)]
    unknown = events[-1].case.model_copy(update={"operation_id": "legacyOp", "path": "/old", "method": "put"})
    events[-1] = events[-1].model_copy(update={"case": unknown})
    ctx = support.context(events=events)
    assert ctx.operation_ids() == ["listPets", "createPet", "getPet", "deletePet", "legacyOp"]
    assert ctx.operation("legacyOp") == OperationInfo("PUT /old", "put", "/old", "")
    assert ctx.operation("nothing") == OperationInfo("nothing", "", "", "")
    assert ctx.events_by_operation()["deletePet"] == []


def test_check_names_are_the_checks_that_ran_then_others_with_findings() -> None:
    assert support.context().check_names() == list(support.CHECKS)
    assert support.context(checks=("max_response_time",)).check_names() == [
        "max_response_time",
        "not_a_server_error",
        "status_code_conformance",
        "negative_data_rejection",
        "response_schema_conformance",
    ]


def test_findings_are_grouped_by_fingerprint_in_spec_and_check_order() -> None:
    grouped = support.context().findings_by_operation_and_check()
    assert list(grouped) == ["listPets", "createPet"]
    assert list(grouped["listPets"]) == ["not_a_server_error", "status_code_conformance"]
    assert list(grouped["createPet"]) == ["response_schema_conformance", "negative_data_rejection"]
    [server_error] = grouped["listPets"]["not_a_server_error"]
    assert (server_error.count, server_error.case_ids) == (2, ("c2", "c3"))
    assert server_error.event.case.case_id == "c2"


def test_worst_findings_first_within_a_check() -> None:
    low = support.finding("not_a_server_error", "listPets", "c1", severity=Severity.LOW, cause="a")
    high = support.finding("not_a_server_error", "listPets", "c1", severity=Severity.CRITICAL, cause="b")
    ctx = support.context(events=[support.event("listPets", "c1", Status.FAILED, findings=(low, high))])
    groups = ctx.findings_by_operation_and_check()["listPets"]["not_a_server_error"]
    assert [g.finding.severity for g in groups] == [Severity.CRITICAL, Severity.LOW]


def test_errors_by_operation_and_kind() -> None:
    errors = support.context().errors_by_operation()
    assert {op: [(g.kind, len(g.events)) for g in groups] for op, groups in errors.items()} == {
        "createPet": [("timeout", 1)],
        "getPet": [("unreachable", 1)],
    }


def test_summary_and_duration() -> None:
    ctx = support.context()
    summary = ctx.summary()
    assert (summary.operations, summary.cases, summary.passed, summary.failed) == (4, 7, 1, 3)
    assert (summary.errors, summary.skipped, summary.findings, summary.occurrences) == (2, 1, 4, 5)
    assert list(summary.by_severity) == [Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO]
    assert summary.by_severity[Severity.HIGH] == 2
    assert ctx.duration_s == 3.5


def test_operation_info_from_the_api_model() -> None:
    op = Operation(
        index=0,
        operation_id="getPet",
        has_explicit_id=True,
        method="get",
        path="/pets/{id}",
        pointer="/paths/~1pets~1{id}/get",
        parameters=(),
        request_body=None,
        responses=(),
        security=None,
        line=44,
    )
    assert OperationInfo.from_operation(op) == OperationInfo("GET /pets/{id}", "get", "/pets/{id}", op.pointer, 44)
