"""``sentinel campaign``: run, check and describe campaign files (many APIs in one batch over a Ray cluster)."""

from __future__ import annotations

import json
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.table import Table

from actors.campaign import Campaign, CampaignTarget, json_schema, load_campaign
from actors.identities import IdentityResolver, load_identities_file
from actors.runtime import EventSink, RunConfig
from actors.scheduling import TargetState, TargetWork
from actors.supervisor import Job, OperationFilter, plan_cases
from agent_core.checks import CheckConfig, resolve
from agent_core.errors import ConfigError
from agent_core.models import ErrorKind, Severity, Status
from agent_core.settings import Settings
from api.commands.run import executor_config
from api.commands.run_outputs import BusSink, build_bus
from api.commands.spec_source import SpecSourceOptions, open_spec
from api.console.campaign_progress import CampaignProgress
from api.exit_codes import ExitCode
from api.reports import NdjsonWriter
from api.reports.collector import ReportCollector
from pipeline.bus import Bus

if TYPE_CHECKING:
    from actors.remote import DistributedRun, RayTarget

_EXIT_CODES_HELP = """\b
Exit codes:
  0    no failure found
  1    failures found (at or above --fail-on), in any target
  2    bad usage, a bad campaign file or a spec that cannot be loaded, no cluster at --ray-address
  3    no failure found, but a target stopped answering (its remaining cases are recorded as unreachable)
  130  interrupted (results so far are kept and reported)"""
_REPORT_FILES = {"junit": "junit.xml", "sarif": "results.sarif", "html": "report.html"}


@click.group("campaign")
def campaign_group() -> None:
    """Batch campaigns: many APIs, one run, over a Ray cluster."""


@campaign_group.command("schema")
def schema_command() -> None:
    """Print the campaign file's JSON Schema."""
    click.echo(json.dumps(json_schema(), indent=2))


@campaign_group.command("validate")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def validate_command(file: Path) -> None:
    """Check a campaign file: its format, and that every target's spec loads and selects operations."""
    campaign, root = load_campaign(file)
    settings = Settings()
    for target in campaign.targets:
        job, _, _ = _job(campaign, target, root, settings, campaign_id="validate")
        planned = sum(1 for _ in plan_cases(job))
        click.echo(f"{target.name}: {job.spec.title} ({job.spec.version}), {planned} cases against {target.base_url}")
    click.echo(f"campaign {campaign.name}: {len(campaign.targets)} targets, valid")


