"""Daily partitions of results: names, bounds and which ones retention drops (no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from pipeline.store.partitions import (
    Partition,
    create_partition_sql,
    day_of,
    days_between,
    expired,
    parse_partition_name,
    partition_name,
)


def test_names_round_trip() -> None:
    day = date(2025, 3, 4)
    assert partition_name(day) == "results_p20250304"
    assert parse_partition_name("results_p20250304") == day


@pytest.mark.parametrize(
    "name", ["results", "results_p2025030", "results_p20251340", "other_p20250304", "results_default"]
)
def test_other_tables_are_not_daily_partitions(name: str) -> None:
    assert parse_partition_name(name) is None


def test_bounds_are_utc_midnights_and_contiguous() -> None:
    first, second = Partition("results_p20250304", date(2025, 3, 4)), Partition("results_p20250305", date(2025, 3, 5))
    assert first.lower == datetime(2025, 3, 4, tzinfo=UTC)
    assert first.upper == datetime(2025, 3, 5, tzinfo=UTC) == second.lower


def test_the_day_of_a_timestamp_is_its_utc_day() -> None:
    # 01:30 at UTC+2 is 23:30 the day before in UTC.
    assert day_of(datetime(2025, 3, 5, 1, 30, tzinfo=timezone(timedelta(hours=2)))) == date(2025, 3, 4)
    assert day_of(datetime(2025, 3, 4, 23, 59, 59, tzinfo=UTC)) == date(2025, 3, 4)
    assert day_of(datetime(2025, 3, 5, 0, 0, tzinfo=UTC)) == date(2025, 3, 5)
    assert day_of(datetime(2025, 3, 5, 0, 0)) == date(2025, 3, 5)  # naive = UTC


def test_create_sql_names_the_half_open_day() -> None:
    assert create_partition_sql(date(2024, 2, 28)) == (
        "CREATE TABLE IF NOT EXISTS results_p20240228 PARTITION OF results "
        "FOR VALUES FROM ('2024-02-28T00:00:00+00:00') TO ('2024-02-29T00:00:00+00:00')"
    )


def test_days_between_is_inclusive_and_crosses_months_and_leap_days() -> None:
    assert days_between(date(2024, 2, 28), date(2024, 3, 1)) == [date(2024, 2, 28), date(2024, 2, 29), date(2024, 3, 1)]
    assert days_between(date(2024, 1, 1), date(2024, 1, 1)) == [date(2024, 1, 1)]


def _partitions(first: date, count: int) -> list[Partition]:
    return [Partition(partition_name(d), d) for d in days_between(first, first + timedelta(days=count - 1))]


def test_retention_keeps_the_last_n_days_including_today() -> None:
    today = date(2025, 3, 31)
    parts = _partitions(date(2025, 3, 1), 40)  # 1 March .. 9 April
    dropped = expired(parts, retention_days=7, today=today)
    assert [p.day for p in dropped] == days_between(date(2025, 3, 1), date(2025, 3, 24))
    kept = {p.day for p in parts} - {p.day for p in dropped}
    assert min(kept) == date(2025, 3, 25) and today in kept


def test_retention_never_expires_today_or_the_future() -> None:
    today = date(2025, 3, 31)
    parts = _partitions(today - timedelta(days=3), 10)
    assert [p.day for p in expired(parts, retention_days=1, today=today)] == days_between(
        today - timedelta(days=3), today - timedelta(days=1)
    )
    with pytest.raises(ValueError, match="at least 1"):
        expired(parts, retention_days=0, today=today)
