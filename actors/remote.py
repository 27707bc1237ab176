"""The Ray runtime: the same agents, executor and checks as the local runtime, run as Ray actors.

This is the only module that imports ``ray`` (an import-linter contract keeps it so). It holds:

- :class:`GeneratorWorker` (the generator pool) plans a job's work units into cases; :class:`ExecutorWorker` (the
  executor pool) sends batches of cases and judges the responses. Both load the Rust core once, when the actor
  starts, and report how often they did (``core_loads``) with every answer, so a run can prove it.
- :class:`RateLimiterActor`, one per target origin, schedules every request any worker sends there.
- :class:`CoordinatorActor`, a named actor that tracks jobs for anyone who asks (the REST service, ``ray`` tools).
- :class:`RayRuntime`, the driver: plans through the generator pool, hands batches to the executor pool through a
  :class:`~actors.scheduling.Scheduler`, and gives every result to the sinks in this process.

Actors restart when their process dies (``max_restarts``) and Ray re-runs the tasks they held
(``max_task_retries``); a re-run case keeps its event_id, so the sinks store it once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import ray
from ray.exceptions import GetTimeoutError, RayActorError, RayTaskError

from actors.executor import Executor
from actors.identities import IdentityResolver
from actors.ratelimit import RateLimit, Reservations
from actors.runtime import EventSink, JobLifecycle, RunConfig, RunOutcome, judge
from actors.scheduling import Batch, Scheduler, TargetState, TargetWork
from actors.supervisor import Job, WorkUnit, expand, plan_units
from actors.transport import AiohttpTransport
from agent_core import loading
from agent_core.errors import ConfigError
from agent_core.events import ResultEvent, RunEventType
from agent_core.models import TestCase
from agent_core.sanitize import Sanitizer

__all__ = [
    "ClusterOptions",
    "RayCluster",
    "RayRuntime",
    "RayTarget",
    "WorkerInfo",
]

logger = logging.getLogger(__name__)

NAMESPACE = "sentinel"
COORDINATOR = "coordinator"
RAY_CONNECT_ERROR = "RUNTIME_RAY_CONNECT"
RAY_WORKERS_LOST = "RUNTIME_WORKERS_LOST"

# A one-item list around an object reference: Ray resolves references passed as arguments, not those inside a list,
# so a worker can check its cache before fetching (and unpickling) a job it already holds.
Box = list["ray.ObjectRef[Any]"]

# Times this process loaded the Rust core for an actor; one per worker process is the point of actors.
_core_loads = 0


def _load_core() -> None:
    global _core_loads  # noqa: PLW0603 - a process-wide counter is the point
    from agent_core import _native  # noqa: PLC0415 - the load being counted
    from agent_core.checks import resolve  # noqa: PLC0415

    _native.error_codes()
    resolve(None)
    _core_loads += 1


@dataclass(frozen=True, slots=True)
class WorkerInfo:
    """What a worker says about itself with every answer."""

    worker: str  # node address:pid, also the ``worker`` of its results
    role: str
    node: str
    core_loads: int
    spec_loads: int
    batches: int
    cases: int


class _Worker:
    def __init__(self, role: str) -> None:
        _load_core()
        self._role = role
        self._node = ray.util.get_node_ip_address()  # type: ignore[no-untyped-call]
        self._name = f"{self._node}:{os.getpid()}"
        self._batches = 0
        self._cases = 0

    def info(self) -> WorkerInfo:
        return WorkerInfo(
            self._name, self._role, self._node, _core_loads, loading.bundle_loads, self._batches, self._cases
        )


@ray.remote(num_cpus=0, max_restarts=4, max_task_retries=4)
class GeneratorWorker(_Worker):
    """Plans work units into cases (pure and deterministic: any worker gives the same cases)."""

    def __init__(self) -> None:
        super().__init__("generator")

    def plan(self, job_box: Box, units: list[int]) -> tuple[list[list[TestCase]], WorkerInfo]:
        job: Job = ray.get(job_box[0])
        every = plan_units(job)
        cases = [expand(job, every[index]) for index in units]
        self._batches += 1
        self._cases += sum(len(c) for c in cases)
        return cases, self.info()


@dataclass(slots=True)
class _Run:
    """A job as one executor worker holds it."""

    job: Job
    config: RunConfig
    executor: Executor
    slots: asyncio.Semaphore


@dataclass(frozen=True, slots=True)
class RunContext:
    """What an executor worker needs besides the job: how to run, as whom, and the target's shared limiter (an actor
    handle: handles travel with the context, so a restarted worker finds the same limiter)."""

    config: RunConfig
    identities: IdentityResolver
    limiter: Any


class _SharedLimiter:
    """The executor's limiter in a worker: asks the target's :class:`RateLimiterActor` for a send time."""

    def __init__(self, handle: Any) -> None:
        self._handle = handle

    async def acquire(self) -> None:
        send_at: float = await self._handle.reserve.remote()
        delay = send_at - time.time()
        if delay > 0:
            await asyncio.sleep(delay)


@ray.remote(max_restarts=4, max_task_retries=4)
class ExecutorWorker(_Worker):
    """Sends batches of cases to their targets and judges every response. An async actor: one event loop serves
    every batch it holds, up to the job's concurrency at a time."""

    def __init__(self) -> None:
        super().__init__("executor")
        self._runs: dict[str, _Run] = {}
        self._opening: dict[str, asyncio.Lock] = {}

    async def execute(
        self, job_id: str, job_box: Box, context_box: Box, items: list[tuple[int, TestCase]]
    ) -> tuple[list[ResultEvent], WorkerInfo]:
        run = self._runs.get(job_id) or await self._open(job_id, job_box, context_box)

        async def one(op_index: int, case: TestCase) -> ResultEvent:
            operation = run.job.spec.operations[op_index]
            async with run.slots:
                executed = await run.executor.execute(case, operation)
            return judge(run.job, run.config, operation, case, executed, self._name)

        events = await asyncio.gather(*(one(op, case) for op, case in items))
        self._batches += 1
        self._cases += len(items)
        return list(events), self.info()

    async def close_job(self, job_id: str) -> None:
        run = self._runs.pop(job_id, None)
        if run is not None:
            await run.executor.aclose()

    async def _open(self, job_id: str, job_box: Box, context_box: Box) -> _Run:
        """The job's executor, built on its first batch: the job and its context are fetched (and the spec loaded)
        once per worker, not once per batch."""
        lock = self._opening.setdefault(job_id, asyncio.Lock())
        async with lock:
            run = self._runs.get(job_id)
            if run is None:
                job: Job = await job_box[0]
                context: RunContext = await context_box[0]
                config = context.config.executor
                limiter = None
                if context.limiter is not None:
                    limiter = _SharedLimiter(context.limiter)
                transport = AiohttpTransport(config.concurrency, max_response_bytes=config.max_response_bytes)
                sanitizer = Sanitizer(context.identities.secrets())
                executor = Executor(transport, config, job.base_url, sanitizer, context.identities, limiter=limiter)
                run = _Run(job, context.config, executor, asyncio.Semaphore(config.concurrency))
                self._runs[job_id] = run
        return run


