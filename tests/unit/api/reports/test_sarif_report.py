from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import jsonschema
import orjson
import pytest

from agent_core.checks import fingerprint
from api.reports import render_sarif
from api.reports.sarif import FINGERPRINT_KEY, spec_uri
from tests.unit.api.reports import support

SCHEMA_PATH = Path(__file__).resolve().parents[3] / "fixtures" / "schemas" / "sarif-schema-2.1.0.json"


@pytest.fixture(scope="module")
def validator() -> Any:
    schema = orjson.loads(SCHEMA_PATH.read_bytes())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _render(tmp_path: Path, **overrides: Any) -> dict[str, Any]:
    source = overrides.pop("spec_source", tmp_path / "specs" / "petstore.yaml")
    log = render_sarif(support.context(source, **overrides), base_dir=tmp_path)
    # What gets written: the JSON round trip must not change anything.
    assert orjson.loads(orjson.dumps(log)) == log
    return log


def _results_by_rule(log: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for result in log["runs"][0]["results"]:
        grouped.setdefault(result["ruleId"], []).append(result)
    return grouped


def test_the_official_schema_catches_a_broken_log(validator: Any, tmp_path: Path) -> None:
    log = _render(tmp_path)
    broken = copy.deepcopy(log)
    broken["runs"][0]["results"][0]["level"] = "high"
    assert list(validator.iter_errors(broken))
    del broken["runs"][0]["tool"]
    assert list(validator.iter_errors(broken))


def test_log_validates_against_the_official_sarif_schema(validator: Any, tmp_path: Path) -> None:
    validator.validate(_render(tmp_path))
    validator.validate(_render(tmp_path, spec_source="https://api.test/openapi.json"))
    validator.validate(_render(tmp_path, events=[], operations={}, checks=()))


def test_one_run_with_a_sentinel_driver_and_one_rule_per_check(tmp_path: Path) -> None:
    log = _render(tmp_path)
    assert log["version"] == "2.1.0"
    [run] = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "Sentinel"
    assert [r["id"] for r in driver["rules"]] == list(support.CHECKS)
    rules = {r["id"]: r for r in driver["rules"]}
    assert rules["not_a_server_error"]["defaultConfiguration"]["level"] == "error"
    assert rules["status_code_conformance"]["defaultConfiguration"]["level"] == "warning"
    assert rules["not_a_server_error"]["shortDescription"]["text"] == "The API does not answer with a 5XX server error"
    assert rules["negative_data_rejection"]["properties"]["tags"] == ["security", "external/cwe/cwe-20"]
    for result in run["results"]:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]


def test_results_point_at_the_spec_file_and_the_operation_line(tmp_path: Path) -> None:
    results = _results_by_rule(_render(tmp_path))
    [server_error] = results["not_a_server_error"]
    physical = server_error["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "specs/petstore.yaml"
    assert physical["region"] == {"startLine": 12}
    assert server_error["locations"][0]["logicalLocations"][0]["name"] == "GET /pets"
    [negative] = results["negative_data_rejection"]
    assert negative["locations"][0]["physicalLocation"]["region"] == {"startLine": 30}


def test_a_result_without_a_known_line_has_no_region(tmp_path: Path) -> None:
    operations = dict(support.OPERATIONS)
    operations["listPets"] = operations["getPet"].__class__("GET /pets", "get", "/pets", "/paths/~1pets/get", None)
    [result] = _results_by_rule(_render(tmp_path, operations=operations))["not_a_server_error"]
    assert "region" not in result["locations"][0]["physicalLocation"]


def test_distinct_findings_with_fingerprints_levels_and_properties(tmp_path: Path) -> None:
    results = _results_by_rule(_render(tmp_path))
    [server_error] = results["not_a_server_error"]
    assert server_error["level"] == "error"
    assert server_error["occurrenceCount"] == 2
    assert server_error["partialFingerprints"] == {
        FINGERPRINT_KEY: fingerprint("not_a_server_error", "listPets", "status 500")
    }
    assert server_error["message"]["text"] == "not_a_server_error title: something is wrong"
    props = server_error["properties"]
    assert (props["operation"], props["operation_id"], props["case_id"]) == ("GET /pets", "listPets", "c2")
    assert props["case_ids"] == ["c2", "c3"]
    assert props["curl"] == "curl -X GET http://api.test/pets -H 'Authorization: Bearer ***'"
    [schema] = results["response_schema_conformance"]
    assert schema["level"] == "warning"
    assert results["negative_data_rejection"][0]["properties"]["cwe"] == "CWE-20"
    assert sum(len(r) for r in results.values()) == 4


def test_errors_are_notifications_not_results(tmp_path: Path) -> None:
    [invocation] = _render(tmp_path)["runs"][0]["invocations"]
    notes = invocation["toolExecutionNotifications"]
    assert [n["descriptor"]["id"] for n in notes] == ["error/timeout", "error/unreachable"]
    assert notes[0]["message"]["text"] == "POST /pets: 1 case(s) could not be tested (timeout): no response within 10 s"
    assert invocation["startTimeUtc"] == "2025-03-01T12:00:00Z"
    assert invocation["commandLine"].startswith("sentinel run ")


def test_spec_uri_relative_absolute_and_url(tmp_path: Path) -> None:
    assert spec_uri(str(tmp_path / "a b" / "spec.yaml"), tmp_path) == "a%20b/spec.yaml"
    assert spec_uri("spec.yaml", tmp_path) == "spec.yaml"
    outside = tmp_path.parent / "elsewhere.yaml"
    assert spec_uri(str(outside), tmp_path) == outside.resolve().as_uri()
    assert spec_uri("https://api.test/openapi.json", tmp_path) == "https://api.test/openapi.json"
    assert spec_uri("", tmp_path) is None


def test_a_url_spec_is_referenced_as_is(tmp_path: Path) -> None:
    run = _render(tmp_path, spec_source="https://api.test/openapi.json")["runs"][0]
    assert run["artifacts"] == [{"location": {"uri": "https://api.test/openapi.json"}, "roles": ["analysisTarget"]}]
    for result in run["results"]:
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "https://api.test/openapi.json"
