"""curl reproduction of a sent request.

Every finding carries the command that replays its request, so a user can paste it into a shell. The command is one
line: arguments that are plain text are single-quoted (``shlex.quote``); arguments with control characters or bytes
that are not UTF-8 use bash's ``$'...'`` quoting, which keeps the line single and the bytes exact. A body containing
NUL bytes cannot travel in an argument at all, so it is piped in through ``printf`` and ``--data-binary @-``.

The request is the sanitised one: masked secrets stay masked.
"""

from __future__ import annotations

import base64
import binascii
import shlex

from agent_core.models import HttpRequest

# Characters that make curl expand a URL as a glob ("[1-3]", "{a,b}") unless told not to.
_GLOB_CHARACTERS = frozenset("[]{}")
_ANSI_C_ESCAPES = {
    0x07: "\\a",
    0x08: "\\b",
    0x09: "\\t",
    0x0A: "\\n",
    0x0B: "\\v",
    0x0C: "\\f",
    0x0D: "\\r",
    0x1B: "\\E",
    0x27: "\\'",
    0x5C: "\\\\",
}


def to_curl(request: HttpRequest) -> str:
    """A single-line shell command that sends ``request`` again."""
    body = _body_bytes(request)
    args = ["curl"]
    method = request.method.upper()
    # "-X HEAD" makes curl wait for a body that never comes; --head is the way to send HEAD.
    args += ["--head"] if method == "HEAD" else ["-X", _quote(_encode(method))]
    if _GLOB_CHARACTERS.intersection(request.url):
        args.append("--globoff")
    args.append(_quote(_encode(request.url)))
    for name, value in request.headers.items():
        # "-H 'Name:'" would remove the header; "-H 'Name;'" sends it empty.
        header = f"{name};" if value == "" else f"{name}: {value}"
        args += ["-H", _quote(_encode(header))]
    prefix = ""
    if body is not None:
        if b"\0" in body:
            prefix = f"printf {_printf_format(body)} | "
            args += ["--data-binary", "@-"]
        else:
            # --data-binary reads a file when the data starts with "@"; --data-raw never does.
            binary = not _is_plain_text(body) and not body.startswith(b"@")
            args += ["--data-binary" if binary else "--data-raw", _quote(body)]
    return prefix + " ".join(args)


def _body_bytes(request: HttpRequest) -> bytes | None:
    if request.body is None:
        return None
    if request.body_encoding.lower() == "base64":
        try:
            return base64.b64decode(request.body, validate=True)
        except (binascii.Error, ValueError):
            # A body that claims base64 but is not: replay the text that was recorded.
            return _encode(request.body)
    return _encode(request.body, _python_codec(request.body_encoding))


def _encode(text: str, codec: str = "utf-8") -> bytes:
    try:
        # surrogateescape gives back the bytes of a body that was decoded with it.
        return text.encode(codec, errors="surrogateescape")
    except UnicodeEncodeError:
        # Text that no bytes can carry (lone surrogates): show the escapes rather than fail.
        return text.encode(codec, errors="backslashreplace")


def _python_codec(encoding: str) -> str:
    try:
        "".encode(encoding)
    except LookupError:
        return "utf-8"
    return encoding


def _is_plain_text(data: bytes) -> bool:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return text.isprintable()


def _quote(data: bytes) -> str:
    """Shell-quote ``data``: single quotes when it is printable text, ``$'...'`` otherwise."""
    if _is_plain_text(data):
        return shlex.quote(data.decode("utf-8"))
    return "$'" + _ansi_c_body(data) + "'"


def _ansi_c_body(data: bytes) -> str:
    parts: list[str] = []
    text = data.decode("utf-8", errors="surrogateescape")
    for char in text:
        code = ord(char)
        if code in _ANSI_C_ESCAPES:
            parts.append(_ANSI_C_ESCAPES[code])
        elif 0xDC80 <= code <= 0xDCFF:
            # A byte that is not UTF-8, kept exact.
            parts.append(f"\\x{code - 0xDC00:02x}")
        elif not char.isprintable():
            parts.extend(f"\\x{byte:02x}" for byte in char.encode("utf-8"))
        else:
            parts.append(char)
    return "".join(parts)


def _printf_format(data: bytes) -> str:
    """A quoted printf format that prints ``data`` exactly, NUL bytes included (as octal escapes)."""
    parts: list[str] = []
    for byte in data:
        if byte == 0x25:  # "%" starts a conversion in a printf format
            parts.append("%%")
        elif byte == 0x5C:
            parts.append("\\\\")
        elif 0x20 <= byte < 0x7F and byte != 0x27:
            parts.append(chr(byte))
        else:
            parts.append(f"\\{byte:03o}")
    return "'" + "".join(parts) + "'"
