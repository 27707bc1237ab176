"""Migrations on a real Postgres: from empty to head, idempotent, reversible, safe to run concurrently, and in
agreement with the models."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable

import psycopg
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from pipeline.store import migrate
from pipeline.store.embeddings import EMBEDDING_DIM
from pipeline.store.engine import make_engine
from pipeline.store.schema import DEFAULT_PROJECT_ID, Base
from tests.fixtures.corpus import REPO

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

TABLES = {
    "projects",
    "users",
    "project_members",
    "api_keys",
    "specs",
    "operations",
    "jobs",
    "test_cases",
    "results",
    "findings",
    "audit_log",
}


def _catalog(dsn: str) -> list[tuple[object, ...]]:
    """Tables, columns, indexes and constraints of the public schema: what two upgrades must leave identical."""
    with psycopg.connect(dsn) as conn:
        columns = conn.execute(
            "SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns "
            "WHERE table_schema = 'public' ORDER BY 1, 2"
        ).fetchall()
        indexes = conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1"
        ).fetchall()
        constraints = conn.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2"
        ).fetchall()
    return [*columns, *indexes, *constraints]


def test_upgrade_from_empty_creates_the_store(fresh_database: Callable[[], str]) -> None:
    dsn = fresh_database()
    assert migrate.current(dsn) is None
    migrate.upgrade(dsn)
    assert migrate.current(dsn) == migrate.head()
    with psycopg.connect(dsn) as conn:
        kinds: dict[str, str] = dict(
            conn.execute(
                "SELECT relname, relkind FROM pg_class WHERE relnamespace = 'public'::regnamespace "
                "AND relkind IN ('r', 'p')"
            ).fetchall()
        )
        assert set(kinds) >= TABLES
        assert kinds["results"] == "p"  # declaratively partitioned: no TimescaleDB here
        assert conn.execute("SELECT pg_get_partkeydef('results'::regclass)").fetchone() == ("RANGE (job_started_at)",)
        assert conn.execute("SELECT slug FROM projects WHERE id = %s", (DEFAULT_PROJECT_ID,)).fetchone() == ("default",)
        hnsw: dict[str, str] = dict(
            conn.execute("SELECT indexname, indexdef FROM pg_indexes WHERE indexdef LIKE '%hnsw%'")
        )
        assert set(hnsw) == {"ix_findings_embedding", "ix_test_cases_embedding"}
        assert all("vector_cosine_ops" in d for d in hnsw.values())
        assert "WHERE (embedding IS NOT NULL)" in hnsw["ix_test_cases_embedding"]
        widths = conn.execute(
            "SELECT attrelid::regclass::text, atttypmod FROM pg_attribute WHERE attname = 'embedding' "
            "AND attrelid IN ('findings'::regclass, 'test_cases'::regclass) ORDER BY 1"
        ).fetchall()
        assert widths == [("findings", EMBEDDING_DIM), ("test_cases", EMBEDDING_DIM)]


def test_upgrade_is_idempotent(fresh_database: Callable[[], str]) -> None:
    dsn = fresh_database()
    migrate.upgrade(dsn)
    before = _catalog(dsn)
    migrate.upgrade(dsn)
    assert migrate.current(dsn) == migrate.head()
    assert _catalog(dsn) == before


def test_downgrade_to_base_and_up_again(fresh_database: Callable[[], str]) -> None:
    dsn = fresh_database()
    migrate.upgrade(dsn)
    before = _catalog(dsn)
    migrate.downgrade(dsn, "base")
    assert migrate.current(dsn) is None
    with psycopg.connect(dsn) as conn:
        assert conn.execute("SELECT to_regclass('results')").fetchone() == (None,)
    migrate.upgrade(dsn)
    assert _catalog(dsn) == before


def test_concurrent_upgrades_from_several_processes_are_serialised(fresh_database: Callable[[], str]) -> None:
    # Services starting at once each run the upgrade; the advisory lock makes the later ones find head.
    dsn = fresh_database()
    code = "import sys; from pipeline.store import migrate; migrate.upgrade(sys.argv[1])"
    processes = [
        subprocess.Popen([sys.executable, "-c", code, dsn], cwd=REPO, stderr=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    failures = []
    for process in processes:
        _, stderr = process.communicate(timeout=120)
        if process.returncode != 0:
            failures.append(stderr[-2000:])
    assert failures == []
    assert migrate.current(dsn) == migrate.head()


def test_models_match_the_migrated_schema(postgres_dsn: str) -> None:
    engine = make_engine(postgres_dsn)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    # Daily partitions are created at run time; the models do not list them.
    assert [d for d in diff if not _is_partition(d)] == []


def _is_partition(entry: object) -> bool:
    if isinstance(entry, tuple) and entry and entry[0] == "remove_table":
        table = entry[1]
        return isinstance(table, sa.Table) and table.name.startswith("results_p")
    return False
