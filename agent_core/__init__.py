"""Sentinel's agent core: what to test and how to judge it.

The heavy deterministic work (spec loading, schema compilation, generation, validation) is in the Rust extension
``agent_core._native``; :mod:`agent_core.native` wraps it with typed Python models.
"""

from __future__ import annotations

__version__ = "0.1.0"
