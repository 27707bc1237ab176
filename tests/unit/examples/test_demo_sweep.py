"""A sweep over every operation of the demo shop: boundary and typical values, judged by the contract oracle."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from examples.demo_target.app import create_app
from tests.unit.examples.shop import (
    _NO_BODY,
    ADMIN,
    ALICE,
    BOB,
    BUG_BY_ID,
    BUGS,
    NEW_ORDER,
    NEW_PRODUCT,
    NIL_ID,
    OPERATIONS,
    ORDER_OF,
    PRODUCT,
    UNKNOWN_ID,
    USER,
    Reply,
    ShopClient,
    judge,
    user_created_by_alice,
)

# A sweep over every operation: boundary and typical values, as a schema-driven generator picks them


@dataclass(frozen=True)
class Case:
    operation_id: str
    kind: str  # positive | negative
    path: str | Callable[[ShopClient], str]
    params: Mapping[str, Any] | list[tuple[str, str]] | None = None
    body: Any = _NO_BODY
    raw: bytes | None = None
    content_type: str | None = "application/json"
    token: str | None = ALICE.token
    status: int | None = None  # the status the case must get
    bug: str | None = None  # the planted core bug the case must trigger; None: the answer follows the contract
    label: str = ""

    def run(self, client: ShopClient) -> Reply:
        path = self.path(client) if callable(self.path) else self.path
        return client.request(
            OPERATIONS[self.operation_id].method,
            path,
            params=self.params,
            json_body=self.body,
            raw=self.raw,
            content_type=self.content_type,
            token=self.token,
        )


def P(operation_id: str, path: str | Callable[[ShopClient], str], **kwargs: Any) -> Case:
    return Case(operation_id, "positive", path, **kwargs)


def N(operation_id: str, path: str | Callable[[ShopClient], str], **kwargs: Any) -> Case:
    return Case(operation_id, "negative", path, **kwargs)


TOKEN_REQUEST = {"username": "alice", "password": "wonderland-42"}

SWEEP: tuple[Case, ...] = (
    # getHealth
    P("getHealth", "/health", token=None, status=200, bug="DT-02"),
    # createToken
    P("createToken", "/auth/token", body=TOKEN_REQUEST, token=None, status=200),
    P("createToken", "/auth/token", body={"username": "admin", "password": "admin-pass-1"}, token=None, status=200),
    P("createToken", "/auth/token", body={"username": "z", "password": "x" * 8}, token=None, status=401),
    P("createToken", "/auth/token", body={"username": "a" + "_" * 31, "password": "p" * 128}, token=None, status=401),
    N("createToken", "/auth/token", body={"username": "alice"}, token=None, status=422),
    N("createToken", "/auth/token", body={"password": "wonderland-42"}, token=None, status=422),
    N("createToken", "/auth/token", body={**TOKEN_REQUEST, "username": "Alice"}, token=None, status=422),
    N("createToken", "/auth/token", body={**TOKEN_REQUEST, "username": "alice\n"}, token=None, status=422),
    N("createToken", "/auth/token", body={**TOKEN_REQUEST, "username": ""}, token=None, status=422),
    N("createToken", "/auth/token", body={**TOKEN_REQUEST, "username": "a" * 33}, token=None, status=422),
    N("createToken", "/auth/token", body={**TOKEN_REQUEST, "password": "short"}, token=None, status=422),
    N("createToken", "/auth/token", body={**TOKEN_REQUEST, "password": "p" * 129}, token=None, status=422),
    N("createToken", "/auth/token", body={**TOKEN_REQUEST, "scope": "admin"}, token=None, status=422),
    N("createToken", "/auth/token", body={**TOKEN_REQUEST, "username": 7}, token=None, status=422),
    N("createToken", "/auth/token", body=[TOKEN_REQUEST], token=None, status=422),
    N("createToken", "/auth/token", body=None, token=None, status=422),
    N("createToken", "/auth/token", raw=b'{"username": "alice",', token=None, status=400),
    N("createToken", "/auth/token", raw=b"", token=None, status=400),
    N("createToken", "/auth/token", raw=b"username=alice", content_type="text/plain", token=None, status=415),
    # listUsers
    P("listUsers", "/users", status=200),
    P("listUsers", "/users", params={"limit": 1}, status=200),
    P("listUsers", "/users", params={"limit": 50, "offset": 0}, status=200),
    P("listUsers", "/users", params={"offset": 2}, status=200),
    P("listUsers", "/users", params={"offset": 1000}, status=204, bug="DT-04"),
    P("listUsers", "/users", params={"limit": 50, "offset": 500}, status=204, bug="DT-04"),
    N("listUsers", "/users", params={"limit": 0}, status=400),
    N("listUsers", "/users", params={"limit": 51}, status=400),
    N("listUsers", "/users", params={"limit": "abc"}, status=400),
    N("listUsers", "/users", params={"limit": "1.5"}, status=400),
    N("listUsers", "/users", params={"limit": ""}, status=400),
    N("listUsers", "/users", params={"limit": "9" * 40}, status=400),
    N("listUsers", "/users", params={"offset": -1}, status=400),
    N("listUsers", "/users", params={"offset": 1001}, status=400),
    N("listUsers", "/users", params=[("limit", "1"), ("limit", "2")], status=400),
    N("listUsers", "/users", token=None, status=401),
    N("listUsers", "/users", token="not-a-token", status=401),
    # createUser
    P("createUser", "/users", body={"name": "a", "email": "a@b.co", "age": 13}, status=201),
    P(
        "createUser",
        "/users",
        body={"name": "n" * 50, "email": "first.last+shop@example.com", "age": 120, "marketingOptIn": True},
        status=201,
    ),
    P("createUser", "/users", body={**USER, "email": '"quoted local"@example.com'}, status=201),
    P("createUser", "/users", body={**USER, "email": "ops@[192.0.2.1]"}, status=201),
    P("createUser", "/users", body={**USER, "name": "Zoë 😀", "email": "{weird}@x.y9.info"}, status=201),
    P("createUser", "/users", body={**USER, "age": 30.0}, status=201),
    N("createUser", "/users", body={**USER, "age": 121}, status=201, bug="DT-05"),
    N("createUser", "/users", body={**USER, "age": 10**6}, status=201, bug="DT-05"),
    N("createUser", "/users", body={**USER, "nickname": "ada"}, status=201, bug="DT-05"),
    N("createUser", "/users", body={**USER, "age": 12}, status=422),
    N("createUser", "/users", body={**USER, "age": -1}, status=422),
    N("createUser", "/users", body={**USER, "name": ""}, status=422),
    N("createUser", "/users", body={**USER, "name": "n" * 51}, status=422),
    N("createUser", "/users", body={**USER, "email": "not-an-email"}, status=422),
    N("createUser", "/users", body={**USER, "email": "ada@"}, status=422),
    N("createUser", "/users", body={**USER, "email": "@example.com"}, status=422),
    N("createUser", "/users", body={**USER, "email": "a..b@example.com"}, status=422),
    N("createUser", "/users", body={**USER, "email": "a" * 243 + "@example.com"}, status=422),
    N("createUser", "/users", body={**USER, "age": "36"}, status=422),
    N("createUser", "/users", body={**USER, "age": 36.5}, status=422),
    N("createUser", "/users", body={**USER, "age": True}, status=422),
    N("createUser", "/users", body={**USER, "name": None}, status=422),
    N("createUser", "/users", body={**USER, "marketingOptIn": "yes"}, status=422),
    N("createUser", "/users", body={"email": "ada@example.com", "age": 36}, status=422),
    N("createUser", "/users", body={"name": "Ada", "age": 36}, status=422),
    N("createUser", "/users", body={"name": "Ada", "email": "ada@example.com"}, status=422),
    N("createUser", "/users", body=[], status=422),
    N("createUser", "/users", body="Ada", status=422),
    N("createUser", "/users", raw=b"{", status=400),
    N("createUser", "/users", raw=b"   ", status=400),
    N("createUser", "/users", raw=b'{"name": NaN}', status=400),
    N("createUser", "/users", raw=b'{"name": "\\ud800", "email": "a@b.co", "age": 20}', status=400),
    N("createUser", "/users", raw=b"<user/>", content_type="application/xml", status=415),
    N("createUser", "/users", body=USER, token=None, status=401),
    # getUser
    P("getUser", f"/users/{ALICE.user_id}", status=200),
    P("getUser", f"/users/{ALICE.user_id.upper()}", status=200),
    P("getUser", f"/users/{UNKNOWN_ID}", status=404),
    P("getUser", f"/users/{NIL_ID}", status=404),
    N("getUser", "/users/abc", status=400, label="the DT-11 leak is in the message, not visible to core checks"),
    N("getUser", "/users/12345", status=400),
    N("getUser", f"/users/{ALICE.user_id}x", status=400),
    N("getUser", f"/users/{ALICE.user_id}", token=None, status=401),
    # deleteUser
    P("deleteUser", f"/users/{UNKNOWN_ID}", status=404),
    P("deleteUser", f"/users/{BOB.user_id}", status=403),
    P("deleteUser", lambda client: f"/users/{user_created_by_alice(client)}", status=204),
    N("deleteUser", "/users/abc", status=400),
    N("deleteUser", f"/users/{UNKNOWN_ID}", token=None, status=401),
    # listProducts
    P("listProducts", "/products", token=None, status=200, bug="DT-03"),
    P("listProducts", "/products", params={"limit": 1}, token=None, status=200, bug="DT-03"),
    P("listProducts", "/products", params={"limit": 99}, token=None, status=200, bug="DT-03"),
    P("listProducts", "/products", params={"limit": 100}, token=None, status=500, bug="DT-01"),
    P("listProducts", "/products", params={"limit": 100, "offset": 10000}, token=None, status=500, bug="DT-01"),
    P("listProducts", "/products", params={"offset": 10000}, token=None, status=200),
    P("listProducts", "/products", params={"offset": 0}, token=None, status=200, bug="DT-03"),
    P("listProducts", "/products", params={"q": ""}, token=None, status=200, bug="DT-03"),
    P("listProducts", "/products", params={"q": "x" * 50}, token=None, status=200),
    P("listProducts", "/products", params={"q": "KNIFE"}, token=None, status=200, bug="DT-03"),
    P("listProducts", "/products", params={"q": "ü&=?/#%"}, token=None, status=200),
    P("listProducts", "/products", params={"category": "garden"}, token=None, status=200, bug="DT-03"),
    P("listProducts", "/products", params={"minPrice": 0}, token=None, status=200, bug="DT-03"),
    P("listProducts", "/products", params={"maxPrice": 0}, token=None, status=200),
    P("listProducts", "/products", params={"maxPrice": "1e-05"}, token=None, status=200),
    P("listProducts", "/products", params={"minPrice": 100, "maxPrice": 10}, token=None, status=200),
    P("listProducts", "/products", params={"minPrice": "1.5e308"}, token=None, status=200),
    P("listProducts", "/products", params={"sort": "price_desc"}, token=None, status=200, bug="DT-03"),
    P("listProducts", "/products", params={"sort": "price_asc", "limit": 2}, token=None, status=200, bug="DT-03"),
    P("listProducts", "/products", params={"unknown": "ignored"}, token=None, status=200, bug="DT-03"),
    N("listProducts", "/products", params={"limit": 0}, token=None, status=400),
    N("listProducts", "/products", params={"limit": 101}, token=None, status=400),
    N("listProducts", "/products", params={"limit": "ten"}, token=None, status=400),
    N("listProducts", "/products", params={"limit": "2.5"}, token=None, status=400),
    N("listProducts", "/products", params={"offset": -1}, token=None, status=400),
    N("listProducts", "/products", params={"offset": 10001}, token=None, status=400),
    N("listProducts", "/products", params={"q": "x" * 51}, token=None, status=400),
    N("listProducts", "/products", params={"category": "food"}, token=None, status=400),
    N("listProducts", "/products", params={"minPrice": -1}, token=None, status=400),
    N("listProducts", "/products", params={"maxPrice": "abc"}, token=None, status=400),
    N("listProducts", "/products", params={"maxPrice": "nan"}, token=None, status=400),
    N("listProducts", "/products", params={"sort": "random"}, token=None, status=400),
    N("listProducts", "/products", params=[("q", "a"), ("q", "b")], token=None, status=400),
    N("listProducts", "/products", params={"limit": 100, "sort": "random"}, token=None, status=500, bug="DT-01"),
    # createProduct
    P("createProduct", "/products", body={**NEW_PRODUCT, "name": "a", "price": 0.01}, status=201),
    P("createProduct", "/products", body={**NEW_PRODUCT, "price": 5e-324}, status=201),
    P(
        "createProduct",
        "/products",
        body={
            "name": "n" * 64,
            "description": "d" * 500,
            "price": 100000,
            "currency": "GBP",
            "category": "toys",
            "tags": ["a", "b-2", "c", "0", "z" * 20],
        },
        status=201,
    ),
    P("createProduct", "/products", body={**NEW_PRODUCT, "tags": []}, status=201),
    P("createProduct", "/products", body={**NEW_PRODUCT, "name": "n" * 80}, status=422, bug="DT-07"),
    P("createProduct", "/products", body={**NEW_PRODUCT, "name": "n" * 65}, status=422, bug="DT-07"),
    P("createProduct", "/products", body={**NEW_PRODUCT, "name": "ü" * 40}, status=422, bug="DT-07"),
    N("createProduct", "/products", body={**NEW_PRODUCT, "price": 0}, status=422),
    N("createProduct", "/products", body={**NEW_PRODUCT, "price": -1}, status=422),
    N("createProduct", "/products", body={**NEW_PRODUCT, "price": 100000.01}, status=422),
    N("createProduct", "/products", body={**NEW_PRODUCT, "price": "25"}, status=422),
    N("createProduct", "/products", body={**NEW_PRODUCT, "price": False}, status=422),
    N("createProduct", "/products", body={**NEW_PRODUCT, "currency": "JPY"}, status=422),
    N("createProduct", "/products", body={**NEW_PRODUCT, "category": "food"}, status=422),
    N("createProduct", "/products", body={**NEW_PRODUCT, "tags": ["a", "b", "c", "d", "e", "f"]}, status=422),
    N("createProduct", "/products", body={**NEW_PRODUCT, "tags": ["a", "a"]}, status=422),
    N("createProduct", "/products", body={**NEW_PRODUCT, "tags": ["Bad Tag"]}, status=422),
    N("createProduct", "/products", body={**NEW_PRODUCT, "tags": ["t" * 21]}, status=422),
    N("createProduct", "/products", body={**NEW_PRODUCT, "tags": [""]}, status=422),
    N("createProduct", "/products", body={**NEW_PRODUCT, "tags": "lamp"}, status=422),
    N("createProduct", "/products", body={**NEW_PRODUCT, "tags": [3]}, status=422),
    N("createProduct", "/products", body={**NEW_PRODUCT, "name": "n" * 81}, status=422),
    N("createProduct", "/products", body={**NEW_PRODUCT, "name": ""}, status=422),
    N("createProduct", "/products", body={**NEW_PRODUCT, "description": "d" * 501}, status=422),
    N("createProduct", "/products", body={**NEW_PRODUCT, "stock": 3}, status=422),
    N("createProduct", "/products", body={"name": "Lamp", "price": 25, "category": "kitchen"}, status=422),
    N("createProduct", "/products", body=NEW_PRODUCT, token=None, status=401),
    N("createProduct", "/products", raw=b"[", status=400),
    # getProduct
    P("getProduct", f"/products/{PRODUCT.id}", token=None, status=200),
    P("getProduct", f"/products/{UNKNOWN_ID}", token=None, status=404, bug="DT-06"),
    N("getProduct", "/products/abc", token=None, status=400, bug="DT-06"),
    # listOrders
    P("listOrders", "/orders", status=200),
    P("listOrders", "/orders", params={"limit": 1}, status=200),
    P("listOrders", "/orders", params={"limit": 50, "status": "pending"}, status=200),
    P("listOrders", "/orders", params={"status": "cancelled"}, status=200),
    N("listOrders", "/orders", params={"limit": 0}, status=400),
    N("listOrders", "/orders", params={"limit": 51}, status=400),
    N("listOrders", "/orders", params={"status": "shipped"}, status=400),
    N("listOrders", "/orders", token=None, status=401),
    # createOrder
    P("createOrder", "/orders", body=NEW_ORDER, status=201, bug="DT-08"),
    P("createOrder", "/orders", body={**NEW_ORDER, "quantity": 10, "note": "n" * 200}, status=201, bug="DT-08"),
    P("createOrder", "/orders", body={**NEW_ORDER, "productId": UNKNOWN_ID}, status=404, bug="DT-08"),
    N("createOrder", "/orders", body={**NEW_ORDER, "quantity": 0}, status=422),
    N("createOrder", "/orders", body={**NEW_ORDER, "quantity": 11}, status=422),
    N("createOrder", "/orders", body={**NEW_ORDER, "quantity": "2"}, status=422),
    N("createOrder", "/orders", body={**NEW_ORDER, "productId": "abc"}, status=422),
    N("createOrder", "/orders", body={**NEW_ORDER, "note": "n" * 201}, status=422),
    N("createOrder", "/orders", body={**NEW_ORDER, "coupon": "FREE"}, status=422),
    N("createOrder", "/orders", body={"productId": PRODUCT.id}, status=422),
    N("createOrder", "/orders", raw=b"{", status=400),
    N("createOrder", "/orders", raw=b"", status=400),
    N("createOrder", "/orders", raw=b"productId=1", content_type="application/x-www-form-urlencoded", status=415),
    N("createOrder", "/orders", body=NEW_ORDER, token=None, status=401),
    # getOrder
    P("getOrder", f"/orders/{ORDER_OF[ALICE.user_id]}", status=200),
    P("getOrder", f"/orders/{ORDER_OF[ADMIN.user_id]}", status=200, label="DT-09 is invisible to core checks"),
    P("getOrder", f"/orders/{UNKNOWN_ID}", status=404),
    N("getOrder", "/orders/abc", status=400),
    N("getOrder", f"/orders/{UNKNOWN_ID}", token=None, status=401),
    # cancelOrder
    P("cancelOrder", f"/orders/{ORDER_OF[ALICE.user_id]}/cancel", status=200),
    P("cancelOrder", f"/orders/{ORDER_OF[ALICE.user_id]}/cancel", status=200, label="DT-13 is invisible to core"),
    P("cancelOrder", f"/orders/{ORDER_OF[BOB.user_id]}/cancel", status=404),
    P("cancelOrder", f"/orders/{UNKNOWN_ID}/cancel", status=404),
    N("cancelOrder", "/orders/abc/cancel", status=400),
    N("cancelOrder", f"/orders/{UNKNOWN_ID}/cancel", token=None, status=401),
    # adminListUsers
    P("adminListUsers", "/admin/users", token=ADMIN.token, status=200),
    P("adminListUsers", "/admin/users", status=200, label="DT-10 is invisible to core checks"),
    N("adminListUsers", "/admin/users", token=None, status=401),
)


def test_the_sweep_covers_every_operation_and_every_core_bug() -> None:
    assert {case.operation_id for case in SWEEP} == set(OPERATIONS)
    assert {case.bug for case in SWEEP if case.bug} == {bug.id for bug in BUGS if bug.issue == "core"}


def test_sweep_finds_exactly_the_core_bugs_and_nothing_else() -> None:
    client = ShopClient(create_app())
    mismatches = []
    found: set[tuple[str, str]] = set()
    for case in SWEEP:
        reply = case.run(client)
        failed = judge(case.operation_id, case.kind, reply)
        found |= {(check, case.operation_id) for check in failed}
        expected = {BUG_BY_ID[case.bug].check} if case.bug else set()
        if failed != expected or (case.status is not None and reply.status_code != case.status):
            mismatches.append((case.operation_id, case.kind, case.path, case.params, reply.status_code, failed))
    assert mismatches == []
    assert found == {bug.key for bug in BUGS if bug.issue == "core"}


def test_sweep_answers_are_deterministic() -> None:
    first, second = ShopClient(create_app()), ShopClient(create_app())
    for case in SWEEP:
        one, two = case.run(first), case.run(second)
        assert (one.status_code, one.content) == (two.status_code, two.content), case
