"""PostgresSink on a real Postgres: idempotent batches, partitions created on demand (also under a race), job
status that never goes backwards, and errors in the sink contract's terms."""

from __future__ import annotations

import itertools
import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta

import psycopg
import pytest
import sqlalchemy as sa

from agent_core.events import ResultEvent, RunEventType
from pipeline.sinks import Backpressure, PostgresSink, SinkError
from pipeline.store.partitions import list_partitions
from tests.unit.pipeline.factories import T0, make_event, make_run

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


@pytest.fixture
def sink(store: sa.Engine) -> Iterator[PostgresSink]:
    yield PostgresSink(store)


def _scalar(engine: sa.Engine, query: str, **params: object) -> object:
    with engine.connect() as conn:
        return conn.execute(sa.text(query), params).scalar()


def test_writing_a_batch_twice_stores_each_event_once(sink: PostgresSink, store: sa.Engine) -> None:
    batch = [make_event("job-1", n, failing=n % 5 == 0) for n in range(200)]
    sink.write_results(batch)
    sink.write_results(batch)
    sink.write_results(batch[50:120])  # an overlapping redelivery
    with store.connect() as conn:
        total, distinct = conn.execute(sa.text("SELECT count(*), count(DISTINCT event_id) FROM results")).one()
        assert (total, distinct) == (200, 200)
        assert conn.execute(sa.text("SELECT count(*) FROM test_cases")).scalar() == 200
        # 40 failing results share one fingerprint: counted once each, not once per delivery.
        assert conn.execute(sa.text("SELECT occurrences FROM findings")).scalar_one() == 40
        embedded = conn.execute(sa.text("SELECT count(embedding) FROM test_cases")).scalar()
        assert embedded == 40  # only the cases that did not pass


def test_a_retried_case_with_a_later_execution_is_the_same_event(sink: PostgresSink, store: sa.Engine) -> None:
    first = make_event("job-1", 1)
    retried = first.model_copy(update={"executed_at": first.executed_at + timedelta(minutes=3), "worker": "w-2"})
    sink.write_results([first])
    sink.write_results([retried])
    assert _scalar(store, "SELECT count(*) FROM results") == 1


def test_a_batch_spanning_two_days_lands_in_two_partitions_created_on_demand(
    sink: PostgresSink, store: sa.Engine
) -> None:
    late_evening = T0.replace(hour=23, minute=59)
    next_day = late_evening + timedelta(minutes=2)
    with store.connect() as conn:
        assert list_partitions(conn) == []
    batch = [make_event("job-a", n, job_started_at=late_evening) for n in range(30)]
    batch += [make_event("job-b", n, job_started_at=next_day) for n in range(20)]
    sink.write_results(batch)
    with store.connect() as conn:
        assert [p.name for p in list_partitions(conn)] == ["results_p20250314", "results_p20250315"]
        per_partition = conn.execute(
            sa.text("SELECT tableoid::regclass::text, count(*) FROM results GROUP BY 1 ORDER BY 1")
        ).all()
    assert [tuple(row) for row in per_partition] == [("results_p20250314", 30), ("results_p20250315", 20)]


