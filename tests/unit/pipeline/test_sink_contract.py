"""The sink contract: exported names, picklable signals, and how Postgres errors map onto it."""

from __future__ import annotations

import pickle

import psycopg.errors
import pytest
from sqlalchemy import exc as sa_exc

import pipeline.sinks
from pipeline.sinks import Backpressure, PostgresSink, Sink, SinkError
from pipeline.sinks.postgres import _translate


def test_public_names_are_pinned() -> None:
    assert pipeline.sinks.__all__ == sorted(pipeline.sinks.__all__)
    assert pipeline.sinks.__all__ == ["Backpressure", "PostgresSink", "Sink", "SinkError"]


def test_postgres_sink_satisfies_the_protocol() -> None:
    # Creating an engine does not connect.
    sink = PostgresSink.from_dsn("postgresql://sentinel@127.0.0.1:1/none")
    assert isinstance(sink, Sink)
    assert sink.name == "postgres"
    sink.close()


def test_signals_pickle_with_their_fields() -> None:
    pressure = pickle.loads(pickle.dumps(Backpressure(2.5, "postgres 55P03")))
    assert (pressure.retry_after, pressure.reason) == (2.5, "postgres 55P03")
    error = pickle.loads(pickle.dumps(SinkError("refused", "SINK_BAD_DATA")))
    assert (error.code, error.message) == ("SINK_BAD_DATA", "refused")


def _wrapped(error: psycopg.Error, kind: type[sa_exc.DBAPIError] = sa_exc.OperationalError) -> sa_exc.DBAPIError:
    return kind("INSERT …", {}, error)


@pytest.mark.parametrize(
    ("error", "retry_after"),
    [
        (psycopg.errors.LockNotAvailable("lock timeout"), 0.5),
        (psycopg.errors.DeadlockDetected("deadlock"), 0.5),
        (psycopg.errors.SerializationFailure("conflict"), 0.5),
        (psycopg.errors.TooManyConnections("too many"), 5.0),
        (psycopg.errors.AdminShutdown("shutting down"), 5.0),
        (psycopg.errors.CannotConnectNow("starting up"), 5.0),
        (psycopg.errors.QueryCanceled("statement timeout"), 5.0),
        (psycopg.errors.DiskFull("no space"), 5.0),
        (psycopg.OperationalError("connection refused"), 5.0),
    ],
)
def test_transient_failures_ask_to_slow_down(error: psycopg.Error, retry_after: float) -> None:
    mapped = _translate(_wrapped(error))
    assert isinstance(mapped, Backpressure)
    assert mapped.retry_after == retry_after


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (psycopg.errors.InvalidTextRepresentation("invalid input syntax for type uuid"), "SINK_BAD_DATA"),
        (psycopg.errors.CheckViolation("violates check constraint"), "SINK_BAD_DATA"),
        (psycopg.errors.UndefinedColumn('column "x" does not exist'), "SINK_SCHEMA"),
        (psycopg.errors.UndefinedTable('relation "results" does not exist'), "SINK_SCHEMA"),
        (psycopg.errors.InsufficientPrivilege("permission denied for table results"), "SINK_PERMISSION"),
    ],
)
def test_permanent_failures_have_stable_codes(error: psycopg.Error, code: str) -> None:
    mapped = _translate(_wrapped(error, sa_exc.DataError))
    assert isinstance(mapped, SinkError)
    assert mapped.code == code


def test_anything_else_is_left_to_propagate() -> None:
    # A syntax error is a bug in this code, not something a retry or an operator can fix.
    assert _translate(_wrapped(psycopg.errors.SyntaxError("syntax error at or near"))) is None


def test_errors_from_copy_arrive_unwrapped_and_map_the_same_way() -> None:
    refused = _translate(psycopg.errors.InvalidTextRepresentation("invalid input syntax for type uuid"))
    assert isinstance(refused, SinkError) and refused.code == "SINK_BAD_DATA"
    assert isinstance(_translate(psycopg.errors.LockNotAvailable("lock timeout")), Backpressure)
    assert isinstance(_translate(psycopg.OperationalError("server closed the connection")), Backpressure)
