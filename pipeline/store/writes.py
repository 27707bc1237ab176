"""Batch writes into the store: COPY into session-local staging tables, then set-based upserts.

The staging tables are temporary, created once per connection and emptied at every commit (``ON COMMIT DELETE
ROWS``), so a batch costs no catalog churn. The statements rely on the rows being staged in the same transaction.

Idempotence: ``results`` takes each ``(event_id, job_started_at)`` once (``ON CONFLICT DO NOTHING``), and the
occurrences folded into ``findings`` are joined to the result rows that statement actually inserted, so a replayed
batch neither stores a result twice nor counts its findings twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Final

import psycopg
import sqlalchemy as sa

from pipeline.store.schema import DEFAULT_PROJECT_ID
from pipeline.store.states import FIX_ON_FINISH_SQL, STATE_ON_OCCURRENCE_SQL
from pipeline.transforms import CASE_COLUMNS, RESULT_COLUMNS

STAGE_RESULTS: Final = "sentinel_stage_results"
STAGE_CASES: Final = "sentinel_stage_cases"
STAGE_FINDINGS: Final = "sentinel_stage_findings"
STAGE_VECTORS: Final = "sentinel_stage_vectors"
CASE_STAGE_COLUMNS: Final = (*CASE_COLUMNS, "embedding")
VECTOR_COLUMNS: Final = ("fingerprint", "embedding")

_STAGING_DDL: Final = (
    f"""CREATE TEMP TABLE IF NOT EXISTS {STAGE_RESULTS} (
        event_id uuid, job_started_at timestamptz, schema_version smallint, job_id text, campaign_id text,
        spec_id text, case_id text, operation_id text, method text, path text, kind text, agent text, status text,
        http_status smallint, error_kind text, elapsed_ms double precision, attempts smallint,
        executed_at timestamptz, worker text, findings_count smallint, max_severity text, fingerprints text[],
        event jsonb
    ) ON COMMIT DELETE ROWS""",
    f"""CREATE TEMP TABLE IF NOT EXISTS {STAGE_CASES} (
        job_id text, case_id text, job_started_at timestamptz, operation_id text, method text, path text,
        kind text, agent text, source text, identity text, seed bigint, scenario_id text, step integer,
        expectation jsonb, violation jsonb, request jsonb, embedding vector
    ) ON COMMIT DELETE ROWS""",
    f"""CREATE TEMP TABLE IF NOT EXISTS {STAGE_FINDINGS} (
        event_id uuid, job_id text, job_started_at timestamptz, executed_at timestamptz, fingerprint text,
        "check" text, severity text, title text, message text, operation_id text, kind text, method text,
        path text, case_id text, curl text, cwe text, owasp text
    ) ON COMMIT DELETE ROWS""",
    f"""CREATE TEMP TABLE IF NOT EXISTS {STAGE_VECTORS} (
        fingerprint text, embedding vector
    ) ON COMMIT DELETE ROWS""",
)


def _columns(columns: Iterable[str]) -> str:
    return ", ".join(f'"{c}"' for c in columns)


_RESULT_LIST: Final = _columns(RESULT_COLUMNS)

INSERT_CASES_SQL: Final = (
    f"INSERT INTO test_cases ({_columns(CASE_STAGE_COLUMNS)}) "  # noqa: S608 (constants only)
    f"SELECT {_columns(CASE_STAGE_COLUMNS)} FROM {STAGE_CASES} "
    "ON CONFLICT (job_id, case_id) DO NOTHING"
)

# The batch's occurrences are newer than what the finding shows (batches may arrive out of order): then its
# latest wording, example case and reproduction replace the stored ones.
_NEWER: Final = (
    "(EXCLUDED.last_job_started_at, EXCLUDED.last_seen) >= (findings.last_job_started_at, findings.last_seen)"
)

# One statement: insert the new results, fold the findings of exactly those results into ``findings``.
# Returns (results inserted, findings inserted or updated).
INSERT_RESULTS_SQL: Final = f"""
WITH inserted AS (
    INSERT INTO results ({_RESULT_LIST}, project_id)
    SELECT {", ".join(f's."{c}"' for c in RESULT_COLUMNS)}, COALESCE(j.project_id, '{DEFAULT_PROJECT_ID}'::uuid)
    FROM {STAGE_RESULTS} s LEFT JOIN jobs j ON j.job_id = s.job_id
    ON CONFLICT (event_id, job_started_at) DO NOTHING
    RETURNING event_id, job_started_at, project_id
),
occurrence AS (
    SELECT i.project_id, f.*
    FROM {STAGE_FINDINGS} f JOIN inserted i ON i.event_id = f.event_id AND i.job_started_at = f.job_started_at
),
counted AS (
    SELECT project_id, fingerprint, count(*) AS n, count(DISTINCT job_id) AS jobs,
           min(executed_at) AS first_seen, max(executed_at) AS last_seen,
           (array_agg(job_id ORDER BY job_started_at, executed_at))[1] AS first_job_id
    FROM occurrence GROUP BY project_id, fingerprint
),
latest AS (
    SELECT DISTINCT ON (project_id, fingerprint) *
    FROM occurrence ORDER BY project_id, fingerprint, job_started_at DESC, executed_at DESC
),
upserted AS (
    INSERT INTO findings AS findings (
        project_id, fingerprint, "check", severity, title, message, operation_id, kind, method, path, case_id,
        curl, cwe, owasp, first_seen, last_seen, first_job_id, last_job_id, last_job_started_at, occurrences,
        state, embedding
    )
    SELECT l.project_id, l.fingerprint, l."check", l.severity, l.title, l.message, l.operation_id, l.kind,
           l.method, l.path, l.case_id, l.curl, l.cwe, l.owasp, c.first_seen, c.last_seen, c.first_job_id,
           l.job_id, l.job_started_at, c.n, CASE WHEN c.jobs > 1 THEN 'recurring' ELSE 'new' END, v.embedding
    FROM latest l
    JOIN counted c ON c.project_id = l.project_id AND c.fingerprint = l.fingerprint
    LEFT JOIN {STAGE_VECTORS} v ON v.fingerprint = l.fingerprint
    ON CONFLICT (project_id, fingerprint) DO UPDATE SET
        occurrences = findings.occurrences + EXCLUDED.occurrences,
        first_seen = LEAST(findings.first_seen, EXCLUDED.first_seen),
        last_seen = GREATEST(findings.last_seen, EXCLUDED.last_seen),
        state = {STATE_ON_OCCURRENCE_SQL.strip()},
        state_changed_at = CASE WHEN ({STATE_ON_OCCURRENCE_SQL.strip()}) <> findings.state
                                THEN now() ELSE findings.state_changed_at END,
        last_job_id = CASE WHEN {_NEWER} THEN EXCLUDED.last_job_id ELSE findings.last_job_id END,
        last_job_started_at = GREATEST(findings.last_job_started_at, EXCLUDED.last_job_started_at),
        severity = CASE WHEN {_NEWER} THEN EXCLUDED.severity ELSE findings.severity END,
        title = CASE WHEN {_NEWER} THEN EXCLUDED.title ELSE findings.title END,
        message = CASE WHEN {_NEWER} THEN EXCLUDED.message ELSE findings.message END,
        case_id = CASE WHEN {_NEWER} THEN EXCLUDED.case_id ELSE findings.case_id END,
        curl = CASE WHEN {_NEWER} THEN EXCLUDED.curl ELSE findings.curl END,
        embedding = COALESCE(findings.embedding, EXCLUDED.embedding)
    RETURNING 1
)
SELECT (SELECT count(*) FROM inserted), (SELECT count(*) FROM upserted)
"""  # noqa: S608 (constants only)

# Finished jobs among the given ids (for late results: a finished job re-evaluates what it fixed).
FINISHED_JOBS_SQL: Final = "SELECT job_id FROM jobs WHERE job_id = ANY(:ids) AND status = 'finished'"

# Job upsert: an event moves the job only when (rank, at) does not go backwards; see pipeline.store.states.
_ADVANCES: Final = "(EXCLUDED.status_rank, EXCLUDED.status_at) >= (jobs.status_rank, jobs.status_at)"
UPSERT_JOB_SQL: Final = f"""
INSERT INTO jobs AS jobs (job_id, project_id, campaign_id, spec_id, status, status_rank, status_at, kinds, seed,
                          base_url, created_at, started_at, finished_at, stats, error)
