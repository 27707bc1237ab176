"""The demo shop: a FastAPI implementation of ``openapi.yaml``, with the bugs listed in ``BUGS.md`` planted on purpose.

Everything else follows the document exactly, so a run of Sentinel finds the planted bugs and nothing more:

- every request is parsed and validated here (no FastAPI parameter parsing or response models), so the status codes
  are the documented ones: 400 for bad parameters, unreadable JSON and a missing body, 415 for a non-JSON body,
  422 for a body that breaks its schema, 401/403/404/409 where the document says so;
- every error body is the documented ``Error`` object, served as ``application/json``, including the router's own
  404/405 and unexpected failures (500);
- state is in memory, identifiers and timestamps come from counters, so two runs with the same requests give the
  same answers.

Each planted bug is marked in the code with its ID from ``BUGS.md``.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import math
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Final, NoReturn

from fastapi import FastAPI, Request
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["DEMO_ACCOUNTS", "SPEC_PATH", "Account", "create_app"]

logger = logging.getLogger(__name__)

SPEC_PATH: Final = Path(__file__).with_name("openapi.yaml")

_ID_NAMESPACE: Final = uuid.UUID("6f0c2d4e-8a1b-5c3d-9e7f-0a1b2c3d4e5f")
_EPOCH: Final = datetime(2025, 1, 1, tzinfo=UTC)
_TOKEN_LIFETIME_S: Final = 3600

# What the release build records about itself; a source checkout has nothing here.
_BUILD_INFO: Final[Mapping[str, str]] = {}


@dataclass(frozen=True, slots=True)
class Account:
    """A fixed demo login. The same tokens are listed in ``identities.yaml`` for Sentinel."""

    username: str
    password: str
    token: str
    role: str  # user | admin
    name: str
    email: str
    age: int

    @property
    def user_id(self) -> str:
        return _stable_id("account", self.username)


DEMO_ACCOUNTS: Final = (
    Account("alice", "wonderland-42", "demo-alice-3f9c1e7b2a", "user", "Alice Liddell", "alice@example.com", 34),
    Account("bob", "builder-2024", "demo-bob-8d2e6a4c1f", "user", "Bob Builder", "bob@example.com", 41),
    Account("admin", "admin-pass-1", "demo-admin-5b7d9f3e6c", "admin", "Shop Admin", "admin@example.com", 29),
)

# ---------------------------------------------------------------------------------------------------------------------
# Errors


class ApiError(Exception):
    """An answer with the documented ``Error`` body."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        field: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.code, "message": self.message}
        if self.field is not None:
            body["details"] = [{"field": self.field, "issue": self.message}]
        return body

    def response(self, extra_headers: Mapping[str, str] | None = None) -> JSONResponse:
        return JSONResponse(self.body(), status_code=self.status, headers={**self.headers, **(extra_headers or {})})


def _bad_parameter(name: str, issue: str) -> ApiError:
    return ApiError(400, "invalid_parameter", f"{name}: {issue}", field=name)


def _invalid_body(name: str, issue: str) -> ApiError:
    return ApiError(422, "validation_failed", f"{name}: {issue}" if name else issue, field=name)


def _not_found(what: str) -> ApiError:
    return ApiError(404, "not_found", f"no {what} with this id")


class DatabaseError(Exception):
    """What the storage layer raises for a query it cannot run."""


# ---------------------------------------------------------------------------------------------------------------------
# Value checks shared by parameters and bodies

_UUID_RE: Final = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_INTEGER_RE: Final = re.compile(r"-?[0-9]+")
_NUMBER_RE: Final = re.compile(r"-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_INTEGER_DIGITS_MAX: Final = 18  # longer digit strings are out of every documented range
_USERNAME_RE: Final = re.compile(r"[a-z][a-z0-9_]*")
_TAG_RE: Final = re.compile(r"[a-z0-9-]+")
# RFC 5322 dot-atom and quoted-string local parts; characters beyond ASCII are allowed (RFC 6531).
_ATEXT: Final = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~\-\u0080-\U0010ffff]"
_DOT_ATOM_RE: Final = re.compile(rf"{_ATEXT}+(?:\.{_ATEXT}+)*")
_QUOTED_LOCAL_RE: Final = re.compile(r'"(?:[\x20\x21\x23-\x5b\x5d-\x7e\u0080-\U0010ffff]|\\[\x20-\x7e])*"')
_LABEL_CHAR: Final = r"[A-Za-z0-9\u0080-\U0010ffff]"
_DOMAIN_LABEL_RE: Final = re.compile(rf"{_LABEL_CHAR}(?:(?:{_LABEL_CHAR}|-)*{_LABEL_CHAR})?")


