"""One measured run of the campaign benchmark (bench/campaign.py starts it inside the head host of the Ray nodes).

Builds one job per target (bench/specs/bench_api.yaml, the same seed and ``--max-cases`` for every target), plans
every job in this process (untimed: both modes get the very same cases), runs a small untimed warm-up campaign, then
times the execution of the whole campaign:

* ``--mode local``: ``LocalRuntime.run`` for every job at once in one event loop (``asyncio.gather``), each job at
  ``--concurrency`` requests in flight;
* ``--mode ray``: ``RayRuntime.run_targets`` over ``--workers`` executor workers, each job at ``--concurrency``
  requests in flight per worker, ``--in-flight`` batches of ``--batch-size`` cases per worker. Connecting to the
  cluster and starting the actors is timed separately (``connect_s``), not part of the throughput.

Prints one JSON object: cases, requests, seconds, cases_per_s, connect_s, the nodes the executors ran on, and the CPU
seconds spent during the timed part (see :class:`CpuClock`) by this process, the executor workers, the rest of Ray,
the targets and the whole machine.

    python -m bench.campaign_driver --mode ray --workers 2 --address 10.213.1.2:6380 --targets URL,URL,URL
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from actors.executor import ExecutorConfig
from actors.identities import IdentityResolver
from actors.runtime import LocalRuntime, RunConfig, RunOutcome
from actors.supervisor import Job, WorkUnit
from agent_core.checks import resolve
from agent_core.loading import load_spec
from agent_core.models import TestCase
from agent_core.native import ApiSpec

SPEC = Path(__file__).resolve().parent / "specs" / "bench_api.yaml"
NETNS_DIR = Path("/var/run/netns")
TICKS = os.sysconf("SC_CLK_TCK")
GROUPS = ("driver", "executors", "ray", "targets")

Planned = list[tuple[WorkUnit, TestCase]]


def campaign(spec: ApiSpec, urls: Sequence[str], seed: int, max_cases: int) -> list[tuple[Job, Planned]]:
    """A job per target (fresh job ids, the same cases for a given seed) with its planned cases."""
    jobs = [Job(spec=spec, base_url=url, seed=seed, max_cases=max_cases) for url in urls]
    local = LocalRuntime()
    return [(job, local.plan(job)) for job in jobs]


def totals(outcomes: Sequence[RunOutcome]) -> dict[str, Any]:
    statuses: Counter[str] = Counter()
    for outcome in outcomes:
        statuses.update({status.value: n for status, n in outcome.statuses.items()})
        if outcome.executed != outcome.planned:
            raise RuntimeError(f"job {outcome.job.base_url}: {outcome.executed} of {outcome.planned} cases executed")
    if statuses.get("error"):
        raise RuntimeError(f"the campaign had errors, its rate would mean nothing: {dict(statuses)}")
    return {
        "cases": sum(o.executed for o in outcomes),
        "requests": sum(o.requests for o in outcomes),
        "findings": sum(o.findings for o in outcomes),
        "statuses": dict(statuses),
    }


def run_local(
    jobs: Sequence[tuple[Job, Planned]], config: RunConfig, resolver: IdentityResolver
) -> tuple[list[RunOutcome], float]:
    async def run() -> tuple[list[RunOutcome], float]:
        runtime = LocalRuntime()
        started = time.perf_counter()
        outcomes = await asyncio.gather(
            *(runtime.run(job, config, resolver, [], cases, preflight=False) for job, cases in jobs)
        )
        return list(outcomes), time.perf_counter() - started

    return asyncio.run(run())


def _machine_cpu() -> float:
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / TICKS


def _process_cpu(namespaces: dict[int, str]) -> dict[str, float]:
    """CPU seconds used so far by the processes of each group (see :class:`CpuClock`)."""
    used = dict.fromkeys(GROUPS, 0.0)
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        try:
            net = Path(f"/proc/{pid}/ns/net").stat().st_ino
            host = namespaces.get(net)
            if host is None and pid != os.getpid():
                continue
            stat = Path(f"/proc/{pid}/stat").read_text()
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:  # exited meanwhile
            continue
        fields = stat.rsplit(")", 1)[1].split()
        seconds = (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime
        if pid == os.getpid():
            group = "driver"
        elif host == "targets":
            group = "targets"
        elif command.startswith(b"ray::ExecutorWorker"):
            group = "executors"
        else:
            group = "ray"  # GCS, raylets, agents, generator and coordinator actors, idle workers
        used[group] += seconds
    return used


class CpuClock:
    """CPU seconds spent over a span by the driver (this process), the executor workers, the rest of Ray (every other
    process of the Ray nodes' hosts), the targets (the targets' host), and the whole machine (/proc/stat: the groups
    above, the kernel, and whatever else runs on the machine meanwhile)."""

    def __init__(self, namespaces: dict[int, str]) -> None:
        self._namespaces = namespaces
        self._machine = _machine_cpu()
        self._groups = _process_cpu(namespaces)

    def since(self) -> dict[str, float]:
        groups = _process_cpu(self._namespaces)
        cpu = {f"{group}_cpu_s": round(groups[group] - self._groups[group], 2) for group in GROUPS}
        cpu["machine_cpu_s"] = round(_machine_cpu() - self._machine, 2)
        return cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mode", choices=("local", "ray"), required=True)
    parser.add_argument("--targets", required=True, help="comma-separated base URLs, one job each")
    parser.add_argument("--address", help="Ray GCS address (ray mode)")
    parser.add_argument("--workers", type=int, default=1, help="executor workers (ray mode)")
    parser.add_argument("--max-cases", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight per job (per worker for ray)")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--in-flight", type=int, default=3, help="batches in flight per worker (ray mode)")
    parser.add_argument("--warmup-cases", type=int, default=20, help="max_cases of the untimed warm-up campaign")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--hosts", default="", help="name=netns,... of the hosts whose processes' CPU is reported (nodes, targets)"
    )
    args = parser.parse_args()

    urls = args.targets.split(",")
    namespaces = {}
    for pair in filter(None, args.hosts.split(",")):
        name, namespace = pair.split("=")
        namespaces[(NETNS_DIR / namespace).stat().st_ino] = name
    spec = load_spec(SPEC)
    resolver = IdentityResolver([], spec.security_schemes.values(), spec.security)
    config = RunConfig(executor=ExecutorConfig(concurrency=args.concurrency), checks=tuple(resolve(None)))
    warmup = campaign(spec, urls, args.seed + 1, args.warmup_cases)
    jobs = campaign(spec, urls, args.seed, args.max_cases)
    result: dict[str, Any] = {"mode": args.mode, "workers": args.workers if args.mode == "ray" else 0}

    if args.mode == "local":
        run_local(warmup, config, resolver)
        clock = CpuClock(namespaces)
        outcomes, seconds = run_local(jobs, config, resolver)
        cpu = clock.since()
        result |= {"connect_s": 0.0, "nodes": []}
    else:
        import ray  # noqa: PLC0415 - only the ray mode needs it

        from actors.remote import ClusterOptions, RayCluster, RayRuntime, RayTarget  # noqa: PLC0415

        options = ClusterOptions(
            address=args.address, workers=args.workers, batch_size=args.batch_size, in_flight_per_worker=args.in_flight
        )
        started = time.perf_counter()
        with RayCluster(options) as cluster:
            # Actors start asynchronously: wait until every one answers, so start-up stays out of the throughput.
            ray.get([actor.info.remote() for actor in [*cluster.executors, *cluster.generators]])
            connect_s = time.perf_counter() - started
            runtime = RayRuntime(cluster)

            def targets(planned: Sequence[tuple[Job, Planned]]) -> list[RayTarget]:
                return [
                    RayTarget(f"t{i}", job, config, resolver, cases=cases) for i, (job, cases) in enumerate(planned)
                ]

            runtime.run_targets(targets(warmup))
            ready = targets(jobs)
            clock = CpuClock(namespaces)
            started = time.perf_counter()
            run = runtime.run_targets(ready)
            seconds = time.perf_counter() - started
            cpu = clock.since()
            outcomes = [work.outcome for work in run.targets]
            nodes = sorted({w.node for w in run.workers.values() if w.role == "executor" and w.batches})
        result |= {"connect_s": round(connect_s, 3), "nodes": nodes}

    result |= totals(outcomes) | cpu
    result |= {"seconds": round(seconds, 4), "cases_per_s": round(result["cases"] / seconds, 1)}
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
