"""Checks: the oracles that judge each response. Importing this package registers the built-in checks."""

from __future__ import annotations

from agent_core.checks import (
    content_type_conformance,
    max_response_time,
    negative_data_rejection,
    not_a_server_error,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from agent_core.checks.registry import (
    CheckConfig,
    CheckContext,
    CheckFunction,
    CheckInfo,
    CheckRegistry,
    check,
    fingerprint,
    make_finding,
    registered,
    resolve,
    run_checks,
)

__all__ = [
    "CheckConfig",
    "CheckContext",
    "CheckFunction",
    "CheckInfo",
    "CheckRegistry",
    "check",
    "content_type_conformance",
    "fingerprint",
    "make_finding",
    "max_response_time",
    "negative_data_rejection",
    "not_a_server_error",
    "positive_data_acceptance",
    "registered",
    "resolve",
    "response_headers_conformance",
    "response_schema_conformance",
    "run_checks",
    "status_code_conformance",
]
