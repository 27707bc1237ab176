"""The demo: start the demo shop, test it with ``sentinel run``, and compare the findings with BUGS.md.

``python -m examples.demo_target.run_demo [--port 8765] [--reports reports/demo]`` (what ``make demo`` runs).
Exits 0 when every bug that BUGS.md assigns to the core engine was found (findings are the expected outcome),
1 when one was missed or Sentinel failed.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from api.reports import read_ndjson
from examples.demo_target.bugs import compare, load_bugs

HERE = Path(__file__).resolve().parent
SPEC = HERE / "openapi.yaml"
IDENTITIES = HERE / "identities.yaml"
SENTINEL_FOUND_FAILURES = 1


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m examples.demo_target.run_demo", description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=8765, help="port for the demo shop (a free one if taken)")
    parser.add_argument("--reports", type=Path, default=Path("reports/demo"), help="where to write the reports")
    parser.add_argument("--seed", default="0", help="generation seed passed to sentinel run")
    return parser.parse_args(argv)


def _free_port(preferred: int) -> int:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", preferred))
        except OSError:
            probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def demo_shop(port: int, log: Path) -> Iterator[str]:
    """Serve the shop in a child process until the block ends; its output (tracebacks of the planted 500s
    included) goes to ``log``."""
    command = [sys.executable, "-m", "examples.demo_target", "--port", str(port), "--log-level", "warning"]
    with log.open("wb") as sink:
        process = subprocess.Popen(command, cwd=HERE.parents[1], stdout=sink, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise SystemExit(f"the demo shop exited with status {process.returncode}; see {log}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
            if time.monotonic() > deadline:
                raise SystemExit("the demo shop did not start within 30 s")
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    reports: Path = args.reports
    reports.mkdir(parents=True, exist_ok=True)
    ndjson = reports / "results.ndjson"
    report_spec = ",".join(
        f"{fmt}={reports / name}"
        for fmt, name in (
            ("junit", "junit.xml"),
            ("sarif", "sentinel.sarif"),
            ("html", "report.html"),
            ("ndjson", ndjson.name),
        )
    )
    port = _free_port(args.port)
    with demo_shop(port, reports / "shop.log") as base_url:
        print(f"demo shop listening on {base_url}; running sentinel against it\n", file=sys.stderr, flush=True)
        command = [
            sys.executable,
            "-m",
            "api.cli",
            "run",
            "--spec",
            str(SPEC),
            "--base-url",
            base_url,
            "--identities",
            str(IDENTITIES),
            "--identity",
            "alice",
            "--seed",
            args.seed,
            "--report",
            report_spec,
        ]
        status = subprocess.run(command, check=False, env={**os.environ, "COLUMNS": os.environ.get("COLUMNS", "120")})
    if status.returncode != SENTINEL_FOUND_FAILURES:
        print(f"\nsentinel exited with {status.returncode}, expected {SENTINEL_FOUND_FAILURES} (findings)")
        return 1
    findings = [finding for event in read_ndjson(ndjson) for finding in event.findings]
    result = compare(load_bugs(), findings)
    total = len(result.found) + len(result.missed)
    print(f"\nPlanted core bugs found: {len(result.found)}/{total} (BUGS.md)")
    for bug in result.found:
        print(f"  found   {bug.id}  {bug.check:<30} {bug.operation_id}")
    for bug in result.missed:
        print(f"  MISSED  {bug.id}  {bug.check:<30} {bug.operation_id}")
    for check, operation_id in result.unexpected:
        print(f"  other   {check:<36} {operation_id}  (not in BUGS.md)")
    print(f"\nReports: {reports}/ (report.html, junit.xml, sentinel.sarif, results.ndjson)")
    return 0 if not result.missed else 1


if __name__ == "__main__":
    sys.exit(main())
