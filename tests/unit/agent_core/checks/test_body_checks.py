"""Checks that judge the body: response_schema_conformance and content_type_conformance."""

from __future__ import annotations

from typing import Any

import orjson

from agent_core.apispec import Operation
from agent_core.checks import CheckContext, resolve, run_checks
from agent_core.models import Finding, Severity
from tests.unit.agent_core.checks import support

PETS = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["id", "name"],
        "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
    },
}


def _spec() -> support.FakeValidator:
    return support.FakeValidator(schemas={1: PETS})


def _run(name: str, ctx: CheckContext) -> list[Finding]:
    return run_checks(ctx, resolve([name]))


def _schema(body: Any, *, op: Operation | None = None, **kwargs: Any) -> tuple[list[Finding], support.FakeValidator]:
    spec = _spec()
    raw = body if isinstance(body, bytes) else orjson.dumps(body)
    operation = op or support.operation(support.response("200"), support.response("404", media_types=("text/plain",)))
    ctx = support.context(operation, body=raw, spec=spec, **kwargs)
    return _run("response_schema_conformance", ctx), spec


def test_schema_conformance_passes_a_conforming_body_after_validating_it() -> None:
    findings, spec = _schema([{"id": 1, "name": "Rex"}])
    assert findings == []
    assert spec.calls == [(1, [{"id": 1, "name": "Rex"}])]


def test_schema_conformance_reports_every_violation_with_pointers() -> None:
    [finding], _ = _schema([{"id": "x", "name": 5}])
    assert finding.severity is Severity.MEDIUM
    assert finding.title == "Response body does not match its schema"
    assert finding.message == (
        "GET /pets answered 200 OK with an `application/json` body that breaks its schema in 2 places: "
        "`/0/id`: 'x' is not of type 'integer'; `/0/name`: 5 is not of type 'string'"
    )
    assert finding.details["violations"] == [
        {
            "keyword": "type",
            "instance_pointer": "/0/id",
            "schema_pointer": "/items/properties/id/type",
            "message": "'x' is not of type 'integer'",
        },
        {
            "keyword": "type",
            "instance_pointer": "/0/name",
            "schema_pointer": "/items/properties/name/type",
            "message": "5 is not of type 'string'",
        },
    ]
    assert finding.details["response_pointer"] == "/paths/~1pets/get/responses/200"


def test_schema_conformance_summarises_the_first_few_violations() -> None:
    [finding], _ = _schema([{"id": "a", "name": 1}, {"id": "b", "name": 2}, {}])
    assert len(finding.details["violations"]) == 6
    assert "in 6 places" in finding.message
    assert finding.message.endswith("(and 3 more)")
    assert finding.message.count("`/") == 3


def test_schema_conformance_fingerprint_ignores_values_and_indices_but_not_constraints() -> None:
    [a], _ = _schema([{"id": "x", "name": 5}])
    [b], _ = _schema([{"id": 1, "name": "ok"}, {"id": "other", "name": 99}])
    [c], _ = _schema([{"id": 1}])
    assert a.fingerprint == b.fingerprint
    assert a.fingerprint != c.fingerprint


def test_schema_conformance_reports_invalid_json_when_json_is_documented() -> None:
    [finding], _ = _schema(b"<html>oops</html>")
    assert finding.title == "Response is not valid JSON"
    assert finding.message.startswith(
        "GET /pets answered 200 OK with a body that is not valid JSON, but the spec documents application/json: "
    )
    [again], _ = _schema(b"{broken")
    assert again.fingerprint == finding.fingerprint
    [empty], _ = _schema(b"")
    assert empty.title == "Response is not valid JSON"


def test_schema_conformance_does_not_validate_other_media_types() -> None:
    op = support.operation(support.response("200", media_types=("text/csv",)))
    findings, spec = _schema(b"id,name\nx,5", op=op, headers=(("Content-Type", "text/csv"),))
    assert findings == []
    assert spec.calls == []


def test_schema_conformance_leaves_an_undocumented_content_type_to_the_content_type_check() -> None:
    findings, spec = _schema(b"<html></html>", headers=(("Content-Type", "text/html"),))
    assert findings == []
    assert spec.calls == []


def test_schema_conformance_validates_a_body_without_content_type_as_the_documented_json() -> None:
    [finding], _ = _schema([{"id": "x", "name": "a"}], headers=())
    assert finding.details["media_type"] == "application/json"
    findings, spec = _schema(b"", headers=())
    assert findings == []
    assert spec.calls == []


