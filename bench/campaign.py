"""Campaign throughput: the Ray runtime with 1 and 2 executor workers against the local runtime, same campaign.

In the same run, on a real two-node Ray cluster (tests/fixtures/ray_cluster.py: head and worker node in network
namespaces, each node one Ray CPU) and three fast targets (bench/fast_target.py, raw asyncio, canned answers that
follow bench/specs/bench_api.yaml) on a third host, the same three-target campaign (one job per target, the same
seed and cases, functional and negative kinds, every check on) runs in these modes:

* ``local``: ``LocalRuntime`` in one process, the three jobs at once (``asyncio.gather``);
* ``ray-1`` / ``ray-2``: ``RayRuntime.run_targets`` over 1 or 2 executor workers (spread over the nodes), with
  batches of 64 cases (``ClusterOptions``' default) and, for each further ``--batch-sizes`` entry, again with
  batches of that size (``ray-1 batch 16``...): what a Ray task costs shows in how the rate moves with the batch.

Every mode runs in a child driver (bench/campaign_driver.py) inside the head host, so Ray never touches the root
namespace and all modes reach the targets over the same virtual network. The driver plans the cases and runs a
small warm-up campaign untimed, then times the execution of the campaign only: cases/s is executed cases divided by
that time. Connecting to the cluster and starting the actors is timed apart (``connect s``). Each job has the same
requests in flight in every mode: ``--concurrency`` per job (per job and worker for Ray, whose workers hold
``--in-flight`` batches each, 3 by default so that a worker holds one batch of each target with the round-robin
scheduler; ``ClusterOptions``' default is 2).

CPU per case over the timed part is reported for the driver, the executor workers, the rest of Ray (GCS, raylets,
agents, other actors), the targets, and the whole machine (all of these plus the kernel and whatever else runs on
the machine meanwhile).

Each run measures every mode back to back (their order rotates from run to run); a mode's figure is the median
over the runs, its ratio against local is the median of the per-run ratios. Needs root (network namespaces) and Ray
(``pip install -e '.[ray]'``).

    python -m bench.campaign [--runs 3] [--max-cases 1000] [--concurrency 8] [--batch-sizes 64,16]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import Measure, machine, table
from tests.fixtures.netns import Host
from tests.fixtures.ray_cluster import RayNodes, ray_env, ray_nodes

CPU_GROUPS = ("driver", "executors", "ray", "targets", "machine")
TARGET_PORTS = (8901, 8902, 8903)


@dataclass(frozen=True)
class Mode:
    name: str
    workers: int = 0  # 0: the local runtime
    batch_size: int = 64


def modes(batch_sizes: Sequence[int]) -> list[Mode]:
    """local, then ray-1 and ray-2 for each batch size (the first one unnamed)."""
    out = [Mode("local")]
    for batch in batch_sizes:
        suffix = "" if batch == batch_sizes[0] else f" batch {batch}"
        out += [Mode(f"ray-{workers}{suffix}", workers, batch) for workers in (1, 2)]
    return out


@contextmanager
def fast_target(host: Host, port: int) -> Iterator[str]:
    argv = [sys.executable, "-m", "bench.fast_target", "--host", host.address, "--port", str(port)]
    process = host.popen(argv, env=ray_env())
    try:
        host.wait_listening(port, process=process, timeout=30)
        yield f"http://{host.address}:{port}"
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def drive(nodes: RayNodes, mode: Mode, urls: Sequence[str], args: argparse.Namespace) -> dict[str, Any]:
    """One measured run of ``mode`` in a child driver on the head host; its JSON answer."""
    argv = [
        sys.executable, "-m", "bench.campaign_driver", "--targets", ",".join(urls),
        "--max-cases", str(args.max_cases), "--concurrency", str(args.concurrency),
        "--batch-size", str(mode.batch_size), "--in-flight", str(args.in_flight),
        "--hosts", ",".join(f"{name}={host.namespace}" for name, host in nodes.network.hosts.items()),
    ]  # fmt: skip
    if mode.workers == 0:
        argv += ["--mode", "local"]
    else:
        argv += ["--mode", "ray", "--workers", str(mode.workers), "--address", nodes.address]
    result = nodes.head.run(argv, env=ray_env(), timeout=600, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{mode.name} driver failed ({result.returncode}):\n{result.stderr[-4000:]}")
    answer: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--max-cases", type=int, default=1000, help="max_cases of each job (about 3,000 cases each)")
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight per job (and worker)")
    parser.add_argument(
        "--batch-sizes", default="64", help="cases per batch sent to a Ray worker (64: ClusterOptions' default)"
    )
    parser.add_argument("--in-flight", type=int, default=3, help="batches in flight per Ray worker")
    args = parser.parse_args()
    order = modes([int(b) for b in args.batch_sizes.split(",")])

    results: dict[Mode, list[dict[str, Any]]] = {mode: [] for mode in order}
    with (
        tempfile.TemporaryDirectory(prefix="bench-campaign-") as temp,
        ray_nodes(Path(temp)) as nodes,
        ExitStack() as stack,
    ):
        urls = [stack.enter_context(fast_target(nodes.targets, port)) for port in TARGET_PORTS]
        for run in range(args.runs):
            shift = run % len(order)
            for mode in order[shift:] + order[:shift]:
                answer = drive(nodes, mode, urls, args)
                results[mode].append(answer)
                print(
                    f"run {run + 1} {mode.name}: {answer['cases_per_s']:,.0f} cases/s ({answer['cases']} cases, "
                    f"{answer['seconds']:.2f} s, connect {answer['connect_s']:.2f} s; CPU s: "
                    + ", ".join(f"{group} {answer[group + '_cpu_s']:.1f}" for group in CPU_GROUPS)
                    + f"; executors on {answer['nodes']})",
                    flush=True,
                )

    def ratio(mode: Mode, base: Mode) -> float:
        """Median over the runs of the rate of ``mode`` divided by that of ``base`` in the same run."""
        pairs = zip(results[mode], results[base], strict=True)
        return statistics.median(float(a["cases_per_s"]) / float(b["cases_per_s"]) for a, b in pairs)

    def per_case_ms(answers: list[dict[str, Any]], group: str) -> str:
        return f"{statistics.median(a[group + '_cpu_s'] / a['cases'] * 1000 for a in answers):.2f}"

    local = order[0]
    rows, cpu_rows = [], []
    for mode in order:
        answers = results[mode]
        rate = Measure(tuple(float(a["cases_per_s"]) for a in answers))
        rows.append([
            mode.name, str(mode.batch_size) if mode.workers else "-", f"{rate.median:,.0f}",
            f"{min(rate.values):,.0f}-{max(rate.values):,.0f}", f"{ratio(mode, local):.2f}x",
            str(answers[0]["cases"]), str(answers[0]["requests"]),
            f"{statistics.median(a['connect_s'] for a in answers):.1f}" if mode.workers else "-",
        ])  # fmt: skip
        cpu_rows.append([mode.name, *(per_case_ms(answers, group) for group in CPU_GROUPS)])
    print()
    print(f"Campaign of 3 targets, cases/s of the execution (median of {args.runs} runs; {machine()})")
    print(table(["mode", "batch", "cases/s", "range", "vs local", "cases", "requests", "connect s"], rows))
    print()
    print("CPU ms per case over the execution (median)")
    print(table(["mode", "driver", "executor workers", "rest of Ray", "targets", "whole machine"], cpu_rows))
    print()
    for mode in order[1:]:
        if mode.workers == 1:
            two = next(m for m in order if m.workers == 2 and m.batch_size == mode.batch_size)
            print(
                f"batch {mode.batch_size}: Ray overhead with 1 worker against local "
                f"{1 - ratio(mode, local):.0%} (1 - ray-1/local); 2 workers against 1: {ratio(two, mode):.2f}x"
            )


if __name__ == "__main__":
    main()
