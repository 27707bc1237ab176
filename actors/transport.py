"""The only HTTP I/O seam: send one prepared request, get one raw response.

:class:`AiohttpTransport` talks to real targets; :class:`MockTransport` answers from a function so the executor can be
tested hermetically. Both raise the :mod:`agent_core.errors` target errors, never aiohttp's own exceptions, so nothing
above this module knows which client library is in use.

Failure mapping (``AiohttpTransport``)::

    DNS failure, connection refused, connect timeout   TargetUnreachable  code TARGET_UNREACHABLE (nothing was sent)
    connection closed or reset before a response       TargetUnreachable  code TARGET_CONNECTION_RESET (maybe sent)
    no complete response within the timeout            TargetTimeout      code TARGET_TIMEOUT
    malformed status line, headers or body framing     TargetError        code TARGET_PROTOCOL
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

import aiohttp
from yarl import URL

from agent_core.errors import TargetError, TargetTimeout, TargetUnreachable

__all__ = [
    "CONNECTION_RESET_CODE",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "PROTOCOL_ERROR_CODE",
    "AiohttpTransport",
    "MockHandler",
    "MockTransport",
    "PreparedRequest",
    "RawResponse",
    "Transport",
]

DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024
# The request may have reached the target, so only idempotent methods are retried after this one.
CONNECTION_RESET_CODE = "TARGET_CONNECTION_RESET"
PROTOCOL_ERROR_CODE = "TARGET_PROTOCOL"
# Large but legitimate headers (CSP, cookies) must not turn into protocol errors; aiohttp's default is 8 KiB.
_MAX_HEADER_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class PreparedRequest:
    """Exactly what goes on the wire: the URL is already percent-encoded and is sent as is."""

    method: str
    url: str
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None


@dataclass(frozen=True, slots=True)
class RawResponse:
    """A response as received. ``body_length`` is the full length when known (Content-Length, or everything was read);
    when ``truncated`` and the length is unknown it is the number of bytes received, a lower bound."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    body_length: int
    truncated: bool
    elapsed_ms: float
    http_version: str

    @classmethod
    def of(
        cls,
        status: int,
        body: bytes = b"",
        headers: tuple[tuple[str, str], ...] = (),
        *,
        elapsed_ms: float = 0.0,
        http_version: str = "HTTP/1.1",
    ) -> RawResponse:
        """A complete (untruncated) response; the usual way mock handlers answer."""
        return cls(status, headers, body, len(body), False, elapsed_ms, http_version)


class Transport(Protocol):
    # `timeout` is per request (the executor's config), handed to the client's own timer rather than wrapped around it.
    async def send(self, request: PreparedRequest, *, timeout: float) -> RawResponse: ...  # noqa: ASYNC109

    async def aclose(self) -> None: ...


