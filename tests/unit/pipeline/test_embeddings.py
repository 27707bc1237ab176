"""Local embeddings: the same failure with other generated values embeds (nearly) the same; different failures
do not."""

from __future__ import annotations

import math

import pytest

from agent_core.models import TestKind
from pipeline.store.embeddings import (
    EMBEDDING_DIM,
    cosine_similarity,
    embed_case,
    embed_finding,
    hash_features,
    normalise,
    vector_literal,
)
from tests.unit.pipeline.factories import make_case, make_finding, negative_violation

ORDERS = make_case(operation_id="createOrder", method="POST", path="/orders")
PETS = make_case(operation_id="getPet", method="GET", path="/pets/{petId}")


def _server_error(order: str, email: str, ms: int, trace: str) -> list[float]:
    message = (
        f"POST /orders answered 500 Internal Server Error to a negative request: order {order} for {email} "
        f"failed after {ms} ms (trace {trace})"
    )
    return embed_finding(make_finding(ORDERS, message=message), "POST /orders")


def test_same_failure_with_other_generated_values_embeds_nearly_identically() -> None:
    first = _server_error("4f1c9b2e-1d3a-4c5b-9e8f-7a6b5c4d3e2f", "alice.smith@example.com", 1532, "9f86d081884c7d65")
    second = _server_error("0b7e2d4a-99aa-4f00-8c1d-2e3f4a5b6c7d", "bob@test.io", 87, "1a2b3c4d5e6f7081")
    assert cosine_similarity(first, second) >= 0.95


def test_a_different_failure_is_clearly_further_away() -> None:
    server_error = _server_error("4f1c9b2e-1d3a-4c5b-9e8f-7a6b5c4d3e2f", "a@example.com", 12, "9f86d081884c7d65")
    schema = make_finding(
        PETS,
        check="response_schema_conformance",
        title="Response body does not match its schema",
        message="GET /pets/{petId} answered 200 OK with an `application/json` body that breaks its schema: "
        "/name is required",
    )
    assert cosine_similarity(server_error, embed_finding(schema, "GET /pets/{petId}")) < 0.3


def test_the_same_check_on_another_operation_is_related_but_not_a_duplicate() -> None:
    orders = _server_error("4f1c9b2e-1d3a-4c5b-9e8f-7a6b5c4d3e2f", "a@example.com", 12, "9f86d081884c7d65")
    pets = embed_finding(
        make_finding(PETS, message="GET /pets/{petId} answered 500 Internal Server Error to a negative request"),
        "GET /pets/{petId}",
    )
    similarity = cosine_similarity(orders, pets)
    assert 0.3 < similarity < 0.9


def test_embeddings_are_unit_vectors_of_the_documented_width_and_deterministic() -> None:
    vector = embed_finding(make_finding(PETS), "GET /pets/{petId}")
    assert len(vector) == EMBEDDING_DIM
    assert math.isclose(math.hypot(*vector), 1.0, rel_tol=1e-9)
    assert vector == embed_finding(make_finding(PETS), "GET /pets/{petId}")


def test_normalise_replaces_generated_values_and_keeps_status_codes() -> None:
    text = "User 4f1c9b2e-1d3a-4c5b-9e8f-7a6b5c4d3e2f (bob@test.io) got 404 after 1,532.5 ms, token deadbeef00, rex4821"
    assert normalise(text) == (
        "user",
        "<uuid>",
        "<email>",
        "got",
        "404",
        "after",
        "<num>",
        "ms",
        "token",
        "<hex>",
        "<num>",
    )


def test_hash_features_of_nothing_is_the_zero_vector() -> None:
    assert hash_features([]) == [0.0] * EMBEDDING_DIM


def test_cases_of_the_same_shape_embed_the_same_whatever_the_values() -> None:
    one = make_case(n=1, kind=TestKind.NEGATIVE, violation=negative_violation(), body={"name": "rex", "age": 3})
    two = make_case(n=2, kind=TestKind.NEGATIVE, violation=negative_violation(), body={"name": "max", "age": 11})
    assert one.case_id != two.case_id
    assert cosine_similarity(embed_case(one), embed_case(two)) >= 0.99


def test_cases_of_other_operations_or_constraints_differ() -> None:
    negative = make_case(kind=TestKind.NEGATIVE, violation=negative_violation(), body={"name": "rex"})
    order = make_case(operation_id="createOrder", method="POST", path="/orders", body={"items": [{"sku": "a"}]})
    other_param = make_case(kind=TestKind.NEGATIVE, violation=negative_violation("ownerId"), body={"name": "rex"})
    assert cosine_similarity(embed_case(negative), embed_case(order)) < 0.3
    assert cosine_similarity(embed_case(negative), embed_case(other_param)) < 0.95


@pytest.mark.parametrize("vector", [[0.5, -0.25, 0.0], [1e-7, 123456.0]])
def test_vector_literal_is_pgvector_text(vector: list[float]) -> None:
    literal = vector_literal(vector)
    assert literal.startswith("[") and literal.endswith("]")
    assert [float(v) for v in literal[1:-1].split(",")] == pytest.approx(vector, rel=1e-5)
