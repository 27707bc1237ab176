"""Events → rows: pure functions, no I/O, what the Postgres sink COPYs into its staging tables.

Row values are what COPY writes: JSON columns as JSON text, timestamps as aware UTC datetimes (a naive one is taken
as UTC), arrays as lists. Postgres refuses the NUL character in text and in JSON strings, so free text has it
replaced by U+FFFD; nothing else is altered. Each ``*_COLUMNS`` tuple gives the order of a row's fields.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Any, Final

import orjson

from agent_core.events import ResultEvent, RunEvent, RunEventType
from agent_core.models import Finding, Severity
from pipeline.store.states import JobStatus

RESULT_COLUMNS: Final = (
    "event_id",
    "job_started_at",
    "schema_version",
    "job_id",
    "campaign_id",
    "spec_id",
    "case_id",
    "operation_id",
    "method",
    "path",
    "kind",
    "agent",
    "status",
    "http_status",
    "error_kind",
    "elapsed_ms",
    "attempts",
    "executed_at",
    "worker",
    "findings_count",
    "max_severity",
    "fingerprints",
    "event",
)
CASE_COLUMNS: Final = (
    "job_id",
    "case_id",
    "job_started_at",
    "operation_id",
    "method",
    "path",
    "kind",
    "agent",
    "source",
    "identity",
    "seed",
    "scenario_id",
    "step",
    "expectation",
    "violation",
    "request",
)
FINDING_COLUMNS: Final = (
    "event_id",
    "job_id",
    "job_started_at",
    "executed_at",
    "fingerprint",
    "check",
    "severity",
    "title",
    "message",
    "operation_id",
    "kind",
    "method",
    "path",
    "case_id",
    "curl",
    "cwe",
    "owasp",
)
JOB_COLUMNS: Final = (
    "job_id",
    "project_id",
    "campaign_id",
    "spec_id",
    "status",
    "status_rank",
    "status_at",
    "kinds",
    "seed",
    "base_url",
    "created_at",
    "started_at",
    "finished_at",
    "stats",
    "error",
)

_RUN_STATUS: Final = {
    RunEventType.CREATED: JobStatus.CREATED,
    RunEventType.STARTED: JobStatus.RUNNING,
    RunEventType.PROGRESSED: JobStatus.RUNNING,
    RunEventType.FINISHED: JobStatus.FINISHED,
    RunEventType.FAILED: JobStatus.FAILED,
}
_REQUEST_FIELDS: Final = {"path_params", "query", "headers", "cookies", "body", "has_body", "media_type"}
# A JSON \u0000 escape not itself escaped (preceded by an even number of backslashes).
_JSON_NUL = re.compile(r"(?<!\\)((?:\\\\)*)\\u0000")


def utc(ts: datetime) -> datetime:
    """``ts`` as an aware UTC datetime; a naive one is taken as UTC."""
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


def text(value: str) -> str:
    return value.replace("\x00", "\ufffd") if "\x00" in value else value


def json_text(value: str | bytes) -> str:
    """Serialised JSON as Postgres ``jsonb`` accepts it (no ``\\u0000`` escapes)."""
    decoded = value.decode() if isinstance(value, bytes) else value
    return _JSON_NUL.sub(r"\1\\ufffd", decoded) if "\\u0000" in decoded else decoded


def max_severity(findings: tuple[Finding, ...]) -> Severity | None:
    return max((f.severity for f in findings), key=lambda s: s.rank, default=None)


def result_row(event: ResultEvent) -> dict[str, Any]:
    """The ``results`` row of an event (``project_id`` is resolved by the store from the job)."""
    case, execution = event.case, event.execution
    severity = max_severity(event.findings)
    return {
        "event_id": event.event_id,
        "job_started_at": utc(event.job_started_at),
        "schema_version": event.schema_version,
        "job_id": event.job_id,
        "campaign_id": event.campaign_id,
        "spec_id": event.spec_id,
        "case_id": case.case_id,
        "operation_id": case.operation_id,
        "method": case.method.upper(),
        "path": text(case.path),
        "kind": case.kind.value,
        "agent": case.agent,
        "status": execution.status.value,
        "http_status": execution.response.status if execution.response is not None else None,
        "error_kind": execution.error_kind.value if execution.error_kind is not None else None,
        "elapsed_ms": execution.elapsed_ms,
        "attempts": execution.attempts,
        "executed_at": utc(event.executed_at),
        "worker": text(event.worker),
        "findings_count": len(event.findings),
        "max_severity": severity.value if severity is not None else None,
        "fingerprints": [f.fingerprint for f in event.findings],
        "event": json_text(event.model_dump_json()),
    }


def case_row(event: ResultEvent) -> dict[str, Any]:
    """The ``test_cases`` row of an event's case (without its embedding, which the sink adds)."""
    case = event.case
    return {
        "job_id": event.job_id,
        "case_id": case.case_id,
        "job_started_at": utc(event.job_started_at),
        "operation_id": case.operation_id,
        "method": case.method.upper(),
        "path": text(case.path),
        "kind": case.kind.value,
        "agent": case.agent,
        "source": case.source,
        "identity": case.identity,
        "seed": case.seed,
        "scenario_id": case.scenario_id,
        "step": case.step,
        "expectation": json_text(case.expectation.model_dump_json()),
        "violation": json_text(case.violation.model_dump_json()) if case.violation is not None else None,
        "request": json_text(case.model_dump_json(include=_REQUEST_FIELDS)),
    }


