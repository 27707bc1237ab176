"""response_schema_conformance: the response body breaks the schema documented for its status and media type.

The documented response is the one that applies to the status (exact code, class, ``default``); the media type is
the documented one the response's Content-Type matches, or, when the response has no Content-Type but a body, the
documented JSON media type. Only JSON bodies are validated; bodies of other media types are not judged. A response
whose Content-Type matches no documented media type is left to ``content_type_conformance``.

Severity MEDIUM for a body that breaks its schema or is not valid JSON: clients generated from the spec will fail to
read it, but no data is exposed or corrupted by the mismatch itself. A body in a response that must not have one
(HEAD, 204, 304) is MEDIUM too: it desynchronises connections that reuse the socket.
"""

from __future__ import annotations

from collections.abc import Iterator

from agent_core.apispec import MediaType, Response, SchemaViolation
from agent_core.checks.media_types import best_match, has_no_body, is_json, parse_media_type
from agent_core.checks.registry import CheckContext, check, make_finding
from agent_core.checks.wording import status_text
from agent_core.models import Finding, Severity

NAME = "response_schema_conformance"
_SUMMARISED = 3


@check(NAME, description="The response body matches the schema documented for its status and media type")
def response_schema_conformance(ctx: CheckContext) -> Iterator[Finding]:
    if has_no_body(ctx.operation.method, ctx.status):
        if ctx.body:
            yield _unexpected_body(ctx)
        return
    response = ctx.operation.response_for(ctx.status)
    if response is None or not response.content:
        return
    media_type = _validated_media_type(ctx, response)
    if media_type is None:
        return
    media, effective = media_type
    if media.schema is None or not is_json(effective):
        return
    violations = ctx.spec.validate_json(media.schema, ctx.body)
    invalid_json = [v for v in violations if v.keyword == "json"]
    if invalid_json:
        yield _invalid_json(ctx, response, media, invalid_json[0])
    elif violations:
        yield _schema_violations(ctx, response, media, violations)


def _validated_media_type(ctx: CheckContext, response: Response) -> tuple[MediaType, str] | None:
    """The documented media type to validate against and the media type the body is in."""
    declared = ctx.header_values("content-type")
    if declared:
        actual = parse_media_type(declared[0])
        media = best_match(response.content, actual) if actual else None
        if media is None or actual is None:
            return None
        documented = parse_media_type(media.media_type) or actual
        # A documented wildcard (*/*, application/*) says nothing about the syntax: the response's type does.
        return media, (actual if "*" in documented else documented)
    if not ctx.body:
        return None
    json_media = [m for m in response.content if is_json(m.media_type)]
    return (json_media[0], json_media[0].media_type.lower()) if json_media else None


def _unexpected_body(ctx: CheckContext) -> Finding:
    method = ctx.operation.method.upper()
    reason = f"a response to {method}" if method == "HEAD" else f"a {ctx.status} response"
    return make_finding(
        ctx,
        check=NAME,
        severity=Severity.MEDIUM,
        title="Body in a response that has none",
        message=f"{ctx.operation.label} answered {status_text(ctx.status)} with a {len(ctx.body)}-byte body, "
        f"but {reason} has no body",
        cause="body in HEAD response" if method == "HEAD" else f"body with status {ctx.status}",
        details={"status": ctx.status, "body_length": len(ctx.body)},
    )


def _invalid_json(ctx: CheckContext, response: Response, media: MediaType, error: SchemaViolation) -> Finding:
    return make_finding(
        ctx,
        check=NAME,
        severity=Severity.MEDIUM,
        title="Response is not valid JSON",
        message=f"{ctx.operation.label} answered {status_text(ctx.status)} with a body that is not valid JSON, "
        f"but the spec documents {media.media_type}: {error.message}",
        cause=f"{response.status} {media.media_type.lower()} invalid json",
        details={
            "status": ctx.status,
            "media_type": media.media_type,
            "response_pointer": response.pointer,
            "error": error.message,
        },
    )


def _schema_violations(
    ctx: CheckContext, response: Response, media: MediaType, violations: list[SchemaViolation]
) -> Finding:
    shown = "; ".join(f"`{v.instance_pointer or '/'}`: {v.message}" for v in violations[:_SUMMARISED])
    more = f" (and {len(violations) - _SUMMARISED} more)" if len(violations) > _SUMMARISED else ""
    places = "1 place" if len(violations) == 1 else f"{len(violations)} places"
    # Keywords and schema locations only: instance pointers hold generated indices and keys.
    constraints = sorted({f"{v.keyword}@{v.schema_pointer}" for v in violations})
    return make_finding(
        ctx,
        check=NAME,
        severity=Severity.MEDIUM,
        title="Response body does not match its schema",
        message=f"{ctx.operation.label} answered {status_text(ctx.status)} with an `{media.media_type}` body that "
        f"breaks its schema in {places}: {shown}{more}",
        cause=f"{response.status} {media.media_type.lower()} " + " ".join(constraints),
        details={
            "status": ctx.status,
            "media_type": media.media_type,
            "response_pointer": response.pointer,
            "violations": [
                {
                    "keyword": v.keyword,
                    "instance_pointer": v.instance_pointer,
                    "schema_pointer": v.schema_pointer,
                    "message": v.message,
                }
                for v in violations
            ],
        },
    )
