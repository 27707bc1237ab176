"""Topic names and their creation.

A breaking change to an event gets a new topic suffix (``.v2``), never an in-place edit; the dead-letter topic keeps
poison messages with the reason they were rejected.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Final

from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

from agent_core.errors import SentinelError
from agent_core.settings import KafkaSettings

__all__ = [
    "ALL_TOPICS",
    "DLQ_TOPIC",
    "RESULTS_TOPIC",
    "RUNS_TOPIC",
    "KafkaUnavailable",
    "TopicNames",
    "ensure_topics",
    "topic_configs",
    "topic_names",
]

log = logging.getLogger(__name__)

RESULTS_TOPIC: Final = "sentinel.results.v1"
RUNS_TOPIC: Final = "sentinel.runs.v1"
DLQ_TOPIC: Final = "sentinel.results.dlq"
ALL_TOPICS: Final = (RESULTS_TOPIC, RUNS_TOPIC, DLQ_TOPIC)


@dataclass(frozen=True, slots=True)
class TopicNames:
    results: str
    runs: str
    dlq: str

    def all(self) -> tuple[str, str, str]:
        return (self.results, self.runs, self.dlq)


def topic_names(settings: KafkaSettings) -> TopicNames:
    """The topics of a deployment: the standard names, under ``settings.topic_namespace`` when one is set."""
    namespace = settings.topic_namespace.strip(".")
    prefix = f"{namespace}." if namespace else ""
    return TopicNames(f"{prefix}{RESULTS_TOPIC}", f"{prefix}{RUNS_TOPIC}", f"{prefix}{DLQ_TOPIC}")


class KafkaUnavailable(SentinelError):
    """Kafka did not answer in time. Consumers retry with backoff; at start-up it is reported as it is."""

    code = "KAFKA_UNAVAILABLE"


_DAY_MS = 24 * 60 * 60 * 1000
# Dead letters wait for a human; results only until every sink's consumer group has caught up.
_RETENTION_MS = {RESULTS_TOPIC: 7 * _DAY_MS, RUNS_TOPIC: 7 * _DAY_MS, DLQ_TOPIC: 30 * _DAY_MS}


def topic_configs(topic: str, replication_factor: int) -> dict[str, str]:
    """Broker-side settings for one of Sentinel's topics.

    ``min.insync.replicas`` below the replication factor lets acks=all writes survive one broker down; with a single
    replica it must be 1.
    """
    return {
        "min.insync.replicas": str(max(1, replication_factor - 1)),
        "retention.ms": str(_RETENTION_MS.get(topic, 7 * _DAY_MS)),
        "cleanup.policy": "delete",
    }


def ensure_topics(settings: KafkaSettings, topics: tuple[str, ...] = ALL_TOPICS, timeout_s: float = 30.0) -> list[str]:
    """Create the missing topics with the configured partitions and replication; return the ones created.

    Idempotent: existing topics are left as they are (a topic created concurrently counts as existing), so running
    it at every start is safe.
    """
    try:
        admin = KafkaAdminClient(
            bootstrap_servers=settings.bootstrap_servers.split(","),
            client_id=f"{settings.client_id}-admin",
            request_timeout_ms=int(timeout_s * 1000),
            api_version_auto_timeout_ms=int(timeout_s * 1000),
        )
    except KafkaError as exc:
        raise KafkaUnavailable(f"cannot reach Kafka at {settings.bootstrap_servers}: {exc!r}") from exc
    try:
        existing = set(admin.list_topics())
        missing = [topic for topic in topics if topic not in existing]
        created: list[str] = []
        for topic in missing:
            new = NewTopic(
                name=topic,
                num_partitions=settings.partitions,
                replication_factor=settings.replication_factor,
                topic_configs=topic_configs(topic, settings.replication_factor),
            )
            try:
                admin.create_topics([new], timeout_ms=int(timeout_s * 1000))
            except TopicAlreadyExistsError:
                continue
            created.append(topic)
            log.info("created topic %s (%d partitions)", topic, settings.partitions)
        _wait_until_listed(admin, created, timeout_s)
        return created
    finally:
        admin.close()


def _wait_until_listed(admin: KafkaAdminClient, topics: list[str], timeout_s: float) -> None:
    """Creation is acknowledged before every broker lists the topic: wait until metadata shows it."""
    deadline = time.monotonic() + timeout_s
    while topics and not set(topics) <= set(admin.list_topics()):
        if time.monotonic() > deadline:
            raise KafkaUnavailable(f"topics {topics} were created but do not show in the metadata")
        time.sleep(0.1)
