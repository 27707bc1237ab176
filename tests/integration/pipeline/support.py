"""Helpers for the pipeline's integration tests: run a consumer in a thread, read a topic, judge exactly-once."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from elasticsearch import Elasticsearch

from agent_core.events import ResultEvent, RunEvent
from agent_core.settings import KafkaSettings
from pipeline.consumer import KafkaConsumerClient, Record, SinkConsumer
from pipeline.sinks.base import Sink


@dataclass(frozen=True)
class Delivery:
    """How a store's contents compare with what was published."""

    missing: frozenset[str]
    duplicated: frozenset[str]
    unexpected: frozenset[str]

    @property
    def exactly_once(self) -> bool:
        return not (self.missing or self.duplicated or self.unexpected)


def judge(expected: Iterable[str], stored: Sequence[str]) -> Delivery:
    wanted = set(expected)
    counts = Counter(stored)
    return Delivery(
        missing=frozenset(wanted - counts.keys()),
        duplicated=frozenset(i for i, n in counts.items() if n > 1),
        unexpected=frozenset(counts.keys() - wanted),
    )


def run_until(
    consumer: SinkConsumer, done: Callable[[SinkConsumer], bool], timeout_s: float = 60.0
) -> BaseException | None:
    """Run ``consumer`` in a thread until ``done`` holds or it dies; stop it; return what it raised, if anything."""
    failure: list[BaseException] = []

    def target() -> None:
        try:
            consumer.run()
        except BaseException as exc:  # a simulated crash is the point of some tests
            failure.append(exc)

    thread = threading.Thread(target=target, name=f"test-{consumer.group_id}", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout_s
    while thread.is_alive() and not done(consumer):
        if time.monotonic() > deadline:
            consumer.stop()
            thread.join(30)
            raise AssertionError(f"{consumer.group_id} not done after {timeout_s}s: {consumer.stats}")
        time.sleep(0.05)
    consumer.stop()
    thread.join(30)
    assert not thread.is_alive(), "the consumer did not stop"
    return failure[0] if failure else None


def read_topic(settings: KafkaSettings, topic: str, group: str, count: int, timeout_s: float = 30.0) -> list[Record]:
    """The first ``count`` records of ``topic``, read in a fresh consumer group."""
    client = KafkaConsumerClient(settings, topic, group, max_batch=500)
    records: list[Record] = []
    deadline = time.monotonic() + timeout_s
    try:
        while len(records) < count and time.monotonic() < deadline:
            records.extend(client.poll(500, 500))
    finally:
        client.close()
    return records


class CrashingSink:
    """Delegates to ``inner`` but dies (a BaseException, like the process going away) on write number ``on_call``."""

    def __init__(self, inner: Sink, crash: Callable[[], BaseException], on_call: int = 1) -> None:
        self.inner = inner
        self.name = inner.name
        self._crash = crash
        self._on_call = on_call
        self.calls = 0

    def write_results(self, batch: Sequence[ResultEvent]) -> None:
        self.calls += 1
        if self.calls == self._on_call:
            raise self._crash()
        self.inner.write_results(batch)

    def write_runs(self, batch: Sequence[RunEvent]) -> None:
        self.inner.write_runs(batch)

    def close(self) -> None:
        self.inner.close()


def new_client(url: str) -> Elasticsearch:
    return Elasticsearch(url, request_timeout=30)
