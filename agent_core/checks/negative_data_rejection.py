"""negative_data_rejection: the API accepted a request that breaks its documented contract.

Judged on negative cases, which break exactly one labelled constraint and are valid otherwise, so a 2XX answer
means the API accepted that very violation. 5XX answers are left to ``not_a_server_error``; other non-2XX answers
are refusals, which is what is wanted.

Severity HIGH: missing input validation lets invalid data into storage and downstream systems, and is where
injection and mass-assignment bugs start (CWE-20, Improper Input Validation).
"""

from __future__ import annotations

from collections.abc import Iterator

from agent_core.checks.registry import CheckContext, check, make_finding
from agent_core.checks.wording import describe_violation, status_text, violation_place
from agent_core.models import Finding, Location, Severity, TestKind, Violation

NAME = "negative_data_rejection"


@check(
    NAME,
    description="Requests that break the documented schema are refused, not answered with 2XX",
    severity=Severity.HIGH,
)
def negative_data_rejection(ctx: CheckContext) -> Iterator[Finding]:
    violation = ctx.case.violation
    if ctx.case.kind is not TestKind.NEGATIVE or violation is None or not 200 <= ctx.status < 300:
        return
    yield make_finding(
        ctx,
        check=NAME,
        severity=Severity.HIGH,
        title="Invalid data accepted",
        message=f"{describe_violation(ctx.case, violation)}; the API answered {status_text(ctx.status)}",
        cause=_cause(violation),
        details={
            "status": ctx.status,
            "location": violation.location.value,
            "parameter": violation.parameter,
            "place": violation_place(violation),
            "keyword": violation.keyword,
            "schema_pointer": violation.schema_pointer,
            "instance_pointer": violation.instance_pointer,
            "constraint": violation.description,
            "boundary": violation.boundary,
        },
        cwe="CWE-20",
    )


def _cause(violation: Violation) -> str:
    """Where and which constraint, never the generated value: the same hole found with another value is the same."""
    parameter = violation.parameter or ""
    if violation.location is Location.HEADER:
        parameter = parameter.lower()  # header names are case-insensitive
    return f"{violation.location.value} {parameter} {violation.keyword}@{violation.schema_pointer}"
