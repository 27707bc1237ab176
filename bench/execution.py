"""Execution throughput: Sentinel vs Schemathesis sending requests, checks on, against the same local target.

The target (bench/fast_target.py, raw asyncio, canned answers that follow bench/specs/bench_api.yaml) runs pinned
to one CPU and each tool to the other, so they do not compete for a core. Throughput is counted at the target:
requests received divided by the time between the first and the last one, so tool start-up is not part of it.
Both tools run positive cases with all their checks; each figure is the median of several runs.

    python -m bench.execution [--runs 3] [--cases 400] [--workers 1,8]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from bench.common import Measure, machine, table

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SPEC = HERE / "specs" / "bench_api.yaml"
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _pinned(cpu: int) -> list[str]:
    return ["taskset", "-c", str(cpu)] if (os.cpu_count() or 1) > 1 else []


@contextlib.contextmanager
def target() -> Iterator[str]:
    port = _free_port()
    command = [*_pinned(1), sys.executable, "-m", "bench.fast_target", "--port", str(port)]
    process = subprocess.Popen(command, cwd=REPO)
    try:
        for _ in range(100):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait()


def _stats(base_url: str, reset: bool = False) -> dict[str, float]:
    request = urllib.request.Request(
        f"{base_url}/__reset" if reset else f"{base_url}/__stats", method="POST" if reset else "GET"
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read() or b"{}") if not reset else {}


def sentinel_command(base_url: str, cases: int, workers: int) -> list[str]:
    return [
        str(BIN / "sentinel"), "run", "--spec", str(SPEC), "--base-url", base_url, "--kinds", "functional",
        "--max-cases", str(cases), "--workers", str(workers), "--no-progress",
    ]  # fmt: skip


def schemathesis_command(base_url: str, cases: int, workers: int) -> list[str]:
    return [
        str(BIN / "st"), "run", str(SPEC), "--url", base_url, "--mode", "positive", "-n", str(cases),
        "-w", str(workers), "--checks", "all", "--phases", "fuzzing", "--generation-database", "none",
    ]  # fmt: skip


def measure(command: list[str], base_url: str) -> tuple[float, int]:
    _stats(base_url, reset=True)
    subprocess.run([*_pinned(0), *command], cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    stats = _stats(base_url)
    return stats["requests"] / max(stats["seconds"], 1e-9), int(stats["requests"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cases", type=int, default=400, help="cases per operation")
    parser.add_argument("--workers", default="1,8")
    args = parser.parse_args()
    rows = []
    with target() as base_url:
        for workers in (int(w) for w in args.workers.split(",")):
            results = {}
            for tool, build in (("Sentinel", sentinel_command), ("Schemathesis", schemathesis_command)):
                rates, counts = [], []
                for _ in range(args.runs):
                    rate, count = measure(build(base_url, args.cases, workers), base_url)
                    rates.append(rate)
                    counts.append(count)
                results[tool] = (Measure(tuple(rates)), sorted(counts)[len(counts) // 2])
                print(
                    f"workers={workers} {tool}: {results[tool][0]} req/s over {results[tool][1]} requests", flush=True
                )
            ours, theirs = results["Sentinel"][0].median, results["Schemathesis"][0].median
            rows.append([
                str(workers), f"{ours:,.0f}", str(results["Sentinel"][1]), f"{theirs:,.0f}",
                str(results["Schemathesis"][1]), f"{ours / theirs:,.1f}x",
            ])  # fmt: skip
    print()
    print(f"Execution, requests/s at the target, checks on (median of {args.runs} runs; {machine()})")
    print(table(["workers", "Sentinel req/s", "requests", "Schemathesis req/s", "requests", "ratio"], rows))


if __name__ == "__main__":
    main()
