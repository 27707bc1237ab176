"""Secrets out before anything leaves the executor.

A :class:`Sanitizer` masks three things with ``[masked]``:

- values of sensitive headers: ``authorization``, ``proxy-authorization``, ``cookie``, ``set-cookie``, ``x-api-key``
  and any header whose name contains ``token``, ``secret``, ``api-key``/``api_key``/``apikey``, ``password``,
  ``passwd`` or ``credential``; the auth scheme (``Bearer``) and cookie names and attributes stay readable;
- values of query parameters named by the same rules, and the password of ``user:password@`` in URLs;
- every known secret value (and its percent-encoded forms) wherever it appears: headers, URLs, bodies.

It is on the hot path of every execution, so the patterns are compiled once and header-name decisions are cached.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import quote, quote_plus, unquote_plus

from agent_core.models import HttpRequest, HttpResponse

__all__ = ["MASK", "MIN_SECRET_LENGTH", "Sanitizer", "is_sensitive_name"]

MASK = "[masked]"
# Masking a two-letter "secret" everywhere would shred the evidence; such values are not secrets anyway.
MIN_SECRET_LENGTH = 4

_SENSITIVE_EXACT = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"})
_SENSITIVE_PART = re.compile(r"token|secret|api[-_]?key|password|passwd|credential", re.IGNORECASE)
_AUTH_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*) +\S")
_USERINFO = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://[^/?#@:]*):[^/?#@]*@")


@lru_cache(maxsize=4096)
def is_sensitive_name(name: str) -> bool:
    """Whether a header or query parameter named ``name`` carries a credential."""
    return name.lower() in _SENSITIVE_EXACT or _SENSITIVE_PART.search(name) is not None


class Sanitizer:
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        variants: set[str] = set()
        for secret in secrets:
            if len(secret) < MIN_SECRET_LENGTH:
                continue
            # URLs and form bodies carry the percent-encoded form, not the raw value.
            variants.update({secret, quote(secret, safe=""), quote_plus(secret, safe="")})
        self._secrets = frozenset(variants)
        # Longest first, so a secret that contains another is masked whole.
        ordered = sorted(variants, key=lambda s: (-len(s), s))
        self._ordered = tuple(ordered)
        self._margin = max(map(len, ordered), default=0) * 4  # UTF-8 bytes per character, at most
        self._ordered_bytes = tuple(s.encode() for s in ordered)
        self._text = re.compile("|".join(map(re.escape, ordered))) if ordered else None
        self._bytes = re.compile(b"|".join(re.escape(s.encode()) for s in ordered)) if ordered else None

    def __repr__(self) -> str:
        return f"Sanitizer({len(self._secrets)} secret values)"

    def extended(self, secrets: Iterable[str]) -> Sanitizer:
        """A sanitizer that also masks ``secrets``."""
        return Sanitizer([*self._secrets, *secrets])

    # -- primitives ---------------------------------------------------------------------------------------------

    def text(self, text: str) -> str:
        """``text`` with every known secret value masked."""
        # Substring search is several times faster than the regex alternation, and most texts hold no secret.
        if self._text is None or not any(secret in text for secret in self._ordered):
            return text
        return self._text.sub(MASK, text)

    def data(self, data: bytes) -> bytes:
        if self._bytes is None or not any(secret in data for secret in self._ordered_bytes):
            return data
        return self._bytes.sub(MASK.encode(), data)

    def header(self, name: str, value: str) -> str:
        if not is_sensitive_name(name):
            return self.text(value)
        lowered = name.lower()
        if lowered == "cookie":
            return "; ".join(_mask_pair(part.strip()) for part in value.split(";"))
        if lowered == "set-cookie":
            first, sep, attributes = value.partition(";")
            return _mask_pair(first.strip()) + sep + attributes
        scheme = _AUTH_SCHEME.match(value)
        return f"{scheme.group(1)} {MASK}" if scheme else MASK

    def headers(self, pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
        """Masked headers as a dict; repeated names are joined with ``", "`` as HTTP allows."""
        out: dict[str, str] = {}
        seen: dict[str, str] = {}  # lower-cased name -> the spelling first seen
        for name, value in pairs:
            masked = self.header(name, value)
            key = seen.setdefault(name.lower(), name)
            out[key] = f"{out[key]}, {masked}" if key in out else masked
        return out

    def url(self, url: str) -> str:
        url = _USERINFO.sub(rf"\1:{MASK}@", url, count=1)
        base, qmark, rest = url.partition("?")
        if qmark:
            query, hashmark, fragment = rest.partition("#")
            parts = []
            for part in query.split("&"):
                name, eq, _ = part.partition("=")
                parts.append(f"{name}={MASK}" if eq and is_sensitive_name(unquote_plus(name)) else part)
            url = f"{base}?{'&'.join(parts)}{hashmark}{fragment}"
        return self.text(url)

    def body(self, data: bytes | None) -> tuple[str | None, str]:
        """A request body as stored: masked text and ``"utf-8"``, or masked bytes as base64 and ``"base64"``."""
        if data is None:
            return None, "utf-8"
        try:
            return self.text(data.decode("utf-8")), "utf-8"
        except UnicodeDecodeError:
            return base64.b64encode(self.data(data)).decode("ascii"), "base64"

    def excerpt(self, data: bytes, limit: int) -> tuple[str, bool]:
        """The first ``limit`` bytes of ``data`` as masked text, and whether anything was cut.

        Masking runs on a window longer than ``limit`` by the longest secret, so a secret straddling the cut is
        masked whole instead of leaking its first half.
        """
        cut = len(data) > limit
        masked = self.text(data[: limit + self._margin].decode("utf-8", errors="replace"))
        if not cut:
            return masked, False
        return masked.encode("utf-8")[:limit].decode("utf-8", errors="ignore"), True

    # -- models -------------------------------------------------------------------------------------------------

    def request(self, request: HttpRequest) -> HttpRequest:
        body = request.body if request.body is None or request.body_encoding == "base64" else self.text(request.body)
        return request.model_copy(
            update={"url": self.url(request.url), "headers": self.headers(request.headers.items()), "body": body}
        )

    def response(self, response: HttpResponse) -> HttpResponse:
        return response.model_copy(
            update={"headers": self.headers(response.headers.items()), "body": self.text(response.body)}
        )


def _mask_pair(pair: str) -> str:
    name, eq, _ = pair.partition("=")
    return f"{name}={MASK}" if eq else MASK
