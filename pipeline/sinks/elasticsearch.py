"""Results into Elasticsearch, one document per event, idempotently.

Each result goes to the monthly index of its job's start time (``es_index.index_name``) with ``_id = event_id`` and
``op_type=create``: a re-delivered or re-executed event finds its document already there (409), which counts as
stored. The first write wins, as in Postgres (``ON CONFLICT DO NOTHING``), so both stores hold the same attempt.

Writes use the raw ``_bulk`` API with NDJSON encoded by orjson, in requests of at most ``max_request_bytes``. A bulk
response is only returned once every accepted document is in the translog (fsynced per request by default), so a
returned :meth:`ElasticsearchSink.write_results` is durable.

Errors, item by item and for whole requests:

* 429 (queues full, circuit breakers): retried a few times quickly for the rejected items only, then
  :class:`~pipeline.sinks.base.Backpressure`, so the consumer pauses and retries the same batch later;
* 409 on create: already stored, success;
* any other item error (mapping conflicts, rejected documents): :class:`~pipeline.sinks.base.SinkError` naming the
  error type and reason. These are bugs, not weather: they fail loudly rather than skip a result;
* 502/503/504 and lost connections are raised as they are; the consumer retries them as transient.

Run events are not written here: job lifecycle lives in Postgres, and a ``<prefix>-jobs`` index would fall under the
results pattern ``<prefix>-*`` that the template and Kibana's data view cover, mixing jobs into result counts.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import partial
from typing import Any, Final, TypeVar, cast

import orjson
from elasticsearch import ApiError, Elasticsearch

from agent_core.events import ResultEvent, RunEvent
from agent_core.settings import ElasticsearchSettings
from pipeline import es_index
from pipeline.sinks.base import Backpressure, SinkError

__all__ = ["ElasticsearchSink"]

log = logging.getLogger(__name__)

_DEFAULT_RETRY_AFTER: Final = 1.0
_TRANSIENT_STATUSES: Final = frozenset({502, 503, 504})
_OPTIONS: Final = orjson.OPT_NON_STR_KEYS  # check details may carry integer keys

_T = TypeVar("_T")


class ElasticsearchSink:
    name = "elasticsearch"

    def __init__(
        self,
        client: Elasticsearch,
        index_prefix: str = es_index.DEFAULT_PREFIX,
        *,
        quick_retries: int = 3,
        quick_retry_s: float = 0.05,
        max_request_bytes: int = 8 * 1024 * 1024,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client = client
        self.index_prefix = index_prefix
        self.quick_retries = quick_retries
        self.quick_retry_s = quick_retry_s
        self.max_request_bytes = max_request_bytes
        self._sleep = sleep
        self._template_ready = False
        # Counted for tests and logs: documents created, and re-deliveries found already stored.
        self.created = 0
        self.already_stored = 0

    def write_results(self, batch: Sequence[ResultEvent]) -> None:
        if not batch:
            return
        self._ensure_template()
        for chunk in self._chunks(batch):
            self._write_chunk(chunk)

    def write_runs(self, batch: Sequence[RunEvent]) -> None:
        """Not stored in Elasticsearch (see the module docstring)."""

    def close(self) -> None:
        self.client.close()

    # -- internals -------------------------------------------------------------------------------------------------

    def _ensure_template(self) -> None:
        if not self._template_ready:
            self._call(lambda: es_index.ensure_template(self.client, self.index_prefix))
            self._template_ready = True

    def _chunks(self, batch: Sequence[ResultEvent]) -> Iterator[list[tuple[str, bytes]]]:
        """``(event_id, two NDJSON lines)`` per event, cut so that no request exceeds ``max_request_bytes``."""
        chunk: list[tuple[str, bytes]] = []
        size = 0
        for event in batch:
            index = es_index.index_name(self.index_prefix, event.job_started_at)
            action = {"create": {"_index": index, "_id": event.event_id}}
            try:
                lines = orjson.dumps(action) + b"\n" + orjson.dumps(es_index.document(event), option=_OPTIONS) + b"\n"
            except TypeError as exc:
                raise SinkError(
                    f"result {event.event_id} cannot be encoded for Elasticsearch: {exc}", "SINK_BAD_DATA"
                ) from exc
            if chunk and size + len(lines) > self.max_request_bytes:
                yield chunk
                chunk, size = [], 0
            chunk.append((event.event_id, lines))
            size += len(lines)
        if chunk:
            yield chunk

    def _write_chunk(self, chunk: list[tuple[str, bytes]]) -> None:
        pending = chunk
        retry_after = _DEFAULT_RETRY_AFTER
        for attempt in range(self.quick_retries + 1):
            if attempt:
                self._sleep(self.quick_retry_s * 2 ** (attempt - 1))
            body = b"".join(lines for _, lines in pending)
            try:
                response = self._call(partial(self._bulk, body))
            except Backpressure as exc:  # the whole request was throttled
                retry_after = exc.retry_after
                continue
            pending = self._settle(pending, response)
            if not pending:
                return
        log.info("Elasticsearch throttled %d documents %d times, backing off", len(pending), self.quick_retries + 1)
        raise Backpressure(retry_after, f"Elasticsearch rejected {len(pending)} documents with 429")

    def _bulk(self, body: bytes) -> Mapping[str, Any]:
        # The NDJSON is pre-encoded; the client's serializer passes bytes through unchanged.
        response = self.client.bulk(operations=cast("Sequence[Mapping[str, Any]]", body))
        return cast("Mapping[str, Any]", response.body)

    def _settle(self, sent: list[tuple[str, bytes]], response: Mapping[str, Any]) -> list[tuple[str, bytes]]:
        """Account for one bulk response; return what must be sent again (429s); raise for permanent errors."""
        items = response["items"]
        if not response.get("errors"):
            self.created += len(items)
            return []
        retry: list[tuple[str, bytes]] = []
        failures: list[str] = []
        codes: set[str] = set()
        for (event_id, lines), item in zip(sent, items, strict=True):
            result = item["create"]
            status = result["status"]
            if status in (200, 201):
                self.created += 1
            elif status == 409:
                self.already_stored += 1
            elif status == 429 or status in _TRANSIENT_STATUSES:
                retry.append((event_id, lines))
            else:
                error = result.get("error") or {}
                kind = str(error.get("type"))
                codes.add("SINK_SCHEMA" if "mapping" in kind or "mapper" in kind else "SINK_BAD_DATA")
                failures.append(f"{event_id} in {result.get('_index')}: {status} {kind}: {error.get('reason')}")
        if failures:
            code = "SINK_SCHEMA" if "SINK_SCHEMA" in codes else "SINK_BAD_DATA"
            raise SinkError(f"Elasticsearch rejected {len(failures)} document(s): {'; '.join(failures[:3])}", code)
        return retry

    def _call(self, fn: Callable[[], _T]) -> _T:
        """Run a request; throttling becomes back-pressure, other client errors (4xx) become :class:`SinkError`."""
        try:
            return fn()
        except ApiError as exc:
            status = exc.meta.status
            if status == 429:
                raise Backpressure(_retry_after(exc), "Elasticsearch answered 429") from exc
            if status in _TRANSIENT_STATUSES:
                raise
            raise SinkError(f"Elasticsearch refused the request: {exc}", "SINK_REFUSED") from exc


def _retry_after(exc: ApiError) -> float:
    """The server's Retry-After in seconds when it sent one (a proxy may), else one second."""
    value = exc.meta.headers.get("retry-after")
    try:
        return max(0.0, float(value)) if value is not None else _DEFAULT_RETRY_AFTER
    except ValueError:
        return _DEFAULT_RETRY_AFTER


def elasticsearch_client(config: ElasticsearchSettings) -> Elasticsearch:
    auth = (config.username, config.password.get_secret_value()) if config.username and config.password else None
    return Elasticsearch(
        config.url, basic_auth=auth, verify_certs=config.verify_certs, request_timeout=30, retry_on_timeout=True
    )
