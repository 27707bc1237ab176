"""``sentinel run``: test one API against its description."""

from __future__ import annotations

import asyncio
import random
import shlex
import sys
from pathlib import Path

import click

from actors.executor import ExecutorConfig
from actors.identities import Identity, IdentityResolver, identities_from_flags, load_identities_file
from actors.ratelimit import RateLimit
from actors.runtime import EventSink, LocalRuntime, RunConfig, RunOutcome
from actors.supervisor import DEFAULT_KINDS, Job, OperationFilter, WorkUnit
from agent_core.checks import CheckConfig, CheckInfo, resolve
from agent_core.errors import ConfigError
from agent_core.models import Severity, TestCase, TestKind
from agent_core.settings import Settings
from api.commands.run_outputs import BusSink, build_bus, parse_stores
from api.commands.spec_source import SpecSourceOptions, open_spec, spec_source_options
from api.console.progress import ProgressSink
from api.console.summary import print_summary
from api.exit_codes import EXIT_CODES_HELP, ExitCode
from api.reports import parse_report_spec
from api.reports.collector import ReportCollector
from api.reports.context import ReportContext
from api.reports.ndjson import NdjsonWriter


def _kinds(value: str) -> tuple[TestKind, ...]:
    kinds = []
    for item in value.split(","):
        name = item.strip().lower()
        if not name:
            continue
        try:
            kinds.append(TestKind(name))
        except ValueError:
            valid = ", ".join(k.value for k in TestKind)
            raise click.BadParameter(f"unknown kind {name!r} (valid: {valid})") from None
    if not kinds:
        raise click.BadParameter("give at least one kind")
    return tuple(dict.fromkeys(kinds))


def _seed(value: str) -> int:
    if value == "random":
        return random.SystemRandom().randrange(2**63)
    try:
        seed = int(value)
    except ValueError:
        raise click.BadParameter("a non-negative integer or 'random'") from None
    if seed < 0:
        raise click.BadParameter("a non-negative integer or 'random'")
    return seed


