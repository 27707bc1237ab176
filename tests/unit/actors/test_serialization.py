"""build_request: the bytes a case puts on the wire, checked against the OpenAPI 3 style table and RFC 3986."""

from __future__ import annotations

import email.parser
import email.policy
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

import orjson
import pytest

from actors.identities import AuthParts
from actors.serialization import USER_AGENT, RequestSerializationError, build_request
from actors.transport import PreparedRequest
from agent_core.apispec import Operation, Parameter
from agent_core.models import TestCase

BASE = "http://target.test"
PRIMITIVE = "blue"
ARRAY = ["blue", "black", "brown"]
OBJECT = {"R": 100, "G": 200, "B": 150}

CaseFactory = Callable[..., TestCase]
OperationFactory = Callable[..., Operation]
ParamFactory = Callable[..., Parameter]


def header(request: PreparedRequest, name: str) -> str | None:
    values = [v for k, v in request.headers if k.lower() == name.lower()]
    assert len(values) <= 1, f"{name} sent {len(values)} times"
    return values[0] if values else None


def query_string(request: PreparedRequest) -> str:
    return request.url.split("?", 1)[1] if "?" in request.url else ""


# -- path styles: the OpenAPI style table with its `color` examples --------------------------------------------------

PATH_TABLE = [
    ("simple", False, "", PRIMITIVE, "blue"),
    ("simple", False, "", ARRAY, "blue,black,brown"),
    ("simple", False, "", OBJECT, "R,100,G,200,B,150"),
    ("simple", True, "", PRIMITIVE, "blue"),
    ("simple", True, "", ARRAY, "blue,black,brown"),
    ("simple", True, "", OBJECT, "R=100,G=200,B=150"),
    # An empty label is "." (the table's value), encoded because alone in a segment it is a dot-segment.
    ("label", False, "%2E", PRIMITIVE, ".blue"),
    ("label", False, "%2E", ARRAY, ".blue,black,brown"),
    ("label", False, "%2E", OBJECT, ".R,100,G,200,B,150"),
    ("label", True, "%2E", PRIMITIVE, ".blue"),
    ("label", True, "%2E", ARRAY, ".blue.black.brown"),
    ("label", True, "%2E", OBJECT, ".R=100.G=200.B=150"),
    ("matrix", False, ";color", PRIMITIVE, ";color=blue"),
    ("matrix", False, ";color", ARRAY, ";color=blue,black,brown"),
    ("matrix", False, ";color", OBJECT, ";color=R,100,G,200,B,150"),
    ("matrix", True, ";color", PRIMITIVE, ";color=blue"),
    ("matrix", True, ";color", ARRAY, ";color=blue;color=black;color=brown"),
    ("matrix", True, ";color", OBJECT, ";R=100;G=200;B=150"),
]


@pytest.mark.parametrize(("style", "explode", "empty", "value", "expected"), PATH_TABLE)
def test_path_styles_follow_the_openapi_style_table(
    make_case: CaseFactory,
    make_operation: OperationFactory,
    make_param: ParamFactory,
    style: str,
    explode: bool,
    empty: str,
    value: Any,
    expected: str,
) -> None:
    op = make_operation(path="/colors/{color}", parameters=(make_param("color", "path", style, explode),))
    request = build_request(make_case(path="/colors/{color}", path_params={"color": value}), op, BASE, None)
    assert request.url == f"{BASE}/colors/{expected}"
    empty_request = build_request(make_case(path="/colors/{color}", path_params={"color": None}), op, BASE, None)
    assert empty_request.url == f"{BASE}/colors/{empty}"


def test_a_path_value_containing_a_slash_stays_one_segment(
    make_case: CaseFactory, make_operation: OperationFactory, make_param: ParamFactory
) -> None:
    op = make_operation(path="/files/{name}/meta", parameters=(make_param("name", "path"),))
    request = build_request(make_case(path=op.path, path_params={"name": "a/b c?#é"}), op, BASE, None)
    assert request.url == f"{BASE}/files/a%2Fb%20c%3F%23%C3%A9/meta"
    assert len(request.url.removeprefix(BASE).split("/")) == 4


