"""The tables of the store as SQLAlchemy models, for typed reads and writes.

The schema itself is created only by the Alembic migrations in ``pipeline/store/migrations`` (partitioning, check
constraints, HNSW indexes and TimescaleDB are there); an integration test checks that these models and the migrated
database agree. Event-fed tables (jobs, test_cases, results, findings) carry soft references to each other: events
come from two topics and arrive in any order, so a result may be stored before its job's first run event.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Final

import sqlalchemy as sa
from pgvector.sqlalchemy import Vector
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from pipeline.store.embeddings import EMBEDDING_DIM

# Jobs without a project (the command line) belong to this project, created by the first migration.
DEFAULT_PROJECT_ID: Final = uuid.UUID("00000000-0000-0000-0000-000000000001")
DEFAULT_PROJECT_SLUG: Final = "default"
# HNSW build parameters (pgvector's defaults, written down so a rebuild uses the same ones).
HNSW_OPTIONS: Final = {"m": 16, "ef_construction": 64}


def _hnsw(name: str, *, partial: bool = False) -> sa.Index:
    return sa.Index(
        name,
        "embedding",
        postgresql_using="hnsw",
        postgresql_with=HNSW_OPTIONS,
        postgresql_ops={"embedding": "vector_cosine_ops"},
        postgresql_where=sa.text("embedding IS NOT NULL") if partial else None,
    )


class Base(DeclarativeBase):
    type_annotation_map = {  # noqa: RUF012 (SQLAlchemy reads this class attribute)
        str: sa.Text,
        datetime: sa.DateTime(timezone=True),
        dict[str, Any]: JSONB,
        uuid.UUID: sa.Uuid,
        list[str]: ARRAY(sa.Text),
        list[float]: Vector(EMBEDDING_DIM),
    }


class Project(Base):
    __tablename__ = "projects"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, server_default=sa.text("gen_random_uuid()"))
    slug: Mapped[str] = mapped_column(unique=True)
    name: Mapped[str]
    created_at: Mapped[datetime] = mapped_column(server_default=sa.func.now())


class User(Base):
    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, server_default=sa.text("gen_random_uuid()"))
    email: Mapped[str] = mapped_column(unique=True)
    display_name: Mapped[str | None]
    role: Mapped[str]  # admin | manager | tester | viewer
    created_at: Mapped[datetime] = mapped_column(server_default=sa.func.now())
    disabled_at: Mapped[datetime | None]


class ProjectMember(Base):
    """A user's role in one project (project scoping: a user reads only the projects they belong to)."""

    __tablename__ = "project_members"

    project_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str]


class ApiKey(Base):
    """An API key is shown once; only its hash and a short prefix (to find and name it) are stored."""

    __tablename__ = "api_keys"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, server_default=sa.text("gen_random_uuid()"))
    user_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"))
    name: Mapped[str]
    prefix: Mapped[str] = mapped_column(unique=True)
    key_hash: Mapped[str]
    role: Mapped[str]
    created_at: Mapped[datetime] = mapped_column(server_default=sa.func.now())
    last_used_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class Spec(Base):
    """An uploaded or fetched API description. ``content_hash`` is the ``spec_id`` events carry."""

    __tablename__ = "specs"
    __table_args__ = (sa.UniqueConstraint("project_id", "content_hash"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, server_default=sa.text("gen_random_uuid()"))
    project_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"))
    content_hash: Mapped[str] = mapped_column(index=True)
    title: Mapped[str | None]
    version: Mapped[str | None]
    source: Mapped[str | None]
    raw: Mapped[str]
    normalised: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(server_default=sa.func.now())


class Operation(Base):
    __tablename__ = "operations"
    __table_args__ = (sa.UniqueConstraint("spec_id", "operation_id"),)

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    spec_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("specs.id", ondelete="CASCADE"))
    operation_id: Mapped[str]
    method: Mapped[str]
    path: Mapped[str]
    tags: Mapped[list[str]] = mapped_column(server_default=sa.text("'{}'"))
    summary: Mapped[str | None]


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (sa.Index("ix_jobs_project_created", "project_id", "created_at"),)

    job_id: Mapped[str] = mapped_column(primary_key=True)
    project_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("projects.id"), server_default=sa.text(f"'{DEFAULT_PROJECT_ID}'::uuid")
    )
    campaign_id: Mapped[str | None] = mapped_column(index=True)
    spec_id: Mapped[str | None]
    status: Mapped[str]
    status_rank: Mapped[int] = mapped_column(sa.SmallInteger)
    status_at: Mapped[datetime]
    kinds: Mapped[list[str] | None]
    seed: Mapped[int | None] = mapped_column(sa.BigInteger)
    base_url: Mapped[str | None]
    created_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    stats: Mapped[dict[str, Any]] = mapped_column(server_default=sa.text("'{}'::jsonb"))
    error: Mapped[str | None]
    updated_at: Mapped[datetime] = mapped_column(server_default=sa.func.now())


