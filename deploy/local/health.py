"""Waiting for a service to answer, and errors that point at its log."""

from __future__ import annotations

import json
import socket
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any


class ServiceError(RuntimeError):
    """A service could not be installed, started or stopped. The message names the log file to read."""


def tail(path: Path, lines: int = 40) -> str:
    try:
        with path.open("rb") as handle:
            handle.seek(0, 2)
            size = handle.tell()
            handle.seek(max(0, size - 64 * 1024))
            text = handle.read().decode("utf-8", "replace")
    except FileNotFoundError:
        return "(no log yet)"
    return "\n".join(text.splitlines()[-lines:])


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def http_json(url: str, timeout: float) -> Any:
    """GET ``url`` (always a loopback address built by these scripts) and decode its JSON body."""
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - fixed http://127.0.0.1 URLs
        return json.loads(response.read())


def wait_healthy(
    name: str,
    check: Callable[[], bool],
    *,
    alive: Callable[[], bool],
    timeout: float,
    log: Path,
    interval: float = 0.25,
) -> float:
    """Poll ``check`` until it is true; returns the seconds waited. Fails at once if the process died."""
    started = time.monotonic()
    while True:
        if check():
            return time.monotonic() - started
        waited = time.monotonic() - started
        if not alive():
            raise ServiceError(
                f"{name} exited during startup after {waited:.1f} s; see {log}\n--- last lines of {log} ---\n"
                f"{tail(log)}"
            )
        if waited > timeout:
            raise ServiceError(
                f"{name} did not become healthy within {timeout:.0f} s; see {log}\n--- last lines of {log} ---\n"
                f"{tail(log)}"
            )
        time.sleep(interval)
