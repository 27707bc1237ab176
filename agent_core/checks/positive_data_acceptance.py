"""positive_data_acceptance: the API refused a request that follows its documented contract.

Judged on functional cases without a violation: their data is valid, so an answer outside the case's expectation
(2XX, plus 401/403/404 and the like where they are about something other than the data) means the API rejects
what its own spec allows, e.g. 400 or 422 for valid data. 5XX answers are left to ``not_a_server_error``.

Severity MEDIUM: the API or its spec is wrong and clients following the spec fail, but nothing is exposed.
"""

from __future__ import annotations

from collections.abc import Iterator

from agent_core.checks.registry import CheckContext, check, make_finding
from agent_core.checks.wording import status_text
from agent_core.models import Finding, Severity, TestKind

NAME = "positive_data_acceptance"


@check(NAME, description="Requests with valid data are answered as expected, not refused")
def positive_data_acceptance(ctx: CheckContext) -> Iterator[Finding]:
    case = ctx.case
    if case.kind is not TestKind.FUNCTIONAL or case.violation is not None or ctx.status >= 500:
        return
    if case.expectation.matches(ctx.status):
        return
    expected = ", ".join(case.expectation.statuses)
    reason = f" ({case.expectation.reason})" if case.expectation.reason else ""
    yield make_finding(
        ctx,
        check=NAME,
        severity=Severity.MEDIUM,
        title="Valid data rejected",
        message=f"{ctx.operation.label} answered {status_text(ctx.status)} to a request with valid data; "
        f"expected {expected}{reason}",
        cause=f"status {ctx.status}",
        details={"status": ctx.status, "expected": list(case.expectation.statuses)},
    )
