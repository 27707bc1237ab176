"""status_code_conformance: the response status is not documented for the operation.

A status is documented when the operation lists it exactly, lists its class (``4XX``) or has a ``default`` response.
Operations that document no response at all are not judged: there is nothing to conform to.

Severity MEDIUM: the API breaks its contract and clients written from the spec do not expect the answer, but the
answer itself may be correct behaviour.
"""

from __future__ import annotations

from collections.abc import Iterator

from agent_core.checks.registry import CheckContext, check, make_finding
from agent_core.checks.wording import documented_statuses, status_text
from agent_core.models import Finding, Severity

NAME = "status_code_conformance"


@check(NAME, description="The response status code is documented for the operation")
def status_code_conformance(ctx: CheckContext) -> Iterator[Finding]:
    operation = ctx.operation
    if not operation.responses or operation.response_for(ctx.status) is not None:
        return
    documented = documented_statuses(operation)
    yield make_finding(
        ctx,
        check=NAME,
        severity=Severity.MEDIUM,
        title="Undocumented status code",
        message=f"{operation.label} answered {status_text(ctx.status)}, which the spec does not document "
        f"(documented: {documented})",
        cause=f"status {ctx.status}",
        details={"status": ctx.status, "documented": [r.status for r in operation.responses]},
    )
