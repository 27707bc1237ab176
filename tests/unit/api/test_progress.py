"""The live progress display counts results by status and never breaks a run, on a terminal or not."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from rich.console import Console

from agent_core.events import ResultEvent
from agent_core.models import Execution, Expectation, HttpRequest, Status, TestCase, TestKind
from api.console.progress import ProgressSink


def _event(status: Status, n: int) -> ResultEvent:
    case = TestCase(
        case_id=f"c{n}",
        job_id="j",
        operation_id="op",
        method="get",
        path="/x",
        kind=TestKind.FUNCTIONAL,
        agent="functional-positive",
        expectation=Expectation(statuses=("2XX",)),
    )
    execution = Execution(case_id=f"c{n}", request=HttpRequest(method="GET", url="http://t/x"), status=status)
    now = datetime.now(UTC)
    return ResultEvent(
        event_id=f"e{n}", job_id="j", job_started_at=now, spec_id="s", executed_at=now, worker="w",
        case=case, execution=execution,
    )  # fmt: skip


def test_progress_on_a_terminal_shows_counts() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=120)
    with ProgressSink(total=3, enabled=True, console=console) as progress:
        for n, status in enumerate((Status.PASSED, Status.FAILED, Status.ERROR)):
            progress.emit(_event(status, n))
    text = out.getvalue()
    assert "3/3" in text
    assert "1 passed" in text and "1 failed" in text and "1 errors" in text


def test_disabled_progress_writes_nothing() -> None:
    out = io.StringIO()
    with ProgressSink(total=1, enabled=False, console=Console(file=out)) as progress:
        progress.emit(_event(Status.PASSED, 0))
    assert out.getvalue() == ""
