"""``sentinel run`` against the library and weather example targets: each run must find exactly the core bugs their
BUGS.md lists, and nothing else."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from api.reports import read_ndjson
from examples.demo_target.bugs import compare, load_bugs
from tests.fixtures.corpus import REPO
from tests.fixtures.servers import serve

pytestmark = pytest.mark.e2e

TARGETS = {
    "library": ("examples.library_target.app:create_app", ["--auth-api-key", "header:X-API-Key=library-key-7c1e4a9d"]),
    "weather": ("examples.weather_target.app:create_app", []),
}


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_sentinel_run_finds_exactly_the_planted_bugs(name: str, tmp_path: Path) -> None:
    app, auth = TARGETS[name]
    folder = REPO / "examples" / f"{name}_target"
    with serve(app, log=tmp_path / "server.log") as url:
        proc = subprocess.run(
            [sys.executable, "-m", "api.cli", "run", "--spec", str(folder / "openapi.yaml"), "--base-url", url, *auth,
             "--report", f"ndjson={tmp_path}/r.ndjson", "--no-progress"],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )  # fmt: skip
    assert proc.returncode == 1, proc.stdout[-4000:] + proc.stderr[-2000:]
    findings = [finding for event in read_ndjson(tmp_path / "r.ndjson") for finding in event.findings]
    result = compare(load_bugs(folder / "BUGS.md"), findings)
    assert [bug.id for bug in result.missed] == [], proc.stdout[-4000:]
    assert result.unexpected == (), proc.stdout[-4000:]
    assert len(result.found) == 2
