"""NDJSON: one ResultEvent as JSON per line, written while the run goes on.

Each line is flushed as soon as it is written, so a run that is killed leaves every finished result readable and
``tail -f`` shows results as they arrive.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import IO

from agent_core.events import ResultEvent


class NdjsonWriter:
    """Streams result events to ``path`` (created or truncated; parent folders are created)."""

    __slots__ = ("_file", "path")

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file: IO[bytes] | None = path.open("wb")

    def write(self, event: ResultEvent) -> None:
        if self._file is None:
            raise ValueError(f"NDJSON report {self.path} is closed")
        self._file.write(event.model_dump_json().encode() + b"\n")
        self._file.flush()

    def emit(self, event: ResultEvent) -> None:
        """:meth:`write`, under the name the runtime's event sinks use."""
        self.write(event)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> NdjsonWriter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()


def read_ndjson(path: Path) -> Iterator[ResultEvent]:
    """The events of an NDJSON report, in file order (blank lines are ignored)."""
    with path.open("rb") as file:
        for line in file:
            if line.strip():
                yield ResultEvent.model_validate_json(line)
