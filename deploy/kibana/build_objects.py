"""Build Sentinel's Kibana saved objects: a data view, two saved searches, five visualizations and a dashboard.

The committed ``sentinel-objects.ndjson`` is this script's output for the default index prefix; a test keeps them
equal. Edit the objects here, then regenerate::

    python deploy/kibana/build_objects.py > deploy/kibana/sentinel-objects.ndjson
    python deploy/kibana/build_objects.py --prefix acme-results > acme-objects.ndjson   # another index prefix

The objects use the Kibana 8 export format (``coreMigrationVersion`` 8.8.0, per-type ``typeMigrationVersion``), so
Kibana 8.9 and later import them and migrate them to their own version. Charts are aggregation-based
visualizations over core aggregations only (terms, date_histogram, count, max, avg) and queries are KQL over
keyword, numeric and date fields, so they run on any Elasticsearch 8 distribution.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

DEFAULT_PREFIX = "sentinel-results"
CORE_MIGRATION_VERSION = "8.8.0"
# The last migration of each type that these objects' shape already has; Kibana applies the later ones on import.
TYPE_MIGRATION_VERSION = {
    "index-pattern": "8.0.0",
    "search": "8.0.0",
    "visualization": "8.5.0",
    "dashboard": "8.9.0",
}

DATA_VIEW_ID = "sentinel-results-data-view"
FAILURES_ID = "sentinel-failures"
SECURITY_ID = "sentinel-security-findings"
DASHBOARD_ID = "sentinel-overview"

_INDEX_REF = "kibanaSavedObjectMeta.searchSourceJSON.index"


def _json(value: Any) -> str:
    """Kibana stores nested state as JSON strings; compact and key-ordered so the output is stable."""
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def _saved_object(
    object_type: str, object_id: str, attributes: dict[str, Any], references: list[dict[str, str]]
) -> dict[str, Any]:
    return {
        "attributes": attributes,
        "coreMigrationVersion": CORE_MIGRATION_VERSION,
        "id": object_id,
        "managed": False,
        "references": references,
        "type": object_type,
        "typeMigrationVersion": TYPE_MIGRATION_VERSION[object_type],
    }


def _data_view_ref(name: str) -> dict[str, str]:
    return {"id": DATA_VIEW_ID, "name": name, "type": "index-pattern"}


def _search_source(query: str, filters: list[dict[str, Any]] | None = None) -> dict[str, str]:
    source = {
        "query": {"query": query, "language": "kuery"},
        "filter": filters or [],
        "indexRefName": _INDEX_REF,
    }
    return {"searchSourceJSON": _json(source)}


def data_view(prefix: str) -> dict[str, Any]:
    attributes = {
        "title": f"{prefix}-*",
        "name": "Sentinel results",
        "timeFieldName": "@timestamp",
        # Empty: Kibana reads the field list from the mapping when the data view is opened.
        "fields": "[]",
        "fieldAttrs": _json({"elapsed_ms": {"customLabel": "Elapsed (ms)"}}),
        "fieldFormatMap": _json(
            {
                "event.duration": {
                    "id": "duration",
                    "params": {"inputFormat": "nanoseconds", "outputFormat": "asMilliseconds"},
                }
            }
        ),
        "runtimeFieldMap": "{}",
        "sourceFilters": "[]",
        "allowNoIndex": True,
    }
    return _saved_object("index-pattern", DATA_VIEW_ID, attributes, [])


def _phrases_filter(field: str, values: list[str], position: int) -> dict[str, Any]:
    """An "is one of" filter as Kibana's filter bar saves it (app state, not pinned)."""
    return {
        "$state": {"store": "appState"},
        "meta": {
            "alias": None,
            "disabled": False,
            "indexRefName": f"kibanaSavedObjectMeta.searchSourceJSON.filter[{position}].meta.index",
            "key": field,
            "negate": False,
            "params": values,
            "type": "phrases",
            "value": values,
        },
        "query": {
            "bool": {
                "minimum_should_match": 1,
                "should": [{"match_phrase": {field: value}} for value in values],
            }
        },
    }


def _search(
    object_id: str, title: str, description: str, query: str, columns: list[str], filters: list[dict[str, Any]]
) -> dict[str, Any]:
    attributes = {
        "title": title,
        "description": description,
        "columns": columns,
        "sort": [["@timestamp", "desc"]],
        "grid": {},
        "hideChart": False,
        "isTextBasedQuery": False,
        "kibanaSavedObjectMeta": _search_source(query, filters),
    }
    references = [_data_view_ref(_INDEX_REF)]
    references += [_data_view_ref(f["meta"]["indexRefName"]) for f in filters]
    return _saved_object("search", object_id, attributes, references)


def failures_search() -> dict[str, Any]:
    return _search(
        FAILURES_ID,
        "Sentinel failures",
        "Executed cases whose response a check judged wrong, newest first.",
        "status:failed",
        [
            "operation_id",
            "http.request.method",
            "url.path",
            "http.response.status_code",
            "findings.check",
            "findings.severity",
            "findings.title",
            "elapsed_ms",
        ],
        [],
    )


