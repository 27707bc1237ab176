"""LocalBus batches and flushes into its sinks without losing anything; KafkaBus keys by job and surfaces failures."""

from __future__ import annotations

import ssl
import time
from collections.abc import Sequence

import pytest

from agent_core.events import RunEvent, RunEventType
from pipeline.bus import Backoff, KafkaBus, LocalBus, is_transient
from pipeline.consumer import Partition
from pipeline.producer import DeliveryError
from pipeline.serde import decode_result, decode_run
from pipeline.sinks.base import Backpressure, SinkError
from tests.fixtures.kafka import FakeBroker, FakeProducer, MemorySink, result_event, run_event

FAST = Backoff(base_s=0.001, cap_s=0.01)


def bus(*sinks: MemorySink, batch_size: int = 10, max_delay_s: float = 0.0, attempts: int = 3) -> LocalBus:
    return LocalBus(
        sinks, batch_size=batch_size, max_delay_s=max_delay_s, backoff=FAST, max_transient_attempts=attempts
    )


def test_writes_full_batches_and_keeps_the_rest_until_flush() -> None:
    sink = MemorySink()
    local = bus(sink, batch_size=10)
    for i in range(25):
        local.publish(result_event(i))
    assert [len(call) for call in sink.calls] == [10, 10]
    assert local.pending == 5
    local.flush()
    assert [len(call) for call in sink.calls] == [10, 10, 5]
    assert len(sink.results) == 25
    local.flush()  # nothing left: no empty writes
    assert len(sink.calls) == 3


def test_close_flushes_and_closes_every_sink() -> None:
    first, second = MemorySink(), MemorySink()
    local = bus(first, second)
    for i in range(3):
        local.publish(result_event(i))
    local.close()
    assert len(first.results) == len(second.results) == 3
    assert first.closed and second.closed
    local.close()  # idempotent
    with pytest.raises(RuntimeError):
        local.publish(result_event(9))


def test_max_delay_flushes_in_the_background() -> None:
    sink = MemorySink()
    local = bus(sink, batch_size=1000, max_delay_s=0.05)
    local.publish(result_event(1))
    deadline = time.monotonic() + 5
    while not sink.results and time.monotonic() < deadline:
        time.sleep(0.01)
    assert list(sink.results) == [result_event(1).event_id]
    local.close()


def test_run_events_are_written_after_the_results_before_them() -> None:
    sink = MemorySink()
    order: list[str] = []
    sink.before_write = lambda batch: order.append("results")
    original = sink.write_runs

    def write_runs(batch: Sequence[RunEvent]) -> None:
        order.append("runs")
        original(batch)

    sink.write_runs = write_runs  # type: ignore[method-assign]
    local = bus(sink, batch_size=100)
    local.publish(result_event(1))
    local.publish_run(run_event(RunEventType.FINISHED))
    assert order == ["results", "runs"]
    assert len(sink.runs) == 1


def test_backpressure_is_waited_out_never_dropped() -> None:
    sink = MemorySink()
    sink.push_back(3, retry_after=0.001)
    local = bus(sink, batch_size=5)
    for i in range(5):
        local.publish(result_event(i))
    assert len(sink.results) == 5
    assert sink.calls == [sink.calls[0]] * 4  # the same batch, four times


def test_transient_errors_are_retried_then_raised_with_the_batch_kept() -> None:
    sink = MemorySink()
    sink.failures = [ConnectionError("reset"), ConnectionError("reset"), ConnectionError("reset")]
    local = bus(sink, batch_size=100, attempts=3)
    for i in range(4):
        local.publish(result_event(i))
    with pytest.raises(ConnectionError):
        local.flush()
    assert local.pending == 4
    local.flush()
    assert len(sink.results) == 4


def test_permanent_errors_are_raised_at_once() -> None:
    sink = MemorySink()
    sink.failures = [SinkError("mapping conflict", "SINK_SCHEMA")]
    local = bus(sink, batch_size=100)
    local.publish(result_event(1))
    with pytest.raises(SinkError):
        local.flush()
    assert len(sink.calls) == 1
    assert local.pending == 1


def test_a_background_failure_surfaces_on_the_next_call_without_losing_events() -> None:
    sink = MemorySink()
    sink.failures = [SinkError("mapping conflict", "SINK_SCHEMA")]
    local = bus(sink, batch_size=1000, max_delay_s=0.02)
    local.publish(result_event(1))
    deadline = time.monotonic() + 5
    while not sink.calls and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.05)
    with pytest.raises(SinkError):
        local.publish(result_event(2))
    local.close()
    assert set(sink.results) == {result_event(1).event_id, result_event(2).event_id}


def test_kafka_bus_keys_by_job_and_uses_its_topics() -> None:
    broker = FakeBroker()
    kafka = KafkaBus(
        None,  # type: ignore[arg-type]  # no settings needed with an injected producer
        results_topic="r",
        runs_topic="j",
        producer=FakeProducer(broker, partitions=1),
        create_topics=False,
    )
    kafka.publish(result_event(1, job_id="job-a"))
    kafka.publish_run(run_event(job_id="job-a"))
    kafka.flush()
    (result,) = broker.logs[Partition("r", 0)]
    (run,) = broker.logs[Partition("j", 0)]
    assert result.key == run.key == b"job-a"
    assert decode_result(result.value) == result_event(1, job_id="job-a")
    assert decode_run(run.value) == run_event(job_id="job-a")


def test_kafka_bus_flush_raises_delivery_failures() -> None:
    producer = FakeProducer(FakeBroker())
    producer.fail_flushes = 1
    kafka = KafkaBus(None, producer=producer, create_topics=False)  # type: ignore[arg-type]
    kafka.publish(result_event(1))
    with pytest.raises(DeliveryError):
        kafka.flush()


def test_transient_classification() -> None:
    assert is_transient(ConnectionResetError())
    assert is_transient(TimeoutError())
    assert not is_transient(SinkError("bad", "SINK_BAD_DATA"))
    assert not is_transient(ValueError("a bug"))
    assert not is_transient(Backpressure(1.0))
    assert not is_transient(ssl.SSLCertVerificationError("certificate verify failed"))


def test_backoff_grows_to_its_cap_and_honours_retry_after() -> None:
    policy = Backoff(base_s=0.1, cap_s=1.0, jitter=0.0)
    assert [policy.delay(n) for n in range(6)] == [0.1, 0.2, 0.4, 0.8, 1.0, 1.0]
    assert policy.delay(0, retry_after=5.0) == 5.0
