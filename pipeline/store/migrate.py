"""Schema changes, only through Alembic, configured here in code: the scripts live in this package
(``pipeline/store/migrations``), so no ``alembic.ini`` is needed and an installed Sentinel migrates its own store.

``upgrade`` is idempotent (at head it does nothing) and safe to run from several processes at once (the migration
transaction takes an advisory lock).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.pool import NullPool

from pipeline.store.engine import sqlalchemy_url

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(dsn: str, **attributes: Any) -> Config:
    """An Alembic config for the store at ``dsn``.

    The URL travels in ``attributes`` rather than in the ini options, which would interpolate ``%`` in passwords
    and echo the URL in Alembic's messages. Other attributes reach the migrations (see ``upgrade``).
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["url"] = sqlalchemy_url(dsn)
    config.attributes.update(attributes)
    return config


def upgrade(
    dsn: str,
    revision: str = "head",
    *,
    retention_days: int = 90,
    compress_after_days: int = 7,
    timescale: bool | None = None,
) -> None:
    """Migrate the store at ``dsn`` to ``revision``.

    ``retention_days`` and ``compress_after_days`` set the TimescaleDB policies where ``results`` becomes a
    hypertable; ``timescale`` forces that choice (``None``: use TimescaleDB when the server can load it).
    """
    config = alembic_config(
        dsn, retention_days=retention_days, compress_after_days=compress_after_days, timescale=timescale
    )
    command.upgrade(config, revision)


def downgrade(dsn: str, revision: str = "base") -> None:
    """Migrate down to ``revision`` (``base`` drops every table of the store)."""
    command.downgrade(alembic_config(dsn), revision)


def head() -> str:
    """The newest revision the code knows."""
    script = ScriptDirectory.from_config(alembic_config("postgresql://"))
    revision = script.get_current_head()
    if revision is None:
        raise RuntimeError(f"no migrations found in {MIGRATIONS_DIR}")
    return revision


def current(dsn: str) -> str | None:
    """The revision the store at ``dsn`` is at (``None`` before the first upgrade)."""
    engine = sa.create_engine(sqlalchemy_url(dsn), poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()
