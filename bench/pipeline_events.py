"""Realistic result events for the pipeline benchmark (about 1.5 kB each as JSON, a third with a finding)."""

from __future__ import annotations

from datetime import datetime, timedelta

from agent_core.events import ResultEvent, event_id_for
from agent_core.models import (
    Execution,
    Expectation,
    Finding,
    HttpRequest,
    HttpResponse,
    Severity,
    Status,
    TestCase,
    TestKind,
)


def make_events(n: int, run: str, job_started_at: datetime, jobs: int = 20) -> list[ResultEvent]:
    out = []
    for i in range(n):
        job_id = f"bench-{run}-{i % jobs}"
        case_id = f"{run}-{i:08d}"
        failed = i % 3 == 0
        case = TestCase(
            case_id=case_id,
            job_id=job_id,
            operation_id="createItem",
            method="post",
            path="/items/{itemId}",
            kind=TestKind.NEGATIVE if failed else TestKind.FUNCTIONAL,
            agent="functional-negative" if failed else "functional-positive",
            path_params={"itemId": i},
            query={"limit": 10},
            body={"name": f"item {i}", "price": i % 1000, "tags": ["a", "b"]},
            has_body=True,
            media_type="application/json",
            expectation=Expectation(statuses=("4XX",) if failed else ("2XX",)),
            seed=0,
        )
        request = HttpRequest(
            method="POST",
            url=f"http://127.0.0.1:8000/items/{i}?limit=10",
            headers={"content-type": "application/json", "authorization": "Bearer [masked]"},
            body=f'{{"name":"item {i}","price":{i % 1000},"tags":["a","b"]}}',
        )
        response = HttpResponse(
            status=201,
            headers={"content-type": "application/json"},
            body=f'{{"id":{i},"name":"item {i}"}}',
            body_length=30,
            body_sha256="0" * 64,
            content_type="application/json",
        )
        findings = (
            (
                Finding(
                    check="negative_data_rejection",
                    severity=Severity.HIGH,
                    title="Invalid data accepted",
                    message=f"request body at `/price` = {i} breaks `maximum`; the API answered 201 Created",
                    operation_id="createItem",
                    case_id=case_id,
                    fingerprint="f" * 32,
                    curl=f"curl -X POST http://127.0.0.1:8000/items/{i}",
                ),
            )
            if failed
            else ()
        )
        execution = Execution(
            case_id=case_id,
            request=request,
            response=response,
            elapsed_ms=3.5,
            status=Status.FAILED if failed else Status.PASSED,
        )
        out.append(
            ResultEvent(
                event_id=event_id_for(job_id, case_id),
                job_id=job_id,
                job_started_at=job_started_at,
                spec_id="bench",
                executed_at=job_started_at + timedelta(milliseconds=i),
                worker="bench",
                case=case,
                execution=execution,
                findings=findings,
            )
        )
    return out
