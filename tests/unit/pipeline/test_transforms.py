"""Events → rows: what the Postgres sink COPYs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import orjson
import pytest

from agent_core.events import RunEventType
from agent_core.models import Severity, Status, TestKind
from pipeline import transforms
from tests.unit.pipeline.factories import T0, make_case, make_event, make_finding, make_run, negative_violation


def test_result_row_has_every_column_and_the_whole_event() -> None:
    event = make_event("job-7", 3, failing=True)
    row = transforms.result_row(event)
    assert tuple(row) == transforms.RESULT_COLUMNS
    assert row["event_id"] == event.event_id
    assert row["job_started_at"] == T0
    assert (row["status"], row["http_status"], row["findings_count"]) == ("failed", 500, 1)
    assert row["max_severity"] == "high"
    assert row["fingerprints"] == [event.findings[0].fingerprint]
    assert row["method"] == "GET" and row["path"] == "/pets/{petId}"
    assert orjson.loads(row["event"]) == orjson.loads(event.model_dump_json())


def test_result_row_of_an_error_has_no_http_status() -> None:
    row = transforms.result_row(make_event(status=Status.ERROR, http_status=None))
    assert (row["status"], row["http_status"], row["error_kind"], row["max_severity"]) == (
        "error",
        None,
        "timeout",
        None,
    )


def test_max_severity_is_the_worst_finding() -> None:
    case = make_case()
    findings = (
        make_finding(case, severity=Severity.LOW, cause="a"),
        make_finding(case, severity=Severity.CRITICAL, cause="b"),
        make_finding(case, severity=Severity.MEDIUM, cause="c"),
    )
    assert transforms.result_row(make_event(case=case, findings=findings))["max_severity"] == "critical"


def test_timestamps_become_utc_and_naive_ones_are_taken_as_utc() -> None:
    plus_two = timezone(timedelta(hours=2))
    event = make_event(job_started_at=datetime(2025, 3, 14, 1, 30, tzinfo=plus_two))
    assert transforms.result_row(event)["job_started_at"] == datetime(2025, 3, 13, 23, 30, tzinfo=UTC)
    naive = make_event(job_started_at=datetime(2025, 3, 14, 1, 30))
    assert transforms.result_row(naive)["job_started_at"] == datetime(2025, 3, 14, 1, 30, tzinfo=UTC)


def test_nul_characters_never_reach_postgres() -> None:
    case = make_case()
    finding = make_finding(case, message="body had \x00 inside")
    event = make_event(case=case, findings=(finding,), failing=True)
    row = transforms.finding_rows(event)[0]
    assert "\x00" not in row["message"] and "\ufffd" in row["message"]
    assert "\\u0000" not in transforms.result_row(event)["event"]


def test_json_text_replaces_only_real_nul_escapes() -> None:
    assert transforms.json_text('{"a": "x\\u0000y"}') == '{"a": "x\\ufffdy"}'
    # An escaped backslash followed by the text "u0000" is not a NUL.
    assert transforms.json_text('{"a": "x\\\\u0000"}') == '{"a": "x\\\\u0000"}'
    assert transforms.json_text(b'{"a": 1}') == '{"a": 1}'


def test_case_row_keeps_the_request_parts_and_the_violation() -> None:
    case = make_case(kind=TestKind.NEGATIVE, violation=negative_violation(), body={"name": "rex"})
    row = transforms.case_row(make_event(case=case))
    assert tuple(row) == transforms.CASE_COLUMNS
    assert row["kind"] == "negative"
    request = orjson.loads(row["request"])
    assert set(request) == {"path_params", "query", "headers", "cookies", "body", "has_body", "media_type"}
    assert request["body"] == {"name": "rex"}
    assert orjson.loads(row["violation"])["keyword"] == "type"
    assert orjson.loads(row["expectation"])["statuses"] == ["4XX"]


def test_finding_rows_one_per_finding_with_the_case_kind() -> None:
    case = make_case(kind=TestKind.NEGATIVE)
    findings = (make_finding(case, cause="a"), make_finding(case, check="status_code_conformance", cause="b"))
    rows = transforms.finding_rows(make_event(case=case, findings=findings))
    assert [tuple(r) for r in rows] == [transforms.FINDING_COLUMNS] * 2
    assert [r["check"] for r in rows] == ["not_a_server_error", "status_code_conformance"]
    assert {r["kind"] for r in rows} == {"negative"}
    assert transforms.finding_rows(make_event()) == []


@pytest.mark.parametrize(
    ("kind", "status", "rank"),
    [
        (RunEventType.CREATED, "created", 0),
        (RunEventType.STARTED, "running", 1),
        (RunEventType.PROGRESSED, "running", 1),
        (RunEventType.FINISHED, "finished", 2),
        (RunEventType.FAILED, "failed", 2),
    ],
)
def test_job_row_maps_the_lifecycle(kind: RunEventType, status: str, rank: int) -> None:
    at = T0 + timedelta(minutes=5)
    row = transforms.job_row(make_run("job-1", kind, at))
    assert tuple(row) == transforms.JOB_COLUMNS
    assert (row["status"], row["status_rank"], row["status_at"]) == (status, rank, at)
    assert row["started_at"] == T0
    assert row["created_at"] == (at if kind is RunEventType.CREATED else None)
    assert row["finished_at"] == (at if rank == 2 else None)


def test_job_row_reads_known_stats_and_ignores_wrong_types() -> None:
    project = "6a1f4c2e-8f0b-4d6e-9c1a-3b5d7e9f1a2c"
    stats = {"kinds": ["functional", "negative"], "seed": 7, "base_url": "http://127.0.0.1:8000", "project_id": project}
    row = transforms.job_row(make_run("job-1", RunEventType.CREATED, T0, stats=stats))
    assert (row["kinds"], row["seed"], row["base_url"], row["project_id"]) == (
        ["functional", "negative"],
        7,
        "http://127.0.0.1:8000",
        project,
    )
    assert orjson.loads(row["stats"]) == stats
    odd = {"kinds": "functional", "seed": True, "base_url": 3, "project_id": "not-a-uuid"}
    row = transforms.job_row(make_run("job-1", RunEventType.CREATED, T0, stats=odd))
    assert (row["kinds"], row["seed"], row["base_url"], row["project_id"]) == (None, None, None, None)


def test_row_values_follow_the_column_order() -> None:
    row = transforms.result_row(make_event())
    values = transforms.row_values(row, transforms.RESULT_COLUMNS)
    assert values[0] == row["event_id"] and values[-1] == row["event"]
