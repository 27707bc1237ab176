"""KafkaBus → Kafka → SinkConsumer → ElasticsearchSink against the real services: every result stored exactly once,
also when the consumer dies between the write and the commit; a consumer that commits first is caught losing data."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest
from elasticsearch import Elasticsearch

from agent_core.events import ResultEvent
from agent_core.settings import KafkaSettings
from pipeline.bus import Backoff, KafkaBus
from pipeline.consumer import Record, SinkConsumer
from pipeline.sinks.elasticsearch import ElasticsearchSink
from tests.fixtures.elasticsearch import stored_ids
from tests.fixtures.kafka import CommitBeforeWriteConsumer, Crash, KafkaNames
from tests.integration.pipeline.support import CrashingSink, judge, new_client, run_until

pytestmark = [pytest.mark.integration, pytest.mark.kafka, pytest.mark.elasticsearch]

FAST = Backoff(base_s=0.05, cap_s=0.5)


def publish(settings: KafkaSettings, names: KafkaNames, events: Sequence[ResultEvent]) -> None:
    bus = KafkaBus(settings, results_topic=names.results, runs_topic=names.runs)
    for event in events:
        bus.publish(event)
    bus.close()


def consumer(
    settings: KafkaSettings,
    names: KafkaNames,
    sink: ElasticsearchSink | CrashingSink,
    cls: type[SinkConsumer] = SinkConsumer,
    max_batch: int = 300,
) -> SinkConsumer:
    return cls(
        settings,
        sink,
        names.group_for("elasticsearch"),
        topic=names.results,
        dlq_topic=names.dlq,
        max_batch=max_batch,
        poll_timeout_ms=200,
        backoff=FAST,
    )


def consumed(n: int) -> Callable[[SinkConsumer], bool]:
    return lambda c: c.stats.consumed >= n


def test_every_result_is_stored_exactly_once(
    kafka_settings: KafkaSettings,
    kafka_names: KafkaNames,
    elasticsearch_service: str,
    es_client: Elasticsearch,
    es_prefix: str,
    make_results: Callable[..., list[ResultEvent]],
) -> None:
    events = make_results(1500, jobs=7)
    # 100 cases re-run after a worker crash: same event ids, published again.
    publish(kafka_settings, kafka_names, [*events, *events[:100]])

    sink = ElasticsearchSink(new_client(elasticsearch_service), es_prefix)
    c = consumer(kafka_settings, kafka_names, sink)
    assert run_until(c, consumed(1600)) is None

    delivery = judge((e.event_id for e in events), stored_ids(es_client, es_prefix))
    assert delivery.exactly_once, delivery
    assert c.stats.redeliveries == 100
    assert c.stats.written == 1600
    assert sink.created == 1500
    assert sink.already_stored == 100
    assert es_client.indices.exists(index=f"{es_prefix}-2026.11")  # the job's month, not the execution's


def test_a_crash_between_write_and_commit_loses_nothing_and_duplicates_nothing(
    kafka_settings: KafkaSettings,
    kafka_names: KafkaNames,
    elasticsearch_service: str,
    es_client: Elasticsearch,
    es_prefix: str,
    make_results: Callable[..., list[ResultEvent]],
) -> None:
    events = make_results(900, jobs=5)
    publish(kafka_settings, kafka_names, events)

    class DiesBeforeCommitting(SinkConsumer):
        def commit(self, records: Sequence[Record]) -> bool:
            raise Crash

    sink = ElasticsearchSink(new_client(elasticsearch_service), es_prefix)
    first = consumer(kafka_settings, kafka_names, sink, DiesBeforeCommitting)
    assert isinstance(run_until(first, lambda c: False), Crash)
    written_before_crash = first.stats.written
    assert written_before_crash > 0

    sink = ElasticsearchSink(new_client(elasticsearch_service), es_prefix)
    second = consumer(kafka_settings, kafka_names, sink)
    assert run_until(second, consumed(900)) is None

    delivery = judge((e.event_id for e in events), stored_ids(es_client, es_prefix))
    assert delivery.exactly_once, delivery
    # The crashed batch came back and was found already stored.
    assert sink.already_stored == written_before_crash


def test_the_check_catches_a_consumer_that_commits_before_writing(
    kafka_settings: KafkaSettings,
    kafka_names: KafkaNames,
    elasticsearch_service: str,
    es_client: Elasticsearch,
    es_prefix: str,
    make_results: Callable[..., list[ResultEvent]],
) -> None:
    events = make_results(600, jobs=3)
    publish(kafka_settings, kafka_names, events)

    dying = CrashingSink(ElasticsearchSink(new_client(elasticsearch_service), es_prefix), Crash)
    wrong = consumer(kafka_settings, kafka_names, dying, CommitBeforeWriteConsumer)
    assert isinstance(run_until(wrong, lambda c: False), Crash)
    lost_batch = wrong.stats.consumed

    restarted = consumer(kafka_settings, kafka_names, ElasticsearchSink(new_client(elasticsearch_service), es_prefix))
    assert run_until(restarted, consumed(600 - lost_batch)) is None

    delivery = judge((e.event_id for e in events), stored_ids(es_client, es_prefix))
    assert not delivery.exactly_once
    assert len(delivery.missing) == lost_batch > 0
    assert not delivery.duplicated
