"""TestCase → PreparedRequest: the exact bytes a case sends.

Parameters follow the OpenAPI 3 ``style``/``explode`` rules (RFC 6570 expansions, with the OAS 3.0.4/3.1.1 corrections
of the style table); values are percent-encoded per RFC 3986, so a path value never adds a segment and a query value
never adds a parameter. Bodies are encoded by media type. The same case always produces identical bytes (multipart
boundaries derive from the case id), which keeps results and curl reproductions stable across runs.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote
from xml.sax.saxutils import escape as xml_escape

import orjson

from actors.identities import AuthParts
from actors.transport import PreparedRequest
from agent_core import __version__
from agent_core.apispec import MediaType, Operation, Parameter
from agent_core.errors import TargetError
from agent_core.models import TestCase

__all__ = ["SERIALIZATION_CODE", "USER_AGENT", "RequestSerializationError", "build_request", "join_url"]

SERIALIZATION_CODE = "TARGET_SERIALIZATION"
USER_AGENT = f"sentinel/{__version__}"
# allowReserved keeps RFC 3986 reserved characters literal, except those that would restructure the query.
_RESERVED = ":/?@!$'()*+,;[]"
_DELIMITED = {"spaceDelimited": "%20", "pipeDelimited": "%7C", "tabDelimited": "%09"}
_PATH_OPERATORS = {"simple": ("", ","), "label": (".", "."), "matrix": (";", ";")}  # style -> (first, separator)
_DEFAULT_STYLE = {"path": "simple", "query": "form", "header": "simple", "cookie": "form"}
_TEMPLATE = re.compile(r"\{([^{}]+)\}")
_XML_NAME = re.compile(r"[^A-Za-z0-9_.-]")
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_HEADER_INVALID = re.compile("[\x00\r\n\ud800-\udfff]")  # line breaks would inject headers


class RequestSerializationError(TargetError):
    """A case's values cannot be put into a request; recorded as ``ErrorKind.SERIALIZATION``."""

    code = SERIALIZATION_CODE


def build_request(case: TestCase, operation: Operation, base_url: str, extra: AuthParts | None) -> PreparedRequest:
    try:
        return _build(case, operation, base_url, extra or AuthParts())
    except RequestSerializationError:
        raise
    except (orjson.JSONEncodeError, ValueError, RecursionError) as exc:  # ValueError covers unencodable text
        raise RequestSerializationError(f"case {case.case_id}: cannot serialise the request: {exc}") from exc


def join_url(base_url: str, path: str) -> str:
    """``http://h/api/v1`` + ``/pets`` → ``http://h/api/v1/pets``: a path prefix in the base URL is kept."""
    if not path:
        return base_url
    return base_url.rstrip("/") + (path if path.startswith("/") else "/" + path)


def _build(case: TestCase, operation: Operation, base_url: str, extra: AuthParts) -> PreparedRequest:
    declared = {(p.location, p.name): p for p in operation.parameters}

    def param(location: str, name: str) -> Parameter:
        found = declared.get((location, name))
        if found is not None:
            return found
        # Undeclared (e.g. a negative case adding a parameter): the location's default style.
        style = _DEFAULT_STYLE[location]
        return Parameter(name=name, location=location, required=False, style=style, explode=style == "form", pointer="")

    path = _expand_path(case.path or operation.path, case.path_params, lambda n: param("path", n))
    query = [pair for name, value in case.query.items() for pair in _query(param("query", name), value)]
    query.extend(f"{_enc(name)}={_enc(value)}" for name, value in extra.query if name not in case.query)
    url = join_url(base_url, path)
    if query:
        url += ("&" if "?" in url else "?") + "&".join(query)

    headers: list[tuple[str, str]] = [
        (name, _header(param("header", name), value)) for name, value in case.headers.items()
    ]
    present = {name.lower() for name, _ in headers}
    body: bytes | None = None
    if case.has_body:
        media_type = case.media_type or _documented_media_type(operation)
        body, content_type = _body(case, operation, media_type)
        if "content-type" not in present:
            headers.append(("Content-Type", content_type))
    if "user-agent" not in present:
        headers.append(("User-Agent", USER_AGENT))
    headers.extend((name, value) for name, value in extra.headers if name.lower() not in present)

    cookies = [pair for name, value in case.cookies.items() for pair in _cookie(param("cookie", name), value)]
    cookies.extend(f"{name}={_enc(value)}" for name, value in extra.cookies if name not in case.cookies)
    if cookies:
        existing = next((i for i, (name, _) in enumerate(headers) if name.lower() == "cookie"), None)
        if existing is None:
            headers.append(("Cookie", "; ".join(cookies)))
        else:
            headers[existing] = (headers[existing][0], "; ".join([headers[existing][1], *cookies]))
    for name, value in headers:
        if _HEADER_INVALID.search(name) or _HEADER_INVALID.search(value):
            raise RequestSerializationError(
                f"case {case.case_id}: header {name!r} contains CR, LF, NUL or unencodable text"
            )
    return PreparedRequest(case.method.upper(), url, tuple(headers), body)


