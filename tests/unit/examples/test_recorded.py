"""tests/targets/recorded.py: a target served in a real process, with one record line per request on arrival."""

from __future__ import annotations

import contextlib
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.fixtures.servers import free_port

REPO_ROOT = Path(__file__).resolve().parents[3]
LINE = re.compile(r"(?P<time>[0-9]+\.[0-9]{6}) (?P<method>[A-Z]+) (?P<path>\S+) (?P<host>\S+)")
APPS = (
    "examples.demo_target.app:create_app",
    "examples.library_target.app:create_app",
    "examples.weather_target.app:create_app",
)


@contextlib.contextmanager
def recorded(app: str, record: Path, *extra: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    command = [sys.executable, "-m", "tests.targets.recorded", "--app", app, "--host", "127.0.0.1"]
    command += ["--port", str(port), "--record", str(record), *extra]
    process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:  # a bare TCP connection is no HTTP request: it is not recorded
            assert process.poll() is None, process.stderr.read() if process.stderr else b""
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
            assert time.monotonic() < deadline, f"{app} did not start"
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}", process
    finally:
        if process.poll() is None:
            process.terminate()
        process.wait(timeout=10)
        if process.stderr:
            process.stderr.close()


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as reply:
            return int(reply.status)
    except urllib.error.HTTPError as error:
        return error.code


def lines(record: Path) -> list[re.Match[str]]:
    text = record.read_text(encoding="utf-8")
    assert text.endswith("\n")
    matches = [LINE.fullmatch(line) for line in text.splitlines()]
    assert all(matches), text
    return [match for match in matches if match]


@pytest.mark.parametrize("app", APPS)
def test_every_request_is_recorded_in_order(app: str, tmp_path: Path) -> None:
    record = tmp_path / "arrivals.log"
    paths = ["/openapi.yaml", "/nope", "/openapi.yaml?x=1", "/a%20b", "/openapi.yaml"]
    with recorded(app, record) as (base, _process):
        for path in paths:
            status_of(base + path)
        arrived = lines(record)
        assert [(m["method"], m["path"], m["host"]) for m in arrived] == [
            ("GET", "/openapi.yaml", "127.0.0.1"),
            ("GET", "/nope", "127.0.0.1"),
            ("GET", "/openapi.yaml", "127.0.0.1"),
            ("GET", "/a%20b", "127.0.0.1"),
            ("GET", "/openapi.yaml", "127.0.0.1"),
        ]
        stamps = [float(m["time"]) for m in arrived]
        assert stamps == sorted(stamps)
        assert len(set(stamps)) == 5
        assert abs(stamps[-1] - time.time()) < 30
        # concurrent requests: one whole line each, timestamps in file order
        with ThreadPoolExecutor(max_workers=16) as pool:
            statuses = list(pool.map(status_of, [f"{base}/openapi.yaml"] * 40))
        assert statuses == [200] * 40
        burst = lines(record)
        assert len(burst) == 45
        burst_stamps = [float(m["time"]) for m in burst]
        assert burst_stamps == sorted(burst_stamps)


def test_die_after_stops_the_target_after_the_nth_request(tmp_path: Path) -> None:
    record = tmp_path / "arrivals.log"
    record.write_text("1.000000 GET /earlier 127.0.0.1\n", encoding="utf-8")  # appended to, not replaced
    with recorded("examples.library_target.app:create_app", record, "--die-after", "3") as (base, process):
        assert status_of(f"{base}/books") == 200
        assert status_of(f"{base}/books/9780141439518") == 200
        with contextlib.suppress(OSError):  # the third request may or may not be answered
            status_of(f"{base}/books")
        assert process.wait(timeout=10) == 0
        with pytest.raises(OSError):
            status_of(f"{base}/books")
    assert [m["path"] for m in lines(record)] == ["/earlier", "/books", "/books/9780141439518", "/books"]


def test_bad_arguments_are_refused(tmp_path: Path) -> None:
    for extra in (["--app", "no-colon"], ["--app", "examples.library_target.app:create_app", "--die-after", "0"]):
        proc = subprocess.run(
            [sys.executable, "-m", "tests.targets.recorded", *extra, "--port", "1", "--record", str(tmp_path / "r")],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert proc.returncode != 0
        assert "--app must be module:factory" in proc.stderr or "--die-after must be at least 1" in proc.stderr