@ray.remote(num_cpus=0, max_restarts=-1, max_task_retries=-1)
class RateLimiterActor:
    """The request schedule of one target origin, shared by every worker that sends there."""

    def __init__(self, per_second: float, burst: int) -> None:
        self._reservations = Reservations(RateLimit(per_second, burst))

    def reserve(self) -> float:
        return self._reservations.reserve()

    def tighten(self, per_second: float, burst: int) -> None:
        self._reservations.tighten(RateLimit(per_second, burst))


@ray.remote(num_cpus=0)
class CoordinatorActor:
    """Tracks the jobs of this cluster: who runs what, how far each got."""

    def __init__(self) -> None:
        self._jobs: dict[str, dict[str, Any]] = {}

    def register(self, job_id: str, facts: dict[str, Any]) -> None:
        self._jobs[job_id] = {"job_id": job_id, "state": "pending", **facts}

    def update(self, job_id: str, facts: dict[str, Any]) -> None:
        self._jobs.setdefault(job_id, {"job_id": job_id}).update(facts)

    def jobs(self) -> list[dict[str, Any]]:
        return list(self._jobs.values())


@dataclass(frozen=True, slots=True)
class ClusterOptions:
    """Where the cluster is and how many workers to use.

    ``address`` None starts a local cluster for this process (and stops it afterwards), sized by ``num_cpus`` and
    ``object_store_mb``; Ray's own default would take 30% of the machine's memory for objects."""

    address: str | None = None
    workers: int = 2
    generators: int = 1
    num_cpus: int | None = None
    object_store_mb: int = 256
    worker_cpus: float = 1.0
    batch_size: int = 64
    in_flight_per_worker: int = 2

    def __post_init__(self) -> None:
        if self.workers < 1 or self.generators < 1:
            raise ConfigError("a Ray run needs at least one executor and one generator worker", "CONFIG_RUNTIME")
        if self.batch_size < 1 or self.in_flight_per_worker < 1:
            raise ConfigError("batch size and batches in flight per worker must be at least 1", "CONFIG_RUNTIME")


