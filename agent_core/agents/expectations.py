"""What status codes count as correct answers to generated requests.

Expectations are sets or classes of statuses, never one code: a valid request may be refused for reasons that are
not about the data (a random id that does not exist, an identity without the right role).
"""

from __future__ import annotations

from agent_core.agents.registry import AgentContext
from agent_core.models import Expectation


def positive_expectation(ctx: AgentContext) -> Expectation:
    """Valid data should be accepted: 2XX, plus the answers that are about something other than the data."""
    op = ctx.operation
    statuses = ["2XX"]
    reasons = ["valid data is accepted"]
    if ctx.spec.effective_security(op) and _requires_credentials(ctx):
        statuses += ["401", "403"]
        reasons.append("401/403: the identity may lack access")
    if any(p.location == "path" for p in op.parameters):
        statuses.append("404")
        reasons.append("404: generated ids may not exist")
    documented = {r.status for r in op.responses}
    for code in ("409", "304", "301", "302", "303", "307", "308"):
        if code in documented:
            statuses.append(code)
    return Expectation(statuses=tuple(statuses), reason="; ".join(reasons))


def negative_expectation() -> Expectation:
    """Data that breaks the contract should be refused with a client error."""
    return Expectation(statuses=("4XX",), reason="data that breaks the documented schema is refused with 4XX")


def _requires_credentials(ctx: AgentContext) -> bool:
    # An empty requirement ({}) means anonymous access is allowed.
    return all(requirement for requirement in ctx.spec.effective_security(ctx.operation))
