"""Phrases shared by the checks' messages, so that every finding names things the same way."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import orjson

from agent_core.apispec import Operation
from agent_core.models import Location, TestCase, Violation

_MAX_VALUE_CHARS = 60
_LOCATION_NOUNS = {
    Location.PATH: "path parameter",
    Location.QUERY: "query parameter",
    Location.HEADER: "header",
    Location.COOKIE: "cookie",
}
_MISSING = object()


def status_text(status: int) -> str:
    """``500 Internal Server Error``; the bare number for codes without a standard phrase."""
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


def documented_statuses(operation: Operation) -> str:
    return ", ".join(r.status for r in operation.responses) or "none"


def value_text(value: Any) -> str:
    """A short, single-line rendering of a generated value."""
    try:
        text = orjson.dumps(value).decode()
    except TypeError:
        text = repr(value)
    return text if len(text) <= _MAX_VALUE_CHARS else text[: _MAX_VALUE_CHARS - 1] + "…"


def violation_place(violation: Violation) -> str:
    """``query parameter `limit```, ``request body at `/items/0/price```, ``request body``."""
    if violation.location is Location.BODY:
        pointer = violation.instance_pointer
        return f"request body at `{pointer}`" if pointer else "request body"
    noun = _LOCATION_NOUNS[violation.location]
    name = f" `{violation.parameter}`" if violation.parameter else ""
    inner = f" at `{violation.instance_pointer}`" if violation.instance_pointer else ""
    return f"{noun}{name}{inner}"


def violating_value(case: TestCase, violation: Violation) -> Any:
    """The value the case sent where it breaks the contract; ``_MISSING`` when it sent none there."""
    if violation.location is Location.BODY:
        return _at_pointer(case.body, violation.instance_pointer) if case.has_body else _MISSING
    parts = {
        Location.PATH: case.path_params,
        Location.QUERY: case.query,
        Location.HEADER: case.headers,
        Location.COOKIE: case.cookies,
    }[violation.location]
    if violation.parameter is None:
        return _MISSING
    if violation.location is Location.HEADER:
        # Header names are case-insensitive.
        wanted = violation.parameter.lower()
        found = next((v for k, v in parts.items() if k.lower() == wanted), _MISSING)
    else:
        found = parts.get(violation.parameter, _MISSING)
    return found if found is _MISSING else _at_pointer(found, violation.instance_pointer)


def describe_violation(case: TestCase, violation: Violation) -> str:
    """``query parameter `limit` = 101 breaks `maximum` (101, just above the maximum 100)``; ``... is absent, which
    breaks `required``` for a dropped required value. The generator's description explains the constraint."""
    place = violation_place(violation)
    detail = f" ({violation.description})" if violation.description else ""
    value = violating_value(case, violation)
    if value is _MISSING:
        return f"{place} is absent, which breaks `{violation.keyword}`{detail}"
    return f"{place} = {value_text(value)} breaks `{violation.keyword}`{detail}"


def _at_pointer(document: Any, pointer: str) -> Any:
    """Resolve a JSON pointer (RFC 6901) in ``document``; ``_MISSING`` when it does not resolve."""
    if not pointer:
        return document
    current = document
    for raw in pointer.lstrip("/").split("/"):
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(current, dict) and token in current:
            current = current[token]
        elif isinstance(current, list) and token.isdigit() and int(token) < len(current):
            current = current[int(token)]
        else:
            return _MISSING
    return current
