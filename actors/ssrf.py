"""Guard against server-side request forgery for URLs that Sentinel fetches on a user's behalf.

Cloud metadata and link-local addresses are always refused; private and loopback addresses only when the caller
allows them (a developer's own spec URL on 127.0.0.1 is fine; a ``$ref`` inside an uploaded spec pointing there is
not).
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from agent_core.errors import SentinelError


class UrlForbidden(SentinelError):
    code = "URL_FORBIDDEN"


def check_url(url: str, *, allow_private: bool = False, allow_loopback: bool = False) -> None:
    """Raise :class:`UrlForbidden` unless every address ``url``'s host resolves to is allowed."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UrlForbidden(f"only http(s) URLs with a host are allowed, not {url[:200]!r}")
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    except OSError as exc:
        raise UrlForbidden(f"cannot resolve {parts.hostname}: {exc}") from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if address.is_link_local or address.is_multicast or address.is_unspecified or address.is_reserved:
            raise UrlForbidden(f"{parts.hostname} resolves to {address}, a link-local or reserved address")
        if address.is_loopback and not allow_loopback:
            raise UrlForbidden(f"{parts.hostname} resolves to the loopback address {address}")
        if address.is_private and not address.is_loopback and not allow_private:
            raise UrlForbidden(f"{parts.hostname} resolves to the private address {address}")
