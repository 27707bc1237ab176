"""Sentinel's exceptions.

Defined in Python (not in the native module) so they pickle and cross process boundaries. The native module
raises :class:`SpecError` through one mapping in ``agent_core/src/py/errors.rs``.

Hierarchy::

    SentinelError                 anything Sentinel reports with a stable code
    ├── SpecError                 a spec could not be loaded (code from the SPEC_* catalogue)
    ├── ConfigError               bad command-line options, settings or identities file (CONFIG_*)
    └── TargetError               the target could not be tested ("could not test", recorded as status=error)
        ├── TargetUnreachable     connection refused, DNS failure, reset before any response
        └── TargetTimeout         no complete response within the timeout
"""

from __future__ import annotations

from typing import Any


class SentinelError(Exception):
    """Base class: a clear message and a stable code, never a traceback for the user."""

    code: str = "SENTINEL_ERROR"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.message, self.code))

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class SpecError(SentinelError):
    """A spec could not be loaded. ``code`` is one of the SPEC_* codes in docs/spec-errors.md."""

    code = "SPEC_INVALID"

    def __init__(
        self,
        message: str,
        code: str | None = None,
        file: str | None = None,
        pointer: str | None = None,
        line: int | None = None,
        column: int | None = None,
        offset: int | None = None,
        related: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message, code)
        self.file = file
        self.pointer = pointer
        self.line = line
        self.column = column
        self.offset = offset
        self.related = tuple(related)

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            type(self),
            (self.message, self.code, self.file, self.pointer, self.line, self.column, self.offset, self.related),
        )

    @property
    def location(self) -> str:
        """Human-readable location: ``file, line 4, column 2, at /paths/~1pets``."""
        parts: list[str] = []
        if self.file:
            parts.append(self.file)
        if self.line is not None:
            parts.append(f"line {self.line}" + (f", column {self.column}" if self.column is not None else ""))
        if self.pointer is not None:
            parts.append(f"at {self.pointer or '/'}")
        return ", ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "file": self.file,
            "pointer": self.pointer,
            "line": self.line,
            "column": self.column,
            "offset": self.offset,
            "related": list(self.related),
        }

    def __str__(self) -> str:
        where = self.location
        return f"{self.code}: {self.message}" + (f" ({where})" if where else "")


class ConfigError(SentinelError):
    """Bad options, settings, or identities file."""

    code = "CONFIG_INVALID"


class TargetError(SentinelError):
    """The target could not be tested. Recorded as ``Execution(status=error)``, not as a finding."""

    code = "TARGET_ERROR"


class TargetUnreachable(TargetError):
    code = "TARGET_UNREACHABLE"


class TargetTimeout(TargetError):
    code = "TARGET_TIMEOUT"
