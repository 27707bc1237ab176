"""Spawning, identifying and stopping the service processes.

A service is started as the leader of a new session. Its family, what is stopped with it, is that session plus its
descendants (the Elasticsearch server JVM under its launcher; Postgres children, which start sessions of their own).
The PID file also stores the kernel start time of the leader, so a recycled PID is never mistaken for ours.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from deploy.local.layout import ServiceUser

# Popen objects of services this interpreter started, kept so they can be reaped (no zombies, no warnings).
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}
# Logs larger than this are truncated at the next start; they are for diagnosis, not history.
_MAX_LOG_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class PidRecord:
    pid: int
    start_ticks: int
    started_at: float
    mode: str = ""


def _stat_fields(pid: int) -> list[str] | None:
    return _stat_fields_of(Path(f"/proc/{pid}/stat"))


def _stat_fields_of(path: Path) -> list[str] | None:
    try:
        raw = path.read_text()
    except OSError:
        return None
    # The command name may contain spaces and parentheses; the fields after the last ')' are fixed.
    return raw[raw.rfind(")") + 2 :].split()


def start_ticks(pid: int) -> int | None:
    """Kernel start time of a live (non-zombie) process, or ``None``."""
    fields = _stat_fields(pid)
    if fields is None or fields[0] in {"Z", "X"}:
        return None
    return int(fields[19])


def _present(pid: int, ticks: int) -> bool:
    """True while any thread of the process runs. After SIGKILL a multi-threaded process (a JVM) shows its leader as
    a zombie while the other threads still exit, and those still hold its listening sockets: not gone yet."""
    fields = _stat_fields(pid)
    if fields is None or int(fields[19]) != ticks:
        return False
    if fields[0] not in {"Z", "X"}:
        return True
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            task_state = _stat_fields_of(task / "stat")
            if task_state is not None and task_state[0] not in {"Z", "X"}:
                return True
    return False


def reap() -> None:
    """Collect exit statuses of services this interpreter started and that have exited."""
    for pid, proc in list(_CHILDREN.items()):
        if proc.poll() is not None:
            _CHILDREN.pop(pid, None)


def is_alive(record: PidRecord) -> bool:
    reap()
    return start_ticks(record.pid) == record.start_ticks


def _process_table() -> dict[int, tuple[int, int, int]]:
    """pid -> (parent pid, session id, start ticks) of every process that is not entirely gone."""
    table = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat_fields(int(entry.name))
            if fields is not None and _present(int(entry.name), int(fields[19])):
                table[int(entry.name)] = (int(fields[1]), int(fields[3]), int(fields[19]))
    return table


def family(record: PidRecord) -> dict[int, int]:
    """pid -> start ticks of the service and everything it started: its session (children that stayed in it)
    and its descendants (Postgres children call setsid, so only their parent links them to the postmaster)."""
    if record.pid <= 1:  # a torn PID file must never select init's or the kernel's processes
        return {}
    table = _process_table()
    leader = table.get(record.pid)
    if leader is not None and leader[2] != record.start_ticks:
        # The PID was reused, so the kernel had freed it: no process of the old session is left, and a session with
        # that id now belongs to someone else.
        return {}
    members = {pid: info[2] for pid, info in table.items() if info[1] == record.pid}
    if leader is not None:
        members[record.pid] = record.start_ticks
        frontier = [record.pid]
        while frontier:
            parent = frontier.pop()
            for pid, info in table.items():
                if info[0] == parent and pid not in members:
                    members[pid] = info[2]
                    frontier.append(pid)
    return members


def _still_running(members: dict[int, int]) -> dict[int, int]:
    return {pid: ticks for pid, ticks in members.items() if _present(pid, ticks)}


def rss_bytes(pids: Sequence[int]) -> int:
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
    return total


def read_pid_file(path: Path) -> PidRecord | None:
    try:
        data = json.loads(path.read_text())
        return PidRecord(int(data["pid"]), int(data["start_ticks"]), float(data["started_at"]), str(data["mode"]))
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError):
        # A torn or foreign file: treat it as stale rather than guessing at a PID to signal.
        return PidRecord(pid=0, start_ticks=-1, started_at=0.0)


def write_pid_file(path: Path, record: PidRecord) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(record)))
    tmp.replace(path)


def open_log(log: Path, title: str) -> int:
    """Open the service log for appending (truncating a huge one) and write a start marker; returns the fd."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND
    if log.exists() and log.stat().st_size > _MAX_LOG_BYTES:
        flags |= os.O_TRUNC
    fd = os.open(log, flags, 0o644)
    os.write(fd, f"\n===== {time.strftime('%Y-%m-%d %H:%M:%S')} {title} =====\n".encode())
    return fd


def spawn(
    argv: Sequence[str],
    *,
    log: Path,
    user: ServiceUser,
    env: Mapping[str, str],
    cwd: Path,
    mode: str = "",
) -> PidRecord:
    """Start ``argv`` as ``user`` in a new session with output appended to ``log``."""
    fd = open_log(log, "start: " + " ".join(argv))
    as_root = os.geteuid() == 0 and not user.is_current
    try:
        proc = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=fd,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            env=dict(env),
            start_new_session=True,
            user=user.uid if as_root else None,
            group=user.gid if as_root else None,
            extra_groups=[] if as_root else None,
            umask=0o022,
        )
    finally:
        os.close(fd)
    _CHILDREN[proc.pid] = proc
    ticks = start_ticks(proc.pid)
    if ticks is None:
        raise RuntimeError(f"{argv[0]} exited immediately (exit code {proc.poll()}); see {log}")
    return PidRecord(pid=proc.pid, start_ticks=ticks, started_at=time.time(), mode=mode)


def wait_gone(record: PidRecord, timeout: float, members: dict[int, int] | None = None) -> bool:
    """Wait until the service and every process of its family are gone."""
    known = dict(members or {})
    deadline = time.monotonic() + timeout
    while True:
        reap()
        known |= family(record)
        known = _still_running(known)
        if not known:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)


def stop(record: PidRecord, sig: signal.Signals, timeout: float) -> None:
    """Ask the leader to shut down with ``sig``; SIGKILL the whole family if it has not finished by ``timeout``."""
    members = family(record)
    if is_alive(record):
        with contextlib.suppress(ProcessLookupError):
            os.kill(record.pid, sig)
        if wait_gone(record, timeout, members):
            return
    kill(record, members)


def kill(record: PidRecord, members: dict[int, int] | None = None) -> None:
    """SIGKILL the leader (if it is still ours) and every process of its family, all at once, as a crash would."""
    targets = _still_running(dict(members or {}) | family(record))
    for pid in targets:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    if not wait_gone(record, 15.0, targets):
        raise RuntimeError(f"processes of {record.pid} survived SIGKILL: {sorted(_still_running(targets))}")


def run_as(argv: Sequence[str], user: ServiceUser, *, env: Mapping[str, str], cwd: Path, timeout: float) -> str:
    """Run a one-off setup command (initdb, storage format) as ``user``; returns its output, raises with it."""
    as_root = os.geteuid() == 0 and not user.is_current
    result = subprocess.run(
        list(argv),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=dict(env),
        timeout=timeout,
        user=user.uid if as_root else None,
        group=user.gid if as_root else None,
        extra_groups=[] if as_root else None,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({result.returncode}):\n{result.stdout}{result.stderr}")
    return result.stdout