class RayCluster:
    """A connection to a Ray cluster (or a local one started for the occasion) with Sentinel's actors on it."""

    def __init__(self, options: ClusterOptions) -> None:
        self.options = options
        self._started = False
        self._executors: list[Any] = []
        self._generators: list[Any] = []
        self._limiters: dict[str, Any] = {}
        self.coordinator: Any = None

    def __enter__(self) -> RayCluster:
        options = self.options
        common: dict[str, Any] = {"namespace": NAMESPACE, "log_to_driver": False, "logging_level": logging.WARNING}
        if options.address:
            _check_reachable(options.address)
        try:
            if options.address:
                ray.init(address=options.address, **common)
            else:
                cpus = options.num_cpus or max(os.cpu_count() or 1, int(options.workers * options.worker_cpus) + 1)
                ray.init(
                    num_cpus=cpus,
                    object_store_memory=options.object_store_mb * 1024 * 1024,
                    include_dashboard=False,
                    **common,
                )
        except (ConnectionError, RuntimeError, ValueError) as exc:
            where = options.address or "a local cluster"
            raise ConfigError(f"cannot start or reach Ray at {where}: {exc}", RAY_CONNECT_ERROR) from None
        self._started = True
        self.coordinator = CoordinatorActor.options(  # type: ignore[attr-defined]
            name=COORDINATOR, get_if_exists=True
        ).remote()
        spread = {"scheduling_strategy": "SPREAD"}
        self._executors = [
            ExecutorWorker.options(num_cpus=options.worker_cpus, **spread).remote()  # type: ignore[attr-defined]
            for _ in range(options.workers)
        ]
        self._generators = [
            GeneratorWorker.options(**spread).remote()  # type: ignore[attr-defined]
            for _ in range(options.generators)
        ]
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if not self._started:
            return
        self._started = False
        for actor in [*self._executors, *self._generators, *self._limiters.values()]:
            with contextlib.suppress(Exception):
                ray.kill(actor)
        ray.shutdown()

    @property
    def executors(self) -> list[Any]:
        return self._executors

    @property
    def generators(self) -> list[Any]:
        return self._generators

    def nodes(self) -> list[str]:
        """Addresses of the cluster's live nodes."""
        return sorted(str(n["NodeManagerAddress"]) for n in ray.nodes() if n.get("Alive"))  # type: ignore[no-untyped-call]

    def limiter(self, base_url: str, limit: RateLimit) -> Any:
        """The shared limiter of ``base_url``'s origin (scheme, host, port), created or tightened to ``limit``."""
        parts = urlsplit(base_url)
        origin = f"{parts.scheme}://{parts.netloc}"
        handle = self._limiters.get(origin)
        if handle is None:
            handle = RateLimiterActor.remote(limit.per_second, limit.burst)  # type: ignore[attr-defined]
            self._limiters[origin] = handle
        else:
            ray.get(handle.tighten.remote(limit.per_second, limit.burst))
        return handle

    def jobs(self) -> list[dict[str, Any]]:
        """The coordinator's view of every job."""
        jobs: list[dict[str, Any]] = ray.get(self.coordinator.jobs.remote())
        return jobs


