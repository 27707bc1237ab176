"""The Postgres sink: results, test cases and findings in one transaction per batch; jobs from run events.

``write_results`` first makes sure the daily partition of every ``job_started_at`` in the batch exists (in a short
transaction of its own: creating a partition locks the parent), then, in one transaction, COPYs the batch into
staging tables and moves it with set-based upserts (:mod:`pipeline.store.writes`). Idempotent: a replayed batch
stores nothing twice and counts no finding twice.

Embeddings: every new finding gets one (computed once per fingerprint, skipped for fingerprints this sink has
already stored). Test cases get one when ``case_embeddings`` says so: by default only the cases that did not pass,
because each vector entering the HNSW graph costs about a millisecond here (10k rows: 6–14 s against 0.3 s
without the index) and similar-failure search is about failures.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any, Final, Literal

import psycopg
import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from agent_core.events import ResultEvent, RunEvent, RunEventType
from agent_core.models import Status
from pipeline import transforms
from pipeline.sinks.base import Backpressure, SinkError
from pipeline.store import writes
from pipeline.store.embeddings import embed_case, embed_finding, vector_literal
from pipeline.store.engine import make_engine
from pipeline.store.partitions import day_of, ensure_days

logger = logging.getLogger(__name__)

CaseEmbeddings = Literal["all", "not_passed", "none"]

# SQLSTATEs that mean "not now" rather than "never": connection loss, server starting or shutting down, lock and
# serialisation conflicts, timeouts, resource limits.
_TRANSIENT: Final = frozenset(
    {"40001", "40P01", "53000", "53100", "53200", "53300", "53400", "55P03", "57014", "57P01", "57P02", "57P03"}
)
# Undefined table, column, function, object: the schema is older (or newer) than this code.
_SCHEMA_MISMATCH: Final = frozenset({"42P01", "42703", "42883", "42704"})
_INSUFFICIENT_PRIVILEGE: Final = "42501"
_RETRY_AFTER_CONFLICT: Final = 0.5
_RETRY_AFTER_UNAVAILABLE: Final = 5.0
# Bounds the memory of fingerprints known to be stored (their embeddings are not computed again).
_KNOWN_FINGERPRINTS: Final = 100_000


class PostgresSink:
    """Sink into the store at ``engine`` (schema at head: ``sentinel db upgrade``). An engine passed in stays the
    caller's to dispose of; :meth:`from_dsn` makes one that :meth:`close` disposes of."""

    name = "postgres"

    def __init__(
        self,
        engine: sa.Engine,
        *,
        case_embeddings: CaseEmbeddings = "not_passed",
        lock_timeout_s: float = 10.0,
        statement_timeout_s: float = 120.0,
    ) -> None:
        self._engine = engine
        self._case_embeddings = case_embeddings
        # A write stuck behind a lock or a slow server becomes Backpressure instead of a consumer that stops
        # polling (and is evicted from its group).
        self._timeouts = (
            f"SET LOCAL lock_timeout = '{int(lock_timeout_s * 1000)}ms'",
            f"SET LOCAL statement_timeout = '{int(statement_timeout_s * 1000)}ms'",
        )
        self._days: set[date] = set()
        self._fingerprints: set[str] = set()
        self._owns_engine = False
        # Results stored for the first time, and results that were already there (a redelivery or a replay).
        self.stored = 0
        self.already_stored = 0

    @classmethod
    def from_dsn(
        cls,
        dsn: str,
        *,
        pool_size: int = 2,
        case_embeddings: CaseEmbeddings = "not_passed",
        lock_timeout_s: float = 10.0,
        statement_timeout_s: float = 120.0,
    ) -> PostgresSink:
        """A sink with its own engine, disposed of by :meth:`close`."""
        sink = cls(
            make_engine(dsn, pool_size=pool_size),
            case_embeddings=case_embeddings,
            lock_timeout_s=lock_timeout_s,
            statement_timeout_s=statement_timeout_s,
        )
        sink._owns_engine = True
        return sink

    def write_results(self, batch: Sequence[ResultEvent]) -> None:
        if not batch:
            return
        staged = self._stage(batch)
        days = {day_of(event.job_started_at) for event in batch}
        with _mapped_errors():
            self._ensure_days(days)
            try:
                inserted, findings = self._write(staged)
            except sa_exc.IntegrityError as error:
                if not _missing_partition(error):
                    raise
                # A partition this sink remembered was dropped by retention meanwhile: look again, once.
                self._days.clear()
                self._ensure_days(days)
                inserted, findings = self._write(staged)
        self._remember(staged.fingerprints)
        self.stored += inserted
        self.already_stored += len(batch) - inserted
        logger.debug("stored %d of %d results, %d findings touched", inserted, len(batch), findings)

    def write_runs(self, batch: Sequence[RunEvent]) -> None:
        if not batch:
            return
        rows = [transforms.job_row(event) for event in batch]
        finished = sorted({e.job_id for e in batch if e.type is RunEventType.FINISHED})
        with _mapped_errors(), self._engine.begin() as conn:
            self._limit(conn)
            writes.upsert_jobs(conn, rows)
            for job_id in finished:
                fixed = writes.apply_fixes(conn, job_id)
                logger.info("job %s finished: %d findings fixed", job_id, fixed)

    def close(self) -> None:
        if self._owns_engine:
            self._engine.dispose()

    def _ensure_days(self, days: set[date]) -> None:
        missing = days - self._days
        if missing:
            with self._engine.begin() as conn:
                ensure_days(conn, missing)
            self._days |= missing

    def _stage(self, batch: Sequence[ResultEvent]) -> _Staged:
        staged = _Staged()
        for event in batch:
            staged.results.append(transforms.row_values(transforms.result_row(event), transforms.RESULT_COLUMNS))
            case_values = transforms.row_values(transforms.case_row(event), transforms.CASE_COLUMNS)
            staged.cases.append((*case_values, self._case_vector(event)))
            label = transforms.operation_label(event)
            for finding, row in zip(event.findings, transforms.finding_rows(event), strict=True):
                staged.findings.append(transforms.row_values(row, transforms.FINDING_COLUMNS))
                fingerprint = finding.fingerprint
                if fingerprint not in self._fingerprints and fingerprint not in staged.vectors:
                    staged.vectors[fingerprint] = vector_literal(embed_finding(finding, label))
                staged.fingerprints.add(fingerprint)
        return staged

    def _case_vector(self, event: ResultEvent) -> str | None:
        mode = self._case_embeddings
        if mode == "all" or (mode == "not_passed" and event.execution.status is not Status.PASSED):
            return vector_literal(embed_case(event.case))
        return None

    def _write(self, staged: _Staged) -> tuple[int, int]:
        with self._engine.begin() as conn:
            self._limit(conn)
            writes.create_staging(conn)
            writes.copy_rows(conn, writes.STAGE_RESULTS, transforms.RESULT_COLUMNS, staged.results)
            writes.copy_rows(conn, writes.STAGE_CASES, writes.CASE_STAGE_COLUMNS, staged.cases)
            if staged.findings:
                writes.copy_rows(conn, writes.STAGE_FINDINGS, transforms.FINDING_COLUMNS, staged.findings)
                writes.copy_rows(conn, writes.STAGE_VECTORS, writes.VECTOR_COLUMNS, staged.vectors.items())
            inserted, findings = writes.insert_staged(conn)
            job_ids = {row[transforms.RESULT_COLUMNS.index("job_id")] for row in staged.results}
            for job_id in writes.finished_jobs(conn, job_ids):
                # Results that arrive after their job finished: what the job fixed is evaluated again.
                writes.apply_fixes(conn, job_id)
        return inserted, findings

    def _limit(self, conn: sa.Connection) -> None:
        for statement in self._timeouts:
            conn.execute(sa.text(statement))

    def _remember(self, fingerprints: set[str]) -> None:
        if len(self._fingerprints) + len(fingerprints) > _KNOWN_FINGERPRINTS:
            self._fingerprints.clear()
        self._fingerprints |= fingerprints


