"""Elasticsearch answering 429 (through a throttling proxy in front of the real server): the consumer pauses,
retries the same batches, and in the end every result is stored exactly once."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from elasticsearch import Elasticsearch

from agent_core.events import ResultEvent
from agent_core.settings import KafkaSettings
from pipeline.bus import Backoff, KafkaBus
from pipeline.consumer import SinkConsumer
from pipeline.sinks.elasticsearch import ElasticsearchSink
from tests.fixtures.elasticsearch import ThrottlingProxy, stored_ids
from tests.fixtures.kafka import KafkaNames
from tests.integration.pipeline.support import judge, new_client, run_until

pytestmark = [pytest.mark.integration, pytest.mark.kafka, pytest.mark.elasticsearch]


def test_throttled_elasticsearch_pauses_the_consumer_and_loses_nothing(
    kafka_settings: KafkaSettings,
    kafka_names: KafkaNames,
    es_client: Elasticsearch,
    es_prefix: str,
    throttling_proxy: ThrottlingProxy,
    make_results: Callable[..., list[ResultEvent]],
) -> None:
    events = make_results(1200, jobs=6)
    bus = KafkaBus(kafka_settings, results_topic=kafka_names.results, runs_topic=kafka_names.runs)
    for event in events:
        bus.publish(event)
    bus.close()

    # Whole bulk requests refused first (more than the sink's quick retries), then half the items of several more.
    throttling_proxy.reject_requests(5)
    throttling_proxy.reject_items(6)
    sink = ElasticsearchSink(new_client(throttling_proxy.url), es_prefix, quick_retries=2, quick_retry_s=0.01)
    consumer = SinkConsumer(
        kafka_settings,
        sink,
        kafka_names.group_for("elasticsearch"),
        topic=kafka_names.results,
        dlq_topic=kafka_names.dlq,
        max_batch=200,
        poll_timeout_ms=200,
        backoff=Backoff(base_s=0.05, cap_s=0.5),
    )
    assert run_until(consumer, lambda c: c.stats.commits > 0 and c.stats.written >= 1200, timeout_s=120) is None

    assert throttling_proxy.rejected_requests == 5
    assert throttling_proxy.rejected_items > 0
    assert consumer.stats.paused >= 1  # at least one Backpressure reached the consumer and paused it
    assert consumer.stats.retries >= 1
    delivery = judge((e.event_id for e in events), stored_ids(es_client, es_prefix))
    assert delivery.exactly_once, delivery
