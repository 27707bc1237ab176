"""A real Elasticsearch with the results template and a small corpus of results, for the Kibana objects' queries.

The server comes from ``deploy.local`` through the shared fixtures in tests/fixtures/elasticsearch.py (they fail,
never skip, when it cannot start).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from elasticsearch import Elasticsearch, helpers

from pipeline.es_index import document, ensure_template, index_name
from tests.fixtures.elasticsearch import elasticsearch_service, es_client, es_prefix
from tests.unit.deploy.samples import corpus

__all__ = ["elasticsearch_service", "es_client", "es_prefix", "loaded_prefix"]


@pytest.fixture(scope="module")
def loaded_prefix(es_client: Elasticsearch) -> Iterator[str]:
    """A private prefix with the templates installed and the corpus indexed and searchable."""
    # Module scope: every query test reads the same nine results; es_prefix is per test, so clean up here.
    prefix = f"test-search-{uuid.uuid4().hex[:10]}"
    ensure_template(es_client, prefix)
    actions = [
        {"_index": index_name(prefix, event.job_started_at), "_id": event.event_id, "_source": document(event)}
        for event in corpus()
    ]
    indexed, errors = helpers.bulk(es_client, actions, refresh="wait_for")
    assert (indexed, errors) == (len(actions), [])
    yield prefix
    names = list(es_client.indices.get(index=f"{prefix}-*", allow_no_indices=True))
    if names:
        es_client.indices.delete(index=names)
    es_client.options(ignore_status=404).indices.delete_index_template(name=prefix)
    for suffix in ("@settings", "@custom"):
        es_client.options(ignore_status=404).cluster.delete_component_template(name=prefix + suffix)
