"""The scheduler of distributed runs: fairness, budgets, deadlines, dead targets, lost batches."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from actors.scheduling import Batch, Scheduler, TargetState, TargetWork
from actors.supervisor import Job, plan_cases
from agent_core.events import ResultEvent, event_id_for
from agent_core.loading import load_spec
from agent_core.models import ErrorKind, Execution, HttpRequest, HttpResponse, Status
from tests.fixtures.corpus import REPO

SPEC = load_spec(REPO / "examples" / "demo_target" / "openapi.yaml")


def _target(name: str, cases: int, budget: int | None = None) -> TargetWork:
    job = Job(spec=SPEC, base_url=f"http://{name}.test", max_cases=5)
    items = [(unit.operation.index, case) for unit, case in plan_cases(job)][:cases]
    assert len(items) == cases
    return TargetWork(name, job, items, request_budget=budget)


def _events(batch: Batch, *, status: Status = Status.PASSED, kind: ErrorKind | None = None) -> list[ResultEvent]:
    job = batch.target.job
    out = []
    for _, case in batch.items:
        response = None if status is Status.ERROR else HttpResponse(status=200)
        execution = Execution(
            case_id=case.case_id,
            request=HttpRequest(method="GET", url=job.base_url),
            response=response,
            status=status,
            error_kind=kind,
        )
        out.append(
            ResultEvent(
                event_id=event_id_for(job.job_id, case.case_id),
                job_id=job.job_id,
                job_started_at=job.started_at,
                spec_id=job.spec.spec_id,
                executed_at=datetime.now(UTC),
                worker="w",
                case=case,
                execution=execution,
            )
        )
    return out


def _drain(scheduler: Scheduler, **result: object) -> list[Batch]:
    sent = []
    while (batch := scheduler.next_batch()) is not None:
        sent.append(batch)
        scheduler.completed(batch, _events(batch, **result))  # type: ignore[arg-type]
    return sent


def test_targets_take_turns_and_every_case_is_sent_once() -> None:
    a, b = _target("a", 10), _target("b", 10)
    scheduler = Scheduler([a, b], batch_size=4)
    sent = _drain(scheduler)
    assert [batch.target.name for batch in sent][:4] == ["a", "b", "a", "b"]
    ids = [(batch.target.name, case.case_id) for batch in sent for _, case in batch.items]
    assert len(ids) == len(set(ids)) == 20
    assert scheduler.finished and {a.state, b.state} == {TargetState.FINISHED}
    assert a.outcome.executed == b.outcome.executed == 10


def test_a_target_request_budget_stops_sending_and_accounts_for_the_rest() -> None:
    a, b = _target("a", 30, budget=8), _target("b", 6)
    scheduler = Scheduler([a, b], batch_size=4)
    _drain(scheduler)
    assert a.outcome.requests == 8 and a.state is TargetState.BUDGET
    unsent = {t.name: events for t, events in scheduler.unsent()}
    assert len(unsent["a"]) == 22
    assert {e.execution.error_kind for e in unsent["a"]} == {ErrorKind.BUDGET}
    assert a.outcome.executed == 30 and b.outcome.executed == 6 and b.state is TargetState.FINISHED
    assert scheduler.finished


def test_the_campaign_budget_is_shared_by_all_targets() -> None:
    a, b = _target("a", 20), _target("b", 20)
    scheduler = Scheduler([a, b], batch_size=5, request_budget=12)
    _drain(scheduler)
    assert scheduler.requests == 12
    scheduler.unsent()
    assert a.outcome.executed + b.outcome.executed == 40
    assert a.outcome.error_kinds[ErrorKind.BUDGET] + b.outcome.error_kinds[ErrorKind.BUDGET] == 28


def test_a_passed_deadline_sends_nothing_more() -> None:
    a = _target("a", 10)
    scheduler = Scheduler([a], batch_size=4, deadline_s=1e-9)
    assert scheduler.next_batch() is None
    assert a.state is TargetState.DEADLINE
    [(_, events)] = scheduler.unsent()
    assert all(e.execution.error_message == "not sent: the campaign deadline passed" for e in events)


def test_a_target_that_stops_answering_gets_the_rest_as_unreachable_and_the_others_continue() -> None:
    down, up = _target("down", 40), _target("up", 40)
    scheduler = Scheduler([down, up], batch_size=5, unreachable_after=10)
    while (batch := scheduler.next_batch()) is not None:
        if batch.target is down:
            scheduler.completed(batch, _events(batch, status=Status.ERROR, kind=ErrorKind.UNREACHABLE))
        else:
            scheduler.completed(batch, _events(batch))
        scheduler.unsent()
    assert down.state is TargetState.UNREACHABLE and up.state is TargetState.FINISHED
    assert down.outcome.executed == 40 and down.outcome.error_kinds[ErrorKind.UNREACHABLE] == 40
    assert down.outcome.requests < 40  # the rest was never sent
    assert up.outcome.statuses[Status.PASSED] == 40
    assert scheduler.finished


def test_an_answer_resets_the_unreachable_streak() -> None:
    a = _target("a", 30)
    scheduler = Scheduler([a], batch_size=5, unreachable_after=8)
    for index in range(6):
        batch = scheduler.next_batch()
        assert batch is not None
        error = index % 2 == 0
        scheduler.completed(
            batch, _events(batch, status=Status.ERROR, kind=ErrorKind.UNREACHABLE) if error else _events(batch)
        )
    assert a.state is TargetState.FINISHED


def test_a_lost_batch_is_sent_again_and_interrupt_keeps_in_flight_batches() -> None:
    a = _target("a", 12)
    scheduler = Scheduler([a], batch_size=4)
    first = scheduler.next_batch()
    assert first is not None
    scheduler.failed(first)
    again = scheduler.next_batch()
    assert again is not None and again.items == first.items
    in_flight = scheduler.next_batch()
    assert in_flight is not None
    scheduler.interrupt()
    assert scheduler.next_batch() is None and not scheduler.finished
    scheduler.completed(again, _events(again))
    scheduler.completed(in_flight, _events(in_flight))
    assert scheduler.finished and a.outcome.interrupted and a.outcome.executed == 8


def test_batch_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="batch_size"):
        Scheduler([], batch_size=0)


def test_batches_are_big_for_big_targets_and_split_small_ones_over_the_workers() -> None:
    big, small, tiny = _target("big", 100), _target("small", 40), _target("tiny", 5)
    scheduler = Scheduler([big, small, tiny], batch_size=64, min_batch=8, spread=4)
    sizes = {}
    for _ in range(3):
        batch = scheduler.next_batch()
        assert batch is not None
        sizes[batch.target.name] = len(batch.items)
    # 100 cases over 4 slots: 25 each (under the cap of 64); 40: 10 each; 5: all of it (less than min_batch).
    assert sizes == {"big": 25, "small": 10, "tiny": 5}
    huge = _target("huge", 100)
    assert len(Scheduler([huge], batch_size=16, spread=1).next_batch().items) == 16  # type: ignore[union-attr]
