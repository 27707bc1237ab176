"""The library: a FastAPI implementation of ``openapi.yaml`` (OpenAPI 3.1), with the bugs in ``BUGS.md`` planted.

Everything else follows the document: requests are validated here (400 for parameters, unreadable JSON and a missing
body, 415 for another media type, 422 for a body that breaks its schema), writes need the ``X-API-Key`` header, and
every error, the router's 404/405 and unexpected failures (500) included, is the documented ``Error`` object. State is
in memory and seeded; timestamps come from a counter, so the same requests give the same answers on every start.

Each planted bug is marked in the code with its ID from ``BUGS.md``.
"""

from __future__ import annotations

import hmac
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final, NoReturn

from fastapi import FastAPI, Request
from starlette.responses import JSONResponse, Response

from examples.serving import ApiError, Route, build_app

__all__ = ["API_KEY", "SPEC_PATH", "Library", "create_app"]


SPEC_PATH: Final = Path(__file__).with_name("openapi.yaml")
API_KEY: Final = "library-key-7c1e4a9d"  # the one key of this example; also in identities.yaml
_EPOCH: Final = datetime(2025, 3, 1, tzinfo=UTC)
_ISBN_RE: Final = re.compile(r"97[89][0-9]{10}")
_INTEGER_RE: Final = re.compile(r"-?[0-9]{1,18}")
PAGE_MAX: Final = 50
OFFSET_MAX: Final = 1000
LOAN_ID_MAX: Final = 1_000_000


def _bad_parameter(name: str, issue: str) -> ApiError:
    return ApiError(400, "invalid_parameter", f"{name}: {issue}")


def _invalid(name: str, issue: str) -> ApiError:
    return ApiError(422, "validation_failed", f"{name}: {issue}")


# ---------------------------------------------------------------------------------------------------------------------
# Request parsing


def _query_integer(request: Request, name: str, *, minimum: int, maximum: int, default: int) -> int:
    values = request.query_params.getlist(name)
    if not values:
        return default
    if len(values) > 1 or not _INTEGER_RE.fullmatch(values[0]) or not minimum <= int(values[0]) <= maximum:
        raise _bad_parameter(name, f"must be one integer from {minimum} to {maximum}")
    return int(values[0])


def _path_isbn(request: Request) -> str:
    isbn = str(request.path_params["isbn"])
    if not _ISBN_RE.fullmatch(isbn):
        raise _bad_parameter("isbn", "must be 13 digits starting 978 or 979")
    return isbn


def _path_loan_id(request: Request) -> int:
    raw = str(request.path_params["loanId"])
    if not _INTEGER_RE.fullmatch(raw) or not 1 <= int(raw) <= LOAN_ID_MAX:
        raise _bad_parameter("loanId", f"must be an integer from 1 to {LOAN_ID_MAX}")
    return int(raw)


async def _json_object(request: Request) -> dict[str, Any]:
    media_type = request.headers.get("content-type", "application/json").split(";", 1)[0].strip().lower()
    if media_type != "application/json":
        raise ApiError(415, "unsupported_media_type", "the body must be application/json")
    raw = await request.body()
    if not raw.strip():
        raise ApiError(400, "missing_body", "a JSON request body is required")
    try:
        body = json.loads(raw, parse_constant=_reject)
        json.dumps(body, ensure_ascii=False).encode("utf-8")  # unpaired surrogates parse but cannot be stored
    except (ValueError, RecursionError) as exc:
        raise ApiError(400, "invalid_json", "the body is not valid JSON") from exc
    if not isinstance(body, dict):
        raise _invalid("body", "must be a JSON object")
    return body


