"""Events for pipeline tests: realistic ResultEvents and RunEvents with ids and values that vary per call."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

from agent_core.checks.registry import fingerprint as fingerprint_of
from agent_core.events import ResultEvent, RunEvent, RunEventType, event_id_for
from agent_core.models import (
    ErrorKind,
    Execution,
    Expectation,
    Finding,
    HttpRequest,
    HttpResponse,
    Location,
    Severity,
    Status,
    TestCase,
    TestKind,
    Violation,
)

T0 = datetime(2025, 3, 14, 9, 0, tzinfo=UTC)


def case_id_for(*parts: object) -> str:
    return hashlib.sha256("/".join(map(str, parts)).encode()).hexdigest()[:32]


def make_case(
    job_id: str = "job-1",
    n: int = 0,
    *,
    operation_id: str = "getPet",
    method: str = "GET",
    path: str = "/pets/{petId}",
    kind: TestKind = TestKind.FUNCTIONAL,
    violation: Violation | None = None,
    body: Any = None,
) -> TestCase:
    return TestCase(
        case_id=case_id_for(operation_id, kind, n),
        job_id=job_id,
        operation_id=operation_id,
        method=method,
        path=path,
        kind=kind,
        agent="functional_negative" if kind is TestKind.NEGATIVE else "functional_positive",
        path_params={"petId": 1000 + n},
        query={"verbose": n % 2 == 0},
        headers={"X-Request-Id": f"req-{n}"},
        body=body,
        has_body=body is not None,
        media_type="application/json" if body is not None else None,
        expectation=Expectation(statuses=("4XX",) if kind is TestKind.NEGATIVE else ("2XX", "404")),
        violation=violation,
        seed=n,
    )


def make_finding(
    case: TestCase,
    *,
    check: str = "not_a_server_error",
    cause: str = "500",
    severity: Severity = Severity.HIGH,
    title: str = "Server error",
    message: str | None = None,
) -> Finding:
    label = f"{case.method} {case.path}"
    return Finding(
        check=check,
        severity=severity,
        title=title,
        message=message or f"{label} answered 500 Internal Server Error to a {case.kind.value} request",
        operation_id=case.operation_id,
        case_id=case.case_id,
        fingerprint=fingerprint_of(check, case.operation_id, cause),
        curl=f"curl -X {case.method} 'http://127.0.0.1:8000{case.path}'",
    )


def make_event(
    job_id: str = "job-1",
    n: int = 0,
    *,
    job_started_at: datetime = T0,
    status: Status = Status.PASSED,
    http_status: int | None = 200,
    case: TestCase | None = None,
    findings: tuple[Finding, ...] | None = None,
    failing: bool = False,
    repetition: int = 0,
) -> ResultEvent:
    """The ``n``-th result of ``job_id``. ``failing=True`` gives a 500 with a not_a_server_error finding."""
    case = case or make_case(job_id, n)
    if failing:
        status, http_status = Status.FAILED, 500
        findings = findings if findings is not None else (make_finding(case),)
    response = None
    error_kind = None
    if status is Status.ERROR:
        error_kind = ErrorKind.TIMEOUT
    elif http_status is not None:
        response = HttpResponse(
            status=http_status, body='{"ok": true}', body_length=12, content_type="application/json"
        )
    execution = Execution(
        case_id=case.case_id,
        request=HttpRequest(method=case.method, url=f"http://127.0.0.1:8000/pets/{1000 + n}"),
        response=response,
        elapsed_ms=1.5 + n % 7,
        status=status,
        error_kind=error_kind,
    )
    return ResultEvent(
        event_id=event_id_for(job_id, case.case_id, repetition),
        job_id=job_id,
        job_started_at=job_started_at,
        spec_id="spec-sha",
        executed_at=job_started_at + timedelta(seconds=1 + n),
        worker="worker-0",
        case=case,
        execution=execution,
        findings=findings or (),
    )


def make_run(
    job_id: str,
    type: RunEventType,
    at: datetime,
    *,
    job_started_at: datetime = T0,
    stats: dict[str, Any] | None = None,
    error: str | None = None,
) -> RunEvent:
    return RunEvent(
        type=type,
        job_id=job_id,
        job_started_at=job_started_at,
        spec_id="spec-sha",
        at=at,
        stats=stats or {},
        error=error,
    )


def negative_violation(parameter: str = "petId") -> Violation:
    return Violation(
        location=Location.PATH,
        parameter=parameter,
        keyword="type",
        schema_pointer="/paths/~1pets~1{petId}/get/parameters/0/schema/type",
        description=f"`{parameter}` is a string, the schema requires an integer",
    )
