"""How results look in Elasticsearch: index names, the index template and the document of one ``ResultEvent``.

Indices are monthly by the job's start time (``sentinel-results-2026.11``) and documents are keyed by ``event_id``,
so a retried case, which executes later, still lands in the same index as the same document.

The template is composable. Its own body holds what Sentinel relies on (mappings, query defaults) and wins over
everything else; shard and replica counts live in the component template ``<prefix>@settings`` (single-node
defaults, rewritten on every start), followed by the optional ``<prefix>@custom`` that operators own::

    PUT _component_template/sentinel-results@custom
    {"template": {"settings": {"index": {"number_of_shards": 2, "number_of_replicas": 1}}}}

Mappings are ``dynamic: false``. A field that ``document()`` emits but the mapping lacks is kept in ``_source`` and
is simply not searchable: ingestion never stops on a new field (``strict`` would reject every event of the current
month after an upgrade, because an existing index keeps the mapping it was created with) and no unknown key can
grow the mapping. The unit tests keep ``document()`` and the mapping in step, and :func:`ensure_template` adds new
fields to the existing indices.

Everything here needs only core Elasticsearch: keyword, text, date, long, float and boolean fields.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any, Final

from elasticsearch import BadRequestError, Elasticsearch

from agent_core.events import ResultEvent
from agent_core.models import Finding, Severity

__all__ = [
    "CUSTOM_SUFFIX",
    "DEFAULT_PREFIX",
    "SETTINGS_SUFFIX",
    "TEMPLATE_NAME",
    "TEMPLATE_VERSION",
    "document",
    "ensure_template",
    "index_name",
    "index_pattern",
    "mappings",
    "settings_template",
    "template",
    "template_name",
]

logger = logging.getLogger(__name__)

DEFAULT_PREFIX: Final = "sentinel-results"
# The index template of the default prefix; other prefixes get their own (template_name) so they never collide.
TEMPLATE_NAME: Final = DEFAULT_PREFIX
# Bump with every mapping change; Kibana and GET _index_template show which version an installation runs.
TEMPLATE_VERSION: Final = 1
SETTINGS_SUFFIX: Final = "@settings"
CUSTOM_SUFFIX: Final = "@custom"
# Above the built-in templates (100) so a broad user template at a lower priority never shadows this one.
_PRIORITY: Final = 200

_KEYWORD: Final = {"type": "keyword", "ignore_above": 1024}
_LONG: Final = {"type": "long"}
_FLOAT: Final = {"type": "float"}
_DATE: Final = {"type": "date"}
_BOOLEAN: Final = {"type": "boolean"}
_TEXT: Final = {"type": "text"}
# Kept in _source for Discover and reproduction, never indexed: bodies and curl commands are large and unbounded.
_STORED: Final = {"type": "text", "index": False}
# Arbitrary keys (headers, check details): one mapped field per key would grow the mapping without bound.
_OPAQUE: Final = {"type": "object", "enabled": False}


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    return {"properties": properties}


def index_pattern(prefix: str) -> str:
    return f"{prefix}-*"


def template_name(prefix: str) -> str:
    """The index template for ``prefix``; :data:`TEMPLATE_NAME` for the default prefix."""
    return prefix


def index_name(prefix: str, job_started_at: datetime) -> str:
    """The monthly index of a job's results, by the job's start time in UTC (naive times are taken as UTC).

    Never the execution time: a case retried after midnight on the last day of a month must reach the index where
    its first attempt went, or the same event would be stored twice.
    """
    at = job_started_at.replace(tzinfo=UTC) if job_started_at.tzinfo is None else job_started_at.astimezone(UTC)
    return f"{prefix}-{at.year:04d}.{at.month:02d}"


def mappings() -> dict[str, Any]:
    """The mapping of one result document (see :func:`document`)."""
    title = {"type": "text", "fields": {"keyword": {"type": "keyword", "ignore_above": 512}}}
    return {
        "dynamic": False,
        # Strings such as "2026-11-03" in opaque parts must never turn into dates, whatever dynamic becomes later.
        "date_detection": False,
        "properties": {
            "@timestamp": _DATE,
            "event": _object({"id": _KEYWORD, "duration": _LONG}),
            "schema_version": _LONG,
            "job_id": _KEYWORD,
            "job_started_at": _DATE,
            "campaign_id": _KEYWORD,
            "spec_id": _KEYWORD,
            "worker": _KEYWORD,
            "case_id": _KEYWORD,
            "operation_id": _KEYWORD,
            "kind": _KEYWORD,
            "agent": _KEYWORD,
            "source": _KEYWORD,
            "identity": _KEYWORD,
            # Seeds are unsigned 64-bit: a long would reject half of them.
            "seed": _KEYWORD,
            "scenario_id": _KEYWORD,
            "step": _LONG,
            "expected_statuses": _KEYWORD,
            "violation": _object(
                {
                    "location": _KEYWORD,
                    "parameter": _KEYWORD,
                    "keyword": _KEYWORD,
                    "schema_pointer": _KEYWORD,
                    "boundary": _BOOLEAN,
                    "description": _TEXT,
                }
            ),
            "relaxation": _TEXT,
            "status": _KEYWORD,
            "error_kind": _KEYWORD,
            "error_message": _TEXT,
            "attempts": _LONG,
            "elapsed_ms": _FLOAT,
            "http": _object(
                {
                    "request": _object(
                        {
                            "method": _KEYWORD,
                            "headers": _OPAQUE,
                            "body": _object({"bytes": _LONG, "content": _STORED, "encoding": _KEYWORD}),
                        }
                    ),
                    "response": _object(
                        {
                            "status_code": _LONG,
                            "mime_type": _KEYWORD,
                            "headers": _OPAQUE,
                            "body": _object(
                                {
                                    "bytes": _LONG,
                                    "content": _STORED,
                                    "truncated": _BOOLEAN,
                                    "sha256": _KEYWORD,
                                }
                            ),
                        }
                    ),
                }
            ),
            "url": _object({"path": _KEYWORD, "full": {"type": "keyword", "ignore_above": 4096}}),
            # An object array, not nested: Kibana filters and aggregates flattened object arrays directly, and a
            # result with any high finding is what "severity: high" should find.
            "findings": _object(
                {
                    "check": _KEYWORD,
                    "severity": _KEYWORD,
                    "title": title,
                    "message": _TEXT,
                    "fingerprint": _KEYWORD,
                    "cwe": _KEYWORD,
                    "owasp": _KEYWORD,
                    "curl": _STORED,
                    "details": _OPAQUE,
                }
            ),
            "findings_count": _LONG,
            "findings_max_severity": _KEYWORD,
        },
    }


# Free-text searches in Kibana (a KQL or Lucene term without a field) look here instead of every field.
_DEFAULT_FIELDS: Final = (
    "findings.title",
    "findings.message",
    "error_message",
    "violation.description",
    "operation_id",
    "case_id",
    "job_id",
    "url.path",
    "findings.check",
)


def template(prefix: str) -> dict[str, Any]:
    """The body of ``PUT _index_template/<template_name(prefix)>``."""
    return {
        "index_patterns": [index_pattern(prefix)],
        "priority": _PRIORITY,
        "version": TEMPLATE_VERSION,
        "composed_of": [prefix + SETTINGS_SUFFIX, prefix + CUSTOM_SUFFIX],
        # @custom exists only where operators create it (Elasticsearch 8.7 and later).
        "ignore_missing_component_templates": [prefix + CUSTOM_SUFFIX],
        "template": {
            "settings": {"index": {"query": {"default_field": list(_DEFAULT_FIELDS)}}},
            "mappings": mappings(),
        },
        "_meta": {"managed_by": "sentinel", "description": "Sentinel results, one document per executed case"},
    }


def settings_template(prefix: str) -> dict[str, Any]:
    """The body of ``PUT _component_template/<prefix>@settings``: single-node sizing that @custom overrides."""
    return {
        "version": TEMPLATE_VERSION,
        "template": {
            "settings": {
                "index": {
                    "number_of_shards": 1,
                    "number_of_replicas": 0,
                    # Stored bodies dominate the size of an index and compress well.
                    "codec": "best_compression",
                }
            }
        },
        "_meta": {"managed_by": "sentinel", "description": f"override in {prefix}{CUSTOM_SUFFIX}"},
    }


def ensure_template(client: Elasticsearch, prefix: str) -> None:
    """Install the templates for ``prefix``; idempotent, safe to call on every start of every sink.

    Existing indices keep the mapping they were created with, so the mapping is also applied to them: new fields
    become searchable for the rest of the month. A change an existing index cannot take (a new type for a field)
    is logged and waits for the next month's index; ingestion continues either way.
    """
    client.cluster.put_component_template(name=prefix + SETTINGS_SUFFIX, body=settings_template(prefix))
    client.indices.put_index_template(name=template_name(prefix), body=template(prefix))
    current = mappings()
    try:
        client.indices.put_mapping(
            index=index_pattern(prefix),
            dynamic=current["dynamic"],
            date_detection=current["date_detection"],
            properties=current["properties"],
            allow_no_indices=True,
            expand_wildcards="open",
        )
    except BadRequestError as error:
        logger.warning("existing %s indices keep their older mapping: %s", index_pattern(prefix), error.message)


_RANK: Final = {severity: severity.rank for severity in Severity}


def _finding(finding: Finding) -> dict[str, Any]:
    return {
        "check": finding.check,
        "severity": finding.severity.value,
        "title": finding.title,
        "message": finding.message,
        "fingerprint": finding.fingerprint,
        "cwe": finding.cwe,
        "owasp": finding.owasp,
        "curl": finding.curl,
        "details": finding.details,
    }


def document(event: ResultEvent) -> dict[str, Any]:
    """The Elasticsearch document of one result (its ``_id`` is ``event.event_id``).

    Pure and cheap, it runs for every event: plain dict building, no model serialisation. The request and response
    are the sanitised ones the executor recorded; the case's generated inputs are not copied, the request carries
    them.
    """
    case = event.case
    execution = event.execution
    request = execution.request
    violation = case.violation
    findings = event.findings
    http: dict[str, Any] = {
        "request": {
            "method": request.method,
            "headers": request.headers,
            "body": None
            if request.body is None
            else {"bytes": len(request.body.encode()), "content": request.body, "encoding": request.body_encoding},
        }
    }
    response = execution.response
    if response is not None:
        http["response"] = {
            "status_code": response.status,
            "mime_type": response.content_type,
            "headers": response.headers,
            "body": {
                "bytes": response.body_length,
                "content": response.body,
                "truncated": response.body_truncated,
                "sha256": response.body_sha256 or None,
            },
        }
    return {
        "@timestamp": event.executed_at.isoformat(),
        "event": {"id": event.event_id, "duration": round(execution.elapsed_ms * 1_000_000)},
        "schema_version": event.schema_version,
        "job_id": event.job_id,
        "job_started_at": event.job_started_at.isoformat(),
        "campaign_id": event.campaign_id,
        "spec_id": event.spec_id,
        "worker": event.worker,
        "case_id": case.case_id,
        "operation_id": case.operation_id,
        "kind": case.kind.value,
        "agent": case.agent,
        "source": case.source,
        "identity": case.identity,
        "seed": str(case.seed),
        "scenario_id": case.scenario_id,
        "step": case.step,
        "expected_statuses": list(case.expectation.statuses),
        "violation": None
        if violation is None
        else {
            "location": violation.location.value,
            "parameter": violation.parameter,
            "keyword": violation.keyword,
            "schema_pointer": violation.schema_pointer,
            "boundary": violation.boundary,
            "description": violation.description,
        },
        "relaxation": case.relaxation,
        "status": execution.status.value,
        "error_kind": None if execution.error_kind is None else execution.error_kind.value,
        "error_message": execution.error_message,
        "attempts": execution.attempts,
        "elapsed_ms": execution.elapsed_ms,
        "http": http,
        "url": {"path": case.path, "full": request.url},
        "findings": [_finding(f) for f in findings],
        "findings_count": len(findings),
        "findings_max_severity": max((f.severity for f in findings), key=_RANK.__getitem__).value if findings else None,
    }
