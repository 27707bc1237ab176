"""The Kibana saved objects: well-formed Kibana 8 exports, every reference resolves, every field they use exists in
the index template with a type that supports the use."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest

from pipeline.es_index import DEFAULT_PREFIX, index_pattern
from tests.unit.deploy import kibana, kql, mapping

OBJECTS = kibana.load()
BY_KEY = {(obj["type"], obj["id"]): obj for obj in OBJECTS}
MAPPED = mapping.fields()


def of_type(object_type: str) -> list[dict[str, Any]]:
    return [obj for obj in OBJECTS if obj["type"] == object_type]


def titled(title: str) -> dict[str, Any]:
    (found,) = [obj for obj in OBJECTS if obj["attributes"].get("title") == title]
    return found


def test_the_file_is_the_builders_output() -> None:
    assert kibana.OBJECTS_FILE.read_text(encoding="utf-8") == kibana.builder().render(), (
        "regenerate: python deploy/kibana/build_objects.py > deploy/kibana/sentinel-objects.ndjson"
    )


def test_builder_takes_another_prefix() -> None:
    (view,) = [obj for obj in kibana.load(kibana.builder().render("acme-results")) if obj["type"] == "index-pattern"]
    assert view["attributes"]["title"] == "acme-results-*"


def test_every_line_is_a_kibana_8_saved_object() -> None:
    versions = {"index-pattern": "8.0.0", "search": "8.0.0", "visualization": "8.5.0", "dashboard": "8.9.0"}
    assert kibana.OBJECTS_FILE.read_text(encoding="utf-8").endswith("\n")
    for obj in OBJECTS:
        assert set(obj) == {"attributes", "coreMigrationVersion", "id", "managed", "references", "type"} | {
            "typeMigrationVersion"
        }
        assert obj["coreMigrationVersion"] == "8.8.0"
        assert obj["typeMigrationVersion"] == versions[obj["type"]]
        assert obj["attributes"]["title"]
        for reference in obj["references"]:
            assert set(reference) == {"id", "name", "type"}
    assert Counter(obj["type"] for obj in OBJECTS) == {"index-pattern": 1, "search": 2, "visualization": 5} | {
        "dashboard": 1
    }
    assert len(BY_KEY) == len(OBJECTS), "duplicate type and id"


def test_json_attributes_parse() -> None:
    for obj in OBJECTS:
        attributes = dict(obj["attributes"])
        attributes.update(attributes.pop("kibanaSavedObjectMeta", {}))
        for name, value in attributes.items():
            if name in kibana.JSON_ATTRIBUTES:
                assert isinstance(value, str), f"{obj['id']}.{name} must be JSON text"
                json.loads(value)


def test_objects_come_after_what_they_reference() -> None:
    seen: set[tuple[str, str]] = set()
    for obj in OBJECTS:
        for reference in obj["references"]:
            assert (reference["type"], reference["id"]) in seen, f"{obj['id']} refers to {reference} before it"
        seen.add((obj["type"], obj["id"]))


def test_every_reference_resolves_and_every_reference_name_is_used() -> None:
    for obj in OBJECTS:
        names = [reference["name"] for reference in obj["references"]]
        assert len(names) == len(set(names)), f"{obj['id']}: duplicate reference names"
        for reference in obj["references"]:
            assert (reference["type"], reference["id"]) in BY_KEY, f"{obj['id']}: dangling {reference}"
        used: set[str] = set()
        source = kibana.search_source(obj)
        if "indexRefName" in source:
            used.add(source["indexRefName"])
            assert "index" not in source, "an inline index id bypasses the references"
        for item in source.get("filter", []):
            used.add(item["meta"]["indexRefName"])
            assert "index" not in item["meta"]
        if obj["type"] == "dashboard":
            for panel in kibana.panels(obj):
                ref = f"{panel['panelIndex']}:{panel['panelRefName']}"
                used.add(ref)
                target = next(r for r in obj["references"] if r["name"] == ref)
                assert target["type"] == panel["type"]
        assert used == set(names), f"{obj['id']}: references {set(names)} but uses {used}"


def test_searches_and_visualizations_read_the_data_view() -> None:
    (view,) = of_type("index-pattern")
    for obj in of_type("search") + of_type("visualization"):
        index_ref = next(r for r in obj["references"] if r["name"] == kibana.search_source(obj)["indexRefName"])
        assert (index_ref["type"], index_ref["id"]) == ("index-pattern", view["id"])


def test_data_view() -> None:
    (view,) = of_type("index-pattern")
    attributes = view["attributes"]
    assert attributes["title"] == index_pattern(DEFAULT_PREFIX)
    assert attributes["timeFieldName"] == "@timestamp"
    assert MAPPED["@timestamp"]["type"] == "date"
    for name in json.loads(attributes["fieldFormatMap"]) | json.loads(attributes["fieldAttrs"]):
        assert name in MAPPED, name
    assert MAPPED["event.duration"]["type"] == "long"  # the duration format reads nanoseconds from a number


def test_saved_searches() -> None:
    failures = titled("Sentinel failures")
    assert kibana.search_source(failures)["query"] == {"query": "status:failed", "language": "kuery"}
    security = titled("Sentinel security findings")
    source = kibana.search_source(security)
    assert kql.parse(source["query"]["query"]).fields == {"kind", "findings.owasp"}
    (severity,) = source["filter"]
    assert severity["meta"]["key"] == "findings.severity"
    assert severity["meta"]["params"] == ["critical", "high"]
    for search in (failures, security):
        assert search["attributes"]["sort"] == [["@timestamp", "desc"]]


# -- fields against the mapping -------------------------------------------------------------------------------------


def assert_field(field: str, use: str, where: str) -> None:
    assert field in MAPPED, f"{where}: {field!r} is not in the index template"
    spec = MAPPED[field]
    if use == "display":
        ok = spec["type"] != mapping.OPAQUE
    elif use == "search":
        ok = mapping.searchable(spec)
    elif use == "aggregate":
        ok = mapping.aggregatable(spec)
    elif use == "date":
        ok = spec["type"] == "date"
    elif use == "numeric":
        ok = spec["type"] in mapping.NUMERIC
    else:
        raise AssertionError(use)
    assert ok, f"{where}: {field!r} ({spec['type']}) cannot be used to {use}"


def test_fields_of_saved_searches() -> None:
    for search in of_type("search"):
        where = search["attributes"]["title"]
        for column in search["attributes"]["columns"]:
            assert_field(column, "display", where)
        for field, _direction in search["attributes"]["sort"]:
            assert_field(field, "aggregate", where)  # sorting needs doc values, like aggregating


def test_fields_of_queries_and_filters() -> None:
    for obj in OBJECTS:
        source = kibana.search_source(obj)
        for field in kibana.query_fields(source) | kibana.filter_fields(source):
            assert_field(field, "search", obj["id"])
        for item in source.get("filter", []):
            if item["meta"]["type"] in {"phrases", "phrase"}:
                # "is one of" filters match exact values: a keyword field, never analysed text.
                assert MAPPED[item["meta"]["key"]]["type"] == "keyword"


AGG_USES = {
    "terms": "aggregate",
    "date_histogram": "date",
    "avg": "numeric",
    "max": "numeric",
    "min": "numeric",
    "sum": "numeric",
}


def test_fields_of_visualizations() -> None:
    for vis in of_type("visualization"):
        state = kibana.vis_state(vis)
        assert state["title"] == vis["attributes"]["title"]
        ids = [agg["id"] for agg in state["aggs"]]
        assert len(ids) == len(set(ids))
        for agg in state["aggs"]:
            if agg["type"] == "count":
                continue
            assert agg["type"] in AGG_USES, f"{vis['id']}: {agg['type']} is not a core aggregation used here"
            field = agg["params"]["field"]
            assert_field(field, AGG_USES[agg["type"]], vis["id"])
            if AGG_USES[agg["type"]] == "numeric":
                assert_field(field, "aggregate", vis["id"])
            order_by = agg["params"].get("orderBy")
            if order_by is not None and order_by != "_key":
                assert order_by in ids, f"{vis['id']}: orders by missing aggregation {order_by}"
        # Kibana builds these requests; check that they come out whole.
        assert kibana.aggregations(state, interval="1h")


def test_dashboard_layout() -> None:
    (board,) = of_type("dashboard")
    cells: set[tuple[int, int]] = set()
    panels = kibana.panels(board)
    assert {p["type"] for p in panels} == {"visualization", "search"}
    for panel in panels:
        grid = panel["gridData"]
        assert grid["i"] == panel["panelIndex"]
        assert grid["x"] >= 0 and grid["x"] + grid["w"] <= 48, "the dashboard grid is 48 columns wide"
        area = {
            (x, y) for x in range(grid["x"], grid["x"] + grid["w"]) for y in range(grid["y"], grid["y"] + grid["h"])
        }
        assert not area & cells, f"panel {panel['panelIndex']} overlaps another"
        cells |= area
    titles = {BY_KEY[(r["type"], r["id"])]["attributes"]["title"] for r in board["references"]}
    assert "Sentinel failures" in titles
    assert len(titles) == len(panels)


# -- the KQL reader itself ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status:failed", {"bool": {"should": [{"match": {"status": "failed"}}], "minimum_should_match": 1}}),
        (
            "findings.owasp:*",
            {"bool": {"should": [{"exists": {"field": "findings.owasp"}}], "minimum_should_match": 1}},
        ),
        (
            'url.path:"/pets/{id}"',
            {"bool": {"should": [{"match_phrase": {"url.path": "/pets/{id}"}}], "minimum_should_match": 1}},
        ),
        (
            "a:1 and not b:2",
            {
                "bool": {
                    "filter": [
                        {"bool": {"should": [{"match": {"a": "1"}}], "minimum_should_match": 1}},
                        {
                            "bool": {
                                "must_not": {"bool": {"should": [{"match": {"b": "2"}}], "minimum_should_match": 1}}
                            }
                        },
                    ]
                }
            },
        ),
        (
            "elapsed_ms >= 500",
            {"bool": {"should": [{"range": {"elapsed_ms": {"gte": "500"}}}], "minimum_should_match": 1}},
        ),
        ("", {"match_all": {}}),
    ],
)
def test_kql_translation(query: str, expected: dict[str, Any]) -> None:
    assert kql.parse(query).query == expected


def test_kql_fields_and_value_lists() -> None:
    parsed = kql.parse("not status:(error or skipped) and (kind:security or findings.owasp:*)")
    assert parsed.fields == {"status", "kind", "findings.owasp"}
    assert kql.lucene_fields('status:failed AND findings.title:"a: b" OR @timestamp:[now-1d TO now]') == {
        "status",
        "findings.title",
        "@timestamp",
    }


@pytest.mark.parametrize("query", ["free text", "status:fail*", "status:(a or", "status:"])
def test_kql_reader_refuses_what_it_does_not_know(query: str) -> None:
    with pytest.raises(kql.KqlError):
        kql.parse(query)