def test_dot_segments_from_values_are_encoded_so_they_are_not_resolved(
    make_case: CaseFactory, make_operation: OperationFactory, make_param: ParamFactory
) -> None:
    op = make_operation(path="/files/{name}", parameters=(make_param("name", "path"),))
    request = build_request(make_case(path=op.path, path_params={"name": ".."}), op, BASE, None)
    assert request.url == f"{BASE}/files/%2E%2E"


def test_several_templates_in_one_segment(
    make_case: CaseFactory, make_operation: OperationFactory, make_param: ParamFactory
) -> None:
    op = make_operation(path="/files/{stem}.{ext}", parameters=(make_param("stem", "path"), make_param("ext", "path")))
    request = build_request(make_case(path=op.path, path_params={"stem": "re port", "ext": "pdf"}), op, BASE, None)
    assert request.url == f"{BASE}/files/re%20port.pdf"


def test_a_missing_path_value_is_a_serialisation_error(
    make_case: CaseFactory, make_operation: OperationFactory
) -> None:
    op = make_operation(path="/things/{id}")
    with pytest.raises(RequestSerializationError, match="'id'"):
        build_request(make_case(path=op.path), op, BASE, None)


@pytest.mark.parametrize(
    ("base", "path", "expected"),
    [
        ("http://h/api/v1", "/pets/{id}", "http://h/api/v1/pets/7"),
        ("http://h/api/v1/", "/pets/{id}", "http://h/api/v1/pets/7"),
        ("http://h", "/pets/{id}", "http://h/pets/7"),
        ("http://h:8080/", "pets/{id}", "http://h:8080/pets/7"),
    ],
)
def test_base_url_path_prefix_is_kept(
    make_case: CaseFactory, make_operation: OperationFactory, base: str, path: str, expected: str
) -> None:
    op = make_operation(path=path)
    assert build_request(make_case(path=path, path_params={"id": 7}), op, base, None).url == expected


# -- query styles -----------------------------------------------------------------------------------------------------

QUERY_TABLE = [
    ("form", False, PRIMITIVE, "color=blue"),
    ("form", False, ARRAY, "color=blue,black,brown"),
    ("form", False, OBJECT, "color=R,100,G,200,B,150"),
    ("form", True, PRIMITIVE, "color=blue"),
    ("form", True, ARRAY, "color=blue&color=black&color=brown"),
    ("form", True, OBJECT, "R=100&G=200&B=150"),
    ("spaceDelimited", False, ARRAY, "color=blue%20black%20brown"),
    ("spaceDelimited", False, OBJECT, "color=R%20100%20G%20200%20B%20150"),
    ("spaceDelimited", True, ARRAY, "color=blue&color=black&color=brown"),
    ("pipeDelimited", False, ARRAY, "color=blue%7Cblack%7Cbrown"),
    ("pipeDelimited", False, OBJECT, "color=R%7C100%7CG%7C200%7CB%7C150"),
    ("pipeDelimited", True, ARRAY, "color=blue&color=black&color=brown"),
    ("tabDelimited", False, ARRAY, "color=blue%09black%09brown"),
    ("deepObject", True, OBJECT, "color%5BR%5D=100&color%5BG%5D=200&color%5BB%5D=150"),
]


@pytest.mark.parametrize(("style", "explode", "value", "expected"), QUERY_TABLE)
def test_query_styles_follow_the_openapi_style_table(
    make_case: CaseFactory,
    make_operation: OperationFactory,
    make_param: ParamFactory,
    style: str,
    explode: bool,
    value: Any,
    expected: str,
) -> None:
    op = make_operation(parameters=(make_param("color", "query", style, explode),))
    assert query_string(build_request(make_case(query={"color": value}), op, BASE, None)) == expected


@pytest.mark.parametrize("explode", [True, False])
def test_empty_query_value_is_sent_as_name_equals(
    make_case: CaseFactory, make_operation: OperationFactory, make_param: ParamFactory, explode: bool
) -> None:
    op = make_operation(parameters=(make_param("color", "query", "form", explode),))
    assert query_string(build_request(make_case(query={"color": None}), op, BASE, None)) == "color="
    assert query_string(build_request(make_case(query={"color": ""}), op, BASE, None)) == "color="


