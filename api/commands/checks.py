"""``sentinel checks``: list the checks (oracles) a run can apply."""

from __future__ import annotations

import click

from agent_core.checks import registered


@click.command("checks")
def checks_command() -> None:
    """List every check, its usual severity, and whether it runs by default."""
    for info in registered():
        default = "default" if info.default else "opt-in "
        click.echo(f"{info.name:<30} {default}  {info.severity.value:<7} {info.description}")