def is_uuid(value: str) -> bool:
    return _UUID_RE.fullmatch(value) is not None


def is_email(value: str) -> bool:
    """An addr-spec: a dot-atom or quoted local part, ``@``, and a host name or an address literal."""
    local, at, domain = value.rpartition("@")
    if not at or not local or not domain:
        return False
    if not (_DOT_ATOM_RE.fullmatch(local) or _QUOTED_LOCAL_RE.fullmatch(local)):
        return False
    if domain.startswith("[") and domain.endswith("]"):
        literal = domain[1:-1]
        if literal[:5].lower() == "ipv6:":
            literal = literal[5:]
        try:
            ipaddress.ip_address(literal)
        except ValueError:
            return False
        return True
    return all(_DOMAIN_LABEL_RE.fullmatch(label) for label in domain.split("."))


def _as_integer(value: object) -> int | None:
    """JSON integers: ``3`` and ``3.0``, never ``true``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    return None


def _as_number(value: object) -> int | float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value


# ---------------------------------------------------------------------------------------------------------------------
# Request parsing


class QueryReader:
    """Typed access to query parameters; anything invalid is a 400 naming the parameter."""

    def __init__(self, request: Request) -> None:
        self._params = request.query_params

    def _single(self, name: str) -> str | None:
        values = self._params.getlist(name)
        if not values:
            return None
        if len(values) > 1:
            raise _bad_parameter(name, "must be given once")
        return values[0]

    def integer(self, name: str, *, minimum: int, maximum: int, default: int) -> int:
        raw = self._single(name)
        if raw is None:
            return default
        if not _INTEGER_RE.fullmatch(raw):
            raise _bad_parameter(name, "must be an integer")
        if len(raw.lstrip("-")) > _INTEGER_DIGITS_MAX:
            raise _bad_parameter(name, f"must be between {minimum} and {maximum}")
        value = int(raw)
        if not minimum <= value <= maximum:
            raise _bad_parameter(name, f"must be between {minimum} and {maximum}")
        return value

    def number(self, name: str, *, minimum: float) -> float | None:
        raw = self._single(name)
        if raw is None:
            return None
        if not _NUMBER_RE.fullmatch(raw):
            raise _bad_parameter(name, "must be a number")
        value = float(raw)
        if value < minimum:
            raise _bad_parameter(name, f"must be at least {minimum:g}")
        return value

    def string(self, name: str, *, max_length: int) -> str | None:
        raw = self._single(name)
        if raw is not None and len(raw) > max_length:
            raise _bad_parameter(name, f"must be at most {max_length} characters")
        return raw

    def choice(self, name: str, choices: Iterable[str]) -> str | None:
        raw = self._single(name)
        allowed = tuple(choices)
        if raw is not None and raw not in allowed:
            raise _bad_parameter(name, f"must be one of {', '.join(allowed)}")
        return raw


def _path_uuid(request: Request, name: str) -> str:
    raw = str(request.path_params[name])
    if not is_uuid(raw):
        raise _bad_parameter(name, "must be a UUID")
    return raw.lower()


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON")


def _is_json_media_type(content_type: str) -> bool:
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or (media_type.startswith("application/") and media_type.endswith("+json"))


async def read_json_object(request: Request) -> dict[str, Any]:
    """The request body as a JSON object: 415 for another media type, 400 if absent or unreadable, 422 if not an
    object."""
    content_type = request.headers.get("content-type")
    if content_type is not None and not _is_json_media_type(content_type):
        raise ApiError(415, "unsupported_media_type", "the body must be application/json")
    raw = await request.body()
    if not raw.strip():
        raise ApiError(400, "missing_body", "a JSON request body is required")
    try:
        body = json.loads(raw, parse_constant=_reject_constant)
        # Unpaired surrogates (such as "\ud800") parse, but are no Unicode text that could be stored or answered.
        json.dumps(body, ensure_ascii=False).encode("utf-8")
    except (ValueError, RecursionError) as exc:
        raise ApiError(400, "invalid_json", "the body is not valid JSON") from exc
    if not isinstance(body, dict):
        raise _invalid_body("", "the body must be a JSON object")
    return body


class BodyReader:
    """Typed access to the fields of a JSON object body; anything invalid is a 422 naming the field."""

    def __init__(self, body: dict[str, Any]) -> None:
        self.body = body

    def reject_unknown(self, allowed: Iterable[str]) -> None:
        unknown = sorted(set(self.body) - set(allowed))
        if unknown:
            raise _invalid_body(unknown[0], "is not an allowed property")

    def _get(self, name: str, required: bool) -> object:
        if name not in self.body:
            if required:
                raise _invalid_body(name, "is required")
            return None
        return self.body[name]

    def string(
        self,
        name: str,
        *,
        required: bool,
        min_length: int = 0,
        max_length: int | None = None,
        pattern: re.Pattern[str] | None = None,
    ) -> str | None:
        value = self._get(name, required)
        if value is None and name not in self.body:
            return None
        if not isinstance(value, str):
            raise _invalid_body(name, "must be a string")
        if len(value) < min_length:
            raise _invalid_body(name, f"must be at least {min_length} characters")
        if max_length is not None and len(value) > max_length:
            raise _invalid_body(name, f"must be at most {max_length} characters")
        if pattern is not None and not pattern.fullmatch(value):
            raise _invalid_body(name, f"must match {pattern.pattern}")
        return value

    def required_string(
        self,
        name: str,
        *,
        min_length: int = 0,
        max_length: int | None = None,
        pattern: re.Pattern[str] | None = None,
    ) -> str:
        value = self.string(name, required=True, min_length=min_length, max_length=max_length, pattern=pattern)
        assert value is not None
        return value

    def choice(self, name: str, choices: Iterable[str]) -> str:
        value = self.required_string(name)
        allowed = tuple(choices)
        if value not in allowed:
            raise _invalid_body(name, f"must be one of {', '.join(allowed)}")
        return value

    def email(self, name: str, *, max_length: int) -> str:
        value = self.required_string(name, max_length=max_length)
        if not is_email(value):
            raise _invalid_body(name, "must be an email address")
        return value

    def uuid(self, name: str) -> str:
        value = self.required_string(name)
        if not is_uuid(value):
            raise _invalid_body(name, "must be a UUID")
        return value.lower()

    def integer(self, name: str, *, minimum: int | None = None, maximum: int | None = None) -> int:
        value = _as_integer(self._get(name, required=True))
        if value is None:
            raise _invalid_body(name, "must be an integer")
        if minimum is not None and value < minimum:
            raise _invalid_body(name, f"must be at least {minimum}")
        if maximum is not None and value > maximum:
            raise _invalid_body(name, f"must be at most {maximum}")
        return value

    def price(self, name: str, *, maximum: int) -> Decimal:
        value = _as_number(self._get(name, required=True))
        if value is None:
            raise _invalid_body(name, "must be a number")
        if not 0 < value <= maximum:
            raise _invalid_body(name, f"must be greater than 0 and at most {maximum}")
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)

    def optional_boolean(self, name: str, *, default: bool) -> bool:
        if name not in self.body:
            return default
        value = self.body[name]
        if not isinstance(value, bool):
            raise _invalid_body(name, "must be a boolean")
        return value

    def optional_tags(self, name: str, *, max_items: int, max_length: int) -> tuple[str, ...]:
        if name not in self.body:
            return ()
        value = self.body[name]
        if not isinstance(value, list):
            raise _invalid_body(name, "must be an array")
        if len(value) > max_items:
            raise _invalid_body(name, f"must have at most {max_items} items")
        for index, item in enumerate(value):
            if not isinstance(item, str) or not 1 <= len(item) <= max_length or not _TAG_RE.fullmatch(item):
                raise _invalid_body(f"{name}/{index}", f"must be 1 to {max_length} of a-z, 0-9 and -")
        if len(set(value)) != len(value):
            raise _invalid_body(name, "must not repeat a tag")
        return tuple(value)


# ---------------------------------------------------------------------------------------------------------------------
# State


def _stable_id(kind: str, key: str) -> str:
    return str(uuid.uuid5(_ID_NAMESPACE, f"{kind}:{key}"))


def _timestamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(slots=True)
class UserRecord:
    id: str
    name: str
    email: str
    age: int
    role: str
    marketing_opt_in: bool
    created_at: str
    created_by: str | None = None
    deleted: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "email": self.email,
            "age": self.age,
            "role": self.role,
            "marketingOptIn": self.marketing_opt_in,
            "createdAt": self.created_at,
        }


@dataclass(slots=True)
class ProductRecord:
    id: str
    name: str
    description: str
    price: Decimal
    currency: str
    category: str
    tags: tuple[str, ...]
    created_at: str

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "price": float(self.price),
            "currency": self.currency,
            "category": self.category,
            "tags": list(self.tags),
            "createdAt": self.created_at,
        }

    def to_listing_json(self) -> dict[str, Any]:
        """The catalogue listing's serialiser, which keeps decimals exact."""
        # Planted bug DT-03: prices are written as decimal strings ("12.50") where the contract has numbers.
        return {**self.to_json(), "price": str(self.price)}


