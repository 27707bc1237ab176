"""Hand-built results for the search tests: every optional field filled somewhere, and a small corpus whose saved
searches and dashboard panels have known answers.

The corpus job starts ten minutes before the end of November and runs into December, so its results belong in the
November index although half of them executed in December.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
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
    Location,
    Severity,
    Status,
    TestCase,
    TestKind,
    Violation,
)

JOB_ID = "job-search-1"
JOB_STARTED = datetime(2026, 11, 30, 23, 50, tzinfo=UTC)
BASE_URL = "http://shop.test"


@dataclass(frozen=True, slots=True)
class Op:
    operation_id: str
    method: str
    path: str


LIST_PETS = Op("listPets", "GET", "/pets")
CREATE_PET = Op("createPet", "POST", "/pets")
GET_PET = Op("getPet", "GET", "/pets/{id}")
LOGIN = Op("login", "POST", "/login")


def make_finding(
    op: Op,
    case_id: str,
    check: str,
    severity: Severity,
    *,
    cwe: str | None = None,
    owasp: str | None = None,
    details: dict[str, Any] | None = None,
) -> Finding:
    request = HttpRequest(method=op.method, url=BASE_URL + op.path)
    return Finding(
        check=check,
        severity=severity,
        title=f"{check} on {op.operation_id}",
        message=f"{check} found a problem in {op.method} {op.path}",
        operation_id=op.operation_id,
        case_id=case_id,
        fingerprint=fingerprint(check, op.operation_id, f"{check} cause"),
        curl=to_curl(request),
        cwe=cwe,
        owasp=owasp,
        details=details or {},
    )


def make_event(
    op: Op,
    case_id: str,
    status: Status,
    *,
    minutes: int,
    http_status: int | None = 200,
    elapsed_ms: float = 50.0,
    kind: TestKind = TestKind.FUNCTIONAL,
    findings: tuple[Finding, ...] = (),
    error_kind: ErrorKind | None = None,
    **case_fields: Any,
) -> ResultEvent:
    case = TestCase(
        case_id=case_id,
        job_id=JOB_ID,
        operation_id=op.operation_id,
        method=op.method,
        path=op.path,
        kind=kind,
        agent=f"{kind.value}-agent",
        expectation=Expectation(statuses=("2XX",)),
        **case_fields,
    )
    response = None if http_status is None else HttpResponse(status=http_status, body="{}", body_length=2)
    execution = Execution(
        case_id=case_id,
        request=HttpRequest(method=op.method, url=BASE_URL + op.path.replace("{id}", "7")),
        response=response,
        elapsed_ms=elapsed_ms,
        status=status,
        error_kind=error_kind,
        error_message=None if error_kind is None else f"{error_kind.value} after {elapsed_ms} ms",
    )
    return ResultEvent(
        event_id=event_id_for(JOB_ID, case_id),
        job_id=JOB_ID,
        job_started_at=JOB_STARTED,
        spec_id="spec-shop",
        executed_at=JOB_STARTED + timedelta(minutes=minutes),
        worker="worker-1",
        case=case,
        execution=execution,
        findings=findings,
    )


def full_events() -> list[ResultEvent]:
    """Between them, these fill every field a result document can carry."""
    violation = Violation(
        location=Location.BODY,
        parameter="name",
        keyword="maxLength",
        schema_pointer="/properties/name/maxLength",
        instance_pointer="/name",
        description="name is longer than 20 characters",
        boundary=True,
    )
    finding = make_finding(
        LOGIN, "full-1", "auth_bypass", Severity.CRITICAL, cwe="CWE-287", owasp="API2:2023", details={"a": [1]}
    )
    answered = ResultEvent(
        event_id=event_id_for(JOB_ID, "full-1"),
        job_id=JOB_ID,
        job_started_at=JOB_STARTED,
        campaign_id="campaign-1",
        spec_id="spec-shop",
        executed_at=JOB_STARTED + timedelta(seconds=3),
        worker="worker-1",
        case=TestCase(
            case_id="full-1",
            job_id=JOB_ID,
            operation_id="login",
            method="POST",
            path="/login",
            kind=TestKind.STATEFUL,
            agent="stateful-agent",
            source="relaxed",
            body={"name": "x" * 21},
            has_body=True,
            media_type="application/json",
            expectation=Expectation(statuses=("4XX", "422")),
            violation=violation,
            relaxation="allOf at /components/schemas/User: dropped additionalProperties",
            identity="admin",
            seed=2**64 - 1,
            scenario_id="scenario-1",
            step=2,
        ),
        execution=Execution(
            case_id="full-1",
            request=HttpRequest(
                method="POST",
                url=BASE_URL + "/login?token=[masked]",
                headers={"Content-Type": "application/json", "Authorization": "Bearer [masked]"},
                body='{"name": "xxxxxxxxxxxxxxxxxxxxx"}',
            ),
            response=HttpResponse(
                status=200,
                headers={"Content-Type": "application/json", "X-Request-Id": "abc"},
                body='{"ok": true}',
                body_truncated=True,
                body_length=4096,
                body_sha256="0" * 64,
                content_type="application/json",
            ),
            elapsed_ms=12.5,
            status=Status.FAILED,
            attempts=2,
        ),
        findings=(finding,),
    )
    unreachable = make_event(
        GET_PET, "full-2", Status.ERROR, minutes=1, http_status=None, error_kind=ErrorKind.TIMEOUT, elapsed_ms=10_000
    )
    return [answered, unreachable]


def corpus() -> list[ResultEvent]:
    """Nine results of one job; the expectations below are counted by hand from this list."""
    return [
        make_event(LIST_PETS, "c01", Status.PASSED, minutes=1, elapsed_ms=40),
        make_event(
            LIST_PETS,
            "c02",
            Status.FAILED,
            minutes=2,
            http_status=500,
            elapsed_ms=900,
            findings=(
                make_finding(LIST_PETS, "c02", "not_a_server_error", Severity.HIGH),
                make_finding(LIST_PETS, "c02", "status_code_conformance", Severity.MEDIUM),
            ),
        ),
        make_event(
            LIST_PETS,
            "c03",
            Status.FAILED,
            minutes=15,
            http_status=500,
            elapsed_ms=700,
            findings=(make_finding(LIST_PETS, "c03", "not_a_server_error", Severity.HIGH),),
        ),
        make_event(
            CREATE_PET,
            "c04",
            Status.FAILED,
            minutes=16,
            http_status=201,
            elapsed_ms=120,
            kind=TestKind.NEGATIVE,
            findings=(make_finding(CREATE_PET, "c04", "negative_data_rejection", Severity.MEDIUM, cwe="CWE-20"),),
        ),
        make_event(
            GET_PET,
            "c05",
            Status.ERROR,
            minutes=17,
            http_status=None,
            elapsed_ms=10_000,
            error_kind=ErrorKind.TIMEOUT,
        ),
        make_event(
            LOGIN,
            "c06",
            Status.FAILED,
            minutes=18,
            elapsed_ms=60,
            kind=TestKind.SECURITY,
            findings=(make_finding(LOGIN, "c06", "auth_bypass", Severity.CRITICAL, cwe="CWE-287", owasp="API2:2023"),),
        ),
        make_event(
            LOGIN,
            "c07",
            Status.FAILED,
            minutes=19,
            elapsed_ms=55,
            kind=TestKind.SECURITY,
            findings=(make_finding(LOGIN, "c07", "security_headers", Severity.LOW, cwe="CWE-693", owasp="API8:2023"),),
        ),
        make_event(LOGIN, "c08", Status.PASSED, minutes=20, elapsed_ms=45, kind=TestKind.SECURITY),
        # A security check can fire on a functional case: the finding, not the case kind, makes it security.
        make_event(
            GET_PET,
            "c09",
            Status.FAILED,
            minutes=21,
            elapsed_ms=80,
            findings=(make_finding(GET_PET, "c09", "bola", Severity.HIGH, cwe="CWE-639", owasp="API1:2023"),),
        ),
    ]