def _reject(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON")


@dataclass(frozen=True, slots=True)
class _Fields:
    """Typed access to the members of a JSON object body; anything invalid is a 422 naming the member."""

    body: dict[str, Any]

    def only(self, *allowed: str) -> None:
        unknown = sorted(set(self.body) - set(allowed))
        if unknown:
            raise _invalid(unknown[0], "is not an allowed property")

    def text(self, name: str, *, max_length: int) -> str:
        value = self.body.get(name)
        if not isinstance(value, str) or not 1 <= len(value) <= max_length:
            raise _invalid(name, f"must be a string of 1 to {max_length} characters")
        return value

    def subtitle(self) -> str | None:
        """``type: [string, "null"]``: absent and null are both no subtitle."""
        value = self.body.get("subtitle")
        if value is not None and (not isinstance(value, str) or len(value) > 200):
            raise _invalid("subtitle", "must be null or a string of at most 200 characters")
        return value

    def isbn(self) -> str:
        value = self.body.get("isbn")
        if not isinstance(value, str) or not _ISBN_RE.fullmatch(value):
            raise _invalid("isbn", "must be 13 digits starting 978 or 979")
        return value

    def integer(self, name: str, *, minimum: int, maximum: int, default: int | None = None) -> int:
        value = self.body.get(name, default)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
            raise _invalid(name, f"must be an integer from {minimum} to {maximum}")
        return value


# ---------------------------------------------------------------------------------------------------------------------
# State


@dataclass(slots=True)
class Book:
    isbn: str
    title: str
    subtitle: str | None
    author: str
    year: int
    on_loan: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "isbn": self.isbn,
            "title": self.title,
            "subtitle": self.subtitle,
            "author": self.author,
            "year": self.year,
            "available": not self.on_loan,
        }

    def to_listing_json(self) -> dict[str, Any]:
        # Planted bug LB-02: the listing drops null members, so books without a subtitle have no "subtitle" at all,
        # where the contract requires it (null when there is none).
        return {key: value for key, value in self.to_json().items() if value is not None}


@dataclass(slots=True)
class Loan:
    id: int
    isbn: str
    borrower: str
    borrowed_at: str
    due_at: str
    returned_at: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "isbn": self.isbn,
            "borrower": self.borrower,
            "borrowedAt": self.borrowed_at,
            "dueAt": self.due_at,
            "returnedAt": self.returned_at,
        }


_SEED_BOOKS: Final = (
    ("9780141439518", "Pride and Prejudice", None, "Jane Austen", 1813),
    ("9780141439600", "A Tale of Two Cities", None, "Charles Dickens", 1859),
    ("9780143105428", "Frankenstein", "or, The Modern Prometheus", "Mary Shelley", 1818),
    ("9780199536566", "Middlemarch", "A Study of Provincial Life", "George Eliot", 1871),
    ("9780486282114", "The Time Machine", None, "H. G. Wells", 1895),
    ("9780553213119", "Moby-Dick", "or, The Whale", "Herman Melville", 1851),
    ("9780140449174", "Les Misérables", None, "Victor Hugo", 1862),
    ("9780393972832", "Leviathan", None, "Thomas Hobbes", 1651),
)


def _isbn10(isbn: str) -> str:
    """The ISBN-10 form of a 978 ISBN-13, as the legacy catalogue indexes books."""
    if not isbn.startswith("978"):
        raise ValueError(f"{isbn} has no ISBN-10 form")
    core = isbn[3:12]
    check = (11 - sum((10 - i) * int(digit) for i, digit in enumerate(core)) % 11) % 11
    return core + ("X" if check == 10 else str(check))


