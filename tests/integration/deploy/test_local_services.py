"""The services deploy.local runs answer real operations, and up / kill / start / down behave as documented.

Services are started once for the module (in parallel) and reused; only the kill and durability tests restart
one. A service that cannot start makes these tests fail, never skip.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
import redis
from elasticsearch import Elasticsearch, helpers
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import NewTopic

from deploy import local
from deploy.local import processes
from deploy.local.health import port_open

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[3]
PER_SERVICE = [pytest.param(name, marks=getattr(pytest.mark, name), id=name) for name in local.SERVICES]


def _selected_services(request: pytest.FixtureRequest) -> list[str]:
    """Services that the selected tests of this module need (by marker), so ``-m redis`` starts only Redis."""
    needed = {
        marker.name
        for item in request.session.items
        if getattr(item, "module", None) is request.module
        for marker in item.iter_markers()
        if marker.name in local.SERVICES
    }
    return [name for name in local.SERVICES if name in needed]


@pytest.fixture(scope="module", autouse=True)
def services(request: pytest.FixtureRequest) -> Iterator[list[str]]:
    names = _selected_services(request)
    before = [state.name for state in local.status(*names) if state.state == "running"] if names else []
    if names:
        local.up(*names)
    yield names
    # The down test stops everything; bring back what was running before this module, as a developer left it.
    if before:
        local.up(*before)


def _conninfo() -> str:
    return local.endpoint("postgres").replace("postgresql+psycopg://", "postgresql://")


def _postgres_roundtrip() -> None:
    with psycopg.connect(_conninfo(), connect_timeout=5) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS deploy_check (id bigserial PRIMARY KEY, embedding vector(3))")
        conn.execute("INSERT INTO deploy_check (embedding) VALUES ('[1,0,0]'), ('[0,1,0]'), ('[0,0,1]')")
        nearest = conn.execute(
            "SELECT embedding::text, embedding <-> '[0.1,0.9,0]' AS distance FROM deploy_check "
            "ORDER BY embedding <-> '[0.1,0.9,0]' LIMIT 1"
        ).fetchone()
    assert nearest is not None
    assert nearest[0] == "[0,1,0]"
    assert nearest[1] == pytest.approx((0.1**2 + 0.1**2) ** 0.5)


def _kafka_roundtrip() -> None:
    topic = f"deploy-check-{uuid.uuid4().hex[:8]}"
    payload = uuid.uuid4().bytes
    bootstrap = local.endpoint("kafka")
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10_000)
    try:
        admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])
    finally:
        admin.close()
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    try:
        producer.send(topic, payload).get(timeout=20)
    finally:
        producer.close()
    # A consumer group, as the pipeline uses: this also exercises the single-replica offsets topic.
    consumer = KafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=f"deploy-check-{topic}",
    )  # fmt: skip
    deadline = time.monotonic() + 30
    try:
        while time.monotonic() < deadline:
            batches = consumer.poll(timeout_ms=1000)
            if any(record.value == payload for records in batches.values() for record in records):
                return
    finally:
        consumer.close()
    pytest.fail(f"the message produced to {topic} was not consumed within 30 s")


def _elasticsearch_roundtrip() -> None:
    es = Elasticsearch(local.endpoint("elasticsearch"), request_timeout=30)
    index = f"deploy-check-{uuid.uuid4().hex[:8]}"
    es.index(index=index, id="1", document={"status": "pass", "latency_ms": 12}, refresh=True)
    hits = es.search(index=index, query={"term": {"status": "pass"}})["hits"]["hits"]
    assert [hit["_id"] for hit in hits] == ["1"]
    es.indices.delete(index=index)


def _redis_roundtrip() -> None:
    client = redis.Redis.from_url(local.endpoint("redis"), socket_timeout=5)
    key = f"deploy-check:{uuid.uuid4().hex}"
    client.set(key, b"ok", ex=60)
    assert client.get(key) == b"ok"


ROUNDTRIPS: dict[str, Callable[[], None]] = {
    "postgres": _postgres_roundtrip,
    "kafka": _kafka_roundtrip,
    "elasticsearch": _elasticsearch_roundtrip,
    "redis": _redis_roundtrip,
}


@pytest.mark.postgres
def test_postgres_runs_pgvector_with_fast_settings() -> None:
    _postgres_roundtrip()
    with psycopg.connect(_conninfo()) as conn:
        assert conn.execute("SHOW listen_addresses").fetchone() == ("127.0.0.1",)
        assert conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'").fetchone() is not None


def _durability() -> tuple[str, ...]:
    with psycopg.connect(_conninfo()) as conn:
        return tuple(str(conn.execute(f"SHOW {name}").fetchone()[0]) for name in local.postgres.DURABILITY_SETTINGS)  # type: ignore[index]


@pytest.mark.postgres
def test_postgres_switches_between_durable_and_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    local.up("postgres", durable=False)
    assert _durability() == ("off", "off", "off")
    durable = local.restart("postgres", durable=True)
    assert _durability() == ("on", "on", "on")
    assert local.up("postgres")[0].action == "already running"  # no preference: the running mode stays
    assert _durability() == ("on", "on", "on")
    monkeypatch.setenv("SENTINEL_LOCAL_POSTGRES_DURABLE", "0")
    fast = local.up("postgres")[0]
    assert fast.action == "restarted"
    assert fast.pid != durable.pid
    assert _durability() == ("off", "off", "off")


@pytest.mark.kafka
def test_kafka_produces_and_consumes_one_message() -> None:
    _kafka_roundtrip()


@pytest.mark.elasticsearch
def test_elasticsearch_serves_the_client_the_project_uses() -> None:
    es = Elasticsearch(local.endpoint("elasticsearch"), request_timeout=30)
    assert es.info()["version"]["number"].startswith("8.")
    assert es.ping()
    prefix = f"deploy-check-{uuid.uuid4().hex[:8]}"
    es.indices.put_index_template(
        name=prefix, index_patterns=[f"{prefix}-*"],
        template={
            "settings": {"number_of_shards": 1, "number_of_replicas": 0},
            "mappings": {"properties": {"at": {"type": "date"}, "status": {"type": "keyword"}, "ms": {"type": "long"}}},
        },
    )  # fmt: skip
    docs = [
        {
            "_index": f"{prefix}-1",
            "_source": {"at": f"2026-01-0{1 + i % 3}", "status": ("fail", "pass")[i % 2], "ms": i},
        }
        for i in range(30)
    ]
    assert helpers.bulk(es, docs, refresh=True)[0] == 30
    try:
        assert es.count(index=f"{prefix}-*")["count"] == 30
        query = {"bool": {"filter": [{"term": {"status": "pass"}}, {"range": {"ms": {"gte": 10}}}]}}
        assert es.count(index=f"{prefix}-*", query=query)["count"] == 10
        aggs = {
            "by_status": {"terms": {"field": "status"}},
            "per_day": {"date_histogram": {"field": "at", "calendar_interval": "day"}},
        }
        buckets = es.search(index=f"{prefix}-*", size=0, aggs=aggs)["aggregations"]
        assert {b["key"]: b["doc_count"] for b in buckets["by_status"]["buckets"]} == {"pass": 15, "fail": 15}
        assert [b["doc_count"] for b in buckets["per_day"]["buckets"]] == [10, 10, 10]
    finally:
        es.indices.delete(index=f"{prefix}-*")
        es.indices.delete_index_template(name=prefix)


@pytest.mark.redis
def test_redis_sets_and_gets() -> None:
    _redis_roundtrip()


@pytest.mark.parametrize("name", PER_SERVICE)
def test_up_on_a_healthy_service_is_a_no_op(name: str) -> None:
    pid = local.pid(name)
    assert pid is not None and local.healthy(name)
    outcome = local.up(name)[0]
    assert outcome.action == "already running"
    assert local.pid(name) == pid == outcome.pid


@pytest.mark.parametrize("name", PER_SERVICE)
def test_kill_then_start_recovers(name: str) -> None:
    ROUNDTRIPS[name]()
    record = processes.read_pid_file(local.service(name).pid_file)
    assert record is not None
    family = processes.family(record)
    assert local.kill(name).action == "killed"
    assert not any(processes.start_ticks(pid) == ticks for pid, ticks in family.items())
    assert not local.healthy(name)
    assert local.status(name)[0].state == "crashed"
    outcome = local.start(name)
    assert outcome.action == "started"
    assert any("stale PID file" in note for note in outcome.notes)
    assert local.healthy(name)
    assert outcome.pid != record.pid
    ROUNDTRIPS[name]()


def test_status_command_names_every_log(services: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "deploy.local", "status", *services],
        cwd=REPO, capture_output=True, text=True, timeout=60, check=False, env=dict(os.environ),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    for state in local.status(*services):
        line = next(row for row in result.stdout.splitlines() if row.startswith(state.name + " "))
        assert "running" in line and str(state.log) in line and str(state.pid) in line


def test_down_leaves_no_process_of_ours(services: list[str]) -> None:
    families = {}
    for name in services:
        record = processes.read_pid_file(local.service(name).pid_file)
        assert record is not None
        families[name] = processes.family(record)
    started = time.monotonic()
    outcomes = local.down(*services)
    assert {o.name: o.action for o in outcomes} == dict.fromkeys(services, "stopped")
    assert time.monotonic() - started < 90
    for name, family in families.items():
        survivors = [pid for pid, ticks in family.items() if processes.start_ticks(pid) == ticks]
        assert survivors == [], f"{name} left {survivors}"
        svc = local.service(name)
        assert not svc.pid_file.exists()
        assert not any(port_open("127.0.0.1", port) for port in svc.ports())
    assert {s.name: s.state for s in local.status(*services)} == dict.fromkeys(services, "stopped")
    assert {o.action for o in local.down(*services)} <= {"not running"}


@pytest.mark.redis
def test_a_stale_or_foreign_pid_file_is_never_signalled() -> None:
    """A PID file whose PID now belongs to another process (here: this test run) is stale, not a target."""
    local.down("redis")
    pid_file = local.service("redis").pid_file
    foreign = processes.PidRecord(pid=os.getpid(), start_ticks=1, started_at=0.0)
    processes.write_pid_file(pid_file, foreign)
    assert local.status("redis")[0].state == "crashed"
    assert not local.healthy("redis")
    assert local.down("redis")[0].action == "not running"
    assert not pid_file.exists()
    pid_file.write_text("{torn")
    outcome = local.up("redis")[0]
    assert outcome.action == "started"
    _redis_roundtrip()
    local.down("redis")