@dataclass(slots=True)
class OrderRecord:
    id: str
    product_id: str
    owner_id: str
    quantity: int
    status: str
    total: Decimal
    currency: str
    note: str | None
    created_at: str

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": self.id,
            "productId": self.product_id,
            "ownerId": self.owner_id,
            "quantity": self.quantity,
            "status": self.status,
            "total": float(self.total),
            "currency": self.currency,
            "createdAt": self.created_at,
        }
        if self.note is not None:
            body["note"] = self.note
        return body


class PageSizeStats:
    """How often each page size is asked for, for capacity planning."""

    def __init__(self, largest: int) -> None:
        # Planted bug DT-01: one slot per page size 0..largest-1, so the largest documented size is out of range.
        self._counts = [0] * largest

    def record(self, size: int) -> None:
        self._counts[size] += 1


_SEED_PRODUCTS: Final = (
    ("Paper Notebook A5", "Dotted pages, lay-flat binding.", "4.50", "EUR", "books", ("paper", "stationery")),
    ("Field Guide to Birds", "Illustrated guide with 600 species.", "24.90", "EUR", "books", ("nature",)),
    ("USB-C Cable 2 m", "Braided, 100 W charging.", "12.99", "USD", "electronics", ("cable", "usb-c")),
    ("Noise-Cancelling Headphones", "Over-ear, 30 h battery.", "199.00", "USD", "electronics", ("audio",)),
    ("Mechanical Keyboard", "Tenkeyless, hot-swap switches.", "89.00", "GBP", "electronics", ("keyboard",)),
    ("Garden Hose 25 m", "Kink-free, with spray nozzle.", "34.95", "EUR", "garden", ("water",)),
    ("Pruning Shears", "Bypass blades, for branches up to 2 cm.", "18.40", "GBP", "garden", ("tools",)),
    ("Cast Iron Skillet", "26 cm, pre-seasoned.", "39.00", "EUR", "kitchen", ("cookware", "cast-iron")),
    ("Chef's Knife", "20 cm stainless steel blade.", "59.00", "USD", "kitchen", ("knives",)),
    ("Espresso Cups (set of 4)", "Porcelain, 80 ml.", "16.00", "EUR", "kitchen", ("coffee", "porcelain")),
    ("Wooden Train Set", "42 pieces, ages 3 and up.", "45.00", "GBP", "toys", ("wood", "kids")),
    ("Puzzle 1000 Pieces", "Alpine lake panorama.", "14.99", "EUR", "toys", ("puzzle",)),
)


