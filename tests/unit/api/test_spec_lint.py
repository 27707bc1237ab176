"""``sentinel spec lint``: a summary and exit 0 for a loadable spec, code + location + message and exit 2 otherwise."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from api.cli import cli
from tests.fixtures.corpus import REPO

DEMO_SPEC = REPO / "examples" / "demo_target" / "openapi.yaml"


def test_lint_summarises_a_loadable_spec() -> None:
    result = CliRunner().invoke(cli, ["spec", "lint", str(DEMO_SPEC)])
    assert result.exit_code == 0, result.output
    assert "OK" in result.output
    assert "operations: 14" in result.output
    assert "bearerAuth (bearer)" in result.output


def test_lint_json_lists_version_operations_schemes_and_warnings(specs_dir: Path) -> None:
    spec = specs_dir / "broken" / "format_unknown_values.yaml"
    result = CliRunner().invoke(cli, ["spec", "lint", "--json", str(spec)])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["ok"] is True
    assert summary["spec_version"] == "3.0.3"
    assert summary["operations"] == 1
    assert {w["code"] for w in summary["warnings"]} == {"SPEC_FORMAT_UNKNOWN"}


def test_lint_explains_a_broken_spec_with_exit_2(specs_dir: Path) -> None:
    spec = specs_dir / "broken" / "ref_dangling_internal.yaml"
    result = CliRunner().invoke(cli, ["spec", "lint", str(spec)])
    assert result.exit_code == 2
    assert "SPEC_REF_UNRESOLVED" in result.output
    assert "/paths/~1pets/get/responses/200/content/application~1json/schema" in result.output


def test_lint_json_error_is_machine_readable(specs_dir: Path) -> None:
    result = CliRunner().invoke(cli, ["spec", "lint", "--json", str(specs_dir / "broken" / "json_trailing_comma.json")])
    assert result.exit_code == 2
    error = json.loads(result.output)["error"]
    assert error["code"] == "SPEC_JSON_SYNTAX"
    assert error["line"] == 4


def test_lint_missing_file_is_a_clean_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["spec", "lint", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert "SPEC_IO" in result.output
    assert "Traceback" not in result.output
