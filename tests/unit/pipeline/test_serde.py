"""serde: events round-trip byte-exactly, and every kind of bad message is one PoisonMessage with a stable reason."""

from __future__ import annotations

import pickle
from typing import Any

import orjson
import pytest

from agent_core.events import ResultEvent, RunEvent, RunEventType
from pipeline.serde import (
    POISON_EMPTY,
    POISON_INVALID,
    POISON_NOT_JSON,
    POISON_NOT_OBJECT,
    POISON_REASONS,
    POISON_SCHEMA_VERSION,
    EncodeError,
    PoisonMessage,
    decode_result,
    decode_run,
    encode_result,
    encode_run,
)
from tests.fixtures.kafka import result_event, run_event


def as_dict(event: ResultEvent | RunEvent) -> dict[str, Any]:
    return orjson.loads(  # type: ignore[no-any-return]
        encode_result(event) if isinstance(event, ResultEvent) else encode_run(event)
    )


def mutated(change: dict[str, Any], drop: tuple[str, ...] = ()) -> bytes:
    document = as_dict(result_event(1))
    document.update(change)
    for key in drop:
        del document[key]
    return orjson.dumps(document)


def poison(payload: bytes | None, decode: Any = decode_result) -> PoisonMessage:
    with pytest.raises(PoisonMessage) as caught:
        decode(payload)
    assert caught.value.reason in POISON_REASONS
    return caught.value


def test_results_round_trip() -> None:
    for event in (result_event(0), result_event(7, findings=0), result_event(3, findings=3)):
        payload = encode_result(event)
        assert isinstance(payload, bytes)
        assert decode_result(payload) == event
        assert orjson.loads(payload)["schema_version"] == 1


@pytest.mark.parametrize("kind", list(RunEventType))
def test_runs_round_trip(kind: RunEventType) -> None:
    event = run_event(kind, n=3)
    assert decode_run(encode_run(event)) == event


@pytest.mark.parametrize("payload", [None, b""])
def test_no_payload_is_empty(payload: bytes | None) -> None:
    assert poison(payload).reason == POISON_EMPTY


@pytest.mark.parametrize("payload", [b"nope", b"{", b'{"a": 1}{', b"\xff\xfe\x00", b"{'single': 'quotes'}"])
def test_not_json(payload: bytes) -> None:
    assert poison(payload).reason == POISON_NOT_JSON


@pytest.mark.parametrize(
    ("payload", "kind"),
    [(b"[1, 2]", "an array"), (b'"text"', "a string"), (b"null", "null"), (b"42", "a number"), (b"true", "a boolean")],
)
def test_not_an_object(payload: bytes, kind: str) -> None:
    error = poison(payload)
    assert error.reason == POISON_NOT_OBJECT
    assert kind in error.detail


@pytest.mark.parametrize(
    ("change", "drop", "shown"),
    [
        ({}, ("schema_version",), "missing"),
        ({"schema_version": 2}, (), "2"),
        ({"schema_version": "1"}, (), "'1'"),
        ({"schema_version": 1.5}, (), "1.5"),
        ({"schema_version": None}, (), "None"),
        # A newer version may differ in every field; the version is the reason, not the fields.
        ({"schema_version": 2, "brand_new": {}}, ("job_id",), "2"),
    ],
)
def test_wrong_or_missing_schema_version(change: dict[str, Any], drop: tuple[str, ...], shown: str) -> None:
    error = poison(mutated(change, drop))
    assert error.reason == POISON_SCHEMA_VERSION
    assert shown in error.detail


@pytest.mark.parametrize(
    ("change", "drop", "mentions"),
    [
        ({}, ("job_id",), "job_id: Field required"),
        ({}, ("execution", "case"), "case: Field required"),
        ({"job_id": 123}, (), "job_id"),
        ({"executed_at": "yesterday"}, (), "executed_at"),
        ({"job_started_at": 1_700_000_000}, (), "job_started_at"),
        ({"findings": "none"}, (), "findings"),
        ({"unexpected": 1}, (), "unexpected: Extra inputs are not permitted"),
    ],
)
def test_invalid_fields(change: dict[str, Any], drop: tuple[str, ...], mentions: str) -> None:
    error = poison(mutated(change, drop))
    assert error.reason == POISON_INVALID
    assert mentions in error.detail


def test_nested_errors_name_their_path() -> None:
    document = as_dict(result_event(1))
    document["execution"]["status"] = "exploded"
    document["execution"]["elapsed_ms"] = "12.5"  # strict: a string is not a number, even if it looks like one
    document["case"]["extra"] = True
    error = poison(orjson.dumps(document))
    assert error.reason == POISON_INVALID
    for path in ("execution.status", "execution.elapsed_ms", "case.extra"):
        assert path in error.detail


def test_values_orjson_cannot_read_are_still_classified() -> None:
    # The validator reads NaN and 100-digit integers; orjson (used on the failure path) does not.
    payload = mutated({}).replace(b'"elapsed_ms":12.5', b'"elapsed_ms":NaN,"x":' + b"9" * 100)
    assert poison(payload).reason == POISON_INVALID


def test_run_events_must_carry_their_id() -> None:
    document = as_dict(run_event())
    del document["event_id"]
    error = poison(orjson.dumps(document), decode_run)
    assert error.reason == POISON_INVALID
    assert "event_id" in error.detail


def test_a_result_is_not_a_run() -> None:
    assert poison(encode_result(result_event(1)), decode_run).reason == POISON_INVALID


def test_detail_is_bounded() -> None:
    document = as_dict(result_event(1))
    document.update({f"extra_{i}": i for i in range(200)})
    error = poison(orjson.dumps(document))
    assert len(error.detail) <= 1000
    assert "more" in error.detail


def test_poison_pickles_with_reason_and_detail() -> None:
    error = PoisonMessage(POISON_INVALID, "job_id: Field required")
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.reason, copy.detail, copy.code) == (POISON_INVALID, "job_id: Field required", POISON_INVALID)
    assert str(copy) == "POISON_INVALID: job_id: Field required"


def test_unencodable_values_raise_encode_error() -> None:
    event = result_event(1)
    broken = event.model_copy(update={"case": event.case.model_copy(update={"body": object()})})
    with pytest.raises(EncodeError):
        encode_result(broken)