VALUES (:job_id, COALESCE(CAST(:project_id AS uuid), '{DEFAULT_PROJECT_ID}'::uuid), :campaign_id, :spec_id,
        :status, :status_rank, :status_at, :kinds, :seed, :base_url, :created_at, :started_at, :finished_at,
        CAST(:stats AS jsonb), :error)
ON CONFLICT (job_id) DO UPDATE SET
    status = CASE WHEN {_ADVANCES} THEN EXCLUDED.status ELSE jobs.status END,
    status_rank = CASE WHEN {_ADVANCES} THEN EXCLUDED.status_rank ELSE jobs.status_rank END,
    status_at = CASE WHEN {_ADVANCES} THEN EXCLUDED.status_at ELSE jobs.status_at END,
    stats = CASE WHEN {_ADVANCES} THEN EXCLUDED.stats ELSE jobs.stats END,
    error = CASE WHEN {_ADVANCES} THEN COALESCE(EXCLUDED.error, jobs.error) ELSE jobs.error END,
    finished_at = CASE WHEN {_ADVANCES} AND EXCLUDED.finished_at IS NOT NULL
                       THEN EXCLUDED.finished_at ELSE jobs.finished_at END,
    created_at = LEAST(jobs.created_at, EXCLUDED.created_at),
    started_at = COALESCE(jobs.started_at, EXCLUDED.started_at),
    campaign_id = COALESCE(jobs.campaign_id, EXCLUDED.campaign_id),
    spec_id = COALESCE(jobs.spec_id, EXCLUDED.spec_id),
    kinds = COALESCE(EXCLUDED.kinds, jobs.kinds),
    seed = COALESCE(EXCLUDED.seed, jobs.seed),
    base_url = COALESCE(EXCLUDED.base_url, jobs.base_url),
    updated_at = now()
