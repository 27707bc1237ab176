"""TestCase → Execution: send one case through the transport and record what happened.

Everything the executor records is sanitised (:mod:`agent_core.sanitize`); the raw body and headers stay in the
:class:`ExecutedCase` for the checks and never leave the process. "Could not test" outcomes (unreachable, timeout,
protocol, serialisation) become ``Execution(status=error)``; anything else is a bug and propagates.

Retries: connection failures are retried with exponential backoff (for non-idempotent methods only when nothing can
have reached the target), timeouts and HTTP errors never; a 429 waits for its Retry-After (capped) and is retried up to
``max_429_retries`` times. The rate limiter is awaited before every attempt, retries included.

Each request is logged once at DEBUG, not INFO: a run sends thousands of requests a minute and results travel as
events; INFO is kept for lifecycle steps.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import hashlib
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

from actors.identities import IdentityResolver
from actors.ratelimit import Limiter, RateLimit, TokenBucket
from actors.serialization import RequestSerializationError, build_request, join_url
from actors.transport import (
    CONNECTION_RESET_CODE,
    DEFAULT_MAX_RESPONSE_BYTES,
    AiohttpTransport,
    PreparedRequest,
    RawResponse,
    Transport,
)
from agent_core.apispec import Operation
from agent_core.errors import ConfigError, TargetError, TargetTimeout, TargetUnreachable
from agent_core.models import ErrorKind, Execution, HttpRequest, HttpResponse, Status, TestCase
from agent_core.sanitize import Sanitizer

__all__ = ["IDEMPOTENT_METHODS", "ExecutedCase", "Executor", "ExecutorConfig"]

logger = logging.getLogger(__name__)

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"})
_ERROR_KINDS: tuple[tuple[type[TargetError], ErrorKind], ...] = (
    (RequestSerializationError, ErrorKind.SERIALIZATION),
    (TargetUnreachable, ErrorKind.UNREACHABLE),
    (TargetTimeout, ErrorKind.TIMEOUT),
    (TargetError, ErrorKind.PROTOCOL),
)


@dataclass(frozen=True, slots=True)
class ExecutorConfig:
    concurrency: int = 8
    timeout_s: float = 10.0
    connect_retries: int = 2
    retry_backoff_s: float = 0.25
    max_retry_after_s: float = 30.0
    max_429_retries: int = 3
    rate_limit: RateLimit | None = None
    stored_body_bytes: int = 65536
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES

    def __post_init__(self) -> None:
        problems = [
            f"{name} must be {rule}"
            for name, ok, rule in (
                ("concurrency", self.concurrency >= 1, "at least 1"),
                ("timeout_s", self.timeout_s > 0, "positive"),
                ("connect_retries", self.connect_retries >= 0, "0 or more"),
                ("retry_backoff_s", self.retry_backoff_s >= 0, "0 or more"),
                ("max_retry_after_s", self.max_retry_after_s >= 0, "0 or more"),
                ("max_429_retries", self.max_429_retries >= 0, "0 or more"),
                ("stored_body_bytes", self.stored_body_bytes >= 0, "0 or more"),
                ("max_response_bytes", self.max_response_bytes >= 0, "0 or more"),
            )
            if not ok
        ]
        if problems:
            raise ConfigError("executor: " + "; ".join(problems), "CONFIG_EXECUTOR")


@dataclass(frozen=True, slots=True)
class ExecutedCase:
    """An execution (sanitised, leaves the process) and the raw response for the checks (stays in the process)."""

    execution: Execution
    response_body: bytes = b""
    response_headers: tuple[tuple[str, str], ...] = field(default=())


class Executor:
    """Sends cases to one target. Safe to call concurrently: the only shared state is the transport's pool and the
    rate limiter, both made for it."""

    def __init__(
        self,
        transport: Transport,
        config: ExecutorConfig,
        base_url: str,
        sanitizer: Sanitizer,
        identity_resolver: IdentityResolver | None = None,
        limiter: Limiter | None = None,
    ) -> None:
        """``limiter`` replaces the in-process bucket built from ``config.rate_limit`` (the Ray runtime passes one
        shared by every worker that sends to this target)."""
        parts = urlsplit(base_url)
        try:
            valid = parts.scheme in ("http", "https") and bool(parts.hostname) and parts.port != 0
        except ValueError:  # a port that is not a number
            valid = False
        if not valid or parts.query or parts.fragment:
            raise ConfigError(f"target base URL must be http(s)://host[:port][/prefix], got {base_url!r}")
        self._transport = transport
        self._config = config
        self._base_url = base_url
        # The identities' secrets are always masked, whatever sanitizer the caller built.
        self._sanitizer = sanitizer.extended(identity_resolver.secrets()) if identity_resolver else sanitizer
        self._identities = identity_resolver
        if limiter is None and config.rate_limit is not None:
            limiter = TokenBucket(config.rate_limit)
        self._limiter = limiter

    @classmethod
    def for_target(
        cls,
        config: ExecutorConfig,
        base_url: str,
        sanitizer: Sanitizer,
        identity_resolver: IdentityResolver | None = None,
        *,
        verify_tls: bool = True,
    ) -> Executor:
        """An executor with an :class:`AiohttpTransport` sized by ``config``; close it with :meth:`aclose`."""
        transport = AiohttpTransport(
            config.concurrency, verify_tls=verify_tls, max_response_bytes=config.max_response_bytes
        )
        return cls(transport, config, base_url, sanitizer, identity_resolver)

    async def aclose(self) -> None:
        await self._transport.aclose()

    async def execute(self, case: TestCase, operation: Operation) -> ExecutedCase:
        auth = self._identities.resolve(case, operation) if self._identities is not None else None
        try:
            request = build_request(case, operation, self._base_url, auth)
        except RequestSerializationError as exc:
            url = join_url(self._base_url, case.path or operation.path)
            recorded = HttpRequest(method=case.method.upper(), url=self._sanitizer.url(url))
            return ExecutedCase(self._error(case, recorded, exc, 0.0, 0))
        recorded = self._record_request(request)
        config = self._config
        attempts = connect_failures = throttled = 0
        while True:
            if self._limiter is not None:
                await self._limiter.acquire()
            attempts += 1
            started = time.perf_counter()
            try:
                raw = await self._transport.send(request, timeout=config.timeout_s)
            except TargetUnreachable as exc:
                elapsed = (time.perf_counter() - started) * 1000.0
                if connect_failures < config.connect_retries and _may_retry(request.method, exc):
                    await asyncio.sleep(config.retry_backoff_s * 2**connect_failures)
                    connect_failures += 1
                    continue
                self._log(request, recorded, f"unreachable ({exc.code})", elapsed, attempts)
                return ExecutedCase(self._error(case, recorded, exc, elapsed, attempts))
            except TargetError as exc:
                elapsed = (time.perf_counter() - started) * 1000.0
                self._log(request, recorded, exc.code, elapsed, attempts)
                return ExecutedCase(self._error(case, recorded, exc, elapsed, attempts))
            elapsed = (time.perf_counter() - started) * 1000.0
            self._log(request, recorded, str(raw.status), elapsed, attempts)
            if raw.status == 429 and throttled < config.max_429_retries:
                delay = _retry_after(raw.headers)
                if delay is None:
                    delay = config.retry_backoff_s * 2**throttled
                await asyncio.sleep(min(delay, config.max_retry_after_s))
                throttled += 1
                continue
            return self._result(case, recorded, raw, elapsed, attempts)

    async def preflight(self, base_url: str | None = None) -> None:
        """Raise :class:`TargetUnreachable` unless something accepts TCP connections at the target.

        A TCP connect rather than a request: it has no side effects on the target and is not an API call."""
        url = urlsplit(base_url or self._base_url)
        try:
            host, port = url.hostname, url.port or (443 if url.scheme == "https" else 80)
        except ValueError:  # a port that is not a number
            host = None
        if not host:
            raise ConfigError(f"target base URL must be http(s)://host[:port][/prefix], got {url.geturl()!r}")
        try:
            async with asyncio.timeout(self._config.timeout_s):
                _, writer = await asyncio.open_connection(host, port)
        except TimeoutError:
            raise TargetUnreachable(
                f"nothing answered at {host}:{port} within {self._config.timeout_s:g}s; is the target running?"
            ) from None
        except OSError as exc:
            reason = exc.strerror or str(exc) or type(exc).__name__
            raise TargetUnreachable(f"nothing listens at {host}:{port} ({reason}); is the target running?") from None
        writer.close()
        # The target may close first; it was listening, which is all we wanted to know.
        with contextlib.suppress(OSError):
            await writer.wait_closed()

    # -- recording ------------------------------------------------------------------------------------------------

    def _record_request(self, request: PreparedRequest) -> HttpRequest:
        body, encoding = self._sanitizer.body(request.body)
        return HttpRequest(
            method=request.method,
            url=self._sanitizer.url(request.url),
            headers=self._sanitizer.headers(request.headers),
            body=body,
            body_encoding=encoding,
        )

    def _result(
        self, case: TestCase, request: HttpRequest, raw: RawResponse, elapsed: float, attempts: int
    ) -> ExecutedCase:
        text, cut = self._sanitizer.excerpt(raw.body, self._config.stored_body_bytes)
        headers = self._sanitizer.headers(raw.headers)
        content_type = next((v for k, v in raw.headers if k.lower() == "content-type"), None)
        response = HttpResponse(
            status=raw.status,
            headers=headers,
            body=text,
            body_truncated=cut or raw.truncated,
            body_length=raw.body_length,
            body_sha256=hashlib.sha256(raw.body).hexdigest(),
            content_type=content_type,
        )
        execution = Execution(
            case_id=case.case_id,
            request=request,
            response=response,
            elapsed_ms=elapsed,
            status=Status.PASSED,  # provisional: the checks decide
            attempts=attempts,
        )
        return ExecutedCase(execution, raw.body, raw.headers)

    def _error(
        self, case: TestCase, request: HttpRequest, exc: TargetError, elapsed: float, attempts: int
    ) -> Execution:
        kind = next(kind for cls, kind in _ERROR_KINDS if isinstance(exc, cls))
        return Execution(
            case_id=case.case_id,
            request=request,
            elapsed_ms=elapsed,
            status=Status.ERROR,
            error_kind=kind,
            error_message=self._sanitizer.text(str(exc)),
            attempts=attempts,
        )

    def _log(self, request: PreparedRequest, recorded: HttpRequest, outcome: str, elapsed: float, attempt: int) -> None:
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("%s %s -> %s in %.1f ms (attempt %d)", request.method, recorded.url, outcome, elapsed, attempt)


def _may_retry(method: str, exc: TargetUnreachable) -> bool:
    # A reset after the request went out may have been processed: resending a POST could create twice.
    return exc.code != CONNECTION_RESET_CODE or method.upper() in IDEMPOTENT_METHODS


def _retry_after(headers: tuple[tuple[str, str], ...]) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date), or None if absent or unreadable."""
    value = next((v.strip() for k, v in headers if k.lower() == "retry-after"), None)
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
