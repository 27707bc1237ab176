"""Where the executor puts results: a :class:`Bus`.

:class:`KafkaBus` publishes to Kafka (services, campaigns); the sink consumers write from there. :class:`LocalBus`
writes to the same sinks in-process (the embedded default, no Kafka). Either way a failure to deliver surfaces as an
exception from :meth:`Bus.flush` or :meth:`Bus.close`; nothing is dropped silently.

The retry policy shared with the consumers lives here too: :class:`Backoff` and :func:`is_transient`.
"""

from __future__ import annotations

import importlib
import logging
import random
import ssl
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Protocol, TypeVar

from agent_core.events import ResultEvent, RunEvent
from agent_core.settings import KafkaSettings
from pipeline.producer import KafkaProducerClient, ProducerClient, ProducerOptions
from pipeline.serde import encode_result, encode_run
from pipeline.sinks.base import Backpressure, Sink, SinkError
from pipeline.topics import RESULTS_TOPIC, RUNS_TOPIC, ensure_topics

__all__ = ["Backoff", "Bus", "KafkaBus", "LocalBus", "deliver", "is_transient"]

log = logging.getLogger(__name__)

_Event = TypeVar("_Event", ResultEvent, RunEvent)


class Bus(Protocol):
    def publish(self, event: ResultEvent) -> None: ...

    def publish_run(self, event: RunEvent) -> None: ...

    def flush(self, timeout: float | None = None) -> None:
        """Return once everything published so far is delivered (Kafka: acknowledged; local: written)."""

    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential backoff with jitter; a sink's ``retry_after`` is a floor, never shortened."""

    base_s: float = 0.2
    cap_s: float = 30.0
    factor: float = 2.0
    jitter: float = 0.2

    def delay(self, attempt: int, retry_after: float = 0.0) -> float:
        raw = min(self.cap_s, self.base_s * self.factor ** max(0, attempt))
        return max(retry_after, raw * (1.0 + random.uniform(-self.jitter, self.jitter)))  # noqa: S311


def _load(specs: tuple[tuple[str, tuple[str, ...]], ...]) -> tuple[type[BaseException], ...]:
    # Imported lazily and only when present: the bus must not pull a database driver into a process that has none.
    found: list[type[BaseException]] = []
    for module, names in specs:
        try:
            imported = importlib.import_module(module)
        except ImportError:
            continue
        found.extend(getattr(imported, name) for name in names if hasattr(imported, name))
    return tuple(found)


@cache
def _transient_types() -> tuple[type[BaseException], ...]:
    drivers = _load(
        (
            ("sqlalchemy.exc", ("OperationalError", "InterfaceError", "DisconnectionError", "TimeoutError")),
            ("psycopg", ("OperationalError", "InterfaceError")),
            ("elastic_transport", ("ConnectionError", "ConnectionTimeout")),
        )
    )
    return (OSError, TimeoutError, *drivers)


@cache
def _configuration_errors() -> tuple[type[BaseException], ...]:
    # Connection errors that retrying cannot fix: certificates and TLS set-up.
    return (ssl.SSLError, *_load((("elastic_transport", ("TlsError",)),)))


def is_transient(exc: BaseException) -> bool:
    """Whether retrying the same write later may succeed: lost connections, timeouts, an unavailable service.

    :class:`~pipeline.sinks.base.SinkError` is permanent by contract. Anything unknown is a bug and is not retried.
    """
    if isinstance(exc, (SinkError, *_configuration_errors())):
        return False
    if isinstance(exc, _transient_types()):
        return True
    status = getattr(getattr(exc, "meta", None), "status", None)  # elasticsearch.ApiError
    return status in (502, 503, 504)


