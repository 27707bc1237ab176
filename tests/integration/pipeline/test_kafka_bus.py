"""The producer against the real broker: idempotence kept on, topics created once, delivery failures raised."""

from __future__ import annotations

import os

import pytest
from kafka.admin import KafkaAdminClient, NewTopic

from agent_core.settings import KafkaSettings
from pipeline.producer import DeliveryError, KafkaProducerClient
from pipeline.topics import ensure_topics
from tests.fixtures.kafka import KafkaNames

pytestmark = [pytest.mark.integration, pytest.mark.kafka]


def test_the_producer_stays_idempotent_against_this_broker(
    kafka_settings: KafkaSettings, kafka_names: KafkaNames
) -> None:
    ensure_topics(kafka_settings, (kafka_names.results,))
    client = KafkaProducerClient(kafka_settings)
    try:
        assert client.idempotent
        assert client.config["acks"] == "all"
        client.send(kafka_names.results, b"job", b"{}")
        client.flush(30)
        # The broker handed out a producer id: sequence numbers de-duplicate retried batches.
        manager = client._producer._transaction_manager
        assert manager is not None
        assert manager.producer_id_and_epoch.producer_id >= 0
    finally:
        client.close()


def test_ensure_topics_is_idempotent(kafka_settings: KafkaSettings, kafka_names: KafkaNames) -> None:
    topics = (kafka_names.results, kafka_names.runs, kafka_names.dlq)
    assert sorted(ensure_topics(kafka_settings, topics)) == sorted(topics)
    assert ensure_topics(kafka_settings, topics) == []
    admin = KafkaAdminClient(bootstrap_servers=kafka_settings.bootstrap_servers)
    try:
        described = {t["topic"]: t for t in admin.describe_topics(list(topics))}
    finally:
        admin.close()
    assert all(len(described[t]["partitions"]) == kafka_settings.partitions for t in topics)


def test_a_record_the_broker_refuses_surfaces_on_flush(kafka_settings: KafkaSettings, kafka_names: KafkaNames) -> None:
    admin = KafkaAdminClient(bootstrap_servers=kafka_settings.bootstrap_servers)
    try:
        small = NewTopic(kafka_names.results, 1, 1, topic_configs={"max.message.bytes": "2048"})
        admin.create_topics([small])
    finally:
        admin.close()
    client = KafkaProducerClient(kafka_settings)
    try:
        client.send(kafka_names.results, b"job", b"{}", ref="small")
        client.send(kafka_names.results, b"job", os.urandom(20_000), ref="too-big")
        with pytest.raises(DeliveryError) as caught:
            client.flush(30)
        assert "too-big" in caught.value.failed
        client.flush(30)  # reported once, then clean
    finally:
        client.close()