@dataclass(slots=True)
class Store:
    """All state of one app instance. Identifiers and timestamps come from counters, so runs are repeatable."""

    users: dict[str, UserRecord] = field(default_factory=dict)
    products: dict[str, ProductRecord] = field(default_factory=dict)
    orders: dict[str, OrderRecord] = field(default_factory=dict)
    tokens: dict[str, Account] = field(default_factory=dict)
    page_sizes: PageSizeStats = field(default_factory=lambda: PageSizeStats(PRODUCT_PAGE_MAX))
    _ticks: int = 0
    _serial: dict[str, int] = field(default_factory=dict)

    def now(self) -> str:
        self._ticks += 1
        return _timestamp(_EPOCH + timedelta(seconds=self._ticks))

    def new_id(self, kind: str) -> str:
        serial = self._serial.get(kind, 0) + 1
        self._serial[kind] = serial
        return _stable_id(kind, str(serial))

    @classmethod
    def seeded(cls) -> Store:
        store = cls()
        for account in DEMO_ACCOUNTS:
            store.tokens[account.token] = account
            store.users[account.user_id] = UserRecord(
                id=account.user_id,
                name=account.name,
                email=account.email,
                age=account.age,
                role=account.role,
                marketing_opt_in=False,
                created_at=store.now(),
            )
        for name, description, price, currency, category, tags in _SEED_PRODUCTS:
            product_id = store.new_id("product")
            store.products[product_id] = ProductRecord(
                product_id, name, description, Decimal(price), currency, category, tags, store.now()
            )
        first_products = list(store.products.values())
        for account, product, quantity in zip(DEMO_ACCOUNTS, first_products, (2, 1, 3), strict=False):
            order_id = store.new_id("order")
            store.orders[order_id] = OrderRecord(
                id=order_id,
                product_id=product.id,
                owner_id=account.user_id,
                quantity=quantity,
                status="pending",
                total=product.price * quantity,
                currency=product.currency,
                note=None,
                created_at=store.now(),
            )
        return store


