"""``sentinel infra``: the services Sentinel is configured to use."""

from __future__ import annotations

import json
import sys

import click

from agent_core.settings import Settings
from api.exit_codes import ExitCode
from pipeline.health import PROBES, check_all


@click.group("infra")
def infra_group() -> None:
    """Check the services results flow through (Postgres, Kafka, Elasticsearch, Redis)."""


@infra_group.command("status")
@click.argument("services", nargs=-1, type=click.Choice(sorted(PROBES)))
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def status_command(services: tuple[str, ...], as_json: bool) -> None:
    """Probe each configured service with one real operation (addresses come from SENTINEL_* settings).

    Exits 0 when every probed service is healthy, 1 otherwise. Start the local ones with `make infra-up`.
    """
    results = check_all(Settings(), list(services) or None)
    if as_json:
        click.echo(json.dumps([r.__dict__ for r in results], indent=2))
    else:
        for r in results:
            mark = click.style("up  ", fg="green") if r.ok else click.style("DOWN", fg="red")
            click.echo(f"{mark} {r.service:<14} {r.endpoint:<44} {r.latency_ms:7.1f} ms  {r.detail}")
    sys.exit(int(ExitCode.OK if all(r.ok for r in results) else ExitCode.FAILURES))
