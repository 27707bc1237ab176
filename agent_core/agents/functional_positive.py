"""functional-positive: every documented operation with valid inputs, documented examples first.

Boundary values that are still valid (exactly at a bound) are part of this agent's cases.
"""

from __future__ import annotations

from agent_core.agents.conversion import to_test_case
from agent_core.agents.expectations import positive_expectation, relaxed_expectation
from agent_core.agents.registry import AgentContext, agent
from agent_core.models import TestCase, TestKind

NAME = "functional-positive"


@agent(NAME, kind=TestKind.FUNCTIONAL, description="valid requests for every operation, examples first")
def plan(ctx: AgentContext) -> list[TestCase]:
    strict = positive_expectation(ctx)
    relaxed = relaxed_expectation(strict)
    raw_cases = ctx.spec.generate(ctx.operation, "positive", ctx.seed, ctx.max_cases)
    return [
        to_test_case(
            raw,
            ctx,
            kind=TestKind.FUNCTIONAL,
            agent=NAME,
            expectation=relaxed if raw.get("source") == "relaxed" else strict,
        )
        for raw in raw_cases
    ]