@dataclass(slots=True)
class Library:
    """All state of one app instance, and the route functions (one per operationId)."""

    books: dict[str, Book] = field(default_factory=dict)
    loans: dict[int, Loan] = field(default_factory=dict)
    legacy_index: dict[str, str] = field(default_factory=dict)
    _ticks: int = 0

    @classmethod
    def seeded(cls) -> Library:
        library = cls()
        for isbn, title, subtitle, author, year in _SEED_BOOKS:
            library.books[isbn] = Book(isbn, title, subtitle, author, year)
            library.legacy_index[_isbn10(isbn)] = isbn
        library._lend(library.books["9780143105428"], "Ada Lovelace", 14)
        return library

    def _now(self, *, days: int = 0) -> str:
        """The next tick of the clock (plus ``days``), so that timestamps are the same on every run."""
        self._ticks += 1
        return (_EPOCH + timedelta(seconds=self._ticks, days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")

    def _lend(self, book: Book, borrower: str, days: int) -> Loan:
        loan = Loan(len(self.loans) + 1, book.isbn, borrower, self._now(), self._now(days=days))
        self.loans[loan.id] = loan
        book.on_loan = True
        return loan

    def _book(self, isbn: str) -> Book:
        book = self.books.get(isbn)
        if book is None:
            raise ApiError(404, "not_found", "no book with this ISBN")
        return book

    @staticmethod
    def authenticate(request: Request) -> None:
        if not hmac.compare_digest(request.headers.get("x-api-key", "").encode(), API_KEY.encode()):
            raise ApiError(401, "unauthorized", "a valid X-API-Key header is required")

    async def list_books(self, request: Request) -> Response:
        limit = _query_integer(request, "limit", minimum=1, maximum=PAGE_MAX, default=20)
        offset = _query_integer(request, "offset", minimum=0, maximum=OFFSET_MAX, default=0)
        authors = request.query_params.getlist("author")
        if len(authors) > 1 or (authors and not 1 <= len(authors[0]) <= 100):
            raise _bad_parameter("author", "must be given once, 1 to 100 characters")
        needle = authors[0].casefold() if authors else ""
        matches = sorted((b for b in self.books.values() if needle in b.author.casefold()), key=lambda b: b.isbn)
        page = [book.to_listing_json() for book in matches[offset : offset + limit]]
        return JSONResponse({"items": page, "total": len(matches), "limit": limit, "offset": offset})

    @staticmethod
    def _details(fields: _Fields) -> tuple[str, str | None, str, int]:
        """Title, subtitle, author and year, as ``BookDetails`` and ``NewBook`` have them."""
        title, subtitle = fields.text("title", max_length=200), fields.subtitle()
        return (
            title,
            subtitle,
            fields.text("author", max_length=100),
            fields.integer("year", minimum=1450, maximum=2100),
        )

    async def create_book(self, request: Request) -> Response:
        self.authenticate(request)
        fields = _Fields(await _json_object(request))
        fields.only("isbn", "title", "subtitle", "author", "year")
        book = Book(fields.isbn(), *self._details(fields))
        if book.isbn in self.books:
            raise ApiError(409, "conflict", "a book with this ISBN exists")
        # Planted bug LB-01: 979 ISBNs have no ISBN-10, so indexing them raises and the request answers 500.
        self.legacy_index[_isbn10(book.isbn)] = book.isbn
        self.books[book.isbn] = book
        return JSONResponse(book.to_json(), status_code=201)

    async def get_book(self, request: Request) -> Response:
        return JSONResponse(self._book(_path_isbn(request)).to_json())

    async def update_book(self, request: Request) -> Response:
        self.authenticate(request)
        isbn = _path_isbn(request)
        fields = _Fields(await _json_object(request))
        fields.only("title", "subtitle", "author", "year")
        details = self._details(fields)
        book = self._book(isbn)
        book.title, book.subtitle, book.author, book.year = details
        return JSONResponse(book.to_json())

    async def delete_book(self, request: Request) -> Response:
        self.authenticate(request)
        book = self._book(_path_isbn(request))
        if book.on_loan:
            raise ApiError(409, "conflict", "the book is on loan")
        del self.books[book.isbn]
        return Response(status_code=204)

    async def create_loan(self, request: Request) -> Response:
        self.authenticate(request)
        fields = _Fields(await _json_object(request))
        fields.only("isbn", "borrower", "days")
        isbn = fields.isbn()
        borrower = fields.text("borrower", max_length=64)
        days = fields.integer("days", minimum=1, maximum=28, default=14)
        book = self._book(isbn)
        if book.on_loan:
            raise ApiError(409, "conflict", "the book is on loan")
        return JSONResponse(self._lend(book, borrower, days).to_json(), status_code=201)

    async def return_loan(self, request: Request) -> Response:
        self.authenticate(request)
        loan = self.loans.get(_path_loan_id(request))
        if loan is None:
            raise ApiError(404, "not_found", "no loan with this id")
        if loan.returned_at is not None:
            raise ApiError(409, "conflict", "the loan is already returned")
        loan.returned_at = self._now()
        if loan.isbn in self.books:
            self.books[loan.isbn].on_loan = False
        return JSONResponse(loan.to_json())


# ---------------------------------------------------------------------------------------------------------------------
# Application


def create_app(library: Library | None = None) -> FastAPI:
    """The library as an ASGI app, with fresh seeded state unless ``library`` is given. ``GET /openapi.yaml``
    serves the contract; FastAPI's own documentation routes are off."""
    state = library if library is not None else Library.seeded()
    routes: tuple[Route, ...] = (
        ("GET", "/books", state.list_books),
        ("POST", "/books", state.create_book),
        ("GET", "/books/{isbn}", state.get_book),
        ("PUT", "/books/{isbn}", state.update_book),
        ("DELETE", "/books/{isbn}", state.delete_book),
        ("POST", "/loans", state.create_loan),
        ("DELETE", "/loans/{loanId}", state.return_loan),
    )
    app = build_app("Sentinel Example Library", SPEC_PATH, routes)
    app.state.library = state
    return app