def _check_reachable(address: str, timeout_s: float = 10.0) -> None:
    """Fail fast when nothing listens at a ``host:port`` cluster address: Ray itself retries for minutes."""
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit() or "://" in address:
        return  # "auto", "ray://…" and other forms are Ray's to interpret
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout_s).close()
    except OSError as exc:
        raise ConfigError(
            f"no Ray cluster answers at {address} ({exc.strerror or exc}); check --ray-address / RAY_ADDRESS",
            RAY_CONNECT_ERROR,
        ) from None


@dataclass(slots=True)
class RayTarget:
    """One job of a distributed run, with what it needs besides the job."""

    name: str
    job: Job
    config: RunConfig
    identities: IdentityResolver
    sinks: Sequence[EventSink] = ()
    request_budget: int | None = None
    cases: list[tuple[WorkUnit, TestCase]] | None = None


@dataclass(slots=True)
class DistributedRun:
    """How a distributed run went: each target's work and what every worker said about itself."""

    targets: list[TargetWork]
    workers: dict[str, WorkerInfo] = field(default_factory=dict)
    interrupted: bool = False


Progress = Callable[[Sequence[TargetWork]], None]


class RayRuntime:
    """Runs jobs on a :class:`RayCluster`; results reach the sinks in this (the driver's) process."""

    DRAIN_TIMEOUT_S = 60.0

    def __init__(self, cluster: RayCluster) -> None:
        self._cluster = cluster
        self.workers: dict[str, WorkerInfo] = {}

    def plan(self, job: Job) -> list[tuple[WorkUnit, TestCase]]:
        """The job's cases, planned by the generator pool: the same cases, in the same order, as the local
        supervisor plans (units are merged in unit order and duplicates dropped the same way)."""
        units = plan_units(job)
        generators = self._cluster.generators
        job_box = [ray.put(job)]
        chunks = [list(range(i, len(units), len(generators))) for i in range(len(generators))]
        answers = ray.get([g.plan.remote(job_box, chunk) for g, chunk in zip(generators, chunks, strict=True) if chunk])
        by_unit: dict[int, list[TestCase]] = {}
        for chunk, (cases, info) in zip([c for c in chunks if c], answers, strict=True):
            by_unit.update(zip(chunk, cases, strict=True))
            self.workers[info.worker] = info
        seen: set[str] = set()
        planned: list[tuple[WorkUnit, TestCase]] = []
        for index, unit in enumerate(units):
            for case in by_unit[index]:
                if case.case_id not in seen:
                    seen.add(case.case_id)
                    planned.append((unit, case))
        return planned

    def run_job(
        self,
        job: Job,
        config: RunConfig,
        identities: IdentityResolver,
        sinks: Sequence[EventSink],
        cases: list[tuple[WorkUnit, TestCase]] | None = None,
    ) -> RunOutcome:
        """One job, with the meaning of :meth:`LocalRuntime.run` (``sentinel run --runtime ray``); the caller checks
        the target first (:func:`check_target`), before a cluster is started for nothing."""
        return self.run_targets([RayTarget("run", job, config, identities, sinks, cases=cases)]).targets[0].outcome

    def run_targets(
        self,
        targets: Sequence[RayTarget],
        *,
        request_budget: int | None = None,
        deadline_s: float | None = None,
        progress: Progress | None = None,
        stop: Callable[[], bool] | None = None,
    ) -> DistributedRun:
        """Run every target's cases over the executor pool until all are done, a limit is reached, or ``stop()``
        says so (in-flight batches are then still collected)."""
        works = [self._prepare(t) for t in targets]
        scheduler = Scheduler(
            [w for w, _ in works],
            batch_size=self._cluster.options.batch_size,
            spread=len(self._cluster.executors) * self._cluster.options.in_flight_per_worker,
            request_budget=request_budget,
            deadline_s=deadline_s,
        )
        driver = _Driver(self._cluster, scheduler, {w.job.job_id: box for w, box in works}, targets, progress)
        try:
            driver.loop(stop)
        except KeyboardInterrupt:
            driver.interrupt()
        finally:
            driver.close()
        self.workers.update(driver.workers)
        return DistributedRun(scheduler.targets, dict(self.workers), driver.interrupted)

    def _prepare(self, target: RayTarget) -> tuple[TargetWork, tuple[Box, Box]]:
        planned = target.cases if target.cases is not None else self.plan(target.job)
        items = [(unit.operation.index, case) for unit, case in planned]
        limit = target.config.executor.rate_limit
        limiter = self._cluster.limiter(target.job.base_url, limit) if limit is not None else None
        context = RunContext(target.config, target.identities, limiter)
        work = TargetWork(target.name, target.job, items, request_budget=target.request_budget)
        return work, ([ray.put(target.job)], [ray.put(context)])


