"""Alembic environment: online migrations only, on the connection or URL that :mod:`pipeline.store.migrate` passes.

Concurrent upgrades (two services starting at once) are serialised by an advisory lock taken inside the migration
transaction, so the second one waits and then finds the schema at head.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context
from sqlalchemy.pool import NullPool

from pipeline.store.schema import Base

# "SENTMIGR" in ASCII; distinct from the partition lock.
MIGRATION_LOCK_KEY = 0x53454E544D494752


def _run(connection: sa.Connection) -> None:
    context.configure(connection=connection, target_metadata=Base.metadata, transaction_per_migration=False)
    with context.begin_transaction():
        connection.execute(sa.select(sa.func.pg_advisory_xact_lock(MIGRATION_LOCK_KEY)))
        context.run_migrations()


def run_migrations_online() -> None:
    config = context.config
    url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database URL: use pipeline.store.migrate, which passes it")
    engine = sa.create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            _run(connection)
            connection.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise RuntimeError("offline (SQL script) migrations are not supported: the migrations inspect the server")
run_migrations_online()
