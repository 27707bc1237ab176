"""A deliberately fast HTTP/1.1 target for execution benchmarks (bench/specs/bench_api.yaml).

Raw asyncio, keep-alive, canned answers that follow the contract: the target must never be what limits the tool
being measured. It counts requests and remembers the first and last arrival, so throughput is measured where the
requests land, independent of each tool's start-up time. ``GET /__stats`` reports, ``POST /__reset`` resets.

    python -m bench.fast_target --port 8899
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

ITEM = {"id": 1, "name": "lamp", "price": 25.5, "tags": ["desk"]}


def _response(status: int, reason: str, body: bytes = b"", content_type: str = "application/json") -> bytes:
    head = f"HTTP/1.1 {status} {reason}\r\nContent-Length: {len(body)}\r\n"
    if body:
        head += f"Content-Type: {content_type}\r\n"
    return head.encode() + b"\r\n" + body


LIST = _response(200, "OK", json.dumps({"items": [ITEM, {**ITEM, "id": 2}, {**ITEM, "id": 3}]}).encode())
ONE = _response(200, "OK", json.dumps(ITEM).encode())
CREATED = _response(201, "Created", json.dumps(ITEM).encode())
DELETED = _response(204, "No Content")
NOT_FOUND = _response(404, "Not Found", b'{"error":"no route"}')


class Stats:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.count = 0
        self.first = 0.0
        self.last = 0.0

    def hit(self) -> None:
        now = time.perf_counter()
        if self.count == 0:
            self.first = now
        self.count += 1
        self.last = now


STATS = Stats()


def route(method: bytes, target: bytes) -> bytes:
    path = target.split(b"?", 1)[0]
    if path == b"/__stats":
        body = json.dumps({"requests": STATS.count, "seconds": STATS.last - STATS.first}).encode()
        return _response(200, "OK", body)
    if path == b"/__reset":
        STATS.reset()
        return DELETED
    STATS.hit()
    if path == b"/items":
        return LIST if method == b"GET" else CREATED if method == b"POST" else NOT_FOUND
    if path.startswith(b"/items/"):
        return {b"GET": ONE, b"PUT": ONE, b"DELETE": DELETED}.get(method, NOT_FOUND)
    return NOT_FOUND


class HttpProtocol(asyncio.Protocol):
    def __init__(self) -> None:
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buffer[:end]
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip() or b"0")
            if len(self.buffer) < end + 4 + length:
                return
            request_line = head.split(b"\r\n", 1)[0].split(b" ")
            self.buffer = self.buffer[end + 4 + length :]
            assert self.transport is not None
            self.transport.write(route(request_line[0], request_line[1] if len(request_line) > 1 else b"/"))


async def serve(host: str, port: int) -> None:
    server = await asyncio.get_running_loop().create_server(HttpProtocol, host, port, backlog=1024)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8899)
    args = parser.parse_args()
    asyncio.run(serve(args.host, args.port))


if __name__ == "__main__":
    main()
