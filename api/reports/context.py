"""What a report is made from: the run's facts and its result events, grouped the way every format shows them.

Reports show distinct problems, not occurrences: findings that share a fingerprint (same check, operation and
cause) are one :class:`FindingGroup` that lists every case where it was seen.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from agent_core.apispec import Operation
from agent_core.events import ResultEvent
from agent_core.models import Finding, Severity, Status


@dataclass(frozen=True, slots=True)
class OperationInfo:
    """How a report names and locates an operation."""

    label: str  # "GET /pets/{id}"
    method: str
    path: str
    pointer: str  # JSON pointer of the operation in the spec
    line: int | None = None  # 1-based line of the operation in the spec file, when known

    @classmethod
    def from_operation(cls, operation: Operation) -> OperationInfo:
        return cls(operation.label, operation.method, operation.path, operation.pointer, operation.line)


@dataclass(frozen=True, slots=True)
class FindingGroup:
    """One distinct problem: the first finding with a fingerprint and every case that produced it."""

    finding: Finding
    event: ResultEvent  # where it was first seen
    case_ids: tuple[str, ...]

    @property
    def count(self) -> int:
        return len(self.case_ids)


@dataclass(frozen=True, slots=True)
class ErrorGroup:
    """The executions of one operation that could not be tested for the same reason."""

    kind: str  # an ErrorKind value, or "error" when the executor gave none
    events: tuple[ResultEvent, ...]


@dataclass(frozen=True, slots=True)
class Summary:
    operations: int
    cases: int
    passed: int
    failed: int
    errors: int
    skipped: int
    findings: int  # distinct problems
    occurrences: int  # findings, counting every case
    by_severity: dict[Severity, int]  # distinct problems per severity, worst first


@dataclass(frozen=True, slots=True)
class ReportContext:
    """Everything a report needs. ``command`` must already have its secrets masked."""

    job_id: str
    spec_source: str  # path or URL of the spec
    spec_title: str | None
    spec_version: str | None
    base_url: str | None
    seed: int | None
    started_at: datetime
    finished_at: datetime
    command: str
    operations: Mapping[str, OperationInfo]
    events: Sequence[ResultEvent]
    checks: Sequence[str] = field(default=())  # the checks that ran; reports list them even when they found nothing

    @property
    def duration_s(self) -> float:
        return max((self.finished_at - self.started_at).total_seconds(), 0.0)

    def operation_ids(self) -> list[str]:
        """Known operations in spec order, then any other operation that has results."""
        ids = dict.fromkeys(self.operations)
        for event in self.events:
            ids.setdefault(event.case.operation_id, None)
        return list(ids)

    def operation(self, operation_id: str) -> OperationInfo:
        known = self.operations.get(operation_id)
        if known is not None:
            return known
        case = next((e.case for e in self.events if e.case.operation_id == operation_id), None)
        if case is None:
            return OperationInfo(operation_id, "", "", "")
        return OperationInfo(f"{case.method.upper()} {case.path}", case.method, case.path, "")

    def check_names(self) -> list[str]:
        """The checks that ran, then any other check that produced findings."""
        names = dict.fromkeys(self.checks)
        for event in self.events:
            for finding in event.findings:
                names.setdefault(finding.check, None)
        return list(names)

    def events_by_operation(self) -> dict[str, list[ResultEvent]]:
        grouped: dict[str, list[ResultEvent]] = {op: [] for op in self.operation_ids()}
        for event in self.events:
            grouped[event.case.operation_id].append(event)
        return grouped

    def findings_by_operation_and_check(self) -> dict[str, dict[str, list[FindingGroup]]]:
        """Distinct findings per operation and check, worst first, then in the order they were first seen."""
        firsts: dict[tuple[str, str, str], tuple[Finding, ResultEvent]] = {}
        cases: dict[tuple[str, str, str], list[str]] = {}
        for event in self.events:
            for finding in event.findings:
                key = (finding.operation_id, finding.check, finding.fingerprint)
                firsts.setdefault(key, (finding, event))
                seen = cases.setdefault(key, [])
                if finding.case_id not in seen:
                    seen.append(finding.case_id)
        # Operations in spec order and checks in run order, so every format lists them the same way.
        operation_order = {op: i for i, op in enumerate(self.operation_ids())}
        check_order = {check: i for i, check in enumerate(self.check_names())}
        last = len(operation_order)

        def position(key: tuple[str, str, str]) -> tuple[int, int]:
            return operation_order.get(key[0], last), check_order[key[1]]

        ordered = sorted(firsts.items(), key=lambda item: position(item[0]))
        grouped: dict[str, dict[str, list[FindingGroup]]] = {}
        for (operation_id, check, _), (finding, event) in ordered:
            group = FindingGroup(finding, event, tuple(cases[(operation_id, check, finding.fingerprint)]))
            grouped.setdefault(operation_id, {}).setdefault(check, []).append(group)
        for by_check in grouped.values():
            for groups in by_check.values():
                groups.sort(key=lambda g: -g.finding.severity.rank)
        return grouped

    def finding_groups(self) -> list[FindingGroup]:
        """Every distinct finding, grouped as in :meth:`findings_by_operation_and_check`, flattened."""
        by_operation = self.findings_by_operation_and_check()
        return [g for by_check in by_operation.values() for groups in by_check.values() for g in groups]

    def errors_by_operation(self) -> dict[str, list[ErrorGroup]]:
        """Executions that could not be tested, per operation and error kind."""
        raw: dict[str, dict[str, list[ResultEvent]]] = {}
        for event in self.events:
            if event.execution.status is Status.ERROR:
                kind = event.execution.error_kind.value if event.execution.error_kind else "error"
                raw.setdefault(event.case.operation_id, {}).setdefault(kind, []).append(event)
        return {op: [ErrorGroup(kind, tuple(evs)) for kind, evs in kinds.items()] for op, kinds in raw.items()}

    def summary(self) -> Summary:
        statuses = [e.execution.status for e in self.events]
        groups = self.finding_groups()
        worst_first = sorted(Severity, key=lambda s: -s.rank)
        return Summary(
            operations=len(self.operation_ids()),
            cases=len(self.events),
            passed=statuses.count(Status.PASSED),
            failed=statuses.count(Status.FAILED),
            errors=statuses.count(Status.ERROR),
            skipped=statuses.count(Status.SKIPPED),
            findings=len(groups),
            occurrences=sum(len(e.findings) for e in self.events),
            by_severity={s: sum(1 for g in groups if g.finding.severity is s) for s in worst_first},
        )
