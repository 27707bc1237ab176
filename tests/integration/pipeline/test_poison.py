"""Poison messages interleaved with valid results on the real broker: each lands in the DLQ with its reason and the
original bytes; every valid result is stored."""

from __future__ import annotations

from collections.abc import Callable

import orjson
import pytest
from elasticsearch import Elasticsearch

from agent_core.events import ResultEvent
from agent_core.settings import KafkaSettings
from pipeline.bus import Backoff
from pipeline.consumer import SinkConsumer
from pipeline.dlq import DeadLetter
from pipeline.producer import KafkaProducerClient
from pipeline.serde import POISON_INVALID, POISON_NOT_JSON, POISON_SCHEMA_VERSION, encode_result
from pipeline.sinks.elasticsearch import ElasticsearchSink
from pipeline.topics import ensure_topics
from tests.fixtures.elasticsearch import stored_ids
from tests.fixtures.kafka import KafkaNames
from tests.integration.pipeline.support import judge, new_client, read_topic, run_until

pytestmark = [pytest.mark.integration, pytest.mark.kafka, pytest.mark.elasticsearch]


def test_poison_goes_to_the_dlq_with_its_reason_and_the_stream_keeps_flowing(
    kafka_settings: KafkaSettings,
    kafka_names: KafkaNames,
    elasticsearch_service: str,
    es_client: Elasticsearch,
    es_prefix: str,
    make_results: Callable[..., list[ResultEvent]],
) -> None:
    events = make_results(300, job_id="poisoned", jobs=1)
    wrong_version = orjson.loads(encode_result(events[0]))
    wrong_version["schema_version"] = 2
    missing_fields = orjson.loads(encode_result(events[1]))
    del missing_fields["job_id"], missing_fields["execution"]
    poison = {
        100: (b"{definitely not json", POISON_NOT_JSON),
        200: (orjson.dumps(wrong_version), POISON_SCHEMA_VERSION),
        250: (orjson.dumps(missing_fields), POISON_INVALID),
    }

    ensure_topics(kafka_settings, (kafka_names.results, kafka_names.dlq))
    producer = KafkaProducerClient(kafka_settings)
    for i, event in enumerate(events):
        if i in poison:
            producer.send(kafka_names.results, b"poisoned-0", poison[i][0])
        producer.send(kafka_names.results, event.job_id.encode(), encode_result(event))
    producer.close()

    sink = ElasticsearchSink(new_client(elasticsearch_service), es_prefix)
    consumer = SinkConsumer(
        kafka_settings,
        sink,
        kafka_names.group_for("elasticsearch"),
        topic=kafka_names.results,
        dlq_topic=kafka_names.dlq,
        max_batch=64,
        poll_timeout_ms=200,
        backoff=Backoff(base_s=0.05, cap_s=0.5),
    )
    assert run_until(consumer, lambda c: c.stats.consumed >= 303) is None
    assert consumer.stats.dlq == 3

    delivery = judge((e.event_id for e in events), stored_ids(es_client, es_prefix))
    assert delivery.exactly_once, delivery

    records = read_topic(kafka_settings, kafka_names.dlq, f"{kafka_names.group}-dlq-reader", 3)
    letters = [DeadLetter.from_bytes(r.value or b"") for r in records]
    assert sorted((d.reason, d.original_payload()) for d in letters) == sorted(
        (reason, payload) for payload, reason in poison.values()
    )
    # Same key, one partition: the poison sits between its neighbours, in publishing order.
    offsets = [d.source.offset for d in sorted(letters, key=lambda d: d.source.offset)]
    assert offsets == [100, 201, 252]
    assert {d.source.topic for d in letters} == {kafka_names.results}
    assert {d.source.key for d in letters} == {"poisoned-0"}
    assert {d.consumer_group for d in letters} == {kafka_names.group_for("elasticsearch")}
