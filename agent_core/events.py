"""Events that leave a run: one ``ResultEvent`` per executed case (topic ``sentinel.results.v1``) and job
lifecycle events (topic ``sentinel.runs.v1``).

Events are facts in the past tense. They are never edited in place; a breaking change gets a new topic suffix and a
new ``schema_version``.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from agent_core.models import Execution, Finding, TestCase

RESULTS_SCHEMA_VERSION = 1
RUNS_SCHEMA_VERSION = 1

# Fixed namespace so that event ids are the same in every process and every release.
EVENT_NAMESPACE = uuid.UUID("6f1c3c52-4d0e-5b8a-9a51-2f6f1f3e8d21")


def event_id_for(job_id: str, case_id: str, repetition: int = 0) -> str:
    """The id of the result of ``case_id`` in ``job_id``.

    It depends on the planned repetition, never on the retry attempt, so a case re-run after a crash produces the
    same id and the sinks store it once.
    """
    return str(uuid.uuid5(EVENT_NAMESPACE, f"{job_id}/{case_id}/{repetition}"))


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ResultEvent(_Event):
    """One executed case with its verdict."""

    event_id: str
    schema_version: Literal[1] = 1
    job_id: str
    job_started_at: datetime
    campaign_id: str | None = None
    spec_id: str
    executed_at: datetime
    worker: str
    case: TestCase
    execution: Execution
    findings: tuple[Finding, ...] = ()


class RunEventType(StrEnum):
    CREATED = "created"
    STARTED = "started"
    PROGRESSED = "progressed"
    FINISHED = "finished"
    FAILED = "failed"


class RunEvent(_Event):
    """A job lifecycle fact: ``JobCreated``, ``JobStarted``, ``JobProgressed``, ``JobFinished``, ``JobFailed``."""

    event_id: str = Field(default_factory=lambda: str(uuid.uuid4()))
    schema_version: Literal[1] = 1
    type: RunEventType
    job_id: str
    job_started_at: datetime
    campaign_id: str | None = None
    spec_id: str
    at: datetime
    stats: dict[str, Any] = Field(default_factory=dict)
    error: str | None = None
