"""Which cases go out next: batches, budgets, deadlines and a circuit breaker for dead targets.

Pure bookkeeping without I/O, shared by every distributed runtime: the driver asks :class:`Scheduler` for the next
batch whenever a worker has room, and hands every finished batch back. Targets are served round-robin so one big
API cannot starve the others of workers.

Cases that will not be sent still get one result each, an ``error`` whose kind says why (``budget``: the request
budget or the deadline ran out; ``unreachable``: the target stopped answering), so every planned case is accounted
for in the stores and reports.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from actors.runtime import RunOutcome, result_event
from actors.serialization import join_url
from actors.supervisor import Job
from agent_core.events import ResultEvent
from agent_core.models import ErrorKind, Execution, HttpRequest, Status, TestCase

__all__ = ["Batch", "Scheduler", "TargetState", "TargetWork"]

# Consecutive "unreachable" results after which a target is considered down and its remaining cases are not sent.
DEFAULT_UNREACHABLE_AFTER = 20


class TargetState(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    FINISHED = "finished"
    UNREACHABLE = "unreachable"
    BUDGET = "budget spent"
    DEADLINE = "deadline"
    INTERRUPTED = "interrupted"


@dataclass(slots=True)
class TargetWork:
    """One job's cases and counters. ``items`` are ``(operation index, case)`` in plan order."""

    name: str
    job: Job
    items: Sequence[tuple[int, TestCase]]
    request_budget: int | None = None
    outcome: RunOutcome = field(init=False)
    state: TargetState = TargetState.PENDING
    pending: deque[tuple[int, TestCase]] = field(init=False)
    in_flight: int = 0  # cases sent to workers, not yet back
    unreachable_streak: int = 0
    started: float | None = None
    finished: float | None = None

    def __post_init__(self) -> None:
        self.outcome = RunOutcome(job=self.job, planned=len(self.items))
        self.pending = deque(self.items)

    @property
    def done(self) -> bool:
        return not self.pending and self.in_flight == 0

    def rate(self, now: float | None = None) -> float:
        """Requests per second since the first batch went out."""
        if self.started is None:
            return 0.0
        end = self.finished if self.finished is not None else (now or time.monotonic())
        return self.outcome.requests / max(end - self.started, 1e-6)


@dataclass(frozen=True, slots=True)
class Batch:
    target: TargetWork
    items: tuple[tuple[int, TestCase], ...]


