"""Turning the native generator's raw cases into :class:`TestCase` models."""

from __future__ import annotations

from typing import Any

from agent_core.agents.registry import AgentContext
from agent_core.models import Expectation, Location, TestCase, TestKind, Violation


def to_test_case(
    raw: dict[str, Any], ctx: AgentContext, *, kind: TestKind, agent: str, expectation: Expectation
) -> TestCase:
    op = ctx.operation
    violation = raw.get("violation")
    return TestCase(
        case_id=raw["case_id"],
        job_id=ctx.job_id,
        operation_id=op.operation_id,
        method=op.method,
        path=op.path,
        kind=kind,
        agent=agent,
        source=raw.get("source", "generated"),
        path_params=raw.get("path_params") or {},
        query=raw.get("query") or {},
        headers=raw.get("headers") or {},
        cookies=raw.get("cookies") or {},
        body=raw.get("body"),
        has_body=bool(raw.get("has_body")),
        media_type=raw.get("media_type"),
        expectation=expectation,
        violation=_violation(violation) if violation else None,
        relaxation=raw.get("relaxation"),
        identity=ctx.identity,
        seed=ctx.seed,
    )


def _violation(raw: dict[str, Any]) -> Violation:
    return Violation(
        location=Location(raw["location"]),
        parameter=raw.get("parameter"),
        keyword=raw["keyword"],
        schema_pointer=raw.get("schema_pointer", ""),
        instance_pointer=raw.get("instance_pointer", ""),
        description=raw.get("description", ""),
        boundary=bool(raw.get("boundary", False)),
    )
