from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
import xmlschema

from api.reports import render_junit
from tests.unit.api.reports import support

XSD = Path(__file__).resolve().parents[3] / "fixtures" / "schemas" / "junit.xsd"


@pytest.fixture(scope="module")
def schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(XSD))


def _suites(document: bytes) -> dict[str, ET.Element]:
    root = ET.fromstring(document)
    return {suite.get("name", ""): suite for suite in root.iter("testsuite")}


def test_the_schema_is_strict_enough_to_catch_a_broken_report(schema: xmlschema.XMLSchema) -> None:
    assert not schema.is_valid('<testsuites><testsuite name="x"/></testsuites>')  # tests/failures/errors missing
    assert not schema.is_valid(
        '<testsuites><testsuite name="x" tests="1" failures="0" errors="0" time="1s"/></testsuites>'
    )


def test_report_validates_against_the_junit_xsd(schema: xmlschema.XMLSchema) -> None:
    document = render_junit(support.context())
    schema.validate(document.decode())
    assert document.startswith(b"<?xml version='1.0' encoding='utf-8'?>")


def test_an_empty_run_validates_too(schema: xmlschema.XMLSchema) -> None:
    document = render_junit(support.context(events=[], operations={}, checks=()))
    schema.validate(document.decode())
    assert ET.fromstring(document).get("tests") == "0"


def test_one_suite_per_operation_and_one_case_per_check_and_error_kind() -> None:
    suites = _suites(render_junit(support.context()))
    assert list(suites) == ["GET /pets", "POST /pets", "GET /pets/{id}", "DELETE /pets/{id}"]
    names = [case.get("name") for case in suites["POST /pets"].iter("testcase")]
    assert names == [*support.CHECKS, "error: timeout"]
    assert all(case.get("classname") == "POST /pets" for case in suites["POST /pets"].iter("testcase"))


def test_failures_carry_distinct_findings_with_messages_and_curl() -> None:
    suites = _suites(render_junit(support.context()))
    cases = {case.get("name"): case for case in suites["GET /pets"].iter("testcase")}
    failure = cases["not_a_server_error"].find("failure")
    assert failure is not None
    assert failure.get("type") == "not_a_server_error"
    assert failure.get("message") == "[high] not_a_server_error title"
    text = failure.text or ""
    assert "seen in 2 case(s): c2, c3" in text
    assert text.count("curl -X GET http://api.test/pets -H 'Authorization: Bearer ***'") == 1
    assert cases["response_schema_conformance"].find("failure") is None
    assert cases["response_schema_conformance"].find("skipped") is None


def test_target_content_survives_escaping() -> None:
    suites = _suites(render_junit(support.context()))
    cases = {case.get("name"): case for case in suites["POST /pets"].iter("testcase")}
    failure = cases["negative_data_rejection"].find("failure")
    assert failure is not None
    assert support.SCRIPT in (failure.text or "")
    assert '--data-raw \'{"name": "<script>alert(1)</script>"}\'' in (failure.text or "")


def test_counts_and_times_on_suites_and_root() -> None:
    document = render_junit(support.context())
    root = ET.fromstring(document)
    suites = _suites(document)
    assert dict(suites["GET /pets"].attrib, timestamp="") == {
        "name": "GET /pets",
        "tests": "4",
        "failures": "2",
        "errors": "0",
        "skipped": "0",
        "time": "0.750",
        "timestamp": "",
        "file": "specs/petstore.yaml",
    }
    assert (suites["POST /pets"].get("tests"), suites["POST /pets"].get("errors")) == ("5", "1")
    assert (root.get("tests"), root.get("failures"), root.get("errors"), root.get("time")) == ("18", "4", "2", "3.500")


def test_errors_and_operations_without_judged_responses() -> None:
    suites = _suites(render_junit(support.context()))
    get_pet = {case.get("name"): case for case in suites["GET /pets/{id}"].iter("testcase")}
    error = get_pet["error: unreachable"].find("error")
    assert error is not None
    assert error.get("type") == "unreachable"
    assert error.get("message", "").startswith("1 case(s) could not be tested: connection refused <img")
    # Control characters cannot be carried by XML 1.0: they are replaced, not dropped silently.
    assert "\ufffd\ufffd" in error.get("message", "")
    assert "case c6" in (error.text or "") and "curl -X GET http://api.test/pets/{id}" not in (error.text or "")
    assert "--globoff" in (error.text or "")
    skipped = get_pet["not_a_server_error"].find("skipped")
    assert skipped is not None
    assert suites["GET /pets/{id}"].get("skipped") == str(len(support.CHECKS))
    never_run = [case.find("skipped") for case in suites["DELETE /pets/{id}"].iter("testcase")]
    assert len(never_run) == len(support.CHECKS) and all(s is not None for s in never_run)