# -- values -------------------------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    """A primitive as text: booleans ``true``/``false``, null empty; containers nested in a style value as JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="surrogateescape")
    return _json(value).decode("utf-8")


def _json(value: Any) -> bytes:
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError as exc:
        if "Integer exceeds" not in str(exc):
            raise
    # Boundary values may exceed 64 bits; the standard library has no such limit.
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except TypeError as exc:
        raise RequestSerializationError(f"not JSON-serialisable: {exc}") from exc


def _enc(value: Any, safe: str = "") -> str:
    return quote(_text(value), safe=safe, errors="surrogateescape")


def _is_json(media_type: str) -> bool:
    return media_type == "application/json" or media_type.endswith("+json")


def _content_value(param: Parameter, value: Any) -> str:
    """A content-based parameter (``content: {media type: ...}``) as text before location encoding."""
    essence = (param.media_type or "").split(";", 1)[0].strip().lower()
    if isinstance(value, bytes | str) and not _is_json(essence):
        return _text(value)
    return _json(value).decode("utf-8")


def _entries(value: Any) -> list[tuple[str, Any]] | list[Any] | None:
    if isinstance(value, dict):
        return list(value.items())
    if isinstance(value, list | tuple):
        return list(value)
    return None


# -- path ---------------------------------------------------------------------------------------------------------


def _expand_path(template: str, values: dict[str, Any], param: Callable[[str], Parameter]) -> str:
    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise RequestSerializationError(f"path parameter {name!r} has no value")
        return _path_value(param(name), values[name])

    segments = []
    for segment in template.split("/"):
        expanded = _TEMPLATE.sub(substitute, segment)
        if expanded in (".", "..") and expanded != segment:
            expanded = expanded.replace(".", "%2E")  # a value must not become a dot-segment the client would resolve
        segments.append(expanded)
    return "/".join(segments)


def _path_value(param: Parameter, value: Any) -> str:
    if param.media_type:
        return _enc(_content_value(param, value))
    first, separator = _PATH_OPERATORS.get(param.style, ("", ","))
    named = param.style == "matrix"  # only matrix repeats the parameter name (RFC 6570 `;` operator)
    prefix = f"{first}{_enc(param.name)}" if named else first
    assign = "=" if named else ""
    entries = _entries(value)
    if value is None or value == "" or entries == []:
        return prefix
    if entries is None:
        return f"{prefix}{assign}{_enc(value)}"
    if not param.explode:
        return f"{prefix}{assign}" + ",".join(_flatten(value, False, "="))
    if named and not isinstance(value, dict):
        return first + separator.join(f"{_enc(param.name)}={_enc(item)}" for item in value)
    return first + separator.join(_flatten(value, True, "="))


