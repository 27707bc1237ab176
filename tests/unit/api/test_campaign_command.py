"""``sentinel campaign`` without a cluster: schema, validation, and the errors of bad files."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from actors.campaign import json_schema
from api.cli import cli
from tests.fixtures.corpus import REPO

EXAMPLE = REPO / "examples" / "campaign" / "campaign.yaml"


def test_schema_prints_the_campaign_json_schema() -> None:
    result = CliRunner().invoke(cli, ["campaign", "schema"])
    assert result.exit_code == 0
    assert json.loads(result.output) == json_schema()


def test_validate_loads_every_target_and_counts_its_cases() -> None:
    result = CliRunner().invoke(cli, ["campaign", "validate", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("shop: Sentinel Demo Shop")
    assert [line.split(":")[0] for line in lines[:3]] == ["shop", "library", "weather"]
    assert all(" cases against http://127.0.0.1:87" in line for line in lines[:3])
    assert lines[-1] == "campaign examples: 3 targets, valid"


def test_a_bad_campaign_exits_2_with_its_code(tmp_path: Path) -> None:
    bad = tmp_path / "c.yaml"
    bad.write_text("version: 1\nname: x\ntargets:\n  - name: a\n    spec: s.yaml\n    base_url: nope\n")
    for command in ("validate", "run"):
        result = CliRunner().invoke(cli, ["campaign", command, str(bad)])
        assert result.exit_code == 2, result.output
        assert "CONFIG_CAMPAIGN" in result.output and "targets.0.base_url" in result.output


def test_a_campaign_whose_spec_is_missing_exits_2_before_any_cluster_starts(tmp_path: Path) -> None:
    file = tmp_path / "c.yaml"
    file.write_text("version: 1\nname: x\ntargets:\n  - name: a\n    spec: absent.yaml\n    base_url: http://a\n")
    result = CliRunner().invoke(cli, ["campaign", "run", str(file)])
    assert result.exit_code == 2
    assert "SPEC_IO" in result.output
