"""The demo shop's correct paths, its contract document and its BUGS.md table."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import openapi_spec_validator
import pytest
import yaml

from examples.demo_target.app import DEMO_ACCOUNTS, SPEC_PATH, is_email
from examples.demo_target.bugs import BUGS_PATH, COLUMNS, ISSUES, Bug, BugTableError, compare, load_bugs, parse_bugs
from tests.unit.examples.shop import (
    ADMIN,
    ALICE,
    BOB,
    BUGS,
    CORE_CHECKS,
    DEMO_DIR,
    FORMATS,
    HTTP_METHODS,
    NEW_PRODUCT,
    OPERATIONS,
    ORDER_OF,
    PRODUCT,
    SPEC,
    USER,
    ShopClient,
    assert_follows_contract,
    conforms,
    resolve,
    user_created_by_alice,
)

# The correct paths


def test_secured_operations_require_a_valid_bearer_token(client: ShopClient) -> None:
    secured = [operation for operation in OPERATIONS.values() if not operation.public]
    assert {operation.operation_id for operation in secured} == {
        "listUsers",
        "createUser",
        "getUser",
        "deleteUser",
        "createProduct",
        "listOrders",
        "createOrder",
        "getOrder",
        "cancelOrder",
        "adminListUsers",
    }
    for operation in secured:
        path = operation.path.format(userId=ALICE.user_id, orderId=ORDER_OF[ALICE.user_id])
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {ALICE.token}"}):
            reply = client.request(operation.method, path, token=None, headers=headers, json_body=USER)
            assert reply.status_code == 401, (operation.operation_id, headers)
            assert reply.headers["www-authenticate"].startswith("Bearer")
            assert_follows_contract(operation.operation_id, "negative", reply)
        assert "401" in operation.responses


def test_public_operations_need_no_token(client: ShopClient) -> None:
    public = {operation.operation_id for operation in OPERATIONS.values() if operation.public}
    assert public == {"getHealth", "createToken", "listProducts", "getProduct"}
    assert client.get("/products", params={"limit": 5}, token=None).status_code == 200
    assert client.get(f"/products/{PRODUCT.id}", token=None).status_code == 200
    assert client.get("/products", params={"limit": 5}, token="garbage").status_code == 200


@pytest.mark.parametrize("account", DEMO_ACCOUNTS, ids=lambda account: account.username)
def test_create_token_issues_the_fixed_demo_tokens(client: ShopClient, account: Any) -> None:
    reply = client.post(
        "/auth/token", json_body={"username": account.username, "password": account.password}, token=None
    )
    assert reply.status_code == 200
    assert reply.json() == {"accessToken": account.token, "tokenType": "bearer", "expiresIn": 3600}
    assert client.get("/orders", token=reply.json()["accessToken"]).status_code == 200
    wrong = client.post(
        "/auth/token", json_body={"username": account.username, "password": "wrong-password"}, token=None
    )
    assert wrong.status_code == 401


def test_identities_file_lists_the_demo_tokens() -> None:
    identities = yaml.safe_load((DEMO_DIR / "identities.yaml").read_text(encoding="utf-8"))
    assert identities == {
        "identities": [
            {"name": account.username, "type": "bearer", "token": account.token} for account in DEMO_ACCOUNTS
        ]
    }
    assert [account.role for account in DEMO_ACCOUNTS] == ["user", "user", "admin"]


def test_admin_sees_every_user_and_users_see_only_their_orders(client: ShopClient) -> None:
    admin_view = client.get("/admin/users", token=ADMIN.token)
    assert_follows_contract("adminListUsers", "positive", admin_view)
    assert admin_view.json()["total"] == 3
    for account in DEMO_ACCOUNTS:
        orders = client.get("/orders", token=account.token).json()
        assert [order["ownerId"] for order in orders["items"]] == [account.user_id]
        assert orders["total"] == 1


def test_order_lifecycle_follows_the_contract(client: ShopClient) -> None:
    created = client.post("/orders", json_body={"productId": PRODUCT.id, "quantity": 3, "note": "gift"})
    assert created.status_code == 201
    order = created.json()
    assert order["total"] == pytest.approx(float(PRODUCT.price) * 3)
    assert order["currency"] == PRODUCT.currency
    assert order["status"] == "pending"
    assert order["ownerId"] == ALICE.user_id
    assert client.get(f"/orders/{order['id']}").json() == order
    assert order["id"] in {item["id"] for item in client.get("/orders").json()["items"]}
    cancelled = client.post(f"/orders/{order['id']}/cancel")
    assert_follows_contract("cancelOrder", "positive", cancelled)
    assert cancelled.json() == {**order, "status": "cancelled"}
    assert client.post(f"/orders/{order['id']}/cancel", token=BOB.token).status_code == 404


def test_product_creation_round_trips(client: ShopClient) -> None:
    body = {**NEW_PRODUCT, "description": "Brass desk lamp", "tags": ["brass", "desk"], "price": 49.5}
    created = client.post("/products", json_body=body)
    assert_follows_contract("createProduct", "positive", created)
    product = created.json()
    assert {key: product[key] for key in body} == body
    fetched = client.get(f"/products/{product['id']}", token=None)
    assert fetched.json() == product
    listed = client.get("/products", params={"q": "brass desk"}, token=None).json()["items"]
    assert [item["id"] for item in listed] == [product["id"]]


def test_list_products_filters_sorts_and_pages(client: ShopClient) -> None:
    def names(**params: Any) -> list[str]:
        return [item["name"] for item in client.get("/products", params=params, token=None).json()["items"]]

    assert names(category="garden") == ["Garden Hose 25 m", "Pruning Shears"]
    assert names(category="garden", sort="price_desc") == ["Garden Hose 25 m", "Pruning Shears"]
    assert names(minPrice=50, sort="price_asc") == [
        "Chef's Knife",
        "Mechanical Keyboard",
        "Noise-Cancelling Headphones",
    ]
    assert names(maxPrice=5) == ["Paper Notebook A5"]
    assert names(limit=2, offset=1) == names()[1:3]
    page = client.get("/products", params={"limit": 5, "offset": 10}, token=None).json()
    assert (page["total"], page["limit"], page["offset"], len(page["items"])) == (12, 5, 10, 2)


def test_delete_user_is_for_the_creator_or_an_admin(client: ShopClient) -> None:
    user_id = user_created_by_alice(client)
    assert client.delete(f"/users/{user_id}", token=BOB.token).status_code == 403
    assert client.delete(f"/users/{BOB.user_id}", token=ALICE.token).status_code == 403
    deleted = client.delete(f"/users/{BOB.user_id}", token=ADMIN.token)
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert_follows_contract("deleteUser", "positive", deleted)
    assert client.delete(f"/users/{user_id}", token=ALICE.token).status_code == 204


def test_unknown_paths_and_methods_answer_json_errors(client: ShopClient) -> None:
    for path in ("/nope", "/users/", "/products/", "/orders//cancel", "/docs", "/redoc", "/openapi.json"):
        reply = client.get(path, token=None)
        assert reply.status_code == 404, path
        assert reply.headers["content-type"] == "application/json"
        assert reply.json() == {"error": "not_found", "message": "no such endpoint"}
    reply = client.request("PUT", f"/users/{ALICE.user_id}")
    assert reply.status_code == 405
    assert reply.headers["allow"] == "DELETE, GET"
    assert reply.json()["error"] == "method_not_allowed"
    assert client.request("PATCH", "/products").headers["allow"] == "GET, POST"


def test_the_contract_is_served_as_written(client: ShopClient) -> None:
    reply = client.get("/openapi.yaml", token=None)
    assert reply.status_code == 200
    assert reply.headers["content-type"] == "application/yaml"
    assert reply.content == SPEC_PATH.read_bytes()


@pytest.mark.parametrize(
    ("address", "valid"),
    [
        ("a@b.co", True),
        ("first.last+tag@example.com", True),
        ('"john doe"@example.com', True),
        ("ops@[192.0.2.1]", True),
        ("ops@[IPv6:2001:db8::1]", True),
        ("zoë@exämple.de", True),
        ("plain", False),
        ("a@", False),
        ("@b.co", False),
        ("a..b@example.com", False),
        (".a@example.com", False),
        ("a@-example.com", False),
        ("a@example..com", False),
        ("a b@example.com", False),
        ("a@[300.1.1.1]", False),
    ],
)
def test_email_check(address: str, valid: bool) -> None:
    assert is_email(address) is valid


# ---------------------------------------------------------------------------------------------------------------------
# The contract document


def test_contract_is_valid_openapi_303() -> None:
    openapi_spec_validator.validate(SPEC)


def test_contract_structure() -> None:
    assert SPEC["openapi"] == "3.0.3"
    assert SPEC["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "opaque",
        "description": "A token from `POST /auth/token`.",
    }
    assert SPEC["security"] == [{"bearerAuth": []}]
    ids = [
        SPEC["paths"][path][method]["operationId"]
        for path in SPEC["paths"]
        for method in HTTP_METHODS
        if method in SPEC["paths"][path]
    ]
    assert len(ids) == len(set(ids)) == 14
    for operation in OPERATIONS.values():
        declared = {p["name"] for p in operation.parameters if p["in"] == "path"}
        in_path = {part[1:-1] for part in operation.path.split("/") if part.startswith("{")}
        assert declared == in_path, operation.operation_id
        assert all(p["required"] for p in operation.parameters if p["in"] == "path")
        assert "500" in operation.responses
        assert "default" not in operation.responses
        for status, response in operation.responses.items():
            assert response["description"]
            if status == "204":
                assert "content" not in response
            else:
                assert set(response["content"]) == {"application/json"}, (operation.operation_id, status)
            for header in response.get("headers", {}).values():
                jsonschema.Draft4Validator.check_schema(header["schema"])
        if operation.request_body is not None:
            assert operation.request_body["required"] is True
            schema = operation.request_body["content"]["application/json"]["schema"]
            assert schema["additionalProperties"] is False
            for status in ("400", "415", "422"):
                assert status in operation.responses, (operation.operation_id, status)
        if any(p["in"] == "query" for p in operation.parameters) or "{" in operation.path:
            assert "400" in operation.responses, operation.operation_id
    for schema in resolve(SPEC["components"]["schemas"]).values():
        jsonschema.Draft4Validator.check_schema(schema)


def test_oracle_checks_formats() -> None:
    # without these checkers the oracle would pass malformed ids and timestamps
    assert {"uuid", "date-time", "email"} <= set(FORMATS.checkers)
    assert not conforms({"type": "string", "format": "uuid"}, "not-a-uuid")
    assert not conforms({"type": "string", "format": "date-time"}, "yesterday")
    assert not conforms({"type": "number", "minimum": 0, "exclusiveMinimum": True}, 0)


# ---------------------------------------------------------------------------------------------------------------------
# BUGS.md


def test_bugs_table_parses_and_matches_the_contract() -> None:
    header = next(line for line in BUGS_PATH.read_text(encoding="utf-8").splitlines() if line.startswith("| ID"))
    assert header == "| " + " | ".join(COLUMNS) + " |"
    assert [bug.id for bug in BUGS] == [f"DT-{n:02d}" for n in range(1, 14)]
    assert {bug.issue for bug in BUGS} == set(ISSUES)
    assert {bug.operation_id for bug in BUGS} <= set(OPERATIONS)
    core = [bug for bug in BUGS if bug.issue == "core"]
    assert {bug.check for bug in core} == set(CORE_CHECKS)
    assert not {bug.check for bug in BUGS if bug.issue != "core"} & set(CORE_CHECKS)
    app_source = (DEMO_DIR / "app.py").read_text(encoding="utf-8")
    for bug in BUGS:
        assert app_source.count(f"Planted bug {bug.id}:") == 1, bug.id


def test_parse_bugs_reads_cells_and_rejects_malformed_tables() -> None:
    table = "intro\n\n| ID | Operation | Check | Issue | Description |\n|---|:---|---:|---|---|\n"
    bugs = parse_bugs(table + "| X-1 | `getHealth` | not_a_server_error | core | a \\| b |\n\nafter | x |\n")
    assert bugs == [Bug("X-1", "getHealth", "not_a_server_error", "core", "a | b")]
    with pytest.raises(BugTableError, match="no table"):
        parse_bugs("| ID | Operation | Check | Description |\n| --- | --- | --- | --- |\n")
    with pytest.raises(BugTableError, match="separator"):
        parse_bugs("| ID | Operation | Check | Issue | Description |\n| X-1 | a | b | core | c |\n")
    with pytest.raises(BugTableError, match="Issue must be one of"):
        parse_bugs(table + "| X-1 | a | b | perf | c |\n")
    with pytest.raises(BugTableError, match="expected 5 cells"):
        parse_bugs(table + "| X-1 | a | b | core |\n")
    with pytest.raises(BugTableError, match="duplicate ID X-1"):
        parse_bugs(table + "| X-1 | a | b | core | c |\n| X-1 | a | b | core | d |\n")
    with pytest.raises(BugTableError, match="must not be empty"):
        parse_bugs(table + "| X-1 |  | b | core | c |\n")
    with pytest.raises(BugTableError, match="no rows"):
        parse_bugs(table)


def test_load_bugs_reads_a_given_file(tmp_path: Path) -> None:
    path = tmp_path / "BUGS.md"
    path.write_text(
        "| ID | Operation | Check | Issue | Description |\n"
        "| --- | --- | --- | --- | --- |\n"
        "| B | o | c | stateful | d |\n"
    )
    assert load_bugs(path) == [Bug("B", "o", "c", "stateful", "d")]
    assert load_bugs() == BUGS


@dataclass(frozen=True)
class FakeFinding:
    check: str
    operation_id: str


def test_compare_splits_found_missed_and_unexpected() -> None:
    findings = [
        FakeFinding("not_a_server_error", "listProducts"),
        FakeFinding("not_a_server_error", "listProducts"),
        FakeFinding("object_level_authorization", "getOrder"),  # a security bug: not unexpected
        FakeFinding("status_code_conformance", "getHealth"),  # explained by no bug
    ]
    result = compare(BUGS, findings)
    assert [bug.id for bug in result.found] == ["DT-01"]
    assert [bug.id for bug in result.missed] == ["DT-02", "DT-03", "DT-04", "DT-05", "DT-06", "DT-07", "DT-08"]
    assert result.unexpected == (("status_code_conformance", "getHealth"),)
    security = compare(BUGS, findings, issues=("security",))
    assert [bug.id for bug in security.found] == ["DT-09"]
    every = compare(BUGS, [FakeFinding(bug.check, bug.operation_id) for bug in BUGS], issues=ISSUES)
    assert (len(every.found), every.missed, every.unexpected) == (13, (), ())
    with pytest.raises(ValueError, match="unknown issue kinds: perf"):
        compare(BUGS, [], issues=("perf",))


# ---------------------------------------------------------------------------------------------------------------------
