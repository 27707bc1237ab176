"""A target that follows its contract (clean_openapi.yaml) exactly, for false-positive tests.

Requests are validated with the independent ``jsonschema`` library against the contract's own schemas, so the app
refuses exactly what the contract forbids and accepts everything it allows.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import jsonschema
import yaml
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

SPEC: dict[str, Any] = yaml.safe_load((Path(__file__).parent / "clean_openapi.yaml").read_text())
SCHEMAS = SPEC["components"]["schemas"]


def _validator(schema: dict[str, Any]) -> jsonschema.Draft4Validator:
    resolver_root = {"components": {"schemas": SCHEMAS}, **schema}
    return jsonschema.Draft4Validator(resolver_root, format_checker=jsonschema.FormatChecker())


NEW_ITEM = _validator({"$ref": "#/components/schemas/NewItem"})
LOGIN = _validator(
    SPEC["paths"]["/login"]["post"]["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
)
TAGS = ("red", "green", "blue")


def _problem(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


class Inventory:
    def __init__(self) -> None:
        self.items: dict[int, dict[str, Any]] = {1: {"id": 1, "name": "lamp", "price": 25.0, "tags": ["red"]}}
        self.next_id = 2

    async def list_items(self, request: Request) -> Response:
        query = dict(request.query_params)
        limit_text = query.get("limit", "10")
        if not limit_text.lstrip("-").isdigit() or not 1 <= int(limit_text) <= 50:
            return _problem(400, "limit must be an integer from 1 to 50")
        tag = query.get("tag")
        if tag is not None and tag not in TAGS:
            return _problem(400, "unknown tag")
        items = [i for i in self.items.values() if tag is None or tag in i.get("tags", [])]
        return JSONResponse({"items": items[: int(limit_text)]})

    async def create_item(self, request: Request) -> Response:
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            return _problem(400, "expected application/json")
        try:
            body = json.loads(await request.body())
        except ValueError:
            return _problem(400, "body is not JSON")
        errors = [e.message for e in NEW_ITEM.iter_errors(body)]
        if errors:
            return _problem(400, "; ".join(errors)[:500])
        item = {"id": self.next_id, **body}
        self.items[self.next_id] = item
        self.next_id += 1
        return JSONResponse(item, status_code=201, headers={"Location": f"/items/{item['id']}"})

    def _item_id(self, request: Request) -> int | Response:
        raw = request.path_params["item_id"]
        if not raw.isdigit() or int(raw) < 1:
            return _problem(400, "itemId must be a positive integer")
        return int(raw)

    async def get_item(self, request: Request) -> Response:
        item_id = self._item_id(request)
        if isinstance(item_id, Response):
            return item_id
        item = self.items.get(item_id)
        return JSONResponse(item) if item else _problem(404, "no such item")

    async def delete_item(self, request: Request) -> Response:
        item_id = self._item_id(request)
        if isinstance(item_id, Response):
            return item_id
        if self.items.pop(item_id, None) is None:
            return _problem(404, "no such item")
        return Response(status_code=204)

    async def login(self, request: Request) -> Response:
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/x-www-form-urlencoded":
            return _problem(400, "expected a form")
        form = dict(parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True))
        errors = [e.message for e in LOGIN.iter_errors(form)]
        if errors:
            return _problem(400, "; ".join(errors)[:500])
        if form["password"] != "correct-horse":
            return _problem(401, "wrong credentials")
        return JSONResponse({"token": "t-" + form["username"]})

    async def ping(self, request: Request) -> Response:
        return PlainTextResponse("pong")


def create_app() -> Starlette:
    inventory = Inventory()
    return Starlette(
        routes=[
            Route("/items", inventory.list_items, methods=["GET"]),
            Route("/items", inventory.create_item, methods=["POST"]),
            Route("/items/{item_id}", inventory.get_item, methods=["GET"]),
            Route("/items/{item_id}", inventory.delete_item, methods=["DELETE"]),
            Route("/login", inventory.login, methods=["POST"]),
            Route("/ping", inventory.ping, methods=["GET"]),
        ]
    )