@campaign_group.command("run", epilog=_EXIT_CODES_HELP)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--ray-address",
    envvar="RAY_ADDRESS",
    metavar="HOST:PORT",
    help="Ray cluster to use (env RAY_ADDRESS). Default: start a local cluster for this campaign and stop it after.",
)
@click.option("--workers", type=click.IntRange(min=1), help="Executor workers (default: the campaign's `workers`).")
@click.option(
    "--report-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where reports go (default: the campaign's reports.dir, relative to the current folder).",
)
@click.option(
    "--fail-on",
    type=click.Choice([s.value for s in Severity]),
    default=Severity.LOW.value,
    show_default=True,
    help="Lowest finding severity that makes the exit status 1.",
)
@click.option("--progress/--no-progress", default=None, help="Live progress table (default: on a terminal).")
def run_command(
    file: Path,
    ray_address: str | None,
    workers: int | None,
    report_dir: Path | None,
    fail_on: str,
    progress: bool | None,
) -> None:
    """Run every target of a campaign FILE over a Ray cluster.

    Results stream to the campaign's bus and stores as they come; at the end each target gets its reports
    (JUnit, SARIF, HTML, NDJSON) in REPORT-DIR/<target>/ and the campaign a summary in REPORT-DIR/campaign.json.
    Ctrl-C stops sending; results already in flight are collected and reported.

    \b
    Example:
      sentinel campaign run examples/campaign/campaign.yaml --ray-address 10.0.0.5:6379
    """
    try:
        from actors import remote  # noqa: PLC0415 - Ray is large and only campaigns and --runtime ray need it
    except ImportError:
        raise ConfigError(
            "campaigns need Ray: install it with pip install 'sentinel-api[ray]'", "CONFIG_RUNTIME"
        ) from None
    campaign, root = load_campaign(file)
    settings = Settings()
    campaign_id = str(uuid.uuid4())
    out_dir = report_dir or Path(campaign.reports.dir.replace("{name}", campaign.name))
    bus = build_bus(campaign.bus, campaign.stores(), settings)
    options = remote.ClusterOptions(address=ray_address, workers=workers or campaign.workers)
    started = datetime.now(UTC)
    show = sys.stderr.isatty() if progress is None else progress
    runs: list[_TargetRun] = []
    try:
        runs = [_TargetRun(campaign, t, root, settings, campaign_id, out_dir, bus) for t in campaign.targets]
        click.echo(f"Sentinel campaign {campaign.name}: {len(runs)} targets, bus {campaign.bus}", err=True)
        with remote.RayCluster(options) as cluster:
            nodes = cluster.nodes()
            click.echo(f"Ray cluster: {len(nodes)} node(s) {', '.join(nodes)}, {options.workers} workers", err=True)
            runtime = remote.RayRuntime(cluster)
            with CampaignProgress(live=show) as display:
                result = runtime.run_targets(
                    [r.ray_target(remote.RayTarget) for r in runs],
                    request_budget=campaign.budget.requests,
                    deadline_s=campaign.budget.deadline_s,
                    progress=display,
                )
        if result.interrupted:
            click.echo("interrupted: reporting the results gathered so far", err=True)
        for run, work in zip(runs, result.targets, strict=True):
            run.write_reports(work)
        summary = _summary(campaign, campaign_id, started, result)
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "campaign.json").write_text(json.dumps(summary, indent=2) + "\n")
        _print_summary(result)
        click.echo(f"reports: {out_dir}/<target>/, campaign summary: {out_dir / 'campaign.json'}")
    except KeyboardInterrupt:
        # Before dispatch began (loading specs, starting the cluster, planning): nothing was sent, nothing to report.
        click.echo("interrupted before any case was sent", err=True)
        sys.exit(int(ExitCode.INTERRUPTED))
    finally:
        for run in runs:
            run.close_files()
        if bus is not None:
            # Every result acknowledged (Kafka) or written (local) before the exit status says success; on an error,
            # what was produced is still delivered.
            bus.close()
    sys.exit(int(_exit_code(result, runs, Severity(fail_on))))


class _TargetRun:
    """One target of a campaign on the driver side: its job, planned cases, sinks and reports."""

    def __init__(
        self,
        campaign: Campaign,
        target: CampaignTarget,
        root: Path,
        settings: Settings,
        campaign_id: str,
        out_dir: Path,
        bus: Bus | None,
    ) -> None:
        self.target = target
        self.job, self.config, self.identities = _job(campaign, target, root, settings, campaign_id)
        self.collector = ReportCollector()
        self.dir = out_dir / target.name
        self.formats = campaign.reports.formats
        self.ndjson = NdjsonWriter(self.dir / "results.ndjson") if "ndjson" in self.formats else None
        self.sinks: list[EventSink] = [self.collector]
        if self.ndjson is not None:
            self.sinks.append(self.ndjson)
        if bus is not None:
            self.sinks.append(BusSink(bus))

    def ray_target(self, factory: type[RayTarget]) -> RayTarget:
        return factory(
            self.target.name,
            self.job,
            self.config,
            self.identities,
            self.sinks,
            request_budget=self.target.budget.requests,
        )

    def close_files(self) -> None:
        if self.ndjson is not None:
            self.ndjson.close()

    def write_reports(self, work: TargetWork) -> None:
        context = self.collector.context(
            self.job,
            command=f"sentinel campaign run (target {self.target.name})",
            spec_source=self.target.spec,
            checks=tuple(c.name for c in self.config.checks),
            finished_at=work.outcome.finished_at,
        )
        wanted: dict[str, Path] = {fmt: self.dir / name for fmt, name in _REPORT_FILES.items() if fmt in self.formats}
        self.collector.write(wanted, context)


def _job(
    campaign: Campaign, target: CampaignTarget, root: Path, settings: Settings, campaign_id: str
) -> tuple[Job, RunConfig, IdentityResolver]:
    source = target.spec
    if not source.startswith(("http://", "https://")):
        source = str(root / source)
    spec = open_spec(source, SpecSourceOptions(None, False, None), settings)
    identities = load_identities_file(root / target.identities) if target.identities else []
    resolver = IdentityResolver(identities, spec.security_schemes.values(), spec.security)
    job = Job(
        spec=spec,
        base_url=target.base_url.rstrip("/"),
        kinds=tuple(target.kinds),
        seed=target.seed if target.seed is not None else campaign.seed,
        max_cases=target.max_cases,
        operations=OperationFilter(tuple(target.include), tuple(target.exclude), target.read_only),
        authenticated=bool(identities),
        campaign_id=campaign_id,
    )
    executor = executor_config(settings, target.concurrency, target.timeout, target.limit())
    checks = tuple(resolve(target.checks))
    return job, RunConfig(executor=executor, checks=checks, check_config=CheckConfig()), resolver


