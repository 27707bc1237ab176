"""SinkConsumer logic against an in-memory broker: dead letters first, write, then commit; never commit early."""

from __future__ import annotations

import threading
from collections.abc import Mapping

import orjson
import pytest

from agent_core.events import RunEventType
from pipeline.bus import Backoff
from pipeline.consumer import Partition, SinkConsumer
from pipeline.dlq import DeadLetter, DeadLetterWriter
from pipeline.serde import POISON_INVALID, POISON_NOT_JSON, POISON_SCHEMA_VERSION, encode_result, encode_run
from pipeline.sinks.base import SinkError
from tests.fixtures.kafka import (
    CommitBeforeWriteConsumer,
    Crash,
    FakeBroker,
    FakeConsumerClient,
    FakeProducer,
    MemorySink,
    commit_rejected_once,
    result_event,
    run_event,
)

TOPIC = "results"
GROUP = "group"
FAST = Backoff(base_s=0.001, cap_s=0.005)


class Harness:
    def __init__(self, partitions: int = 2) -> None:
        self.broker = FakeBroker()
        self.partitions = partitions
        self.dlq_producer = FakeProducer(self.broker, partitions=1)

    def publish(self, n: int, start: int = 0) -> list[str]:
        ids = []
        for i in range(start, start + n):
            event = result_event(i, job_id=f"job-{i % self.partitions}")
            self.broker.append(TOPIC, i % self.partitions, event.job_id.encode(), encode_result(event))
            ids.append(event.event_id)
        return ids

    def publish_raw(self, value: bytes | None, partition: int = 0) -> None:
        self.broker.append(TOPIC, partition, b"job-x", value)

    def consumer(
        self, sink: MemorySink, cls: type[SinkConsumer] = SinkConsumer, **kwargs: object
    ) -> tuple[SinkConsumer, FakeConsumerClient]:
        client = FakeConsumerClient(self.broker, kwargs.pop("topic", TOPIC), GROUP)  # type: ignore[arg-type]
        consumer = cls(
            None,  # type: ignore[arg-type]  # the injected client and dead-letter writer need no settings
            sink,
            GROUP,
            topic=client.topic,
            max_batch=kwargs.pop("max_batch", 1000),  # type: ignore[arg-type]
            poll_timeout_ms=5,
            backoff=FAST,
            create_topics=False,
            client=client,
            dlq=DeadLetterWriter(self.dlq_producer, "dlq"),
            **kwargs,  # type: ignore[arg-type]
        )
        return consumer, client

    def committed(self) -> dict[Partition, int]:
        return self.broker.committed_offsets(GROUP)

    def end_offsets(self) -> dict[Partition, int]:
        return {p: len(log) for p, log in self.broker.logs.items() if p.topic == TOPIC}

    def dead_letters(self) -> list[DeadLetter]:
        return [DeadLetter.from_bytes(r.value or b"") for r in self.broker.logs.get(Partition("dlq", 0), [])]


def test_writes_then_commits_every_partition() -> None:
    h = Harness()
    ids = h.publish(10)
    sink = MemorySink()
    consumer, client = h.consumer(sink)
    assert consumer.step() == 10
    assert set(sink.results) == set(ids)
    assert h.committed() == h.end_offsets()
    assert client.calls == ["poll", "commit"]
    assert (consumer.stats.consumed, consumer.stats.written, consumer.stats.commits) == (10, 10, 1)
    assert consumer.step() == 0  # nothing new


def test_poison_goes_to_the_dlq_before_the_write_and_the_rest_flows() -> None:
    h = Harness(partitions=1)
    h.publish(2)
    h.publish_raw(b"{not json")
    h.publish(2, start=2)
    bad = orjson.loads(encode_result(result_event(9)))
    bad["schema_version"] = 2
    h.publish_raw(orjson.dumps(bad))
    del bad["job_id"]
    bad["schema_version"] = 1
    h.publish_raw(orjson.dumps(bad))
    h.publish(1, start=4)

    sink = MemorySink()
    sink.before_write = lambda batch: order.append(f"write after {h.dlq_producer.flushes} dlq flush")
    order: list[str] = []
    consumer, _ = h.consumer(sink)
    consumer.step()

    assert order == ["write after 1 dlq flush"]
    assert len(sink.results) == 5
    letters = h.dead_letters()
    assert [(d.reason, d.source.offset) for d in letters] == [
        (POISON_NOT_JSON, 2),
        (POISON_SCHEMA_VERSION, 5),
        (POISON_INVALID, 6),
    ]
    assert letters[0].original_payload() == b"{not json"
    assert all(d.consumer_group == GROUP for d in letters)
    assert consumer.stats.dlq == 3
    assert h.committed() == {Partition(TOPIC, 0): 8}