def test_booleans_and_numbers_are_spelled_like_json(make_case: CaseFactory, make_operation: OperationFactory) -> None:
    request = build_request(make_case(query={"a": True, "b": False, "c": 3, "d": 2.5}), make_operation(), BASE, None)
    assert query_string(request) == "a=true&b=false&c=3&d=2.5"


def test_query_values_cannot_inject_parameters(make_case: CaseFactory, make_operation: OperationFactory) -> None:
    request = build_request(make_case(query={"q": "a&admin=1 #x+y"}), make_operation(), BASE, None)
    assert query_string(request) == "q=a%26admin%3D1%20%23x%2By"


def test_allow_reserved_keeps_reserved_characters_but_not_query_delimiters(
    make_case: CaseFactory, make_operation: OperationFactory, make_param: ParamFactory
) -> None:
    value = "/path:to/x?y=1&z"
    plain = make_operation(parameters=(make_param("next", "query"),))
    reserved = make_operation(parameters=(make_param("next", "query", allow_reserved=True),))
    assert query_string(build_request(make_case(query={"next": value}), plain, BASE, None)) == (
        "next=%2Fpath%3Ato%2Fx%3Fy%3D1%26z"
    )
    assert query_string(build_request(make_case(query={"next": value}), reserved, BASE, None)) == (
        "next=/path:to/x?y%3D1%26z"
    )


def test_content_based_query_parameter_is_json_encoded(
    make_case: CaseFactory, make_operation: OperationFactory, make_param: ParamFactory
) -> None:
    op = make_operation(parameters=(make_param("filter", "query", media_type="application/json"),))
    request = build_request(make_case(query={"filter": {"a": [1, "x y"]}}), op, BASE, None)
    assert query_string(request) == "filter=%7B%22a%22%3A%5B1%2C%22x%20y%22%5D%7D"


def test_undeclared_query_parameters_use_form_explode(make_case: CaseFactory, make_operation: OperationFactory) -> None:
    request = build_request(make_case(query={"extra": [1, 2]}), make_operation(), BASE, None)
    assert query_string(request) == "extra=1&extra=2"


# -- headers and cookies ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("explode", "value", "expected"),
    [
        (False, PRIMITIVE, "blue"),
        (False, ARRAY, "blue,black,brown"),
        (False, OBJECT, "R,100,G,200,B,150"),
        (True, ARRAY, "blue,black,brown"),
        (True, OBJECT, "R=100,G=200,B=150"),
        (False, True, "true"),
        (False, None, ""),
    ],
)
def test_header_parameters_use_simple_style(
    make_case: CaseFactory,
    make_operation: OperationFactory,
    make_param: ParamFactory,
    explode: bool,
    value: Any,
    expected: str,
) -> None:
    op = make_operation(parameters=(make_param("X-Color", "header", "simple", explode),))
    assert header(build_request(make_case(headers={"X-Color": value}), op, BASE, None), "X-Color") == expected


def test_header_values_with_line_breaks_are_refused(make_case: CaseFactory, make_operation: OperationFactory) -> None:
    with pytest.raises(RequestSerializationError, match="CR, LF"):
        build_request(make_case(headers={"X-Note": "a\r\nInjected: 1"}), make_operation(), BASE, None)


@pytest.mark.parametrize(
    ("explode", "value", "expected"),
    [
        (True, PRIMITIVE, "color=blue"),
        (False, ARRAY, "color=blue,black,brown"),
        (True, ARRAY, "color=blue; color=black; color=brown"),
        (False, OBJECT, "color=R,100,G,200,B,150"),
        (True, OBJECT, "R=100; G=200; B=150"),
        (True, "a b;c", "color=a%20b%3Bc"),
    ],
)
def test_cookie_parameters_use_form_style(
    make_case: CaseFactory,
    make_operation: OperationFactory,
    make_param: ParamFactory,
    explode: bool,
    value: Any,
    expected: str,
) -> None:
    op = make_operation(parameters=(make_param("color", "cookie", "form", explode),))
    assert header(build_request(make_case(cookies={"color": value}), op, BASE, None), "Cookie") == expected


