"""Serving an example API from the command line: ``python -m examples.<name> [--host H] [--port P]``.

One uvicorn process, no access log; each example's contract is served at ``/openapi.yaml``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import uvicorn
from starlette.types import ASGIApp

DEFAULT_HOST = "127.0.0.1"


@dataclass(frozen=True, slots=True)
class Example:
    package: str  # e.g. "examples.library_target"
    title: str  # how the startup line names it, e.g. "library"
    description: str
    default_port: int
    create_app: Callable[[], ASGIApp]

    def parse_args(self, argv: Sequence[str] | None = None) -> argparse.Namespace:
        parser = argparse.ArgumentParser(prog=f"python -m {self.package}", description=self.description)
        parser.add_argument("--host", default=DEFAULT_HOST, help=f"interface to listen on (default {DEFAULT_HOST})")
        parser.add_argument(
            "--port", type=int, default=self.default_port, help=f"port to listen on (default {self.default_port})"
        )
        parser.add_argument(
            "--log-level",
            default="info",
            choices=("critical", "error", "warning", "info", "debug"),
            help="uvicorn log level (default info)",
        )
        return parser.parse_args(argv)

    def main(self, argv: Sequence[str] | None = None) -> None:
        args = self.parse_args(argv)
        print(
            f"{self.title}: http://{args.host}:{args.port} (contract at /openapi.yaml, planted bugs in BUGS.md)",
            file=sys.stderr,
            flush=True,
        )
        uvicorn.run(
            self.create_app(), host=args.host, port=args.port, workers=1, access_log=False, log_level=args.log_level
        )
