"""The end-of-run summary on the terminal: counts, then every distinct failure with its curl line."""

from __future__ import annotations

from collections import Counter

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from agent_core.models import Severity
from api.reports.context import ReportContext

_STYLE = {
    Severity.CRITICAL: "bold red",
    Severity.HIGH: "red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}


def print_summary(ctx: ReportContext, *, console: Console | None = None, interrupted: bool = False) -> None:
    out = console or Console(highlight=False, soft_wrap=True)
    summary = ctx.summary()
    by_operation = ctx.findings_by_operation_and_check()
    errors = ctx.errors_by_operation()

    if by_operation:
        table = Table(title="Findings by operation and check", title_justify="left", show_lines=False)
        table.add_column("operation")
        table.add_column("check")
        table.add_column("distinct", justify="right")
        table.add_column("cases", justify="right")
        table.add_column("worst")
        for operation_id, by_check in by_operation.items():
            label = ctx.operation(operation_id).label
            for check, groups in by_check.items():
                worst = max((g.finding.severity for g in groups), key=lambda s: s.rank)
                table.add_row(
                    escape(label),
                    check,
                    str(len(groups)),
                    str(sum(g.count for g in groups)),
                    f"[{_STYLE[worst]}]{worst.value}[/]",
                )
                label = ""
        out.print(table)
        out.print()
        out.print("[bold]Failures[/]")
        for operation_id, by_check in by_operation.items():
            for check, groups in by_check.items():
                for group in groups:
                    finding = group.finding
                    seen = f" (seen in {group.count} cases)" if group.count > 1 else ""
                    out.print(
                        f"[{_STYLE[finding.severity]}]{finding.severity.value:<8}[/] "
                        f"[bold]{escape(ctx.operation(operation_id).label)}[/] {check}: {escape(finding.title)}{seen}"
                    )
                    out.print(f"         {escape(_one_line(finding.message))}")
                    out.print(f"         [dim]{escape(finding.curl)}[/]", soft_wrap=True)
        out.print()

    if errors:
        out.print("[bold]Could not test[/]")
        for operation_id, error_groups in errors.items():
            for error_group in error_groups:
                first = error_group.events[0].execution
                out.print(
                    f"  {escape(ctx.operation(operation_id).label)}: {len(error_group.events)} x {error_group.kind}"
                    f" ({escape(_one_line(first.error_message or ''))})"
                )
        out.print()

    severities = ", ".join(f"{n} {s.value}" for s, n in summary.by_severity.items() if n)
    kinds = Counter(e.case.kind.value for e in ctx.events)
    out.print(
        f"[bold]{summary.cases}[/] cases on {summary.operations} operations "
        f"({', '.join(f'{n} {k}' for k, n in sorted(kinds.items()))}) in {ctx.duration_s:.1f}s: "
        f"[green]{summary.passed} passed[/], [red]{summary.failed} failed[/], [yellow]{summary.errors} errors[/]"
    )
    if summary.findings:
        out.print(
            f"[bold red]{summary.findings} distinct failures[/] ({severities}), {summary.occurrences} occurrences"
        )
    else:
        out.print("[bold green]no failures found[/]")
    if interrupted:
        out.print("[yellow]interrupted: these are partial results[/]")


def _one_line(text: str, limit: int = 300) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."
