"""Serve the library: ``python -m examples.library_target --host 127.0.0.1 --port 8766``.

One uvicorn process, no access log. The contract is served at ``/openapi.yaml``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import uvicorn

from examples.library_target.app import create_app

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8766


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m examples.library_target",
        description="Serve the Sentinel example library, an API with planted bugs (see its BUGS.md).",
    )
    parser.add_argument("--host", default=DEFAULT_HOST, help=f"interface to listen on (default {DEFAULT_HOST})")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port to listen on (default {DEFAULT_PORT})")
    parser.add_argument(
        "--log-level",
        default="info",
        choices=("critical", "error", "warning", "info", "debug"),
        help="uvicorn log level (default info)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    print(
        f"library: http://{args.host}:{args.port} (contract at /openapi.yaml, planted bugs in BUGS.md)",
        file=sys.stderr,
        flush=True,
    )
    uvicorn.run(create_app(), host=args.host, port=args.port, workers=1, access_log=False, log_level=args.log_level)


if __name__ == "__main__":
    main()