class _Staged:
    __slots__ = ("cases", "findings", "fingerprints", "results", "vectors")

    def __init__(self) -> None:
        self.results: list[tuple[Any, ...]] = []
        self.cases: list[tuple[Any, ...]] = []
        self.findings: list[tuple[Any, ...]] = []
        self.vectors: dict[str, str] = {}
        self.fingerprints: set[str] = set()


def _sqlstate(error: sa_exc.DBAPIError | psycopg.Error) -> str | None:
    orig = error.orig if isinstance(error, sa_exc.DBAPIError) else error
    return orig.sqlstate if isinstance(orig, psycopg.Error) else None


def _missing_partition(error: sa_exc.IntegrityError) -> bool:
    # 23514 is also any CHECK violation; only the routing failure names "no partition".
    return _sqlstate(error) == "23514" and "no partition" in str(error.orig)


@contextlib.contextmanager
def _mapped_errors() -> Iterator[None]:
    """Database errors in the sink contract's terms: Backpressure (retry later) or SinkError (never works)."""
    try:
        yield
    except (sa_exc.DBAPIError, psycopg.Error) as error:
        # COPY runs on the psycopg connection itself, so its errors arrive unwrapped.
        mapped = _translate(error)
        if mapped is None:
            raise
        raise mapped from error


def _translate(error: sa_exc.DBAPIError | psycopg.Error) -> Exception | None:
    state = _sqlstate(error) or ""
    orig = error.orig if isinstance(error, sa_exc.DBAPIError) else error
    detail = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
    if state in _TRANSIENT or state.startswith("08"):
        retry = _RETRY_AFTER_CONFLICT if state.startswith("40") or state == "55P03" else _RETRY_AFTER_UNAVAILABLE
        return Backpressure(retry, f"postgres {state}: {detail}")
    invalidated = isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated
    if not state and (invalidated or isinstance(error, sa_exc.OperationalError | psycopg.OperationalError)):
        return Backpressure(_RETRY_AFTER_UNAVAILABLE, f"postgres unavailable: {detail}")
    if state.startswith(("22", "23")):
        return SinkError(f"postgres refused the batch ({state}): {detail}", "SINK_BAD_DATA")
    if state == _INSUFFICIENT_PRIVILEGE:
        return SinkError(f"the store's user may not write here ({state}): {detail}", "SINK_PERMISSION")
    if state in _SCHEMA_MISMATCH:
        return SinkError(
            f"the store's schema is not what this release expects ({state}): {detail}; run `sentinel db upgrade`",
            "SINK_SCHEMA",
        )
    return None
