"""The virtual-network harness for Ray tests: hosts talk to each other by address, nothing of the network is visible
from or routed to the outside, root loopback services are reachable only through ``forward``, and ``close`` /
``cleanup_stale`` leave nothing behind. Needs root: fails (never skips) otherwise."""

from __future__ import annotations

import contextlib
import errno
import http.server
import ipaddress
import json
import os
import random
import shutil
import signal
import socket
import socketserver
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures import netns
from tests.fixtures.netns import VirtualNetwork, assert_isolated, cleanup_stale, external_addresses, root_listeners

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

PY = sys.executable


@pytest.fixture
def network() -> Iterator[VirtualNetwork]:
    with VirtualNetwork(("alpha", "beta")) as net:
        yield net


def root_links() -> set[str]:
    return {link["ifname"] for link in json.loads(netns.ip("-j", "link", "show").stdout)}


def dead(pid: int) -> bool:
    """Gone, or a zombie waiting for a parent outside our control to reap it."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (FileNotFoundError, ProcessLookupError):
        return True


def forwarder_threads() -> list[str]:
    return [thread.name for thread in threading.enumerate() if thread.name.startswith("netns-")]


@contextlib.contextmanager
def root_server(handler: type[socketserver.BaseRequestHandler]) -> Iterator[int]:
    """A threaded TCP server on the root namespace's loopback; yields its port."""
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()


class Echo(socketserver.BaseRequestHandler):
    """Echoes until the client's FIN, then sends its own: exercises half-close through the forwarder."""

    def handle(self) -> None:
        while data := self.request.recv(1 << 16):
            self.request.sendall(data)
        self.request.shutdown(socket.SHUT_WR)


class Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"hello from the root namespace"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # keep test output clean
        pass


