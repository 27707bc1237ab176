"""not_a_server_error: the target answered with a 5XX status.

Severity HIGH: a server error means a request reached code that failed in a way it did not handle. It is the most
direct sign of a bug, often of a crash that other inputs could turn into a denial of service or a data leak (stack
traces). It is reported whatever the request was and whether or not the spec documents the code.
"""

from __future__ import annotations

from collections.abc import Iterator

from agent_core.checks.registry import CheckContext, check, make_finding
from agent_core.checks.wording import status_text
from agent_core.models import Finding, Severity

NAME = "not_a_server_error"


@check(NAME, description="The API does not answer with a 5XX server error", severity=Severity.HIGH)
def not_a_server_error(ctx: CheckContext) -> Iterator[Finding]:
    if ctx.status < 500:
        return
    yield make_finding(
        ctx,
        check=NAME,
        severity=Severity.HIGH,
        title="Server error",
        message=f"{ctx.operation.label} answered {status_text(ctx.status)} to a {ctx.case.kind.value} request",
        cause=f"status {ctx.status}",
        details={"status": ctx.status},
    )
