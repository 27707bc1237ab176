"""functional-negative: one labelled contract violation per case, boundary values just past their bounds included.

Everything else in a negative case is valid, so a 2XX answer means the API accepted exactly the labelled violation.
"""

from __future__ import annotations

from agent_core.agents.conversion import to_test_case
from agent_core.agents.expectations import negative_expectation
from agent_core.agents.registry import AgentContext, agent
from agent_core.models import TestCase, TestKind

NAME = "functional-negative"


@agent(NAME, kind=TestKind.NEGATIVE, description="one labelled schema violation per request, boundary values")
def plan(ctx: AgentContext) -> list[TestCase]:
    expectation = negative_expectation()
    raw_cases = ctx.spec.generate(ctx.operation, "negative", ctx.seed, ctx.max_cases)
    return [to_test_case(raw, ctx, kind=TestKind.NEGATIVE, agent=NAME, expectation=expectation) for raw in raw_cases]