def _flatten(value: Any, explode: bool, assign: str, safe: str = "") -> list[str]:
    """Array items, or object members as ``k=v`` (exploded) or ``k, v`` (not exploded), each percent-encoded."""
    if isinstance(value, dict):
        if explode:
            return [f"{_enc(k, safe)}{assign}{_enc(v, safe)}" for k, v in value.items()]
        return [part for k, v in value.items() for part in (_enc(k, safe), _enc(v, safe))]
    return [_enc(item, safe) for item in value]


# -- query, header, cookie ----------------------------------------------------------------------------------------


def _query(param: Parameter, value: Any) -> list[str]:
    safe = _RESERVED if param.allow_reserved else ""
    name = _enc(param.name)
    entries = _entries(value)
    if param.media_type or not entries:
        text = _content_value(param, value) if param.media_type else value if entries is None else ""
        return [f"{name}={_enc(text, safe)}"]
    if param.style == "deepObject" and isinstance(value, dict):
        return _deep_object(param.name, value, safe)
    if param.explode:
        return (
            _flatten(value, True, "=", safe) if isinstance(value, dict) else [f"{name}={_enc(i, safe)}" for i in value]
        )
    separator = _DELIMITED.get(param.style, ",")
    return [f"{name}=" + separator.join(_flatten(value, False, "=", safe))]


def _deep_object(prefix: str, value: dict[Any, Any], safe: str) -> list[str]:
    pairs: list[str] = []
    for key, member in value.items():
        name = f"{prefix}[{_text(key)}]"
        if isinstance(member, dict):
            pairs.extend(_deep_object(name, member, safe))
        elif isinstance(member, list | tuple):
            pairs.extend(f"{_enc(name, safe)}={_enc(item, safe)}" for item in member)
        else:
            pairs.append(f"{_enc(name, safe)}={_enc(member, safe)}")
    return pairs


def _header(param: Parameter, value: Any) -> str:
    if param.media_type:
        return _content_value(param, value)
    if isinstance(value, dict):
        if param.explode:
            return ",".join(f"{_text(k)}={_text(v)}" for k, v in value.items())
        return ",".join(part for k, v in value.items() for part in (_text(k), _text(v)))
    if isinstance(value, list | tuple):
        return ",".join(_text(item) for item in value)
    return _text(value)


def _cookie(param: Parameter, value: Any) -> list[str]:
    if param.media_type:
        return [f"{param.name}={_enc(_content_value(param, value))}"]
    entries = _entries(value)
    if entries is None or not entries:
        return [f"{param.name}={_enc(value) if entries is None else ''}"]
    if param.explode and isinstance(value, dict):
        return _flatten(value, True, "=")
    if param.explode:
        return [f"{param.name}={_enc(item)}" for item in value]
    return [f"{param.name}=" + ",".join(_flatten(value, False, "="))]


# -- bodies -------------------------------------------------------------------------------------------------------


def _documented_media_type(operation: Operation) -> str:
    if operation.request_body is not None and operation.request_body.content:
        return operation.request_body.content[0].media_type
    return "application/json"


def _encoding(operation: Operation, essence: str) -> dict[str, str]:
    if operation.request_body is None:
        return {}
    found: MediaType | None = next((m for m in operation.request_body.content if m.media_type == essence), None)
    return dict(found.encoding) if found is not None else {}


def _body(case: TestCase, operation: Operation, media_type: str) -> tuple[bytes, str]:
    """The encoded body and its Content-Type. A ``bytes`` body is sent as is: it is a deliberately raw payload."""
    essence = media_type.split(";", 1)[0].strip().lower()
    value = case.body
    if isinstance(value, bytes):
        return value, media_type
    if essence == "multipart/form-data":
        return _multipart(case.case_id, value, _encoding(operation, essence), media_type)
    if essence == "application/x-www-form-urlencoded":
        body = _urlencoded(value, _encoding(operation, essence))
    elif essence in ("application/xml", "text/xml") or essence.endswith("+xml"):
        body = _xml(value)
    elif essence.startswith("text/") or essence == "application/octet-stream":
        body = _text(value).encode("utf-8")
    else:
        body = _json(value)  # JSON, +json, and anything unknown
    return body, media_type


