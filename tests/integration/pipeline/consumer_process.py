"""A sink consumer in its own process, so that a test can SIGKILL it mid-batch and start it again.

    python -m tests.integration.pipeline.consumer_process --sink postgres|elasticsearch --mode correct|... \\
        --topic T --dlq T --group G --bootstrap HOST:PORT (--dsn DSN | --es-url URL --es-prefix P) --stats FILE

Modes: ``correct`` is the production consumer and sink; ``commit-first`` commits offsets before writing (loses
what a crash interrupts); ``no-conflict`` writes Postgres rows without conflict handling into a table with no key
(duplicates what a crash makes the broker deliver again). The last two exist only to prove that the exactly-once
test can fail. The process writes its counters to ``--stats`` as JSON after every batch (and marks when it is in
the middle of one), so the test can read them even after a SIGKILL.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import signal
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import psycopg

from agent_core.events import ResultEvent
from agent_core.settings import KafkaSettings
from pipeline.bus import Backoff
from pipeline.consumer import Record, SinkConsumer
from pipeline.sinks.base import Sink
from pipeline.sinks.elasticsearch import ElasticsearchSink
from pipeline.sinks.postgres import PostgresSink
from tests.integration.pipeline.support import new_client

UNPROTECTED_TABLE = "results_unprotected"


class UnprotectedSink:
    """Postgres rows without conflict handling, into a table without a key: the wrong sink."""

    name = "postgres-unprotected"

    def __init__(self, dsn: str) -> None:
        self._conninfo = dsn.replace("postgresql+psycopg://", "postgresql://", 1)
        with psycopg.connect(self._conninfo, autocommit=True) as conn:
            conn.execute(f"CREATE TABLE IF NOT EXISTS {UNPROTECTED_TABLE} (event_id uuid NOT NULL)")

    def write_results(self, batch: Sequence[ResultEvent]) -> None:
        with (
            psycopg.connect(self._conninfo) as conn,
            conn.cursor() as cursor,
            cursor.copy(f"COPY {UNPROTECTED_TABLE} (event_id) FROM STDIN") as copy,
        ):
            for event in batch:
                copy.write_row((event.event_id,))

    def write_runs(self, batch: Sequence[Any]) -> None:
        pass

    def close(self) -> None:
        pass


class Instrumented(SinkConsumer):
    """The production consumer, plus a stats file and a pause per batch so that a kill lands mid-batch."""

    def __init__(
        self, *args: Any, stats_path: Path, pauses: tuple[float, float], commit_first: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._stats_path = stats_path
        self._before_write, self._after_write = pauses
        self._commit_first = commit_first
        self._in_batch = False
        self._phase = "idle"

    def process(self, records: Sequence[Record]) -> bool:
        self._in_batch = True
        self._phase = "polled"
        self._dump()
        if self._commit_first:
            accepted = self.commit(records)
        valid, letters = self.decode(records)
        self.dead_letter(letters)
        time.sleep(self._before_write)
        self.write(valid)
        self._phase = "written"
        self._dump()
        time.sleep(self._after_write)
        if not self._commit_first:
            accepted = self.commit(records)
        self._in_batch = False
        self._phase = "idle"
        self._dump()
        return accepted

    def _dump(self) -> None:
        sink = self.sink
        data = {
            "pid": os.getpid(),
            "in_batch": self._in_batch,
            "phase": self._phase,
            **dataclasses.asdict(self.stats),
            "stored": getattr(sink, "stored", getattr(sink, "created", None)),
            "already_stored": getattr(sink, "already_stored", None),
        }
        temporary = self._stats_path.with_suffix(".tmp")
        temporary.write_text(json.dumps(data))
        temporary.replace(self._stats_path)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sink", choices=["postgres", "elasticsearch"], required=True)
    parser.add_argument("--mode", choices=["correct", "commit-first", "no-conflict"], default="correct")
    parser.add_argument("--topic", required=True)
    parser.add_argument("--dlq", required=True)
    parser.add_argument("--group", required=True)
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--dsn")
    parser.add_argument("--es-url")
    parser.add_argument("--es-prefix")
    parser.add_argument("--stats", type=Path, required=True)
    parser.add_argument("--max-batch", type=int, default=500)
    parser.add_argument("--pause-before-write", type=float, default=0.0)
    parser.add_argument("--pause-after-write", type=float, default=0.0)
    args = parser.parse_args()

    sink: Sink
    if args.sink == "postgres" and args.mode == "no-conflict":
        sink = UnprotectedSink(args.dsn)
    elif args.sink == "postgres":
        sink = PostgresSink.from_dsn(args.dsn)
    else:
        sink = ElasticsearchSink(new_client(args.es_url), args.es_prefix)
    settings = KafkaSettings(bootstrap_servers=args.bootstrap, partitions=3)
    consumer = Instrumented(
        settings,
        sink,
        args.group,
        topic=args.topic,
        dlq_topic=args.dlq,
        max_batch=args.max_batch,
        poll_timeout_ms=200,
        backoff=Backoff(base_s=0.1, cap_s=2.0),
        stats_path=args.stats,
        pauses=(args.pause_before_write, args.pause_after_write),
        commit_first=args.mode == "commit-first",
    )
    signal.signal(signal.SIGTERM, lambda *_: consumer.stop())
    consumer.run()
    consumer.close()


if __name__ == "__main__":
    main()