class StoredTestCase(Base):
    """A planned request as one job ran it. ``embedding`` is set for the cases chosen by the sink (by default
    the ones that did not pass) and indexed with HNSW for similar-case search."""

    __tablename__ = "test_cases"
    __table_args__ = (_hnsw("ix_test_cases_embedding", partial=True),)
    __test__ = False  # not a pytest test class

    job_id: Mapped[str] = mapped_column(primary_key=True)
    case_id: Mapped[str] = mapped_column(primary_key=True)
    job_started_at: Mapped[datetime] = mapped_column(index=True)
    operation_id: Mapped[str] = mapped_column(index=True)
    method: Mapped[str]
    path: Mapped[str]
    kind: Mapped[str]
    agent: Mapped[str]
    source: Mapped[str]
    identity: Mapped[str | None]
    seed: Mapped[int] = mapped_column(sa.BigInteger)
    scenario_id: Mapped[str | None]
    step: Mapped[int | None]
    expectation: Mapped[dict[str, Any]]
    violation: Mapped[dict[str, Any] | None]
    request: Mapped[dict[str, Any]]
    embedding: Mapped[list[float] | None]
    created_at: Mapped[datetime] = mapped_column(server_default=sa.func.now())


class Result(Base):
    """One executed case (partitioned by day of ``job_started_at``; see :mod:`pipeline.store.partitions`)."""

    __tablename__ = "results"
    __table_args__ = (
        sa.Index("ix_results_job_operation", "job_id", "operation_id"),
        {"postgresql_partition_by": "RANGE (job_started_at)"},
    )

    event_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    job_started_at: Mapped[datetime] = mapped_column(primary_key=True)
    schema_version: Mapped[int] = mapped_column(sa.SmallInteger)
    project_id: Mapped[uuid.UUID]
    job_id: Mapped[str]
    campaign_id: Mapped[str | None]
    spec_id: Mapped[str]
    case_id: Mapped[str]
    operation_id: Mapped[str]
    method: Mapped[str]
    path: Mapped[str]
    kind: Mapped[str]
    agent: Mapped[str]
    status: Mapped[str]
    http_status: Mapped[int | None] = mapped_column(sa.SmallInteger)
    error_kind: Mapped[str | None]
    elapsed_ms: Mapped[float] = mapped_column(sa.Double)
    attempts: Mapped[int] = mapped_column(sa.SmallInteger)
    executed_at: Mapped[datetime]
    worker: Mapped[str]
    findings_count: Mapped[int] = mapped_column(sa.SmallInteger)
    max_severity: Mapped[str | None]
    fingerprints: Mapped[list[str]]
    event: Mapped[dict[str, Any]]


class StoredFinding(Base):
    """One problem per (project, fingerprint) across all jobs; see :mod:`pipeline.store.states` for ``state``."""

    __tablename__ = "findings"
    __table_args__ = (
        sa.UniqueConstraint("project_id", "fingerprint"),
        sa.Index("ix_findings_project_state", "project_id", "state"),
        _hnsw("ix_findings_embedding"),
    )

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    project_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("projects.id"))
    fingerprint: Mapped[str]
    check: Mapped[str]
    severity: Mapped[str]
    title: Mapped[str]
    message: Mapped[str]
    operation_id: Mapped[str]
    kind: Mapped[str]
    method: Mapped[str]
    path: Mapped[str]
    case_id: Mapped[str]
    curl: Mapped[str]
    cwe: Mapped[str | None]
    owasp: Mapped[str | None]
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]
    first_job_id: Mapped[str]
    last_job_id: Mapped[str]
    last_job_started_at: Mapped[datetime]
    occurrences: Mapped[int] = mapped_column(sa.BigInteger)
    state: Mapped[str]
    state_changed_at: Mapped[datetime] = mapped_column(server_default=sa.func.now())
    fixed_job_id: Mapped[str | None]
    fixed_job_started_at: Mapped[datetime | None]
    embedding: Mapped[list[float] | None]


class AuditEntry(Base):
    """Who did what, when: one row per write through the API."""

    __tablename__ = "audit_log"
    __table_args__ = (sa.Index("ix_audit_log_project_at", "project_id", "at"),)

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    at: Mapped[datetime] = mapped_column(server_default=sa.func.now(), index=True)
    actor: Mapped[str]
    action: Mapped[str]
    project_id: Mapped[uuid.UUID | None]
    target_type: Mapped[str | None]
    target_id: Mapped[str | None]
    details: Mapped[dict[str, Any]] = mapped_column(server_default=sa.text("'{}'::jsonb"))
