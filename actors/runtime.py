"""LocalRuntime: one process, asyncio workers.

The runtime plans every case of a job (the supervisor), sends them through the executor with a fixed number of
workers, judges each response with the checks, and hands one ResultEvent per case to the sinks. It is the default
for a single ``sentinel run``; the Ray runtime runs the same pieces as actors.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from actors.executor import ExecutedCase, Executor, ExecutorConfig
from actors.identities import IdentityResolver
from actors.lifecycle import RunEventSink, job_stats, run_event
from actors.supervisor import Job, WorkUnit, plan_cases
from actors.transport import AiohttpTransport, Transport
from agent_core.apispec import Operation
from agent_core.checks import CheckConfig, CheckContext, CheckInfo, run_checks
from agent_core.events import ResultEvent, RunEventType, event_id_for
from agent_core.models import ErrorKind, Execution, Finding, Status, TestCase
from agent_core.sanitize import Sanitizer

logger = logging.getLogger(__name__)


class EventSink(Protocol):
    """Receives every result as it happens (NDJSON writer, report collector, progress display, a bus)."""

    def emit(self, event: ResultEvent) -> None: ...


@dataclass(frozen=True, slots=True)
class RunConfig:
    executor: ExecutorConfig
    checks: tuple[CheckInfo, ...]
    check_config: CheckConfig = field(default_factory=CheckConfig)


@dataclass(slots=True)
class RunOutcome:
    job: Job
    planned: int
    statuses: Counter[Status] = field(default_factory=Counter)
    error_kinds: Counter[ErrorKind] = field(default_factory=Counter)
    findings: int = 0
    requests: int = 0
    interrupted: bool = False
    finished_at: datetime | None = None

    def record(self, event: ResultEvent) -> None:
        """Count one result."""
        execution = event.execution
        self.statuses[execution.status] += 1
        if execution.error_kind is not None:
            self.error_kinds[execution.error_kind] += 1
        self.findings += len(event.findings)
        self.requests += execution.attempts

    @property
    def executed(self) -> int:
        return sum(self.statuses.values())

    @property
    def unreachable(self) -> bool:
        """Nothing could be judged because the target never answered."""
        judged = self.statuses[Status.PASSED] + self.statuses[Status.FAILED]
        return self.executed > 0 and judged == 0 and self.error_kinds[ErrorKind.UNREACHABLE] > 0


class JobLifecycle:
    """Publishes the job's lifecycle facts to the sinks that want them; progress at most every few seconds."""

    PROGRESS_EVERY_S = 5.0

    def __init__(self, job: Job, config: RunConfig, sinks: Sequence[EventSink], outcome: RunOutcome) -> None:
        self._job = job
        self._checks = tuple(c.name for c in config.checks)
        self._sinks = [s for s in sinks if isinstance(s, RunEventSink)]
        self._outcome = outcome
        self._sequence = 0
        self._last = time.monotonic()

    def emit(self, kind: RunEventType, error: str | None = None) -> None:
        if not self._sinks:
            return
        event = run_event(self._job, kind, self._stats(), sequence=self._sequence, error=error)
        for sink in self._sinks:
            sink.emit_run(event)

    def maybe_progress(self) -> None:
        if self._sinks and time.monotonic() - self._last >= self.PROGRESS_EVERY_S:
            self._last = time.monotonic()
            self._sequence += 1
            self.emit(RunEventType.PROGRESSED)

    def _stats(self) -> dict[str, object]:
        outcome = self._outcome
        return {
            **job_stats(self._job, self._checks),
            "planned": outcome.planned,
            "executed": outcome.executed,
            "findings": outcome.findings,
            "statuses": {status.value: n for status, n in outcome.statuses.items()},
        }


