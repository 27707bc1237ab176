"""The results index: names, template and documents agree with each other."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import orjson
import pytest
from elasticsearch import BadRequestError

from agent_core.models import Status
from pipeline import es_index
from pipeline.es_index import (
    DEFAULT_PREFIX,
    TEMPLATE_NAME,
    document,
    ensure_template,
    index_name,
    mappings,
    settings_template,
    template,
    template_name,
)
from tests.unit.deploy import mapping
from tests.unit.deploy.samples import JOB_STARTED, corpus, full_events

# -- index names --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("started", "expected"),
    [
        (datetime(2026, 11, 3, 12, 0, tzinfo=UTC), "sentinel-results-2026.11"),
        (datetime(2026, 1, 1, 0, 0, tzinfo=UTC), "sentinel-results-2026.01"),
        (datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), "sentinel-results-2026.12"),
        # Midnight of New Year in New York is 05:00 UTC on January 1st.
        (datetime(2027, 1, 1, 0, 0, tzinfo=timezone(timedelta(hours=-5))), "sentinel-results-2027.01"),
        # Evening of December 31st in New York is already the next year in UTC.
        (datetime(2026, 12, 31, 20, 0, tzinfo=timezone(timedelta(hours=-5))), "sentinel-results-2027.01"),
        # Just after midnight on January 1st in Tokyo is still December in UTC.
        (datetime(2027, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=9))), "sentinel-results-2026.12"),
        (datetime(2026, 3, 1, 0, 30, tzinfo=timezone(timedelta(hours=1))), "sentinel-results-2026.02"),
        # Naive times are UTC, like Elasticsearch reads a date without an offset.
        (datetime(2026, 2, 28, 23, 59), "sentinel-results-2026.02"),
        (datetime(999, 5, 1, tzinfo=UTC), "sentinel-results-0999.05"),
    ],
)
def test_index_name_is_the_utc_month_of_the_job_start(started: datetime, expected: str) -> None:
    assert index_name(DEFAULT_PREFIX, started) == expected


def test_index_name_uses_the_prefix() -> None:
    assert index_name("acme-results", JOB_STARTED) == "acme-results-2026.11"


def test_a_retried_case_keeps_its_index_and_id() -> None:
    first = corpus()[1]
    # The retry runs a month later (a long outage), by another worker, after more attempts.
    retry = first.model_copy(
        update={
            "executed_at": first.executed_at + timedelta(days=31),
            "worker": "worker-9",
            "execution": first.execution.model_copy(update={"attempts": 3}),
        }
    )
    assert index_name(DEFAULT_PREFIX, retry.job_started_at) == index_name(DEFAULT_PREFIX, first.job_started_at)
    assert document(retry)["event"]["id"] == document(first)["event"]["id"] == first.event_id
    assert document(retry)["@timestamp"] != document(first)["@timestamp"]


def test_the_corpus_spans_two_months_but_lands_in_one_index() -> None:
    events = corpus()
    assert {e.executed_at.month for e in events} == {11, 12}
    assert {index_name(DEFAULT_PREFIX, e.job_started_at) for e in events} == {"sentinel-results-2026.11"}


# -- documents against the mapping ----------------------------------------------------------------------------------

ALL_EVENTS = full_events() + corpus()


@pytest.mark.parametrize("event", ALL_EVENTS, ids=lambda e: e.case.case_id)
def test_every_emitted_field_is_mapped_with_a_compatible_type(event: Any) -> None:
    mapped = mapping.fields()
    for path, value in mapping.leaves(document(event)):
        if mapping.opaque_owner(path, mapped) is not None:
            continue
        if value is None and any(field.startswith(path + ".") for field in mapped):
            continue  # an absent object (no violation, no request body)
        assert path in mapped, f"document() emits {path!r}, which the template does not map"
        assert mapping.compatible(mapped[path]["type"], value), f"{path}={value!r} in a {mapped[path]['type']} field"


def test_every_mapped_field_is_emitted() -> None:
    """The template carries no dead fields: the full events fill each of them with a value."""
    filled = {path for event in full_events() for path, value in mapping.leaves(document(event)) if value is not None}
    mapped = mapping.fields()
    opaque = {path for path, spec in mapped.items() if spec["type"] == mapping.OPAQUE}
    for path, spec in mapped.items():
        if path.endswith(".keyword") and path.removesuffix(".keyword") in mapped:
            continue  # a multi-field is filled by its parent
        if spec["type"] == mapping.OPAQUE:
            assert any(leaf.startswith(path + ".") for leaf in filled), f"{path} is never filled"
            continue
        assert path in filled, f"the template maps {path!r}, which document() never fills"
    assert opaque == {"http.request.headers", "http.response.headers", "findings.details"}


def test_document_is_json_and_does_not_depend_on_the_call() -> None:
    for event in ALL_EVENTS:
        first = document(event)
        assert orjson.loads(orjson.dumps(first)) == first
        assert document(event) == first


def test_document_values() -> None:
    answered, unreachable = (document(e) for e in full_events())
    assert answered["@timestamp"] == "2026-11-30T23:50:03+00:00"
    assert answered["job_started_at"] == "2026-11-30T23:50:00+00:00"
    assert answered["event"] == {"id": full_events()[0].event_id, "duration": 12_500_000}
    assert answered["seed"] == str(2**64 - 1)  # beyond a long
    assert answered["http"]["request"]["method"] == "POST"
    assert answered["http"]["response"]["status_code"] == 200
    assert answered["url"] == {"path": "/login", "full": "http://shop.test/login?token=[masked]"}
    assert answered["findings_count"] == 1
    assert answered["findings_max_severity"] == "critical"
    assert answered["findings"][0]["owasp"] == "API2:2023"
    assert answered["expected_statuses"] == ["4XX", "422"]
    assert unreachable["status"] == "error"
    assert unreachable["error_kind"] == "timeout"
    assert "response" not in unreachable["http"]
    assert unreachable["findings"] == []
    assert unreachable["findings_max_severity"] is None


def test_worst_severity_is_by_rank_not_by_name() -> None:
    two = document(corpus()[1])
    assert [f["severity"] for f in two["findings"]] == ["high", "medium"]
    assert two["findings_max_severity"] == "high"


def test_failed_status_comes_from_the_execution() -> None:
    assert [document(e)["status"] for e in corpus()].count(Status.FAILED.value) == 6


# -- the template ---------------------------------------------------------------------------------------------------


def test_template_shape() -> None:
    body = template(DEFAULT_PREFIX)
    assert TEMPLATE_NAME == template_name(DEFAULT_PREFIX) == DEFAULT_PREFIX
    assert body["index_patterns"] == ["sentinel-results-*"]
    assert body["composed_of"] == ["sentinel-results@settings", "sentinel-results@custom"]
    assert body["ignore_missing_component_templates"] == ["sentinel-results@custom"]
    assert body["template"]["mappings"] == mappings()
    # Sizing lives in the component so that @custom can override it; the template's own settings would win.
    assert "number_of_shards" not in orjson.dumps(body).decode()
    sizing = settings_template(DEFAULT_PREFIX)["template"]["settings"]["index"]
    assert (sizing["number_of_shards"], sizing["number_of_replicas"]) == (1, 0)


def test_mapping_is_closed_and_uses_core_types_only() -> None:
    assert mappings()["dynamic"] is False
    types = {spec["type"] for spec in mapping.fields().values()}
    assert types <= {"keyword", "text", "date", "long", "float", "boolean", mapping.OPAQUE}


def test_large_parts_are_stored_but_not_indexed() -> None:
    mapped = mapping.fields()
    for path in ("http.request.body.content", "http.response.body.content", "findings.curl"):
        assert mapped[path] == {"type": "text", "index": False}
    for path in ("http.request.headers", "http.response.headers", "findings.details"):
        assert mapped[path]["enabled"] is False


def test_filter_fields_are_keywords() -> None:
    mapped = mapping.fields()
    for path in (
        "job_id",
        "campaign_id",
        "spec_id",
        "case_id",
        "operation_id",
        "kind",
        "agent",
        "status",
        "error_kind",
        "worker",
        "findings.check",
        "findings.severity",
        "findings.fingerprint",
        "findings.cwe",
        "findings.owasp",
        "http.request.method",
        "url.path",
        "url.full",
        "event.id",
    ):
        assert mapped[path]["type"] == "keyword", path
    assert mapped["@timestamp"]["type"] == mapped["job_started_at"]["type"] == "date"
    assert mapped["http.response.status_code"]["type"] == mapped["event.duration"]["type"] == "long"
    assert mapped["findings.title"]["type"] == mapped["findings.message"]["type"] == "text"


def test_default_search_fields_are_searchable() -> None:
    mapped = mapping.fields()
    defaults = template(DEFAULT_PREFIX)["template"]["settings"]["index"]["query"]["default_field"]
    assert defaults
    for path in defaults:
        assert mapping.searchable(mapped[path]), path


# -- ensure_template ------------------------------------------------------------------------------------------------


class _Recorder:
    def __init__(self, calls: list[tuple[str, dict[str, Any]]], name: str, fail: set[str]) -> None:
        self._calls, self._name, self._fail = calls, name, fail

    def __getattr__(self, method: str) -> Any:
        def call(**kwargs: Any) -> dict[str, bool]:
            self._calls.append((f"{self._name}.{method}", kwargs))
            if f"{self._name}.{method}" in self._fail:
                raise BadRequestError(message="mapper [status] cannot be changed", meta=None, body={})  # type: ignore[arg-type]
            return {"acknowledged": True}

        return call


class FakeClient:
    def __init__(self, fail: set[str] = frozenset()) -> None:  # type: ignore[assignment]
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.cluster = _Recorder(self.calls, "cluster", fail)
        self.indices = _Recorder(self.calls, "indices", fail)


def test_ensure_template_puts_the_same_bodies_every_time() -> None:
    client = FakeClient()
    ensure_template(client, "acme")  # type: ignore[arg-type]
    first = list(client.calls)
    ensure_template(client, "acme")  # type: ignore[arg-type]
    assert client.calls == first + first
    names = [name for name, _ in first]
    assert names == ["cluster.put_component_template", "indices.put_index_template", "indices.put_mapping"]
    assert first[0][1] == {"name": "acme@settings", "body": settings_template("acme")}
    assert first[1][1] == {"name": "acme", "body": template("acme")}
    assert first[2][1]["index"] == "acme-*"
    assert first[2][1]["properties"] == mappings()["properties"]


def test_ensure_template_survives_an_index_that_cannot_take_the_new_mapping(caplog: pytest.LogCaptureFixture) -> None:
    client = FakeClient(fail={"indices.put_mapping"})
    ensure_template(client, "acme")  # type: ignore[arg-type]
    assert "keep their older mapping" in caplog.text


def test_every_field_is_documented() -> None:
    documented = (Path(__file__).resolve().parents[3] / "docs" / "kibana.md").read_text(encoding="utf-8")
    for path in mapping.fields():
        assert f"`{path}`" in documented, f"docs/kibana.md does not describe {path}"


def test_public_names() -> None:
    assert es_index.__all__ == sorted(es_index.__all__)
    for name in es_index.__all__:
        assert hasattr(es_index, name)