class AiohttpTransport:
    """One pooled aiohttp session for one target run.

    - keep-alive pool sized to ``concurrency``, so every worker reuses a warm connection;
    - redirects are never followed: a 3xx is an answer the checks must see;
    - cookies never persist between cases (``DummyCookieJar``): a case carries exactly the cookies it declares;
    - no transparent decompression and no ``Accept-Encoding`` unless a case sends one: the recorded body, its length
      and its hash are the bytes the target sent, and a compressed body cannot expand past ``max_response_bytes``;
    - at most ``max_response_bytes`` of a body are read; the rest is dropped with the connection.
    """

    def __init__(
        self, concurrency: int, *, verify_tls: bool = True, max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        if max_response_bytes < 0:
            raise ValueError("max_response_bytes must not be negative")
        self._concurrency = concurrency
        self._verify_tls = verify_tls
        self._max_response_bytes = max_response_bytes
        self._session: aiohttp.ClientSession | None = None

    def _get_session(self) -> aiohttp.ClientSession:
        # Created on first use: a ClientSession binds to the running loop, and transports are built before it starts.
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(
                limit=self._concurrency,
                limit_per_host=self._concurrency,
                ssl=self._verify_tls,
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                cookie_jar=aiohttp.DummyCookieJar(),
                auto_decompress=False,
                # What the case sets is what is sent: no default User-Agent, encoding or body type is slipped in.
                skip_auto_headers=("User-Agent", "Accept-Encoding", "Content-Type"),
                max_line_size=_MAX_HEADER_BYTES,
                max_field_size=_MAX_HEADER_BYTES,
            )
        return self._session

    async def send(self, request: PreparedRequest, *, timeout: float) -> RawResponse:  # noqa: ASYNC109
        session = self._get_session()
        started = time.perf_counter()
        try:
            async with session.request(
                request.method,
                URL(request.url, encoded=True),
                headers=list(request.headers),
                data=request.body,
                allow_redirects=False,
                timeout=aiohttp.ClientTimeout(total=timeout),
            ) as response:
                body, length, truncated = await self._read_body(response)
                if truncated:
                    # The unread rest would have to be drained before reuse; dropping the connection is cheaper.
                    response.close()
                headers = tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in response.raw_headers)
                version = f"HTTP/{response.version.major}.{response.version.minor}" if response.version else "HTTP/1.1"
                return RawResponse(
                    status=response.status,
                    headers=headers,
                    body=body,
                    body_length=length,
                    truncated=truncated,
                    elapsed_ms=(time.perf_counter() - started) * 1000.0,
                    http_version=version,
                )
        except Exception as exc:
            mapped = _map_error(exc, request, timeout)
            if mapped is None:
                raise  # anything else is a bug and must fail loudly
            raise mapped from exc

    async def _read_body(self, response: aiohttp.ClientResponse) -> tuple[bytes, int, bool]:
        limit = self._max_response_bytes
        chunks: list[bytes] = []
        received = 0
        truncated = False
        while True:
            chunk = await response.content.readany()
            if not chunk:
                break
            if received + len(chunk) > limit:
                chunks.append(chunk[: limit - received])
                received += len(chunk)
                truncated = True
                break
            chunks.append(chunk)
            received += len(chunk)
        body = b"".join(chunks)
        if not truncated:
            return body, len(body), False
        declared = response.content_length
        return body, declared if declared is not None and declared >= received else received, True

    async def aclose(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None


def _map_error(exc: Exception, request: PreparedRequest, timeout: float) -> TargetError | None:
    target = f"{request.method} {_origin(request.url)}"
    detail = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    # First match wins, so order matters: aiohttp's timeout errors are also connection errors.
    table: tuple[tuple[type[Exception] | tuple[type[Exception], ...], type[TargetError], str | None, str], ...] = (
        (aiohttp.ConnectionTimeoutError, TargetUnreachable, None, f"no connection within {timeout:g}s"),
        (TimeoutError, TargetTimeout, None, f"no complete response within {timeout:g}s"),
        (aiohttp.ClientConnectorDNSError, TargetUnreachable, None, f"host name could not be resolved ({detail})"),
        (aiohttp.ClientConnectorError, TargetUnreachable, None, f"cannot connect ({detail})"),
        (
            (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError),
            TargetUnreachable,
            CONNECTION_RESET_CODE,
            f"connection closed before a response ({detail})",
        ),
        (
            (aiohttp.ClientResponseError, aiohttp.ClientPayloadError, aiohttp.InvalidURL),
            TargetError,
            PROTOCOL_ERROR_CODE,
            f"malformed HTTP exchange ({detail})",
        ),
    )
    for kinds, error, code, message in table:
        if isinstance(exc, kinds):
            return error(f"{target}: {message}", code)
    return None


def _origin(url: str) -> str:
    # Error messages name the target, never the query string (it may carry credentials).
    return url.split("?", 1)[0]


MockHandler = Callable[[PreparedRequest], RawResponse | Exception | Awaitable[RawResponse | Exception]]


class MockTransport:
    """Answers from ``handler(request)``, sync or async, which returns a response or an exception to raise.

    The timeout applies to async handlers (a slow handler raises :class:`TargetTimeout`), and every request is kept in
    ``requests`` for assertions.
    """

    def __init__(self, handler: MockHandler) -> None:
        self._handler = handler
        self.requests: list[PreparedRequest] = []
        self.closed = False

    async def send(self, request: PreparedRequest, *, timeout: float) -> RawResponse:  # noqa: ASYNC109
        self.requests.append(request)
        outcome = self._handler(request)
        if inspect.isawaitable(outcome):
            try:
                async with asyncio.timeout(timeout):
                    outcome = await outcome
            except TimeoutError as exc:
                raise TargetTimeout(
                    f"{request.method} {_origin(request.url)}: no response within {timeout:g}s"
                ) from exc
        if isinstance(outcome, Exception):
            raise outcome
        assert isinstance(outcome, RawResponse), f"mock handler returned {type(outcome).__name__}"
        return outcome

    async def aclose(self) -> None:
        self.closed = True
