"""Findings on a real Postgres: states across jobs (new → recurring → fixed → regressed) and similar-failure search
over the HNSW index."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from agent_core.events import ResultEvent, RunEventType
from agent_core.models import Severity, TestCase, TestKind
from pipeline.sinks import PostgresSink
from pipeline.store import writes
from pipeline.store.embeddings import embed_finding, vector_literal
from pipeline.store.queries import findings_by_state, similar_findings, similar_findings_stmt
from pipeline.store.schema import DEFAULT_PROJECT_ID
from pipeline.store.states import FindingState
from tests.unit.pipeline.factories import T0, make_case, make_event, make_finding, make_run

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

PET = make_case(operation_id="getPet", method="GET", path="/pets/{petId}")
ORDER = make_case(operation_id="createOrder", method="POST", path="/orders")


class Jobs:
    """Runs jobs through the sink the way the pipeline delivers them: run events and result batches."""

    def __init__(self, sink: PostgresSink) -> None:
        self.sink = sink
        self.count = 0

    def run(
        self,
        *,
        failing: tuple[str, ...] = (),
        passing: tuple[str, ...] = (),
        kind: TestKind = TestKind.FUNCTIONAL,
        end: RunEventType = RunEventType.FINISHED,
        stats: dict[str, object] | None = None,
        results_after_finish: bool = False,
    ) -> str:
        """One job started a day after the previous one: a failing (500) and/or passing case per operation."""
        job_id = f"job-{self.count}"
        started = T0 + timedelta(days=self.count)
        self.count += 1
        events: list[ResultEvent] = []
        for n, operation in enumerate(itertools.chain(failing, passing)):
            case = _case(operation, job_id, n, kind)
            broken = operation in failing
            events.append(make_event(job_id, n, job_started_at=started, case=case, failing=broken))
        self.sink.write_runs([make_run(job_id, RunEventType.STARTED, started, job_started_at=started)])
        finish = make_run(job_id, end, started + timedelta(hours=1), job_started_at=started, stats=stats)
        if results_after_finish:
            self.sink.write_runs([finish])
            self.sink.write_results(events)
        else:
            self.sink.write_results(events)
            self.sink.write_runs([finish])
        return job_id


def _case(name: str, job_id: str, n: int, kind: TestKind = TestKind.FUNCTIONAL) -> TestCase:
    like = {"getPet": PET, "createOrder": ORDER}[name]
    return make_case(job_id, n, operation_id=like.operation_id, method=like.method, path=like.path, kind=kind)


def _states(engine: sa.Engine) -> dict[tuple[str, str], str]:
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT operation_id, kind, state FROM findings")).all()
    return {(r.operation_id, r.kind): r.state for r in rows}


@pytest.fixture
def jobs(store: sa.Engine) -> Jobs:
    return Jobs(PostgresSink(store))


def test_states_go_new_recurring_fixed_regressed_across_jobs(jobs: Jobs, store: sa.Engine) -> None:
    key = ("getPet", "functional")
    jobs.run(failing=("getPet", "createOrder"))
    assert _states(store) == {key: "new", ("createOrder", "functional"): "new"}
    jobs.run(failing=("getPet",))
    assert _states(store)[key] == "recurring"
    fixer = jobs.run(passing=("getPet",))  # covers getPet, does not see the failure
    assert _states(store) == {key: "fixed", ("createOrder", "functional"): "new"}  # createOrder was not covered
    jobs.run(failing=("getPet",))
    assert _states(store)[key] == "regressed"
    jobs.run(failing=("getPet",))
    assert _states(store)[key] == "recurring"
    with store.connect() as conn:
        row = conn.execute(sa.text("SELECT * FROM findings WHERE operation_id = 'getPet'")).one()
    assert (row.occurrences, row.first_job_id, row.last_job_id, row.fixed_job_id) == (4, "job-0", "job-4", fixer)
    assert (row.first_seen, row.last_job_started_at) == (T0 + timedelta(seconds=1), T0 + timedelta(days=4))
    with Session(store) as session:
        assert [f.operation_id for f in findings_by_state(session, FindingState.NEW)] == ["createOrder"]
        assert [f.operation_id for f in findings_by_state(session, "recurring", project_id=DEFAULT_PROJECT_ID)] == [
            "getPet"
        ]


def test_only_a_job_that_covered_the_finding_fixes_it(jobs: Jobs, store: sa.Engine) -> None:
    jobs.run(failing=("getPet",), kind=TestKind.NEGATIVE)
    jobs.run(passing=("getPet",), kind=TestKind.FUNCTIONAL)  # other kind of cases: the negative check did not run
    jobs.run(passing=("getPet",), kind=TestKind.NEGATIVE, end=RunEventType.FAILED)  # a failed job proves nothing
    jobs.run(passing=("getPet",), kind=TestKind.NEGATIVE, stats={"checks": ["status_code_conformance"]})
    assert _states(store) == {("getPet", "negative"): "new"}
    jobs.run(passing=("getPet",), kind=TestKind.NEGATIVE, stats={"checks": ["not_a_server_error"]})
    assert _states(store) == {("getPet", "negative"): "fixed"}


def test_a_fix_decided_before_the_jobs_results_arrived_is_undone(jobs: Jobs, store: sa.Engine) -> None:
    jobs.run(failing=("getPet",))
    jobs.run(passing=("getPet",), results_after_finish=True)  # finished event first, then its results
    assert _states(store)[("getPet", "functional")] == "fixed"
    # More of that job's results arrive late, and one still sees the failure: it was never fixed.
    started = T0 + timedelta(days=1)
    late = make_event("job-1", 9, job_started_at=started, case=_case("getPet", "job-1", 9), failing=True)
    jobs.sink.write_results([late])
    assert _states(store)[("getPet", "functional")] == "recurring"


def test_a_replayed_finish_does_not_fix_what_a_later_job_saw(jobs: Jobs, store: sa.Engine) -> None:
    jobs.run(failing=("getPet",))
    fixer = jobs.run(passing=("getPet",))
    jobs.run(failing=("getPet",))
    assert _states(store)[("getPet", "functional")] == "regressed"
    started = T0 + timedelta(days=1)
    jobs.sink.write_runs([make_run(fixer, RunEventType.FINISHED, started + timedelta(hours=1), job_started_at=started)])
    assert _states(store)[("getPet", "functional")] == "regressed"


# -- similar-failure search ----------------------------------------------------------------------------------------

# Every template names the field and the kind, so no two of the 10,000 findings mean the same thing.
CHECKS = [
    ("not_a_server_error", "Server error", "answered {status} Internal Server Error to a {kind} request on `{field}`"),
    ("status_code_conformance", "Undocumented status code", "answered {status} to a {kind} `{field}` request"),
    ("response_schema_conformance", "Response body does not match its schema", "{kind} body breaks `{field}`"),
    ("content_type_conformance", "Undocumented Content-Type", "answered `text/{field}` to a {kind} request"),
    ("negative_data_rejection", "Invalid data accepted", "`{field}` broke its {kind} constraint; answered {status}"),
    ("positive_data_acceptance", "Valid data rejected", "rejected valid {kind} `{field}` with {status}"),
    ("response_headers_conformance", "Missing required response header", "{kind} answer without `{field}` header"),
    ("max_response_time", "Slow response", "took {n} ms on a {kind} `{field}` request, over the limit"),
]
RESOURCES = ["pets", "orders", "users", "stores", "carts", "invoices", "payments", "shipments", "reviews", "tags"]
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
FIELDS = ["name", "email", "price", "quantity", "status", "created", "owner", "address", "currency", "limit"]
KINDS = ["functional", "negative", "boundary", "security", "stateful"]
STATUSES = ["400", "404", "409", "422", "500"]


def _corpus() -> list[tuple[str, str, str, str, str, str, str]]:
    """10,000 distinct findings: check × operation (50) × cause (25)."""
    rows: list[tuple[str, str, str, str, str, str, str]] = []
    for (check, title, template), resource, method, field, kind in itertools.product(
        CHECKS, RESOURCES, METHODS, FIELDS[:5], KINDS
    ):
        label = f"{method} /{resource}/{{id}}"
        status = STATUSES[(len(resource) + len(field)) % len(STATUSES)]
        message = f"{label} " + template.format(status=status, kind=kind, field=field, n=1000 + len(rows))
        rows.append((check, title, message, label, resource, method, f"{check}/{label}/{field}/{kind}"))
    return rows


def test_nearest_neighbour_search_finds_the_planted_near_duplicate(store: sa.Engine) -> None:
    corpus = _corpus()
    assert len(corpus) == 10_000
    planted = 7_321
    seen = datetime(2025, 3, 14, 9, 0)
    with store.begin() as conn:
        copy_rows: list[tuple[object, ...]] = []
        for check, title, message, label, resource, method, cause in corpus:
            case = make_case(operation_id=f"{method.lower()}_{resource}", method=method, path=f"/{resource}/{{id}}")
            finding = make_finding(case, check=check, title=title, message=message, cause=cause)
            copy_rows.append(
                (
                    DEFAULT_PROJECT_ID, finding.fingerprint, check, Severity.HIGH.value, title, message,
                    case.operation_id, "functional", method, case.path, case.case_id, finding.curl, seen, seen,
                    "job-0", "job-0", seen, 1, "new", vector_literal(embed_finding(finding, label)),
                )
            )  # fmt: skip
        columns = (
            "project_id", "fingerprint", "check", "severity", "title", "message", "operation_id", "kind", "method",
            "path", "case_id", "curl", "first_seen", "last_seen", "first_job_id", "last_job_id",
            "last_job_started_at", "occurrences", "state", "embedding",
        )  # fmt: skip
        writes.copy_rows(conn, "findings", columns, copy_rows)
        conn.execute(sa.text("ANALYZE findings"))
    check, title, message, label, resource, method, cause = corpus[planted]
    # The same failure seen again with other generated values (a number, an id and a trace in the message).
    again = make_finding(
        make_case(operation_id=f"{method.lower()}_{resource}", method=method, path=f"/{resource}/{{id}}"),
        check=check,
        title=title,
        message=message.replace(str(1000 + planted), "98765") + " (request 0b7e2d4a-99aa-4f00-8c1d-2e3f4a5b6c7d)",
        cause=cause,
    )
    query = embed_finding(again, label)
    with Session(store) as session, session.begin():
        found = similar_findings(session, query, limit=5)
        statement = similar_findings_stmt(query, 5).compile(
            dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True}
        )
        plan = "\n".join(session.connection().exec_driver_sql(f"EXPLAIN {statement}").scalars())
        assert found[0].row.message == message
        assert found[0].distance < 0.05
        assert found[1].distance > found[0].distance
    assert "ix_findings_embedding" in plan, plan
