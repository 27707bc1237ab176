from __future__ import annotations

import pytest

from agent_core.apispec import MediaType
from agent_core.checks.media_types import best_match, has_no_body, is_json, matches, parse_media_type


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("application/json", "application/json"),
        ("Application/JSON; charset=UTF-8", "application/json"),
        ("  text/html ;q=1", "text/html"),
        ("application/vnd.api+json", "application/vnd.api+json"),
        ("json", None),
        ("", None),
        ("text/", None),
        ("a/b/c", None),
    ],
)
def test_parse_media_type(value: str, expected: str | None) -> None:
    assert parse_media_type(value) == expected


@pytest.mark.parametrize(
    ("documented", "actual", "expected"),
    [
        ("application/json", "application/json", True),
        ("application/json", "APPLICATION/JSON; charset=utf-8", True),
        ("application/json", "application/problem+json", True),
        ("application/json", "text/json", False),
        ("application/json", "application/xml", False),
        ("application/vnd.api+json", "application/json", False),
        ("*/*", "image/png", True),
        ("image/*", "image/png", True),
        ("image/*", "text/plain", False),
        ("application/*+json", "application/vnd.a+json", True),
        ("application/*+json", "application/json", False),
        ("application/xml", "application/atom+xml", True),
        ("not a type", "application/json", False),
    ],
)
def test_matches(documented: str, actual: str, expected: bool) -> None:
    assert matches(documented, actual) is expected


def test_best_match_prefers_exact_then_family_then_suffix_then_wildcards() -> None:
    content = tuple(MediaType(m) for m in ("*/*", "application/*", "application/*+json", "application/json"))
    assert best_match(content, "application/json; charset=utf-8") == content[3]
    # An explicit family is closer than the suffix leniency, which is closer than a wildcard.
    assert best_match(content, "application/problem+json") == content[2]
    assert best_match((content[0], content[1], content[3]), "application/problem+json") == content[3]
    assert best_match(content, "application/xml") == content[1]
    assert best_match(content, "text/plain") == content[0]
    assert best_match(content[1:], "text/plain") is None
    assert best_match(content, "garbage") is None


def test_is_json_and_bodyless_responses() -> None:
    assert is_json("application/json") and is_json("application/problem+json") and is_json("text/json")
    assert not is_json("application/jsonl") and not is_json("text/plain")
    assert has_no_body("head", 200) and has_no_body("GET", 204) and has_no_body("GET", 304)
    assert not has_no_body("GET", 200) and not has_no_body("POST", 205)
