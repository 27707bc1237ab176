"""Lifecycles kept in the store: a job's status and a finding's state, with the SQL that applies them.

Job status
----------
``created`` → ``running`` → ``finished`` | ``failed``. Run events arrive from their own topic, possibly out of order
and possibly twice; a job's row takes an event's status only when ``(rank, at)`` of the event is at least the row's,
so a late ``started`` never turns a finished job back into a running one. ``progressed`` events count as
``running`` (they refresh the stats while the job runs). Between the two terminal states the later event wins.

Finding state
-------------
A finding is one row per (project, fingerprint). Its state follows these rules:

* **new**: seen for the first time; stays new while every occurrence comes from the job that first saw it.
* **recurring**: seen again by another job while new, or by a job after the one that regressed it.
* **fixed**: a job *finished* (a ``failed`` job proves nothing) that covered the finding and did not see it:
  the job tested the finding's operation with cases of the finding's kind that got a response (status passed or
  failed, so the checks ran), ran the finding's check (when the job lists its checks in ``stats["checks"]``;
  otherwise all checks count as run), and the finding was last seen before that job started.
* **regressed**: seen again by a job that started after the job that fixed it. An occurrence from a job that
  started before the fixing job (events arrive late, or the job's results were still in flight when its
  ``finished`` event was applied) means the fix was wrong: the finding goes back to recurring.

Occurrences only count for results stored for the first time, so replaying a batch changes nothing.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final


class JobStatus(StrEnum):
    CREATED = "created"
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"

    @property
    def rank(self) -> int:
        """Position in the lifecycle; a job's status only ever moves to an equal or higher rank."""
        return _JOB_RANK[self]


_JOB_RANK: Final = {JobStatus.CREATED: 0, JobStatus.RUNNING: 1, JobStatus.FINISHED: 2, JobStatus.FAILED: 2}


class FindingState(StrEnum):
    NEW = "new"
    RECURRING = "recurring"
    FIXED = "fixed"
    REGRESSED = "regressed"


# The state of an existing finding (alias ``findings``) after new occurrences (alias ``EXCLUDED``), in the job
# ``EXCLUDED.last_job_id`` that started at ``EXCLUDED.last_job_started_at``.
STATE_ON_OCCURRENCE_SQL: Final = """
CASE
    WHEN findings.state = 'fixed' AND EXCLUDED.last_job_started_at > findings.fixed_job_started_at THEN 'regressed'
    WHEN findings.state = 'fixed' THEN 'recurring'
    WHEN findings.state = 'new' AND EXCLUDED.last_job_id <> findings.first_job_id THEN 'recurring'
    WHEN findings.state = 'regressed' AND EXCLUDED.last_job_id <> findings.last_job_id THEN 'recurring'
    ELSE findings.state
END
"""

# Marks fixed what a finished job covered without seeing it. Parameters: job_id.
FIX_ON_FINISH_SQL: Final = """
WITH job AS (
    SELECT job_id, project_id, started_at, stats
    FROM jobs WHERE job_id = :job_id AND status = 'finished' AND started_at IS NOT NULL
),
covered AS (
    SELECT DISTINCT r.operation_id, r.kind
    FROM results r JOIN job ON r.job_id = job.job_id AND r.job_started_at = job.started_at
    WHERE r.status IN ('passed', 'failed')
)
UPDATE findings f
SET state = 'fixed', state_changed_at = now(), fixed_job_id = job.job_id, fixed_job_started_at = job.started_at
FROM job
WHERE f.project_id = job.project_id
  AND f.state <> 'fixed'
  AND f.last_seen < job.started_at
  AND EXISTS (SELECT 1 FROM covered c WHERE c.operation_id = f.operation_id AND c.kind = f.kind)
  AND (
      jsonb_typeof(job.stats -> 'checks') IS DISTINCT FROM 'array'
      OR job.stats -> 'checks' ? f."check"
  )
"""
