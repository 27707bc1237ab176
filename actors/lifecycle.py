"""Job lifecycle facts (``sentinel.runs.v1``): created, started, progressed, finished, failed.

Ids are derived from the job and the fact (and a sequence number for progress), so a lifecycle event published
twice is stored once, like results.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable

from actors.supervisor import Job
from agent_core.events import EVENT_NAMESPACE, RunEvent, RunEventType


@runtime_checkable
class RunEventSink(Protocol):
    """A sink that also wants lifecycle facts (a bus does; a report writer does not)."""

    def emit_run(self, event: RunEvent) -> None: ...


def job_stats(job: Job, checks: tuple[str, ...]) -> dict[str, Any]:
    """What the store keeps about a job besides its status (see ``pipeline.store.states``)."""
    return {
        "kinds": [k.value for k in job.kinds],
        "seed": job.seed,
        "base_url": job.base_url,
        "checks": list(checks),
        "spec_title": job.spec.title,
        "max_cases": job.max_cases,
    }


def run_event(
    job: Job,
    kind: RunEventType,
    stats: dict[str, Any],
    *,
    sequence: int = 0,
    error: str | None = None,
) -> RunEvent:
    return RunEvent(
        event_id=str(uuid.uuid5(EVENT_NAMESPACE, f"{job.job_id}/run/{kind.value}/{sequence}")),
        type=kind,
        job_id=job.job_id,
        job_started_at=job.started_at,
        campaign_id=job.campaign_id,
        spec_id=job.spec.spec_id,
        at=datetime.now(UTC),
        stats=stats,
        error=error,
    )
