"""AiohttpTransport against a real aiohttp server on 127.0.0.1 (random port)."""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web

from actors.transport import CONNECTION_RESET_CODE, AiohttpTransport, PreparedRequest, RawResponse
from agent_core.errors import TargetError, TargetTimeout, TargetUnreachable

Scenario = Callable[[str, dict[str, Any]], Awaitable[Any]]


async def _slow(request: web.Request) -> web.Response:
    await asyncio.sleep(3)
    return web.Response(text="late")


async def _slow_body(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Length": "10"})
    await response.prepare(request)
    await response.write(b"12345")
    await asyncio.sleep(3)
    return response


def serve(scenario: Scenario) -> dict[str, Any]:
    """Run ``scenario(base_url, seen)`` against a test app; ``seen`` records what the server observed."""
    seen: dict[str, Any] = {"peers": set(), "requests": []}

    async def record(request: web.Request) -> None:
        seen["peers"].add(request.transport.get_extra_info("peername") if request.transport else None)
        seen["requests"].append(request)

    async def echo(request: web.Request) -> web.Response:
        await record(request)
        return web.Response(text=f"{request.method} {request.raw_path}", headers={"X-Case-Kept": "Yes"})

    async def redirect(request: web.Request) -> web.Response:
        await record(request)
        return web.Response(status=302, headers={"Location": "/echo"})

    async def cookies(request: web.Request) -> web.Response:
        await record(request)
        response = web.Response(text="set")
        response.headers.add("Set-Cookie", "a=1; Path=/")
        response.headers.add("Set-Cookie", "b=2; Path=/")
        return response

    async def big(request: web.Request) -> web.Response:
        return web.Response(body=b"x" * 1000)

    async def gzipped(request: web.Request) -> web.Response:
        await record(request)
        return web.Response(body=gzip.compress(b'{"a": 1}'), headers={"Content-Encoding": "gzip"})

    async def main() -> dict[str, Any]:
        app = web.Application()
        app.router.add_route("*", "/echo", echo)
        app.router.add_route("*", "/p/{tail:.*}", echo)
        app.router.add_get("/redirect", redirect)
        app.router.add_get("/cookies", cookies)
        app.router.add_get("/big", big)
        app.router.add_get("/gzip", gzipped)
        app.router.add_get("/slow", _slow)
        app.router.add_get("/slow-body", _slow_body)
        runner = web.AppRunner(app, shutdown_timeout=0.1)  # do not wait for the slow handlers
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        try:
            await scenario(f"http://{host}:{port}", seen)
        finally:
            await runner.cleanup()
        return seen

    return asyncio.run(main())


def get(url: str, *headers: tuple[str, str]) -> PreparedRequest:
    return PreparedRequest("GET", url, tuple(headers))


def test_keep_alive_connections_are_reused_up_to_the_pool_size() -> None:
    async def scenario(base: str, seen: dict[str, Any]) -> None:
        transport = AiohttpTransport(concurrency=3)
        try:
            for _ in range(4):  # 4 waves of 6 concurrent requests through a pool of 3
                responses = await asyncio.gather(*(transport.send(get(f"{base}/echo"), timeout=5) for _ in range(6)))
                assert {r.status for r in responses} == {200}
        finally:
            await transport.aclose()

    seen = serve(scenario)
    assert len(seen["requests"]) == 24
    assert 1 <= len(seen["peers"]) <= 3  # 24 requests, at most 3 TCP connections


def test_redirects_are_not_followed() -> None:
    async def scenario(base: str, seen: dict[str, Any]) -> None:
        transport = AiohttpTransport(concurrency=1)
        try:
            response = await transport.send(get(f"{base}/redirect"), timeout=5)
        finally:
            await transport.aclose()
        assert response.status == 302
        assert ("Location", "/echo") in response.headers

    seen = serve(scenario)
    assert [r.path for r in seen["requests"]] == ["/redirect"]


def test_raw_headers_are_kept_with_case_and_repeats_and_cookies_do_not_persist() -> None:
    async def scenario(base: str, seen: dict[str, Any]) -> None:
        transport = AiohttpTransport(concurrency=1)
        try:
            cookies = await transport.send(get(f"{base}/cookies"), timeout=5)
            echo = await transport.send(get(f"{base}/echo", ("X-Mixed-Case", "v")), timeout=5)
        finally:
            await transport.aclose()
        assert [v for k, v in cookies.headers if k == "Set-Cookie"] == ["a=1; Path=/", "b=2; Path=/"]
        assert ("X-Case-Kept", "Yes") in echo.headers
        assert echo.http_version == "HTTP/1.1"

    seen = serve(scenario)
    second = seen["requests"][1]
    assert "Cookie" not in second.headers
    assert (b"X-Mixed-Case", b"v") in second.raw_headers  # sent with its spelling


def test_the_url_is_sent_exactly_as_encoded() -> None:
    async def scenario(base: str, seen: dict[str, Any]) -> None:
        transport = AiohttpTransport(concurrency=1)
        try:
            response = await transport.send(get(f"{base}/p/a%2Fb%7E%20c?x=%2F%3D"), timeout=5)
        finally:
            await transport.aclose()
        assert response.body == b"GET /p/a%2Fb%7E%20c?x=%2F%3D"

    serve(scenario)


def test_bodies_are_not_decompressed_and_no_encoding_is_requested() -> None:
    async def scenario(base: str, seen: dict[str, Any]) -> None:
        transport = AiohttpTransport(concurrency=1)
        try:
            response = await transport.send(get(f"{base}/gzip"), timeout=5)
        finally:
            await transport.aclose()
        assert gzip.decompress(response.body) == b'{"a": 1}'
        assert response.body_length == len(response.body) and not response.truncated

    seen = serve(scenario)
    assert "Accept-Encoding" not in seen["requests"][0].headers


def test_bodies_are_read_up_to_the_limit_with_the_true_length() -> None:
    async def scenario(base: str, seen: dict[str, Any]) -> None:
        transport = AiohttpTransport(concurrency=1, max_response_bytes=100)
        try:
            response = await transport.send(get(f"{base}/big"), timeout=5)
            again = await transport.send(get(f"{base}/echo"), timeout=5)  # the pool survives a dropped connection
        finally:
            await transport.aclose()
        assert (len(response.body), response.body_length, response.truncated) == (100, 1000, True)
        assert again.status == 200

    serve(scenario)


def test_post_bodies_and_headers_reach_the_server() -> None:
    async def scenario(base: str, seen: dict[str, Any]) -> None:
        transport = AiohttpTransport(concurrency=1)
        try:
            request = PreparedRequest("POST", f"{base}/echo", (("Content-Type", "application/json"),), b'{"a":1}')
            response = await transport.send(request, timeout=5)
        finally:
            await transport.aclose()
        assert response.body == b"POST /echo"

    seen = serve(scenario)
    assert seen["requests"][0].headers["Content-Type"] == "application/json"
    assert seen["requests"][0].content_length == 7


def test_no_content_type_is_added_to_a_body_sent_without_one() -> None:
    async def scenario(base: str, seen: dict[str, Any]) -> None:
        transport = AiohttpTransport(concurrency=1)
        try:
            await transport.send(PreparedRequest("POST", f"{base}/echo", (), b"raw"), timeout=5)
        finally:
            await transport.aclose()

    seen = serve(scenario)
    assert "Content-Type" not in seen["requests"][0].headers
    assert "User-Agent" not in seen["requests"][0].headers


def test_unreachable_port_is_target_unreachable(unused_port: int) -> None:
    async def main() -> None:
        transport = AiohttpTransport(concurrency=1)
        try:
            await transport.send(get(f"http://127.0.0.1:{unused_port}/x?token=abc"), timeout=2)
        finally:
            await transport.aclose()

    with pytest.raises(TargetUnreachable) as raised:
        asyncio.run(main())
    assert raised.value.code == "TARGET_UNREACHABLE"
    assert "token=abc" not in str(raised.value)  # query strings may carry credentials


@pytest.mark.parametrize("path", ["/slow", "/slow-body"])
def test_slow_handler_is_target_timeout(path: str) -> None:
    async def scenario(base: str, seen: dict[str, Any]) -> None:
        transport = AiohttpTransport(concurrency=1)
        try:
            with pytest.raises(TargetTimeout):
                await transport.send(get(f"{base}{path}"), timeout=0.3)
        finally:
            await transport.aclose()

    serve(scenario)


def raw_server(reply: bytes) -> Callable[[Callable[[str], Awaitable[None]]], None]:
    """A TCP server that answers every connection with ``reply`` bytes and closes."""

    def run(scenario: Callable[[str], Awaitable[None]]) -> None:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(reply)
            await writer.drain()
            writer.close()

        async def main() -> None:
            server = await asyncio.start_server(handle, "127.0.0.1", 0)
            port = server.sockets[0].getsockname()[1]
            async with server:
                await scenario(f"http://127.0.0.1:{port}")

        asyncio.run(main())

    return run


async def _send_once(base: str, method: str = "GET") -> RawResponse:
    transport = AiohttpTransport(concurrency=1)
    try:
        return await transport.send(PreparedRequest(method, f"{base}/x"), timeout=2)
    finally:
        await transport.aclose()


def test_malformed_http_is_a_protocol_error() -> None:
    async def scenario(base: str) -> None:
        with pytest.raises(TargetError) as raised:
            await _send_once(base)
        assert raised.value.code == "TARGET_PROTOCOL"

    raw_server(b"HELLO THERE\r\n\r\n")(scenario)


def test_closing_without_a_response_is_a_reset() -> None:
    async def scenario(base: str) -> None:
        with pytest.raises(TargetUnreachable) as raised:
            await _send_once(base, "POST")
        assert raised.value.code == CONNECTION_RESET_CODE

    raw_server(b"")(scenario)
