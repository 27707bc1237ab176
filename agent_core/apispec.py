"""The normalised API model on the Python side.

Mirrors ``agent_core/src/model.rs``: the Rust loader builds the model and hands it over as JSON once per spec;
these slotted dataclasses are what agents, the executor and the checks read. Schemas stay in Rust and are named by
``schema`` ids; :class:`ApiSpec` validates and generates through the native handle.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from agent_core.models import status_matches


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    location: str  # path | query | header | cookie
    required: bool
    style: str  # simple | form | label | matrix | spaceDelimited | pipeDelimited | deepObject | tabDelimited
    explode: bool
    pointer: str
    schema: int | None = None
    media_type: str | None = None
    allow_reserved: bool = False
    deprecated: bool = False
    examples: tuple[Any, ...] = ()


@dataclass(frozen=True, slots=True)
class MediaType:
    media_type: str
    schema: int | None = None
    examples: tuple[Any, ...] = ()
    encoding: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RequestBody:
    required: bool
    content: tuple[MediaType, ...]
    pointer: str


@dataclass(frozen=True, slots=True)
class Header:
    name: str
    required: bool
    schema: int | None = None


@dataclass(frozen=True, slots=True)
class Link:
    name: str
    operation_id: str | None
    parameters: dict[str, Any]
    request_body: Any = None


@dataclass(frozen=True, slots=True)
class Response:
    status: str  # "200" | "2XX" | "default"
    content: tuple[MediaType, ...]
    headers: tuple[Header, ...]
    pointer: str
    description: str | None = None
    links: tuple[Link, ...] = ()


@dataclass(frozen=True, slots=True)
class Server:
    url: str
    description: str | None = None
    variables: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SecurityScheme:
    name: str  # the key under securitySchemes / securityDefinitions
    type: str  # apiKey | http | oauth2 | openIdConnect | mutualTLS
    param_name: str | None = None  # apiKey: header/query/cookie name
    location: str | None = None  # apiKey: header | query | cookie
    scheme: str | None = None  # http: basic | bearer | ...
    bearer_format: str | None = None


SecurityRequirement = dict[str, tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class Operation:
    index: int  # position in ApiSpec.operations; the native side addresses operations by it
    operation_id: str
    has_explicit_id: bool
    method: str  # lower case
    path: str
    pointer: str
    parameters: tuple[Parameter, ...]
    request_body: RequestBody | None
    responses: tuple[Response, ...]
    security: tuple[SecurityRequirement, ...] | None  # None: the spec's global requirements apply
    line: int | None = None
    summary: str | None = None
    tags: tuple[str, ...] = ()
    deprecated: bool = False
    servers: tuple[Server, ...] = ()

    @property
    def label(self) -> str:
        """``GET /pets/{id}``: how operations are named to users."""
        return f"{self.method.upper()} {self.path}"

    def response_for(self, status: int) -> Response | None:
        """The documented response that applies to ``status``: exact code, then ``2XX`` range, then ``default``."""
        exact = [r for r in self.responses if r.status == str(status)]
        if exact:
            return exact[0]
        ranged = [r for r in self.responses if r.status not in ("default",) and status_matches(r.status, status)]
        if ranged:
            return ranged[0]
        defaults = [r for r in self.responses if r.status == "default"]
        return defaults[0] if defaults else None


@dataclass(frozen=True, slots=True)
class SpecWarning:
    code: str
    message: str
    pointer: str


@dataclass(frozen=True, slots=True)
class SchemaViolation:
    """One way an instance breaks a schema. ``keyword`` is the JSON Schema keyword (``maximum``, ``required``...)."""

    keyword: str
    instance_pointer: str
    schema_pointer: str
    message: str


class SchemaValidator(Protocol):
    """What checks need from a spec to judge bodies and headers."""

    def validate(self, schema: int, instance: Any, *, direction: str = "response") -> list[SchemaViolation]: ...

    def validate_json(self, schema: int, body: bytes, *, direction: str = "response") -> list[SchemaViolation]:
        """Validate a raw JSON body; invalid JSON yields one violation with keyword ``json``."""
        ...
