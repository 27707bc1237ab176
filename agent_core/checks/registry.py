"""The check registry: oracles that judge one response.

A check is a plain function ``(ctx) -> Iterable[Finding]`` registered with :func:`check`. It reads the context and
yields findings about the target; it never does I/O and never catches its own bugs (an exception from a check
propagates). Adding a check is adding one module that registers itself.

Findings leave the executor, so a check puts only sanitised data in them: values come from ``ctx.execution`` (the
sanitised request and response), never from the raw ``ctx.headers`` or ``ctx.body``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from agent_core.apispec import Operation, SchemaValidator
from agent_core.curl import to_curl
from agent_core.errors import ConfigError
from agent_core.models import Execution, Finding, Severity, Status, TestCase

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
# Selects every registered check in resolve(); no check may take this name.
ALL = "all"


@dataclass(frozen=True, slots=True)
class CheckConfig:
    """Per-job settings that checks read."""

    max_response_time_ms: float | None = None


@dataclass(frozen=True, slots=True)
class CheckContext:
    """One executed case with its raw response, as a check sees it."""

    spec: SchemaValidator
    operation: Operation
    case: TestCase
    execution: Execution  # sanitised: what findings may quote
    status: int
    headers: tuple[tuple[str, str], ...]  # raw response headers, in order received
    body: bytes  # raw, complete response body
    elapsed_ms: float
    config: CheckConfig

    def header_values(self, name: str) -> list[str]:
        """Every raw value of the response header ``name`` (case-insensitive)."""
        wanted = name.lower()
        return [value for key, value in self.headers if key.lower() == wanted]

    def sanitised_header(self, name: str) -> str | None:
        """The sanitised value of response header ``name``, safe to quote in a finding."""
        response = self.execution.response
        if response is None:
            return None
        wanted = name.lower()
        return next((value for key, value in response.headers.items() if key.lower() == wanted), None)


CheckFunction = Callable[[CheckContext], Iterable[Finding]]


@dataclass(frozen=True, slots=True)
class CheckInfo:
    name: str
    function: CheckFunction
    default: bool
    description: str
    severity: Severity  # the usual severity of its findings (SARIF rule level); findings may differ


class CheckRegistry:
    """Named checks. The module-level functions use one shared instance; tests may build their own."""

    __slots__ = ("_checks",)

    def __init__(self) -> None:
        self._checks: dict[str, CheckInfo] = {}

    def check(
        self, name: str, *, default: bool = True, description: str, severity: Severity = Severity.MEDIUM
    ) -> Callable[[CheckFunction], CheckFunction]:
        """Register the decorated function as the check ``name``; ``default`` checks run when none are chosen."""
        if not _NAME.match(name) or name == ALL:
            raise ValueError(f"invalid check name {name!r}: use lower_snake_case, not {ALL!r}")

        def register(function: CheckFunction) -> CheckFunction:
            if name in self._checks:
                raise RuntimeError(f"check {name!r} registered twice")
            self._checks[name] = CheckInfo(name, function, default, description, severity)
            return function

        return register

    def registered(self) -> list[CheckInfo]:
        return sorted(self._checks.values(), key=lambda c: c.name)

    def resolve(self, names: Sequence[str] | None) -> list[CheckInfo]:
        """The checks to run: the defaults for ``None``, every check for ``["all"]``, else the named ones in order."""
        if names is None:
            return [c for c in self.registered() if c.default]
        if ALL in names:
            return self.registered()
        unknown = [n for n in names if n not in self._checks]
        if unknown:
            valid = ", ".join(c.name for c in self.registered())
            raise ConfigError(
                f"unknown check{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}; "
                f"valid checks: {valid} (or {ALL!r})",
                "CONFIG_UNKNOWN_CHECK",
            )
        return [self._checks[n] for n in dict.fromkeys(names)]


_DEFAULT = CheckRegistry()


def check(
    name: str, *, default: bool = True, description: str, severity: Severity = Severity.MEDIUM
) -> Callable[[CheckFunction], CheckFunction]:
    """Register a built-in or plugin check in the shared registry."""
    return _DEFAULT.check(name, default=default, description=description, severity=severity)


def registered() -> list[CheckInfo]:
    """Every registered check, sorted by name."""
    return _DEFAULT.registered()


def resolve(names: Sequence[str] | None) -> list[CheckInfo]:
    """See :meth:`CheckRegistry.resolve`; unknown names raise ``ConfigError`` (``CONFIG_UNKNOWN_CHECK``)."""
    return _DEFAULT.resolve(names)


def run_checks(ctx: CheckContext, checks: Sequence[CheckInfo]) -> list[Finding]:
    """Run ``checks`` on one executed case, in order.

    An execution that could not be tested (status ``error``) has no response to judge: it yields no findings, so
    callers need no special case. A check that raises is a bug and the exception propagates.
    """
    if ctx.execution.status is Status.ERROR or ctx.execution.response is None:
        return []
    findings: list[Finding] = []
    for info in checks:
        for finding in info.function(ctx):
            if finding.check != info.name:
                raise RuntimeError(f"check {info.name!r} produced a finding named {finding.check!r}")
            findings.append(finding)
    return findings


def fingerprint(check: str, operation_id: str, cause: str) -> str:
    """Stable across runs: the same check, operation and cause always give the same value."""
    normalised = " ".join(cause.split())
    return hashlib.sha256(f"{check}\x1f{operation_id}\x1f{normalised}".encode()).hexdigest()[:32]


def make_finding(
    ctx: CheckContext,
    *,
    check: str,
    severity: Severity,
    title: str,
    message: str,
    cause: str,
    details: dict[str, Any] | None = None,
    cwe: str | None = None,
    owasp: str | None = None,
) -> Finding:
    """A finding about ``ctx``'s case.

    ``cause`` names what went wrong without any generated value (a status code, a keyword and schema pointer, a
    content type, a header name): it is what makes two findings "the same problem" across cases and runs.
    """
    return Finding(
        check=check,
        severity=severity,
        title=title,
        message=message,
        operation_id=ctx.operation.operation_id,
        case_id=ctx.case.case_id,
        fingerprint=fingerprint(check, ctx.operation.operation_id, cause),
        curl=to_curl(ctx.execution.request),
        cwe=cwe,
        owasp=owasp,
        details=dict(details or {}),
    )
