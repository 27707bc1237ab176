"""``python -m deploy.local``: up, down, status, restart, kill and logs for the local services."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

from deploy import local
from deploy.local import lifecycle
from deploy.local.health import ServiceError, tail
from deploy.local.layout import SERVICES, layout


def _print(outcome: local.Outcome) -> None:
    print(outcome, flush=True)


def _mib(size: int) -> str:
    return f"{size / 1024 / 1024:.0f} MiB" if size else "-"


def _status(names: list[str]) -> int:
    states = local.status(*names)
    rows = [("SERVICE", "STATE", "PID", "RSS", "ENDPOINT", "LOG")]
    rows += [(s.name, s.state, str(s.pid or "-"), _mib(s.rss_bytes), s.endpoint, str(s.log)) for s in states]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) + "  " + row[-1])
    print()
    for s in states:
        print(f"{s.name}: {s.version}" + (f", mode {s.mode}" if s.mode else ""))
    lay = layout()
    print(f"state root {lay.root}, logs in {lay.logs}, downloads cached in {lay.cache}")
    return 0 if all(s.state in {"running", "stopped"} for s in states) else 3


def _logs(name: str, lines: int, follow: bool) -> int:
    path = local.log_path(name)
    print(tail(path, lines))
    if not follow:
        return 0
    with path.open("rb") as handle:
        handle.seek(0, 2)
        try:
            while True:
                chunk = handle.read()
                if chunk:
                    sys.stdout.write(chunk.decode("utf-8", "replace"))
                    sys.stdout.flush()
                else:
                    time.sleep(0.5)
        except KeyboardInterrupt:
            return 0


def _with(command: list[str]) -> int:
    """Start every service, run ``command``, then stop the services that were not running before it."""
    if command[:1] == ["--"]:
        command = command[1:]
    if not command:
        print("error: give a command after --", file=sys.stderr)
        return 2
    before = {s.name for s in local.status() if s.state == "running"}
    local.run_each([], lifecycle.up, durable=None, report=_print)
    try:
        return subprocess.run(command, check=False).returncode
    finally:
        started = [name for name in SERVICES if name not in before]
        if started:
            local.run_each(started, lifecycle.down, report=_print)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m deploy.local", description=local.__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for command, text in (
        ("up", "start services (all when none named); a running healthy one is left alone"),
        ("down", "stop services these scripts started"),
        ("status", "state, PID, memory, endpoint and log file of each service"),
    ):
        sub = commands.add_parser(command, help=text)
        sub.add_argument("services", nargs="*", choices=[[], *SERVICES], metavar="SERVICE")
        if command == "up":
            _durability(sub)
    restart = commands.add_parser("restart", help="stop and start one service")
    restart.add_argument("service", choices=SERVICES)
    _durability(restart)
    kill = commands.add_parser("kill", help="SIGKILL one service and its children (fault injection)")
    kill.add_argument("service", choices=SERVICES)
    run_with = commands.add_parser(
        "with", help="start all services, run a command, stop the ones that were not running before"
    )
    run_with.add_argument("argv", nargs=argparse.REMAINDER, metavar="-- COMMAND")
    logs = commands.add_parser("logs", help="print the end of a service's log")
    logs.add_argument("service", choices=[*SERVICES, "install"])
    logs.add_argument("-n", "--lines", type=int, default=100)
    logs.add_argument("-f", "--follow", action="store_true")
    return parser


def _durability(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--durable", dest="durable", action="store_true", default=None,
                       help="Postgres with fsync, synchronous_commit and full_page_writes on")  # fmt: skip
    group.add_argument("--fast", dest="durable", action="store_false", help="Postgres with them off (default)")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "up":
            local.run_each(args.services, lifecycle.up, durable=args.durable, report=_print)
        elif args.command == "down":
            local.run_each(args.services, lifecycle.down, report=_print)
        elif args.command == "restart":
            local.run_each([args.service], lifecycle.restart, durable=args.durable, report=_print)
        elif args.command == "kill":
            local.run_each([args.service], lifecycle.kill, report=_print)
        elif args.command == "with":
            return _with(args.argv)
        elif args.command == "logs":
            if args.service == "install":
                print(tail(layout().log_file("install"), args.lines))
                return 0
            return _logs(args.service, args.lines, args.follow)
        return _status(args.services) if args.command == "status" else 0
    except BrokenPipeError:
        raise
    except (ServiceError, ValueError, OSError) as exc:  # configuration and permission problems read best plainly
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # output piped into head and the like
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
