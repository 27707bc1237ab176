"""``sentinel db``: migrate the Postgres store and manage the daily partitions of its results.

The store's address comes from ``SENTINEL_POSTGRES__DSN`` (or ``--dsn``); retention and how far ahead partitions are
created from ``SENTINEL_POSTGRES__RETENTION_DAYS`` and ``SENTINEL_POSTGRES__PARTITIONS_AHEAD_DAYS``.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime

import click
import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy.pool import NullPool

from agent_core.errors import SentinelError
from agent_core.settings import PostgresSettings, Settings
from api.exit_codes import ExitCode
from pipeline.store import migrate, partitions
from pipeline.store.engine import sqlalchemy_url

_DSN_HELP = "Postgres DSN (default: SENTINEL_POSTGRES__DSN)."


def _settings() -> PostgresSettings:
    return Settings().postgres


def _dsn(option: str | None) -> str:
    return option or _settings().dsn.get_secret_value()


def _today(option: datetime | None) -> date:
    return option.date() if option is not None else datetime.now(UTC).date()


@contextlib.contextmanager
def _reachable() -> Iterator[None]:
    """Connection failures and lock timeouts become one clear line with a stable code, not a traceback."""
    try:
        yield
    except sa_exc.OperationalError as exc:
        detail = " ".join(str(exc.orig).split())
        if getattr(exc.orig, "sqlstate", None) == "55P03":
            raise SentinelError(f"the results table is busy, try again: {detail}", "STORE_BUSY") from exc
        raise SentinelError(f"cannot reach the store: {detail}", "STORE_UNREACHABLE") from exc


@contextlib.contextmanager
def _store(dsn: str) -> Iterator[sa.Connection]:
    """One transaction on the store."""
    engine = sa.create_engine(sqlalchemy_url(dsn), poolclass=NullPool)
    try:
        with _reachable(), engine.begin() as conn:
            yield conn
    finally:
        engine.dispose()


dsn_option = click.option("--dsn", metavar="DSN", help=_DSN_HELP)


@click.group("db")
def db_group() -> None:
    """Migrate the results store and manage its partitions."""


@db_group.command("upgrade")
@dsn_option
@click.option("--revision", default="head", show_default=True, help="Target revision.")
@click.option(
    "--timescale",
    type=click.Choice(["auto", "on", "off"]),
    default="auto",
    show_default=True,
    help="Make results a TimescaleDB hypertable (auto: when the server can load the extension).",
)
def upgrade_command(dsn: str | None, revision: str, timescale: str) -> None:
    """Apply the migrations (idempotent), then create the partitions of today and the days ahead."""
    settings = _settings()
    url = _dsn(dsn)
    with _reachable():
        migrate.upgrade(
            url,
            revision,
            retention_days=settings.retention_days,
            timescale={"auto": None, "on": True, "off": False}[timescale],
        )
    with _store(url) as conn:
        created = partitions.ensure_partitions(conn, _today(None), settings.partitions_ahead_days)
    click.echo(f"store at revision {migrate.current(url)}; {len(created)} partitions created")


@db_group.command("current")
@dsn_option
def current_command(dsn: str | None) -> None:
    """Print the store's revision; exit 1 when it is behind the code's newest revision."""
    with _reachable():
        revision = migrate.current(_dsn(dsn))
    head = migrate.head()
    if revision == head:
        click.echo(f"{revision} (head)")
        return
    click.echo(f"{revision or 'empty'} (head is {head}: run `sentinel db upgrade`)")
    sys.exit(int(ExitCode.FAILURES))


@db_group.group("partitions")
def partitions_group() -> None:
    """Daily partitions of the results table (nothing to do where TimescaleDB manages it)."""


@partitions_group.command("ensure")
@dsn_option
@click.option("--days-ahead", type=click.IntRange(min=0), help="Default: SENTINEL_POSTGRES__PARTITIONS_AHEAD_DAYS.")
@click.option("--from", "from_day", type=click.DateTime(["%Y-%m-%d"]), help="First day (default: today, UTC).")
def ensure_command(dsn: str | None, days_ahead: int | None, from_day: datetime | None) -> None:
    """Create the partitions of a day and of the days after it."""
    ahead = days_ahead if days_ahead is not None else _settings().partitions_ahead_days
    with _store(_dsn(dsn)) as conn:
        created = partitions.ensure_partitions(conn, _today(from_day), ahead)
    for name in created:
        click.echo(f"created {name}")
    click.echo(f"{len(created)} partitions created")


@partitions_group.command("list")
@dsn_option
@click.option("--json", "as_json", is_flag=True, help="Print the partitions as JSON.")
def list_command(dsn: str | None, as_json: bool) -> None:
    """List the daily partitions with their bounds."""
    with _store(_dsn(dsn)) as conn:
        found = partitions.list_partitions(conn)
    if as_json:
        rows = [{"name": p.name, "from": p.lower.isoformat(), "to": p.upper.isoformat()} for p in found]
        click.echo(json.dumps(rows, indent=2))
        return
    for p in found:
        click.echo(f"{p.name}  [{p.lower.isoformat()}, {p.upper.isoformat()})")


@partitions_group.command("drop-expired")
@dsn_option
@click.option("--retention-days", type=click.IntRange(min=1), help="Default: SENTINEL_POSTGRES__RETENTION_DAYS.")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), help="Reference day (default: today, UTC).")
@click.option("--dry-run", is_flag=True, help="Only print what would be dropped.")
def drop_expired_command(dsn: str | None, retention_days: int | None, today: datetime | None, dry_run: bool) -> None:
    """Drop the partitions older than the retention (today's and future ones are never dropped)."""
    retention = retention_days if retention_days is not None else _settings().retention_days
    with _store(_dsn(dsn)) as conn:
        if dry_run:
            names = [p.name for p in partitions.expired(partitions.list_partitions(conn), retention, _today(today))]
        else:
            names = partitions.drop_expired(conn, retention, _today(today))
    for name in names:
        click.echo(f"{'would drop' if dry_run else 'dropped'} {name}")
    click.echo(f"{len(names)} partitions {'expired' if dry_run else 'dropped'}")
