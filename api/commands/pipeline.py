"""``sentinel pipeline``: move results from Kafka into the stores."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from types import FrameType

import click

from agent_core.settings import Settings
from pipeline.consumer import SinkConsumer
from pipeline.sinks.base import Sink
from pipeline.topics import ensure_topics, topic_names

__all__ = ["consume_command", "pipeline_group"]

log = logging.getLogger(__name__)

SINK_NAMES = ("postgres", "elasticsearch")
# Elasticsearch keeps results only (see pipeline.sinks.elasticsearch); job lifecycle goes to Postgres.
_RUNS_SINKS = frozenset({"postgres"})


@click.group("pipeline")
def pipeline_group() -> None:
    """Consume results from Kafka into Postgres and Elasticsearch."""


@pipeline_group.command("consume")
@click.option(
    "--sink", "sink_name", type=click.Choice([*SINK_NAMES, "all"]), required=True, help="Where to write results."
)
@click.option(
    "--group",
    default=None,
    metavar="NAME",
    help="Consumer group prefix; each sink consumes in group NAME-<sink>. [default: the kafka.consumer_group_prefix "
    "setting]",
)
@click.option("--max-batch", type=click.IntRange(1, 100_000), default=1000, show_default=True)
def consume_command(sink_name: str, group: str | None, max_batch: int) -> None:
    """Write every result published to Kafka into the chosen stores, until SIGTERM or Ctrl-C.

    Each sink reads in its own consumer group and commits offsets only after its store has the batch durably, so a
    stop or a crash at any moment loses nothing; stores keep one copy per event. With `-v`, one line per batch.
    """
    settings = Settings()
    if logging.getLogger().getEffectiveLevel() > logging.DEBUG:
        # kafka-python narrates every connection at INFO; -vv shows it.
        logging.getLogger("kafka").setLevel(logging.WARNING)
    prefix = group or settings.kafka.consumer_group_prefix
    names = SINK_NAMES if sink_name == "all" else (sink_name,)
    topics = topic_names(settings.kafka)
    ensure_topics(settings.kafka, topics.all())
    consumers: list[SinkConsumer] = []
    for name in names:
        consumers.append(
            SinkConsumer(
                settings.kafka,
                _build_sink(name, settings),
                f"{prefix}-{name}",
                topic=topics.results,
                dlq_topic=topics.dlq,
                max_batch=max_batch,
                create_topics=False,
            )
        )
        if name in _RUNS_SINKS:
            # Runs in a group of their own: its offsets and lag read separately from the results'.
            consumers.append(
                SinkConsumer(
                    settings.kafka,
                    _build_sink(name, settings),
                    f"{prefix}-{name}-runs",
                    topic=topics.runs,
                    dlq_topic=topics.dlq,
                    events="runs",
                    max_batch=max_batch,
                    create_topics=False,
                )
            )
    _run_all(consumers)


def _build_sink(name: str, settings: Settings) -> Sink:
    if name == "postgres":
        from pipeline.sinks.postgres import PostgresSink  # noqa: PLC0415 (needs the database driver only here)

        return PostgresSink.from_dsn(settings.postgres.dsn.get_secret_value())
    from pipeline.sinks.elasticsearch import ElasticsearchSink, elasticsearch_client  # noqa: PLC0415

    return ElasticsearchSink(elasticsearch_client(settings.elasticsearch), settings.elasticsearch.index_prefix)


def _run_all(consumers: list[SinkConsumer]) -> None:
    """Run each consumer in a thread; stop all on a signal or when one fails, then re-raise the failure."""
    failures: list[BaseException] = []

    def stop_all() -> None:
        for consumer in consumers:
            consumer.stop()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        log.info("%s: finishing or abandoning the current batches", signal.Signals(signum).name)
        stop_all()

    def target(consumer: SinkConsumer) -> Callable[[], None]:
        def run() -> None:
            try:
                log.info("consuming %s into %s (group %s)", consumer.topic, consumer.sink.name, consumer.group_id)
                consumer.run()
            except BaseException as exc:
                failures.append(exc)
                stop_all()
            finally:
                consumer.sink.close()

        return run

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    threads = [threading.Thread(target=target(c), name=f"consume-{c.group_id}") for c in consumers]
    try:
        for thread in threads:
            thread.start()
        # Join with a timeout so the main thread keeps handling signals.
        while any(thread.is_alive() for thread in threads):
            for thread in threads:
                thread.join(timeout=0.2)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    for consumer in consumers:
        stats = consumer.stats
        log.info(
            "%s: consumed %d, written %d, dead-lettered %d, retries %d, re-deliveries %d",
            consumer.group_id,
            stats.consumed,
            stats.written,
            stats.dlq,
            stats.retries,
            stats.redeliveries,
        )
    if failures:
        raise failures[0]
