"""Connecting to the store: one place that turns a configured DSN into an engine or a libpq connection string.

Settings hold SQLAlchemy URLs (``postgresql+psycopg://…``); psycopg and libpq want plain ``postgresql://…``. Both
spellings are accepted everywhere so a DSN copied from either world works.
"""

from __future__ import annotations

import sqlalchemy as sa

_SQLALCHEMY_PREFIX = "postgresql+psycopg://"
_PLAIN_PREFIXES = ("postgresql://", "postgres://")


def sqlalchemy_url(dsn: str) -> str:
    """``postgresql://…`` or ``postgres://…`` → ``postgresql+psycopg://…``; anything else unchanged."""
    for prefix in _PLAIN_PREFIXES:
        if dsn.startswith(prefix):
            return _SQLALCHEMY_PREFIX + dsn[len(prefix) :]
    return dsn


def libpq_dsn(dsn: str) -> str:
    """``postgresql+psycopg://…`` → ``postgresql://…`` for psycopg and the command-line tools."""
    if dsn.startswith(_SQLALCHEMY_PREFIX):
        return "postgresql://" + dsn[len(_SQLALCHEMY_PREFIX) :]
    return dsn


def make_engine(dsn: str, *, pool_size: int = 5) -> sa.Engine:
    """An engine for the store. ``pool_pre_ping`` because a sink may sit idle while Postgres restarts."""
    return sa.create_engine(sqlalchemy_url(dsn), pool_size=pool_size, pool_pre_ping=True)
