"""SARIF 2.1.0, for code-scanning dashboards (GitHub, GitLab, Azure DevOps).

One run; the tool driver "Sentinel" has one rule per check. Each distinct finding (fingerprint) is one result with
``occurrenceCount`` and the cases it was seen in; it points at the spec file and, when known, at the operation's
line, and carries the fingerprint as a partial fingerprint so that dashboards track it across runs. Executions that
could not be tested are tool execution notifications, not results: they say nothing about the API.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import agent_core
from agent_core.checks import registered
from agent_core.models import Severity
from api.reports.context import FindingGroup, OperationInfo, ReportContext

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "sentinelFinding/v1"
_LEVELS = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
_URL_SCHEMES = ("http", "https", "file")


def level(severity: Severity) -> str:
    return _LEVELS[severity]


def spec_uri(source: str, base_dir: Path | None = None) -> str | None:
    """The spec as a SARIF artifact URI: a URL as is, a path relative to ``base_dir`` (default: the working
    directory) when it lies beneath it, else an absolute ``file:`` URI."""
    if not source:
        return None
    if urlsplit(source).scheme in _URL_SCHEMES:
        return source
    base = (base_dir or Path.cwd()).resolve()
    path = Path(source)
    absolute = (path if path.is_absolute() else base / path).resolve()
    try:
        return quote(absolute.relative_to(base).as_posix())
    except ValueError:
        return absolute.as_uri()


def _utc(moment: datetime) -> str:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _location(info: OperationInfo, uri: str | None) -> dict[str, Any]:
    location: dict[str, Any] = {
        "logicalLocations": [{"name": info.label, "fullyQualifiedName": info.pointer or info.label}],
    }
    if uri is not None:
        physical: dict[str, Any] = {"artifactLocation": {"uri": uri, "index": 0}}
        if info.line is not None and info.line >= 1:
            physical["region"] = {"startLine": info.line}
        location["physicalLocation"] = physical
    return location


def _rules(ctx: ReportContext, groups: list[FindingGroup]) -> list[dict[str, Any]]:
    known = {c.name: c for c in registered()}
    rules = []
    for name in ctx.check_names():
        info = known.get(name)
        severities = [g.finding.severity for g in groups if g.finding.check == name]
        usual = info.severity if info else max(severities, key=lambda s: s.rank, default=Severity.MEDIUM)
        rule: dict[str, Any] = {
            "id": name,
            "name": "".join(part.capitalize() for part in name.split("_")),
            "shortDescription": {"text": info.description if info else name},
            "defaultConfiguration": {"level": level(usual)},
        }
        cwes = sorted({g.finding.cwe for g in groups if g.finding.check == name and g.finding.cwe})
        if cwes:
            rule["properties"] = {"tags": ["security", *(f"external/cwe/{c.lower()}" for c in cwes)]}
        rules.append(rule)
    return rules


def _result(group: FindingGroup, rule_index: int, info: OperationInfo, uri: str | None) -> dict[str, Any]:
    finding = group.finding
    properties: dict[str, Any] = {
        "operation": info.label,
        "operation_id": finding.operation_id,
        "case_id": finding.case_id,
        "case_ids": list(group.case_ids),
        "severity": finding.severity.value,
        "title": finding.title,
        "curl": finding.curl,
        "details": finding.details,
    }
    for key in ("cwe", "owasp"):
        value = getattr(finding, key)
        if value:
            properties[key] = value
    return {
        "ruleId": finding.check,
        "ruleIndex": rule_index,
        "level": level(finding.severity),
        "message": {"text": f"{finding.title}: {finding.message}"},
        "locations": [_location(info, uri)],
        "partialFingerprints": {FINGERPRINT_KEY: finding.fingerprint},
        "occurrenceCount": group.count,
        "properties": properties,
    }


def _notifications(ctx: ReportContext, uri: str | None) -> list[dict[str, Any]]:
    notifications = []
    for operation_id, groups in ctx.errors_by_operation().items():
        info = ctx.operation(operation_id)
        for group in groups:
            first = group.events[0].execution
            notifications.append(
                {
                    "level": "error",
                    "message": {
                        "text": f"{info.label}: {len(group.events)} case(s) could not be tested ({group.kind}): "
                        f"{first.error_message or group.kind}"
                    },
                    "descriptor": {"id": f"error/{group.kind}"},
                    "locations": [_location(info, uri)],
                    "properties": {"operation_id": operation_id, "case_ids": [e.case.case_id for e in group.events]},
                }
            )
    return notifications


def render_sarif(ctx: ReportContext, *, base_dir: Path | None = None) -> dict[str, Any]:
    """The SARIF log for ``ctx``; spec paths are made relative to ``base_dir`` (default: working directory)."""
    uri = spec_uri(ctx.spec_source, base_dir)
    groups = ctx.finding_groups()
    rules = _rules(ctx, groups)
    rule_index = {rule["id"]: index for index, rule in enumerate(rules)}
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "Sentinel",
                "version": agent_core.__version__,
                "rules": rules,
            }
        },
        "automationDetails": {"id": f"sentinel/{ctx.job_id}"},
        "invocations": [
            {
                "executionSuccessful": True,
                "commandLine": ctx.command,
                "startTimeUtc": _utc(ctx.started_at),
                "endTimeUtc": _utc(ctx.finished_at),
                "toolExecutionNotifications": _notifications(ctx, uri),
            }
        ],
        "results": [
            _result(g, rule_index[g.finding.check], ctx.operation(g.finding.operation_id), uri) for g in groups
        ],
        "properties": {
            "job_id": ctx.job_id,
            "spec_title": ctx.spec_title,
            "spec_version": ctx.spec_version,
            "base_url": ctx.base_url,
            "seed": ctx.seed,
        },
    }
    if uri is not None:
        run["artifacts"] = [{"location": {"uri": uri}, "roles": ["analysisTarget"]}]
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}