def test_concurrent_sinks_racing_for_a_new_day_all_succeed(store: sa.Engine) -> None:
    # Four sinks (as four consumer processes would) write the first results of a new day at the same moment.
    day = T0 + timedelta(days=40)
    sinks = [PostgresSink(store) for _ in range(4)]
    batches = [[make_event(f"job-{i}", n, job_started_at=day) for n in range(100)] for i in range(4)]
    start = threading.Barrier(len(sinks))
    errors: list[BaseException] = []

    def run(sink: PostgresSink, batch: list[ResultEvent]) -> None:
        start.wait()
        try:
            sink.write_results(batch)
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=pair) for pair in zip(sinks, batches, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert _scalar(store, "SELECT count(*) FROM results") == 400
    with store.connect() as conn:
        assert [p.name for p in list_partitions(conn)] == ["results_p20250423"]


def test_job_status_never_goes_backwards(sink: PostgresSink, store: sa.Engine) -> None:
    created = make_run("job-1", RunEventType.CREATED, T0 - timedelta(seconds=5), stats={"kinds": ["functional"]})
    started = make_run("job-1", RunEventType.STARTED, T0)
    progressed = make_run("job-1", RunEventType.PROGRESSED, T0 + timedelta(minutes=1), stats={"executed": 10})
    finished = make_run("job-1", RunEventType.FINISHED, T0 + timedelta(minutes=2), stats={"executed": 25})
    events = [created, started, progressed, finished]
    for order in itertools.permutations(events):
        with store.begin() as conn:
            conn.execute(sa.text("TRUNCATE jobs"))
        # One event per batch (arrival order) and all in one batch.
        for event in order:
            sink.write_runs([event])
        _assert_finished(store)
        with store.begin() as conn:
            conn.execute(sa.text("TRUNCATE jobs"))
        sink.write_runs(list(order))
        _assert_finished(store)
    # A late progress report and a replayed start change nothing.
    sink.write_runs([make_run("job-1", RunEventType.PROGRESSED, T0 + timedelta(minutes=1, seconds=30))])
    sink.write_runs([started])
    _assert_finished(store)


def _assert_finished(store: sa.Engine) -> None:
    with store.connect() as conn:
        row = conn.execute(
            sa.text("SELECT status, created_at, started_at, finished_at, stats, kinds FROM jobs WHERE job_id = 'job-1'")
        ).one()
    assert row.status == "finished"
    assert (row.created_at, row.started_at) == (T0 - timedelta(seconds=5), T0)
    assert row.finished_at == T0 + timedelta(minutes=2)
    assert row.stats == {"executed": 25}
    assert row.kinds == ["functional"]


def test_the_later_terminal_event_wins(sink: PostgresSink, store: sa.Engine) -> None:
    failed = make_run("job-1", RunEventType.FAILED, T0 + timedelta(minutes=3), error="worker lost")
    finished = make_run("job-1", RunEventType.FINISHED, T0 + timedelta(minutes=2))
    sink.write_runs([failed])
    sink.write_runs([finished])
    assert _scalar(store, "SELECT status FROM jobs") == "failed"


def test_results_belong_to_their_jobs_project(sink: PostgresSink, store: sa.Engine) -> None:
    project = uuid.uuid4()
    with store.begin() as conn:
        conn.execute(
            sa.text("INSERT INTO projects (id, slug, name) VALUES (:id, :slug, 'P')"),
            {"id": project, "slug": str(project)},
        )
    sink.write_runs([make_run("job-p", RunEventType.CREATED, T0, stats={"project_id": str(project)})])
    sink.write_results([make_event("job-p", 0, failing=True), make_event("job-default", 0, failing=True)])
    with store.connect() as conn:
        rows: dict[str, uuid.UUID] = {r.job_id: r.project_id for r in conn.execute(sa.text("SELECT * FROM results"))}
        findings = conn.execute(sa.text("SELECT count(*) FROM findings")).scalar()
    assert rows["job-p"] == project
    assert str(rows["job-default"]) == "00000000-0000-0000-0000-000000000001"
    assert findings == 2  # the same fingerprint in two projects is two findings


def test_data_the_store_refuses_is_a_sink_error(sink: PostgresSink, store: sa.Engine) -> None:
    bad = make_event("job-1", 0).model_copy(update={"event_id": "not-a-uuid"})
    with pytest.raises(SinkError) as caught:
        sink.write_results([make_event("job-1", 1), bad])
    assert caught.value.code == "SINK_BAD_DATA"
    assert _scalar(store, "SELECT count(*) FROM results") == 0  # one transaction: nothing half-written


def test_a_locked_store_asks_for_back_pressure_and_the_retry_succeeds(store: sa.Engine, postgres_dsn: str) -> None:
    sink = PostgresSink(store, lock_timeout_s=0.2)
    batch = [make_event("job-1", n, failing=True) for n in range(10)]
    sink.write_results(batch[:1])  # the day's partition exists; the lock below is the only obstacle
    with psycopg.connect(postgres_dsn) as blocker:
        blocker.execute("LOCK TABLE findings IN ACCESS EXCLUSIVE MODE")
        with pytest.raises(Backpressure) as caught:
            sink.write_results(batch)
        assert caught.value.retry_after > 0
        assert "55P03" in caught.value.reason
    sink.write_results(batch)  # the consumer retries the same batch
    assert _scalar(store, "SELECT count(*) FROM results") == 10
    assert _scalar(store, "SELECT occurrences FROM findings") == 10


def test_a_dropped_partition_is_recreated_by_the_next_batch(sink: PostgresSink, store: sa.Engine) -> None:
    sink.write_results([make_event("job-1", 0)])
    with store.begin() as conn:
        conn.execute(sa.text("DROP TABLE results_p20250314"))  # retention ran while the sink remembered the day
    sink.write_results([make_event("job-1", 1)])
    assert _scalar(store, "SELECT count(*) FROM results") == 1
