"""What every sink promises, and how it says "slow down" or "this will never work".

A consumer hands a sink one batch at a time and commits its offsets only after the call returns, so a sink must be
durable and idempotent when it returns: writing the same batch twice stores each event once.

Errors::

    Backpressure       the store asks to slow down (429, lock or connection limits, a restart): the consumer pauses
                       for ``retry_after`` seconds and retries the same batch; nothing is dropped
    SinkError          a permanent failure with a stable code (SINK_*): retrying the batch cannot succeed
    anything else      a bug: it propagates
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

from agent_core.errors import SentinelError
from agent_core.events import ResultEvent, RunEvent


@runtime_checkable
class Sink(Protocol):
    """Where events are kept. Each sink runs in its own consumer group."""

    name: str

    def write_results(self, batch: Sequence[ResultEvent]) -> None:
        """Store ``batch`` durably; storing an event a second time changes nothing."""
        ...

    def write_runs(self, batch: Sequence[RunEvent]) -> None:
        """Apply job lifecycle events; late or repeated events never move a job backwards."""
        ...

    def close(self) -> None:
        """Release connections; the sink is not used afterwards."""
        ...


class Backpressure(Exception):
    """The store asks to slow down: retry the same batch after ``retry_after`` seconds."""

    def __init__(self, retry_after: float, reason: str = "") -> None:
        super().__init__(f"back-pressure: retry after {retry_after:g} s" + (f" ({reason})" if reason else ""))
        self.retry_after = retry_after
        self.reason = reason

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.retry_after, self.reason))


class SinkError(SentinelError):
    """A permanent sink failure. Codes: ``SINK_BAD_DATA`` (the store refused the batch's content),
    ``SINK_SCHEMA`` (the store's schema is not what this release expects: run ``sentinel db upgrade``),
    ``SINK_PERMISSION`` (the configured user may not write to the store)."""

    code = "SINK_ERROR"
