"""The supervisor: a job becomes work units (operation × agent), and work units become test cases.

Planning is pure and deterministic: the same job (spec, seed, kinds, filters) always yields the same cases in the
same order, whichever runtime executes them.
"""

from __future__ import annotations

import fnmatch
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from agent_core.agents import AgentContext, AgentInfo, for_kinds
from agent_core.apispec import Operation
from agent_core.errors import ConfigError
from agent_core.models import TestCase, TestKind
from agent_core.native import ApiSpec

DEFAULT_KINDS = (TestKind.FUNCTIONAL, TestKind.NEGATIVE)
SAFE_METHODS = frozenset({"get", "head", "options"})


@dataclass(frozen=True, slots=True)
class OperationFilter:
    """Which operations a job covers. Patterns are shell globs matched against the operationId, ``METHOD /path``
    and tags; an empty include list means all operations."""

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    read_only: bool = False

    def selects(self, op: Operation) -> bool:
        if self.read_only and op.method not in SAFE_METHODS:
            return False
        names = (op.operation_id, op.label, f"{op.method} {op.path}", *(f"tag:{t}" for t in op.tags))
        if self.include and not any(_matches(p, names) for p in self.include):
            return False
        return not any(_matches(p, names) for p in self.exclude)


def _matches(pattern: str, names: Sequence[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for name in names)


@dataclass(frozen=True, slots=True)
class Job:
    """One run of some agents against one target."""

    spec: ApiSpec
    base_url: str
    kinds: tuple[TestKind, ...] = DEFAULT_KINDS
    seed: int = 0
    max_cases: int = 20
    operations: OperationFilter = OperationFilter()
    identity: str | None = None
    authenticated: bool = False
    job_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    campaign_id: str | None = None


@dataclass(frozen=True, slots=True)
class WorkUnit:
    operation: Operation
    agent: AgentInfo


def select_operations(job: Job) -> list[Operation]:
    selected = [op for op in job.spec.operations if job.operations.selects(op)]
    if not selected:
        raise ConfigError(
            f"the operation filters select none of the {len(job.spec.operations)} operations", "CONFIG_NO_OPERATIONS"
        )
    return selected


def plan_units(job: Job) -> list[WorkUnit]:
    agents = for_kinds(job.kinds)
    return [WorkUnit(op, a) for op in select_operations(job) for a in agents]


def expand(job: Job, unit: WorkUnit) -> list[TestCase]:
    ctx = AgentContext(
        spec=job.spec,
        operation=unit.operation,
        job_id=job.job_id,
        seed=job.seed,
        max_cases=job.max_cases,
        identity=job.identity,
        authenticated=job.authenticated,
    )
    return unit.agent.plan(ctx)


def plan_cases(job: Job) -> Iterator[tuple[WorkUnit, TestCase]]:
    """Every case of the job, unit by unit, without duplicates (two agents may propose the same request)."""
    seen: set[str] = set()
    for unit in plan_units(job):
        for case in expand(job, unit):
            if case.case_id not in seen:
                seen.add(case.case_id)
                yield unit, case
