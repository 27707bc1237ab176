"""What status codes count as correct answers to generated requests.

Expectations are sets or classes of statuses, never one code: a valid request may be refused for reasons that are
not about the data (a random id that does not exist, an identity without the right role).
"""

from __future__ import annotations

from agent_core.agents.registry import AgentContext
from agent_core.models import Expectation


def positive_expectation(ctx: AgentContext) -> Expectation:
    """Valid data should be accepted: 2XX, plus the answers that are about something other than the data's shape.

    401/403: the identity may lack access (or the body carries credentials the API does not know, as in a login);
    404: generated ids and references need not exist; documented 409 and 3XX: state and redirects, not data.
    """
    statuses = ["2XX", "401", "403", "404"]
    documented = {r.status for r in ctx.operation.responses}
    statuses += [code for code in ("409", "301", "302", "303", "304", "307", "308") if code in documented]
    return Expectation(
        statuses=tuple(statuses),
        reason="valid data is accepted; 401/403/404 are about identity and existing resources, not data",
    )


def relaxed_expectation(strict: Expectation) -> Expectation:
    """For a case built from a relaxed (unsatisfiable) schema: the data is not strictly valid, so a refusal is no
    evidence against the API."""
    return Expectation(
        statuses=(*strict.statuses, "4XX"),
        reason="the documented schema cannot be satisfied; the case is a relaxed best effort, so 4XX is accepted",
    )


def negative_expectation() -> Expectation:
    """Data that breaks the contract should be refused with a client error."""
    return Expectation(statuses=("4XX",), reason="data that breaks the documented schema is refused with 4XX")