def test_a_batch_of_only_poison_is_committed_after_the_dlq_ack() -> None:
    h = Harness(partitions=1)
    h.publish_raw(None)
    sink = MemorySink()
    consumer, _ = h.consumer(sink)
    consumer.step()
    assert sink.calls == []
    assert h.committed() == {Partition(TOPIC, 0): 1}
    assert h.dead_letters()[0].reason == "POISON_EMPTY"


def test_dlq_failure_blocks_the_write_and_the_commit_until_acknowledged() -> None:
    h = Harness(partitions=1)
    h.publish_raw(b"garbage")
    h.publish(1)
    h.dlq_producer.fail_flushes = 2
    sink = MemorySink()
    sink.before_write = lambda batch: seen.append(h.dlq_producer.fail_flushes)
    seen: list[int] = []
    consumer, _ = h.consumer(sink)
    consumer.step()
    assert seen == [0]
    assert len(h.dead_letters()) == 1
    assert consumer.stats.retries == 2
    assert h.committed() == {Partition(TOPIC, 0): 2}


def test_backpressure_pauses_retries_the_same_batch_and_commits_only_after_the_write() -> None:
    h = Harness()
    ids = h.publish(6)
    sink = MemorySink()
    sink.push_back(3, retry_after=0.01)
    consumer, client = h.consumer(sink)
    observed: list[tuple[dict[Partition, int], set[Partition]]] = []
    sink.before_write = lambda batch: observed.append((h.committed(), set(client.paused)))
    consumer.step()

    assert len(sink.calls) == 4
    assert all(call == sink.calls[0] for call in sink.calls)  # the same batch every time
    assert sorted(sink.calls[0]) == sorted(ids)
    # Nothing committed while the sink pushed back; partitions paused during every retry.
    assert [committed for committed, _ in observed] == [{}] * 4
    assert all(paused == client.assigned for _, paused in observed[1:])
    assert client.paused == set()  # resumed afterwards
    assert h.committed() == h.end_offsets()
    assert consumer.stats.retries == 3
    assert consumer.stats.paused >= 3
    assert client.calls[-1] == "commit"
    assert "commit" not in client.calls[:-1]


def test_transient_errors_are_retried_without_committing() -> None:
    h = Harness()
    h.publish(4)
    sink = MemorySink()
    sink.failures = [ConnectionResetError("db restarting"), TimeoutError("slow")]
    consumer, client = h.consumer(sink)
    consumer.step()
    assert len(sink.results) == 4
    assert client.calls.count("commit") == 1
    assert consumer.stats.retries == 2


def test_permanent_errors_propagate_and_commit_nothing() -> None:
    h = Harness()
    h.publish(4)
    sink = MemorySink()
    sink.failures = [SinkError("mapper_parsing_exception", "SINK_SCHEMA")]
    consumer, client = h.consumer(sink)
    with pytest.raises(SinkError):
        consumer.step()
    assert "commit" not in client.calls
    assert h.committed() == {}


def test_a_bug_in_the_sink_is_not_retried() -> None:
    h = Harness()
    h.publish(1)
    sink = MemorySink()
    sink.failures = [KeyError("bug")]
    consumer, _ = h.consumer(sink)
    with pytest.raises(KeyError):
        consumer.step()
    assert len(sink.calls) == 1


