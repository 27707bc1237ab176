"""Shared helpers for the demo shop tests: an in-process client and an oracle built from the contract."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import jsonschema
import yaml
from starlette.testclient import TestClient
from starlette.types import ASGIApp

from examples.demo_target.app import DEMO_ACCOUNTS, SPEC_PATH, Store
from examples.demo_target.bugs import load_bugs

REPO_ROOT = Path(__file__).resolve().parents[3]
REPO_ROOT = Path(__file__).resolve().parents[3]
DEMO_DIR = SPEC_PATH.parent
SPEC: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))

ALICE, BOB, ADMIN = DEMO_ACCOUNTS
SEED = Store.seeded()
ORDER_OF = {order.owner_id: order.id for order in SEED.orders.values()}
PRODUCT = next(iter(SEED.products.values()))
UNKNOWN_ID = "3b241101-e2bb-4255-8caf-4136c566a962"
NIL_ID = "00000000-0000-0000-0000-000000000000"

CORE_CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "positive_data_acceptance",
)
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

# ---------------------------------------------------------------------------------------------------------------------
# Client: starlette's TestClient, in process.


class Reply(Protocol):
    @property
    def status_code(self) -> int: ...

    @property
    def headers(self) -> Mapping[str, str]: ...

    @property
    def content(self) -> bytes: ...

    @property
    def text(self) -> str: ...

    def json(self) -> Any: ...


_NO_BODY = object()


class ShopClient:
    """Requests to one app instance; as alice unless ``token`` says otherwise (``None``: no Authorization)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._client = TestClient(app)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | list[tuple[str, str]] | None = None,
        json_body: Any = _NO_BODY,
        raw: bytes | None = None,
        content_type: str | None = "application/json",
        token: str | None = ALICE.token,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        query = list(params.items()) if isinstance(params, Mapping) else list(params or [])
        all_headers = dict(headers or {})
        if token is not None:
            all_headers["Authorization"] = f"Bearer {token}"
        body = b""
        if json_body is not _NO_BODY:
            body = json.dumps(json_body).encode("utf-8")
        elif raw is not None:
            body = raw
        if (json_body is not _NO_BODY or raw is not None) and content_type is not None:
            all_headers["Content-Type"] = content_type
        reply: Reply = self._client.request(
            method, path, params=[(str(k), str(v)) for k, v in query], content=body, headers=all_headers
        )
        return reply

    def get(self, path: str, **kwargs: Any) -> Reply:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Reply:
        return self.request("POST", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Reply:
        return self.request("DELETE", path, **kwargs)


# ---------------------------------------------------------------------------------------------------------------------
# The contract and an oracle built from it


def resolve(node: Any, root: Mapping[str, Any] = SPEC) -> Any:
    """``node`` with every ``$ref`` replaced by its target (the contract has no recursive schemas)."""
    if isinstance(node, dict):
        if "$ref" in node:
            target: Any = root
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            return resolve(target, root)
        return {key: resolve(value, root) for key, value in node.items()}
    if isinstance(node, list):
        return [resolve(item, root) for item in node]
    return node


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    path: str
    public: bool
    responses: dict[str, Any]
    parameters: list[dict[str, Any]]
    request_body: dict[str, Any] | None


def _operations() -> dict[str, Operation]:
    operations: dict[str, Operation] = {}
    for path, item in SPEC["paths"].items():
        shared = resolve(item.get("parameters", []))
        for method in HTTP_METHODS:
            if method not in item:
                continue
            raw = item[method]
            operations[raw["operationId"]] = Operation(
                operation_id=raw["operationId"],
                method=method.upper(),
                path=path,
                public=raw.get("security", SPEC["security"]) == [],
                responses=resolve(raw["responses"]),
                parameters=shared + resolve(raw.get("parameters", [])),
                request_body=resolve(raw["requestBody"]) if "requestBody" in raw else None,
            )
    return operations


OPERATIONS = _operations()
FORMATS = jsonschema.Draft202012Validator.FORMAT_CHECKER


def conforms(schema: Mapping[str, Any], instance: Any) -> bool:
    """OpenAPI 3.0 schemas are JSON Schema draft 4 (boolean ``exclusiveMinimum``) plus formats."""
    return bool(jsonschema.Draft4Validator(schema, format_checker=FORMATS).is_valid(instance))


def judge(operation_id: str, kind: str, reply: Reply) -> set[str]:
    """The core checks that ``reply`` fails, for a ``positive`` (valid) or ``negative`` (invalid) request.

    Positive requests may be refused with 401, 403, 404 or 409 (auth, missing resources, state), never with another
    4xx. Negative requests must not succeed. A server error fails only ``not_a_server_error``.
    """
    operation = OPERATIONS[operation_id]
    status = reply.status_code
    failed: set[str] = set()
    if status >= 500:
        failed.add("not_a_server_error")
    elif kind == "negative" and 200 <= status < 300:
        failed.add("negative_data_rejection")
    elif kind == "positive" and 400 <= status < 500 and status not in (401, 403, 404, 409):
        failed.add("positive_data_acceptance")
    documented = operation.responses.get(str(status))
    if documented is None:
        failed.add("status_code_conformance")
        return failed
    content = documented.get("content", {})
    if content:
        media_type = reply.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if media_type not in content:
            failed.add("content_type_conformance")
        schema = next(iter(content.values()))["schema"]
        try:
            body = json.loads(reply.content)
        except ValueError:
            failed.add("response_schema_conformance")
        else:
            if not conforms(schema, body):
                failed.add("response_schema_conformance")
    elif reply.content:
        failed.add("response_schema_conformance")
    for name, header in documented.get("headers", {}).items():
        value = reply.headers.get(name)
        if value is None:
            if header.get("required", False):
                failed.add("response_headers_conformance")
        elif not conforms(header["schema"], value):
            failed.add("response_headers_conformance")
    return failed


def assert_follows_contract(operation_id: str, kind: str, reply: Reply) -> None:
    assert judge(operation_id, kind, reply) == set(), (operation_id, reply.status_code, reply.text[:300])


BUGS = load_bugs()
BUG_BY_ID = {bug.id: bug for bug in BUGS}


def user_created_by_alice(client: ShopClient) -> str:
    reply = client.post("/users", json_body={"name": "Temp", "email": "temp@example.com", "age": 30})
    assert reply.status_code == 201
    return str(reply.json()["id"])


USER = {"name": "Ada", "email": "ada@example.com", "age": 36}
NEW_PRODUCT = {"name": "Lamp", "price": 25, "currency": "EUR", "category": "kitchen"}
NEW_ORDER = {"productId": PRODUCT.id, "quantity": 1}
