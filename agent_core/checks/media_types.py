"""Media types as checks compare them: parsing a Content-Type, matching it against documented media types.

Matching ignores parameters (``; charset=utf-8``) and case, accepts documented wildcards (``*/*``, ``text/*``,
``application/*+json``) and a structured-syntax suffix in the response (``application/problem+json`` matches a
documented ``application/json``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from agent_core.apispec import MediaType

# RFC 9110 token characters; "*" is only meaningful on the documented side.
_TCHARS = r"[!#$%&'*+\-.^_`|~0-9a-z]+"
_MEDIA_TYPE = re.compile(rf"^({_TCHARS})/({_TCHARS})$")


def parse_media_type(value: str) -> str | None:
    """``"Application/JSON; charset=utf-8"`` → ``"application/json"``; ``None`` when it is not a media type."""
    essence = value.split(";", 1)[0].strip().lower()
    return essence if _MEDIA_TYPE.match(essence) else None


def is_json(media_type: str) -> bool:
    """``application/json``, ``text/json``, ``application/problem+json``..."""
    subtype = media_type.partition("/")[2]
    return subtype == "json" or subtype.endswith("+json")


def matches(documented: str, actual: str) -> bool:
    """Whether a response of media type ``actual`` conforms to the documented ``documented``."""
    doc = parse_media_type(documented)
    act = parse_media_type(actual)
    if doc is None or act is None:
        return False
    doc_type, doc_sub = doc.split("/")
    act_type, act_sub = act.split("/")
    if doc_type not in ("*", act_type):
        return False
    if doc_sub in ("*", act_sub):
        return True
    act_suffix = act_sub.rpartition("+")[2] if "+" in act_sub else None
    if doc_sub.startswith("*+"):
        return act_suffix == doc_sub[2:]
    return act_suffix is not None and act_suffix == doc_sub


def _rank(documented: str, actual: str) -> int:
    """How closely ``documented`` describes ``actual`` (which it matches): higher is closer."""
    doc = parse_media_type(documented) or "*/*"
    if doc == actual:
        return 5
    doc_type, doc_sub = doc.split("/")
    if doc_sub.startswith("*+"):  # an explicit family: application/*+json
        return 4
    if doc_sub != "*":  # a suffix match: application/problem+json for application/json
        return 3
    return 2 if doc_type != "*" else 1


def best_match(content: Sequence[MediaType], actual: str) -> MediaType | None:
    """The documented media type that ``actual`` conforms to, the closest first (the first among equals)."""
    act = parse_media_type(actual)
    if act is None:
        return None
    candidates = [m for m in content if matches(m.media_type, act)]
    return max(candidates, key=lambda m: _rank(m.media_type, act), default=None)


def has_no_body(method: str, status: int) -> bool:
    """Responses that must not carry a body (RFC 9110: HEAD, 1XX, 204, 304)."""
    return method.upper() == "HEAD" or status in (204, 304) or 100 <= status < 200
