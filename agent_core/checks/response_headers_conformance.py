"""response_headers_conformance: a documented response header is missing or its value breaks its schema.

Header values are strings on the wire; before validation a value is also tried as the JSON scalar it spells
(``"42"`` → 42, ``"true"`` → true) and as a ``simple``-style comma-separated array, and it conforms when any of
these readings does. A documented ``Content-Type`` header is ignored, as OpenAPI says.

Severity MEDIUM for a missing required header: clients that rely on it (pagination, rate limits, locations of
created resources) break. LOW for a present value that breaks its schema: the information is there, only its shape
is off.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson

from agent_core.apispec import Header, Response, SchemaValidator, SchemaViolation
from agent_core.checks.registry import CheckContext, check, make_finding
from agent_core.checks.wording import status_text
from agent_core.models import Finding, Severity

NAME = "response_headers_conformance"


@check(NAME, description="Documented response headers are present and their values match their schemas")
def response_headers_conformance(ctx: CheckContext) -> Iterator[Finding]:
    response = ctx.operation.response_for(ctx.status)
    if response is None:
        return
    for header in response.headers:
        if header.name.lower() == "content-type":
            continue
        values = ctx.header_values(header.name)
        if not values:
            if header.required:
                yield _missing(ctx, response, header)
            continue
        if header.schema is None:
            continue
        # Repeated fields combine into one comma-separated value (RFC 9110, section 5.3).
        violations = _violations(ctx.spec, header.schema, ", ".join(values))
        if violations:
            yield _invalid(ctx, response, header, ", ".join(values), violations)


def _coerced(value: str) -> list[Any]:
    """Other ways a header string may be meant: the JSON scalar it spells, a simple-style array."""
    readings: list[Any] = []
    scalar = _scalar(value)
    if not isinstance(scalar, str):
        readings.append(scalar)
    readings.append([_scalar(item.strip()) for item in value.split(",")])
    return readings


def _scalar(text: str) -> Any:
    try:
        parsed = orjson.loads(text)
    except orjson.JSONDecodeError:
        return text
    return parsed if isinstance(parsed, int | float | bool) or parsed is None else text


def _violations(spec: SchemaValidator, schema: int, value: str) -> list[SchemaViolation]:
    """None when any reading conforms; else those of the first coerced reading of the right type, else the string's."""
    as_string = spec.validate(schema, value)
    if not as_string:
        return []
    coerced = [spec.validate(schema, reading) for reading in _coerced(value)]
    if any(not violations for violations in coerced):
        return []
    right_type = [v for v in coerced if not any(x.keyword == "type" and not x.instance_pointer for x in v)]
    return right_type[0] if right_type else as_string


def _missing(ctx: CheckContext, response: Response, header: Header) -> Finding:
    return make_finding(
        ctx,
        check=NAME,
        severity=Severity.MEDIUM,
        title="Missing required response header",
        message=f"{ctx.operation.label} answered {status_text(ctx.status)} without the `{header.name}` header, "
        f"which the spec requires for this response",
        cause=f"{response.status} missing header {header.name.lower()}",
        details={"status": ctx.status, "header": header.name, "response_pointer": response.pointer},
    )


def _invalid(
    ctx: CheckContext, response: Response, header: Header, raw: str, violations: list[SchemaViolation]
) -> Finding:
    shown = ctx.sanitised_header(header.name)
    masked = shown is None or shown != raw
    # Validator messages quote the raw value; for a masked header only the broken keywords may be told.
    reasons = [f"`{v.keyword}`" if masked else v.message for v in violations]
    value = f"`{header.name}: {shown}`" if shown is not None else f"`{header.name}`"
    constraints = sorted({f"{v.keyword}@{v.schema_pointer}" for v in violations})
    return make_finding(
        ctx,
        check=NAME,
        severity=Severity.LOW,
        title="Invalid response header",
        message=f"{ctx.operation.label} answered {status_text(ctx.status)} with {value}, which breaks its schema: "
        + "; ".join(reasons),
        cause=f"{response.status} invalid header {header.name.lower()} " + " ".join(constraints),
        details={
            "status": ctx.status,
            "header": header.name,
            "value": shown,
            "response_pointer": response.pointer,
            "violations": [
                {"keyword": v.keyword, "schema_pointer": v.schema_pointer, "message": None if masked else v.message}
                for v in violations
            ],
        },
    )