async def check_target(job: Job, config: RunConfig) -> None:
    """Raise :class:`TargetUnreachable` unless the job's target accepts connections (from the driver)."""
    probe = Executor(AiohttpTransport(1), config.executor, job.base_url, Sanitizer(()))
    try:
        await probe.preflight()
    finally:
        await probe.aclose()


class _Driver:
    """The dispatch loop of one distributed run."""

    def __init__(
        self,
        cluster: RayCluster,
        scheduler: Scheduler,
        boxes: Mapping[str, tuple[Box, Box]],
        targets: Sequence[RayTarget],
        progress: Progress | None,
    ) -> None:
        self._cluster = cluster
        self._scheduler = scheduler
        self._boxes = boxes
        self._progress = progress
        self._workers = list(cluster.executors)
        self._load = dict.fromkeys(range(len(self._workers)), 0)
        self._pending: dict[ray.ObjectRef[Any], tuple[Batch, int]] = {}
        self._sinks = {t.job.job_id: list(t.sinks) for t in targets}
        self._lifecycles: dict[str, JobLifecycle] = {}
        self._started: set[str] = set()
        self.workers: dict[str, WorkerInfo] = {}
        self.interrupted = False
        self._last_progress = 0.0
        for work, target in zip(scheduler.targets, targets, strict=True):
            lifecycle = JobLifecycle(work.job, target.config, target.sinks, work.outcome)
            self._lifecycles[work.job.job_id] = lifecycle
            lifecycle.emit(RunEventType.CREATED)
            cluster.coordinator.register.remote(
                work.job.job_id, {"name": work.name, "base_url": work.job.base_url, "planned": work.outcome.planned}
            )

    def loop(self, stop: Callable[[], bool] | None) -> None:
        scheduler = self._scheduler
        while True:
            if stop is not None and stop() and not self.interrupted:
                self.interrupt_soft()
            if not self.interrupted:
                self._dispatch()
            self._emit_unsent()
            if not self._pending:
                if scheduler.finished or self.interrupted:
                    break
                if not self._dispatch():
                    raise RuntimeError("the scheduler has cases left but hands out none")  # an invariant, not input
            ready, _ = ray.wait(list(self._pending), num_returns=1, timeout=0.25)
            for ref in ready:
                self._collect(ref)
            self._report_progress()
        self._report_progress(force=True)

    def interrupt_soft(self) -> None:
        """Stop sending; what is in flight is still collected by the loop."""
        self.interrupted = True
        self._scheduler.interrupt()

    def interrupt(self) -> None:
        """Ctrl-C: stop sending and collect what is in flight (a second Ctrl-C abandons it)."""
        self.interrupt_soft()
        deadline = time.monotonic() + RayRuntime.DRAIN_TIMEOUT_S
        try:
            while self._pending and time.monotonic() < deadline:
                ready, _ = ray.wait(list(self._pending), num_returns=1, timeout=0.25)
                for ref in ready:
                    self._collect(ref)
        except KeyboardInterrupt:
            logger.warning("abandoning %d batches in flight", len(self._pending))
        self._report_progress(force=True)

    def close(self) -> None:
        closing: list[ray.ObjectRef[Any]] = []
        for work in self._scheduler.targets:
            lifecycle = self._lifecycles[work.job.job_id]
            if work.state is TargetState.INTERRUPTED:
                lifecycle.emit(RunEventType.FAILED, error="interrupted")
            elif work.state is TargetState.UNREACHABLE:
                lifecycle.emit(RunEventType.FAILED, error="the target stopped answering")
            else:
                lifecycle.emit(RunEventType.FINISHED)
            self._cluster.coordinator.update.remote(work.job.job_id, self._facts(work))
            closing.extend(worker.close_job.remote(work.job.job_id) for worker in self._workers)
        # Workers close the jobs' connections before the cluster is released (or they would be killed mid-close).
        with contextlib.suppress(Exception):
            ray.wait(closing, num_returns=len(closing), timeout=10)

    def _dispatch(self) -> int:
        """Give workers with room a batch each, least loaded first; the number of batches sent."""
        per_worker = self._cluster.options.in_flight_per_worker
        sent = 0
        while True:
            index = min(self._load, key=lambda i: self._load[i])
            if self._load[index] >= per_worker:
                return sent
            batch = self._scheduler.next_batch()
            if batch is None:
                return sent
            job_id = batch.target.job.job_id
            job_box, context_box = self._boxes[job_id]
            ref = self._workers[index].execute.remote(job_id, job_box, context_box, list(batch.items))
            self._pending[ref] = (batch, index)
            self._load[index] += 1
            sent += 1
            if job_id not in self._started:
                self._started.add(job_id)
                self._lifecycles[job_id].emit(RunEventType.STARTED)

    def _collect(self, ref: ray.ObjectRef[Any]) -> None:
        batch, index = self._pending.pop(ref)
        if index in self._load:
            self._load[index] -= 1
        try:
            events, info = ray.get(ref)
        except RayTaskError as exc:
            # A bug in the worker's code, not a lost worker: surface it as the local runtime would.
            raise exc.as_instanceof_cause() from None  # type: ignore[no-untyped-call]
        except (RayActorError, GetTimeoutError) as exc:
            logger.warning("worker %d lost a batch for good (%s); its cases go to the others", index, exc)
            self._scheduler.failed(batch)
            self._drop_worker(index)
            return
        self.workers[info.worker] = info
        self._scheduler.completed(batch, events)
        self._deliver(batch.target, events)

    def _drop_worker(self, index: int) -> None:
        """A worker lost for good gets no more batches (its load counter goes with it)."""
        del self._load[index]
        if not self._load:
            raise ConfigError("every executor worker of the cluster was lost", RAY_WORKERS_LOST)

    def _emit_unsent(self) -> None:
        for work, events in self._scheduler.unsent():
            self._deliver(work, events)

    def _deliver(self, work: TargetWork, events: Sequence[ResultEvent]) -> None:
        sinks = self._sinks[work.job.job_id]
        for event in events:
            for sink in sinks:
                sink.emit(event)
        self._lifecycles[work.job.job_id].maybe_progress()

    def _report_progress(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_progress < 0.25:
            return
        self._last_progress = now
        if self._progress is not None:
            self._progress(self._scheduler.targets)
        for work in self._scheduler.targets:
            self._cluster.coordinator.update.remote(work.job.job_id, self._facts(work))

    @staticmethod
    def _facts(work: TargetWork) -> dict[str, Any]:
        outcome = work.outcome
        return {
            "state": work.state.value,
            "executed": outcome.executed,
            "requests": outcome.requests,
            "findings": outcome.findings,
            "statuses": {status.value: n for status, n in outcome.statuses.items()},
        }