def security_search() -> dict[str, Any]:
    return _search(
        SECURITY_ID,
        "Sentinel security findings",
        "Results of security tests and findings of security checks (those with an OWASP API Top 10 id), "
        "critical and high only; edit the severity filter to widen it.",
        "kind:security or findings.owasp:*",
        [
            "operation_id",
            "kind",
            "findings.check",
            "findings.severity",
            "findings.owasp",
            "findings.cwe",
            "findings.title",
            "url.full",
        ],
        [_phrases_filter("findings.severity", ["critical", "high"], 0)],
    )


def _count(agg_id: str, label: str) -> dict[str, Any]:
    return {
        "enabled": True,
        "id": agg_id,
        "params": {"customLabel": label, "emptyAsNull": False},
        "schema": "metric",
        "type": "count",
    }


def _metric(agg_id: str, agg_type: str, field: str, label: str) -> dict[str, Any]:
    return {
        "enabled": True,
        "id": agg_id,
        "params": {"customLabel": label, "field": field},
        "schema": "metric",
        "type": agg_type,
    }


def _terms(agg_id: str, field: str, schema: str, size: int, order_by: str, label: str) -> dict[str, Any]:
    return {
        "enabled": True,
        "id": agg_id,
        "params": {
            "customLabel": label,
            "field": field,
            "missingBucket": False,
            "missingBucketLabel": "Missing",
            "order": "desc",
            "orderBy": order_by,
            "otherBucket": False,
            "otherBucketLabel": "Other",
            "size": size,
        },
        "schema": schema,
        "type": "terms",
    }


def _date_histogram(agg_id: str, field: str) -> dict[str, Any]:
    return {
        "enabled": True,
        "id": agg_id,
        "params": {
            "drop_partials": False,
            "extended_bounds": {},
            "field": field,
            "interval": "auto",
            "min_doc_count": 1,
            "scaleMetricValues": False,
            "useNormalizedEsInterval": True,
        },
        "schema": "segment",
        "type": "date_histogram",
    }


def _table_params() -> dict[str, Any]:
    return {
        "percentageCol": "",
        "perPage": 10,
        "showMetricsAtAllLevels": False,
        "showPartialRows": False,
        "showToolbar": True,
        "showTotal": False,
        "totalFunc": "sum",
    }


def _pie_params() -> dict[str, Any]:
    return {
        "addTooltip": True,
        "distinctColors": True,
        "isDonut": True,
        "labels": {"last_level": True, "show": True, "truncate": 100, "values": True},
        "legendDisplay": "show",
        "legendPosition": "right",
        "nestedLegend": False,
        "palette": {"name": "default", "type": "palette"},
        "type": "pie",
    }


def _histogram_params(label: str) -> dict[str, Any]:
    return {
        "addLegend": True,
        "addTimeMarker": False,
        "addTooltip": True,
        "categoryAxes": [
            {
                "id": "CategoryAxis-1",
                "labels": {"filter": True, "show": True, "truncate": 100},
                "position": "bottom",
                "scale": {"type": "linear"},
                "show": True,
                "style": {},
                "title": {},
                "type": "category",
            }
        ],
        "detailedTooltip": True,
        "grid": {"categoryLines": False},
        "isVislibVis": True,
        "labels": {"show": False},
        "legendPosition": "right",
        "palette": {"name": "default", "type": "palette"},
        "seriesParams": [
            {
                "data": {"id": "1", "label": label},
                "drawLinesBetweenPoints": True,
                "lineWidth": 2,
                "mode": "stacked",
                "show": True,
                "showCircles": True,
                "type": "histogram",
                "valueAxis": "ValueAxis-1",
            }
        ],
        "thresholdLine": {"color": "#E7664C", "show": False, "style": "full", "value": 10, "width": 1},
        "times": [],
        "type": "histogram",
        "valueAxes": [
            {
                "id": "ValueAxis-1",
                "labels": {"filter": False, "rotate": 0, "show": True, "truncate": 100},
                "name": "LeftAxis-1",
                "position": "left",
                "scale": {"mode": "normal", "type": "linear"},
                "show": True,
                "style": {},
                "title": {"text": label},
                "type": "value",
            }
        ],
    }


def _visualization(
    object_id: str,
    title: str,
    description: str,
    vis_type: str,
    query: str,
    aggs: list[dict[str, Any]],
    params: dict[str, Any],
) -> dict[str, Any]:
    attributes = {
        "title": title,
        "description": description,
        "uiStateJSON": "{}",
        "version": 1,
        "visState": _json({"aggs": aggs, "params": params, "title": title, "type": vis_type}),
        "kibanaSavedObjectMeta": _search_source(query),
    }
    return _saved_object("visualization", object_id, attributes, [_data_view_ref(_INDEX_REF)])


