"""content_type_conformance: the response Content-Type is not one of the documented media types.

Judged against the documented response for the status; a response documented without content is not judged.
Matching ignores parameters and case and accepts documented wildcards and ``+json``-style suffixes (see
:mod:`agent_core.checks.media_types`). A non-empty body without any Content-Type, or with one that is not a media
type at all, is a finding too.

Severity MEDIUM: clients choose their parser by Content-Type, so a wrong one breaks them, and a missing one invites
content sniffing; the payload itself may still be right.
"""

from __future__ import annotations

from collections.abc import Iterator

from agent_core.checks.media_types import best_match, has_no_body, parse_media_type
from agent_core.checks.registry import CheckContext, check, make_finding
from agent_core.checks.wording import status_text
from agent_core.models import Finding, Severity

NAME = "content_type_conformance"


@check(NAME, description="The response Content-Type is one of the media types documented for its status")
def content_type_conformance(ctx: CheckContext) -> Iterator[Finding]:
    response = ctx.operation.response_for(ctx.status)
    if response is None or not response.content:
        return
    documented = [m.media_type for m in response.content]
    details = {"status": ctx.status, "documented": documented, "response_pointer": response.pointer}
    answered = f"{ctx.operation.label} answered {status_text(ctx.status)}"
    declared = ctx.header_values("content-type")
    if not declared:
        if ctx.body and not has_no_body(ctx.operation.method, ctx.status):
            yield make_finding(
                ctx,
                check=NAME,
                severity=Severity.MEDIUM,
                title="Missing Content-Type",
                message=f"{answered} with a {len(ctx.body)}-byte body but no Content-Type header "
                f"(documented: {', '.join(documented)})",
                cause=f"{response.status} missing content type",
                details=details,
            )
        return
    actual = parse_media_type(declared[0])
    shown = ctx.sanitised_header("content-type") or declared[0]
    if actual is None:
        yield make_finding(
            ctx,
            check=NAME,
            severity=Severity.MEDIUM,
            title="Malformed Content-Type",
            message=f"{answered} with Content-Type `{shown}`, which is not a media type "
            f"(documented: {', '.join(documented)})",
            cause=f"{response.status} malformed content type",
            details={**details, "content_type": shown},
        )
    elif best_match(response.content, actual) is None:
        yield make_finding(
            ctx,
            check=NAME,
            severity=Severity.MEDIUM,
            title="Undocumented Content-Type",
            message=f"{answered} with Content-Type `{actual}`, which the spec does not document for this status "
            f"(documented: {', '.join(documented)})",
            cause=f"{response.status} content type {actual}",
            details={**details, "content_type": actual},
        )
