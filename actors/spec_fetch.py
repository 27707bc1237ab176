"""Fetching a spec (or a remote ``$ref``) over HTTP, with a size cap and the SSRF guard."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable

from actors.ssrf import UrlForbidden, check_url
from agent_core.errors import SpecError

USER_AGENT = "sentinel-spec-fetch"


def fetch_spec(url: str, max_bytes: int, *, timeout_s: float = 30.0, allow_private: bool = True) -> bytes:
    """Fetch ``url``, the user's own spec URL (private and loopback hosts allowed).

    Over ``max_bytes`` → SPEC_TOO_LARGE; unreachable or an HTTP error → SPEC_IO."""
    try:
        check_url(url, allow_private=allow_private, allow_loopback=allow_private)
    except UrlForbidden as exc:
        raise SpecError(exc.message, "SPEC_REF_FORBIDDEN", file=url) from None
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "application/json, */*"})  # noqa: S310 (scheme checked above)
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:  # noqa: S310
            length = response.headers.get("Content-Length")
            if length is not None and length.isdigit() and int(length) > max_bytes:
                raise SpecError(
                    f"the spec at {url} is {length} bytes, over the limit of {max_bytes}", "SPEC_TOO_LARGE", file=url
                )
            data: bytes = response.read(max_bytes + 1)
    except urllib.error.HTTPError as exc:
        raise SpecError(f"fetching {url} failed with HTTP {exc.code}", "SPEC_IO", file=url) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise SpecError(f"cannot fetch {url}: {reason}", "SPEC_IO", file=url) from None
    if len(data) > max_bytes:
        raise SpecError(f"the spec at {url} is over the limit of {max_bytes} bytes", "SPEC_TOO_LARGE", file=url)
    return data


def remote_ref_fetcher(timeout_s: float = 30.0) -> Callable[[str, int], bytes]:
    """A fetcher for ``$ref``s to remote documents: public addresses only."""

    def fetch(url: str, max_bytes: int) -> bytes:
        return fetch_spec(url, max_bytes, timeout_s=timeout_s, allow_private=False)

    return fetch