class Scheduler:
    """Hands out batches round-robin over targets, within each target's request budget, the campaign's budget and
    its deadline. Batches hold up to ``batch_size`` cases, fewer when a target's remaining cases would otherwise not
    spread over ``spread`` slots (workers × batches in flight), but never fewer than ``min_batch`` unless that is all
    that is left."""

    def __init__(
        self,
        targets: Sequence[TargetWork],
        *,
        batch_size: int = 64,
        min_batch: int = 8,
        spread: int = 1,
        request_budget: int | None = None,
        deadline_s: float | None = None,
        unreachable_after: int = DEFAULT_UNREACHABLE_AFTER,
    ) -> None:
        if batch_size < 1 or min_batch < 1 or spread < 1:
            raise ValueError("batch_size, min_batch and spread must be at least 1")
        self.targets = list(targets)
        self._batch_size = batch_size
        self._min_batch = min(min_batch, batch_size)
        self._spread = spread
        self._budget = request_budget
        self._deadline = None if deadline_s is None else time.monotonic() + deadline_s
        self._unreachable_after = unreachable_after
        self._turn = 0
        self._stopped: TargetState | None = None

    # What the driver calls

    def next_batch(self) -> Batch | None:
        """The next batch to send, or None when nothing may be sent now (everything sent, or a limit reached)."""
        self._enforce_limits()
        for _ in range(len(self.targets)):
            target = self.targets[self._turn % len(self.targets)]
            self._turn += 1
            if not target.pending or target.state not in (TargetState.PENDING, TargetState.RUNNING):
                continue
            size = min(self._size(target), self._room(target))
            if size <= 0:
                continue
            items = tuple(target.pending.popleft() for _ in range(size))
            target.in_flight += size
            if target.started is None:
                target.started = time.monotonic()
                target.state = TargetState.RUNNING
            return Batch(target, items)
        return None

    def completed(self, batch: Batch, events: Sequence[ResultEvent]) -> None:
        """Record a batch's results (one event per case, in any order)."""
        target = batch.target
        target.in_flight -= len(batch.items)
        for event in events:
            target.outcome.record(event)
            if event.execution.error_kind is ErrorKind.UNREACHABLE:
                target.unreachable_streak += 1
            elif event.execution.status is not Status.ERROR:
                target.unreachable_streak = 0
        if target.unreachable_streak >= self._unreachable_after and target.state is TargetState.RUNNING:
            target.state = TargetState.UNREACHABLE
        self._finish_if_done(target)

    def failed(self, batch: Batch) -> None:
        """A batch was lost with its worker after every retry: its cases go back to the front of the queue."""
        target = batch.target
        target.in_flight -= len(batch.items)
        target.pending.extendleft(reversed(batch.items))

    def unsent(self) -> list[tuple[TargetWork, list[ResultEvent]]]:
        """For targets that stopped early (unreachable, budget, deadline): an error result for each case not sent.
        The cases are removed from the queue, so each gets its result once."""
        out: list[tuple[TargetWork, list[ResultEvent]]] = []
        for target in self.targets:
            if not target.pending or target.state not in _NOT_SENT_KIND:
                continue
            kind, reason = _NOT_SENT_KIND[target.state]
            events = [self._not_sent(target, op, case, kind, reason) for op, case in target.pending]
            target.pending.clear()
            for event in events:
                target.outcome.record(event)
            self._finish_if_done(target)
            out.append((target, events))
        return out

    def interrupt(self) -> None:
        """Stop sending (Ctrl-C): in-flight batches still complete and are recorded."""
        self._stopped = TargetState.INTERRUPTED
        for target in self.targets:
            if target.state in (TargetState.PENDING, TargetState.RUNNING):
                target.state = TargetState.INTERRUPTED
                target.outcome.interrupted = True
            self._finish_if_done(target)

    @property
    def finished(self) -> bool:
        return all(t.done or (t.state is TargetState.INTERRUPTED and t.in_flight == 0) for t in self.targets)

    @property
    def requests(self) -> int:
        return sum(t.outcome.requests for t in self.targets)

    # Internals

    def _size(self, target: TargetWork) -> int:
        """Big batches cost less per case; a small target is still split over ``spread`` workers (or slots)."""
        share = -(-len(target.pending) // self._spread)
        return min(self._batch_size, len(target.pending), max(self._min_batch, share))

    def _room(self, target: TargetWork) -> int:
        """How many more cases fit the budgets, counting one request per case in flight."""
        room = self._batch_size
        if target.request_budget is not None:
            room = min(room, target.request_budget - target.outcome.requests - target.in_flight)
        if self._budget is not None:
            in_flight = sum(t.in_flight for t in self.targets)
            room = min(room, self._budget - self.requests - in_flight)
        return room

    def _enforce_limits(self) -> None:
        if self._deadline is not None and time.monotonic() >= self._deadline:
            self._stop_all(TargetState.DEADLINE)
        if self._budget is not None and self.requests >= self._budget:
            self._stop_all(TargetState.BUDGET)
        for target in self.targets:
            spent = target.request_budget is not None and target.outcome.requests >= target.request_budget
            if spent and target.pending and target.state in (TargetState.PENDING, TargetState.RUNNING):
                target.state = TargetState.BUDGET

    def _stop_all(self, state: TargetState) -> None:
        for target in self.targets:
            if target.pending and target.state in (TargetState.PENDING, TargetState.RUNNING):
                target.state = state

    @staticmethod
    def _finish_if_done(target: TargetWork) -> None:
        if target.done and target.finished is None:
            target.finished = time.monotonic()
            target.outcome.finished_at = datetime.now(UTC)
            if target.state in (TargetState.PENDING, TargetState.RUNNING):
                target.state = TargetState.FINISHED

    @staticmethod
    def _not_sent(target: TargetWork, op_index: int, case: TestCase, kind: ErrorKind, reason: str) -> ResultEvent:
        job = target.job
        operation = job.spec.operations[op_index]
        url = join_url(job.base_url, case.path or operation.path)
        execution = Execution(
            case_id=case.case_id,
            request=HttpRequest(method=case.method.upper(), url=url),
            status=Status.ERROR,
            error_kind=kind,
            error_message=reason,
            attempts=0,
        )
        return result_event(job, case, execution, worker="scheduler")


_NOT_SENT_KIND: dict[TargetState, tuple[ErrorKind, str]] = {
    TargetState.UNREACHABLE: (ErrorKind.UNREACHABLE, "not sent: the target stopped answering"),
    TargetState.BUDGET: (ErrorKind.BUDGET, "not sent: the request budget is spent"),
    TargetState.DEADLINE: (ErrorKind.BUDGET, "not sent: the campaign deadline passed"),
}