def test_crash_between_write_and_commit_redelivers_and_the_sink_keeps_one_copy() -> None:
    h = Harness()
    ids = h.publish(8)
    sink = MemorySink()
    first, client = h.consumer(sink)

    def die(offsets: Mapping[Partition, int]) -> None:
        raise Crash

    client.commit_hook = die
    with pytest.raises(Crash):
        first.step()
    assert len(sink.results) == 8
    assert h.committed() == {}

    second, _ = h.consumer(sink)  # the restarted process
    second.step()
    assert len(sink.calls) == 2  # written twice...
    assert sorted(sink.results) == sorted(ids)  # ...stored once
    assert h.committed() == h.end_offsets()


def test_a_rejected_commit_redelivers_and_the_redelivery_is_counted() -> None:
    h = Harness()
    ids = h.publish(5)
    sink = MemorySink()
    consumer, client = h.consumer(sink)
    commit_rejected_once(client)
    consumer.step()
    assert consumer.stats.commit_rejections == 1
    assert h.committed() == {}
    consumer.step()  # the same records again, after the "rebalance"
    assert consumer.stats.redeliveries == 5
    assert sorted(sink.results) == sorted(ids)
    assert h.committed() == h.end_offsets()


def test_stop_during_backpressure_abandons_the_batch_uncommitted() -> None:
    h = Harness()
    h.publish(3)
    sink = MemorySink()
    sink.push_back(1000, retry_after=0.01)
    consumer, client = h.consumer(sink)
    worker = threading.Thread(target=consumer.run)
    worker.start()
    while len(sink.calls) < 3:
        threading.Event().wait(0.005)
    consumer.stop()
    worker.join(timeout=10)
    assert not worker.is_alive()
    assert consumer.stats.abandoned == 1
    assert h.committed() == {}
    assert sink.results == {}
    assert client.closed


def test_records_of_a_partition_assigned_during_a_wait_are_put_back() -> None:
    h = Harness(partitions=1)
    h.publish(2)
    sink = MemorySink()
    consumer, _ = h.consumer(sink)

    def new_partition_arrives(batch: object) -> None:
        if len(sink.calls) == 1:
            event = result_event(99, job_id="job-late")
            h.broker.append(TOPIC, 1, b"job-late", encode_result(event))

    sink.before_write = new_partition_arrives
    sink.push_back(2, retry_after=0.01)
    consumer.step()
    assert len(sink.results) == 2
    assert consumer.step() == 1  # the late record was not lost by the wait's polls
    assert len(sink.results) == 3
    assert h.committed() == h.end_offsets()


def test_run_events_go_to_write_runs() -> None:
    h = Harness(partitions=1)
    for n, kind in enumerate(RunEventType):
        h.broker.append("runs", 0, b"job-1", encode_run(run_event(kind, n=n)))
    sink = MemorySink()
    consumer, _ = h.consumer(sink, topic="runs", events="runs")
    consumer.step()
    assert len(sink.runs) == len(RunEventType)
    assert sink.results == {}


def test_max_batch_bounds_each_batch() -> None:
    h = Harness(partitions=1)
    h.publish(25)
    sink = MemorySink()
    consumer, _ = h.consumer(sink, max_batch=10)
    consumer.run(max_batches=3)
    assert [len(call) for call in sink.calls] == [10, 10, 5]
    assert consumer.stats.commits == 3


def test_the_wrong_consumer_loses_a_batch_when_it_crashes_after_committing() -> None:
    """The check below must fail for a consumer that commits before writing: proof that it detects loss."""
    h = Harness()
    ids = h.publish(6)
    sink = MemorySink()
    sink.failures = [Crash()]  # the process dies inside the write, after the wrong consumer committed
    wrong, _ = h.consumer(sink, cls=CommitBeforeWriteConsumer)
    with pytest.raises(Crash):
        wrong.step()
    restarted, _ = h.consumer(sink)
    restarted.step()
    missing = set(ids) - set(sink.results)
    assert missing == set(ids)  # every event of the batch is lost

    # The correct consumer under the same crash loses nothing.
    h2 = Harness()
    ids2 = h2.publish(6)
    sink2 = MemorySink()
    sink2.failures = [Crash()]
    right, _ = h2.consumer(sink2)
    with pytest.raises(Crash):
        right.step()
    again, _ = h2.consumer(sink2)
    again.step()
    assert set(ids2) == set(sink2.results)