def visualizations() -> list[dict[str, Any]]:
    return [
        _visualization(
            "sentinel-vis-failures-over-time",
            "Sentinel: failures over time by check",
            "Failed results per time interval, split by the check that judged them.",
            "histogram",
            "status:failed",
            [
                _count("1", "Failed results"),
                _date_histogram("2", "@timestamp"),
                _terms("3", "findings.check", "group", 10, "1", "Check"),
            ],
            _histogram_params("Failed results"),
        ),
        _visualization(
            "sentinel-vis-status-breakdown",
            "Sentinel: results by status",
            "passed, failed, error (could not test) and skipped results.",
            "pie",
            "",
            [_count("1", "Results"), _terms("2", "status", "segment", 5, "1", "Status")],
            _pie_params(),
        ),
        _visualization(
            "sentinel-vis-top-failing-operations",
            "Sentinel: top failing operations",
            "Operations with the most failed results.",
            "table",
            "status:failed",
            [_count("1", "Failed results"), _terms("2", "operation_id", "bucket", 10, "1", "Operation")],
            _table_params(),
        ),
        _visualization(
            "sentinel-vis-slowest-operations",
            "Sentinel: slowest operations",
            "Operations by their slowest answered case; cases that could not be tested (timeouts) are left out.",
            "table",
            "not status:(error or skipped)",
            [
                _metric("1", "max", "elapsed_ms", "Slowest (ms)"),
                _metric("2", "avg", "elapsed_ms", "Average (ms)"),
                _count("3", "Results"),
                _terms("4", "operation_id", "bucket", 10, "1", "Operation"),
            ],
            _table_params(),
        ),
        _visualization(
            "sentinel-vis-security-severity",
            "Sentinel: security findings by severity",
            "Results with findings of security checks (an OWASP API Top 10 id), by finding severity.",
            "pie",
            "findings.owasp:*",
            [_count("1", "Results"), _terms("2", "findings.severity", "segment", 5, "1", "Severity")],
            _pie_params(),
        ),
    ]


def dashboard(panels: list[tuple[dict[str, Any], dict[str, int]]]) -> dict[str, Any]:
    """``panels``: (saved object, grid position) in reading order; the grid is 48 columns wide."""
    panel_states: list[dict[str, Any]] = []
    references: list[dict[str, str]] = []
    for number, (target, grid) in enumerate(panels, start=1):
        index = str(number)
        ref_name = f"panel_{index}"
        panel_states.append(
            {
                "embeddableConfig": {"enhancements": {}},
                "gridData": {**grid, "i": index},
                "panelIndex": index,
                "panelRefName": ref_name,
                "type": target["type"],
                "version": TYPE_MIGRATION_VERSION["dashboard"],
            }
        )
        references.append({"id": target["id"], "name": f"{index}:{ref_name}", "type": target["type"]})
    attributes = {
        "title": "Sentinel overview",
        "description": "Failures, statuses, failing and slow operations and security findings of Sentinel runs.",
        "optionsJSON": _json(
            {
                "hidePanelTitles": False,
                "syncColors": False,
                "syncCursor": True,
                "syncTooltips": False,
                "useMargins": True,
            }
        ),
        "panelsJSON": _json(panel_states),
        "timeRestore": False,
        "version": 1,
        "kibanaSavedObjectMeta": {
            "searchSourceJSON": _json({"filter": [], "query": {"language": "kuery", "query": ""}})
        },
    }
    return _saved_object("dashboard", DASHBOARD_ID, attributes, references)


def objects(prefix: str = DEFAULT_PREFIX) -> list[dict[str, Any]]:
    """Every object, each after the objects it references (the order Kibana exports them in)."""
    failures, security = failures_search(), security_search()
    over_time, statuses, failing, slowest, severity = visualizations()
    board = dashboard(
        [
            (over_time, {"x": 0, "y": 0, "w": 32, "h": 15}),
            (statuses, {"x": 32, "y": 0, "w": 16, "h": 15}),
            (failing, {"x": 0, "y": 15, "w": 16, "h": 15}),
            (slowest, {"x": 16, "y": 15, "w": 16, "h": 15}),
            (severity, {"x": 32, "y": 15, "w": 16, "h": 15}),
            (failures, {"x": 0, "y": 30, "w": 48, "h": 18}),
        ]
    )
    return [data_view(prefix), failures, security, over_time, statuses, failing, slowest, severity, board]


def render(prefix: str = DEFAULT_PREFIX) -> str:
    """The NDJSON file: one object per line, keys sorted."""
    return "".join(json.dumps(obj, sort_keys=True, ensure_ascii=False) + "\n" for obj in objects(prefix))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--prefix", default=DEFAULT_PREFIX, help="index prefix of the results (default: %(default)s)")
    args = parser.parse_args(argv)
    sys.stdout.write(render(args.prefix))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
