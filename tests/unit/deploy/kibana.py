"""Reading the shipped Kibana saved objects: the NDJSON file, its JSON-string attributes, and what each object asks
Elasticsearch for (query, filters, aggregations)."""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from tests.unit.deploy import kql

KIBANA_DIR = Path(__file__).resolve().parents[3] / "deploy" / "kibana"
OBJECTS_FILE = KIBANA_DIR / "sentinel-objects.ndjson"
# Attributes that Kibana stores as JSON text inside the saved object.
JSON_ATTRIBUTES = frozenset(
    {"fieldAttrs", "fieldFormatMap", "fields", "runtimeFieldMap", "sourceFilters", "visState", "uiStateJSON"}
    | {"panelsJSON", "optionsJSON", "searchSourceJSON"}
)


def builder() -> ModuleType:
    """``deploy/kibana/build_objects.py``, loaded by path (deploy/kibana is a folder of files, not a package)."""
    spec = importlib.util.spec_from_file_location("sentinel_kibana_build_objects", KIBANA_DIR / "build_objects.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load(text: str | None = None) -> list[dict[str, Any]]:
    text = OBJECTS_FILE.read_text(encoding="utf-8") if text is None else text
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def search_source(obj: dict[str, Any]) -> dict[str, Any]:
    meta = obj["attributes"].get("kibanaSavedObjectMeta", {})
    return json.loads(meta["searchSourceJSON"]) if "searchSourceJSON" in meta else {}


def vis_state(obj: dict[str, Any]) -> dict[str, Any]:
    return json.loads(obj["attributes"]["visState"])  # type: ignore[no-any-return]


def panels(obj: dict[str, Any]) -> list[dict[str, Any]]:
    return json.loads(obj["attributes"]["panelsJSON"])  # type: ignore[no-any-return]


@dataclass(frozen=True, slots=True)
class Request:
    """What Kibana sends for a saved search or a visualization, minus the time range."""

    query: dict[str, Any]
    query_fields: frozenset[str]


def query_fields(source: dict[str, Any]) -> frozenset[str]:
    query = source.get("query", {"query": "", "language": "kuery"})
    if query["language"] == "kuery":
        return kql.parse(query["query"]).fields
    if query["language"] == "lucene":
        return kql.lucene_fields(query["query"])
    raise AssertionError(f"unknown query language {query['language']!r}")


def request(source: dict[str, Any]) -> Request:
    """The bool query Kibana builds: the query bar as ``must``, enabled filters as ``filter`` or ``must_not``."""
    query = source.get("query", {"query": "", "language": "kuery"})
    if query["language"] == "kuery":
        parsed = kql.parse(query["query"])
        must, fields = parsed.query, parsed.fields
    else:
        # Kibana passes Lucene through to query_string, with its default analyze_wildcard option.
        must = {"query_string": {"query": query["query"], "analyze_wildcard": True}}
        fields = kql.lucene_fields(query["query"])
    include: list[dict[str, Any]] = []
    exclude: list[dict[str, Any]] = []
    for item in source.get("filter", []):
        if item["meta"].get("disabled"):
            continue
        (exclude if item["meta"].get("negate") else include).append(item["query"])
    return Request({"bool": {"must": [must], "filter": include, "must_not": exclude}}, fields)


def filter_fields(source: dict[str, Any]) -> set[str]:
    """Every field a filter names: its key and the fields of its stored query."""
    names: set[str] = set()
    for item in source.get("filter", []):
        if "key" in item["meta"]:
            names.add(item["meta"]["key"])
        names |= dsl_fields(item["query"])
    return names


def dsl_fields(query: Any) -> set[str]:
    """Field names in an Elasticsearch query (match, match_phrase, term(s), range, exists, prefix, wildcard)."""
    names: set[str] = set()
    if isinstance(query, dict):
        for key, value in query.items():
            if key in {"match", "match_phrase", "term", "terms", "range", "prefix", "wildcard"}:
                names |= set(value)
            elif key == "exists":
                names.add(value["field"])
            else:
                names |= dsl_fields(value)
    elif isinstance(query, list):
        for item in query:
            names |= dsl_fields(item)
    return names


def aggregations(state: dict[str, Any], *, interval: str) -> dict[str, Any]:
    """The aggregations a visualization asks for, nested as Kibana nests them: bucket aggregations in the order of
    the visState, every metric under the innermost bucket. ``interval`` replaces ``auto`` (which Kibana derives from
    the time range)."""
    aggs = [agg for agg in state["aggs"] if agg.get("enabled", True)]
    metrics = {
        agg["id"]: {agg["type"]: {"field": agg["params"]["field"]}}
        for agg in aggs
        if agg["schema"] == "metric" and agg["type"] != "count"
    }
    buckets = [agg for agg in aggs if agg["schema"] != "metric"]
    inner: dict[str, Any] = dict(metrics)
    for agg in reversed(buckets):
        params = agg["params"]
        if agg["type"] == "terms":
            order_by = params["orderBy"]
            # Kibana orders by _key, by doc count for a count metric, else by the metric sub-aggregation's id.
            order_key = order_by if order_by == "_key" else "_count" if _is_count(aggs, order_by) else order_by
            body: dict[str, Any] = {
                "terms": {"field": params["field"], "size": params["size"], "order": {order_key: params["order"]}}
            }
        elif agg["type"] == "date_histogram":
            chosen = interval if params["interval"] == "auto" else params["interval"]
            body = {
                "date_histogram": {
                    "field": params["field"],
                    "fixed_interval": chosen,
                    "min_doc_count": params["min_doc_count"],
                }
            }
        else:
            raise AssertionError(f"aggregation {agg['type']!r} is not read here")
        if inner:
            body["aggs"] = inner
        inner = {agg["id"]: body}
    return inner


def _is_count(aggs: list[dict[str, Any]], agg_id: str) -> bool:
    return any(agg["id"] == agg_id and agg["type"] == "count" for agg in aggs)
