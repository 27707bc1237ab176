"""Live progress of a run on the terminal (stderr), as an event sink."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from agent_core.events import ResultEvent
from agent_core.models import Status


class ProgressSink:
    """A progress bar with passed / failed / error counts and the request rate. Disabled: does nothing."""

    def __init__(self, total: int, *, enabled: bool, console: Console | None = None) -> None:
        self._enabled = enabled
        self._counts = {Status.PASSED: 0, Status.FAILED: 0, Status.ERROR: 0}
        self._progress = Progress(
            TextColumn("[bold]testing"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[counts]}"),
            TextColumn("[dim]{task.fields[rate]}"),
            TimeElapsedColumn(),
            console=console or Console(stderr=True),
            transient=False,
            disable=not enabled,
        )
        self._task: TaskID = self._progress.add_task("run", total=total, counts=self._format(), rate="")

    def __enter__(self) -> ProgressSink:
        if self._enabled:
            self._progress.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._enabled:
            self._progress.stop()

    def emit(self, event: ResultEvent) -> None:
        status = event.execution.status
        if status in self._counts:
            self._counts[status] += 1
        if not self._enabled:
            return
        task = self._progress.tasks[0]
        elapsed = task.elapsed or 0.0
        done = task.completed + 1
        rate = f"{done / elapsed:,.0f} req/s" if elapsed > 0.5 else ""
        self._progress.update(self._task, advance=1, counts=self._format(), rate=rate)

    def _format(self) -> str:
        c = self._counts
        return (
            f"[green]{c[Status.PASSED]} passed[/] [red]{c[Status.FAILED]} failed[/] [yellow]{c[Status.ERROR]} errors[/]"
        )
