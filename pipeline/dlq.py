"""Dead letters: messages no release of this consumer can decode, kept with why they were rejected.

A dead letter is JSON so a person (or ``kafka-console-consumer``) can read it. The original payload is kept
byte-exact: as text when it is valid UTF-8, otherwise base64, with ``payload_encoding`` saying which. Dead letters are
keyed like their source message, so a job's poison stays together and in order.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from pipeline.producer import ProducerClient
from pipeline.serde import PoisonMessage

__all__ = ["DLQ_SCHEMA_VERSION", "DeadLetter", "DeadLetterWriter", "SourceRecord"]

DLQ_SCHEMA_VERSION: Final = 1


class SourceRecord(BaseModel):
    """Where the rejected message was read."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    topic: str
    partition: int
    offset: int
    key: str | None = None
    key_encoding: Literal["utf-8", "base64"] = "utf-8"
    timestamp_ms: int | None = None


class DeadLetter(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1] = DLQ_SCHEMA_VERSION
    reason: str
    detail: str
    source: SourceRecord
    payload: str | None
    payload_encoding: Literal["utf-8", "base64"] = "utf-8"
    consumer_group: str | None = None
    at: datetime = Field(default_factory=lambda: datetime.now(UTC))

    @classmethod
    def of(
        cls,
        error: PoisonMessage,
        *,
        topic: str,
        partition: int,
        offset: int,
        key: bytes | None,
        value: bytes | None,
        timestamp_ms: int | None = None,
        consumer_group: str | None = None,
    ) -> DeadLetter:
        payload, encoding = _text_or_base64(value)
        key_text, key_encoding = _text_or_base64(key)
        source = SourceRecord(
            topic=topic,
            partition=partition,
            offset=offset,
            key=key_text,
            key_encoding=key_encoding,
            timestamp_ms=timestamp_ms,
        )
        return cls(
            reason=error.reason,
            detail=error.detail,
            source=source,
            payload=payload,
            payload_encoding=encoding,
            consumer_group=consumer_group,
        )

    def original_payload(self) -> bytes | None:
        """The rejected message's value, byte for byte."""
        if self.payload is None:
            return None
        if self.payload_encoding == "base64":
            return base64.b64decode(self.payload)
        return self.payload.encode()

    def to_bytes(self) -> bytes:
        return self.__pydantic_serializer__.to_json(self)

    @classmethod
    def from_bytes(cls, data: bytes) -> DeadLetter:
        return cls.model_validate_json(data)


def _text_or_base64(data: bytes | None) -> tuple[str | None, Literal["utf-8", "base64"]]:
    if data is None:
        return None, "utf-8"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return base64.b64encode(data).decode("ascii"), "base64"


class DeadLetterWriter:
    """Produces dead letters and waits for Kafka to acknowledge them before the caller commits past them."""

    def __init__(self, producer: ProducerClient, topic: str) -> None:
        self.producer = producer
        self.topic = topic

    def write(self, letters: Sequence[tuple[bytes | None, DeadLetter]], timeout: float | None = 30.0) -> None:
        """Send ``(key, letter)`` pairs and flush; :class:`~pipeline.producer.DeliveryError` if any is not acked."""
        if not letters:
            return
        for key, letter in letters:
            ref = f"{letter.source.topic}/{letter.source.partition}@{letter.source.offset}"
            self.producer.send(self.topic, key, letter.to_bytes(), ref=ref)
        self.producer.flush(timeout)