def _target_summary(work: TargetWork) -> dict[str, Any]:
    outcome = work.outcome
    return {
        "name": work.name,
        "job_id": work.job.job_id,
        "base_url": work.job.base_url,
        "state": work.state.value,
        "planned": outcome.planned,
        "executed": outcome.executed,
        "requests": outcome.requests,
        "findings": outcome.findings,
        "statuses": {s.value: outcome.statuses[s] for s in Status},
        "errors": {k.value: n for k, n in outcome.error_kinds.items()},
        "requests_per_s": round(work.rate(), 2),
    }


def _summary(campaign: Campaign, campaign_id: str, started: datetime, result: DistributedRun) -> dict[str, Any]:
    targets = [_target_summary(w) for w in result.targets]
    return {
        "campaign": campaign.name,
        "campaign_id": campaign_id,
        "started_at": started.isoformat(),
        "finished_at": datetime.now(UTC).isoformat(),
        "interrupted": result.interrupted,
        "targets": targets,
        "totals": {key: sum(t[key] for t in targets) for key in ("planned", "executed", "requests", "findings")},
        "workers": [
            {
                "worker": w.worker,
                "role": w.role,
                "node": w.node,
                "core_loads": w.core_loads,
                "spec_loads": w.spec_loads,
                "batches": w.batches,
                "cases": w.cases,
            }
            for w in sorted(result.workers.values(), key=lambda w: w.worker)
        ],
    }


def _print_summary(result: DistributedRun) -> None:
    # Logs (not a terminal) get the full table rather than one squeezed into 80 columns.
    out = Console(highlight=False, width=None if sys.stdout.isatty() else 140)
    grid = Table(title="Campaign summary", title_justify="left")
    for column in ("target", "state", "cases", "requests", "passed", "failed", "errors", "findings", "req/s"):
        grid.add_column(column, justify="left" if column in ("target", "state") else "right")
    for work in result.targets:
        outcome = work.outcome
        grid.add_row(
            work.name,
            work.state.value,
            f"{outcome.executed}/{outcome.planned}",
            str(outcome.requests),
            str(outcome.statuses[Status.PASSED]),
            str(outcome.statuses[Status.FAILED]),
            str(outcome.statuses[Status.ERROR]),
            str(outcome.findings),
            f"{work.rate():.1f}",
        )
    total = [w.outcome for w in result.targets]
    grid.add_row(
        "all",
        "",
        f"{sum(o.executed for o in total)}/{sum(o.planned for o in total)}",
        str(sum(o.requests for o in total)),
        str(sum(o.statuses[Status.PASSED] for o in total)),
        str(sum(o.statuses[Status.FAILED] for o in total)),
        str(sum(o.statuses[Status.ERROR] for o in total)),
        str(sum(o.findings for o in total)),
        "",
        style="bold",
    )
    out.print(grid)
    for work in result.targets:
        if work.state is TargetState.UNREACHABLE:
            unreachable = work.outcome.error_kinds[ErrorKind.UNREACHABLE]
            out.print(f"[red]{work.name}: the target stopped answering; {unreachable} cases recorded as unreachable[/]")
    workers = Table(title="Workers", title_justify="left")
    for column in ("worker", "role", "batches", "cases", "core loads"):
        workers.add_column(column)
    for info in sorted(result.workers.values(), key=lambda w: w.worker):
        workers.add_row(info.worker, info.role, str(info.batches), str(info.cases), str(info.core_loads))
    out.print(workers)


def _exit_code(result: DistributedRun, runs: list[_TargetRun], fail_on: Severity) -> ExitCode:
    if result.interrupted:
        return ExitCode.INTERRUPTED
    if any(f.severity.rank >= fail_on.rank for run in runs for f in run.collector.findings()):
        return ExitCode.FAILURES
    if any(w.state is TargetState.UNREACHABLE for w in result.targets):
        return ExitCode.UNREACHABLE
    return ExitCode.OK
