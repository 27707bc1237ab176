"""The pipeline's promise, end to end: every published result lands exactly once in Postgres and Elasticsearch,
whatever fails in the middle of the stream.

One stream of ``SENTINEL_EXACTLY_ONCE_EVENTS`` results (default 20,000; the README gives the 100,000 command) flows
from a KafkaBus through two consumer PROCESSES (Postgres, and Elasticsearch behind a throttling proxy) while, one
after the other: the broker is SIGKILLed and restarted, the Postgres consumer is SIGKILLed mid-batch and restarted,
Postgres is restarted (durability settings on), and Elasticsearch answers 429 for a while. The test then proves it
hit each fault and that both stores hold each event exactly once. Two more tests run the same harness with a
deliberately wrong consumer (commit before write) and a wrong sink (no conflict handling) and show the harness
reports the loss and the duplicates.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from elasticsearch import Elasticsearch

import deploy.local as local
from agent_core.events import ResultEvent
from agent_core.settings import KafkaSettings
from pipeline.bus import KafkaBus
from pipeline.store import migrate
from pipeline.topics import ensure_topics
from tests.fixtures.corpus import REPO
from tests.fixtures.elasticsearch import ThrottlingProxy, stored_ids
from tests.fixtures.kafka import JOB_STARTED, KafkaNames, result_event
from tests.integration.pipeline.consumer_process import UNPROTECTED_TABLE
from tests.integration.pipeline.support import Delivery, judge

pytestmark = [
    pytest.mark.timeout(3600),
    pytest.mark.integration,
    pytest.mark.kafka,
    pytest.mark.postgres,
    pytest.mark.elasticsearch,
    pytest.mark.slow,
]

EVENTS = int(os.environ.get("SENTINEL_EXACTLY_ONCE_EVENTS", "20000"))


def _conninfo(dsn: str) -> str:
    return dsn.replace("postgresql+psycopg://", "postgresql://", 1)


def make_stream(n: int, run: str) -> list[ResultEvent]:
    """``n`` results of 40 jobs that started on two different days (two daily partitions, one or two months)."""
    days = (JOB_STARTED, JOB_STARTED - timedelta(days=1))
    return [
        result_event(i, job_id=f"{run}-job-{i % 40}", job_started_at=days[i % 40 % 2], findings=i % 3) for i in range(n)
    ]


@dataclass
class ConsumerProcess:
    """A consumer in its own process, restartable; its counters survive a SIGKILL in a stats file."""

    args: list[str]
    stats_dir: Path
    name: str
    generations: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self) -> None:
        stats = self.stats_dir / f"{self.name}-{len(self.generations)}.json"
        log = (self.stats_dir / f"{self.name}-{len(self.generations)}.log").open("wb")
        command = [
            sys.executable,
            "-m",
            "tests.integration.pipeline.consumer_process",
            *self.args,
            "--stats",
            str(stats),
        ]
        self.generations.append(subprocess.Popen(command, cwd=REPO, stdout=log, stderr=subprocess.STDOUT))

    def stats(self, generation: int = -1) -> dict[str, Any]:
        index = generation if generation >= 0 else len(self.generations) - 1
        path = self.stats_dir / f"{self.name}-{index}.json"
        with contextlib.suppress(FileNotFoundError, json.JSONDecodeError):
            return dict(json.loads(path.read_text()))
        return {}

    def all_stats(self) -> list[dict[str, Any]]:
        return [self.stats(i) for i in range(len(self.generations))]

    def kill_mid_batch(self, phase: str = "polled", timeout_s: float = 120.0) -> None:
        """SIGKILL the running process while it holds a consumed, uncommitted batch: just polled, or already
        written to the store (``phase="written"``)."""
        deadline = time.monotonic() + timeout_s
        while not (self.stats().get("in_batch") and self.stats().get("phase") == phase):
            assert time.monotonic() < deadline, f"{self.name} never started a batch"
            assert self.generations[-1].poll() is None, f"{self.name} died on its own"
            time.sleep(0.02)
        self.generations[-1].send_signal(signal.SIGKILL)
        self.generations[-1].wait()

    def stop(self) -> None:
        for process in self.generations:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


class Publisher(threading.Thread):
    """Publishes the stream at a steady pace through one KafkaBus, across broker crashes, then flushes.

    It holds back the last ``1 - hold_at`` of the stream until :meth:`release`: however long the faults take to
    inject on a slow machine, events still flow after the last one."""

    def __init__(
        self,
        settings: KafkaSettings,
        names: KafkaNames,
        events: Sequence[ResultEvent],
        seconds: float,
        hold_at: float = 0.9,
    ):
        super().__init__(daemon=True)
        self._bus = KafkaBus(settings, results_topic=names.results, runs_topic=names.runs, create_topics=False)
        self._events = events
        self._pace = len(events) / seconds
        self._hold_at = int(hold_at * len(events))
        self._gate = threading.Event()
        self.published = 0
        self.error: BaseException | None = None

    def release(self) -> None:
        self._gate.set()

    def run(self) -> None:
        try:
            started = time.monotonic()
            for event in self._events:
                if self.published == self._hold_at and not self._gate.is_set():
                    held = time.monotonic()
                    self._gate.wait(900)
                    started += time.monotonic() - held
                self._bus.publish(event)
                self.published += 1
                ahead = self.published / self._pace - (time.monotonic() - started)
                if ahead > 0.01:
                    time.sleep(ahead)
            self._bus.flush(300)
            self._bus.close()
        except BaseException as exc:
            self.error = exc

    def wait_for(self, fraction: float, timeout_s: float = 300.0) -> None:
        deadline = time.monotonic() + timeout_s
        while self.published < fraction * len(self._events):
            assert time.monotonic() < deadline, "the publisher stalled"
            assert self.error is None, f"the publisher failed: {self.error!r}"
            time.sleep(0.05)


def postgres_ids(dsn: str, table: str = "results") -> list[str]:
    with psycopg.connect(_conninfo(dsn)) as conn:
        return [str(row[0]) for row in conn.execute(f"SELECT event_id FROM {table}")]


def wait_until(done: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not done():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.5)


def es_count(client: Elasticsearch, prefix: str) -> int:
    with contextlib.suppress(Exception):
        client.indices.refresh(index=f"{prefix}-*")
        return int(client.count(index=f"{prefix}-*")["count"])
    return 0


@pytest.fixture
def durable_postgres() -> Iterator[None]:
    """Postgres with fsync, synchronous_commit and full_page_writes on for this test, fast mode again after."""
    local.restart("postgres", durable=True)
    try:
        yield
    finally:
        local.restart("postgres", durable=False)


@pytest.fixture
def store_dsn(fresh_database: Callable[[], str]) -> str:
    """A migrated database of this test's own (``sentinel db upgrade``'s code path)."""
    dsn = fresh_database()
    migrate.upgrade(dsn)
    return dsn


@pytest.fixture
def stream_topics(kafka_settings: KafkaSettings, kafka_names: KafkaNames) -> KafkaNames:
    ensure_topics(kafka_settings, (kafka_names.results, kafka_names.runs, kafka_names.dlq))
    return kafka_names


def consumer_args(sink: str, names: KafkaNames, settings: KafkaSettings, *extra: str) -> list[str]:
    return [
        "--sink", sink, "--topic", names.results, "--dlq", names.dlq, "--group", names.group_for(sink),
        "--bootstrap", settings.bootstrap_servers, *extra,
    ]  # fmt: skip


def test_every_result_lands_exactly_once_through_broker_consumer_postgres_and_elasticsearch_faults(
    durable_postgres: None,
    store_dsn: str,
    kafka_settings: KafkaSettings,
    stream_topics: KafkaNames,
    elasticsearch_service: str,
    es_client: Elasticsearch,
    es_prefix: str,
    tmp_path: Path,
) -> None:
    dsn = store_dsn
    events = make_stream(EVENTS, uuid.uuid4().hex[:8])
    expected = [e.event_id for e in events]
    with ThrottlingProxy(elasticsearch_service) as proxy:
        pg = ConsumerProcess(
            consumer_args("postgres", stream_topics, kafka_settings, "--dsn", dsn, "--pause-before-write", "0.05"),
            tmp_path,
            "postgres",
        )
        es = ConsumerProcess(
            consumer_args(
                "elasticsearch", stream_topics, kafka_settings, "--es-url", proxy.url, "--es-prefix", es_prefix
            ),
            tmp_path,
            "elasticsearch",
        )
        publisher = Publisher(kafka_settings, stream_topics, events, seconds=max(40.0, EVENTS / 2500))
        try:
            pg.start()
            es.start()
            publisher.start()

            # 1. The broker dies (SIGKILL) and comes back while results are being published and consumed.
            publisher.wait_for(0.15)
            broker_before = local.pid("kafka")
            local.kill("kafka")
            time.sleep(1.0)
            local.start("kafka")
            assert local.pid("kafka") not in (None, broker_before), "the broker was not restarted"

            # 2. The Postgres consumer dies (SIGKILL) holding a consumed, uncommitted batch, and is started again.
            publisher.wait_for(0.35)
            pg.kill_mid_batch()
            killed = pg.stats()
            pg.start()

            # 3. Postgres restarts (durability on) under the consumer's feet, while it holds a batch.
            publisher.wait_for(0.55)
            wait_until(lambda: bool(pg.stats().get("in_batch")), 120, "the Postgres consumer to hold a batch")
            written_before_restart = pg.stats().get("written", 0)
            with psycopg.connect(_conninfo(dsn)) as conn:
                started_before = conn.execute("SELECT pg_postmaster_start_time()").fetchone()
            local.restart("postgres", durable=True)
            with psycopg.connect(_conninfo(dsn)) as conn:
                started_after = conn.execute("SELECT pg_postmaster_start_time()").fetchone()
                fsync = conn.execute("SHOW fsync").fetchone()
            assert started_after != started_before, "Postgres was not restarted"
            assert fsync == ("on",), "the restart must keep durability on"

            # 4. Elasticsearch answers 429 for a while: whole requests, then single documents. The rest of the stream
            # is released only now, so bulk requests certainly meet the rejections.
            publisher.wait_for(0.75)
            proxy.reject_requests(5)
            proxy.reject_items(5)
            publisher.release()

            publisher.join(600)
            assert publisher.error is None, f"the publisher failed: {publisher.error!r}"
            wait_until(lambda: len(postgres_ids(dsn)) >= EVENTS, 900, "Postgres to hold every event")
            wait_until(lambda: es_count(es_client, es_prefix) >= EVENTS, 900, "Elasticsearch to hold every event")
            time.sleep(3)  # anything still arriving would be a duplicate or an extra: let it show
        finally:
            publisher.release()
            pg.stop()
            es.stop()

        # The faults really happened.
        pg_consumed = sum(s.get("consumed", 0) for s in pg.all_stats())
        assert killed.get("in_batch") is True, "the consumer was not killed mid-batch"
        assert pg_consumed > EVENTS, "no redelivery was observed after the consumer was killed"
        assert pg.stats().get("written", 0) > written_before_restart, "nothing was written after Postgres restarted"
        assert proxy.rejected_requests > 0, "Elasticsearch never answered 429 to a request"
        assert proxy.rejected_items > 0, "Elasticsearch never answered 429 to a document"

    pg_delivery = judge(expected, postgres_ids(dsn))
    es_delivery = judge(expected, stored_ids(es_client, es_prefix))
    assert pg_delivery.exactly_once, _describe("Postgres", pg_delivery)
    assert es_delivery.exactly_once, _describe("Elasticsearch", es_delivery)


def _describe(store: str, delivery: Delivery) -> str:
    return (
        f"{store}: {len(delivery.missing)} missing, {len(delivery.duplicated)} duplicated, "
        f"{len(delivery.unexpected)} unexpected"
    )


def _run_with_one_kill(
    mode: str, dsn: str, settings: KafkaSettings, names: KafkaNames, tmp_path: Path, pause: tuple[str, str], phase: str
) -> list[str]:
    """Publish a small stream, SIGKILL the (wrong) Postgres consumer mid-batch once, restart it, let it finish."""
    events = make_stream(3000, uuid.uuid4().hex[:8])
    bus = KafkaBus(settings, results_topic=names.results, runs_topic=names.runs, create_topics=False)
    for event in events:
        bus.publish(event)
    bus.close()
    consumer = ConsumerProcess(
        consumer_args("postgres", names, settings, "--dsn", dsn, "--mode", mode, "--max-batch", "300", *pause),
        tmp_path,
        mode,
    )
    try:
        consumer.start()
        consumer.kill_mid_batch(phase)
        consumer.start()
        # Every record was polled by one of the two generations, and the last batch is finished.
        wait_until(
            lambda: (
                sum(s.get("consumed", 0) for s in consumer.all_stats()) >= len(events)
                and consumer.stats().get("in_batch") is False
            ),
            300,
            "the restarted consumer to finish the stream",
        )
    finally:
        consumer.stop()
    return [e.event_id for e in events]


def test_the_harness_catches_a_consumer_that_commits_before_writing(
    store_dsn: str, kafka_settings: KafkaSettings, stream_topics: KafkaNames, tmp_path: Path
) -> None:
    dsn = store_dsn
    expected = _run_with_one_kill(
        "commit-first", dsn, kafka_settings, stream_topics, tmp_path, ("--pause-before-write", "1.0"), "polled"
    )
    delivery = judge(expected, postgres_ids(dsn))
    assert delivery.missing, "the killed batch was committed but never written: the harness must report loss"
    assert not delivery.duplicated


def test_the_harness_catches_a_sink_without_conflict_handling(
    store_dsn: str, kafka_settings: KafkaSettings, stream_topics: KafkaNames, tmp_path: Path
) -> None:
    dsn = store_dsn
    expected = _run_with_one_kill(
        "no-conflict", dsn, kafka_settings, stream_topics, tmp_path, ("--pause-after-write", "1.0"), "written"
    )
    delivery = judge(expected, postgres_ids(dsn, UNPROTECTED_TABLE))
    assert delivery.duplicated, "the killed batch was written, then delivered again: the harness must see duplicates"
    assert not delivery.missing