# ---------------------------------------------------------------------------------------------------------------------
# Limits of the contract

PRODUCT_PAGE_MAX: Final = 100
PRODUCT_OFFSET_MAX: Final = 10_000
PRODUCT_NAME_MAX: Final = 80
PRODUCT_NAME_COLUMN_BYTES: Final = 64
PRODUCT_DESCRIPTION_MAX: Final = 500
PRODUCT_PRICE_MAX: Final = 100_000
QUERY_MAX: Final = 50
USER_PAGE_MAX: Final = 50
USER_OFFSET_MAX: Final = 1000
USER_NAME_MAX: Final = 50
USER_AGE_MIN: Final = 13
USER_AGE_MAX: Final = 120
EMAIL_MAX: Final = 254
ORDER_PAGE_MAX: Final = 50
ORDER_QUANTITY_MAX: Final = 10
ORDER_NOTE_MAX: Final = 200
CATEGORIES: Final = ("books", "electronics", "garden", "kitchen", "toys")
CURRENCIES: Final = ("EUR", "USD", "GBP")
ORDER_STATUSES: Final = ("pending", "cancelled")
PRODUCT_SORTS: Final = ("name", "price_asc", "price_desc")
TAGS_MAX: Final = 5
TAG_MAX: Final = 20


# ---------------------------------------------------------------------------------------------------------------------
# Operations


