"""Each planted bug of the demo shop behaves as ``BUGS.md`` says."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.unit.examples.shop import (
    ADMIN,
    ALICE,
    NEW_ORDER,
    NEW_PRODUCT,
    NIL_ID,
    OPERATIONS,
    ORDER_OF,
    UNKNOWN_ID,
    USER,
    ShopClient,
    conforms,
    judge,
    user_created_by_alice,
)

# The planted bugs, one by one


def test_dt01_list_products_fails_at_the_documented_maximum_limit(client: ShopClient) -> None:
    assert client.get("/products", params={"limit": 99}, token=None).status_code == 200
    reply = client.get("/products", params={"limit": 100}, token=None)
    assert reply.status_code == 500
    assert reply.headers["content-type"] == "application/json"
    assert reply.json() == {"error": "internal_error", "message": "an unexpected error occurred"}
    # negative cases that carry limit=100 next to another violation reach it too
    assert client.get("/products", params={"limit": 100, "category": "food"}, token=None).status_code == 500
    assert client.get("/products", params={"limit": 101}, token=None).status_code == 400


def test_dt02_health_lacks_the_required_version(client: ShopClient) -> None:
    reply = client.get("/health", token=None)
    assert reply.status_code == 200
    assert reply.json() == {"status": "ok"}
    assert "version" in OPERATIONS["getHealth"].responses["200"]["content"]["application/json"]["schema"]["required"]


def test_dt03_listing_serialises_prices_as_strings_but_get_product_does_not(client: ShopClient) -> None:
    listed = client.get("/products", params={"q": "skillet"}, token=None).json()["items"]
    assert [item["price"] for item in listed] == ["39.00"]
    single = client.get(f"/products/{listed[0]['id']}", token=None).json()
    assert single["price"] == 39.0
    assert isinstance(single["price"], float)
    assert judge("getProduct", "positive", client.get(f"/products/{listed[0]['id']}", token=None)) == set()


def test_dt04_empty_user_page_answers_an_undocumented_204(client: ShopClient) -> None:
    users = client.get("/users").json()
    assert users["total"] == 3
    assert client.get("/users", params={"offset": 2}).status_code == 200
    reply = client.get("/users", params={"offset": 3})
    assert reply.status_code == 204
    assert reply.content == b""
    assert "204" not in OPERATIONS["listUsers"].responses
    assert client.get("/users", params={"offset": 1000}).status_code == 204


@pytest.mark.parametrize(
    ("override", "stored_age"),
    [({"age": 121}, 121), ({"age": 5000}, 5000), ({"nickname": "ada"}, 36), ({"isAdmin": True}, 36)],
)
def test_dt05_create_user_accepts_too_old_ages_and_unknown_properties(
    client: ShopClient, override: dict[str, Any], stored_age: int
) -> None:
    reply = client.post("/users", json_body={**USER, **override})
    assert reply.status_code == 201
    created = reply.json()
    assert created["age"] == stored_age
    assert set(created) == {"id", "name", "email", "age", "role", "marketingOptIn", "createdAt"}
    assert created["role"] == "user"
    # the other constraints hold
    assert client.post("/users", json_body={**USER, "age": 12}).status_code == 422
    assert client.post("/users", json_body={**USER, "name": "n" * 51}).status_code == 422


@pytest.mark.parametrize("path", [f"/products/{UNKNOWN_ID}", f"/products/{NIL_ID}", "/products/not-a-uuid"])
def test_dt06_get_product_errors_are_json_sent_as_text_plain(client: ShopClient, path: str) -> None:
    reply = client.get(path, token=None)
    assert reply.status_code in (400, 404)
    assert reply.headers["content-type"] == "text/plain; charset=utf-8"
    body = json.loads(reply.content)
    assert conforms(
        OPERATIONS["getProduct"].responses[str(reply.status_code)]["content"]["application/json"]["schema"], body
    )
    kind = "negative" if reply.status_code == 400 else "positive"
    assert judge("getProduct", kind, reply) == {"content_type_conformance"}


@pytest.mark.parametrize(
    ("name", "status"), [("n" * 64, 201), ("n" * 65, 422), ("n" * 80, 422), ("ü" * 32, 201), ("ü" * 33, 422)]
)
def test_dt07_create_product_measures_names_in_bytes(client: ShopClient, name: str, status: int) -> None:
    reply = client.post("/products", json_body={**NEW_PRODUCT, "name": name})
    assert reply.status_code == status
    if status == 422:
        assert reply.json()["details"] == [{"field": "name", "issue": "name: must be at most 64 characters"}]
    assert client.post("/products", json_body={**NEW_PRODUCT, "name": "n" * 81}).status_code == 422


def test_dt08_only_rejected_orders_carry_a_request_id(client: ShopClient) -> None:
    created = client.post("/orders", json_body=NEW_ORDER)
    assert created.status_code == 201
    assert "x-request-id" not in created.headers
    unknown = client.post("/orders", json_body={**NEW_ORDER, "productId": UNKNOWN_ID})
    assert unknown.status_code == 404
    assert "x-request-id" not in unknown.headers
    for reply in (
        client.post("/orders", json_body={**NEW_ORDER, "quantity": 11}),
        client.post("/orders", raw=b"{"),
        client.post("/orders", raw=b"x", content_type="text/plain"),
    ):
        assert reply.status_code in (400, 415, 422)
        assert conforms({"type": "string", "format": "uuid"}, reply.headers["x-request-id"])
    assert OPERATIONS["createOrder"].responses["201"]["headers"]["X-Request-Id"]["required"] is True


def test_dt09_any_order_is_readable_by_id(client: ShopClient) -> None:
    admin_order = ORDER_OF[ADMIN.user_id]
    reply = client.get(f"/orders/{admin_order}", token=ALICE.token)
    assert reply.status_code == 200
    assert reply.json()["ownerId"] == ADMIN.user_id
    # the other order operations do check the owner
    assert client.post(f"/orders/{admin_order}/cancel", token=ALICE.token).status_code == 404
    assert admin_order not in {order["id"] for order in client.get("/orders", token=ALICE.token).json()["items"]}


def test_dt10_admin_listing_is_open_to_users(client: ShopClient) -> None:
    reply = client.get("/admin/users", token=ALICE.token)
    assert reply.status_code == 200
    assert {user["role"] for user in reply.json()["items"]} == {"user", "admin"}
    assert client.get("/admin/users", token=None).status_code == 401
    assert "403" in OPERATIONS["adminListUsers"].responses


def test_dt11_invalid_user_id_leaks_the_query(client: ShopClient) -> None:
    reply = client.get("/users/not-a-uuid")
    assert reply.status_code == 400
    message = reply.json()["message"]
    assert "SELECT id, name, email" in message
    assert "FROM users WHERE id = 'not-a-uuid'" in message
    # deleteUser validates the same parameter without leaking
    assert "SELECT" not in client.delete("/users/not-a-uuid").json()["message"]


def test_dt12_deleted_user_is_still_served(client: ShopClient) -> None:
    user_id = user_created_by_alice(client)
    assert client.delete(f"/users/{user_id}").status_code == 204
    reply = client.get(f"/users/{user_id}")
    assert reply.status_code == 200
    assert reply.json()["id"] == user_id
    # every other read knows it is gone
    assert client.delete(f"/users/{user_id}").status_code == 404
    assert user_id not in {user["id"] for user in client.get("/users").json()["items"]}
    admin_view = {user["id"]: user for user in client.get("/admin/users", token=ADMIN.token).json()["items"]}
    assert admin_view[user_id]["deleted"] is True


def test_dt13_cancelled_order_is_cancelled_again(client: ShopClient) -> None:
    order_id = ORDER_OF[ALICE.user_id]
    first = client.post(f"/orders/{order_id}/cancel")
    assert first.status_code == 200
    assert first.json()["status"] == "cancelled"
    second = client.post(f"/orders/{order_id}/cancel")
    assert second.status_code == 200
    assert "409" in OPERATIONS["cancelOrder"].responses
    cancelled = client.get("/orders", params={"status": "cancelled"}).json()["items"]
    assert [order["id"] for order in cancelled] == [order_id]


# ---------------------------------------------------------------------------------------------------------------------
