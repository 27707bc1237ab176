"""The TimescaleDB path, checked as SQL text: the local server has no TimescaleDB, so these statements run only
where the extension is installed (see pipeline/store/timescale.py)."""

from __future__ import annotations

import pytest

from pipeline.store import timescale


def test_hypertable_statements_in_order() -> None:
    statements = timescale.hypertable_statements(retention_days=90, compress_after_days=7)
    assert statements == [
        "CREATE EXTENSION IF NOT EXISTS timescaledb",
        "SELECT create_hypertable('results', by_range('job_started_at', INTERVAL '1 day'), if_not_exists => TRUE)",
        "ALTER TABLE results SET (timescaledb.compress, timescaledb.compress_segmentby = 'job_id', "
        "timescaledb.compress_orderby = 'executed_at DESC, event_id')",
        "SELECT add_compression_policy('results', INTERVAL '7 days', if_not_exists => TRUE)",
        "SELECT add_retention_policy('results', INTERVAL '90 days', if_not_exists => TRUE)",
    ]


def test_the_policies_follow_the_settings() -> None:
    statements = timescale.hypertable_statements(retention_days=30, compress_after_days=2)
    assert "INTERVAL '2 days'" in statements[3]
    assert "INTERVAL '30 days'" in statements[4]


@pytest.mark.parametrize(("retention", "compress"), [(7, 7), (7, 30), (0, 0), (30, 0)])
def test_nonsense_intervals_are_refused(retention: int, compress: int) -> None:
    with pytest.raises(ValueError):
        timescale.hypertable_statements(retention_days=retention, compress_after_days=compress)


def test_usable_needs_the_extension_installed_or_preloaded() -> None:
    sql = timescale.usable_sql()
    assert "pg_extension" in sql and "pg_available_extensions" in sql
    assert "shared_preload_libraries" in sql
    # Readable by any role (current_setting() raises for roles that may not see the setting).
    assert "pg_settings" in sql and "current_setting" not in sql


def test_the_hypertable_check_is_only_run_where_the_extension_exists() -> None:
    assert "pg_extension" in timescale.INSTALLED_SQL
    assert "timescaledb_information.hypertables" in timescale.IS_HYPERTABLE_SQL
    assert "hypertable_name = 'results'" in timescale.IS_HYPERTABLE_SQL


def test_undo_removes_both_policies() -> None:
    assert timescale.remove_policies_statements() == [
        "SELECT remove_retention_policy('results', if_exists => TRUE)",
        "SELECT remove_compression_policy('results', if_exists => TRUE)",
    ]
