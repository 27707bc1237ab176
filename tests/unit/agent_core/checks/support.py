"""Builders for check tests: a fake schema validator and one-call factories for operations, cases and contexts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import jsonschema
import orjson

from agent_core.apispec import Header, MediaType, Operation, Response, SchemaViolation
from agent_core.checks import CheckConfig, CheckContext
from agent_core.models import Execution, Expectation, HttpRequest, HttpResponse, Status, TestCase, TestKind, Violation


def _pointer(parts: Any) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


@dataclass
class FakeValidator:
    """Validates with ``jsonschema`` against schemas registered by id; records what it was asked."""

    schemas: dict[int, dict[str, Any]] = field(default_factory=dict)
    calls: list[tuple[int, Any]] = field(default_factory=list)

    def validate(self, schema: int, instance: Any, *, direction: str = "response") -> list[SchemaViolation]:
        self.calls.append((schema, instance))
        validator = jsonschema.Draft202012Validator(self.schemas[schema])
        errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
        return [
            SchemaViolation(str(e.validator), _pointer(e.absolute_path), _pointer(e.absolute_schema_path), e.message)
            for e in errors
        ]

    def validate_json(self, schema: int, body: bytes, *, direction: str = "response") -> list[SchemaViolation]:
        try:
            instance = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            self.calls.append((schema, body))
            return [SchemaViolation("json", "", "", f"invalid JSON: {exc}")]
        return self.validate(schema, instance, direction=direction)


def response(
    status: str = "200",
    media_types: tuple[str, ...] = ("application/json",),
    schema: int | None = 1,
    headers: tuple[Header, ...] = (),
) -> Response:
    content = tuple(MediaType(m, schema=schema) for m in media_types)
    return Response(status=status, content=content, headers=headers, pointer=f"/paths/~1pets/get/responses/{status}")


def operation(
    *responses: Response, method: str = "get", path: str = "/pets", operation_id: str = "listPets"
) -> Operation:
    return Operation(
        index=0,
        operation_id=operation_id,
        has_explicit_id=True,
        method=method,
        path=path,
        pointer=f"/paths/~1pets/{method}",
        parameters=(),
        request_body=None,
        responses=responses,
        security=None,
        line=12,
    )


def case(
    *,
    kind: TestKind = TestKind.FUNCTIONAL,
    violation: Violation | None = None,
    expectation: tuple[str, ...] = ("2XX",),
    case_id: str = "case-1",
    **parts: Any,
) -> TestCase:
    return TestCase(
        case_id=case_id,
        job_id="job-1",
        operation_id="listPets",
        method="get",
        path="/pets",
        kind=kind,
        agent="functional-negative" if kind is TestKind.NEGATIVE else "functional-positive",
        expectation=Expectation(statuses=expectation, reason="test expectation"),
        violation=violation,
        **parts,
    )


def context(
    op: Operation,
    *,
    status: int = 200,
    body: bytes | str = b"",
    headers: tuple[tuple[str, str], ...] = (("Content-Type", "application/json"),),
    test_case: TestCase | None = None,
    spec: FakeValidator | None = None,
    elapsed_ms: float = 12.0,
    config: CheckConfig | None = None,
    sanitised_headers: dict[str, str] | None = None,
    request: HttpRequest | None = None,
) -> CheckContext:
    raw = body.encode() if isinstance(body, str) else body
    sent = request or HttpRequest(method=op.method.upper(), url=f"http://api.test{op.path}?limit=5")
    execution = Execution(
        case_id=(test_case.case_id if test_case else "case-1"),
        request=sent,
        response=HttpResponse(
            status=status,
            headers=dict(headers) if sanitised_headers is None else sanitised_headers,
            body=raw.decode(errors="replace"),
            body_length=len(raw),
        ),
        elapsed_ms=elapsed_ms,
        status=Status.PASSED,
    )
    return CheckContext(
        spec=spec or FakeValidator(),
        operation=op,
        case=test_case or case(),
        execution=execution,
        status=status,
        headers=headers,
        body=raw,
        elapsed_ms=elapsed_ms,
        config=config or CheckConfig(),
    )