@click.command("run", epilog=EXIT_CODES_HELP)
@click.option("--spec", "spec_source", required=True, metavar="PATH|URL", help="The OpenAPI or Swagger document.")
@click.option("--base-url", required=True, metavar="URL", help="Where the API under test listens.")
@click.option(
    "--kinds",
    default=",".join(k.value for k in DEFAULT_KINDS),
    show_default=True,
    help="Comma-separated test kinds: functional, negative.",
)
@click.option("--seed", default="0", show_default=True, help="Seed for generation; 'random' picks one (printed).")
@click.option(
    "--max-cases",
    type=click.IntRange(min=1),
    default=20,
    show_default=True,
    help="Most cases per operation and agent.",
)
@click.option("--workers", type=click.IntRange(1, 512), help="Concurrent requests (default 8).")
@click.option("--rate-limit", type=click.FloatRange(min=0, min_open=True), help="Most requests per second.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), help="Seconds to wait for a response.")
@click.option("--auth-bearer", metavar="TOKEN", help="Send 'Authorization: Bearer TOKEN'.")
@click.option("--auth-basic", metavar="USER:PASSWORD", help="Send HTTP basic credentials.")
@click.option(
    "--auth-api-key",
    "auth_api_keys",
    multiple=True,
    metavar="IN:NAME=VALUE",
    help="API key, IN is header, query or cookie (e.g. header:X-API-Key=secret). Repeatable.",
)
@click.option(
    "--identities",
    "identities_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="YAML/JSON file of named identities (see docs/identities.md).",
)
@click.option(
    "--identity",
    metavar="NAME",
    help="Send this identity's credentials everywhere (default: per operation, the first identity that fits).",
)
@click.option(
    "--include",
    multiple=True,
    metavar="PATTERN",
    help="Only operations matching: operationId, 'GET /path' or 'tag:NAME' (shell globs). Repeatable.",
)
@click.option("--exclude", multiple=True, metavar="PATTERN", help="Skip operations matching. Repeatable.")
@click.option("--read-only", is_flag=True, help="Only GET, HEAD and OPTIONS operations.")
@click.option("--checks", "check_names", metavar="NAMES", help="Comma-separated checks (default: all default checks).")
@click.option(
    "--max-response-time",
    type=click.FloatRange(min=0, min_open=True),
    metavar="MS",
    help="Enable the max_response_time check with this limit in milliseconds.",
)
@click.option(
    "--report",
    "report_spec",
    metavar="FORMAT=PATH,...",
    help="Write reports: junit=PATH,sarif=PATH,html=PATH,ndjson=PATH.",
)
@click.option(
    "--fail-on",
    type=click.Choice([s.value for s in Severity]),
    default=Severity.INFO.value,
    show_default=True,
    help="Exit 1 only for findings at or above this severity.",
)
@click.option(
    "--bus",
    type=click.Choice(["local", "kafka"]),
    default="local",
    show_default=True,
    help="Where results are published: in-process, or Kafka (then `sentinel pipeline consume` stores them).",
)
@click.option(
    "--store",
    default="none",
    show_default=True,
    metavar="none|all|postgres,elasticsearch",
    help="With --bus local: stores written in-process (addresses from SENTINEL_POSTGRES__DSN etc.).",
)
@click.option(
    "--runtime",
    "runtime_name",
    type=click.Choice(["local", "ray"]),
    default="local",
    show_default=True,
    help="local: this process. ray: Ray actors (needs sentinel-api[ray]); see --ray-address.",
)
@click.option(
    "--ray-address",
    envvar="RAY_ADDRESS",
    metavar="HOST:PORT",
    help="With --runtime ray: the cluster (env RAY_ADDRESS). Default: a local cluster started and stopped for the run.",
)
@click.option("--dry-run", is_flag=True, help="Plan the cases and print what would be sent, without sending.")
@click.option("--progress/--no-progress", default=None, help="Live progress bar (default: on a terminal).")
@spec_source_options
def run_command(
    spec_source: str,
    base_url: str,
    kinds: str,
    seed: str,
    max_cases: int,
    workers: int | None,
    rate_limit: float | None,
    timeout: float | None,
    auth_bearer: str | None,
    auth_basic: str | None,
    auth_api_keys: tuple[str, ...],
    identities_file: Path | None,
    identity: str | None,
    include: tuple[str, ...],
    exclude: tuple[str, ...],
    read_only: bool,
    check_names: str | None,
    max_response_time: float | None,
    report_spec: str | None,
    fail_on: str,
    bus: str,
    store: str,
    runtime_name: str,
    ray_address: str | None,
    dry_run: bool,
    progress: bool | None,
    spec_root: Path | None,
    allow_remote_refs: bool,
    max_spec_bytes: int | None,
) -> None:
    """Generate tests from a spec, run them against BASE-URL, and judge every response.

    \b
    Example:
      sentinel run --spec openapi.yaml --base-url http://127.0.0.1:8000 \\
          --auth-bearer "$TOKEN" --report junit=out/junit.xml,html=out/report.html
    """
    settings = Settings()
    if not base_url.startswith(("http://", "https://")):
        raise click.BadParameter("must start with http:// or https://", param_hint="--base-url")
    reports = parse_report_spec(report_spec) if report_spec else {}
    stores = parse_stores(store)
    checks = _checks(check_names, max_response_time)
    identities = _identities(auth_bearer, auth_basic, auth_api_keys, identities_file, identity)

    spec = open_spec(spec_source, SpecSourceOptions(spec_root, allow_remote_refs, max_spec_bytes), settings)
    resolver = IdentityResolver(identities, spec.security_schemes.values(), spec.security)
    job = Job(
        spec=spec,
        base_url=base_url.rstrip("/"),
        kinds=_kinds(kinds),
        seed=_seed(seed),
        max_cases=max_cases,
        operations=OperationFilter(include=include, exclude=exclude, read_only=read_only),
        identity=identity,
        authenticated=bool(identities),
    )
    executor = executor_config(settings, workers, timeout, RateLimit(rate_limit) if rate_limit else None)
    config = RunConfig(executor=executor, checks=checks, check_config=CheckConfig(max_response_time))
    runtime = LocalRuntime()
    cases = runtime.plan(job)
    click.echo(
        f"Sentinel: {spec.title} {spec.api_version} ({spec.version}), "
        f"{len({u.operation.operation_id for u, _ in cases})} operations, {len(cases)} cases, seed {job.seed}",
        err=True,
    )
    if dry_run:
        _print_plan(cases)
        return

    collector = ReportCollector()
    sinks: list[EventSink] = [collector]
    results_bus = build_bus(bus, stores, settings)
    if results_bus is not None:
        sinks.append(BusSink(results_bus))
    ndjson = NdjsonWriter(reports.pop("ndjson")) if "ndjson" in reports else None
    if ndjson is not None:
        sinks.append(ndjson)
    show_progress = sys.stderr.isatty() if progress is None else progress
    display = ProgressSink(total=len(cases), enabled=show_progress)
    sinks.append(display)
    outcome: RunOutcome | None = None
    try:
        with display:
            if runtime_name == "ray":
                outcome = _run_on_ray(ray_address, config, job, resolver, sinks, cases)
            else:
                outcome = asyncio.run(runtime.run(job, config, resolver, sinks, cases))
    except KeyboardInterrupt:
        click.echo("interrupted: writing the results gathered so far", err=True)
    finally:
        if ndjson is not None:
            ndjson.close()
    context = collector.context(
        job,
        command=masked_command(sys.argv[1:]),
        spec_source=spec_source,
        checks=tuple(c.name for c in checks),
    )
    _report(context, collector, reports, ndjson, interrupted=outcome is None or outcome.interrupted)
    if results_bus is not None:
        # Everything delivered (Kafka: acknowledged; local: written) before success is reported; failures raise.
        results_bus.close()
    sys.exit(int(_exit_code(outcome, collector, Severity(fail_on))))


def _run_on_ray(
    address: str | None,
    config: RunConfig,
    job: Job,
    resolver: IdentityResolver,
    sinks: list[EventSink],
    cases: list[tuple[WorkUnit, TestCase]],
) -> RunOutcome:
    try:
        from actors import remote  # noqa: PLC0415 - Ray is large and only this runtime needs it
    except ImportError:
        raise ConfigError("--runtime ray needs Ray: pip install 'sentinel-api[ray]'", "CONFIG_RUNTIME") from None
    # The target first: finding it down should not wait for a cluster to start.
    asyncio.run(remote.check_target(job, config))
    options = remote.ClusterOptions(address=address, workers=2)
    with remote.RayCluster(options) as cluster:
        return remote.RayRuntime(cluster).run_job(job, config, resolver, sinks, cases)


def _checks(check_names: str | None, max_response_time: float | None) -> tuple[CheckInfo, ...]:
    names = [n.strip() for n in check_names.split(",") if n.strip()] if check_names else None
    if max_response_time is not None:
        names = [*(names or [c.name for c in resolve(None)]), "max_response_time"]
    return tuple(resolve(names))


def executor_config(
    settings: Settings, concurrency: int | None, timeout: float | None, rate_limit: RateLimit | None
) -> ExecutorConfig:
    """The executor's settings: explicit values first, then the SENTINEL_EXECUTOR__* settings."""
    defaults = settings.executor
    return ExecutorConfig(
        concurrency=concurrency or defaults.workers,
        timeout_s=timeout or defaults.timeout_s,
        connect_retries=defaults.connect_retries,
        max_retry_after_s=defaults.max_retry_after_s,
        rate_limit=rate_limit,
        stored_body_bytes=defaults.stored_body_bytes,
        max_response_bytes=defaults.max_response_bytes,
    )


def _report(
    context: ReportContext,
    collector: ReportCollector,
    reports: dict[str, Path],
    ndjson: NdjsonWriter | None,
    *,
    interrupted: bool,
) -> None:
    print_summary(context, interrupted=interrupted)
    for fmt, path in collector.write(reports, context).items():
        click.echo(f"{fmt} report: {path}")
    if ndjson is not None:
        click.echo(f"ndjson report: {ndjson.path}")


def _identities(
    bearer: str | None,
    basic: str | None,
    api_keys: tuple[str, ...],
    file: Path | None,
    name: str | None,
) -> list[Identity]:
    from_flags = identities_from_flags(bearer=bearer, basic=basic, api_keys=list(api_keys))
    from_file = load_identities_file(file) if file is not None else []
    if name is not None and name not in {i.name for i in [*from_flags, *from_file]}:
        raise ConfigError(f"no identity named {name!r} (use a name from --identities)", "CONFIG_IDENTITIES")
    return [*from_flags, *from_file]


_SECRET_OPTIONS = ("--auth-bearer", "--auth-basic", "--auth-api-key")


def masked_command(argv: list[str]) -> str:
    """The command line as reports show it: values of credential options masked."""
    out = ["sentinel"]
    mask_next = False
    for arg in argv:
        if mask_next:
            out.append("[masked]")
            mask_next = False
        elif arg in _SECRET_OPTIONS:
            out.append(arg)
            mask_next = True
        elif arg.startswith(tuple(f"{o}=" for o in _SECRET_OPTIONS)):
            out.append(arg.split("=", 1)[0] + "=[masked]")
        else:
            out.append(arg)
    return shlex.join(out)


def _print_plan(cases: list[tuple[WorkUnit, TestCase]]) -> None:
    for unit, case in cases:
        click.echo(f"{case.case_id[:12]}  {case.kind:<10} {unit.operation.label}")


def _exit_code(outcome: RunOutcome | None, collector: ReportCollector, fail_on: Severity) -> ExitCode:
    if outcome is None:
        return ExitCode.INTERRUPTED
    if outcome.unreachable:
        return ExitCode.UNREACHABLE
    if any(f.severity.rank >= fail_on.rank for f in collector.findings()):
        return ExitCode.FAILURES
    return ExitCode.OK
