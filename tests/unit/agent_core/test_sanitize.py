"""The sanitizer: credentials never reach a stored request, response, log line or report."""

from __future__ import annotations

import base64

import pytest

from agent_core.models import HttpRequest, HttpResponse
from agent_core.sanitize import MASK, Sanitizer, is_sensitive_name

SECRET = "s3cr3t-T0ken/with+chars"


@pytest.mark.parametrize(
    "name",
    ["Authorization", "proxy-authorization", "Cookie", "Set-Cookie", "X-API-Key", "X-Auth-Token", "x-apikey",
     "X-Client-Secret", "api_key", "access_token", "Password", "X-Db-Passwd"],
)  # fmt: skip
def test_sensitive_names(name: str) -> None:
    assert is_sensitive_name(name)


@pytest.mark.parametrize("name", ["Content-Type", "Accept", "X-Request-Id", "page", "author", "keyword"])
def test_ordinary_names_are_left_alone(name: str) -> None:
    assert not is_sensitive_name(name)


def test_sensitive_header_values_are_masked_keeping_the_scheme() -> None:
    sanitizer = Sanitizer()
    headers = sanitizer.headers(
        [
            ("Authorization", "Bearer abc.def.ghi"),
            ("X-Api-Key", "k-123456"),
            ("X-Refresh-Token", "rt-99999"),
            ("Content-Type", "application/json"),
        ]
    )
    assert headers == {
        "Authorization": f"Bearer {MASK}",
        "X-Api-Key": MASK,
        "X-Refresh-Token": MASK,
        "Content-Type": "application/json",
    }


def test_cookie_names_and_set_cookie_attributes_stay_readable() -> None:
    sanitizer = Sanitizer()
    assert sanitizer.header("Cookie", "session=abc123; theme=dark") == f"session={MASK}; theme={MASK}"
    assert (
        sanitizer.header("Set-Cookie", "sid=xyz789; Path=/; HttpOnly; Secure")
        == f"sid={MASK}; Path=/; HttpOnly; Secure"
    )


def test_repeated_headers_are_joined_and_each_masked() -> None:
    headers = Sanitizer().headers([("Set-Cookie", "a=1; Path=/"), ("set-cookie", "b=2"), ("Vary", "A"), ("vary", "B")])
    assert headers == {"Set-Cookie": f"a={MASK}; Path=/, b={MASK}", "Vary": "A, B"}


def test_sensitive_query_parameters_and_userinfo_are_masked_in_urls() -> None:
    url = "https://bob:hunter22@api.test/v1/items?page=2&api_key=abc123&Access_Token=zz&q=token#frag"
    assert Sanitizer().url(url) == (
        f"https://bob:{MASK}@api.test/v1/items?page=2&api_key={MASK}&Access_Token={MASK}&q=token#frag"
    )


def test_known_secret_values_are_masked_everywhere_including_encoded_forms() -> None:
    sanitizer = Sanitizer([SECRET])
    encoded = "s3cr3t-T0ken%2Fwith%2Bchars"
    assert SECRET not in sanitizer.url(f"http://h/echo/{encoded}?x={encoded}")
    assert encoded not in sanitizer.url(f"http://h/echo/{encoded}?x={encoded}")
    assert sanitizer.header("X-Debug", f"got {SECRET}") == f"got {MASK}"
    assert sanitizer.text(f'{{"echo": "{SECRET}", "other": 1}}') == f'{{"echo": "{MASK}", "other": 1}}'


def test_a_secret_containing_another_is_masked_whole() -> None:
    sanitizer = Sanitizer(["abcd", "abcdefgh"])
    assert sanitizer.text("xx abcdefgh yy") == f"xx {MASK} yy"


def test_very_short_secrets_do_not_shred_the_evidence() -> None:
    assert Sanitizer(["ab"]).text("about a tab") == "about a tab"


def test_binary_bodies_are_masked_before_base64() -> None:
    text, encoding = Sanitizer([SECRET]).body(b"\xff\xfe" + SECRET.encode() + b"\x00")
    assert encoding == "base64" and text is not None
    assert base64.b64decode(text) == b"\xff\xfe" + MASK.encode() + b"\x00"
    assert Sanitizer([SECRET]).body(None) == (None, "utf-8")


def test_excerpt_masks_a_secret_straddling_the_cut() -> None:
    sanitizer = Sanitizer([SECRET])
    data = b"x" * 10 + SECRET.encode() + b"y" * 100
    text, cut = sanitizer.excerpt(data, 14)  # the cut falls inside the secret
    assert cut
    assert len(text.encode()) <= 14
    assert SECRET[:4] not in text
    assert sanitizer.excerpt(b"short", 100) == ("short", False)


def test_model_helpers_mask_requests_and_responses() -> None:
    sanitizer = Sanitizer([SECRET])
    request = sanitizer.request(
        HttpRequest(
            method="POST",
            url=f"http://h/x?token={SECRET}",
            headers={"Authorization": f"Basic {SECRET}"},
            body=f"password={SECRET}",
        )
    )
    response = sanitizer.response(HttpResponse(status=200, headers={"X-Echo": SECRET}, body=f"hello {SECRET}"))
    dumped = request.model_dump_json() + response.model_dump_json()
    assert SECRET not in dumped
    assert request.headers["Authorization"] == f"Basic {MASK}"


def test_repr_does_not_show_secrets() -> None:
    assert SECRET not in repr(Sanitizer([SECRET]))
    assert SECRET not in repr(Sanitizer().extended([SECRET]))
    assert Sanitizer().extended([SECRET]).text(SECRET) == MASK
