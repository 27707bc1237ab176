"""Agents: operation → test cases. Importing this package registers the built-in agents."""

from __future__ import annotations

from agent_core.agents import functional_negative, functional_positive
from agent_core.agents.registry import AgentContext, AgentInfo, agent, for_kinds, registered

__all__ = [
    "AgentContext",
    "AgentInfo",
    "agent",
    "for_kinds",
    "functional_negative",
    "functional_positive",
    "registered",
]
