"""What every local service provides, so the lifecycle code can treat them alike."""

from __future__ import annotations

import abc
import signal
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from deploy.local.layout import HOST, Layout, ServiceUser, env_port


@dataclass(frozen=True)
class Launch:
    """How to run the service in the foreground: the lifecycle code owns daemonizing and the PID file."""

    argv: list[str]
    env: dict[str, str]
    cwd: Path


@dataclass(frozen=True)
class Outcome:
    """What one lifecycle call did, for the CLI and for tests."""

    name: str
    action: str
    pid: int | None = None
    seconds: float | None = None
    notes: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        parts = [f"{self.name}: {self.action}"]
        if self.pid is not None:
            parts.append(f"pid {self.pid}")
        if self.seconds is not None:
            parts.append(f"healthy after {self.seconds:.1f} s")
        return ", ".join(parts + self.notes)


class Service(abc.ABC):
    name: ClassVar[str]
    # Signal for an orderly shutdown, and how long to wait for it before SIGKILL.
    stop_signal: ClassVar[signal.Signals] = signal.SIGTERM
    stop_timeout: ClassVar[float] = 30.0
    # How long a start may take before it is reported as failed (cold JVMs on two busy cores are slow).
    start_timeout: ClassVar[float] = 60.0

    def __init__(self, lay: Layout, user: ServiceUser) -> None:
        self.lay = lay
        self.user = user

    @property
    def port(self) -> int:
        return env_port(self.name)

    @property
    def host(self) -> str:
        return HOST

    @property
    def log(self) -> Path:
        return self.lay.log_file(self.name)

    @property
    def pid_file(self) -> Path:
        return self.lay.pid_file(self.name)

    @property
    def data_dir(self) -> Path:
        return self.lay.data_dir(self.name)

    @property
    def conf_dir(self) -> Path:
        return self.lay.conf_dir(self.name)

    @property
    def tmp_dir(self) -> Path:
        return self.lay.tmp_dir(self.name)

    def ports(self) -> list[int]:
        """Every port the service listens on; all must be free before it starts."""
        return [self.port]

    def base_env(self) -> dict[str, str]:
        """A small, explicit environment: nothing from the caller's shell leaks into the service."""
        return {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "TZ": "UTC",
            "HOME": str(self.tmp_dir),
            "TMPDIR": str(self.tmp_dir),
        }

    def requested_mode(self) -> str | None:
        """A start mode the caller asked for (Postgres durability), or ``None`` for no preference."""
        return None

    def start_mode(self) -> str:
        return self.requested_mode() or ""

    @abc.abstractmethod
    def endpoint(self) -> str:
        """The address clients use, in the form agent_core.settings expects."""

    @abc.abstractmethod
    def version(self) -> str:
        """Distribution and version that runs, for status output."""

    @abc.abstractmethod
    def install(self) -> None:
        """Make the programs available under ``<root>/dist``; cheap when they already are."""

    @abc.abstractmethod
    def prepare(self) -> None:
        """Write config files and do one-time initialisation (initdb, storage format)."""

    @abc.abstractmethod
    def launch(self) -> Launch:
        """The foreground command to start."""

    @abc.abstractmethod
    def check(self) -> bool:
        """One real request with a short timeout; never raises."""

    def after_start(self) -> None:  # noqa: B027 - optional hook
        """Idempotent setup that needs the running service (roles, databases)."""
