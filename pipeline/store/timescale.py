"""TimescaleDB for ``results``, where the extension exists: a hypertable with compression and retention policies
instead of declarative daily partitions.

The migration calls :func:`timescale_usable`; when it is true it creates ``results`` as a plain table and runs
:func:`hypertable_statements`, otherwise ``results`` is ``PARTITION BY RANGE (job_started_at)`` and
:mod:`pipeline.store.partitions` manages the days. The extension must be listed in ``shared_preload_libraries``
before ``CREATE EXTENSION`` works, so "available" alone is not enough.

This path runs only on servers with TimescaleDB ≥ 2.13 installed (``by_range``). The local and test server
(embedded PostgreSQL with pgvector) has no TimescaleDB, so the statements are tested as SQL text.

Compression keeps ``ON CONFLICT DO NOTHING`` on the primary key working (TimescaleDB ≥ 2.11 checks unique
constraints against compressed chunks), so a late replay of an old batch still stores each event once.
"""

from __future__ import annotations

from typing import Final

import sqlalchemy as sa

TABLE: Final = "results"
TIME_COLUMN: Final = "job_started_at"
CHUNK_INTERVAL: Final = "1 day"
# Results of one job are read together; segmenting by job keeps them in the same compressed batches.
SEGMENT_BY: Final = "job_id"
ORDER_BY: Final = "executed_at DESC, event_id"


def _interval(days: int) -> str:
    if days < 1:
        raise ValueError("intervals are whole days, at least 1")
    return f"INTERVAL '{days} days'"


def usable_sql() -> str:
    """True when ``timescaledb`` is installed in this database, or available and preloaded so it can be.

    ``shared_preload_libraries`` is read through ``pg_settings``, which hides it from roles that may not see it
    (``current_setting`` would raise for them): such a role finds TimescaleDB usable only where it is installed.
    """
    return (
        "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') "
        "OR (EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') "
        "AND EXISTS (SELECT 1 FROM pg_settings WHERE name = 'shared_preload_libraries' "
        "AND 'timescaledb' = ANY (string_to_array(replace(setting, ' ', ''), ','))))"
    )


def timescale_usable(conn: sa.Connection) -> bool:
    return bool(conn.execute(sa.text(usable_sql())).scalar())


INSTALLED_SQL: Final = "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb')"
# Only valid where the extension is installed (the view's schema does not exist otherwise).
IS_HYPERTABLE_SQL: Final = (
    f"SELECT EXISTS (SELECT 1 FROM timescaledb_information.hypertables WHERE hypertable_name = '{TABLE}')"  # noqa: S608 (constants only)
)


def is_hypertable(conn: sa.Connection) -> bool:
    if not conn.execute(sa.text(INSTALLED_SQL)).scalar():
        return False
    return bool(conn.execute(sa.text(IS_HYPERTABLE_SQL)).scalar())


def hypertable_statements(retention_days: int, compress_after_days: int) -> list[str]:
    """Turn the (empty, unpartitioned) ``results`` table into a hypertable with daily chunks, compress chunks
    older than ``compress_after_days`` and drop chunks older than ``retention_days``."""
    if compress_after_days >= retention_days:
        raise ValueError("compress_after_days must be shorter than retention_days")
    return [
        "CREATE EXTENSION IF NOT EXISTS timescaledb",
        f"SELECT create_hypertable('{TABLE}', by_range('{TIME_COLUMN}', INTERVAL '{CHUNK_INTERVAL}'), "
        "if_not_exists => TRUE)",
        f"ALTER TABLE {TABLE} SET (timescaledb.compress, timescaledb.compress_segmentby = '{SEGMENT_BY}', "
        f"timescaledb.compress_orderby = '{ORDER_BY}')",
        f"SELECT add_compression_policy('{TABLE}', {_interval(compress_after_days)}, if_not_exists => TRUE)",
        f"SELECT add_retention_policy('{TABLE}', {_interval(retention_days)}, if_not_exists => TRUE)",
    ]


def remove_policies_statements() -> list[str]:
    """Undo the policies (the downgrade drops the table itself)."""
    return [
        f"SELECT remove_retention_policy('{TABLE}', if_exists => TRUE)",
        f"SELECT remove_compression_policy('{TABLE}', if_exists => TRUE)",
    ]
