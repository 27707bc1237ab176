"""Generation throughput: Sentinel vs Schemathesis on the same operations of real specs.

For each spec, both tools load it and generate up to N cases per operation for the operations both can handle,
in positive and in negative mode. Sentinel is measured through its Python API (native generation, the hand-over to
Python and JSON decoding included); Schemathesis through the Hypothesis strategies its runner uses, generation
phase only (no shrinking, no database). Rates are cases per second; each figure is the median of several runs.

    python -m bench.generation [--runs 3] [--cases 20] [--ops 30]
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.generation import GenerationMode

from agent_core.loading import load_spec
from agent_core.native import ApiSpec
from bench.common import Measure, machine, pin_to, repeat, table
from tests.fixtures.corpus import find_specs_dir

SPECS = [
    "apisguru__bufferapp.com__1__swagger.yaml",
    "apisguru__clever-cloud.com__1.0.0__openapi.yaml",
    "apisguru__twilio.com__twilio_events_v1__1.29.2__openapi.yaml",
    "apisguru__datumbox.com__1.0__openapi.yaml",
    "adyen-openapi__yaml__ForeignExchangeService-v1.yaml",
    "apisguru__gitea.io__1.16.0+dev-138-gdb1e3d02a__swagger.yaml",
]


@dataclass
class Workload:
    name: str
    sentinel: ApiSpec
    sentinel_ops: list[Any]
    schemathesis_ops: list[Any]


def _schemathesis_operations(path: Path) -> dict[tuple[str, str], Any]:
    schema = schemathesis.openapi.from_path(str(path))
    operations = {}
    for result in schema.get_all_operations():
        try:
            operation = result.ok()
        except Exception:
            continue
        operations[(operation.method.lower(), operation.path)] = operation
    return operations


def workloads(specs_dir: Path, max_ops: int) -> list[Workload]:
    out = []
    for name in SPECS:
        path = specs_dir / "real" / name
        spec = load_spec(path)
        theirs = _schemathesis_operations(path)
        ours = [op for op in spec.operations if (op.method, op.path) in theirs][:max_ops]
        out.append(Workload(name, spec, ours, [theirs[(op.method, op.path)] for op in ours]))
    return out


def sentinel_rate(work: Workload, kind: str, cases: int, counts: list[int]) -> Callable[[], float]:
    def run() -> float:
        start = time.perf_counter()
        total = sum(len(work.sentinel.generate(op, kind, seed, cases)) for seed, op in enumerate(work.sentinel_ops))
        counts.append(total)
        return total / (time.perf_counter() - start)

    return run


def schemathesis_rate(work: Workload, kind: str, cases: int, counts: list[int]) -> Callable[[], float]:
    mode = GenerationMode.POSITIVE if kind == "positive" else GenerationMode.NEGATIVE

    def run() -> float:
        total = 0

        def count(_case: Any) -> None:
            nonlocal total
            total += 1

        start = time.perf_counter()
        for operation in work.schemathesis_ops:
            test = settings(
                max_examples=cases,
                phases=[Phase.generate],
                database=None,
                deadline=None,
                suppress_health_check=list(HealthCheck),
            )(given(operation.as_strategy(generation_mode=mode))(count))
            try:
                test()
            except Exception:  # an unsatisfiable operation: the cases it generated still count
                continue
        counts.append(total)
        return total / (time.perf_counter() - start)

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cases", type=int, default=20, help="cases per operation and mode")
    parser.add_argument("--ops", type=int, default=30, help="operations per spec")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    pin_to(0)
    specs_dir = find_specs_dir()
    if specs_dir is None:
        raise SystemExit("spec corpus not found: set SENTINEL_SPECS_DIR")
    rows = []
    ratios = []
    for work in workloads(specs_dir, args.ops):
        for kind in ("positive", "negative"):
            our_counts: list[int] = []
            their_counts: list[int] = []
            ours: Measure = repeat(args.runs, sentinel_rate(work, kind, args.cases, our_counts))
            theirs: Measure = repeat(args.runs, schemathesis_rate(work, kind, args.cases, their_counts))
            if our_counts[-1] == 0:
                # Nothing in these operations can be broken (e.g. only unconstrained string parameters).
                ratio_text = "n/a (no constraint to break)"
            else:
                ratio = ours.median / theirs.median
                ratios.append(ratio)
                ratio_text = f"{ratio:,.0f}x"
            rows.append([
                work.name, str(len(work.sentinel_ops)), kind, f"{ours.median:,.0f}", str(our_counts[-1]),
                f"{theirs.median:,.0f}", str(their_counts[-1]), ratio_text,
            ])  # fmt: skip
            print(f"{work.name} {kind}: sentinel {ours} | schemathesis {theirs} | {ratio_text}", flush=True)
    ratios.sort()
    print()
    print(f"Generation, cases/s (median of {args.runs} runs, up to {args.cases} cases per operation; {machine()})")
    header = ["spec", "operations", "mode", "Sentinel cases/s", "cases", "Schemathesis cases/s", "cases", "ratio"]
    print(table(header, rows))
    print(f"\nmedian ratio: {ratios[len(ratios) // 2]:,.0f}x, lowest: {ratios[0]:,.0f}x")


if __name__ == "__main__":
    main()
