"""``sentinel pipeline consume`` as a process: it stores what was published, logs one line per batch, and stops
cleanly on SIGTERM with everything committed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable

import psycopg
import pytest
from elasticsearch import Elasticsearch

from agent_core.events import ResultEvent, RunEventType
from agent_core.settings import KafkaSettings
from pipeline import es_index
from pipeline.bus import KafkaBus
from pipeline.store import migrate
from pipeline.store.engine import sqlalchemy_url
from tests.fixtures.corpus import REPO
from tests.fixtures.kafka import run_event

pytestmark = [pytest.mark.integration, pytest.mark.kafka, pytest.mark.elasticsearch, pytest.mark.slow]

# The command's group, run the way the `sentinel` entry point runs it with -v (api/cli.py registers the group).
COMMAND = (
    "import logging, sys\n"
    "logging.basicConfig(level=logging.INFO, format='%(levelname)s %(name)s: %(message)s')\n"
    "from api.commands.pipeline import pipeline_group\n"
    "pipeline_group(sys.argv[1:], prog_name='sentinel pipeline')\n"
)


def es_count(client: Elasticsearch, prefix: str, job_id: str) -> int:
    pattern = es_index.index_pattern(prefix)
    client.indices.refresh(index=pattern, allow_no_indices=True)
    body = client.count(index=pattern, query={"term": {"job_id": job_id}}, allow_no_indices=True)
    return int(body["count"])


def pg_state(dsn: str, job_id: str) -> tuple[int, str | None]:
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT count(*) FROM results WHERE job_id = %s", (job_id,)).fetchone()
        job = conn.execute("SELECT status FROM jobs WHERE job_id = %s", (job_id,)).fetchone()
    return (row[0] if row else 0), (job[0] if job else None)


def publish_job(settings: KafkaSettings, make_results: Callable[..., list[ResultEvent]], n: int) -> str:
    """Publish one job's results and lifecycle to the real topic names, as a deployment uses them."""
    job = f"cli-{uuid.uuid4().hex[:8]}"
    events = make_results(n, job_id=job)  # one job: its id is f"{job}-0"
    bus = KafkaBus(settings)
    bus.publish_run(run_event(RunEventType.STARTED, job_id=f"{job}-0"))
    for event in events:
        bus.publish(event)
    bus.publish_run(run_event(RunEventType.FINISHED, job_id=f"{job}-0", n=n))
    bus.close()
    return f"{job}-0"


def consume(settings: KafkaSettings, env: dict[str, str], sink: str, done: Callable[[], bool]) -> tuple[str, str]:
    """Run the command until ``done``, then SIGTERM it; return its consumer group prefix and its log."""
    group = f"{settings.consumer_group_prefix}-cli-{uuid.uuid4().hex[:6]}"
    args = ["consume", "--sink", sink, "--group", group, "--max-batch", "200"]
    environment = {**os.environ, "SENTINEL_KAFKA__BOOTSTRAP_SERVERS": settings.bootstrap_servers, **env}
    process = subprocess.Popen(
        [sys.executable, "-c", COMMAND, *args],
        cwd=REPO,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not done():
            assert process.poll() is None, process.communicate()[1]
            assert time.monotonic() < deadline, "the consumer did not store the results in time"
            time.sleep(0.5)
        process.send_signal(signal.SIGTERM)
        _, log = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, log
    assert "SIGTERM" in log
    return group, log


def test_consume_into_elasticsearch(
    kafka_settings: KafkaSettings,
    elasticsearch_service: str,
    es_client: Elasticsearch,
    es_prefix: str,
    make_results: Callable[..., list[ResultEvent]],
) -> None:
    job = publish_job(kafka_settings, make_results, 500)
    env = {"SENTINEL_ELASTICSEARCH__URL": elasticsearch_service, "SENTINEL_ELASTICSEARCH__INDEX_PREFIX": es_prefix}
    group, log = consume(kafka_settings, env, "elasticsearch", lambda: es_count(es_client, es_prefix, job) >= 500)
    assert f"{group}-elasticsearch: sentinel.results.v1" in log
    assert "committed in" in log
    assert es_count(es_client, es_prefix, job) == 500


@pytest.mark.postgres
def test_consume_into_every_store(
    kafka_settings: KafkaSettings,
    elasticsearch_service: str,
    es_client: Elasticsearch,
    es_prefix: str,
    fresh_database: Callable[[], str],
    make_results: Callable[..., list[ResultEvent]],
) -> None:
    dsn = fresh_database()
    migrate.upgrade(dsn)
    job = publish_job(kafka_settings, make_results, 400)
    env = {
        "SENTINEL_ELASTICSEARCH__URL": elasticsearch_service,
        "SENTINEL_ELASTICSEARCH__INDEX_PREFIX": es_prefix,
        "SENTINEL_POSTGRES__DSN": sqlalchemy_url(dsn),
    }

    def done() -> bool:
        return es_count(es_client, es_prefix, job) >= 400 and pg_state(dsn, job) == (400, "finished")

    group, log = consume(kafka_settings, env, "all", done)
    for consumer_group in (f"{group}-elasticsearch", f"{group}-postgres", f"{group}-postgres-runs"):
        assert f"{consumer_group}: " in log
    assert pg_state(dsn, job) == (400, "finished")
    assert es_count(es_client, es_prefix, job) == 400
