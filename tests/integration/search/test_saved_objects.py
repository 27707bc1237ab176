"""The index template and the Kibana objects against a real Elasticsearch: each saved search and each dashboard
panel sends the request Kibana would send, and the answers are the ones counted by hand from the corpus."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from elasticsearch import Elasticsearch

from pipeline.es_index import document, ensure_template, index_name, index_pattern, mappings
from tests.unit.deploy import kibana, mapping
from tests.unit.deploy.samples import JOB_STARTED, corpus

pytestmark = [pytest.mark.integration, pytest.mark.elasticsearch]

# Kibana's time picker: the last hour around the job, as a range filter on the data view's time field.
TIME_RANGE = {
    "range": {
        "@timestamp": {
            "gte": (JOB_STARTED - timedelta(minutes=10)).isoformat(),
            "lte": (JOB_STARTED + timedelta(minutes=50)).isoformat(),
            "format": "strict_date_optional_time",
        }
    }
}


def objects_for(prefix: str) -> dict[str, dict[str, Any]]:
    """The shipped objects, built for this test's index prefix, by id."""
    return {obj["id"]: obj for obj in kibana.load(kibana.builder().render(prefix))}


def kibana_request(obj: dict[str, Any], objects: dict[str, dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    """The index pattern and the query Kibana sends for a saved search or visualization."""
    source = kibana.search_source(obj)
    index_ref = next(r for r in obj["references"] if r["name"] == source["indexRefName"])
    pattern = objects[index_ref["id"]]["attributes"]["title"]
    request = kibana.request(source)
    request.query["bool"]["filter"].append(TIME_RANGE)
    return pattern, request.query


def case_id(hit: dict[str, Any]) -> str:
    return str(hit["_source"]["case_id"])


# -- the template on a real engine ------------------------------------------------------------------------------------


def test_indices_get_the_template(es_client: Elasticsearch, loaded_prefix: str) -> None:
    name = index_name(loaded_prefix, JOB_STARTED)
    index = es_client.indices.get(index=name)[name]
    assert index["settings"]["index"]["number_of_shards"] == "1"
    assert index["settings"]["index"]["number_of_replicas"] == "0"
    assert index["settings"]["index"]["codec"] == "best_compression"
    stored = index["mappings"]
    assert str(stored["dynamic"]).lower() == "false"
    assert mapping.fields(stored) == mapping.fields(mappings())


def test_results_of_one_job_share_an_index_across_the_month_boundary(
    es_client: Elasticsearch, loaded_prefix: str
) -> None:
    indices = es_client.indices.get(index=index_pattern(loaded_prefix))
    assert list(indices) == [f"{loaded_prefix}-2026.11"]
    months = {
        hit["_source"]["@timestamp"][:7] for hit in es_client.search(index=list(indices), size=20)["hits"]["hits"]
    }
    assert months == {"2026-11", "2026-12"}


def test_a_retried_case_is_stored_once(es_client: Elasticsearch, es_prefix: str) -> None:
    ensure_template(es_client, es_prefix)
    first = corpus()[1]
    retry = first.model_copy(
        update={
            "executed_at": first.executed_at + timedelta(days=2),
            "execution": first.execution.model_copy(update={"attempts": 2}),
        }
    )
    for event in (first, retry):
        es_client.index(index=index_name(es_prefix, event.job_started_at), id=event.event_id, document=document(event))
    es_client.indices.refresh(index=index_pattern(es_prefix))
    hits = es_client.search(index=index_pattern(es_prefix))["hits"]["hits"]
    assert [(hit["_index"], hit["_id"]) for hit in hits] == [(f"{es_prefix}-2026.11", first.event_id)]
    assert hits[0]["_source"]["attempts"] == 2


def test_ensure_template_is_idempotent_and_updates_existing_indices(es_client: Elasticsearch, es_prefix: str) -> None:
    ensure_template(es_client, es_prefix)
    event = corpus()[0]
    name = index_name(es_prefix, event.job_started_at)
    es_client.index(index=name, id=event.event_id, document=document(event), refresh=True)
    # An index made by an older template lacks a field; the next start adds it.
    es_client.indices.delete(index=name)
    es_client.indices.create(index=name, mappings={"dynamic": False, "properties": {"status": {"type": "keyword"}}})
    ensure_template(es_client, es_prefix)
    ensure_template(es_client, es_prefix)
    assert mapping.fields(es_client.indices.get_mapping(index=name)[name]["mappings"]) == mapping.fields(mappings())


def test_a_field_the_mapping_lacks_is_kept_but_not_mapped(es_client: Elasticsearch, es_prefix: str) -> None:
    ensure_template(es_client, es_prefix)
    event = corpus()[0]
    name = index_name(es_prefix, event.job_started_at)
    body = document(event) | {"added_later": {"anything": [1, "two", {"three": 3}]}}
    es_client.index(index=name, id=event.event_id, document=body, refresh=True)
    assert es_client.get(index=name, id=event.event_id)["_source"]["added_later"] == body["added_later"]
    assert "added_later" not in es_client.indices.get_mapping(index=name)[name]["mappings"]["properties"]


def test_custom_component_overrides_the_sizing(es_client: Elasticsearch, es_prefix: str) -> None:
    ensure_template(es_client, es_prefix)
    custom = es_prefix + "@custom"
    es_client.cluster.put_component_template(
        name=custom, template={"settings": {"index": {"number_of_replicas": 1, "refresh_interval": "5s"}}}
    )
    try:
        ensure_template(es_client, es_prefix)  # a restart must not undo the operator's choice
        event = corpus()[0]
        name = index_name(es_prefix, event.job_started_at)
        es_client.index(index=name, id=event.event_id, document=document(event))
        settings = es_client.indices.get_settings(index=name)[name]["settings"]["index"]
        assert (settings["number_of_replicas"], settings["refresh_interval"]) == ("1", "5s")
        assert settings["number_of_shards"] == "1"
    finally:
        names = list(es_client.indices.get(index=index_pattern(es_prefix), allow_no_indices=True))
        if names:
            es_client.indices.delete(index=names)
        es_client.indices.delete_index_template(name=es_prefix)
        es_client.cluster.delete_component_template(name=custom)


def test_free_text_searches_the_default_fields(es_client: Elasticsearch, loaded_prefix: str) -> None:
    found = es_client.search(index=index_pattern(loaded_prefix), query={"query_string": {"query": "auth_bypass"}})
    assert [case_id(hit) for hit in found["hits"]["hits"]] == ["c06"]


# -- saved searches -------------------------------------------------------------------------------------------------

SEARCH_HITS = {
    # Every failed result, newest first.
    "Sentinel failures": ["c09", "c07", "c06", "c04", "c03", "c02"],
    # Security kind or a finding with an OWASP id, and a critical or high finding: c07 is low, c08 has none,
    # c02's high finding is not a security finding.
    "Sentinel security findings": ["c09", "c06"],
}


@pytest.mark.parametrize("title", sorted(SEARCH_HITS))
def test_saved_search(es_client: Elasticsearch, loaded_prefix: str, title: str) -> None:
    objects = objects_for(loaded_prefix)
    (search,) = [obj for obj in objects.values() if obj["attributes"]["title"] == title]
    pattern, query = kibana_request(search, objects)
    sort = [{field: {"order": direction}} for field, direction in search["attributes"]["sort"]]
    found = es_client.search(index=pattern, query=query, sort=sort, size=100)
    assert [case_id(hit) for hit in found["hits"]["hits"]] == SEARCH_HITS[title]
    for column in search["attributes"]["columns"]:
        assert any(column.split(".")[0] in hit["_source"] for hit in found["hits"]["hits"]), column


# -- dashboard panels -------------------------------------------------------------------------------------------------


def _terms(buckets: list[dict[str, Any]], *metrics: str) -> list[tuple[Any, ...]]:
    return [(b["key"], b["doc_count"], *(round(b[m]["value"], 2) for m in metrics)) for b in buckets]


PANELS: dict[str, Any] = {
    "sentinel-vis-failures-over-time": [
        ("2026-11-30T23:00:00.000Z", [("not_a_server_error", 1), ("status_code_conformance", 1)]),
        (
            "2026-12-01T00:00:00.000Z",
            [
                ("auth_bypass", 1),
                ("bola", 1),
                ("negative_data_rejection", 1),
                ("not_a_server_error", 1),
                ("security_headers", 1),
            ],
        ),
    ],
    "sentinel-vis-status-breakdown": [("failed", 6), ("passed", 2), ("error", 1)],
    "sentinel-vis-top-failing-operations": [("listPets", 2), ("login", 2), ("createPet", 1), ("getPet", 1)],
    # key, results, slowest, average; the timed-out getPet case is not an answer and stays out.
    "sentinel-vis-slowest-operations": [
        ("listPets", 3, 900.0, 546.67),
        ("createPet", 1, 120.0, 120.0),
        ("getPet", 1, 80.0, 80.0),
        ("login", 3, 60.0, 53.33),
    ],
    "sentinel-vis-security-severity": [("critical", 1), ("high", 1), ("low", 1)],
}


def read_panel(vis_id: str, aggregations: dict[str, Any]) -> Any:
    """The answer of a panel's aggregations, as the panel shows it."""
    if vis_id == "sentinel-vis-failures-over-time":
        return [(b["key_as_string"], _terms(b["3"]["buckets"])) for b in aggregations["2"]["buckets"]]
    if vis_id == "sentinel-vis-slowest-operations":
        return _terms(aggregations["4"]["buckets"], "1", "2")
    (only,) = aggregations.values()
    return _terms(only["buckets"])


def test_every_panel_is_checked() -> None:
    objects = kibana.load()
    assert {obj["id"] for obj in objects if obj["type"] == "visualization"} == set(PANELS)


@pytest.mark.parametrize("vis_id", sorted(PANELS))
def test_dashboard_panel(es_client: Elasticsearch, loaded_prefix: str, vis_id: str) -> None:
    objects = objects_for(loaded_prefix)
    vis = objects[vis_id]
    pattern, query = kibana_request(vis, objects)
    aggs = kibana.aggregations(kibana.vis_state(vis), interval="1h")
    found = es_client.search(index=pattern, query=query, aggs=aggs, size=0)
    answer = read_panel(vis_id, found["aggregations"])
    if vis_id == "sentinel-vis-failures-over-time":
        # Within a bucket, equal counts come in key order.
        answer = [(key, sorted(checks)) for key, checks in answer]
    assert answer == PANELS[vis_id]


def test_dashboard_shows_only_checked_objects() -> None:
    objects = {obj["id"]: obj for obj in kibana.load()}
    (board,) = [obj for obj in objects.values() if obj["type"] == "dashboard"]
    shown = {reference["id"] for reference in board["references"]}
    assert shown == set(PANELS) | {"sentinel-failures"}
