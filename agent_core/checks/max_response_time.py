"""max_response_time: the response took longer than the configured limit (opt-in).

Runs only when selected and ``CheckConfig.max_response_time_ms`` is set; without a limit there is nothing to judge.

Severity LOW: slowness hurts users and can hint at unbounded work, but one slow answer is not a defect by itself
(networks and shared test targets are noisy).
"""

from __future__ import annotations

from collections.abc import Iterator

from agent_core.checks.registry import CheckContext, check, make_finding
from agent_core.models import Finding, Severity

NAME = "max_response_time"


@check(
    NAME,
    default=False,
    description="Responses arrive within the configured time limit",
    severity=Severity.LOW,
)
def max_response_time(ctx: CheckContext) -> Iterator[Finding]:
    limit = ctx.config.max_response_time_ms
    if limit is None or ctx.elapsed_ms <= limit:
        return
    yield make_finding(
        ctx,
        check=NAME,
        severity=Severity.LOW,
        title="Slow response",
        message=f"{ctx.operation.label} took {ctx.elapsed_ms:.0f} ms to answer, over the {limit:g} ms limit",
        # The limit, not the measured time: timings vary on every run.
        cause=f"over {limit:g} ms",
        details={"elapsed_ms": ctx.elapsed_ms, "limit_ms": limit},
    )