class Shop:
    """The route functions, one per ``operationId``, over one :class:`Store`."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # -- helpers -----------------------------------------------------------------------------------------------------

    def authenticate(self, request: Request) -> Account:
        scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
        account = self.store.tokens.get(credentials.strip()) if scheme.lower() == "bearer" else None
        if account is None:
            raise ApiError(
                401,
                "unauthorized",
                "a valid bearer token is required",
                headers={"WWW-Authenticate": 'Bearer realm="demo-shop"'},
            )
        return account

    def _live_user(self, user_id: str) -> UserRecord:
        user = self.store.users.get(user_id)
        if user is None or user.deleted:
            raise _not_found("user")
        return user

    def _lookup_user_row(self, raw_id: str) -> UserRecord | None:
        """The user row for ``raw_id``, as the storage layer looks it up."""
        query = f"SELECT id, name, email, age, role, created_at FROM users WHERE id = '{raw_id}'"
        if not is_uuid(raw_id):
            raise DatabaseError(f'invalid input syntax for type uuid: "{raw_id}"\nLINE 1: {query}')
        return self.store.users.get(raw_id.lower())

    def _own_order(self, request: Request, caller: Account) -> OrderRecord:
        order = self.store.orders.get(_path_uuid(request, "orderId"))
        if order is None or order.owner_id != caller.user_id:
            raise _not_found("order")
        return order

    # -- health and auth ---------------------------------------------------------------------------------------------

    async def get_health(self, request: Request) -> Response:
        # Planted bug DT-02: "version" is required by the contract but only present in release builds.
        return JSONResponse({"status": "ok", **_BUILD_INFO})

    async def create_token(self, request: Request) -> Response:
        fields = BodyReader(await read_json_object(request))
        fields.reject_unknown(("username", "password"))
        username = fields.required_string("username", min_length=1, max_length=32, pattern=_USERNAME_RE)
        password = fields.required_string("password", min_length=8, max_length=128)
        account = next((a for a in DEMO_ACCOUNTS if a.username == username), None)
        if account is None or not hmac.compare_digest(account.password.encode("utf-8"), password.encode("utf-8")):
            raise ApiError(
                401,
                "invalid_credentials",
                "unknown username or wrong password",
                headers={"WWW-Authenticate": 'Bearer realm="demo-shop"'},
            )
        return JSONResponse({"accessToken": account.token, "tokenType": "bearer", "expiresIn": _TOKEN_LIFETIME_S})

    # -- users -------------------------------------------------------------------------------------------------------

    async def list_users(self, request: Request) -> Response:
        self.authenticate(request)
        query = QueryReader(request)
        limit = query.integer("limit", minimum=1, maximum=USER_PAGE_MAX, default=20)
        offset = query.integer("offset", minimum=0, maximum=USER_OFFSET_MAX, default=0)
        live = [user for user in self.store.users.values() if not user.deleted]
        page = live[offset : offset + limit]
        if not page:
            # Planted bug DT-04: an empty page answers 204, which the contract does not list.
            return Response(status_code=204)
        return JSONResponse(
            {"items": [user.to_json() for user in page], "total": len(live), "limit": limit, "offset": offset}
        )

    async def create_user(self, request: Request) -> Response:
        caller = self.authenticate(request)
        fields = BodyReader(await read_json_object(request))
        # Planted bug DT-05: unknown properties are ignored rather than rejected, and "age" has no upper bound.
        name = fields.required_string("name", min_length=1, max_length=USER_NAME_MAX)
        email = fields.email("email", max_length=EMAIL_MAX)
        age = fields.integer("age", minimum=USER_AGE_MIN)
        marketing_opt_in = fields.optional_boolean("marketingOptIn", default=False)
        user = UserRecord(
            id=self.store.new_id("user"),
            name=name,
            email=email,
            age=age,
            role="user",
            marketing_opt_in=marketing_opt_in,
            created_at=self.store.now(),
            created_by=caller.user_id,
        )
        self.store.users[user.id] = user
        return JSONResponse(user.to_json(), status_code=201)

    async def get_user(self, request: Request) -> Response:
        self.authenticate(request)
        try:
            user = self._lookup_user_row(str(request.path_params["userId"]))
        except DatabaseError as exc:
            # Planted bug DT-11: the storage error, query text included, is passed on to the client.
            raise ApiError(400, "invalid_parameter", f"database error: {exc}", field="userId") from exc
        # Planted bug DT-12: deleted users are still served; the "deleted" flag is not checked here.
        if user is None:
            raise _not_found("user")
        return JSONResponse(user.to_json())

    async def delete_user(self, request: Request) -> Response:
        caller = self.authenticate(request)
        user = self._live_user(_path_uuid(request, "userId"))
        if caller.role != "admin" and user.created_by != caller.user_id:
            raise ApiError(403, "forbidden", "only the creator of a user or an admin may delete it")
        user.deleted = True
        return Response(status_code=204)

    # -- products ----------------------------------------------------------------------------------------------------

    async def list_products(self, request: Request) -> Response:
        query = QueryReader(request)
        limit = query.integer("limit", minimum=1, maximum=PRODUCT_PAGE_MAX, default=20)
        self.store.page_sizes.record(limit)
        offset = query.integer("offset", minimum=0, maximum=PRODUCT_OFFSET_MAX, default=0)
        text = query.string("q", max_length=QUERY_MAX)
        category = query.choice("category", CATEGORIES)
        min_price = query.number("minPrice", minimum=0)
        max_price = query.number("maxPrice", minimum=0)
        sort = query.choice("sort", PRODUCT_SORTS) or "name"

        needle = (text or "").casefold()
        matches = [
            product
            for product in self.store.products.values()
            if needle in product.name.casefold() or needle in product.description.casefold()
        ]
        if category is not None:
            matches = [product for product in matches if product.category == category]
        if min_price is not None:
            matches = [product for product in matches if product.price >= Decimal(repr(min_price))]
        if max_price is not None:
            matches = [product for product in matches if product.price <= Decimal(repr(max_price))]
        if sort == "name":
            matches.sort(key=lambda product: (product.name.casefold(), product.id))
        else:
            matches.sort(key=lambda product: (product.price, product.name.casefold()), reverse=sort == "price_desc")
        page = matches[offset : offset + limit]
        return JSONResponse(
            {
                "items": [product.to_listing_json() for product in page],
                "total": len(matches),
                "limit": limit,
                "offset": offset,
            }
        )

    async def create_product(self, request: Request) -> Response:
        self.authenticate(request)
        fields = BodyReader(await read_json_object(request))
        fields.reject_unknown(("name", "description", "price", "currency", "category", "tags"))
        # Planted bug DT-07: the name is also measured in UTF-8 bytes against the storage column (64 bytes), so
        # valid names of 65 to 80 characters, or shorter ones with non-ASCII characters, are rejected.
        name = fields.required_string("name", min_length=1, max_length=PRODUCT_NAME_MAX)
        if len(name.encode("utf-8")) > PRODUCT_NAME_COLUMN_BYTES:
            raise _invalid_body("name", f"must be at most {PRODUCT_NAME_COLUMN_BYTES} characters")
        description = fields.string("description", required=False, max_length=PRODUCT_DESCRIPTION_MAX) or ""
        price = fields.price("price", maximum=PRODUCT_PRICE_MAX)
        currency = fields.choice("currency", CURRENCIES)
        category = fields.choice("category", CATEGORIES)
        tags = fields.optional_tags("tags", max_items=TAGS_MAX, max_length=TAG_MAX)
        product = ProductRecord(
            id=self.store.new_id("product"),
            name=name,
            description=description,
            price=price,
            currency=currency,
            category=category,
            tags=tags,
            created_at=self.store.now(),
        )
        self.store.products[product.id] = product
        return JSONResponse(product.to_json(), status_code=201)

    async def get_product(self, request: Request) -> Response:
        try:
            product = self.store.products.get(_path_uuid(request, "productId"))
            if product is None:
                raise _not_found("product")
        except ApiError as exc:
            # Planted bug DT-06: the catalogue's errors (400, 404) are JSON, but they are sent as text/plain.
            return PlainTextResponse(json.dumps(exc.body()), status_code=exc.status)
        return JSONResponse(product.to_json())

    # -- orders ------------------------------------------------------------------------------------------------------

    async def list_orders(self, request: Request) -> Response:
        caller = self.authenticate(request)
        query = QueryReader(request)
        limit = query.integer("limit", minimum=1, maximum=ORDER_PAGE_MAX, default=20)
        status = query.choice("status", ORDER_STATUSES)
        mine = [
            order
            for order in self.store.orders.values()
            if order.owner_id == caller.user_id and (status is None or order.status == status)
        ]
        return JSONResponse({"items": [order.to_json() for order in mine[:limit]], "total": len(mine)})

    async def create_order(self, request: Request) -> Response:
        caller = self.authenticate(request)
        try:
            fields = BodyReader(await read_json_object(request))
            fields.reject_unknown(("productId", "quantity", "note"))
            product_id = fields.uuid("productId")
            quantity = fields.integer("quantity", minimum=1, maximum=ORDER_QUANTITY_MAX)
            note = fields.string("note", required=False, max_length=ORDER_NOTE_MAX)
        except ApiError as exc:
            # Planted bug DT-08: only rejected requests get an X-Request-Id; the 201 and 404 answers below have none.
            return exc.response({"X-Request-Id": self.store.new_id("request")})
        product = self.store.products.get(product_id)
        if product is None:
            raise _not_found("product")
        order = OrderRecord(
            id=self.store.new_id("order"),
            product_id=product.id,
            owner_id=caller.user_id,
            quantity=quantity,
            status="pending",
            total=product.price * quantity,
            currency=product.currency,
            note=note,
            created_at=self.store.now(),
        )
        self.store.orders[order.id] = order
        return JSONResponse(order.to_json(), status_code=201)

    async def get_order(self, request: Request) -> Response:
        self.authenticate(request)
        # Planted bug DT-09: the order is looked up by id alone; its owner is never compared with the caller.
        order = self.store.orders.get(_path_uuid(request, "orderId"))
        if order is None:
            raise _not_found("order")
        return JSONResponse(order.to_json())

    async def cancel_order(self, request: Request) -> Response:
        caller = self.authenticate(request)
        order = self._own_order(request, caller)
        # Planted bug DT-13: a cancelled order is cancelled again (200) instead of answering 409.
        order.status = "cancelled"
        return JSONResponse(order.to_json())

    # -- admin -------------------------------------------------------------------------------------------------------

    async def admin_list_users(self, request: Request) -> Response:
        # Planted bug DT-10: any authenticated caller gets through; the admin role is never checked.
        self.authenticate(request)
        users = list(self.store.users.values())
        return JSONResponse(
            {"items": [{**user.to_json(), "deleted": user.deleted} for user in users], "total": len(users)}
        )


# ---------------------------------------------------------------------------------------------------------------------
# Application


class _UnexpectedErrorGuard:
    """Answers an unexpected exception with the documented 500 ``Error`` body instead of a plain-text page."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            if started:
                raise
            logger.warning("%s on %s %s: %s", type(exc).__name__, scope["method"], scope["path"], exc)
            response = JSONResponse({"error": "internal_error", "message": "an unexpected error occurred"}, 500)
            await response(scope, receive, send)


