"""Serving the demo shop: the command-line entry point and a real server process."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest

from examples.demo_target import __main__ as demo_main
from examples.demo_target.app import SPEC_PATH
from tests.unit.examples.shop import (
    ALICE,
    ORDER_OF,
    REPO_ROOT,
    ShopClient,
)

# Serving


def test_main_serves_one_quiet_uvicorn_process(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr("uvicorn.run", lambda app, **kwargs: calls.append((app, kwargs)))
    demo_main.main(["--host", "127.0.0.2", "--port", "9001"])
    [(app, kwargs)] = calls
    assert kwargs == {"host": "127.0.0.2", "port": 9001, "workers": 1, "access_log": False, "log_level": "info"}
    reply = ShopClient(app).get("/openapi.yaml", token=None)
    assert reply.content == SPEC_PATH.read_bytes()
    defaults = demo_main.parse_args([])
    assert (defaults.host, defaults.port) == ("127.0.0.1", 8765)


@pytest.fixture
def served_shop() -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "examples.demo_target",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"{base}/health", timeout=1):
                    break
            except (urllib.error.URLError, ConnectionError):
                assert process.poll() is None, process.stderr.read() if process.stderr else b""
                assert time.monotonic() < deadline, "the demo shop did not start"
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stderr:
            process.stderr.close()


def test_module_serves_the_shop_over_http(served_shop: str) -> None:
    with urllib.request.urlopen(f"{served_shop}/openapi.yaml", timeout=5) as reply:
        assert reply.read() == SPEC_PATH.read_bytes()
    request = urllib.request.Request(
        f"{served_shop}/orders/{quote(ORDER_OF[ALICE.user_id])}", headers={"Authorization": f"Bearer {ALICE.token}"}
    )
    with urllib.request.urlopen(request, timeout=5) as reply:
        assert json.loads(reply.read())["id"] == ORDER_OF[ALICE.user_id]
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(f"{served_shop}/docs", timeout=5)
    assert missing.value.code == 404
