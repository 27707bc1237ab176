"""The shared vocabulary: test cases, executions, findings.

These models cross process boundaries (Kafka, Ray, reports), so they are frozen and forbid unknown fields. The same
enums name things in the database, in events, in reports and on dashboards.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Status(StrEnum):
    """Outcome of one executed case."""

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    SKIPPED = "skipped"


class TestKind(StrEnum):
    FUNCTIONAL = "functional"
    NEGATIVE = "negative"
    STATEFUL = "stateful"
    SECURITY = "security"
    PERFORMANCE = "performance"

    __test__ = False  # not a pytest test class


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Higher is worse; for sorting and thresholds."""
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {
    Severity.INFO: 0,
    Severity.LOW: 1,
    Severity.MEDIUM: 2,
    Severity.HIGH: 3,
    Severity.CRITICAL: 4,
}


class Location(StrEnum):
    """Where a request part goes."""

    PATH = "path"
    QUERY = "query"
    HEADER = "header"
    COOKIE = "cookie"
    BODY = "body"


class ErrorKind(StrEnum):
    """Why a case could not be tested (``Execution.status == error``)."""

    UNREACHABLE = "unreachable"
    TIMEOUT = "timeout"
    PROTOCOL = "protocol"
    SERIALIZATION = "serialization"
    BUDGET = "budget"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Violation(_Frozen):
    """The one constraint a negative case breaks, as labelled by the generator."""

    location: Location
    parameter: str | None = None
    keyword: str
    schema_pointer: str = ""
    instance_pointer: str = ""
    description: str
    boundary: bool = False


class Expectation(_Frozen):
    """What responses count as correct for a case: a set of status patterns ("2XX", "404"), never one code."""

    statuses: tuple[str, ...]
    reason: str = ""

    def matches(self, status: int) -> bool:
        return any(status_matches(pattern, status) for pattern in self.statuses)


def status_matches(pattern: str, status: int) -> bool:
    """``"200"`` matches 200, ``"2XX"`` matches 200-299, ``"default"`` matches anything."""
    if pattern == "default":
        return True
    if len(pattern) == 3 and pattern[1:].upper() == "XX" and pattern[0].isdigit():
        return status // 100 == int(pattern[0])
    return pattern == str(status)


class TestCase(_Frozen):
    """One planned request. ``case_id`` is a stable hash of the content, so the same case has the same id in
    every run with the same seed."""

    __test__ = False  # not a pytest test class

    case_id: str
    job_id: str
    operation_id: str
    method: str
    path: str
    kind: TestKind
    agent: str
    source: str = "generated"
    path_params: dict[str, Any] = Field(default_factory=dict)
    query: dict[str, Any] = Field(default_factory=dict)
    headers: dict[str, Any] = Field(default_factory=dict)
    cookies: dict[str, Any] = Field(default_factory=dict)
    body: Any = None
    has_body: bool = False
    media_type: str | None = None
    expectation: Expectation
    violation: Violation | None = None
    # Set when the documented schema cannot be satisfied and the generator relaxed it (what and where).
    relaxation: str | None = None
    identity: str | None = None
    seed: int = 0
    scenario_id: str | None = None
    step: int | None = None


class HttpRequest(_Frozen):
    """The request actually sent, with secrets masked."""

    method: str
    url: str
    headers: dict[str, str] = Field(default_factory=dict)
    body: str | None = None
    body_encoding: str = "utf-8"


class HttpResponse(_Frozen):
    """The response received. ``body`` is truncated; ``body_length`` and ``body_sha256`` describe the full body."""

    status: int
    headers: dict[str, str] = Field(default_factory=dict)
    body: str = ""
    body_truncated: bool = False
    body_length: int = 0
    body_sha256: str = ""
    content_type: str | None = None


class Execution(_Frozen):
    case_id: str
    request: HttpRequest
    response: HttpResponse | None = None
    elapsed_ms: float = 0.0
    status: Status
    error_kind: ErrorKind | None = None
    error_message: str | None = None
    attempts: int = 1


class Finding(_Frozen):
    """A judged problem with the target. ``fingerprint`` is stable across runs: check + operation + normalised cause."""

    check: str
    severity: Severity
    title: str
    message: str
    operation_id: str
    case_id: str
    fingerprint: str
    curl: str
    cwe: str | None = None
    owasp: str | None = None
    details: dict[str, Any] = Field(default_factory=dict)
