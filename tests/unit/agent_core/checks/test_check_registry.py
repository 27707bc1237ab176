from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

import agent_core.checks
from agent_core.checks import CheckContext, CheckRegistry, fingerprint, make_finding, registered, resolve, run_checks
from agent_core.errors import ConfigError
from agent_core.models import Execution, Finding, HttpRequest, Severity, Status
from tests.unit.agent_core.checks import support

BUILT_IN = [
    "content_type_conformance",
    "max_response_time",
    "negative_data_rejection",
    "not_a_server_error",
    "positive_data_acceptance",
    "response_headers_conformance",
    "response_schema_conformance",
    "status_code_conformance",
]


def test_public_api_is_pinned_and_sorted() -> None:
    assert agent_core.checks.__all__ == sorted(agent_core.checks.__all__, key=lambda n: (not n[0].isupper(), n))
    assert {"CheckConfig", "CheckContext", "check", "make_finding", "registered", "resolve", "run_checks"} <= set(
        agent_core.checks.__all__
    )


def test_built_in_checks_are_registered_sorted_with_descriptions() -> None:
    infos = registered()
    assert [c.name for c in infos] == BUILT_IN
    assert all(c.description and c.description[0].isupper() for c in infos)


def test_resolve_none_gives_the_defaults_without_opt_in_checks() -> None:
    names = [c.name for c in resolve(None)]
    assert names == [n for n in BUILT_IN if n != "max_response_time"]


def test_resolve_all_and_named_checks_in_the_given_order_once() -> None:
    assert [c.name for c in resolve(["all"])] == BUILT_IN
    chosen = resolve(["max_response_time", "not_a_server_error", "max_response_time"])
    assert [c.name for c in chosen] == ["max_response_time", "not_a_server_error"]
    assert resolve([]) == []


def test_resolve_unknown_name_is_a_config_error_listing_valid_names() -> None:
    with pytest.raises(ConfigError) as raised:
        resolve(["not_a_server_error", "no_such_check"])
    assert raised.value.code == "CONFIG_UNKNOWN_CHECK"
    assert "'no_such_check'" in raised.value.message
    assert all(name in raised.value.message for name in BUILT_IN)


def _local_registry() -> CheckRegistry:
    registry = CheckRegistry()

    @registry.check("always", description="Always finds", severity=Severity.LOW)
    def always(ctx: CheckContext) -> Iterator[Finding]:
        yield make_finding(ctx, check="always", severity=Severity.LOW, title="t", message="m", cause="c")

    @registry.check("never", default=False, description="Never finds")
    def never(ctx: CheckContext) -> Iterator[Finding]:
        yield from ()

    return registry


def test_a_registry_refuses_duplicate_and_malformed_names() -> None:
    registry = _local_registry()
    with pytest.raises(RuntimeError, match="registered twice"):
        registry.check("always", description="again")(lambda ctx: [])
    for bad in ("Has-Caps", "all", "", "1st"):
        with pytest.raises(ValueError, match="invalid check name"):
            registry.check(bad, description="bad")
    assert [c.name for c in registry.resolve(None)] == ["always"]
    assert registry.registered()[0].severity is Severity.LOW


def test_run_checks_runs_in_order_and_collects_findings() -> None:
    registry = _local_registry()
    ctx = support.context(support.operation(support.response()), body=b"[]")
    findings = run_checks(ctx, registry.resolve(["never", "always"]))
    assert [f.check for f in findings] == ["always"]
    assert findings[0].operation_id == "listPets"
    assert findings[0].case_id == "case-1"


def test_run_checks_judges_nothing_for_an_execution_that_could_not_be_tested() -> None:
    ctx = support.context(support.operation(support.response()), status=500)
    errored = Execution(
        case_id="case-1", request=ctx.execution.request, status=Status.ERROR, error_message="connection refused"
    )
    assert run_checks(replace(ctx, execution=errored), resolve(["all"])) == []
    assert run_checks(ctx, resolve(["all"])) != []


def test_a_check_that_raises_propagates() -> None:
    registry = CheckRegistry()

    @registry.check("buggy", description="Raises")
    def buggy(ctx: CheckContext) -> Iterator[Finding]:
        raise KeyError("bug")

    with pytest.raises(KeyError):
        run_checks(support.context(support.operation()), registry.registered())


def test_a_finding_under_another_check_name_is_a_bug() -> None:
    registry = CheckRegistry()

    @registry.check("honest", description="Misnames its finding")
    def honest(ctx: CheckContext) -> Iterator[Finding]:
        yield make_finding(ctx, check="other", severity=Severity.LOW, title="t", message="m", cause="c")

    with pytest.raises(RuntimeError, match="'other'"):
        run_checks(support.context(support.operation()), registry.registered())


def test_fingerprint_depends_on_check_operation_and_normalised_cause_only() -> None:
    base = fingerprint("not_a_server_error", "listPets", "status 500")
    assert base == fingerprint("not_a_server_error", "listPets", "  status   500\n")
    assert len(base) == 32
    assert base != fingerprint("not_a_server_error", "listPets", "status 502")
    assert base != fingerprint("not_a_server_error", "getPet", "status 500")
    assert base != fingerprint("status_code_conformance", "listPets", "status 500")


def test_make_finding_uses_the_sanitised_request_for_curl_and_copies_details() -> None:
    request = HttpRequest(method="POST", url="http://api.test/pets", headers={"Authorization": "***"}, body='{"a":1}')
    details = {"status": 500}
    ctx = support.context(support.operation(method="post"), status=500, request=request)
    finding = make_finding(
        ctx, check="x", severity=Severity.HIGH, title="T", message="M", cause="status 500", details=details, cwe="CWE-1"
    )
    assert finding.curl == "curl -X POST http://api.test/pets -H 'Authorization: ***' --data-raw '{\"a\":1}'"
    assert finding.fingerprint == fingerprint("x", "listPets", "status 500")
    assert finding.details == {"status": 500}
    assert finding.details is not details
    assert finding.cwe == "CWE-1"
