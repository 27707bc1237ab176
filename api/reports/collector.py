"""Collects a run's result events for the end-of-run reports and summary (an event sink)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from actors.supervisor import Job
from agent_core.events import ResultEvent
from agent_core.models import Finding
from api.reports import write_reports
from api.reports.context import OperationInfo, ReportContext


class ReportCollector:
    """Keeps every event of one run in memory (a run's events are what its reports are made of)."""

    __slots__ = ("_events",)

    def __init__(self) -> None:
        self._events: list[ResultEvent] = []

    def emit(self, event: ResultEvent) -> None:
        self._events.append(event)

    @property
    def events(self) -> list[ResultEvent]:
        return self._events

    def findings(self) -> list[Finding]:
        return [f for event in self._events for f in event.findings]

    def context(
        self,
        job: Job,
        *,
        command: str,
        spec_source: str,
        checks: tuple[str, ...] = (),
        finished_at: datetime | None = None,
    ) -> ReportContext:
        spec = job.spec
        operations = {op.operation_id: OperationInfo.from_operation(op) for op in spec.operations}
        return ReportContext(
            job_id=job.job_id,
            spec_source=spec_source,
            spec_title=spec.title,
            spec_version=spec.version,
            base_url=job.base_url,
            seed=job.seed,
            started_at=job.started_at,
            finished_at=finished_at or datetime.now(UTC),
            command=command,
            operations=operations,
            events=self._events,
            checks=checks,
        )

    @staticmethod
    def write(targets: Mapping[str, Path], ctx: ReportContext) -> dict[str, Path]:
        return write_reports(targets, ctx)
