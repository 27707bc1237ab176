"""Pipeline throughput and latency: end to end through Kafka into Postgres and Elasticsearch, beside the raw bounds.

In the same run, on the local services (``make infra-up``):

* raw bounds: the Kafka producer alone (KafkaBus publish + flush), the Postgres write path alone (PostgresSink:
  COPY into staging + INSERT ... ON CONFLICT, in-process, no Kafka), the Elasticsearch write path alone
  (ElasticsearchSink: bulk, in-process, no Kafka);
* end to end: the producer publishing as fast as it can while two consumer processes (one per store) write; the
  rate is events stored in BOTH stores divided by the time from the first publish to the last event queryable;
  latency is measured on a sample of events: from publish to visible in a query (Postgres: committed; Elasticsearch:
  searchable, so its refresh interval is part of it), p50 and p99.

    python -m bench.pipeline [--events 60000] [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import psycopg
from elasticsearch import ApiError, Elasticsearch
from psycopg import sql

import deploy.local as local
from agent_core.events import ResultEvent
from agent_core.settings import KafkaSettings
from bench.common import machine, table
from bench.pipeline_events import make_events
from pipeline import es_index
from pipeline.bus import KafkaBus
from pipeline.sinks.elasticsearch import ElasticsearchSink
from pipeline.sinks.postgres import PostgresSink
from pipeline.store import migrate
from pipeline.store.engine import libpq_dsn
from pipeline.topics import ensure_topics

BATCH = 1000


@dataclass
class Scene:
    """Private topics, database and index prefix for one run."""

    settings: KafkaSettings
    results: str
    runs: str
    dlq: str
    dsn: str
    es_url: str
    prefix: str

    @classmethod
    def create(cls) -> Scene:
        local.up("postgres", "kafka", "elasticsearch")
        run = uuid.uuid4().hex[:8]
        settings = KafkaSettings(bootstrap_servers=str(local.endpoint("kafka")), partitions=6, client_id=f"bench-{run}")
        names = (f"bench-{run}.results", f"bench-{run}.runs", f"bench-{run}.dlq")
        ensure_topics(settings, names)
        server = libpq_dsn(str(local.endpoint("postgres")))
        database = f"sentinel_bench_{run}"
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
        dsn = server.rsplit("/", 1)[0] + f"/{database}"
        migrate.upgrade(dsn)
        return cls(settings, *names, dsn, str(local.endpoint("elasticsearch")), f"bench-{run}")

    def drop(self) -> None:
        server, _, database = self.dsn.rpartition("/")
        with psycopg.connect(f"{server}/sentinel", autocommit=True) as conn:
            for attempt in range(10):
                try:
                    conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))
                    break
                except psycopg.errors.InsufficientPrivilege:
                    # A server-side process of another role (autovacuum, a parallel worker) still holds the
                    # database for a moment; it cannot be terminated by this role, only waited for.
                    time.sleep(1 + attempt)
            else:
                print(f"  could not drop {database}; drop it by hand", file=sys.stderr)
        client = Elasticsearch(self.es_url)
        for prefix in (self.prefix, f"raw-{self.prefix}"):
            client.indices.delete(index=es_index.index_pattern(prefix), allow_no_indices=True)
            client.options(ignore_status=404).indices.delete_index_template(name=es_index.template_name(prefix))
        client.close()


def producer_alone(scene: Scene, events: Sequence[ResultEvent]) -> float:
    bus = KafkaBus(scene.settings, results_topic=scene.results, runs_topic=scene.runs, create_topics=False)
    start = time.perf_counter()
    for event in events:
        bus.publish(event)
    bus.flush(300)
    rate = len(events) / (time.perf_counter() - start)
    bus.close()
    return rate


def sink_alone(write: Callable[[Sequence[ResultEvent]], None], events: Sequence[ResultEvent]) -> float:
    start = time.perf_counter()
    for i in range(0, len(events), BATCH):
        write(events[i : i + BATCH])
    return len(events) / (time.perf_counter() - start)


def postgres_alone(scene: Scene, events: Sequence[ResultEvent]) -> float:
    sink = PostgresSink.from_dsn(scene.dsn)
    try:
        return sink_alone(sink.write_results, events)
    finally:
        sink.close()


def elasticsearch_alone(scene: Scene, events: Sequence[ResultEvent]) -> float:
    sink = ElasticsearchSink(Elasticsearch(scene.es_url, request_timeout=60), f"raw-{scene.prefix}")
    return sink_alone(sink.write_results, events)


def _consumer(scene: Scene, sink: str) -> subprocess.Popen[bytes]:
    command = [
        sys.executable, "-m", "bench.pipeline_consumer", "--sink", sink, "--topic", scene.results,
        "--dlq", scene.dlq, "--group", f"{scene.results}-{sink}", "--bootstrap", scene.settings.bootstrap_servers,
        "--dsn", scene.dsn, "--es-url", scene.es_url, "--es-prefix", scene.prefix,
    ]  # fmt: skip
    return subprocess.Popen(command)


class Visibility(threading.Thread):
    """Polls both stores for a sample of event ids and records when each became queryable."""

    def __init__(self, scene: Scene, sample: dict[str, float]) -> None:
        super().__init__(daemon=True)
        self.scene = scene
        self.sample = sample  # event id -> publish time (perf_counter)
        self.seen_pg: dict[str, float] = {}
        self.seen_es: dict[str, float] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        client = Elasticsearch(self.scene.es_url)
        pattern = es_index.index_pattern(self.scene.prefix)
        with psycopg.connect(self.scene.dsn, autocommit=True) as conn:
            while not self.stop.is_set():
                published = [i for i in self.sample if i not in self.seen_pg or i not in self.seen_es]
                if published:
                    rows = conn.execute(
                        "SELECT event_id::text FROM results WHERE event_id = ANY(%s::uuid[])", [published]
                    )
                    now = time.perf_counter()
                    for (event_id,) in rows:
                        self.seen_pg.setdefault(event_id, now)
                    try:
                        hits = client.search(
                            index=pattern, query={"ids": {"values": published}}, size=len(published), source=False,
                            allow_no_indices=True, ignore_unavailable=True,
                        )["hits"]["hits"]  # fmt: skip
                    except ApiError:  # the monthly index is being created: its shard is not searchable yet
                        hits = []
                    now = time.perf_counter()
                    for hit in hits:
                        self.seen_es.setdefault(hit["_id"], now)
                time.sleep(0.05)
        client.close()

    def latencies_ms(self) -> list[float]:
        return [
            (max(self.seen_pg[i], self.seen_es[i]) - self.sample[i]) * 1000
            for i in self.sample
            if i in self.seen_pg and i in self.seen_es
        ]


def end_to_end(scene: Scene, events: Sequence[ResultEvent], rate: float | None = None) -> tuple[float, float, float]:
    """Stored events/s and the p50/p99 event-to-queryable latency in ms. Without ``rate`` the producer publishes as
    fast as it can (throughput, no latency sampling: its queries would compete with the pipeline for the CPUs, and
    latency at full speed is queueing); with it, at that steady pace (latency)."""
    run_jobs = events[0].job_id.rsplit("-", 1)[0]
    consumers = [_consumer(scene, "postgres"), _consumer(scene, "elasticsearch")]
    sample: dict[str, float] = {}
    watcher = Visibility(scene, sample)
    es = Elasticsearch(scene.es_url)
    try:
        time.sleep(3)  # let both consumers join their groups
        bus = KafkaBus(scene.settings, results_topic=scene.results, runs_topic=scene.runs, create_topics=False)
        if rate is not None:
            watcher.start()
        start = time.perf_counter()
        for i, event in enumerate(events):
            if rate is not None:
                ahead = i / rate - (time.perf_counter() - start)
                if ahead > 0.002:
                    time.sleep(ahead)
            if rate is not None and i % 100 == 0:
                sample[event.event_id] = time.perf_counter()
            bus.publish(event)
        bus.flush(300)
        bus.close()
        published = time.perf_counter() - start
        pattern = es_index.index_pattern(scene.prefix)
        done: dict[str, float] = {}
        with psycopg.connect(scene.dsn, autocommit=True) as conn:
            while True:
                # Only this stage's jobs: the Postgres-alone stage wrote to the same table before.
                pg = conn.execute("SELECT count(*) FROM results WHERE job_id LIKE %s", [f"{run_jobs}%"]).fetchone()
                stored = es.count(index=pattern, allow_no_indices=True, ignore_unavailable=True)["count"]
                if pg and pg[0] >= len(events):
                    done.setdefault("postgres", time.perf_counter() - start)
                if stored >= len(events):
                    done.setdefault("elasticsearch", time.perf_counter() - start)
                if len(done) == 2:
                    break
                time.sleep(0.25)
        elapsed = time.perf_counter() - start
        print(f"  published in {published:.1f} s; stored: " + ", ".join(f"{k} {v:.1f} s" for k, v in done.items()))
        if rate is not None:
            time.sleep(1.5)  # the last sampled events become visible
    finally:
        watcher.stop.set()
        if watcher.is_alive():
            watcher.join()
        for process in consumers:
            process.terminate()
            process.wait()
        es.close()
    latencies = sorted(watcher.latencies_ms()) or [float("nan")]
    p50 = statistics.median(latencies)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return len(events) / elapsed, p50, p99


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=60000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--paced-rate", type=float, default=1000.0, help="events/s of the latency stage")
    parser.add_argument("--paced-seconds", type=float, default=20.0)
    args = parser.parse_args()
    started = datetime.now(UTC) - timedelta(hours=1)
    keys = ("producer", "postgres", "elasticsearch", "e2e", "paced_p50", "paced_p99")
    figures: dict[str, list[float]] = {k: [] for k in keys}
    for run in range(args.runs):
        # A fresh scene per stage: each store starts empty, as the others did (index sizes change insert costs).
        for stage in ("producer", "postgres", "elasticsearch", "e2e", "paced"):
            scene = Scene.create()
            try:
                events = make_events(args.events, f"{stage[0]}{run}", started)
                if stage == "producer":
                    figures["producer"].append(producer_alone(scene, events))
                elif stage == "postgres":
                    figures["postgres"].append(postgres_alone(scene, events))
                elif stage == "elasticsearch":
                    figures["elasticsearch"].append(elasticsearch_alone(scene, events))
                elif stage == "e2e":
                    rate, _, _ = end_to_end(scene, events)
                    figures["e2e"].append(rate)
                else:
                    paced = make_events(int(args.paced_rate * args.paced_seconds), f"l{run}", started)
                    _, p50, p99 = end_to_end(scene, paced, rate=args.paced_rate)
                    figures["paced_p50"].append(p50)
                    figures["paced_p99"].append(p99)
            finally:
                scene.drop()
        print({k: round(v[-1]) for k, v in figures.items()}, flush=True)
    median = {k: statistics.median(v) for k, v in figures.items()}
    slowest = min(median["producer"], median["postgres"], median["elasticsearch"])
    print()
    print(f"Pipeline, {args.events} events per stage, median of {args.runs} runs ({machine()})")
    print(
        table(
            ["measure", "events/s", "share of the slowest raw bound"],
            [
                ["Kafka producer alone (publish + flush)", f"{median['producer']:,.0f}", ""],
                ["Postgres sink alone (COPY + INSERT ON CONFLICT)", f"{median['postgres']:,.0f}", ""],
                ["Elasticsearch sink alone (bulk)", f"{median['elasticsearch']:,.0f}", ""],
                ["end to end, Kafka into both stores", f"{median['e2e']:,.0f}", f"{median['e2e'] / slowest:.0%}"],
            ],
        )
    )
    print(
        f"\nevent-to-queryable latency (both stores) at a steady {args.paced_rate:,.0f} events/s: "
        f"p50 {median['paced_p50']:,.0f} ms, p99 {median['paced_p99']:,.0f} ms"
    )
    bounds = zip(figures["producer"], figures["postgres"], figures["elasticsearch"], strict=True)
    ratios = [e2e / min(run) for e2e, run in zip(figures["e2e"], bounds, strict=True)]
    print(f"end to end against the slowest raw bound, per run: {', '.join(f'{r:.0%}' for r in ratios)}")


if __name__ == "__main__":
    main()
