"""From Kafka into one sink, at least once, with offsets committed only after a durable write.

One :class:`SinkConsumer` reads one topic for one sink in its own consumer group. For every polled batch:

1. decode each record; poison goes to the dead-letter topic, which must acknowledge it before anything else;
2. ``sink.write_results`` (or ``write_runs``) the valid events, waiting out back-pressure and transient failures
   with the assigned partitions paused, always retrying the same batch;
3. commit the batch's offsets synchronously.

A crash anywhere before step 3 re-delivers the batch; the sinks are idempotent by ``event_id``, so nothing is lost and
nothing is stored twice. Dead letters are at least once: a batch re-delivered after step 1 dead-letters its poison
again (each dead letter names its source offset).

Failures: back-pressure and transient errors (lost connections, a restarting database) are retried for ever with
backoff, and Kafka being unreachable is waited out; a permanent :class:`~pipeline.sinks.base.SinkError` or a bug
propagates, uncommitted. :meth:`SinkConsumer.stop` finishes the batch in hand or abandons it while it waits,
never committing what was not written.

kafka-python is untyped; :class:`KafkaConsumerClient` is the only code here that touches it, behind
:class:`ConsumerClient`, which unit tests replace with an in-memory broker.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, NamedTuple, Protocol, TypedDict

from kafka import KafkaConsumer, TopicPartition
from kafka.errors import (
    CommitFailedError,
    FencedInstanceIdError,
    IllegalGenerationError,
    KafkaError,
    RebalanceInProgressError,
    UnknownMemberIdError,
)
from kafka.structs import OffsetAndMetadata

from agent_core.errors import SentinelError
from agent_core.events import ResultEvent, RunEvent
from agent_core.settings import KafkaSettings
from pipeline.bus import Backoff, deliver
from pipeline.dlq import DeadLetter, DeadLetterWriter
from pipeline.producer import DeliveryError, KafkaProducerClient
from pipeline.serde import PoisonMessage, decode_result, decode_run
from pipeline.sinks.base import Sink
from pipeline.topics import DLQ_TOPIC, RESULTS_TOPIC, RUNS_TOPIC, KafkaUnavailable, ensure_topics

__all__ = [
    "CommitRejected",
    "ConsumerClient",
    "ConsumerStats",
    "KafkaConsumerClient",
    "KafkaUnavailable",
    "Partition",
    "Record",
    "SinkConsumer",
]

log = logging.getLogger(__name__)


class Partition(NamedTuple):
    topic: str
    partition: int


@dataclass(frozen=True, slots=True)
class Record:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    timestamp_ms: int | None = None


class CommitRejected(SentinelError):
    """The group rebalanced before the commit; the batch will be re-delivered (and stored once)."""

    code = "KAFKA_COMMIT_REJECTED"


class ConsumerClient(Protocol):
    def poll(self, timeout_ms: int, max_records: int) -> list[Record]: ...

    def commit(self, offsets: Mapping[Partition, int]) -> None:
        """Store the next offset to read per partition; :class:`CommitRejected` after a rebalance."""

    def assignment(self) -> set[Partition]: ...

    def pause(self, partitions: Iterable[Partition]) -> None: ...

    def resume(self, partitions: Iterable[Partition]) -> None: ...

    def seek(self, partition: Partition, offset: int) -> None: ...

    def close(self) -> None: ...


_REBALANCED = (
    CommitFailedError,
    RebalanceInProgressError,
    IllegalGenerationError,
    UnknownMemberIdError,
    FencedInstanceIdError,
)


class KafkaConsumerClient:
    """:class:`ConsumerClient` over ``kafka.KafkaConsumer``: manual commits, a new group starts at the beginning."""

    def __init__(self, settings: KafkaSettings, topic: str, group_id: str, max_batch: int) -> None:
        try:
            self._consumer = KafkaConsumer(
                bootstrap_servers=settings.bootstrap_servers.split(","),
                client_id=f"{settings.client_id}-{group_id}",
                group_id=group_id,
                enable_auto_commit=False,
                # A group with no committed offset must read what was published before it started, or it loses it.
                auto_offset_reset="earliest",
                max_poll_records=max_batch,
            )
        except KafkaError as exc:
            raise KafkaUnavailable(f"cannot reach Kafka at {settings.bootstrap_servers}: {exc!r}") from exc
        self._consumer.subscribe([topic])

    def poll(self, timeout_ms: int, max_records: int) -> list[Record]:
        try:
            polled = self._consumer.poll(timeout_ms=timeout_ms, max_records=max_records)
        except KafkaError as exc:
            raise KafkaUnavailable(f"poll failed: {exc!r}") from exc
        return [
            Record(r.topic, r.partition, r.offset, r.key, r.value, r.timestamp)
            for records in polled.values()
            for r in records
        ]

    def commit(self, offsets: Mapping[Partition, int]) -> None:
        kafka_offsets = {TopicPartition(*p): OffsetAndMetadata(o, "", -1) for p, o in offsets.items()}
        try:
            self._consumer.commit(offsets=kafka_offsets)
        except _REBALANCED as exc:
            raise CommitRejected(f"commit rejected after a rebalance: {exc!r}") from exc
        except KafkaError as exc:
            raise KafkaUnavailable(f"commit failed: {exc!r}") from exc

    def assignment(self) -> set[Partition]:
        return {Partition(tp.topic, tp.partition) for tp in self._consumer.assignment()}

    def pause(self, partitions: Iterable[Partition]) -> None:
        self._consumer.pause(*(TopicPartition(*p) for p in partitions))

    def resume(self, partitions: Iterable[Partition]) -> None:
        self._consumer.resume(*(TopicPartition(*p) for p in partitions))

    def seek(self, partition: Partition, offset: int) -> None:
        self._consumer.seek(TopicPartition(*partition), offset)

    def close(self) -> None:
        self._consumer.close(autocommit=False)


@dataclass(slots=True)
class ConsumerStats:
    consumed: int = 0
    written: int = 0
    dlq: int = 0
    batches: int = 0
    commits: int = 0
    retries: int = 0
    paused: int = 0
    redeliveries: int = 0
    commit_rejections: int = 0
    abandoned: int = 0


class _RetryPolicy(TypedDict):
    backoff: Backoff
    max_transient_attempts: int | None
    sleep: Callable[[float], None]


class _Abandoned(Exception):
    """Stop was requested while a batch waited; it is left uncommitted and will be re-delivered."""


class SinkConsumer:
    """Consumes ``topic`` into ``sink`` in consumer group ``group_id`` until :meth:`stop`.

    ``events`` says what the topic carries; by default ``"runs"`` for :data:`~pipeline.topics.RUNS_TOPIC`, else
    ``"results"``. ``client`` and ``dlq`` replace the Kafka connections (tests).
    """

    def __init__(
        self,
        settings: KafkaSettings,
        sink: Sink,
        group_id: str,
        *,
        topic: str = RESULTS_TOPIC,
        max_batch: int = 1000,
        poll_timeout_ms: int = 500,
        events: Literal["results", "runs"] | None = None,
        dlq_topic: str = DLQ_TOPIC,
        backoff: Backoff | None = None,
        create_topics: bool = True,
        client: ConsumerClient | None = None,
        dlq: DeadLetterWriter | None = None,
        track_ids: int = 1_000_000,
    ) -> None:
        self.settings = settings
        self.sink = sink
        self.group_id = group_id
        self.topic = topic
        self.max_batch = max_batch
        self.poll_timeout_ms = poll_timeout_ms
        self.events = events or ("runs" if topic == RUNS_TOPIC else "results")
        self.dlq_topic = dlq_topic
        self.backoff = backoff or Backoff()
        self.stats = ConsumerStats()
        self._create_topics = create_topics
        self._client = client
        self._dlq = dlq
        self._stop = threading.Event()
        self._paused = False
        # Ids seen by this process, to count re-deliveries; bounded so a long-running consumer does not grow.
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._track_ids = track_ids

    # -- lifecycle -------------------------------------------------------------------------------------------------

    @property
    def client(self) -> ConsumerClient:
        if self._client is None:
            if self._create_topics:
                ensure_topics(self.settings, (self.topic, self.dlq_topic))
            self._client = KafkaConsumerClient(self.settings, self.topic, self.group_id, self.max_batch)
        return self._client

    def run(self, max_batches: int | None = None) -> None:
        """Consume until :meth:`stop` (or ``max_batches`` non-empty batches); close the connections on the way out."""
        done = 0
        try:
            while not self._stop.is_set() and (max_batches is None or done < max_batches):
                if self.step():
                    done += 1
        finally:
            self.close()

    def stop(self) -> None:
        """Ask :meth:`run` to return; a batch still waiting on its sink is abandoned, never committed."""
        self._stop.set()

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._dlq is not None:
            self._dlq.producer.close()
            self._dlq = None

    # -- one batch -------------------------------------------------------------------------------------------------

    def step(self) -> int:
        """Poll and process one batch; return the number of records polled."""
        try:
            records = self.client.poll(self.poll_timeout_ms, self.max_batch)
        except KafkaUnavailable as exc:
            log.warning("%s: %s", self.group_id, exc)
            self._sleep(self.backoff.delay(0))
            return 0
        if not records:
            return 0
        started = time.perf_counter()
        dlq_before = self.stats.dlq
        self.stats.consumed += len(records)
        try:
            committed = self.process(records)
        except _Abandoned:
            self.stats.abandoned += 1
            log.info("%s: stopping, %d records left uncommitted for re-delivery", self.group_id, len(records))
            return len(records)
        finally:
            self._resume_all()
        self.stats.batches += 1
        log.info(
            "%s: %s %d records (%d dead-lettered), %s in %.0f ms",
            self.group_id,
            self.topic,
            len(records),
            self.stats.dlq - dlq_before,
            "committed" if committed else "not committed (rebalanced)",
            (time.perf_counter() - started) * 1000,
        )
        return len(records)

    def process(self, records: Sequence[Record]) -> bool:
        """Dead-letter, write, then commit; return whether the commit was accepted."""
        valid, letters = self.decode(records)
        self.dead_letter(letters)
        self.write(valid)
        return self.commit(records)

    def decode(self, records: Sequence[Record]) -> tuple[list[ResultEvent | RunEvent], list[tuple[Record, DeadLetter]]]:
        decode: Callable[[bytes | None], ResultEvent | RunEvent] = (
            decode_run if self.events == "runs" else decode_result
        )
        valid: list[ResultEvent | RunEvent] = []
        letters: list[tuple[Record, DeadLetter]] = []
        for record in records:
            try:
                event = decode(record.value)
            except PoisonMessage as error:
                letter = DeadLetter.of(
                    error,
                    topic=record.topic,
                    partition=record.partition,
                    offset=record.offset,
                    key=record.key,
                    value=record.value,
                    timestamp_ms=record.timestamp_ms,
                    consumer_group=self.group_id,
                )
                letters.append((record, letter))
                continue
            self._observe(event.event_id)
            valid.append(event)
        return valid, letters

    def dead_letter(self, letters: Sequence[tuple[Record, DeadLetter]]) -> None:
        if not letters:
            return
        attempt = 0
        while True:
            try:
                self.dlq.write([(record.key, letter) for record, letter in letters])
                break
            except DeliveryError as exc:
                delay = self.backoff.delay(attempt)
                log.warning("%s: dead letters not acknowledged (%s), retrying in %.2fs", self.group_id, exc, delay)
                attempt += 1
                self.stats.retries += 1
                self._wait(delay)
        self.stats.dlq += len(letters)
        for _, letter in letters:
            log.warning(
                "%s: dead-lettered %s@%d: %s", self.group_id, letter.source.topic, letter.source.offset, letter.reason
            )

    def write(self, events: Sequence[ResultEvent | RunEvent]) -> None:
        if not events:
            return
        if self.events == "runs":
            runs = [event for event in events if isinstance(event, RunEvent)]
            retries = deliver(self.sink, self.sink.write_runs, runs, **self._retry_policy())
        else:
            results = [event for event in events if isinstance(event, ResultEvent)]
            retries = deliver(self.sink, self.sink.write_results, results, **self._retry_policy())
        self._resume_all()
        self.stats.retries += retries
        self.stats.written += len(events)

    def commit(self, records: Sequence[Record]) -> bool:
        offsets: dict[Partition, int] = {}
        for record in records:
            key = Partition(record.topic, record.partition)
            offsets[key] = max(offsets.get(key, -1), record.offset + 1)
        # A partition revoked meanwhile belongs to another member now, which re-reads it from the last commit;
        # committing it here could move that member's position backwards. Skipping it only means re-delivery.
        assigned = self.client.assignment()
        revoked = offsets.keys() - assigned
        if revoked:
            log.info("%s: not committing revoked partitions %s", self.group_id, sorted(revoked))
            offsets = {p: o for p, o in offsets.items() if p in assigned}
            if not offsets:
                return False
        attempt = 0
        while True:
            try:
                self.client.commit(offsets)
                self.stats.commits += 1
                return True
            except CommitRejected as exc:
                self.stats.commit_rejections += 1
                log.warning("%s: %s", self.group_id, exc)
                return False
            except KafkaUnavailable as exc:
                delay = self.backoff.delay(attempt)
                log.warning("%s: %s, retrying in %.2fs", self.group_id, exc, delay)
                attempt += 1
                self.stats.retries += 1
                self._wait(delay)

    # -- helpers ---------------------------------------------------------------------------------------------------

    @property
    def dlq(self) -> DeadLetterWriter:
        if self._dlq is None:
            self._dlq = DeadLetterWriter(KafkaProducerClient(self.settings, client_suffix="dlq"), self.dlq_topic)
        return self._dlq

    def _retry_policy(self) -> _RetryPolicy:
        # Transient failures are retried for ever: a database down for an hour must not drop or skip a batch.
        return {"backoff": self.backoff, "max_transient_attempts": None, "sleep": self._wait}

    def _observe(self, event_id: str) -> None:
        if event_id in self._seen:
            self.stats.redeliveries += 1
            self._seen.move_to_end(event_id)
            return
        self._seen[event_id] = None
        if len(self._seen) > self._track_ids:
            self._seen.popitem(last=False)

    def _wait(self, delay: float) -> None:
        """Wait ``delay`` seconds with every assigned partition paused, polling so the group keeps this member.

        Raises :class:`_Abandoned` when stop is requested meanwhile.
        """
        self.stats.paused += 1
        deadline = time.monotonic() + delay
        while True:
            if self._stop.is_set():
                raise _Abandoned
            client = self.client
            client.pause(client.assignment())
            self._paused = True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            timeout_ms = max(1, min(self.poll_timeout_ms, int(remaining * 1000)))
            try:
                polled = client.poll(timeout_ms, self.max_batch)
            except KafkaUnavailable as exc:
                log.warning("%s: %s while waiting", self.group_id, exc)
                self._sleep(timeout_ms / 1000)
                continue
            # A rebalance inside poll can hand over fresh, unpaused partitions: put their records back.
            first: dict[Partition, int] = {}
            for record in polled:
                key = Partition(record.topic, record.partition)
                first[key] = min(first.get(key, record.offset), record.offset)
            for partition, offset in first.items():
                client.seek(partition, offset)

    def _resume_all(self) -> None:
        if self._paused and self._client is not None:
            self._client.resume(self._client.assignment())
            self._paused = False

    def _sleep(self, delay: float) -> None:
        self._stop.wait(delay)
