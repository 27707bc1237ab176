"""How fast the Postgres sink stores batches: COPY into staging + INSERT … ON CONFLICT, for 1k and 10k events.

Prints rows/s per batch size (run with ``-s`` to see them) and fails only far below what this 2-core machine does,
so a regression by an order of magnitude is caught without making the suite flaky.
"""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from agent_core.events import ResultEvent
from agent_core.models import TestKind
from pipeline.sinks import PostgresSink
from tests.unit.pipeline.factories import make_case, make_event, make_finding

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.slow]

OPERATIONS = [("getPet", "GET", "/pets/{petId}"), ("createOrder", "POST", "/orders"), ("listUsers", "GET", "/users")]
# Far below the measured figures (see the printed table); only an order-of-magnitude regression trips it.
FLOOR_ROWS_PER_S = 1_000


def _batch(job: str, size: int) -> list[ResultEvent]:
    """A realistic mix: one case in ten fails with a finding (fingerprints shared across the batch)."""
    events = []
    for n in range(size):
        operation_id, method, path = OPERATIONS[n % len(OPERATIONS)]
        kind = TestKind.NEGATIVE if n % 2 else TestKind.FUNCTIONAL
        case = make_case(job, n, operation_id=operation_id, method=method, path=path, kind=kind, body={"n": n})
        failing = n % 10 == 0
        findings = (make_finding(case, cause=f"cause-{n % 50}"),) if failing else None
        events.append(make_event(job, n, case=case, failing=failing, findings=findings))
    return events


def _seconds(sink: PostgresSink, batch: list[ResultEvent]) -> float:
    start = time.perf_counter()
    sink.write_results(batch)
    return time.perf_counter() - start


@pytest.mark.parametrize("size", [1_000, 10_000])
def test_copy_and_insert_throughput(store: sa.Engine, size: int, capsys: pytest.CaptureFixture[str]) -> None:
    figures = {}
    for mode in ("not_passed", "none"):
        sink = PostgresSink(store, case_embeddings=mode)
        sink.write_results(_batch(f"warm-up-{mode}", 100))  # partition, staging tables, connection
        batches = [_batch(f"{mode}-{size}-{i}", size) for i in range(3)]
        figures[mode] = size / min(_seconds(sink, batch) for batch in batches)
        if mode == "not_passed":
            figures["replay"] = size / _seconds(sink, batches[0])
    with store.connect() as conn:
        stored = conn.execute(sa.text("SELECT count(*) FROM results WHERE job_id LIKE :j"), {"j": f"%-{size}-%"})
        assert stored.scalar() == 6 * size
    with capsys.disabled():
        print(
            f"\n[postgres sink] batches of {size:>6}: {figures['not_passed']:7.0f} rows/s "
            f"(failed cases embedded), {figures['none']:7.0f} rows/s (no case embeddings), "
            f"replay {figures['replay']:7.0f} rows/s"
        )
    assert figures["not_passed"] > FLOOR_ROWS_PER_S
