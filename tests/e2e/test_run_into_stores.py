"""``sentinel run`` with its results kept: in-process into both stores, and through Kafka with the
``sentinel pipeline consume`` consumers. The job's status is kept current in Postgres."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from elasticsearch import Elasticsearch
from kafka.admin import KafkaAdminClient

from api.reports import read_ndjson
from pipeline import es_index
from pipeline.store import migrate
from tests.fixtures.corpus import REPO

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.postgres, pytest.mark.kafka]

DEMO = REPO / "examples" / "demo_target"


@pytest.fixture
def store_env(
    fresh_database: Callable[[], str], kafka_service: str, elasticsearch_service: str, es_client: Elasticsearch
) -> Iterator[dict[str, str]]:
    """Settings for a private store: a migrated database, an index prefix and consumer groups of this test."""
    dsn = fresh_database()
    migrate.upgrade(dsn)
    unique = uuid.uuid4().hex[:8]
    prefix = f"e2e-results-{unique}"
    env = {
        **os.environ,
        "SENTINEL_POSTGRES__DSN": dsn.replace("postgresql://", "postgresql+psycopg://", 1),
        "SENTINEL_KAFKA__BOOTSTRAP_SERVERS": kafka_service,
        "SENTINEL_KAFKA__CONSUMER_GROUP_PREFIX": f"e2e-{unique}",
        "SENTINEL_KAFKA__TOPIC_NAMESPACE": f"e2e-{unique}",
        "SENTINEL_ELASTICSEARCH__URL": elasticsearch_service,
        "SENTINEL_ELASTICSEARCH__INDEX_PREFIX": prefix,
    }
    yield env
    es_client.indices.delete(index=es_index.index_pattern(prefix), allow_no_indices=True)
    es_client.options(ignore_status=404).indices.delete_index_template(name=es_index.template_name(prefix))
    admin = KafkaAdminClient(bootstrap_servers=kafka_service)
    try:
        mine = [t for t in admin.list_topics() if t.startswith(f"e2e-{unique}.")]
        if mine:
            admin.delete_topics(mine)
    finally:
        admin.close()


def _run(env: dict[str, str], base_url: str, tmp_path: Path, *options: str) -> tuple[str, list[str]]:
    ndjson = tmp_path / "results.ndjson"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "api.cli",
            "run",
            "--spec",
            str(DEMO / "openapi.yaml"),
            "--base-url",
            base_url,
            "--identities",
            str(DEMO / "identities.yaml"),
            "--max-cases",
            "5",
            "--report",
            f"ndjson={ndjson}",
            *options,
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-3000:]  # the demo shop has findings
    events = list(read_ndjson(ndjson))
    assert len({e.job_id for e in events}) == 1
    return events[0].job_id, [event.event_id for event in events]


def _stored(env: dict[str, str], job_id: str, event_ids: list[str]) -> tuple[int, int, str | None]:
    """(rows in Postgres, documents in Elasticsearch, job status) for the run's events."""
    with psycopg.connect(env["SENTINEL_POSTGRES__DSN"].replace("+psycopg", "")) as conn:
        rows = conn.execute(
            "SELECT count(*), count(DISTINCT event_id) FROM results WHERE event_id = ANY(%s::uuid[])", [event_ids]
        ).fetchone()
        job = conn.execute("SELECT status FROM jobs WHERE job_id = %s", [job_id]).fetchall()
    assert rows is not None
    assert rows[0] == rows[1], "duplicates in Postgres"
    client = Elasticsearch(env["SENTINEL_ELASTICSEARCH__URL"])
    try:
        pattern = es_index.index_pattern(env["SENTINEL_ELASTICSEARCH__INDEX_PREFIX"])
        client.indices.refresh(index=pattern, allow_no_indices=True)
        documents = client.count(
            index=pattern, query={"ids": {"values": event_ids}}, allow_no_indices=True, ignore_unavailable=True
        )["count"]
    finally:
        client.close()
    return int(rows[0]), int(documents), job[0][0] if len(job) == 1 else None


def test_run_with_local_bus_writes_both_stores(store_env: dict[str, str], demo_shop_url: str, tmp_path: Path) -> None:
    job_id, event_ids = _run(store_env, demo_shop_url, tmp_path, "--bus", "local", "--store", "all")
    assert event_ids
    assert _stored(store_env, job_id, event_ids) == (len(event_ids), len(event_ids), "finished")


def test_run_through_kafka_lands_in_both_stores_via_the_consumers(
    store_env: dict[str, str], demo_shop_url: str, tmp_path: Path
) -> None:
    consumer = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "pipeline", "consume", "--sink", "all"],
        cwd=REPO,
        env=store_env,
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "consumer.log").open("wb"),
    )
    try:
        job_id, event_ids = _run(store_env, demo_shop_url, tmp_path, "--bus", "kafka")
        deadline = time.monotonic() + 120
        while _stored(store_env, job_id, event_ids) != (len(event_ids), len(event_ids), "finished"):
            assert consumer.poll() is None, (tmp_path / "consumer.log").read_text()[-3000:]
            assert time.monotonic() < deadline, f"stored so far: {_stored(store_env, job_id, event_ids)}"
            time.sleep(0.5)
    finally:
        consumer.send_signal(signal.SIGTERM)
        consumer.wait(60)
    assert consumer.returncode == 0, (tmp_path / "consumer.log").read_text()[-3000:]


def test_kafka_bus_with_a_store_option_is_a_usage_error(demo_shop_url: str) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "api.cli",
            "run",
            "--spec",
            str(DEMO / "openapi.yaml"),
            "--base-url",
            demo_shop_url,
            "--bus",
            "kafka",
            "--store",
            "postgres",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 2
    assert "CONFIG_STORE" in proc.stderr
