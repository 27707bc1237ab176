"""ElasticsearchSink against a scripted client: ids, indices, 409 as stored, 429 as back-pressure, errors loud."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
import pytest
from elastic_transport import ApiResponseMeta, HttpHeaders, NodeConfig
from elasticsearch import ApiError

from pipeline import es_index
from pipeline.bus import is_transient
from pipeline.sinks.base import Backpressure, SinkError
from pipeline.sinks.elasticsearch import ElasticsearchSink
from tests.fixtures.kafka import result_event, run_event

Item = dict[str, Any]


def api_error(status: int, headers: dict[str, str] | None = None) -> ApiError:
    meta = ApiResponseMeta(
        status=status,
        http_version="1.1",
        headers=HttpHeaders(headers or {}),
        duration=0.0,
        node=NodeConfig("http", "127.0.0.1", 9200),
    )
    return ApiError(f"status {status}", meta=meta, body={"error": {"type": "x"}})


class Response:
    def __init__(self, body: dict[str, Any]) -> None:
        self.body = body


class Namespace:
    def __init__(self, calls: list[str], prefix: str) -> None:
        self._calls = calls
        self._prefix = prefix

    def __getattr__(self, name: str) -> Callable[..., None]:
        return lambda **kwargs: self._calls.append(f"{self._prefix}.{name}")


class ScriptedClient:
    """Answers each bulk request with the next scripted behaviour: an exception or a status per document."""

    def __init__(self, *script: ApiError | Callable[[int], int]) -> None:
        self.script = list(script)
        self.requests: list[list[tuple[dict[str, Any], dict[str, Any]]]] = []
        self.calls: list[str] = []
        self.indices = Namespace(self.calls, "indices")
        self.cluster = Namespace(self.calls, "cluster")

    def bulk(self, *, operations: bytes) -> Response:
        lines = [orjson.loads(line) for line in operations.splitlines()]
        pairs = list(zip(lines[::2], lines[1::2], strict=True))
        self.requests.append(pairs)
        step = self.script.pop(0) if self.script else (lambda i: 201)
        if isinstance(step, ApiError):
            raise step
        items: list[Item] = []
        for i, (action, _) in enumerate(pairs):
            status = step(i)
            item: Item = {"_index": action["create"]["_index"], "_id": action["create"]["_id"], "status": status}
            if status >= 300:
                item["error"] = {"type": ERRORS.get(status, "mapper_parsing_exception"), "reason": "scripted"}
            items.append({"create": item})
        return Response({"errors": any(i["create"]["status"] >= 300 for i in items), "items": items})

    def close(self) -> None:
        self.calls.append("close")


ERRORS = {409: "version_conflict_engine_exception", 429: "es_rejected_execution_exception"}


def sink(client: ScriptedClient, **kwargs: Any) -> ElasticsearchSink:
    return ElasticsearchSink(client, "test-results", sleep=lambda s: None, **kwargs)  # type: ignore[arg-type]


def test_creates_one_document_per_event_in_the_index_of_the_job_start() -> None:
    client = ScriptedClient()
    events = [result_event(i) for i in range(3)]
    sink(client).write_results(events)
    (request,) = client.requests
    for event, (action, document) in zip(events, request, strict=True):
        # The job started in November; the case ran in December: the index follows the job.
        assert action == {"create": {"_index": "test-results-2026.11", "_id": event.event_id}}
        assert event.executed_at.month == 12
        assert document == orjson.loads(orjson.dumps(es_index.document(event)))


def test_template_is_installed_once() -> None:
    client = ScriptedClient()
    es = sink(client)
    es.write_results([result_event(1)])
    es.write_results([result_event(2)])
    assert client.calls.count("indices.put_index_template") == 1


def test_already_stored_documents_count_as_written() -> None:
    client = ScriptedClient(lambda i: 409 if i % 2 else 201)
    es = sink(client)
    es.write_results([result_event(i) for i in range(4)])
    assert (es.created, es.already_stored) == (2, 2)


def test_item_429s_are_retried_alone_then_become_backpressure() -> None:
    client = ScriptedClient(lambda i: 429 if i == 1 else 201, lambda i: 429, lambda i: 429, lambda i: 429)
    es = sink(client, quick_retries=3)
    with pytest.raises(Backpressure) as caught:
        es.write_results([result_event(i) for i in range(3)])
    assert caught.value.retry_after > 0
    assert [len(r) for r in client.requests] == [3, 1, 1, 1]
    assert client.requests[1][0][0]["create"]["_id"] == result_event(1).event_id


def test_item_429s_that_clear_quickly_need_no_backpressure() -> None:
    client = ScriptedClient(lambda i: 429, lambda i: 201)
    es = sink(client)
    es.write_results([result_event(i) for i in range(2)])
    assert es.created == 2


def test_request_429_becomes_backpressure_with_the_servers_retry_after() -> None:
    throttled = api_error(429, {"Retry-After": "7"})
    client = ScriptedClient(throttled, throttled, throttled)
    with pytest.raises(Backpressure) as caught:
        sink(client, quick_retries=2).write_results([result_event(1)])
    assert caught.value.retry_after == 7.0


def test_mapping_errors_fail_loudly_with_the_reason() -> None:
    client = ScriptedClient(lambda i: 400 if i == 1 else 201)
    with pytest.raises(SinkError) as caught:
        sink(client).write_results([result_event(i) for i in range(3)])
    assert caught.value.code == "SINK_SCHEMA"
    assert "mapper_parsing_exception" in str(caught.value)
    assert result_event(1).event_id in str(caught.value)


def test_a_refused_request_is_permanent_and_an_unavailable_cluster_transient() -> None:
    with pytest.raises(SinkError) as refused:
        sink(ScriptedClient(api_error(403))).write_results([result_event(1)])
    assert refused.value.code == "SINK_REFUSED"
    with pytest.raises(ApiError) as unavailable:
        sink(ScriptedClient(api_error(503))).write_results([result_event(1)])
    assert is_transient(unavailable.value)


def test_requests_are_cut_by_size() -> None:
    client = ScriptedClient()
    sink(client, max_request_bytes=10_000).write_results([result_event(i) for i in range(20)])
    assert len(client.requests) > 1
    assert sum(len(r) for r in client.requests) == 20


def test_runs_are_not_stored_and_close_closes_the_client() -> None:
    client = ScriptedClient()
    es = sink(client)
    es.write_runs([run_event()])
    assert client.requests == []
    es.close()
    assert client.calls == ["close"]