def finding_rows(event: ResultEvent) -> list[dict[str, Any]]:
    """One row per finding of the event: an occurrence, folded into ``findings`` by fingerprint."""
    case = event.case
    return [
        {
            "event_id": event.event_id,
            "job_id": event.job_id,
            "job_started_at": utc(event.job_started_at),
            "executed_at": utc(event.executed_at),
            "fingerprint": finding.fingerprint,
            "check": finding.check,
            "severity": finding.severity.value,
            "title": text(finding.title),
            "message": text(finding.message),
            "operation_id": finding.operation_id,
            "kind": case.kind.value,
            "method": case.method.upper(),
            "path": text(case.path),
            "case_id": finding.case_id,
            "curl": text(finding.curl),
            "cwe": finding.cwe,
            "owasp": finding.owasp,
        }
        for finding in event.findings
    ]


def operation_label(event: ResultEvent) -> str:
    """``GET /pets/{petId}``: how a finding's operation is named in its embedding."""
    return f"{event.case.method.upper()} {event.case.path}"


def _str_list(value: Any) -> list[str] | None:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    return None


def _project(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


def job_row(event: RunEvent) -> dict[str, Any]:
    """The ``jobs`` row a run event asks for. Fields the event does not know are ``None``; the store keeps what
    it already has for those. ``stats`` may carry ``project_id``, ``kinds``, ``seed`` and ``base_url``."""
    status = _RUN_STATUS[event.type]
    at = utc(event.at)
    stats = event.stats
    seed = stats.get("seed")
    base_url = stats.get("base_url")
    return {
        "job_id": event.job_id,
        "project_id": _project(stats.get("project_id")),
        "campaign_id": event.campaign_id,
        "spec_id": event.spec_id,
        "status": status.value,
        "status_rank": status.rank,
        "status_at": at,
        "kinds": _str_list(stats.get("kinds")),
        "seed": seed if isinstance(seed, int) and not isinstance(seed, bool) else None,
        "base_url": base_url if isinstance(base_url, str) else None,
        "created_at": at if event.type is RunEventType.CREATED else None,
        "started_at": utc(event.job_started_at),
        "finished_at": at if status in (JobStatus.FINISHED, JobStatus.FAILED) else None,
        "stats": json_text(orjson.dumps(stats, option=orjson.OPT_NON_STR_KEYS)),
        "error": text(event.error) if event.error is not None else None,
    }


def row_values(row: dict[str, Any], columns: tuple[str, ...]) -> tuple[Any, ...]:
    """A row's values in column order, as COPY's ``write_row`` takes them."""
    return tuple(row[c] for c in columns)
