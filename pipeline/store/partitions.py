"""Daily partitions of ``results``: naming, bounds, creation ahead and on demand, and retention.

``results`` is ``PARTITION BY RANGE (job_started_at)`` with one partition per UTC day, named ``results_pYYYYMMDD``
and holding ``[day 00:00 UTC, next day 00:00 UTC)``. There is no default partition: a row whose day has no partition
is refused, so writers call :func:`ensure_days` first (the Postgres sink does, per batch) and operators run
:func:`ensure_partitions` ahead of time (``sentinel db partitions ensure``).

Creating a partition is serialised by a transaction-level advisory lock, so concurrent sinks racing for the same
new day never fail on a duplicate name: the loser waits, then finds the partition there.

Where TimescaleDB manages ``results`` (see :mod:`pipeline.store.timescale`) the table is not declaratively
partitioned; every function here then does nothing and returns an empty list, and chunks and retention belong to
TimescaleDB's own policies.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

logger = logging.getLogger(__name__)

PARENT = "results"
_NAME = re.compile(r"^results_p(\d{8})$")
# Any constant works as long as every writer uses the same one: "SENTPART" in ASCII.
PARTITION_LOCK_KEY = 0x53454E5450415254
# How long DDL waits for the lock on the parent before the caller backs off.
LOCK_TIMEOUT = "5s"


@dataclass(frozen=True, slots=True)
class Partition:
    """One daily partition of ``results``."""

    name: str
    day: date

    @property
    def lower(self) -> datetime:
        return day_start(self.day)

    @property
    def upper(self) -> datetime:
        return day_start(self.day + timedelta(days=1))


def day_of(ts: datetime) -> date:
    """The UTC day a timestamp belongs to (a naive timestamp is taken as UTC)."""
    if ts.tzinfo is None:
        return ts.date()
    return ts.astimezone(UTC).date()


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def partition_name(day: date) -> str:
    return f"{PARENT}_p{day:%Y%m%d}"


def parse_partition_name(name: str) -> date | None:
    """The day of a partition named by :func:`partition_name`; ``None`` for any other table."""
    match = _NAME.match(name)
    if match is None:
        return None
    try:
        return datetime.strptime(match.group(1), "%Y%m%d").date()
    except ValueError:
        return None


def create_partition_sql(day: date) -> str:
    """DDL for the partition of ``day``; the bounds are UTC midnights written as literals (DDL takes no binds)."""
    lower, upper = day_start(day), day_start(day + timedelta(days=1))
    return (
        f"CREATE TABLE IF NOT EXISTS {partition_name(day)} PARTITION OF {PARENT} "
        f"FOR VALUES FROM ('{lower.isoformat()}') TO ('{upper.isoformat()}')"
    )


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def expired(partitions: Iterable[Partition], retention_days: int, today: date) -> list[Partition]:
    """Partitions wholly older than the retention: results of the last ``retention_days`` days (today included)
    are kept, so today's and future partitions are never expired."""
    if retention_days < 1:
        raise ValueError("retention_days must be at least 1")
    cutoff = today - timedelta(days=retention_days - 1)
    return sorted((p for p in partitions if p.day < cutoff), key=lambda p: p.day)


def is_partitioned(conn: sa.Connection) -> bool:
    """True when ``results`` is a declaratively partitioned table (False under TimescaleDB or before migrating)."""
    kind = conn.execute(sa.text("SELECT relkind FROM pg_class WHERE oid = to_regclass(:t)"), {"t": PARENT}).scalar()
    return kind == "p"


def list_partitions(conn: sa.Connection) -> list[Partition]:
    """The daily partitions attached to ``results``, oldest first."""
    if not is_partitioned(conn):
        return []
    names = conn.execute(
        sa.text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = to_regclass(:t)"
        ),
        {"t": PARENT},
    ).scalars()
    found = [Partition(name, day) for name in names if (day := parse_partition_name(name)) is not None]
    return sorted(found, key=lambda p: p.day)


def ensure_days(conn: sa.Connection, days: Iterable[date]) -> list[str]:
    """Create the partitions of ``days`` that do not exist yet; returns the names created.

    Runs in the caller's transaction and holds the advisory lock until it ends: call it in a short transaction
    of its own (creating a partition locks the parent table against writers until commit).
    """
    wanted = sorted(set(days))
    if not wanted or not is_partitioned(conn):
        return []
    existing = {p.day for p in list_partitions(conn)}
    missing = [d for d in wanted if d not in existing]
    if not missing:
        return []
    conn.execute(sa.text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
    conn.execute(sa.select(sa.func.pg_advisory_xact_lock(PARTITION_LOCK_KEY)))
    # Another writer may have created some while this one waited for the lock.
    existing = {p.day for p in list_partitions(conn)}
    created = []
    for day in missing:
        if day not in existing:
            conn.execute(sa.text(create_partition_sql(day)))
            created.append(partition_name(day))
    if created:
        logger.info("created partitions %s", ", ".join(created))
    return created


def ensure_partitions(conn: sa.Connection, from_day: date, days_ahead: int) -> list[str]:
    """Create the partitions of ``from_day`` and of the ``days_ahead`` days after it; returns the names created."""
    if days_ahead < 0:
        raise ValueError("days_ahead must not be negative")
    return ensure_days(conn, days_between(from_day, from_day + timedelta(days=days_ahead)))


def drop_expired(conn: sa.Connection, retention_days: int, today: date) -> list[str]:
    """Drop the partitions older than the retention (see :func:`expired`); returns the names dropped."""
    doomed = expired(list_partitions(conn), retention_days, today)
    if not doomed:
        return []
    conn.execute(sa.text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
    conn.execute(sa.select(sa.func.pg_advisory_xact_lock(PARTITION_LOCK_KEY)))
    for partition in doomed:
        conn.execute(sa.text(f"DROP TABLE IF EXISTS {partition.name}"))
    names = [p.name for p in doomed]
    logger.info("dropped partitions %s", ", ".join(names))
    return names
