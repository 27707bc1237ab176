"""The ``sentinel`` command.

Every command turns a :class:`SentinelError` into one clear line with its code and exit status 2 (or the status the
error class implies); tracebacks are for bugs only.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import click

from agent_core import __version__
from agent_core.errors import ConfigError, SentinelError, SpecError, TargetUnreachable
from api.commands.campaign import campaign_group
from api.commands.checks import checks_command
from api.commands.db import db_group
from api.commands.infra import infra_group
from api.commands.pipeline import pipeline_group
from api.commands.run import run_command
from api.commands.spec import spec_group
from api.exit_codes import EXIT_CODES_HELP, ExitCode


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SpecError as exc:
            _fail(f"error: {exc}", ExitCode.USAGE)
        except TargetUnreachable as exc:
            _fail(f"error: {exc}", ExitCode.UNREACHABLE)
        except (ConfigError, SentinelError) as exc:
            _fail(f"error: {exc}", ExitCode.USAGE)


def _fail(message: str, code: ExitCode) -> None:
    click.echo(message, err=True)
    sys.exit(int(code))


@click.group(cls=_Group, epilog=EXIT_CODES_HELP, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sentinel")
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
def cli(verbose: int) -> None:
    """Sentinel turns an API description into evidence.

    It reads an OpenAPI document (Swagger 2.0, OpenAPI 3.0, 3.1), generates valid and invalid requests, sends them
    to a running API, and judges every response with explicit checks.

    \b
    Start with:
      sentinel spec lint openapi.yaml
      sentinel run --spec openapi.yaml --base-url http://127.0.0.1:8000
    """
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


cli.add_command(run_command)
cli.add_command(spec_group)
cli.add_command(checks_command)
cli.add_command(infra_group)
cli.add_command(db_group)
cli.add_command(pipeline_group)
cli.add_command(campaign_group)


def main() -> None:
    cli(prog_name="sentinel")


if __name__ == "__main__":
    main()
