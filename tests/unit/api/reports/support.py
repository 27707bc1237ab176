"""A hand-built run for report tests: four operations, findings (one seen twice), errors, a skipped case, and
target content that tries to break out of HTML and XML."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from agent_core.checks import fingerprint
from agent_core.curl import to_curl
from agent_core.events import ResultEvent, event_id_for
from agent_core.models import (
    ErrorKind,
    Execution,
    Expectation,
    Finding,
    HttpRequest,
    HttpResponse,
    Severity,
    Status,
    TestCase,
    TestKind,
)
from api.reports import OperationInfo, ReportContext

STARTED = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
SCRIPT = "<script>alert(1)</script>"
IMG = '<img src=x onerror="alert(2)">'
OPERATIONS = {
    "listPets": OperationInfo("GET /pets", "get", "/pets", "/paths/~1pets/get", 12),
    "createPet": OperationInfo("POST /pets", "post", "/pets", "/paths/~1pets/post", 30),
    "getPet": OperationInfo("GET /pets/{id}", "get", "/pets/{id}", "/paths/~1pets~1{id}/get", None),
    "deletePet": OperationInfo("DELETE /pets/{id}", "delete", "/pets/{id}", "/paths/~1pets~1{id}/delete", 55),
}
CHECKS = ("not_a_server_error", "status_code_conformance", "response_schema_conformance", "negative_data_rejection")


def _request(op: OperationInfo, body: str | None = None) -> HttpRequest:
    headers = {"Authorization": "Bearer ***"} | ({"Content-Type": "application/json"} if body else {})
    return HttpRequest(method=op.method.upper(), url=f"http://api.test{op.path}", headers=headers, body=body)


def finding(
    check: str,
    operation_id: str,
    case_id: str,
    *,
    severity: Severity,
    cause: str,
    message: str = "something is wrong",
    request: HttpRequest | None = None,
    **extra: Any,
) -> Finding:
    sent = request or _request(OPERATIONS[operation_id])
    return Finding(
        check=check,
        severity=severity,
        title=f"{check} title",
        message=message,
        operation_id=operation_id,
        case_id=case_id,
        fingerprint=fingerprint(check, operation_id, cause),
        curl=to_curl(sent),
        **extra,
    )


def event(
    operation_id: str,
    case_id: str,
    status: Status,
    *,
    http_status: int | None = 200,
    findings: tuple[Finding, ...] = (),
    error_kind: ErrorKind | None = None,
    error_message: str | None = None,
    body: str | None = None,
    elapsed_ms: float = 250.0,
    kind: TestKind = TestKind.FUNCTIONAL,
) -> ResultEvent:
    op = OPERATIONS[operation_id]
    case = TestCase(
        case_id=case_id,
        job_id="job-1",
        operation_id=operation_id,
        method=op.method,
        path=op.path,
        kind=kind,
        agent="functional-positive",
        expectation=Expectation(statuses=("2XX",)),
    )
    response = HttpResponse(status=http_status, body="{}") if http_status is not None else None
    execution = Execution(
        case_id=case_id,
        request=_request(op, body),
        response=response,
        elapsed_ms=elapsed_ms,
        status=status,
        error_kind=error_kind,
        error_message=error_message,
    )
    return ResultEvent(
        event_id=event_id_for("job-1", case_id),
        job_id="job-1",
        job_started_at=STARTED,
        spec_id="spec-1",
        executed_at=STARTED + timedelta(seconds=1),
        worker="local-0",
        case=case,
        execution=execution,
        findings=findings,
    )


def events() -> list[ResultEvent]:
    create_request = _request(OPERATIONS["createPet"], '{"name": "' + SCRIPT + '"}')
    return [
        event("listPets", "c1", Status.PASSED),
        event(
            "listPets",
            "c2",
            Status.FAILED,
            http_status=500,
            findings=(
                finding("not_a_server_error", "listPets", "c2", severity=Severity.HIGH, cause="status 500"),
                finding("status_code_conformance", "listPets", "c2", severity=Severity.MEDIUM, cause="status 500"),
            ),
        ),
        event(
            "listPets",
            "c3",
            Status.FAILED,
            http_status=500,
            findings=(finding("not_a_server_error", "listPets", "c3", severity=Severity.HIGH, cause="status 500"),),
        ),
        event(
            "createPet",
            "c4",
            Status.FAILED,
            http_status=201,
            body='{"name": "' + SCRIPT + '"}',
            kind=TestKind.NEGATIVE,
            findings=(
                finding(
                    "negative_data_rejection",
                    "createPet",
                    "c4",
                    severity=Severity.HIGH,
                    cause="body maxLength@/properties/name/maxLength",
                    message=f'request body at `/name` = "{SCRIPT}" breaks maxLength 20 but the API answered 201',
                    request=create_request,
                    cwe="CWE-20",
                    details={"keyword": "maxLength"},
                ),
                finding(
                    "response_schema_conformance",
                    "createPet",
                    "c4",
                    severity=Severity.MEDIUM,
                    cause="201 application/json type@/properties/id/type",
                    message=f"body breaks its schema: `/id`: '{SCRIPT}' is not of type 'integer'",
                    request=create_request,
                ),
            ),
        ),
        event(
            "createPet",
            "c5",
            Status.ERROR,
            http_status=None,
            error_kind=ErrorKind.TIMEOUT,
            error_message="no response within 10 s",
        ),
        event(
            "getPet",
            "c6",
            Status.ERROR,
            http_status=None,
            error_kind=ErrorKind.UNREACHABLE,
            error_message=f"connection refused {IMG} \x01\x1b",
        ),
        event("getPet", "c7", Status.SKIPPED, http_status=None),
    ]


def context(spec_source: str | Path = "specs/petstore.yaml", **overrides: Any) -> ReportContext:
    values: dict[str, Any] = {
        "job_id": "job-1",
        "spec_source": str(spec_source),
        "spec_title": "Petstore",
        "spec_version": "1.0.0",
        "base_url": "http://api.test",
        "seed": 42,
        "started_at": STARTED,
        "finished_at": STARTED + timedelta(seconds=3.5),
        "command": "sentinel run specs/petstore.yaml --base-url http://api.test --header 'Authorization: ***'",
        "operations": OPERATIONS,
        "events": events(),
        "checks": CHECKS,
    }
    values.update(overrides)
    return ReportContext(**values)