def test_hosts_reach_each_other_by_address(network: VirtualNetwork, tmp_path: Path) -> None:
    alpha, beta = network.hosts["alpha"], network.hosts["beta"]
    assert alpha.address != beta.address
    assert alpha.address.startswith(network.subnet.rsplit(".", 1)[0] + ".")
    (tmp_path / "index.txt").write_text("served by alpha")
    server = alpha.popen(
        [PY, "-m", "http.server", "8080", "--bind", alpha.address, "--directory", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    alpha.wait_listening(8080, process=server)
    fetch = (
        f"import urllib.request; print(urllib.request.urlopen('http://{alpha.address}:8080/index.txt').read().decode())"
    )
    assert beta.run([PY, "-c", fetch], timeout=30).stdout.strip() == "served by alpha"


def test_root_namespace_sees_nothing_of_the_network(tmp_path: Path) -> None:
    links_before = root_links()
    ports_before = {port for _, port, _ in root_listeners()}
    port = next(port for port in range(8081, 9000) if port not in ports_before)
    with VirtualNetwork(("alpha", "beta")) as network:
        alpha = network.hosts["alpha"]
        server = alpha.popen(
            [PY, "-m", "http.server", str(port), "--bind", "0.0.0.0", "--directory", str(tmp_path)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        alpha.wait_listening(port, process=server)

        # No interface, address or listener of the network in the root namespace.
        assert root_links() == links_before
        assert not [a for a in external_addresses() if a.startswith(network.subnet.rsplit(".", 1)[0] + ".")]
        listeners = root_listeners()
        assert not [entry for entry in listeners if entry[1] == port or entry[2] == server.pid]

        # The root namespace has no way into the network. Where it has a default route a connect would send a SYN to
        # the real gateway (forbidden traffic), so there the route lookup must show only pre-existing interfaces;
        # without a route, connecting fails at once without sending anything.
        for host in network.hosts.values():
            route = netns.ip("-j", "route", "get", host.address, check=False)
            if route.returncode == 0:
                [entry] = json.loads(route.stdout)
                assert entry["dev"] in links_before and entry.get("type", "unicast") != "local", entry
            else:
                with pytest.raises(OSError) as refused:
                    socket.create_connection((host.address, port), timeout=1)
                assert refused.value.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH)


def test_hosts_are_isolated_and_reach_root_loopback_only_through_forward(network: VirtualNetwork) -> None:
    assert_isolated(network)
    alpha = network.hosts["alpha"]

    # Nothing can be sent out: with no route, connect fails immediately and no packet leaves the namespace.
    for address in external_addresses():
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        with alpha.new_socket(family) as probe, pytest.raises(OSError) as unreachable:
            probe.settimeout(2)
            probe.connect((address, 22))
        # A link-local address without scope cannot even be addressed (EINVAL): nothing is sent either way.
        expected = errno.EINVAL if ipaddress.ip_address(address).is_link_local else errno.ENETUNREACH
        assert unreachable.value.errno == expected, address

    with root_server(Hello) as port:
        fetch = f"import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:{port}/').read().decode())"
        refused = alpha.run([PY, "-c", fetch], check=False)
        assert refused.returncode != 0 and "Connection refused" in refused.stderr
        network.forward(alpha, port)
        assert alpha.run([PY, "-c", fetch]).stdout.strip() == "hello from the root namespace"
        # Only the forwarded host gained access.
        assert network.hosts["beta"].run([PY, "-c", fetch], check=False).returncode != 0


CLIENT = """
import hashlib, json, random, socket, sys, threading
port, count, size = map(int, sys.argv[1:])
results = {}

def one(index):
    payload = random.Random(index).randbytes(size)
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        def send():
            sock.sendall(payload)
            sock.shutdown(socket.SHUT_WR)
        sender = threading.Thread(target=send)
        sender.start()
        received = bytearray()
        while chunk := sock.recv(1 << 16):
            received += chunk
        sender.join()
    results[index] = [len(received), hashlib.sha256(received).hexdigest() == hashlib.sha256(payload).hexdigest()]

threads = [threading.Thread(target=one, args=(index,)) for index in range(count)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(json.dumps(results))
"""


def test_forward_many_concurrent_connections_and_large_transfers(network: VirtualNetwork) -> None:
    alpha = network.hosts["alpha"]
    count, size = 12, 5 * 1024 * 1024
    with root_server(Echo) as port:
        network.forward(alpha, 9092, port)  # a different port inside, as Kafka's advertised listener may need
        started = time.monotonic()
        output = alpha.run([PY, "-c", CLIENT, "9092", str(count), str(size)], timeout=90).stdout
        elapsed = time.monotonic() - started
    results = json.loads(output)
    assert results == {str(index): [size, True] for index in range(count)}
    assert elapsed < 30, f"{count} × {size} bytes echoed in {elapsed:.1f} s"


def test_forward_passes_half_close_and_resets(network: VirtualNetwork) -> None:
    alpha = network.hosts["alpha"]
    with root_server(Echo) as port:
        network.forward(alpha, port)
        with alpha.connect(port) as sock:
            sock.sendall(b"ping")
            sock.shutdown(socket.SHUT_WR)  # the echo server answers only after our FIN reached it
            received = b""
            while chunk := sock.recv(1024):
                received += chunk
            assert received == b"ping"

    # Nothing listens upstream any more: the connection is accepted in the namespace, then reset.
    with alpha.connect(port) as sock:
        sock.settimeout(5)
        with pytest.raises(ConnectionResetError):
            sock.sendall(b"x")
            sock.recv(1024)


def test_close_kills_processes_and_removes_everything() -> None:
    network = VirtualNetwork(("alpha", "beta"))
    network.start()
    alpha, beta = network.hosts["alpha"], network.hosts["beta"]
    child = alpha.popen(["sleep", "300"])
    # A daemonised process that is not our child, as Ray's raylet and GCS are.
    beta.run(["sh", "-c", "sleep 300 >/dev/null 2>&1 </dev/null &"])
    with root_server(Echo) as port:
        network.forward(beta, port)
        lingering = beta.connect(port)  # an open forwarded connection must not keep the namespace alive
        pids = alpha.pids() + beta.pids()
        namespaces = network.namespaces
        assert len(pids) == 2 and child.pid in pids
        assert set(namespaces) <= set(netns.list_namespaces())

        network.close()
        lingering.close()
    assert child.returncode == -signal.SIGKILL
    assert all(dead(pid) for pid in pids)
    assert not set(namespaces) & set(netns.list_namespaces())
    assert not (netns.LOCK_DIR / f"{network.name}.lock").exists()
    assert forwarder_threads() == []
    network.close()  # idempotent


def test_interpreter_exit_closes_a_forgotten_network() -> None:
    program = (
        "from tests.fixtures.netns import VirtualNetwork\n"
        "network = VirtualNetwork(('alpha',)).__enter__()\n"
        "network.hosts['alpha'].popen(['sleep', '300'])\n"
        "print(*network.hosts['alpha'].pids(), *network.namespaces)\n"
    )
    pid, *namespaces = subprocess.run(
        [PY, "-c", program], cwd=netns.REPO, capture_output=True, text=True, timeout=30, check=True
    ).stdout.split()
    assert namespaces and not set(namespaces) & set(netns.list_namespaces())
    assert dead(int(pid))


def test_a_failed_build_removes_what_it_built(monkeypatch: pytest.MonkeyPatch) -> None:
    network = VirtualNetwork(("alpha", "beta"))

    def broken(timeout: float = 10) -> None:
        raise OSError("simulated failure after the namespaces were made")

    monkeypatch.setattr(network, "_wait_ports_forwarding", broken)
    with pytest.raises(OSError, match="simulated"):
        network.start()
    assert len(network.namespaces) == 3
    assert not set(network.namespaces) & set(netns.list_namespaces())
    assert not (netns.LOCK_DIR / f"{network.name}.lock").exists()


def test_cleanup_stale_removes_leftovers_of_killed_runs_only() -> None:
    prefix = f"sntlst{random.randrange(1 << 16):04x}"
    handmade = f"{prefix}-dev"  # not of this module's shape: never touched
    # A run killed with SIGKILL: its namespaces and a process inside them stay behind.
    program = (
        "import time\n"
        "from tests.fixtures.netns import VirtualNetwork\n"
        f"network = VirtualNetwork(('alpha',), prefix={prefix!r}).__enter__()\n"
        "network.hosts['alpha'].popen(['sleep', '300'])\n"
        "print(network.name, *network.namespaces, flush=True)\n"
        "time.sleep(300)\n"
    )
    killed = subprocess.Popen([PY, "-c", program], cwd=netns.REPO, stdout=subprocess.PIPE, text=True)
    try:
        assert killed.stdout is not None
        stale_name, *stale = killed.stdout.readline().split()
        stale_pids = netns.namespace_pids(f"{stale_name}-alpha")
        killed.kill()
        killed.wait()
        assert stale_pids and set(stale) <= set(netns.list_namespaces())

        netns.ip("netns", "add", handmade)
        with VirtualNetwork(("alpha",), prefix=prefix) as live:
            assert sorted(cleanup_stale(prefix)) == sorted(stale)
            remaining = set(netns.list_namespaces())
            assert not set(stale) & remaining
            assert set(live.namespaces) | {handmade} <= remaining
            assert all(dead(pid) for pid in stale_pids)
            assert not (netns.LOCK_DIR / f"{stale_name}.lock").exists()
            live.hosts["alpha"].run(["true"])
            assert cleanup_stale(prefix) == []
    finally:
        killed.kill()
        killed.wait()
        if killed.stdout is not None:
            killed.stdout.close()
        cleanup_stale(prefix)  # whatever an assertion above left behind
        if handmade in netns.list_namespaces():
            netns.ip("netns", "delete", handmade)


def test_two_networks_at_once_get_distinct_names_and_subnets() -> None:
    with VirtualNetwork(("a",)) as first, VirtualNetwork(("a",)) as second:
        assert first.subnet != second.subnet
        assert not set(first.namespaces) & set(second.namespaces)
        assert_isolated(first)
        assert_isolated(second)


def test_requires_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    with pytest.raises(RuntimeError, match="must run as root"), VirtualNetwork(("a",)):
        pass


def test_requires_iproute2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda *args, **kwargs: None)
    with pytest.raises(RuntimeError, match="iproute2"), VirtualNetwork(("a",)):
        pass
