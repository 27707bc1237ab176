"""The store: projects, users and keys, specs and operations, jobs, test cases, results, findings, audit log.

``results`` is partitioned by day of ``job_started_at`` (``pipeline.store.partitions``), or a TimescaleDB hypertable
with compression and retention policies where that extension can be used (``pipeline.store.timescale``). The
options come from ``pipeline.store.migrate.upgrade`` through the Alembic config's attributes.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import context, op
from pgvector.sqlalchemy import Vector
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from pipeline.store import timescale
from pipeline.store.embeddings import EMBEDDING_DIM
from pipeline.store.schema import DEFAULT_PROJECT_ID, DEFAULT_PROJECT_SLUG

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

# Vocabularies as they stood at this revision (agent_core.models, pipeline.store.states); a later revision that
# extends one replaces its check constraint.
ROLES = ("admin", "manager", "tester", "viewer")
JOB_STATUSES = ("created", "running", "finished", "failed")
STATUSES = ("passed", "failed", "error", "skipped")
KINDS = ("functional", "negative", "stateful", "security", "performance")
SEVERITIES = ("critical", "high", "medium", "low", "info")
FINDING_STATES = ("new", "recurring", "fixed", "regressed")
# HNSW build parameters as of this revision. Smaller than pgvector's defaults (16, 64): inserting a row costs about a
# quarter (0.27 ms against 1.2 ms here), which is what a sink writing thousands of rows a second needs, and the
# 256-dimension hashed embeddings keep a good recall at these sizes (tests/integration/store).
HNSW = {"m": 8, "ef_construction": 32}


def _one_of(column: str, values: tuple[str, ...], *, nullable: bool = False) -> sa.CheckConstraint:
    listed = ", ".join(f"'{v}'" for v in values)
    condition = f"{column} IN ({listed})"
    if nullable:
        condition = f"{column} IS NULL OR {condition}"
    return sa.CheckConstraint(condition, name=f"ck_{column}_valid")


def _now() -> sa.TextClause:
    return sa.text("now()")


def _options() -> dict[str, Any]:
    return dict(context.config.attributes)


def _use_timescale() -> bool:
    wanted = _options().get("timescale")
    if wanted is not None:
        return bool(wanted)
    return timescale.timescale_usable(op.get_bind())


def upgrade() -> None:
    tstz = sa.DateTime(timezone=True)
    op.execute("CREATE EXTENSION IF NOT EXISTS vector")

    op.create_table(
        "projects",
        sa.Column("id", sa.Uuid, primary_key=True, server_default=sa.text("gen_random_uuid()")),
        sa.Column("slug", sa.Text, nullable=False, unique=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("created_at", tstz, nullable=False, server_default=_now()),
    )
    op.execute(
        f"INSERT INTO projects (id, slug, name) VALUES ('{DEFAULT_PROJECT_ID}', '{DEFAULT_PROJECT_SLUG}', "  # noqa: S608
        "'Default project') ON CONFLICT DO NOTHING"
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Uuid, primary_key=True, server_default=sa.text("gen_random_uuid()")),
        sa.Column("email", sa.Text, nullable=False, unique=True),
        sa.Column("display_name", sa.Text),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("created_at", tstz, nullable=False, server_default=_now()),
        sa.Column("disabled_at", tstz),
        _one_of("role", ROLES),
    )
    op.create_table(
        "project_members",
        sa.Column("project_id", sa.Uuid, sa.ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("user_id", sa.Uuid, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("role", sa.Text, nullable=False),
        _one_of("role", ROLES),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Uuid, primary_key=True, server_default=sa.text("gen_random_uuid()")),
        sa.Column("user_id", sa.Uuid, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("project_id", sa.Uuid, sa.ForeignKey("projects.id", ondelete="CASCADE")),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("prefix", sa.Text, nullable=False, unique=True),
        sa.Column("key_hash", sa.Text, nullable=False),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("created_at", tstz, nullable=False, server_default=_now()),
        sa.Column("last_used_at", tstz),
        sa.Column("expires_at", tstz),
        sa.Column("revoked_at", tstz),
        _one_of("role", ROLES),
    )
    op.create_table(
        "specs",
        sa.Column("id", sa.Uuid, primary_key=True, server_default=sa.text("gen_random_uuid()")),
        sa.Column("project_id", sa.Uuid, sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
        sa.Column("content_hash", sa.Text, nullable=False, index=True),
        sa.Column("title", sa.Text),
        sa.Column("version", sa.Text),
        sa.Column("source", sa.Text),
        sa.Column("raw", sa.Text, nullable=False),
        sa.Column("normalised", JSONB, nullable=False),
        sa.Column("created_at", tstz, nullable=False, server_default=_now()),
        sa.UniqueConstraint("project_id", "content_hash"),
    )
    op.create_table(
        "operations",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("spec_id", sa.Uuid, sa.ForeignKey("specs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("operation_id", sa.Text, nullable=False),
        sa.Column("method", sa.Text, nullable=False),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("tags", ARRAY(sa.Text), nullable=False, server_default=sa.text("'{}'")),
        sa.Column("summary", sa.Text),
        sa.UniqueConstraint("spec_id", "operation_id"),
    )
    op.create_table(
        "jobs",
        sa.Column("job_id", sa.Text, primary_key=True),
        sa.Column(
            "project_id",
            sa.Uuid,
            sa.ForeignKey("projects.id"),
            nullable=False,
            server_default=sa.text(f"'{DEFAULT_PROJECT_ID}'::uuid"),
        ),
        sa.Column("campaign_id", sa.Text, index=True),
        sa.Column("spec_id", sa.Text),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("status_rank", sa.SmallInteger, nullable=False),
        sa.Column("status_at", tstz, nullable=False),
        sa.Column("kinds", ARRAY(sa.Text)),
        sa.Column("seed", sa.BigInteger),
        sa.Column("base_url", sa.Text),
        sa.Column("created_at", tstz),
        sa.Column("started_at", tstz),
        sa.Column("finished_at", tstz),
        sa.Column("stats", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
        sa.Column("error", sa.Text),
        sa.Column("updated_at", tstz, nullable=False, server_default=_now()),
        _one_of("status", JOB_STATUSES),
    )
    op.create_index("ix_jobs_project_created", "jobs", ["project_id", "created_at"])

    op.create_table(
        "test_cases",
        sa.Column("job_id", sa.Text, primary_key=True),
        sa.Column("case_id", sa.Text, primary_key=True),
        sa.Column("job_started_at", tstz, nullable=False, index=True),
        sa.Column("operation_id", sa.Text, nullable=False, index=True),
        sa.Column("method", sa.Text, nullable=False),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("agent", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("identity", sa.Text),
        sa.Column("seed", sa.BigInteger, nullable=False),
        sa.Column("scenario_id", sa.Text),
        sa.Column("step", sa.Integer),
        sa.Column("expectation", JSONB, nullable=False),
        sa.Column("violation", JSONB),
        sa.Column("request", JSONB, nullable=False),
        sa.Column("embedding", Vector(EMBEDDING_DIM)),
        sa.Column("created_at", tstz, nullable=False, server_default=_now()),
        _one_of("kind", KINDS),
    )
    # Partial: only the embedded cases enter the graph, so passed cases cost nothing at insert time.
    op.create_index(
        "ix_test_cases_embedding",
        "test_cases",
        ["embedding"],
        postgresql_using="hnsw",
        postgresql_with=HNSW,
        postgresql_ops={"embedding": "vector_cosine_ops"},
        postgresql_where=sa.text("embedding IS NOT NULL"),
    )

    use_timescale = _use_timescale()
    op.create_table(
        "results",
        sa.Column("event_id", sa.Uuid, nullable=False),
        sa.Column("job_started_at", tstz, nullable=False),
        sa.Column("schema_version", sa.SmallInteger, nullable=False),
        sa.Column("project_id", sa.Uuid, nullable=False),
        sa.Column("job_id", sa.Text, nullable=False),
        sa.Column("campaign_id", sa.Text),
        sa.Column("spec_id", sa.Text, nullable=False),
        sa.Column("case_id", sa.Text, nullable=False),
        sa.Column("operation_id", sa.Text, nullable=False),
        sa.Column("method", sa.Text, nullable=False),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("agent", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("http_status", sa.SmallInteger),
        sa.Column("error_kind", sa.Text),
        sa.Column("elapsed_ms", sa.Double, nullable=False),
        sa.Column("attempts", sa.SmallInteger, nullable=False),
        sa.Column("executed_at", tstz, nullable=False),
        sa.Column("worker", sa.Text, nullable=False),
        sa.Column("findings_count", sa.SmallInteger, nullable=False),
        sa.Column("max_severity", sa.Text),
        sa.Column("fingerprints", ARRAY(sa.Text), nullable=False),
        sa.Column("event", JSONB, nullable=False),
        sa.PrimaryKeyConstraint("event_id", "job_started_at"),
        _one_of("status", STATUSES),
        _one_of("kind", KINDS),
        _one_of("max_severity", SEVERITIES, nullable=True),
        postgresql_partition_by=None if use_timescale else "RANGE (job_started_at)",
    )
    op.create_index("ix_results_job_operation", "results", ["job_id", "operation_id"])
    if use_timescale:
        options = _options()
        for statement in timescale.hypertable_statements(
            retention_days=int(options.get("retention_days", 90)),
            compress_after_days=int(options.get("compress_after_days", 7)),
        ):
            op.execute(statement)

    op.create_table(
        "findings",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("project_id", sa.Uuid, sa.ForeignKey("projects.id"), nullable=False),
        sa.Column("fingerprint", sa.Text, nullable=False),
        sa.Column("check", sa.Text, nullable=False),
        sa.Column("severity", sa.Text, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("operation_id", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("method", sa.Text, nullable=False),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("case_id", sa.Text, nullable=False),
        sa.Column("curl", sa.Text, nullable=False),
        sa.Column("cwe", sa.Text),
        sa.Column("owasp", sa.Text),
        sa.Column("first_seen", tstz, nullable=False),
        sa.Column("last_seen", tstz, nullable=False),
        sa.Column("first_job_id", sa.Text, nullable=False),
        sa.Column("last_job_id", sa.Text, nullable=False),
        sa.Column("last_job_started_at", tstz, nullable=False),
        sa.Column("occurrences", sa.BigInteger, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("state_changed_at", tstz, nullable=False, server_default=_now()),
        sa.Column("fixed_job_id", sa.Text),
        sa.Column("fixed_job_started_at", tstz),
        sa.Column("embedding", Vector(EMBEDDING_DIM)),
        sa.UniqueConstraint("project_id", "fingerprint"),
        _one_of("severity", SEVERITIES),
        _one_of("state", FINDING_STATES),
    )
    # Every batch updates last_seen and occurrences; free space on each page keeps those updates HOT, so they
    # do not add entries to the HNSW graph.
    op.execute("ALTER TABLE findings SET (fillfactor = 80)")
    op.create_index("ix_findings_project_state", "findings", ["project_id", "state"])
    op.create_index(
        "ix_findings_embedding",
        "findings",
        ["embedding"],
        postgresql_using="hnsw",
        postgresql_with=HNSW,
        postgresql_ops={"embedding": "vector_cosine_ops"},
    )

    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("at", tstz, nullable=False, server_default=_now(), index=True),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("project_id", sa.Uuid),
        sa.Column("target_type", sa.Text),
        sa.Column("target_id", sa.Text),
        sa.Column("details", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
    )
    op.create_index("ix_audit_log_project_at", "audit_log", ["project_id", "at"])


def downgrade() -> None:
    if timescale.is_hypertable(op.get_bind()):
        for statement in timescale.remove_policies_statements():
            op.execute(statement)
    for table in (
        "audit_log",
        "findings",
        "results",
        "test_cases",
        "jobs",
        "operations",
        "specs",
        "api_keys",
        "project_members",
        "users",
        "projects",
    ):
        op.drop_table(table)
