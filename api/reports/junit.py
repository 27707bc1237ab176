"""JUnit XML, as Jenkins, GitLab and other CI servers read it (the ``junit-10.xsd`` dialect).

One ``testsuite`` per operation. In it, one ``testcase`` per check that ran: it fails (``<failure>``) with the
distinct findings of that check, their messages and curl lines, and is skipped when no response of the operation
was judged. Executions that could not be tested become one ``testcase`` per error kind with an ``<error>``.
"""

from __future__ import annotations

import re
from xml.etree import ElementTree as ET  # builds and serialises only: nothing untrusted is parsed

from agent_core.curl import to_curl
from agent_core.models import Status
from api.reports.context import ErrorGroup, FindingGroup, ReportContext

# Characters that XML 1.0 cannot carry at all, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_SHOWN_CASES = 10


def _text(value: object) -> str:
    return _NOT_XML.sub("\ufffd", str(value))


def _seconds(value: float) -> str:
    return f"{max(value, 0.0) / 1000:.3f}"


def render_junit(ctx: ReportContext) -> bytes:
    """The JUnit XML document for ``ctx``, UTF-8 encoded with an XML declaration."""
    findings = ctx.findings_by_operation_and_check()
    errors = ctx.errors_by_operation()
    checks = ctx.check_names()
    root = ET.Element("testsuites", name=_text(f"Sentinel: {ctx.spec_title or ctx.spec_source}"))
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for operation_id, events in ctx.events_by_operation().items():
        info = ctx.operation(operation_id)
        judged = [e for e in events if e.execution.status in (Status.PASSED, Status.FAILED)]
        suite = ET.SubElement(root, "testsuite")
        properties = ET.SubElement(suite, "properties")
        for name, value in (
            ("operation_id", operation_id),
            ("pointer", info.pointer),
            ("line", info.line),
            ("cases", len(events)),
        ):
            if value not in (None, ""):
                ET.SubElement(properties, "property", name=name, value=_text(value))
        judged_ms = sum(e.execution.elapsed_ms for e in judged)
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        for check in checks:
            case = ET.SubElement(suite, "testcase", name=_text(check), classname=_text(info.label))
            case.set("time", _seconds(judged_ms))
            counts["tests"] += 1
            groups = findings.get(operation_id, {}).get(check, [])
            if groups:
                counts["failures"] += 1
                _failure(case, check, groups)
            elif not judged:
                counts["skipped"] += 1
                ET.SubElement(case, "skipped", message="no response of this operation was judged")
        for group in errors.get(operation_id, []):
            case = ET.SubElement(suite, "testcase", name=_text(f"error: {group.kind}"), classname=_text(info.label))
            case.set("time", _seconds(sum(e.execution.elapsed_ms for e in group.events)))
            counts["tests"] += 1
            counts["errors"] += 1
            _error(case, group)
        suite.attrib.update(
            name=_text(info.label),
            tests=str(counts["tests"]),
            failures=str(counts["failures"]),
            errors=str(counts["errors"]),
            skipped=str(counts["skipped"]),
            time=_seconds(sum(e.execution.elapsed_ms for e in events)),
            timestamp=ctx.started_at.isoformat(),
            file=_text(ctx.spec_source),
        )
        for key in totals:
            totals[key] += counts[key]
    root.attrib.update({key: str(value) for key, value in totals.items()})
    root.set("time", f"{ctx.duration_s:.3f}")
    ET.indent(root)
    document = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    assert isinstance(document, bytes)
    return document


def _failure(case: ET.Element, check: str, groups: list[FindingGroup]) -> None:
    first = groups[0].finding
    more = f" (+{len(groups) - 1} more)" if len(groups) > 1 else ""
    failure = ET.SubElement(
        case, "failure", type=_text(check), message=_text(f"[{first.severity.value}] {first.title}{more}")
    )
    blocks = []
    for group in groups:
        finding = group.finding
        cases = ", ".join(group.case_ids[:_SHOWN_CASES]) + (" …" if group.count > _SHOWN_CASES else "")
        blocks.append(
            f"[{finding.severity.value}] {finding.title}\n{finding.message}\n"
            f"seen in {group.count} case(s): {cases}\nfingerprint: {finding.fingerprint}\n{finding.curl}"
        )
    failure.text = _text("\n\n".join(blocks))


def _error(case: ET.Element, group: ErrorGroup) -> None:
    first = group.events[0].execution
    reason = first.error_message or group.kind
    error = ET.SubElement(
        case,
        "error",
        type=_text(group.kind),
        message=_text(f"{len(group.events)} case(s) could not be tested: {reason}"),
    )
    blocks = [
        f"case {e.case.case_id}: {e.execution.error_message or group.kind}\n{to_curl(e.execution.request)}"
        for e in group.events[:_SHOWN_CASES]
    ]
    if len(group.events) > _SHOWN_CASES:
        blocks.append(f"… and {len(group.events) - _SHOWN_CASES} more")
    error.text = _text("\n\n".join(blocks))
