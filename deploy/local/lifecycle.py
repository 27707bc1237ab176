"""Idempotent up / down / kill / restart / status for one service.

Each operation holds the service's lock file, so concurrent callers (a developer's shell and a test session) see
each other's work instead of racing: the second ``up`` finds the first one's healthy process and does nothing.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from deploy.local import processes
from deploy.local.health import ServiceError, port_open, wait_healthy
from deploy.local.installs import file_lock
from deploy.local.layout import HOST, make_dir, prepare_root
from deploy.local.processes import PidRecord
from deploy.local.service import Outcome, Service


@dataclass(frozen=True)
class ServiceState:
    name: str
    state: str  # running | unhealthy | crashed | stopped
    endpoint: str
    pid: int | None
    rss_bytes: int
    log: Path
    mode: str
    version: str


@contextmanager
def _locked(svc: Service) -> Iterator[None]:
    prepare_root(svc.lay, svc.user)
    with file_lock(svc.lay.lock_file(svc.name)):
        yield


def _prepare_dirs(svc: Service) -> None:
    make_dir(svc.data_dir, 0o700, svc.user)
    make_dir(svc.conf_dir, 0o755, svc.user)
    make_dir(svc.tmp_dir, 0o700, svc.user)


def _busy_ports(svc: Service, grace: float = 15.0) -> list[int]:
    """Ports still taken after ``grace`` seconds: a process of ours that was just stopped may still be closing."""
    deadline = time.monotonic() + grace
    while True:
        busy = [port for port in svc.ports() if port_open(HOST, port)]
        if not busy or time.monotonic() > deadline:
            return busy
        time.sleep(0.2)


def _start(svc: Service, action: str, notes: list[str]) -> Outcome:
    began = time.monotonic()
    try:
        svc.install()
        _prepare_dirs(svc)
        svc.prepare()
    except (OSError, RuntimeError) as exc:
        if isinstance(exc, ServiceError):
            raise
        install_log = svc.lay.log_file("install")
        raise ServiceError(f"{svc.name}: installation or setup failed: {exc}; see {install_log}") from exc
    installed = time.monotonic() - began
    if installed > 1.0:
        notes = [*notes, f"installed/prepared in {installed:.1f} s"]
    busy = _busy_ports(svc)
    if busy:
        raise ServiceError(
            f"{svc.name}: port(s) {busy} on {HOST} are in use by a process these scripts did not start; stop it or "
            f"set SENTINEL_LOCAL_{svc.name.upper()}_PORT"
        )
    launch = svc.launch()
    try:
        record = processes.spawn(
            launch.argv, log=svc.log, user=svc.user, env=launch.env, cwd=launch.cwd, mode=svc.start_mode()
        )
    except (OSError, RuntimeError) as exc:
        raise ServiceError(f"{svc.name}: could not start {launch.argv[0]}: {exc}; see {svc.log}") from exc
    processes.write_pid_file(svc.pid_file, record)
    try:
        seconds = wait_healthy(
            svc.name, svc.check, alive=lambda: processes.is_alive(record), timeout=svc.start_timeout, log=svc.log
        )
        svc.after_start()
    except BaseException:
        # A half-started service must not linger: the caller gets the error, the machine gets nothing running.
        processes.kill(record)
        svc.pid_file.unlink(missing_ok=True)
        raise
    if record.mode:
        notes = [*notes, f"mode {record.mode}"]
    return Outcome(svc.name, action, record.pid, seconds, notes)


def _stop(svc: Service, record: PidRecord) -> None:
    processes.stop(record, svc.stop_signal, svc.stop_timeout)
    svc.pid_file.unlink(missing_ok=True)


def up(svc: Service) -> Outcome:
    """Start ``svc`` unless it already runs healthy; restarts it when crashed, hung or in another requested mode."""
    with _locked(svc):
        record = processes.read_pid_file(svc.pid_file)
        if record is not None and processes.is_alive(record):
            wanted = svc.requested_mode()
            if wanted is not None and wanted != record.mode:
                _stop(svc, record)
                return _start(svc, "restarted", [f"was in mode {record.mode or 'default'}"])
            if svc.check():
                return Outcome(svc.name, "already running", record.pid, notes=[record.mode] if record.mode else [])
            try:
                seconds = wait_healthy(
                    svc.name, svc.check, alive=lambda: processes.is_alive(record), timeout=svc.start_timeout,
                    log=svc.log,
                )  # fmt: skip
                return Outcome(svc.name, "already running (was still starting)", record.pid, seconds)
            except ServiceError:
                _stop(svc, record)
                return _start(svc, "restarted", ["was running but not healthy"])
        notes = []
        if record is not None:
            # Crashed or killed: clear what it left (stray children, the PID file) before starting afresh.
            processes.kill(record)
            svc.pid_file.unlink(missing_ok=True)
            notes.append(f"removed stale PID file of pid {record.pid}")
        return _start(svc, "started", notes)


def down(svc: Service) -> Outcome:
    """Stop ``svc`` if these scripts started it; never touches processes they did not start."""
    with _locked(svc):
        record = processes.read_pid_file(svc.pid_file)
        if record is None:
            return Outcome(svc.name, "not running")
        alive = processes.is_alive(record)
        if alive:
            _stop(svc, record)
            return Outcome(svc.name, "stopped", record.pid)
        processes.kill(record)  # only members of its session, in case a child outlived the leader
        svc.pid_file.unlink(missing_ok=True)
        return Outcome(svc.name, "not running", notes=[f"removed stale PID file of pid {record.pid}"])


def kill(svc: Service) -> Outcome:
    """SIGKILL ``svc`` and its children, as a crash would. The PID file stays, so status shows it as crashed."""
    with _locked(svc):
        record = processes.read_pid_file(svc.pid_file)
        if record is None or not processes.is_alive(record):
            return Outcome(svc.name, "not running")
        processes.kill(record)
        return Outcome(svc.name, "killed", record.pid)


def restart(svc: Service) -> Outcome:
    with _locked(svc):
        record = processes.read_pid_file(svc.pid_file)
        if record is not None:
            _stop(svc, record)
        return _start(svc, "restarted", [])


def state(svc: Service) -> ServiceState:
    record = processes.read_pid_file(svc.pid_file)
    pid: int | None = None
    rss = 0
    mode = ""
    if record is None:
        current = "stopped"
    elif not processes.is_alive(record):
        current, pid = "crashed", record.pid
    else:
        pid, mode = record.pid, record.mode
        rss = processes.rss_bytes(list(processes.family(record)))
        current = "running" if svc.check() else "unhealthy"
    return ServiceState(svc.name, current, svc.endpoint(), pid, rss, svc.log, mode, svc.version())


def healthy(svc: Service) -> bool:
    record = processes.read_pid_file(svc.pid_file)
    return record is not None and processes.is_alive(record) and svc.check()