def deliver(
    sink: Sink,
    write: Callable[[Sequence[_Event]], None],
    batch: Sequence[_Event],
    *,
    backoff: Backoff,
    max_transient_attempts: int | None,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Write ``batch`` with ``write`` (a method of ``sink``) until it succeeds; return the number of retries.

    Back-pressure is waited out for as long as it lasts; a transient error is retried until ``max_transient_attempts``
    attempts failed (``None``: for ever), then raised; a permanent error is raised at once. The batch is never split
    or dropped. ``sleep`` may raise to abandon the batch.
    """
    retries = 0
    transient = 0
    while True:
        try:
            write(batch)
            return retries
        except Backpressure as exc:
            delay = backoff.delay(retries, exc.retry_after)
            log.info("%s asks to slow down, retrying %d events in %.2fs", sink.name, len(batch), delay)
        except Exception as exc:
            if not is_transient(exc) or (
                max_transient_attempts is not None and transient + 1 >= max_transient_attempts
            ):
                raise
            transient += 1
            delay = backoff.delay(retries)
            log.warning("%s failed (%s), retrying %d events in %.2fs", sink.name, exc, len(batch), delay)
        retries += 1
        sleep(delay)


class LocalBus:
    """Writes to the sinks in the publishing process, in batches of ``batch_size`` or after ``max_delay_s``.

    The bus owns its sinks: :meth:`close` flushes and closes them. A batch that fails stays buffered; the error is
    raised by the call that wrote it, or by the next call when a background flush hit it.
    """

    def __init__(
        self,
        sinks: Sequence[Sink],
        batch_size: int = 500,
        max_delay_s: float = 1.0,
        *,
        backoff: Backoff | None = None,
        max_transient_attempts: int = 5,
    ) -> None:
        self.sinks = tuple(sinks)
        self.batch_size = batch_size
        self.max_delay_s = max_delay_s
        self._backoff = backoff or Backoff()
        self._max_transient = max_transient_attempts
        self._lock = threading.RLock()
        self._results: list[ResultEvent] = []
        self._runs: list[RunEvent] = []
        self._oldest: float | None = None
        self._error: BaseException | None = None
        self._stop = threading.Event()
        self._timer: threading.Thread | None = None
        self._closed = False
        self.batches_written = 0

    def publish(self, event: ResultEvent) -> None:
        with self._lock:
            self._check_open()
            self._results.append(event)
            if self._oldest is None:
                self._oldest = time.monotonic()
            # Buffered first: an earlier background failure is reported, this event is not lost with it.
            self._raise_background_error()
            if len(self._results) >= self.batch_size:
                self._write()
        self._start_timer()

    def publish_run(self, event: RunEvent) -> None:
        # Lifecycle facts are rare and readers want them promptly; results go first so a "finished" fact is never
        # visible before the results it summarises.
        with self._lock:
            self._check_open()
            self._runs.append(event)
            self._raise_background_error()
            self._write()

    def flush(self, timeout: float | None = None) -> None:
        with self._lock:
            self._raise_background_error()
            self._write()

    def close(self) -> None:
        self._stop.set()
        if self._timer is not None:
            self._timer.join()
        with self._lock:
            if self._closed:
                return
            try:
                self._raise_background_error()
                self._write()
            finally:
                self._closed = True
                for sink in self.sinks:
                    sink.close()

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._results) + len(self._runs)

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("LocalBus is closed")

    def _raise_background_error(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def _write(self) -> None:
        """Write the buffers to every sink, results first; on failure everything stays buffered (lock held)."""
        if self._results:
            for sink in self.sinks:
                deliver(
                    sink,
                    sink.write_results,
                    self._results,
                    backoff=self._backoff,
                    max_transient_attempts=self._max_transient,
                )
            self._results = []
            self._oldest = None
            self.batches_written += 1
        if self._runs:
            for sink in self.sinks:
                deliver(
                    sink, sink.write_runs, self._runs, backoff=self._backoff, max_transient_attempts=self._max_transient
                )
            self._runs = []

    def _start_timer(self) -> None:
        if self._timer is None and self.max_delay_s > 0:
            with self._lock:
                if self._timer is None:
                    self._timer = threading.Thread(target=self._tick, name="sentinel-localbus", daemon=True)
                    self._timer.start()

    def _tick(self) -> None:
        while not self._stop.wait(self.max_delay_s / 4):
            with self._lock:
                due = self._oldest is not None and time.monotonic() - self._oldest >= self.max_delay_s
                if not due or self._error is not None:
                    continue
                try:
                    self._write()
                except Exception as exc:  # handed to the publishing thread
                    log.warning("background flush failed: %s", exc)
                    self._error = exc


class KafkaBus:
    """Publishes to Kafka, keyed by ``job_id`` so each job's results stay in order on one partition."""

    def __init__(
        self,
        settings: KafkaSettings,
        *,
        results_topic: str = RESULTS_TOPIC,
        runs_topic: str = RUNS_TOPIC,
        options: ProducerOptions | None = None,
        producer: ProducerClient | None = None,
        create_topics: bool = True,
    ) -> None:
        self.results_topic = results_topic
        self.runs_topic = runs_topic
        if create_topics:
            ensure_topics(settings, (results_topic, runs_topic))
        self.producer = producer or KafkaProducerClient(settings, options, client_suffix="bus")
        self.published = 0

    def publish(self, event: ResultEvent) -> None:
        self.producer.send(self.results_topic, event.job_id.encode(), encode_result(event), ref=event.event_id)
        self.published += 1

    def publish_run(self, event: RunEvent) -> None:
        self.producer.send(self.runs_topic, event.job_id.encode(), encode_run(event), ref=event.event_id)

    def flush(self, timeout: float | None = None) -> None:
        self.producer.flush(timeout)

    def close(self) -> None:
        self.producer.close()
