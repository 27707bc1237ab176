"""to_curl: the command must give back exactly the request, through shlex and through a real bash."""

from __future__ import annotations

import base64
import shlex
import shutil
import subprocess
from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from agent_core.curl import to_curl
from agent_core.models import HttpRequest

# A stand-in for curl: prints its arguments NUL-separated, then what it was piped.
FAKE_CURL = (
    'curl() { printf \'%s\\0\' "$@"; for a in "$@"; do if [ "$a" = @- ]; then printf \'STDIN\\0\'; cat; fi; done; }; '
)


@dataclass
class Parsed:
    method: str
    url: str
    headers: list[tuple[str, str]]
    body: bytes | None
    flags: list[str]


def _parse(argv: list[str], stdin: bytes | None = None) -> Parsed:
    assert argv[0] == "curl"
    method, url, body, headers, flags = "GET", "", None, [], []
    args = iter(argv[1:])
    for arg in args:
        if arg == "-X":
            method = next(args)
        elif arg == "--head":
            method = "HEAD"
        elif arg == "-H":
            header = next(args)
            if header.endswith(";") and ":" not in header:
                headers.append((header[:-1], ""))
            else:
                name, _, value = header.partition(": ")
                headers.append((name, value))
        elif arg in ("--data-raw", "--data-binary"):
            flags.append(arg)
            data = next(args)
            body = stdin if data == "@-" else data.encode("utf-8", errors="surrogateescape")
        elif arg.startswith("-"):
            flags.append(arg)
        else:
            url = arg
    return Parsed(method, url, headers, body, flags)


def _through_shlex(command: str) -> Parsed:
    return _parse(shlex.split(command))


def _through_bash(command: str) -> Parsed:
    bash = shutil.which("bash")
    assert bash is not None
    out = subprocess.run([bash, "-c", FAKE_CURL + command], capture_output=True, check=True).stdout
    args_part, marker, stdin = out.partition(b"STDIN\0")
    argv = ["curl"] + [a.decode("utf-8", errors="surrogateescape") for a in args_part.split(b"\0")[:-1]]
    return _parse(argv, stdin if marker else None)


def _expect(parsed: Parsed, request: HttpRequest, body: bytes | None) -> None:
    assert parsed.method == request.method.upper()
    assert parsed.url == request.url
    assert parsed.headers == list(request.headers.items())
    assert parsed.body == body


def test_a_simple_request_reads_as_expected() -> None:
    request = HttpRequest(
        method="post",
        url="https://api.test/pets?limit=5&q=a b",
        headers={"Content-Type": "application/json", "Authorization": "Bearer ***"},
        body='{"name": "Rex\'s toy"}',
    )
    command = to_curl(request)
    assert command == (
        "curl -X POST 'https://api.test/pets?limit=5&q=a b' -H 'Content-Type: application/json' "
        "-H 'Authorization: Bearer ***' --data-raw '{\"name\": \"Rex'\"'\"'s toy\"}'"
    )
    _expect(_through_shlex(command), request, request.body.encode() if request.body else None)


def test_no_body_means_no_data_and_head_uses_the_head_option() -> None:
    assert to_curl(HttpRequest(method="GET", url="http://a.test/")) == "curl -X GET http://a.test/"
    assert to_curl(HttpRequest(method="HEAD", url="http://a.test/")) == "curl --head http://a.test/"
    assert to_curl(HttpRequest(method="POST", url="http://a.test/", body="")).endswith("--data-raw ''")


def test_empty_header_values_and_glob_characters_are_kept() -> None:
    request = HttpRequest(method="GET", url="http://a.test/?ids[0]=1&f={x}", headers={"X-Empty": ""})
    command = to_curl(request)
    assert "--globoff" in command
    assert "-H 'X-Empty;'" in command
    _expect(_through_shlex(command), request, None)


def test_a_body_starting_with_at_is_never_read_as_a_file() -> None:
    for body in ("@/etc/passwd", "@/etc/passwd\n"):
        command = to_curl(HttpRequest(method="POST", url="http://a.test/", body=body))
        parsed = _through_bash(command)
        assert "--data-raw" in parsed.flags
        assert parsed.body == body.encode()


def test_control_characters_use_ansi_c_quoting_and_stay_on_one_line() -> None:
    body = '--b\r\nContent-Disposition: form-data; name="f"\r\n\r\nline1\n\tline2 \\ \' \x1b\r\n--b--\r\n'
    request = HttpRequest(method="POST", url="http://a.test/upload", headers={"X-Multi": "a\tb"}, body=body)
    command = to_curl(request)
    assert "\n" not in command and "\r" not in command
    assert "--data-binary $'" in command
    _expect(_through_bash(command), request, body.encode())


def test_binary_bodies_are_replayed_byte_for_byte() -> None:
    raw = bytes(range(1, 256))
    request = HttpRequest(
        method="PUT", url="http://a.test/blob", body=base64.b64encode(raw).decode(), body_encoding="base64"
    )
    command = to_curl(request)
    assert "\n" not in command
    _expect(_through_bash(command), request, raw)


def test_bodies_with_nul_bytes_are_piped_in() -> None:
    raw = b"\x00PK\x03\x04%s%%\\'\x00\xff\n"
    request = HttpRequest(
        method="POST", url="http://a.test/zip", body=base64.b64encode(raw).decode(), body_encoding="base64"
    )
    command = to_curl(request)
    assert command.startswith("printf ") and " | curl -X POST " in command
    assert command.endswith("--data-binary @-")
    _expect(_through_bash(command), request, raw)


# What to_curl single-quotes: text for which str.isprintable() holds (anything else gets $'...' escapes).
printable = st.text(st.characters(codec="utf-8"), max_size=40).filter(str.isprintable)
any_text = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=40)
tokens = st.from_regex(r"\A[A-Za-z][A-Za-z0-9-]{0,15}\Z")
methods = st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"])


@settings(max_examples=200, deadline=None)
@given(
    method=methods,
    path=printable,
    headers=st.dictionaries(tokens, printable.filter(lambda v: v == v.strip()), max_size=4),
    body=st.none() | printable,
)
def test_printable_requests_round_trip_through_shlex(
    method: str, path: str, headers: dict[str, str], body: str | None
) -> None:
    request = HttpRequest(method=method, url=f"http://a.test/{path}", headers=headers, body=body)
    command = to_curl(request)
    expected = body.encode() if body is not None else None
    _expect(_through_shlex(command), request, expected)


@settings(max_examples=40, deadline=None)
@given(method=methods, path=printable, header=any_text, body=st.none() | any_text | st.binary(max_size=40))
def test_any_request_round_trips_through_bash(method: str, path: str, header: str, body: str | bytes | None) -> None:
    if isinstance(body, bytes):
        request = HttpRequest(
            method=method,
            url=f"http://a.test/{path}",
            headers={"X-Any": header},
            body=base64.b64encode(body).decode(),
            body_encoding="base64",
        )
        expected: bytes | None = body
    else:
        request = HttpRequest(method=method, url=f"http://a.test/{path}", headers={"X-Any": header}, body=body)
        expected = body.encode() if body is not None else None
    command = to_curl(request)
    assert "\n" not in command
    _expect(_through_bash(command), request, expected)


def test_text_that_no_bytes_can_carry_is_shown_escaped_rather_than_failing() -> None:
    command = to_curl(HttpRequest(method="GET", url="http://a.test/\ud800", headers={"X": "\udfff"}))
    assert command == "curl -X GET 'http://a.test/\\ud800' -H 'X: \\udfff'"