def _aiohttp_transport(config: ExecutorConfig) -> Transport:
    return AiohttpTransport(config.concurrency, max_response_bytes=config.max_response_bytes)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class LocalRuntime:
    """Runs a job in this process. ``transport_factory`` is the I/O seam (tests pass a mock transport)."""

    def __init__(self, transport_factory: Callable[[ExecutorConfig], Transport] | None = None) -> None:
        self._transport_factory = transport_factory or _aiohttp_transport

    def plan(self, job: Job) -> list[tuple[WorkUnit, TestCase]]:
        return list(plan_cases(job))

    async def run(
        self,
        job: Job,
        config: RunConfig,
        identities: IdentityResolver,
        sinks: Sequence[EventSink],
        cases: list[tuple[WorkUnit, TestCase]] | None = None,
        *,
        preflight: bool = True,
    ) -> RunOutcome:
        """Execute ``cases`` (default: the job's plan). With ``preflight``, an unreachable target raises
        :class:`TargetUnreachable` before anything is sent."""
        planned = cases if cases is not None else self.plan(job)
        outcome = RunOutcome(job=job, planned=len(planned))
        lifecycle = JobLifecycle(job, config, sinks, outcome)
        lifecycle.emit(RunEventType.CREATED)
        logger.info("job %s: %d cases planned against %s", job.job_id, len(planned), job.base_url)
        transport = self._transport_factory(config.executor)
        sanitizer = Sanitizer(identities.secrets())
        executor = Executor(transport, config.executor, job.base_url, sanitizer, identities)
        if preflight:
            try:
                await executor.preflight()
            except BaseException as exc:
                await transport.aclose()
                lifecycle.emit(RunEventType.FAILED, error=str(exc))
                raise
        lifecycle.emit(RunEventType.STARTED)
        queue: asyncio.Queue[tuple[WorkUnit, TestCase]] = asyncio.Queue()
        for item in planned:
            queue.put_nowait(item)
        worker = worker_name()

        async def work() -> None:
            while True:
                try:
                    unit, case = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                executed = await executor.execute(case, unit.operation)
                event = judge(job, config, unit.operation, case, executed, worker)
                outcome.record(event)
                for sink in sinks:
                    sink.emit(event)
                lifecycle.maybe_progress()

        try:
            await asyncio.gather(*(work() for _ in range(max(1, config.executor.concurrency))))
        except asyncio.CancelledError:
            outcome.interrupted = True
            lifecycle.emit(RunEventType.FAILED, error="interrupted")
            raise
        except BaseException as exc:
            lifecycle.emit(RunEventType.FAILED, error=f"{type(exc).__name__}: {exc}")
            raise
        finally:
            outcome.finished_at = datetime.now(UTC)
            await transport.aclose()
        lifecycle.emit(RunEventType.FINISHED)
        logger.info("job %s: %d executed, %d findings", job.job_id, outcome.executed, outcome.findings)
        return outcome


def judge(
    job: Job, config: RunConfig, operation: Operation, case: TestCase, executed: ExecutedCase, worker: str
) -> ResultEvent:
    """One executed case becomes one result: the checks judge the response (errors are not judged)."""
    execution = executed.execution
    findings: tuple[Finding, ...] = ()
    if execution.status is not Status.ERROR and execution.response is not None:
        ctx = CheckContext(
            spec=job.spec,
            operation=operation,
            case=case,
            execution=execution,
            status=execution.response.status,
            headers=executed.response_headers,
            body=executed.response_body,
            elapsed_ms=execution.elapsed_ms,
            config=config.check_config,
        )
        found = run_checks(ctx, config.checks)
        status = Status.FAILED if found else Status.PASSED
        execution = execution.model_copy(update={"status": status})
        findings = tuple(found)
    return result_event(job, case, execution, worker, findings)


def result_event(
    job: Job, case: TestCase, execution: Execution, worker: str, findings: tuple[Finding, ...] = ()
) -> ResultEvent:
    """The result of ``case`` in ``job``; its id depends on nothing else, so a re-run case is stored once."""
    return ResultEvent(
        event_id=event_id_for(job.job_id, case.case_id),
        job_id=job.job_id,
        job_started_at=job.started_at,
        campaign_id=job.campaign_id,
        spec_id=job.spec.spec_id,
        executed_at=datetime.now(UTC),
        worker=worker,
        case=case,
        execution=execution,
        findings=findings,
    )
