"""Dead letters keep the original message byte for byte, with the reason and where it came from."""

from __future__ import annotations

import orjson
import pytest

from pipeline.consumer import Partition
from pipeline.dlq import DeadLetter, DeadLetterWriter
from pipeline.producer import DeliveryError
from pipeline.serde import POISON_NOT_JSON, PoisonMessage
from tests.fixtures.kafka import FakeBroker, FakeProducer


def letter(value: bytes | None, key: bytes | None = b"job-1") -> DeadLetter:
    return DeadLetter.of(
        PoisonMessage(POISON_NOT_JSON, "expected value at line 1 column 1"),
        topic="sentinel.results.v1",
        partition=2,
        offset=41,
        key=key,
        value=value,
        timestamp_ms=1_700_000_000_000,
        consumer_group="sentinel-postgres",
    )


def test_utf8_payload_is_kept_as_text() -> None:
    dead = letter(b"not json \xc3\xa9")
    assert (dead.payload, dead.payload_encoding) == ("not json é", "utf-8")
    document = orjson.loads(dead.to_bytes())
    assert document["reason"] == POISON_NOT_JSON
    assert document["source"] == {
        "topic": "sentinel.results.v1",
        "partition": 2,
        "offset": 41,
        "key": "job-1",
        "key_encoding": "utf-8",
        "timestamp_ms": 1_700_000_000_000,
    }
    assert document["consumer_group"] == "sentinel-postgres"
    assert "at" in document
    assert DeadLetter.from_bytes(dead.to_bytes()).original_payload() == b"not json \xc3\xa9"


@pytest.mark.parametrize("raw", [b"\xff\xfe\x00binary", bytes(range(256))])
def test_binary_payload_is_base64_and_restores_exactly(raw: bytes) -> None:
    dead = DeadLetter.from_bytes(letter(raw, key=b"\xff").to_bytes())
    assert dead.payload_encoding == "base64"
    assert dead.source.key_encoding == "base64"
    assert dead.original_payload() == raw


def test_missing_payload_and_key() -> None:
    dead = DeadLetter.from_bytes(letter(None, key=None).to_bytes())
    assert dead.payload is None
    assert dead.original_payload() is None
    assert dead.source.key is None


def test_writer_keys_letters_like_their_source_and_waits_for_the_ack() -> None:
    broker = FakeBroker()
    producer = FakeProducer(broker, partitions=1)
    DeadLetterWriter(producer, "dlq").write([(b"job-1", letter(b"x")), (b"job-2", letter(b"y"))])
    stored = broker.logs[Partition("dlq", 0)]
    assert [r.key for r in stored] == [b"job-1", b"job-2"]
    assert producer.flushes == 1


def test_writer_raises_when_not_acknowledged() -> None:
    producer = FakeProducer(FakeBroker())
    producer.fail_flushes = 1
    with pytest.raises(DeliveryError):
        DeadLetterWriter(producer, "dlq").write([(b"k", letter(b"x"))])
