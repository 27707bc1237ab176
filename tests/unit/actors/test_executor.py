"""The executor against a MockTransport: retries, throttling, errors, masking, truncation, rate limits."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest

from actors.executor import ExecutedCase, Executor, ExecutorConfig, _retry_after
from actors.identities import IdentityResolver, identities_from_flags
from actors.ratelimit import RateLimit
from actors.transport import CONNECTION_RESET_CODE, MockTransport, PreparedRequest, RawResponse
from agent_core.apispec import Operation
from agent_core.errors import ConfigError, TargetError, TargetTimeout, TargetUnreachable
from agent_core.models import ErrorKind, Status, TestCase
from agent_core.sanitize import Sanitizer

BASE = "http://target.test/api"
FAST = ExecutorConfig(retry_backoff_s=0.001, timeout_s=1.0)

CaseFactory = Callable[..., TestCase]
OperationFactory = Callable[..., Operation]


def run(
    handler: Callable[[PreparedRequest], Any],
    case: TestCase,
    operation: Any,
    config: ExecutorConfig = FAST,
    resolver: IdentityResolver | None = None,
    sanitizer: Sanitizer | None = None,
) -> tuple[ExecutedCase, MockTransport]:
    transport = MockTransport(handler)
    executor = Executor(transport, config, BASE, sanitizer or Sanitizer(), resolver)
    return asyncio.run(executor.execute(case, operation)), transport


def failing(
    times: int, error: Exception | RawResponse, then: RawResponse | None = None
) -> Callable[[PreparedRequest], Any]:
    calls = {"n": 0}

    def handler(request: PreparedRequest) -> RawResponse | Exception:
        calls["n"] += 1
        return error if calls["n"] <= times or then is None else then

    return handler


def test_a_response_is_recorded_provisionally_passed(make_case: CaseFactory, make_operation: OperationFactory) -> None:
    response = RawResponse.of(201, b'{"id": 1}', (("Content-Type", "application/json"), ("X-Trace", "t1")))
    result, transport = run(
        lambda r: response, make_case(method="post", body={"a": 1}, has_body=True), make_operation()
    )
    execution = result.execution
    assert execution.status is Status.PASSED and execution.attempts == 1
    assert execution.request.url == "http://target.test/api/things"
    assert execution.request.body == '{"a":1}'
    assert execution.response is not None
    assert (execution.response.status, execution.response.content_type) == (201, "application/json")
    assert execution.response.headers["X-Trace"] == "t1"
    assert result.response_body == b'{"id": 1}'
    assert result.response_headers == response.headers
    assert len(transport.requests) == 1


def test_connection_errors_are_retried_and_counted(make_case: CaseFactory, make_operation: OperationFactory) -> None:
    result, transport = run(
        failing(2, TargetUnreachable("refused"), RawResponse.of(200)), make_case(), make_operation()
    )
    assert result.execution.status is Status.PASSED
    assert result.execution.attempts == 3
    assert len(transport.requests) == 3


def test_retries_stop_after_connect_retries(make_case: CaseFactory, make_operation: OperationFactory) -> None:
    config = ExecutorConfig(connect_retries=2, retry_backoff_s=0.001)
    result, _ = run(failing(99, TargetUnreachable("refused")), make_case(), make_operation(), config)
    assert (result.execution.status, result.execution.error_kind) == (Status.ERROR, ErrorKind.UNREACHABLE)
    assert result.execution.attempts == 3
    assert "refused" in (result.execution.error_message or "")
    assert result.execution.response is None


@pytest.mark.parametrize(("method", "expected_attempts"), [("post", 1), ("patch", 1), ("get", 3), ("put", 3)])
def test_a_reset_after_sending_is_retried_only_for_idempotent_methods(
    make_case: CaseFactory, make_operation: OperationFactory, method: str, expected_attempts: int
) -> None:
    reset = TargetUnreachable("closed before a response", CONNECTION_RESET_CODE)
    result, _ = run(failing(99, reset), make_case(method=method), make_operation())
    assert result.execution.attempts == expected_attempts
    assert result.execution.error_kind is ErrorKind.UNREACHABLE


def test_timeouts_are_not_retried(make_case: CaseFactory, make_operation: OperationFactory) -> None:
    async def slow(request: PreparedRequest) -> RawResponse:
        await asyncio.sleep(5)
        return RawResponse.of(200)

    config = ExecutorConfig(timeout_s=0.05, retry_backoff_s=0.001)
    started = time.monotonic()
    result, transport = run(slow, make_case(), make_operation(), config)
    assert (result.execution.status, result.execution.error_kind) == (Status.ERROR, ErrorKind.TIMEOUT)
    assert result.execution.attempts == 1 and len(transport.requests) == 1
    assert time.monotonic() - started < 1.0
    assert result.execution.elapsed_ms >= 40


def test_http_errors_are_answers_not_retries(make_case: CaseFactory, make_operation: OperationFactory) -> None:
    result, transport = run(lambda r: RawResponse.of(503, b"down"), make_case(), make_operation())
    assert result.execution.status is Status.PASSED  # the checks judge a 503, the executor does not
    assert result.execution.response is not None and result.execution.response.status == 503
    assert len(transport.requests) == 1


def test_protocol_errors_are_recorded(make_case: CaseFactory, make_operation: OperationFactory) -> None:
    result, _ = run(lambda r: TargetError("garbage status line", "TARGET_PROTOCOL"), make_case(), make_operation())
    assert (result.execution.status, result.execution.error_kind) == (Status.ERROR, ErrorKind.PROTOCOL)


def test_unserialisable_cases_are_errors_and_nothing_is_sent(
    make_case: CaseFactory, make_operation: OperationFactory
) -> None:
    case = make_case(method="post", body={"a": {1, 2}}, has_body=True)
    result, transport = run(lambda r: RawResponse.of(200), case, make_operation())
    assert (result.execution.status, result.execution.error_kind) == (Status.ERROR, ErrorKind.SERIALIZATION)
    assert result.execution.attempts == 0 and transport.requests == []
    assert result.execution.request.url == "http://target.test/api/things"


def test_429_waits_for_retry_after_then_retries(make_case: CaseFactory, make_operation: OperationFactory) -> None:
    throttled = RawResponse.of(429, headers=(("Retry-After", "1"),))
    started = time.monotonic()
    result, transport = run(failing(1, throttled, RawResponse.of(200)), make_case(), make_operation())
    assert time.monotonic() - started >= 0.95
    assert result.execution.response is not None and result.execution.response.status == 200
    assert result.execution.attempts == 2 and len(transport.requests) == 2


def test_retry_after_is_capped_and_429_retries_are_bounded(
    make_case: CaseFactory, make_operation: OperationFactory
) -> None:
    config = ExecutorConfig(max_retry_after_s=0.05, max_429_retries=2, retry_backoff_s=0.001)
    throttled = RawResponse.of(429, headers=(("retry-after", "3600"),))
    started = time.monotonic()
    result, transport = run(lambda r: throttled, make_case(), make_operation(), config)
    assert time.monotonic() - started < 1.0
    assert result.execution.response is not None and result.execution.response.status == 429
    assert result.execution.attempts == 3 and len(transport.requests) == 3


def test_retry_after_parsing() -> None:
    soon = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert _retry_after((("Retry-After", "7"),)) == 7.0
    assert 28 <= (_retry_after((("retry-after", soon),)) or 0) <= 30
    assert _retry_after((("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"),)) == 0.0  # in the past
    assert _retry_after((("Retry-After", "soon"),)) is None
    assert _retry_after(()) is None


def test_secrets_are_masked_in_the_record_but_sent_to_the_target(
    make_case: CaseFactory, make_operation: OperationFactory
) -> None:
    token, key = "bearer-secret-1234", "query-secret-5678"
    identities = identities_from_flags(bearer=token, api_keys=["query:k=" + key])
    resolver = IdentityResolver(identities)  # no security info: the first identity; the key is in the body
    echo = RawResponse.of(200, f"you sent {token}".encode(), (("X-Echo", key),))
    case = make_case(method="post", body={"note": f"{key} and {token}"}, has_body=True, query={"q": key})
    result, transport = run(lambda r: echo, case, make_operation(), resolver=resolver)
    sent = transport.requests[0]
    assert ("Authorization", f"Bearer {token}") in sent.headers and key in sent.url
    recorded = result.execution.model_dump_json()
    assert token not in recorded and key not in recorded
    assert result.execution.request.headers["Authorization"] == "Bearer [masked]"
    assert result.execution.request.body == '{"note":"[masked] and [masked]"}'
    assert result.execution.response is not None and result.execution.response.body == "you sent [masked]"
    assert token.encode() in result.response_body  # the checks still see the raw body


def test_body_is_truncated_for_storage_with_full_length_and_hash(
    make_case: CaseFactory, make_operation: OperationFactory
) -> None:
    body = bytes(range(256)) * 400  # 102,400 bytes, not UTF-8
    config = ExecutorConfig(stored_body_bytes=1000)
    result, _ = run(lambda r: RawResponse.of(200, body), make_case(), make_operation(), config)
    response = result.execution.response
    assert response is not None
    assert response.body_truncated
    assert len(response.body.encode()) <= 1000
    assert response.body_length == len(body)
    assert response.body_sha256 == hashlib.sha256(body).hexdigest()
    assert result.response_body == body


def test_transport_truncation_is_reported(make_case: CaseFactory, make_operation: OperationFactory) -> None:
    partial = RawResponse(200, (), b"x" * 10, 5000, True, 1.0, "HTTP/1.1")
    result, _ = run(lambda r: partial, make_case(), make_operation())
    assert result.execution.response is not None
    assert (result.execution.response.body_truncated, result.execution.response.body_length) == (True, 5000)


def test_rate_limit_spaces_requests_across_concurrent_calls(
    make_case: CaseFactory, make_operation: OperationFactory
) -> None:
    async def main() -> float:
        config = ExecutorConfig(rate_limit=RateLimit(per_second=40, burst=1))
        executor = Executor(MockTransport(lambda r: RawResponse.of(200)), config, BASE, Sanitizer())
        started = time.monotonic()
        await asyncio.gather(*(executor.execute(make_case(case_id=f"c{i}"), make_operation()) for i in range(9)))
        return time.monotonic() - started

    assert 0.18 <= asyncio.run(main()) < 1.5  # (9 - 1) / 40 = 0.2 s


def test_invalid_settings_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="timeout_s must be positive"):
        ExecutorConfig(timeout_s=0)
    for bad in ("target.test/api", "ftp://target.test", "http://target.test:http/", "http://h/?q=1"):
        with pytest.raises(ConfigError, match="base URL"):
            Executor(MockTransport(lambda r: RawResponse.of(200)), FAST, bad, Sanitizer())


def test_preflight_reports_a_closed_port(unused_port: int) -> None:
    executor = Executor(
        MockTransport(lambda r: RawResponse.of(200)), FAST, f"http://127.0.0.1:{unused_port}", Sanitizer()
    )
    with pytest.raises(TargetUnreachable, match=f"127.0.0.1:{unused_port}"):
        asyncio.run(executor.preflight())


def test_preflight_accepts_a_listening_port() -> None:
    async def main() -> None:
        server = await asyncio.start_server(lambda r, w: w.close(), "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            executor = Executor(
                MockTransport(lambda r: RawResponse.of(200)), FAST, f"http://127.0.0.1:{port}/api", Sanitizer()
            )
            await executor.preflight()

    asyncio.run(main())


def test_mock_transport_timeout_is_a_target_timeout() -> None:
    async def slow(request: PreparedRequest) -> RawResponse:
        await asyncio.sleep(1)
        return RawResponse.of(200)

    with pytest.raises(TargetTimeout):
        asyncio.run(MockTransport(slow).send(PreparedRequest("GET", "http://x/"), timeout=0.01))
