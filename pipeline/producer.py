"""The Kafka producer behind a small typed seam.

kafka-python has no type information, so it is used here and in ``consumer.py`` only. Everything else talks to
:class:`ProducerClient`, which tests replace with an in-memory fake.

Settings (see :func:`producer_config`): ``acks="all"`` and the idempotent producer, so a retried produce request
never writes a record twice and per-partition order holds with up to five requests in flight (the broker tracks
sequence numbers per producer id); unlimited retries bounded by ``delivery_timeout_ms``; ``linger_ms`` and a 256 KiB
``batch_size`` so a burst of results leaves in few requests; the best compression codec whose library is installed
(zstd, lz4, snappy, else gzip, which needs nothing).

kafka-python reports delivery failures on each record's future and ``flush()`` does not raise them, so the errbacks
collect failures and :meth:`KafkaProducerClient.flush` raises :class:`DeliveryError`: nothing is dropped silently.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any, Protocol

from kafka import KafkaProducer
from kafka.codec import has_lz4, has_snappy, has_zstd
from kafka.errors import KafkaError, KafkaTimeoutError

from agent_core.errors import SentinelError
from agent_core.settings import KafkaSettings

__all__ = ["DeliveryError", "KafkaProducerClient", "ProducerClient", "ProducerOptions", "compression_codec"]

log = logging.getLogger(__name__)

# Failed record keys kept for the error message; the count is always exact.
_MAX_REPORTED = 20
_MAX_REFLUSHES = 10


class DeliveryError(SentinelError):
    """Records were not acknowledged by Kafka. Re-publishing them is safe: sinks keep one copy per event_id."""

    code = "KAFKA_DELIVERY"

    def __init__(self, message: str, code: str | None = None, failed: tuple[str, ...] = ()) -> None:
        super().__init__(message, code)
        self.failed = failed

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.message, self.code, self.failed))


class ProducerClient(Protocol):
    def send(self, topic: str, key: bytes | None, value: bytes, ref: str = "") -> None:
        """Queue one record; ``ref`` names it in error messages (an event id)."""

    def flush(self, timeout: float | None = None) -> None:
        """Block until every queued record is acknowledged; raise :class:`DeliveryError` for any that failed."""

    def close(self, timeout: float | None = None) -> None: ...


@dataclass(frozen=True, slots=True)
class ProducerOptions:
    linger_ms: int = 20
    batch_size: int = 256 * 1024
    delivery_timeout_ms: int = 120_000
    request_timeout_ms: int = 30_000
    # kafka-python 2.x keeps the idempotent producer's order only with one request in flight per connection.
    max_in_flight: int = 1
    compression: str | None = None  # None: the best codec installed


def compression_codec() -> str:
    """The best codec whose library is importable; gzip is in the standard library."""
    for name, available in (("zstd", has_zstd), ("lz4", has_lz4), ("snappy", has_snappy)):
        if available():
            return name
    return "gzip"


def producer_config(settings: KafkaSettings, options: ProducerOptions, client_suffix: str) -> dict[str, Any]:
    return {
        "bootstrap_servers": settings.bootstrap_servers.split(","),
        "client_id": f"{settings.client_id}-{client_suffix}",
        "acks": "all",
        "enable_idempotence": True,
        "retries": 2**31 - 1,
        "max_in_flight_requests_per_connection": options.max_in_flight,
        "linger_ms": options.linger_ms,
        "batch_size": options.batch_size,
        "compression_type": options.compression or compression_codec(),
        "delivery_timeout_ms": options.delivery_timeout_ms,
        "request_timeout_ms": options.request_timeout_ms,
    }


class KafkaProducerClient:
    """:class:`ProducerClient` over ``kafka.KafkaProducer``; thread-safe like the producer it wraps."""

    def __init__(
        self, settings: KafkaSettings, options: ProducerOptions | None = None, client_suffix: str = "producer"
    ) -> None:
        self.config = producer_config(settings, options or ProducerOptions(), client_suffix)
        try:
            self._producer = KafkaProducer(**self.config)
        except KafkaError as exc:
            raise DeliveryError(f"cannot reach Kafka at {settings.bootstrap_servers}: {exc}") from exc
        self._lock = threading.Lock()
        self._failed: list[str] = []
        self._failed_count = 0
        self._first_error: BaseException | None = None

    @property
    def idempotent(self) -> bool:
        """Whether the client kept idempotence on after negotiating with the broker (it downgrades silently)."""
        return bool(self._producer.config["enable_idempotence"])

    def send(self, topic: str, key: bytes | None, value: bytes, ref: str = "") -> None:
        try:
            future = self._producer.send(topic, key=key, value=value)
        except KafkaError as exc:  # metadata timeout, full buffer, record too large
            raise DeliveryError(f"{topic}: {ref or 'record'} not queued: {exc}", failed=(ref,)) from exc
        future.add_errback(self._on_error, ref or topic)

    def _on_error(self, ref: str, exc: BaseException) -> None:
        # Runs on the producer's I/O thread.
        with self._lock:
            self._failed_count += 1
            if len(self._failed) < _MAX_REPORTED:
                self._failed.append(ref)
            if self._first_error is None:
                self._first_error = exc

    def flush(self, timeout: float | None = None) -> None:
        deadline = None if timeout is None else time.monotonic() + timeout
        for attempt in range(_MAX_REFLUSHES + 1):
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                self._producer.flush(timeout=remaining)
                break
            except KafkaTimeoutError as exc:
                raise DeliveryError(f"records not acknowledged within {timeout}s: {exc}") from exc
            except KafkaError as exc:
                # kafka-python reports a batch it split and re-enqueued (MESSAGE_TOO_LARGE) as "Future not done"
                # while its halves are still in flight: wait for them, then report each record's own outcome.
                if attempt == _MAX_REFLUSHES:
                    raise DeliveryError(f"flush failed: {exc!r}") from exc
                log.debug("flush interrupted (%r), waiting again", exc)
        with self._lock:
            count, failed, first = self._failed_count, tuple(self._failed), self._first_error
            self._failed_count, self._failed, self._first_error = 0, [], None
        if count:
            raise DeliveryError(f"{count} record(s) not delivered, first error: {first!r}", failed=failed)

    def close(self, timeout: float | None = None) -> None:
        try:
            self.flush(timeout)
        finally:
            self._producer.close(timeout=timeout)
