"""``sentinel run`` end to end: the real command against real HTTP targets, judged by its exit code, its output and
its reports."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import jsonschema
import pytest
import xmlschema

from api.reports import read_ndjson
from tests.fixtures.corpus import REPO
from tests.fixtures.servers import free_port

pytestmark = pytest.mark.e2e

SCHEMAS = REPO / "tests" / "fixtures" / "schemas"
CLEAN_SPEC = REPO / "tests" / "targets" / "clean_openapi.yaml"
DEMO_SPEC = REPO / "examples" / "demo_target" / "openapi.yaml"


def sentinel(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _reports(folder: Path) -> str:
    return f"junit={folder}/junit.xml,sarif={folder}/out.sarif,html={folder}/report.html,ndjson={folder}/r.ndjson"


def test_make_demo_finds_every_core_bug(tmp_path: Path) -> None:
    """What `make demo` runs: the demo shop is started, tested, and every core bug of BUGS.md must be found."""
    proc = subprocess.run(
        [sys.executable, "-m", "examples.demo_target.run_demo", "--port", str(free_port()), "--reports", str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "Planted core bugs found: 8/8" in proc.stdout
    assert "MISSED" not in proc.stdout


def test_a_clean_api_gets_a_clean_report_and_exit_0(clean_target_url: str, tmp_path: Path) -> None:
    proc = sentinel("run", "--spec", str(CLEAN_SPEC), "--base-url", clean_target_url, "--report", _reports(tmp_path))
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "no failures found" in proc.stdout
    events = list(read_ndjson(tmp_path / "r.ndjson"))
    assert len(events) > 50
    assert {e.case.operation_id for e in events} == {
        "listItems",
        "createItem",
        "getItem",
        "deleteItem",
        "login",
        "ping",
    }
    assert not [f for e in events for f in e.findings]
    kinds = {e.case.kind.value for e in events}
    assert kinds == {"functional", "negative"}
    xmlschema.XMLSchema(SCHEMAS / "junit.xsd").validate(tmp_path / "junit.xml")


def test_findings_exit_1_with_curl_lines_and_valid_reports(demo_shop_url: str, tmp_path: Path) -> None:
    proc = sentinel(
        "run",
        "--spec",
        str(DEMO_SPEC),
        "--base-url",
        demo_shop_url,
        "--auth-bearer",
        "demo-alice-3f9c1e7b2a",
        "--report",
        _reports(tmp_path),
    )
    assert proc.returncode == 1, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "curl -X GET" in proc.stdout
    assert "demo-alice-3f9c1e7b2a" not in proc.stdout + proc.stderr, "the token leaked into the output"
    for name in ("junit.xml", "out.sarif", "report.html", "r.ndjson"):
        assert "demo-alice-3f9c1e7b2a" not in (tmp_path / name).read_text(), f"the token leaked into {name}"
    xmlschema.XMLSchema(SCHEMAS / "junit.xsd").validate(tmp_path / "junit.xml")
    sarif = json.loads((tmp_path / "out.sarif").read_text())
    jsonschema.Draft7Validator(json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text())).validate(sarif)
    results = sarif["runs"][0]["results"]
    assert results
    for result in results:
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"].endswith("openapi.yaml")
        assert location["region"]["startLine"] > 1


def test_spec_from_url_with_filters_and_dry_run(demo_shop_url: str) -> None:
    proc = sentinel(
        "run",
        "--spec",
        f"{demo_shop_url}/openapi.yaml",
        "--base-url",
        demo_shop_url,
        "--include",
        "tag:products",
        "--exclude",
        "createProduct",
        "--dry-run",
    )
    assert proc.returncode == 0, proc.stderr
    planned = {line.split()[-1] for line in proc.stdout.splitlines() if line.strip()}
    assert planned == {"/products", "/products/{productId}"}, planned


def test_unreachable_target_exits_3(tmp_path: Path) -> None:
    proc = sentinel("run", "--spec", str(CLEAN_SPEC), "--base-url", f"http://127.0.0.1:{free_port()}")
    assert proc.returncode == 3, proc.stderr
    assert "TARGET_UNREACHABLE" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_bad_spec_exits_2_with_code_and_location(tmp_path: Path) -> None:
    spec = tmp_path / "broken.json"
    spec.write_text('{"openapi": "3.0.3",\n "info": {"title": "t", "version": "1"},\n "paths": {},\n}\n')
    proc = sentinel("run", "--spec", str(spec), "--base-url", "http://127.0.0.1:9")
    assert proc.returncode == 2
    assert "SPEC_JSON_SYNTAX" in proc.stderr
    assert "line 3" in proc.stderr  # the trailing comma
    assert "Traceback" not in proc.stderr


def test_bad_usage_exits_2() -> None:
    proc = sentinel("run", "--spec", str(CLEAN_SPEC), "--base-url", "http://127.0.0.1:9", "--kinds", "chaos")
    assert proc.returncode == 2
    assert "unknown kind 'chaos'" in proc.stderr


def test_ctrl_c_keeps_the_results_so_far(clean_target_url: str, tmp_path: Path) -> None:
    """Interrupted runs exit 130, print a partial summary and keep what was executed in the reports."""
    command = [
        sys.executable, "-m", "api.cli", "run", "--spec", str(CLEAN_SPEC), "--base-url", clean_target_url,
        "--rate-limit", "20", "--report", _reports(tmp_path),
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ndjson = tmp_path / "r.ndjson"
    deadline = time.monotonic() + 30
    while not (ndjson.exists() and ndjson.stat().st_size > 0) and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err[-2000:]
    assert "interrupted" in out + err
    assert "Traceback" not in err
    kept = list(read_ndjson(ndjson))
    assert 0 < len(kept) < 138, "the run should have been stopped part-way"
    xmlschema.XMLSchema(SCHEMAS / "junit.xsd").validate(tmp_path / "junit.xml")
