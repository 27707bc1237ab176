"""``sentinel spec``: work with API descriptions without a target."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import TypedDict

import click

from agent_core.errors import SpecError
from agent_core.native import ApiSpec
from agent_core.settings import Settings
from api.commands.spec_source import SpecSourceOptions, open_spec, spec_source_options
from api.exit_codes import ExitCode


@click.group("spec")
def spec_group() -> None:
    """Inspect API descriptions."""


@spec_group.command("lint")
@click.argument("source", metavar="PATH|URL")
@spec_source_options
@click.option("--json", "as_json", is_flag=True, help="Print the summary or the error as JSON.")
def lint_command(
    source: str, spec_root: Path | None, allow_remote_refs: bool, max_spec_bytes: int | None, as_json: bool
) -> None:
    """Load a spec and summarise it, or explain why it cannot be loaded.

    Exits 0 when the spec loads (warnings included), 2 with the error code, location and message when it does not.
    """
    options = SpecSourceOptions(spec_root, allow_remote_refs, max_spec_bytes)
    try:
        spec = open_spec(source, options, Settings())
    except SpecError as exc:
        if as_json:
            click.echo(json.dumps({"ok": False, "error": exc.to_dict()}, indent=2))
        else:
            click.echo(f"{source}: {exc.code}", err=True)
            if exc.location:
                click.echo(f"  where: {exc.location}", err=True)
            click.echo(f"  {exc.message}", err=True)
            for other in exc.related:
                click.echo(f"  also:  {other}", err=True)
        sys.exit(int(ExitCode.USAGE))
    if as_json:
        click.echo(json.dumps({"ok": True, **_summary(spec)}, indent=2))
    else:
        _print_summary(source, spec)


class SpecSummary(TypedDict):
    title: str
    api_version: str
    spec_version: str
    dialect: str
    operations: int
    operations_by_method: dict[str, int]
    operations_without_id: int
    servers: list[str]
    security_schemes: dict[str, str]
    warnings: list[dict[str, str]]


def _summary(spec: ApiSpec) -> SpecSummary:
    methods = Counter(op.method.upper() for op in spec.operations)
    return {
        "title": spec.title,
        "api_version": spec.api_version,
        "spec_version": spec.version,
        "dialect": spec.dialect,
        "operations": len(spec.operations),
        "operations_by_method": dict(sorted(methods.items())),
        "operations_without_id": sum(1 for op in spec.operations if not op.has_explicit_id),
        "servers": [s.url for s in spec.servers],
        "security_schemes": {name: s.scheme or s.type for name, s in spec.security_schemes.items()},
        "warnings": [{"code": w.code, "message": w.message, "pointer": w.pointer} for w in spec.warnings],
    }


def _print_summary(source: str, spec: ApiSpec) -> None:
    s = _summary(spec)
    click.echo(f"{source}: OK")
    click.echo(f"  {spec.title} {spec.api_version}  (spec version {spec.version})")
    by_method = ", ".join(f"{m} {n}" for m, n in s["operations_by_method"].items())
    click.echo(f"  operations: {s['operations']}" + (f"  ({by_method})" if by_method else ""))
    if s["operations_without_id"]:
        click.echo(f"  operations without operationId: {s['operations_without_id']} (named 'METHOD /path')")
    if spec.servers:
        click.echo("  servers: " + ", ".join(srv.url for srv in spec.servers))
    schemes = ", ".join(f"{name} ({kind})" for name, kind in s["security_schemes"].items())
    click.echo(f"  security schemes: {schemes or 'none'}")
    if spec.warnings:
        counts = Counter(w.code for w in spec.warnings)
        click.echo(f"  warnings: {len(spec.warnings)} (" + ", ".join(f"{c} {n}" for c, n in counts.items()) + ")")
        for warning in spec.warnings[:20]:
            click.echo(f"    {warning.code} at {warning.pointer or '/'}: {warning.message}")
        if len(spec.warnings) > 20:
            click.echo(f"    ... and {len(spec.warnings) - 20} more (use --json to see all)")
    else:
        click.echo("  warnings: none")
