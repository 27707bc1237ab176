"""Helpers shared by the benchmarks: medians over repeated runs, CPU pinning, markdown tables."""

from __future__ import annotations

import os
import platform
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Measure:
    """Median and spread of a rate measured several times."""

    values: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    def __str__(self) -> str:
        low, high = min(self.values), max(self.values)
        return f"{self.median:,.0f} (min {low:,.0f}, max {high:,.0f}, n={len(self.values)})"


def repeat(runs: int, measure: Callable[[], float]) -> Measure:
    return Measure(tuple(measure() for _ in range(runs)))


def pin_to(cpu: int) -> None:
    """Keep this process on one CPU so a tool and its target do not fight for the same core."""
    if hasattr(os, "sched_setaffinity") and cpu < (os.cpu_count() or 1):
        os.sched_setaffinity(0, {cpu})


def machine() -> str:
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)