"""  # noqa: S608 (constants only)


def driver_connection(conn: sa.Connection) -> psycopg.Connection[Any]:
    """The psycopg connection under a SQLAlchemy one (same transaction), for COPY."""
    raw = conn.connection.driver_connection
    if not isinstance(raw, psycopg.Connection):
        raise TypeError(f"the store needs the psycopg driver, got {type(raw).__name__}")
    return raw


def create_staging(conn: sa.Connection) -> None:
    for ddl in _STAGING_DDL:
        conn.execute(sa.text(ddl))


def copy_rows(conn: sa.Connection, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """COPY ``rows`` (values in ``columns`` order) into ``table`` inside the current transaction."""
    with (
        driver_connection(conn).cursor() as cursor,
        cursor.copy(f"COPY {table} ({_columns(columns)}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def insert_staged(conn: sa.Connection) -> tuple[int, int]:
    """Move what is staged into the tables; returns (results inserted, findings inserted or updated)."""
    conn.execute(sa.text(INSERT_CASES_SQL))
    inserted, findings = conn.execute(sa.text(INSERT_RESULTS_SQL)).one()
    return int(inserted), int(findings)


def finished_jobs(conn: sa.Connection, job_ids: Iterable[str]) -> list[str]:
    ids = sorted(set(job_ids))
    if not ids:
        return []
    return list(conn.execute(sa.text(FINISHED_JOBS_SQL), {"ids": ids}).scalars())


def apply_fixes(conn: sa.Connection, job_id: str) -> int:
    """Mark fixed what the finished job ``job_id`` covered and did not see; returns how many findings changed."""
    return conn.execute(sa.text(FIX_ON_FINISH_SQL), {"job_id": job_id}).rowcount


def upsert_jobs(conn: sa.Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Apply job rows in the order given (one statement each: a batch may hold several events of one job)."""
    if rows:
        conn.execute(sa.text(UPSERT_JOB_SQL), list(rows))
