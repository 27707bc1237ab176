"""The agent registry.

An agent turns one operation into test cases. Agents are pure and deterministic for a seed: they never do I/O,
so they run unchanged in the CLI process or inside a remote worker. Adding an agent is adding one module that
registers itself with :func:`agent`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from agent_core.apispec import Operation
from agent_core.errors import ConfigError
from agent_core.models import TestCase, TestKind
from agent_core.native import ApiSpec


@dataclass(frozen=True, slots=True)
class AgentContext:
    """Everything an agent may use to plan cases for one operation."""

    spec: ApiSpec
    operation: Operation
    job_id: str
    seed: int
    max_cases: int
    identity: str | None = None
    authenticated: bool = False


Planner = Callable[[AgentContext], list[TestCase]]


@dataclass(frozen=True, slots=True)
class AgentInfo:
    name: str
    kind: TestKind
    description: str
    plan: Planner


_REGISTRY: dict[str, AgentInfo] = {}


def agent(name: str, *, kind: TestKind, description: str) -> Callable[[Planner], Planner]:
    """Register ``plan`` as the agent ``name`` producing cases of ``kind``."""

    def register(plan: Planner) -> Planner:
        if name in _REGISTRY:
            raise RuntimeError(f"agent {name!r} registered twice")
        _REGISTRY[name] = AgentInfo(name, kind, description, plan)
        return plan

    return register


def registered() -> list[AgentInfo]:
    return sorted(_REGISTRY.values(), key=lambda a: a.name)


def for_kinds(kinds: Sequence[TestKind]) -> list[AgentInfo]:
    """The agents that produce the requested kinds. A kind no agent produces yet is a configuration error."""
    chosen = [a for a in registered() if a.kind in kinds]
    missing = sorted(set(kinds) - {a.kind for a in chosen})
    if missing:
        available = sorted({a.kind.value for a in registered()})
        raise ConfigError(
            f"no agent produces {', '.join(missing)} tests yet (available kinds: {', '.join(available)})",
            "CONFIG_UNKNOWN_KIND",
        )
    return chosen