_HTTP_ERROR_CODES: Final = {404: "not_found", 405: "method_not_allowed"}


async def _api_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return exc.response()


async def _http_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_ERROR_CODES.get(exc.status_code, "http_error")
    message = "no such endpoint" if exc.status_code == 404 else str(exc.detail)
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = ", ".join(_allowed_methods(request))
    return JSONResponse({"error": code, "message": message}, status_code=exc.status_code, headers=headers)


def _allowed_methods(request: Request) -> list[str]:
    """Every method routed for the request's path (the router alone names only the first route's)."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        if isinstance(route, APIRoute) and route.path_regex.fullmatch(request.url.path):
            methods.update(route.methods or ())
    return sorted(methods)


def create_app(store: Store | None = None) -> FastAPI:
    """The demo shop as an ASGI app, with fresh seeded state unless ``store`` is given.

    FastAPI's own documentation routes are off; ``GET /openapi.yaml`` serves the hand-written contract.
    """
    shop = Shop(store if store is not None else Store.seeded())
    spec = SPEC_PATH.read_bytes()
    app = FastAPI(
        title="Sentinel Demo Shop",
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        redirect_slashes=False,
        exception_handlers={ApiError: _api_error_handler, StarletteHTTPException: _http_error_handler},
    )
    app.add_middleware(_UnexpectedErrorGuard)

    async def openapi_document(request: Request) -> Response:
        return Response(spec, media_type="application/yaml")

    routes: tuple[tuple[str, str, Any], ...] = (
        ("GET", "/openapi.yaml", openapi_document),
        ("GET", "/health", shop.get_health),
        ("POST", "/auth/token", shop.create_token),
        ("GET", "/users", shop.list_users),
        ("POST", "/users", shop.create_user),
        ("GET", "/users/{userId}", shop.get_user),
        ("DELETE", "/users/{userId}", shop.delete_user),
        ("GET", "/products", shop.list_products),
        ("POST", "/products", shop.create_product),
        ("GET", "/products/{productId}", shop.get_product),
        ("GET", "/orders", shop.list_orders),
        ("POST", "/orders", shop.create_order),
        ("GET", "/orders/{orderId}", shop.get_order),
        ("POST", "/orders/{orderId}/cancel", shop.cancel_order),
        ("GET", "/admin/users", shop.admin_list_users),
    )
    for method, path, endpoint in routes:
        app.add_api_route(path, endpoint, methods=[method], include_in_schema=False)
    app.state.shop = shop
    return app
