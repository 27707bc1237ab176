"""Redis from Debian's ``redis-server`` package, run by these scripts (not by systemd) on a loopback port.

It only holds rate-limit counters locally, so it keeps nothing on disk.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import ClassVar

from deploy.local import installs
from deploy.local.service import Launch, Service

BINARY = Path("/usr/bin/redis-server")
MAXMEMORY = "256mb"


class Redis(Service):
    name = "redis"
    start_timeout: ClassVar[float] = 20.0
    stop_timeout: ClassVar[float] = 10.0

    def version(self) -> str:
        return "Debian redis-server" + ("" if BINARY.exists() else " (not installed)")

    def endpoint(self) -> str:
        return f"redis://{self.host}:{self.port}/0"

    def install(self) -> None:
        installs.ensure_apt_package("redis-server", BINARY, self.lay)

    @property
    def config(self) -> Path:
        return self.conf_dir / "redis.conf"

    def prepare(self) -> None:
        settings = [
            f"bind {self.host}",
            f"port {self.port}",
            "protected-mode yes",
            "daemonize no",  # the scripts own the process: PID file, log, stop
            "supervised no",
            'logfile ""',  # stdout, i.e. the log file the scripts manage
            f"dir {self.data_dir}",
            'save ""',
            "appendonly no",
            f"maxmemory {MAXMEMORY}",
            "maxmemory-policy noeviction",  # rate-limit counters must not vanish silently
            "io-threads 1",
            "always-show-logo no",
        ]
        self.config.write_text("\n".join(settings) + "\n")

    def launch(self) -> Launch:
        return Launch(argv=[str(BINARY), str(self.config)], env=self.base_env(), cwd=self.data_dir)

    def check(self) -> bool:
        try:
            with socket.create_connection((self.host, self.port), timeout=2) as conn:
                conn.settimeout(2)
                conn.sendall(b"*1\r\n$4\r\nPING\r\n")
                return conn.recv(64).startswith(b"+PONG")
        except OSError:
            return False
