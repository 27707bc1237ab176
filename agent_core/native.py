"""Typed wrappers over the Rust extension: the loaded spec and its native handle.

The model crosses from Rust once per spec as JSON and becomes the dataclasses of :mod:`agent_core.apispec`; schemas
stay native and are addressed by id for validation and generation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from agent_core import _native
from agent_core.apispec import (
    Header,
    Link,
    MediaType,
    Operation,
    Parameter,
    RequestBody,
    Response,
    SchemaViolation,
    SecurityRequirement,
    SecurityScheme,
    Server,
    SpecWarning,
)


def error_codes() -> list[tuple[str, str, str]]:
    """``(code, severity, meaning)`` for every stable spec error and warning code."""
    return _native.error_codes()


class ApiSpec:
    """A loaded spec: the normalised model plus the native handle that validates and generates."""

    __slots__ = (
        "_by_id",
        "_native",
        "_restore",
        "api_version",
        "dialect",
        "operations",
        "security",
        "security_schemes",
        "servers",
        "source",
        "spec_id",
        "title",
        "version",
        "warnings",
    )

    def __init__(
        self,
        native: _native.NativeSpec,
        spec_id: str,
        restore: tuple[Callable[..., ApiSpec], tuple[Any, ...]] | None = None,
    ) -> None:
        self._native = native
        self.spec_id = spec_id
        self._restore = restore
        model = orjson.loads(native.model_json())
        self.source: str = model["source"]
        self.version: str = model["version"]
        self.dialect: str = model["dialect"]
        self.title: str = model["title"]
        self.api_version: str = model["api_version"]
        self.servers = tuple(_server(s) for s in model["servers"])
        self.security_schemes = {name: _scheme(name, s) for name, s in model["security_schemes"].items()}
        self.security = tuple(_requirement(r) for r in model["security"])
        self.operations = tuple(_operation(i, op) for i, op in enumerate(model["operations"]))
        self.warnings = tuple(SpecWarning(w["code"], w["message"], w["pointer"]) for w in model["warnings"])
        self._by_id = {op.operation_id: op for op in self.operations}

    def __reduce__(self) -> tuple[Callable[..., ApiSpec], tuple[Any, ...]]:
        """Pickled as the bytes it was loaded from (see :class:`agent_core.loading.SpecBundle`): the native handle
        cannot cross processes, so another process (a Ray worker) loads the same bytes again."""
        if self._restore is None:
            raise TypeError(f"spec {self.title!r} was not loaded from a bundle and cannot be pickled")
        return self._restore

    @property
    def native(self) -> _native.NativeSpec:
        return self._native

    def operation(self, operation_id: str) -> Operation:
        return self._by_id[operation_id]

    def effective_security(self, operation: Operation) -> tuple[SecurityRequirement, ...]:
        """The requirements that apply to ``operation`` (its own, else the global ones)."""
        return operation.security if operation.security is not None else self.security

    def line_of(self, pointer: str) -> int | None:
        return self._native.line_of(pointer)

    def schema(self, schema_id: int) -> Any:
        """The stored schema (``$ref``s are numbers: ids of other stored schemas)."""
        return orjson.loads(self._native.schema_json(schema_id))

    def generate(self, operation: Operation, kind: str, seed: int, max_cases: int) -> list[dict[str, Any]]:
        """Raw generated cases for one operation (``kind`` is ``positive`` or ``negative``)."""
        cases: list[dict[str, Any]] = orjson.loads(self._native.generate_cases(operation.index, kind, seed, max_cases))
        return cases

    def validate(self, schema: int, instance: Any, *, direction: str = "response") -> list[SchemaViolation]:
        return self.validate_json(schema, orjson.dumps(instance), direction=direction)

    def validate_json(self, schema: int, body: bytes, *, direction: str = "response") -> list[SchemaViolation]:
        return [SchemaViolation(*v) for v in self._native.validate(schema, body, direction)]


def _server(raw: dict[str, Any]) -> Server:
    return Server(url=raw["url"], description=raw.get("description"), variables=raw.get("variables", {}))


def _scheme(name: str, raw: dict[str, Any]) -> SecurityScheme:
    return SecurityScheme(
        name=name,
        type=raw["type"],
        param_name=raw.get("name"),
        location=raw.get("in"),
        scheme=raw.get("scheme"),
        bearer_format=raw.get("bearer_format"),
    )


def _requirement(raw: dict[str, list[str]]) -> SecurityRequirement:
    return {name: tuple(scopes) for name, scopes in raw.items()}


def _media(raw: dict[str, Any]) -> MediaType:
    return MediaType(
        media_type=raw["media_type"],
        schema=raw.get("schema"),
        examples=tuple(raw.get("examples", ())),
        encoding=raw.get("encoding", {}),
    )


def _parameter(raw: dict[str, Any]) -> Parameter:
    return Parameter(
        name=raw["name"],
        location=raw["in"],
        required=raw["required"],
        style=raw["style"],
        explode=raw["explode"],
        pointer=raw["pointer"],
        schema=raw.get("schema"),
        media_type=raw.get("media_type"),
        allow_reserved=raw.get("allow_reserved", False),
        deprecated=raw.get("deprecated", False),
        examples=tuple(raw.get("examples", ())),
    )


def _response(raw: dict[str, Any]) -> Response:
    return Response(
        status=raw["status"],
        content=tuple(_media(m) for m in raw["content"]),
        headers=tuple(Header(h["name"], h["required"], h.get("schema")) for h in raw["headers"]),
        pointer=raw["pointer"],
        description=raw.get("description"),
        links=tuple(
            Link(link["name"], link.get("operation_id"), link.get("parameters", {}), link.get("request_body"))
            for link in raw.get("links", ())
        ),
    )


def _operation(index: int, raw: dict[str, Any]) -> Operation:
    body = raw.get("request_body")
    security = raw.get("security")
    return Operation(
        index=index,
        operation_id=raw["operation_id"],
        has_explicit_id=raw["has_explicit_id"],
        method=raw["method"],
        path=raw["path"],
        pointer=raw["pointer"],
        parameters=tuple(_parameter(p) for p in raw["parameters"]),
        request_body=(
            RequestBody(body["required"], tuple(_media(m) for m in body["content"]), body["pointer"]) if body else None
        ),
        responses=tuple(_response(r) for r in raw["responses"]),
        security=tuple(_requirement(r) for r in security) if security is not None else None,
        line=raw.get("line"),
        summary=raw.get("summary"),
        tags=tuple(raw.get("tags", ())),
        deprecated=raw.get("deprecated", False),
        servers=tuple(_server(s) for s in raw.get("servers", ())),
    )