# -- credentials ----------------------------------------------------------------------------------------------------


def test_auth_parts_are_added_and_the_case_wins_on_conflicts(
    make_case: CaseFactory, make_operation: OperationFactory
) -> None:
    auth = AuthParts(
        headers=(("Authorization", "Bearer good"), ("X-Tenant", "t1")),
        query=(("api_key", "k 1"),),
        cookies=(("session", "s1"), ("theme", "dark")),
    )
    case = make_case(headers={"authorization": "Bearer forged"}, query={"page": 2}, cookies={"theme": "light"})
    request = build_request(case, make_operation(), BASE, auth)
    assert header(request, "Authorization") == "Bearer forged"
    assert header(request, "X-Tenant") == "t1"
    assert query_string(request) == "page=2&api_key=k%201"
    assert header(request, "Cookie") == "theme=light; session=s1"
    assert header(request, "User-Agent") == USER_AGENT


# -- bodies ---------------------------------------------------------------------------------------------------------


def test_json_body_and_content_type(make_case: CaseFactory, make_operation: OperationFactory) -> None:
    body = {"name": "Rex", "tags": ["a"], "age": 2**70}  # beyond 64 bits: a boundary value must still go out
    case = make_case(method="post", body=body, has_body=True, media_type="application/merge-patch+json")
    request = build_request(case, make_operation(method="post"), BASE, None)
    assert request.body == b'{"name":"Rex","tags":["a"],"age":1180591620717411303424}'
    assert header(request, "Content-Type") == "application/merge-patch+json"


def test_null_json_body_is_sent_when_the_case_has_a_body(
    make_case: CaseFactory, make_operation: OperationFactory
) -> None:
    request = build_request(make_case(method="post", body=None, has_body=True), make_operation(), BASE, None)
    assert request.body == b"null"
    assert header(request, "Content-Type") == "application/json"
    assert build_request(make_case(method="post"), make_operation(), BASE, None).body is None


def test_media_type_falls_back_to_the_documented_one(make_case: CaseFactory, make_operation: OperationFactory) -> None:
    op = make_operation(method="post", body_types=("text/plain",))
    request = build_request(make_case(method="post", body=False, has_body=True), op, BASE, None)
    assert (request.body, header(request, "Content-Type")) == (b"false", "text/plain")


def test_form_urlencoded_body_repeats_arrays_and_json_encodes_objects(
    make_case: CaseFactory, make_operation: OperationFactory
) -> None:
    media = "application/x-www-form-urlencoded"
    op = make_operation(method="post", body_types=(media,), encoding={"raw": "application/json"})
    body = {"name": "a b&c", "tags": ["x", "y"], "meta": {"k": 1}, "raw": [1, 2], "ok": True}
    request = build_request(make_case(method="post", body=body, has_body=True, media_type=media), op, BASE, None)
    assert request.body == (b"name=a%20b%26c&tags=x&tags=y&meta=%7B%22k%22%3A1%7D&raw=%5B1%2C2%5D&ok=true")


def parse_multipart(request: PreparedRequest) -> list[Any]:
    content_type = header(request, "Content-Type")
    assert content_type is not None and request.body is not None
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + request.body
    )
    return list(message.iter_parts())


def test_multipart_has_one_part_per_property_and_file_parts_for_binary(
    make_case: CaseFactory, make_operation: OperationFactory
) -> None:
    media = "multipart/form-data"
    op = make_operation(method="post", body_types=(media,), encoding={"avatar": "image/png"})
    body = {"name": "Rex", "meta": {"k": 1}, "ids": [1, 2], "upload": b"\x00\x01binary", "avatar": "PNGDATA"}
    request = build_request(make_case(method="post", body=body, has_body=True, media_type=media), op, BASE, None)
    parts = parse_multipart(request)
    summary = [
        (p.get_param("name", header="content-disposition"), p.get_filename(), p.get_content_type()) for p in parts
    ]
    assert summary == [
        ("name", None, "text/plain"),
        ("meta", None, "application/json"),
        ("ids", None, "text/plain"),
        ("ids", None, "text/plain"),
        ("upload", "upload", "application/octet-stream"),
        ("avatar", "avatar", "image/png"),
    ]
    assert orjson.loads(parts[1].get_payload(decode=True)) == {"k": 1}
    assert parts[4].get_payload(decode=True) == b"\x00\x01binary"