def _urlencoded(value: Any, encoding: dict[str, str]) -> bytes:
    if isinstance(value, str):
        return value.encode("utf-8")  # an already encoded form string
    if not isinstance(value, dict):
        raise RequestSerializationError(f"a form body must be an object, not {type(value).__name__}")
    pairs: list[str] = []
    for name, member in value.items():
        as_json = _is_json(encoding.get(name, "").split(";", 1)[0].strip().lower())
        if isinstance(member, list | tuple) and not as_json:
            pairs.extend(f"{_enc(name)}={_enc(item)}" for item in member)
        else:
            pairs.append(f"{_enc(name)}={_enc(_json(member).decode() if as_json else member)}")
    return "&".join(pairs).encode("ascii")


def _multipart(case_id: str, value: Any, encoding: dict[str, str], media_type: str) -> tuple[bytes, str]:
    if not isinstance(value, dict):
        raise RequestSerializationError(f"a multipart body must be an object, not {type(value).__name__}")
    parts: list[tuple[str, bytes]] = []  # (part headers, content)
    for name, member in value.items():
        content_type = encoding.get(name)
        # Arrays become one part per item, unless the encoding asks for the whole array as one JSON document.
        whole = not isinstance(member, list | tuple) or _is_json((content_type or "").split(";", 1)[0].strip().lower())
        parts.extend(_part(str(name), item, content_type) for item in ([member] if whole else member))
    seed = case_id
    while True:
        # From the case id, so a case always produces identical bytes; re-derived in the unlikely event of a clash.
        boundary = "sentinel-" + hashlib.sha256(seed.encode()).hexdigest()[:32]
        marker = boundary.encode()
        if not any(marker in content for _, content in parts):
            break
        seed += "#"
    chunks = [b"--" + marker + b"\r\n" + head.encode() + b"\r\n" + content + b"\r\n" for head, content in parts]
    return b"".join(chunks) + b"--" + marker + b"--\r\n", f"{media_type}; boundary={boundary}"


def _part(name: str, value: Any, content_type: str | None) -> tuple[str, bytes]:
    quoted = name.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")
    disposition = f'Content-Disposition: form-data; name="{quoted}"'
    essence = (content_type or "").split(";", 1)[0].strip().lower()
    binary = isinstance(value, bytes) or bool(essence and not essence.startswith("text/") and not _is_json(essence))
    if binary:
        data = value if isinstance(value, bytes) else _text(value).encode("utf-8")
        kind = content_type or "application/octet-stream"
        return f'{disposition}; filename="{quoted}"\r\nContent-Type: {kind}\r\n', data
    if _is_json(essence) or isinstance(value, dict | list | tuple):
        return f"{disposition}\r\nContent-Type: {content_type or 'application/json'}\r\n", _json(value)
    header = f"{disposition}\r\nContent-Type: {content_type}\r\n" if content_type else f"{disposition}\r\n"
    return header, _text(value).encode("utf-8")


def _xml(value: Any) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?>' + _element("root", value)).encode("utf-8")


def _element(tag: str, value: Any) -> str:
    tag = _XML_NAME.sub("_", tag) or "_"
    if not (tag[0].isalpha() or tag[0] == "_"):
        tag = "_" + tag
    if value is None:
        return f"<{tag}/>"
    if isinstance(value, dict):
        children: list[str] = []
        for key, member in value.items():
            # Arrays inside objects repeat the member's element, the common unwrapped XML convention.
            items = member if isinstance(member, list | tuple) else [member]
            children.extend(_element(str(key), item) for item in items)
        return f"<{tag}>{''.join(children)}</{tag}>"
    if isinstance(value, list | tuple):
        return f"<{tag}>{''.join(_element('item', item) for item in value)}</{tag}>"
    text = _text(value)
    if _XML_INVALID.search(text):
        raise RequestSerializationError("a value contains characters XML 1.0 cannot carry")
    return f"<{tag}>{xml_escape(text)}</{tag}>"
