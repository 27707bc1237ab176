"""Serve any target app with a record of when each request arrived, for tests that measure request rates.

    python -m tests.targets.recorded --app examples.library_target.app:create_app --host 127.0.0.1 --port 8766 \
        --record /tmp/arrivals.log [--die-after N]

``--app`` names a factory (``module:function``) that returns an ASGI app. Every HTTP request appends one line to the
record as it arrives, before the app sees it::

    <time.time() with 6 decimals> <METHOD> <path> <client host>

The path is the raw (still percent-encoded) path without the query, so a line always has four space-separated fields.
The file is opened for appending, line-buffered and flushed after each line, under a lock. ``--die-after N`` makes the
process exit abruptly (``os._exit(0)``, from a thread) as soon as the N-th request has been recorded: the target goes
down mid-way, and whether the N-th request still gets an answer is a race.
"""

from __future__ import annotations

import argparse
import importlib
import os
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["RecordArrivals", "load_app", "main"]


class RecordArrivals:
    """ASGI middleware: one line per HTTP request to ``record`` on arrival; optionally exit after ``die_after``."""

    def __init__(self, app: ASGIApp, record: TextIO, *, die_after: int | None = None) -> None:
        self.app = app
        self.record = record
        self.die_after = die_after
        self.count = 0
        self._lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self._arrived(scope)
        await self.app(scope, receive, send)

    def _arrived(self, scope: Scope) -> None:
        raw_path = scope.get("raw_path")
        path = raw_path.decode("latin-1").partition("?")[0] if raw_path else scope["path"]
        client = scope.get("client")
        host = client[0] if client else "-"
        with self._lock:
            self.record.write(f"{time.time():.6f} {scope['method']} {path} {host}\n")
            self.record.flush()
            self.count += 1
            if self.count == self.die_after:
                threading.Thread(target=os._exit, args=(0,), daemon=True).start()


def load_app(spec: str) -> ASGIApp:
    """The app that the factory ``module:function`` returns."""
    module_name, _, factory_name = spec.partition(":")
    if not module_name or not factory_name:
        raise SystemExit(f"--app must be module:factory, not {spec!r}")
    app: ASGIApp = getattr(importlib.import_module(module_name), factory_name)()
    return app


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tests.targets.recorded", description="Serve a target app, recording request arrivals."
    )
    parser.add_argument("--app", required=True, help="factory of the ASGI app, module:function")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--record", type=Path, required=True, help="file that each request's arrival is appended to")
    parser.add_argument("--die-after", type=int, default=None, metavar="N", help="os._exit(0) after the N-th request")
    parser.add_argument("--log-level", default="warning")
    args = parser.parse_args(argv)
    if args.die_after is not None and args.die_after < 1:
        parser.error("--die-after must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    app = load_app(args.app)
    with args.record.open("a", buffering=1, encoding="utf-8") as record:
        recorded = RecordArrivals(app, record, die_after=args.die_after)
        uvicorn.run(recorded, host=args.host, port=args.port, workers=1, access_log=False, log_level=args.log_level)


if __name__ == "__main__":
    main()
