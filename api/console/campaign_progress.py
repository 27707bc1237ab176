"""Live progress of a campaign: one row per target (cases, requests, findings, rate, state).

On a terminal a table redrawn in place; elsewhere (CI logs) one line per target every ``LOG_EVERY_S`` seconds, so a
long campaign still shows it is alive without flooding the log.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from types import TracebackType

from rich.console import Console
from rich.live import Live
from rich.table import Table

from actors.scheduling import TargetWork


class CampaignProgress:
    LOG_EVERY_S = 10.0

    def __init__(self, *, live: bool, console: Console | None = None) -> None:
        self._console = console or Console(stderr=True, highlight=False)
        self._live = Live(console=self._console, refresh_per_second=4, transient=False) if live else None
        self._last_log = 0.0

    def __enter__(self) -> CampaignProgress:
        if self._live is not None:
            self._live.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._live is not None:
            self._live.stop()

    def __call__(self, targets: Sequence[TargetWork]) -> None:
        if self._live is not None:
            self._live.update(table(targets))
            return
        now = time.monotonic()
        if now - self._last_log >= self.LOG_EVERY_S or all(t.done for t in targets):
            self._last_log = now
            for target in targets:
                self._console.print(line(target), markup=False)


def line(target: TargetWork) -> str:
    outcome = target.outcome
    return (
        f"[{target.name}] {target.state.value}: {outcome.executed}/{outcome.planned} cases, "
        f"{outcome.requests} requests, {outcome.findings} findings, {target.rate():.1f} req/s"
    )


def table(targets: Sequence[TargetWork]) -> Table:
    grid = Table(title="Campaign", title_justify="left")
    for column, justify in (
        ("target", "left"),
        ("state", "left"),
        ("cases", "right"),
        ("requests", "right"),
        ("findings", "right"),
        ("errors", "right"),
        ("req/s", "right"),
    ):
        grid.add_column(column, justify=justify)  # type: ignore[arg-type]
    for target in targets:
        outcome = target.outcome
        errors = sum(outcome.error_kinds.values())
        grid.add_row(
            target.name,
            target.state.value,
            f"{outcome.executed}/{outcome.planned}",
            str(outcome.requests),
            str(outcome.findings),
            str(errors),
            f"{target.rate():.1f}",
        )
    return grid