def test_schema_conformance_follows_suffixes_and_wildcards() -> None:
    [finding], _ = _schema([{"id": "x", "name": "a"}], headers=(("Content-Type", "application/problem+json"),))
    assert finding.details["media_type"] == "application/json"
    wildcard = support.operation(support.response("200", media_types=("*/*",)))
    [finding], _ = _schema([{}], op=wildcard, headers=(("Content-Type", "application/vnd.pets+json"),))
    assert finding.details["media_type"] == "*/*"
    findings, spec = _schema(b"plain", op=wildcard, headers=(("Content-Type", "text/plain"),))
    assert findings == []
    assert spec.calls == []


def test_schema_conformance_skips_undocumented_statuses_and_schemaless_content() -> None:
    findings, spec = _schema([{}], status=500)
    assert (findings, spec.calls) == ([], [])
    no_schema = support.operation(support.response("200", schema=None))
    findings, spec = _schema([{}], op=no_schema)
    assert (findings, spec.calls) == ([], [])


def test_schema_conformance_reports_a_body_where_none_is_allowed() -> None:
    op = support.operation(support.response("204", media_types=()), support.response("200"))
    [no_content], _ = _schema(b"{}", op=op, status=204)
    assert no_content.severity is Severity.MEDIUM
    assert no_content.title == "Body in a response that has none"
    assert no_content.message == "GET /pets answered 204 No Content with a 2-byte body, but a 204 response has no body"
    head = support.operation(support.response("200"), method="head")
    [to_head], spec = _schema([{"id": 1, "name": "a"}], op=head)
    assert to_head.message.endswith("but a response to HEAD has no body")
    assert spec.calls == []
    [not_modified], _ = _schema(b"x", op=op, status=304)
    assert not_modified.message.endswith("but a 304 response has no body")
    assert not_modified.fingerprint != no_content.fingerprint
    assert _schema(b"", op=op, status=204)[0] == []
    assert _schema(b"", op=head)[0] == []


def _content_type(content_type: str | None, body: bytes = b"{}", **kwargs: Any) -> list[Finding]:
    op = kwargs.pop("op", None) or support.operation(
        support.response("200", media_types=("application/json", "application/xml")),
        support.response("204", media_types=()),
    )
    headers = (("Content-Type", content_type),) if content_type is not None else ()
    return _run("content_type_conformance", support.context(op, body=body, headers=headers, **kwargs))


def test_content_type_conformance_accepts_documented_types_ignoring_case_and_parameters() -> None:
    assert _content_type("Application/JSON; charset=UTF-8") == []
    assert _content_type("application/xml") == []
    assert _content_type("application/problem+json") == []


def test_content_type_conformance_reports_an_undocumented_type() -> None:
    [finding] = _content_type("text/html; charset=utf-8", b"<html></html>")
    assert finding.severity is Severity.MEDIUM
    assert finding.title == "Undocumented Content-Type"
    assert finding.message == (
        "GET /pets answered 200 OK with Content-Type `text/html`, which the spec does not document for this status "
        "(documented: application/json, application/xml)"
    )
    [same] = _content_type("TEXT/HTML", b"<p>other</p>")
    [other] = _content_type("text/plain", b"x")
    assert same.fingerprint == finding.fingerprint
    assert other.fingerprint != finding.fingerprint


def test_content_type_conformance_honours_documented_wildcards() -> None:
    any_type = support.operation(support.response("200", media_types=("*/*",)))
    assert _content_type("image/png", b"\x89PNG", op=any_type) == []
    images = support.operation(support.response("200", media_types=("image/*",)))
    assert _content_type("image/png", op=images) == []
    assert len(_content_type("text/plain", op=images)) == 1
    json_family = support.operation(support.response("200", media_types=("application/*+json",)))
    assert _content_type("application/vnd.api+json", op=json_family) == []
    assert len(_content_type("application/xml", op=json_family)) == 1


def test_content_type_conformance_reports_a_missing_content_type_only_with_a_body() -> None:
    [finding] = _content_type(None, b'{"a": 1}')
    assert finding.title == "Missing Content-Type"
    assert finding.message == (
        "GET /pets answered 200 OK with a 8-byte body but no Content-Type header "
        "(documented: application/json, application/xml)"
    )
    assert _content_type(None, b"") == []
    assert _content_type(None, b"", status=204) == []


def test_content_type_conformance_reports_a_malformed_content_type() -> None:
    [finding] = _content_type("json")
    assert finding.title == "Malformed Content-Type"
    assert "`json`, which is not a media type" in finding.message


def test_content_type_conformance_does_not_judge_responses_without_documented_content() -> None:
    assert _content_type("text/html", status=204) == []
    assert _content_type("text/html", status=500) == []
