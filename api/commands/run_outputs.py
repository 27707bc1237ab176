"""Where a run's results go besides the terminal and the reports: a bus (local or Kafka) and its stores.

``--bus local --store postgres,elasticsearch`` writes in-process (no Kafka); ``--bus kafka`` publishes to Kafka and
the ``sentinel pipeline consume`` consumers write the stores.
"""

from __future__ import annotations

from collections.abc import Sequence

import click

from agent_core.errors import ConfigError
from agent_core.events import ResultEvent, RunEvent
from agent_core.settings import Settings
from pipeline.bus import Bus, KafkaBus, LocalBus
from pipeline.sinks.base import Sink
from pipeline.sinks.elasticsearch import ElasticsearchSink, elasticsearch_client
from pipeline.sinks.postgres import PostgresSink
from pipeline.topics import ensure_topics, topic_names

STORES = ("postgres", "elasticsearch")


class BusSink:
    """An event sink of the runtime that publishes to a bus (results and lifecycle facts)."""

    def __init__(self, bus: Bus) -> None:
        self.bus = bus

    def emit(self, event: ResultEvent) -> None:
        self.bus.publish(event)

    def emit_run(self, event: RunEvent) -> None:
        self.bus.publish_run(event)


def parse_stores(value: str) -> tuple[str, ...]:
    names = tuple(dict.fromkeys(n.strip() for n in value.split(",") if n.strip()))
    if names in ((), ("none",)):
        return ()
    if names == ("all",):
        return STORES
    unknown = [n for n in names if n not in STORES]
    if unknown:
        raise click.BadParameter(f"unknown store {', '.join(unknown)} (valid: none, all, {', '.join(STORES)})")
    return names


def build_bus(bus: str, stores: Sequence[str], settings: Settings) -> Bus | None:
    """The bus for a run, or None when results go nowhere but the terminal and the reports."""
    if bus == "kafka":
        if stores:
            raise ConfigError(
                "--store applies to --bus local; with --bus kafka the `sentinel pipeline consume` consumers write "
                "the stores",
                "CONFIG_STORE",
            )
        topics = topic_names(settings.kafka)
        ensure_topics(settings.kafka, topics.all())
        return KafkaBus(settings.kafka, results_topic=topics.results, runs_topic=topics.runs, create_topics=False)
    if not stores:
        return None
    return LocalBus([_sink(name, settings) for name in stores])


def _sink(name: str, settings: Settings) -> Sink:
    if name == "postgres":
        return PostgresSink.from_dsn(settings.postgres.dsn.get_secret_value())
    config = settings.elasticsearch
    return ElasticsearchSink(elasticsearch_client(config), config.index_prefix)
