"""Health of the services Sentinel is configured to use (wherever they run: local scripts, compose, a cluster).

Each probe does one real, cheap operation with a short timeout and never raises: it returns a :class:`Health`.
"""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass

import psycopg
import redis as redis_client
from elasticsearch import Elasticsearch
from kafka import KafkaAdminClient

from agent_core.settings import Settings


@dataclass(frozen=True, slots=True)
class Health:
    service: str
    endpoint: str
    ok: bool
    detail: str
    latency_ms: float


def _timed(service: str, endpoint: str, probe: Callable[[], str]) -> Health:
    start = time.perf_counter()
    try:
        detail = probe()
        ok = True
    except Exception as exc:
        detail = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:300]
        ok = False
    return Health(service, endpoint, ok, detail, (time.perf_counter() - start) * 1000)


def _redact(dsn: str) -> str:
    """``postgresql+psycopg://user:secret@host/db`` → ``postgresql+psycopg://user@host/db``."""
    scheme, sep, rest = dsn.partition("://")
    if "@" not in rest:
        return dsn
    credentials, _, location = rest.rpartition("@")
    return f"{scheme}{sep}{credentials.split(':', 1)[0]}@{location}"


def postgres(settings: Settings, timeout_s: float = 3.0) -> Health:
    dsn = settings.postgres.dsn.get_secret_value()

    def probe() -> str:
        plain = dsn.replace("postgresql+psycopg://", "postgresql://", 1)
        with psycopg.connect(plain, connect_timeout=max(1, int(timeout_s))) as conn:
            version = conn.execute("SHOW server_version").fetchone()
            vector = conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'").fetchone()
        extension = f", pgvector {vector[0]}" if vector else ", pgvector not installed"
        return f"PostgreSQL {version[0] if version else '?'}{extension}"

    return _timed("postgres", _redact(dsn), probe)


def kafka(settings: Settings, timeout_s: float = 3.0) -> Health:
    servers = settings.kafka.bootstrap_servers

    def probe() -> str:
        # kafka-python retries a dead bootstrap server for a long time and logs every attempt: ask the socket first.
        host, _, port = servers.split(",")[0].rpartition(":")
        socket.create_connection((host, int(port)), timeout=timeout_s).close()
        logging.getLogger("kafka").setLevel(logging.CRITICAL)
        admin = KafkaAdminClient(
            bootstrap_servers=servers, client_id="sentinel-health", request_timeout_ms=int(timeout_s * 1000)
        )
        try:
            topics = admin.list_topics()
        finally:
            admin.close()
        return f"{len(topics)} topics"

    return _timed("kafka", servers, probe)


def elasticsearch(settings: Settings, timeout_s: float = 3.0) -> Health:
    config = settings.elasticsearch

    def probe() -> str:
        logging.getLogger("elastic_transport").setLevel(logging.ERROR)
        auth = (config.username, config.password.get_secret_value()) if config.username and config.password else None
        client = Elasticsearch(config.url, basic_auth=auth, request_timeout=timeout_s, verify_certs=config.verify_certs)
        try:
            info = client.info()
            health = client.cluster.health()
        finally:
            client.close()
        return f"{info['version'].get('distribution', 'elasticsearch')} {info['version']['number']}, {health['status']}"

    return _timed("elasticsearch", config.url, probe)


def redis(settings: Settings, timeout_s: float = 3.0) -> Health:
    url = settings.redis.url.get_secret_value()

    def probe() -> str:
        client = redis_client.Redis.from_url(url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s)
        try:
            client.ping()
            info = client.info("server")
        finally:
            client.close()
        return f"Redis {info.get('redis_version', '?')}"

    return _timed("redis", _redact(url), probe)


PROBES: dict[str, Callable[[Settings], Health]] = {
    "postgres": postgres,
    "kafka": kafka,
    "elasticsearch": elasticsearch,
    "redis": redis,
}


def check_all(settings: Settings, services: list[str] | None = None) -> list[Health]:
    return [PROBES[name](settings) for name in services or list(PROBES)]
