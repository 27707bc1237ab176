"""The planted bugs of the demo shop, read from the table in ``BUGS.md``, and how findings compare with them.

A bug is found when a finding has the same check and operationId. The table has exactly the columns
``| ID | Operation | Check | Issue | Description |``; Operation is an operationId, Issue is one of :data:`ISSUES`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Protocol

__all__ = ["BUGS_PATH", "COLUMNS", "ISSUES", "Bug", "BugTableError", "Comparison", "compare", "load_bugs", "parse_bugs"]

BUGS_PATH: Final = Path(__file__).with_name("BUGS.md")
COLUMNS: Final = ("ID", "Operation", "Check", "Issue", "Description")
ISSUES: Final = ("core", "security", "stateful")

_SEPARATOR_CELL: Final = re.compile(r":?-{3,}:?")
_CELL_BOUNDARY: Final = re.compile(r"(?<!\\)\|")


class BugTableError(ValueError):
    """``BUGS.md`` has no well-formed bug table."""


@dataclass(frozen=True, slots=True)
class Bug:
    id: str
    operation_id: str
    check: str
    issue: str  # core | security | stateful
    description: str

    @property
    def key(self) -> tuple[str, str]:
        """``(check, operation_id)``: what a finding must match for this bug to count as found."""
        return (self.check, self.operation_id)


class FindingLike(Protocol):
    """What a comparison needs from a finding (``agent_core.models.Finding`` has both)."""

    @property
    def check(self) -> str: ...

    @property
    def operation_id(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Comparison:
    """Expected bugs split into found and missed, and the findings that no bug in the table explains."""

    found: tuple[Bug, ...]
    missed: tuple[Bug, ...]
    unexpected: tuple[tuple[str, str], ...]  # sorted (check, operation_id) pairs


def _cells(line: str) -> list[str]:
    inner = line.strip()
    inner = inner.removeprefix("|")
    if inner.endswith("|") and not inner.endswith("\\|"):
        inner = inner[:-1]
    return [cell.strip().replace("\\|", "|") for cell in _CELL_BOUNDARY.split(inner)]


def _plain(cell: str) -> str:
    """A name cell without surrounding code marks: ``listUsers`` and `` `listUsers` `` are the same."""
    return cell.strip("`").strip()


def parse_bugs(text: str, *, source: str = "BUGS.md") -> list[Bug]:
    """The rows of the first table in ``text`` whose header is :data:`COLUMNS`, in order."""
    lines = text.splitlines()
    header_at = next(
        (i for i, line in enumerate(lines) if line.lstrip().startswith("|") and tuple(_cells(line)) == COLUMNS),
        None,
    )
    if header_at is None:
        raise BugTableError(f"{source}: no table with the columns | {' | '.join(COLUMNS)} |")
    if header_at + 1 >= len(lines) or not all(_SEPARATOR_CELL.fullmatch(cell) for cell in _cells(lines[header_at + 1])):
        raise BugTableError(f"{source}:{header_at + 2}: the header must be followed by a separator row")

    bugs: list[Bug] = []
    seen: set[str] = set()
    for number, line in enumerate(lines[header_at + 2 :], start=header_at + 3):
        if not line.lstrip().startswith("|"):
            break
        cells = _cells(line)
        if len(cells) != len(COLUMNS):
            raise BugTableError(f"{source}:{number}: expected {len(COLUMNS)} cells, found {len(cells)}")
        bug_id, operation_id, check, issue, description = cells
        bug = Bug(_plain(bug_id), _plain(operation_id), _plain(check), _plain(issue), description)
        if not (bug.id and bug.operation_id and bug.check and bug.description):
            raise BugTableError(f"{source}:{number}: ID, Operation, Check and Description must not be empty")
        if bug.issue not in ISSUES:
            raise BugTableError(f"{source}:{number}: Issue must be one of {', '.join(ISSUES)}, not {bug.issue!r}")
        if bug.id in seen:
            raise BugTableError(f"{source}:{number}: duplicate ID {bug.id}")
        seen.add(bug.id)
        bugs.append(bug)
    if not bugs:
        raise BugTableError(f"{source}: the bug table has no rows")
    return bugs


def load_bugs(path: str | os.PathLike[str] = BUGS_PATH) -> list[Bug]:
    """The bugs listed in the ``BUGS.md`` at ``path`` (by default the demo shop's own)."""
    file = Path(path)
    return parse_bugs(file.read_text(encoding="utf-8"), source=str(file))


def compare(bugs: Iterable[Bug], findings: Iterable[FindingLike], *, issues: Iterable[str] = ("core",)) -> Comparison:
    """Which bugs of the given ``issues`` the findings found, which they missed, and which findings match no bug
    at all (of any issue)."""
    all_bugs = list(bugs)
    wanted = set(issues)
    unknown = wanted - set(ISSUES)
    if unknown:
        raise ValueError(f"unknown issue kinds: {', '.join(sorted(unknown))}")
    reported = {(finding.check, finding.operation_id) for finding in findings}
    expected = [bug for bug in all_bugs if bug.issue in wanted]
    explained = {bug.key for bug in all_bugs}
    return Comparison(
        found=tuple(bug for bug in expected if bug.key in reported),
        missed=tuple(bug for bug in expected if bug.key not in reported),
        unexpected=tuple(sorted(reported - explained)),
    )
