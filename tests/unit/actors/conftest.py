"""Factories for executor-side tests: cases, operations and parameters in one call."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import pytest

from agent_core.apispec import MediaType, Operation, Parameter, RequestBody, SecurityRequirement
from agent_core.models import Expectation, TestCase, TestKind

CaseFactory = Callable[..., TestCase]
OperationFactory = Callable[..., Operation]
ParamFactory = Callable[..., Parameter]


@pytest.fixture
def make_case() -> CaseFactory:
    def build(**overrides: Any) -> TestCase:
        fields: dict[str, Any] = {
            "case_id": "case-1",
            "job_id": "job-1",
            "operation_id": "op",
            "method": "get",
            "path": "/things",
            "kind": TestKind.FUNCTIONAL,
            "agent": "test",
            "expectation": Expectation(statuses=("2XX",)),
        }
        fields.update(overrides)
        return TestCase(**fields)

    return build


@pytest.fixture
def make_param() -> ParamFactory:
    def build(name: str, location: str, style: str | None = None, explode: bool | None = None, **kw: Any) -> Parameter:
        style = style or {"path": "simple", "header": "simple"}.get(location, "form")
        return Parameter(
            name=name,
            location=location,
            required=location == "path",
            style=style,
            explode=(style == "form") if explode is None else explode,
            pointer=f"#/parameters/{name}",
            **kw,
        )

    return build


@pytest.fixture
def make_operation() -> OperationFactory:
    def build(
        path: str = "/things",
        method: str = "get",
        parameters: tuple[Parameter, ...] = (),
        body_types: tuple[str, ...] = (),
        encoding: dict[str, str] | None = None,
        security: tuple[SecurityRequirement, ...] | None = None,
    ) -> Operation:
        body = None
        if body_types:
            content = tuple(MediaType(media_type=m, encoding=dict(encoding or {})) for m in body_types)
            body = RequestBody(required=True, content=content, pointer="#/requestBody")
        return Operation(
            index=0,
            operation_id="op",
            has_explicit_id=True,
            method=method,
            path=path,
            pointer=f"#/paths/{path}/{method}",
            parameters=parameters,
            request_body=body,
            responses=(),
            security=security,
        )

    return build


@pytest.fixture
def unused_port() -> int:
    """A local port with nothing listening (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port
