"""Daily partitions on a real Postgres: created ahead, dropped by retention, and pruned by time-range reads."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from pipeline.sinks import PostgresSink
from pipeline.store.partitions import (
    day_start,
    days_between,
    drop_expired,
    ensure_days,
    ensure_partitions,
    list_partitions,
    partition_name,
)
from pipeline.store.queries import results_in_range, results_in_range_stmt
from tests.unit.pipeline.factories import make_event

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

TODAY = date(2025, 3, 31)


def _names(engine: sa.Engine) -> list[str]:
    with engine.connect() as conn:
        return [p.name for p in list_partitions(conn)]


def _write_days(engine: sa.Engine, days: list[date], per_day: int = 5) -> None:
    sink = PostgresSink(engine)
    batch = [
        make_event(f"job-{day:%Y%m%d}", n, job_started_at=day_start(day) + timedelta(hours=9))
        for day in days
        for n in range(per_day)
    ]
    sink.write_results(batch)


def test_partitions_exist_ahead_of_time_after_ensure(store: sa.Engine) -> None:
    with store.begin() as conn:
        created = ensure_partitions(conn, TODAY, days_ahead=7)
    expected = [partition_name(TODAY + timedelta(days=i)) for i in range(8)]
    assert created == expected
    assert _names(store) == expected
    with store.begin() as conn:
        assert ensure_partitions(conn, TODAY, days_ahead=7) == []  # idempotent
    # A write on a day created ahead creates nothing.
    _write_days(store, [TODAY + timedelta(days=3)])
    assert _names(store) == expected


def test_drop_expired_drops_only_partitions_past_the_retention(store: sa.Engine) -> None:
    old = days_between(TODAY - timedelta(days=10), TODAY - timedelta(days=5))
    kept = days_between(TODAY - timedelta(days=4), TODAY + timedelta(days=3))
    with store.begin() as conn:
        ensure_days(conn, old + kept)
    _write_days(store, [old[0], old[-1], kept[0], TODAY])
    with store.begin() as conn:
        dropped = drop_expired(conn, retention_days=5, today=TODAY)
    assert dropped == [partition_name(d) for d in old]
    assert _names(store) == [partition_name(d) for d in kept]
    with store.connect() as conn:
        days = conn.execute(sa.text("SELECT DISTINCT job_started_at::date FROM results ORDER BY 1")).scalars().all()
    assert days == [kept[0], TODAY]
    with store.begin() as conn:
        assert drop_expired(conn, retention_days=5, today=TODAY) == []
        # Even the shortest retention keeps today and the days ahead.
        drop_expired(conn, retention_days=1, today=TODAY)
    assert _names(store) == [partition_name(d) for d in days_between(TODAY, TODAY + timedelta(days=3))]


def test_a_time_range_query_touches_only_the_matching_partitions(store: sa.Engine) -> None:
    days = days_between(TODAY - timedelta(days=5), TODAY)
    _write_days(store, days, per_day=20)
    start, end = day_start(days[2]), day_start(days[4])  # two whole days
    stmt = results_in_range_stmt(start, end, statuses=["passed"])
    with store.connect() as conn:
        compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
        plan = "\n".join(conn.exec_driver_sql(f"EXPLAIN {compiled}", compiled.params).scalars())
    scanned = {name for name in map(partition_name, days) if name in plan}
    assert scanned == {partition_name(days[2]), partition_name(days[3])}, plan
    with Session(store) as session:
        rows = results_in_range(session, start, end)
    assert len(rows) == 40
    assert {r.job_started_at for r in rows} == {day_start(d) + timedelta(hours=9) for d in days[2:4]}
    assert [r.executed_at for r in rows] == sorted((r.executed_at for r in rows), reverse=True)
