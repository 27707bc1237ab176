"""Kafka or Elasticsearch killed (SIGKILL) in the middle of the stream and started again: every result published
before, during and after the crash is stored exactly once."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence

import pytest
from elasticsearch import Elasticsearch

import deploy.local as local
from agent_core.events import ResultEvent
from agent_core.settings import KafkaSettings
from pipeline.bus import Backoff, KafkaBus
from pipeline.consumer import SinkConsumer
from pipeline.sinks.elasticsearch import ElasticsearchSink
from tests.fixtures.elasticsearch import stored_ids
from tests.fixtures.kafka import KafkaNames
from tests.integration.pipeline.support import judge, new_client, run_until

pytestmark = [pytest.mark.integration, pytest.mark.kafka, pytest.mark.elasticsearch, pytest.mark.slow]


class SlowSink(ElasticsearchSink):
    """Takes its time per batch, so that the crash lands while the consumer is busy."""

    def write_results(self, batch: Sequence[ResultEvent]) -> None:
        time.sleep(0.05)
        super().write_results(batch)


def consumer_for(settings: KafkaSettings, names: KafkaNames, url: str, prefix: str) -> SinkConsumer:
    return SinkConsumer(
        settings,
        SlowSink(new_client(url), prefix),
        names.group_for("elasticsearch"),
        topic=names.results,
        dlq_topic=names.dlq,
        max_batch=100,
        poll_timeout_ms=200,
        backoff=Backoff(base_s=0.1, cap_s=2.0),
    )


def publish_in_background(
    settings: KafkaSettings, names: KafkaNames, events: Sequence[ResultEvent]
) -> threading.Thread:
    """Publish ``events`` slowly across the crash; the producer must retry, and keep no duplicate, on its own."""

    def run() -> None:
        bus = KafkaBus(settings, results_topic=names.results, runs_topic=names.runs, create_topics=False)
        for i, event in enumerate(events):
            bus.publish(event)
            if i % 50 == 49:
                time.sleep(0.1)
        bus.flush(180)
        bus.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_kafka_killed_mid_stream(
    kafka_settings: KafkaSettings,
    kafka_names: KafkaNames,
    elasticsearch_service: str,
    es_client: Elasticsearch,
    es_prefix: str,
    make_results: Callable[..., list[ResultEvent]],
) -> None:
    events = make_results(2000, jobs=8)
    bus = KafkaBus(kafka_settings, results_topic=kafka_names.results, runs_topic=kafka_names.runs)
    for event in events[:1000]:
        bus.publish(event)
    bus.close()
    publisher = publish_in_background(kafka_settings, kafka_names, events[1000:])

    consumer = consumer_for(kafka_settings, kafka_names, elasticsearch_service, es_prefix)

    def crash_once_then_finish(c: SinkConsumer) -> bool:
        if c.stats.written >= 300 and not crashed.is_set():
            crashed.set()
            local.kill("kafka")
            time.sleep(1)
            local.start("kafka")
        return crashed.is_set() and not publisher.is_alive() and c.stats.written >= 2000

    crashed = threading.Event()
    assert run_until(consumer, crash_once_then_finish, timeout_s=300) is None
    publisher.join(5)

    delivery = judge((e.event_id for e in events), stored_ids(es_client, es_prefix))
    assert delivery.exactly_once, delivery


def test_elasticsearch_killed_mid_stream(
    kafka_settings: KafkaSettings,
    kafka_names: KafkaNames,
    elasticsearch_service: str,
    es_client: Elasticsearch,
    es_prefix: str,
    make_results: Callable[..., list[ResultEvent]],
) -> None:
    events = make_results(1500, jobs=4)
    bus = KafkaBus(kafka_settings, results_topic=kafka_names.results, runs_topic=kafka_names.runs)
    for event in events:
        bus.publish(event)
    bus.close()

    consumer = consumer_for(kafka_settings, kafka_names, elasticsearch_service, es_prefix)
    crashed = threading.Event()

    def crash_once_then_finish(c: SinkConsumer) -> bool:
        if c.stats.written >= 300 and not crashed.is_set():
            crashed.set()
            local.kill("elasticsearch")
            time.sleep(1)
            local.start("elasticsearch")
        return crashed.is_set() and c.stats.written >= 1500

    assert run_until(consumer, crash_once_then_finish, timeout_s=300) is None
    assert consumer.stats.retries > 0  # the sink's connection errors were retried, not skipped

    delivery = judge((e.event_id for e in events), stored_ids(es_client, es_prefix))
    assert delivery.exactly_once, delivery
