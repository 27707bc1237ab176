"""Typed reads for the API and dashboards.

Time ranges filter on ``job_started_at``, the partition key, so Postgres only opens the partitions of the days asked
for. Nearest-neighbour searches order by pgvector's cosine distance (``<=>``) with a LIMIT, which is what lets the
planner walk the HNSW index instead of scanning the table.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Generic, TypeVar

import sqlalchemy as sa
from pgvector.sqlalchemy import Vector
from sqlalchemy.orm import Session

from pipeline.store.embeddings import EMBEDDING_DIM
from pipeline.store.schema import Result, StoredFinding, StoredTestCase
from pipeline.store.states import FindingState

# The HNSW search keeps this many candidates at least (pgvector's default); more when a caller wants more rows.
_MIN_EF_SEARCH: Final = 40

_Row = TypeVar("_Row")


@dataclass(frozen=True, slots=True)
class Similar(Generic[_Row]):
    """A row and its cosine distance to the query vector (0 = same direction, 2 = opposite)."""

    row: _Row
    distance: float


def results_in_range_stmt(
    start: datetime,
    end: datetime,
    *,
    project_id: uuid.UUID | None = None,
    job_id: str | None = None,
    statuses: Sequence[str] = (),
    operation_id: str | None = None,
    limit: int = 1000,
) -> sa.Select[Result]:
    """Results of jobs started in ``[start, end)``, newest execution first."""
    stmt = sa.select(Result).where(Result.job_started_at >= start, Result.job_started_at < end)
    if project_id is not None:
        stmt = stmt.where(Result.project_id == project_id)
    if job_id is not None:
        stmt = stmt.where(Result.job_id == job_id)
    if statuses:
        stmt = stmt.where(Result.status.in_(list(statuses)))
    if operation_id is not None:
        stmt = stmt.where(Result.operation_id == operation_id)
    return stmt.order_by(Result.executed_at.desc(), Result.event_id).limit(limit)


def results_in_range(
    session: Session,
    start: datetime,
    end: datetime,
    *,
    project_id: uuid.UUID | None = None,
    job_id: str | None = None,
    statuses: Sequence[str] = (),
    operation_id: str | None = None,
    limit: int = 1000,
) -> list[Result]:
    stmt = results_in_range_stmt(
        start, end, project_id=project_id, job_id=job_id, statuses=statuses, operation_id=operation_id, limit=limit
    )
    return list(session.scalars(stmt))


def findings_by_state(
    session: Session,
    state: FindingState | str,
    *,
    project_id: uuid.UUID | None = None,
    limit: int = 100,
) -> list[StoredFinding]:
    """Findings in ``state``, most recently seen first."""
    stmt = sa.select(StoredFinding).where(StoredFinding.state == str(state))
    if project_id is not None:
        stmt = stmt.where(StoredFinding.project_id == project_id)
    stmt = stmt.order_by(StoredFinding.last_seen.desc(), StoredFinding.id).limit(limit)
    return list(session.scalars(stmt))


def _distance(column: Any, embedding: Sequence[float]) -> sa.ColumnElement[float]:
    query = sa.bindparam("query_vector", list(embedding), type_=Vector(EMBEDDING_DIM))
    return column.op("<=>", return_type=sa.Float)(query)  # type: ignore[no-any-return]


def _search_settings(session: Session, limit: int, filtered: bool) -> None:
    # SET LOCAL: only for this transaction. A filter (project) needs iterative scans, or the index returns
    # ef_search candidates and the filter may leave fewer than ``limit``.
    session.execute(sa.text(f"SET LOCAL hnsw.ef_search = {max(_MIN_EF_SEARCH, 2 * limit)}"))
    if filtered:
        session.execute(sa.text("SET LOCAL hnsw.iterative_scan = strict_order"))


def similar_findings_stmt(
    embedding: Sequence[float], limit: int = 10, *, project_id: uuid.UUID | None = None
) -> sa.Select[StoredFinding, float]:
    distance = _distance(StoredFinding.embedding, embedding)
    stmt = sa.select(StoredFinding, distance.label("distance")).where(StoredFinding.embedding.is_not(None))
    if project_id is not None:
        stmt = stmt.where(StoredFinding.project_id == project_id)
    return stmt.order_by(distance).limit(limit)


def similar_findings(
    session: Session, embedding: Sequence[float], limit: int = 10, *, project_id: uuid.UUID | None = None
) -> list[Similar[StoredFinding]]:
    """The ``limit`` findings nearest to ``embedding`` (see :func:`pipeline.store.embeddings.embed_finding`)."""
    _search_settings(session, limit, project_id is not None)
    rows = session.execute(similar_findings_stmt(embedding, limit, project_id=project_id))
    return [Similar(finding, float(distance)) for finding, distance in rows]


def similar_cases(session: Session, embedding: Sequence[float], limit: int = 10) -> list[Similar[StoredTestCase]]:
    """The ``limit`` embedded test cases nearest to ``embedding`` (see ``embed_case``)."""
    _search_settings(session, limit, False)
    distance = _distance(StoredTestCase.embedding, embedding)
    stmt = (
        sa.select(StoredTestCase, distance.label("distance"))
        .where(StoredTestCase.embedding.is_not(None))
        .order_by(distance)
        .limit(limit)
    )
    return [Similar(case, float(d)) for case, d in session.execute(stmt)]