def test_multipart_bytes_are_identical_for_a_case_and_differ_between_cases(
    make_case: CaseFactory, make_operation: OperationFactory
) -> None:
    media = "multipart/form-data"
    op = make_operation(method="post", body_types=(media,))
    case = make_case(case_id="c-1", method="post", body={"a": "1"}, has_body=True, media_type=media)
    first, again = build_request(case, op, BASE, None), build_request(case, op, BASE, None)
    other = build_request(case.model_copy(update={"case_id": "c-2"}), op, BASE, None)
    assert first == again
    assert header(first, "Content-Type") != header(other, "Content-Type")
    assert first.body is not None and b'name="a"' in first.body


def test_text_and_octet_stream_bodies(make_case: CaseFactory, make_operation: OperationFactory) -> None:
    text = build_request(make_case(body="héllo", has_body=True, media_type="text/plain"), make_operation(), BASE, None)
    octets = build_request(
        make_case(body="raw", has_body=True, media_type="application/octet-stream"), make_operation(), BASE, None
    )
    assert (text.body, octets.body) == ("héllo".encode(), b"raw")


def test_xml_body_is_well_formed_and_escaped(make_case: CaseFactory, make_operation: OperationFactory) -> None:
    body = {"name": "a<b & c", "tags": ["x", "y"], "owner": {"id": 1, "vip": False}, "note": None}
    request = build_request(
        make_case(body=body, has_body=True, media_type="application/xml"), make_operation(), BASE, None
    )
    assert request.body is not None
    root = ET.fromstring(request.body)
    assert root.findtext("name") == "a<b & c"
    assert [t.text for t in root.findall("tags")] == ["x", "y"]
    assert (root.findtext("owner/id"), root.findtext("owner/vip")) == ("1", "false")
    assert request == build_request(
        make_case(body=body, has_body=True, media_type="application/xml"), make_operation(), BASE, None
    )


def test_unknown_media_types_get_json(make_case: CaseFactory, make_operation: OperationFactory) -> None:
    request = build_request(
        make_case(body={"a": 1}, has_body=True, media_type="application/vnd.custom"), make_operation(), BASE, None
    )
    assert (request.body, header(request, "Content-Type")) == (b'{"a":1}', "application/vnd.custom")


def test_raw_bytes_bodies_and_explicit_content_type_are_sent_as_given(
    make_case: CaseFactory, make_operation: OperationFactory
) -> None:
    case = make_case(body=b"{not json", has_body=True, media_type="application/json", headers={"Content-Type": "x/y"})
    request = build_request(case, make_operation(), BASE, None)
    assert (request.body, header(request, "Content-Type")) == (b"{not json", "x/y")


@pytest.mark.parametrize(
    ("body", "media_type"),
    [
        ({"a": {1, 2}}, "application/json"),
        ({"big": 2**70, "a": {1, 2}}, "application/json"),
        ("lone \ud800 surrogate", "text/plain"),
        (["not", "an", "object"], "application/x-www-form-urlencoded"),
        ("text", "multipart/form-data"),
        ({"a": "\x00"}, "application/xml"),
    ],
)
def test_unserialisable_values_raise_a_serialisation_error(
    make_case: CaseFactory, make_operation: OperationFactory, body: Any, media_type: str
) -> None:
    with pytest.raises(RequestSerializationError) as raised:
        build_request(make_case(body=body, has_body=True, media_type=media_type), make_operation(), BASE, None)
    assert raised.value.code == "TARGET_SERIALIZATION"
