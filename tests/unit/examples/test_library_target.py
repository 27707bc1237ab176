"""The library example target: its contract as served, each planted bug of its BUGS.md, and the correct paths."""

from __future__ import annotations

from typing import Any

import openapi_spec_validator
import pytest
import yaml
from starlette.testclient import TestClient

from agent_core.loading import load_spec_bytes
from agent_core.native import ApiSpec
from examples.demo_target.bugs import load_bugs
from examples.library_target import __main__ as library_main
from examples.library_target.app import API_KEY, SPEC_PATH, create_app

KEY = {"X-API-Key": API_KEY}
BUGS_PATH = SPEC_PATH.with_name("BUGS.md")
SPEC = load_spec_bytes(SPEC_PATH.read_bytes(), "openapi.yaml", base_path=SPEC_PATH)
NEW_BOOK = {"isbn": "9780262510875", "title": "Structure and Interpretation", "author": "Abelson", "year": 1985}
FRANKENSTEIN = "9780143105428"  # seeded, with a subtitle, on loan (loan 1)
PRIDE = "9780141439518"  # seeded, without a subtitle


@pytest.fixture
def client() -> TestClient:
    return TestClient(create_app())


def violations(spec: ApiSpec, operation_id: str, status: int, body: Any) -> list[str]:
    """How ``body`` breaks the schema documented for ``status``, judged by Sentinel's own validator."""
    response = spec.operation(operation_id).response_for(status)
    assert response is not None, (operation_id, status)
    schema = response.content[0].schema
    assert schema is not None
    return [f"{v.instance_pointer}: {v.keyword}" for v in spec.validate(schema, body)]


def assert_conforms(operation_id: str, reply: Any) -> None:
    assert reply.headers["content-type"] == "application/json", reply.text
    assert violations(SPEC, operation_id, reply.status_code, reply.json()) == [], reply.text


# The contract


def test_contract_is_served_as_written_and_loads(client: TestClient) -> None:
    reply = client.get("/openapi.yaml")
    assert reply.status_code == 200
    assert reply.headers["content-type"] == "application/yaml"
    assert reply.content == SPEC_PATH.read_bytes()
    served = load_spec_bytes(reply.content, "openapi.yaml")
    assert (served.version, served.title, served.warnings) == ("3.1.0", "Sentinel Example Library", ())
    assert {op.operation_id for op in served.operations} == {
        "listBooks",
        "createBook",
        "getBook",
        "updateBook",
        "deleteBook",
        "createLoan",
        "returnLoan",
    }
    assert served.security_schemes["apiKey"].param_name == "X-API-Key"
    document = yaml.safe_load(reply.content)
    openapi_spec_validator.validate(document)
    assert document["components"]["schemas"]["Book"]["properties"]["subtitle"]["type"] == ["string", "null"]
    for path in ("/docs", "/openapi.json"):
        assert client.get(path).status_code == 404


def test_bugs_table_names_real_operations_and_marks_the_code() -> None:
    bugs = load_bugs(BUGS_PATH)
    assert [(bug.id, bug.operation_id, bug.check, bug.issue) for bug in bugs] == [
        ("LB-01", "createBook", "not_a_server_error", "core"),
        ("LB-02", "listBooks", "response_schema_conformance", "core"),
    ]
    source = SPEC_PATH.with_name("app.py").read_text(encoding="utf-8")
    for bug in bugs:
        assert source.count(f"Planted bug {bug.id}:") == 1, bug.id


# The planted bugs


def test_lb01_a_979_isbn_answers_500(client: TestClient) -> None:
    reply = client.post("/books", json={**NEW_BOOK, "isbn": "9791032705254"}, headers=KEY)
    assert reply.status_code == 500
    assert reply.json() == {"error": "internal_error", "message": "an unexpected error occurred"}
    assert_conforms("createBook", reply)
    assert client.get("/books/9791032705254").status_code == 404  # nothing was stored
    # the body is checked first, and 978 ISBNs work
    assert client.post("/books", json={**NEW_BOOK, "isbn": "9791032705254", "year": 1}, headers=KEY).status_code == 422
    assert client.post("/books", json={**NEW_BOOK, "isbn": "9790000000001"}, headers={}).status_code == 401
    assert client.post("/books", json={**NEW_BOOK, "isbn": "9780262510875"}, headers=KEY).status_code == 201


def test_lb02_the_listing_drops_null_subtitles(client: TestClient) -> None:
    reply = client.get("/books")
    assert reply.status_code == 200
    items = reply.json()["items"]
    assert sum("subtitle" not in item for item in items) == 5
    assert violations(SPEC, "listBooks", 200, reply.json()) == [
        f"/items/{i}: required" for i, item in enumerate(items) if "subtitle" not in item
    ]
    single = client.get(f"/books/{PRIDE}")
    assert single.json()["subtitle"] is None
    assert_conforms("getBook", single)


# The correct paths


def test_writes_need_the_api_key_and_reads_do_not(client: TestClient) -> None:
    writes = [
        ("POST", "/books", NEW_BOOK),
        ("PUT", f"/books/{PRIDE}", {"title": "t", "author": "a", "year": 2000}),
        ("DELETE", f"/books/{PRIDE}", None),
        ("POST", "/loans", {"isbn": PRIDE, "borrower": "Bo"}),
        ("DELETE", "/loans/1", None),
    ]
    for method, path, body in writes:
        for headers in ({}, {"X-API-Key": "wrong"}, {"Authorization": f"Bearer {API_KEY}"}):
            reply = client.request(method, path, json=body, headers=headers)
            assert reply.status_code == 401, (method, path, headers)
            assert reply.json()["error"] == "unauthorized"
    assert client.get(f"/books/{PRIDE}").status_code == 200
    assert client.get("/books", headers={"X-API-Key": "wrong"}).status_code == 200


def test_list_books_pages_filters_and_checks_its_bounds(client: TestClient) -> None:
    def isbns(**params: Any) -> list[str]:
        return [item["isbn"] for item in client.get("/books", params=params).json()["items"]]

    everything = isbns()
    assert len(everything) == 8
    assert everything == sorted(everything)
    assert isbns(limit=2, offset=1) == everything[1:3]
    assert isbns(limit=50, offset=1000) == []
    assert isbns(author="SHELLEY") == [FRANKENSTEIN]
    page = client.get("/books", params={"limit": 3, "offset": 6}).json()
    assert (page["total"], page["limit"], page["offset"], len(page["items"])) == (8, 3, 6, 2)
    bad: list[dict[str, str | int]] = [{"limit": 0}, {"limit": 51}, {"offset": -1}, {"offset": 1001}]
    bad += [{"limit": "abc"}, {"limit": "1.5"}, {"limit": ""}, {"author": ""}, {"author": "x" * 101}]
    for params in bad:
        reply = client.get("/books", params=params)
        assert reply.status_code == 400, params
        assert_conforms("listBooks", reply)
    assert client.get("/books?limit=1&limit=2").status_code == 400


def test_book_lifecycle_follows_the_contract(client: TestClient) -> None:
    created = client.post("/books", json={**NEW_BOOK, "subtitle": None}, headers=KEY)
    assert created.status_code == 201
    assert_conforms("createBook", created)
    assert created.json() == {**NEW_BOOK, "subtitle": None, "available": True}
    assert client.get(f"/books/{NEW_BOOK['isbn']}").json() == created.json()
    assert client.post("/books", json=NEW_BOOK, headers=KEY).status_code == 409
    details = {"title": "SICP", "subtitle": "2nd edition", "author": "Abelson and Sussman", "year": 1996}
    updated = client.put(f"/books/{NEW_BOOK['isbn']}", json=details, headers=KEY)
    assert_conforms("updateBook", updated)
    assert updated.json() == {"isbn": NEW_BOOK["isbn"], **details, "available": True}
    deleted = client.delete(f"/books/{NEW_BOOK['isbn']}", headers=KEY)
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert client.get(f"/books/{NEW_BOOK['isbn']}").status_code == 404
    assert client.put(f"/books/{NEW_BOOK['isbn']}", json=details, headers=KEY).status_code == 404
    for path in ("/books/123", "/books/97801414395189", "/books/9770141439518"):
        reply = client.get(path)
        assert reply.status_code == 400, path
        assert_conforms("getBook", reply)


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({**NEW_BOOK, "extra": 1}, 422),
        ({**NEW_BOOK, "year": 1449}, 422),
        ({**NEW_BOOK, "year": 2100.5}, 422),
        ({**NEW_BOOK, "year": True}, 422),
        ({**NEW_BOOK, "title": ""}, 422),
        ({**NEW_BOOK, "subtitle": 5}, 422),
        ({**NEW_BOOK, "isbn": "978026251087X"}, 422),
        ({"title": "t", "author": "a", "year": 2000}, 422),
        ([NEW_BOOK], 422),
    ],
)
def test_create_book_rejects_what_the_schema_forbids(client: TestClient, body: Any, status: int) -> None:
    reply = client.post("/books", json=body, headers=KEY)
    assert reply.status_code == status, reply.text
    assert_conforms("createBook", reply)


def test_create_book_needs_a_json_body(client: TestClient) -> None:
    cases = [
        (b"", "application/json", 400),
        (b"{", "application/json", 400),
        (b'{"year": NaN}', "application/json", 400),
        (b"isbn=9780262510875", "application/x-www-form-urlencoded", 415),
    ]
    for raw, media_type, status in cases:
        reply = client.post("/books", content=raw, headers={**KEY, "Content-Type": media_type})
        assert reply.status_code == status, raw
        assert_conforms("createBook", reply)
    assert client.post("/books", json={**NEW_BOOK, "year": 1985.0}, headers=KEY).status_code == 201


def test_loans_borrow_and_return(client: TestClient) -> None:
    borrowed = client.post("/loans", json={"isbn": PRIDE, "borrower": "Elizabeth", "days": 28}, headers=KEY)
    assert borrowed.status_code == 201
    assert_conforms("createLoan", borrowed)
    loan = borrowed.json()
    assert (loan["id"], loan["isbn"], loan["returnedAt"]) == (2, PRIDE, None)
    assert loan["dueAt"][:10] == "2025-03-29"
    assert client.get(f"/books/{PRIDE}").json()["available"] is False
    assert client.post("/loans", json={"isbn": PRIDE, "borrower": "Jane"}, headers=KEY).status_code == 409
    assert client.delete(f"/books/{PRIDE}", headers=KEY).status_code == 409
    returned = client.delete(f"/loans/{loan['id']}", headers=KEY)
    assert_conforms("returnLoan", returned)
    assert returned.json()["returnedAt"] is not None
    assert {**returned.json(), "returnedAt": None} == loan
    assert client.get(f"/books/{PRIDE}").json()["available"] is True
    assert client.delete(f"/loans/{loan['id']}", headers=KEY).status_code == 409
    assert client.delete("/loans/99", headers=KEY).status_code == 404
    for loan_id in ("0", "abc", "1000001", "1.0"):
        assert client.delete(f"/loans/{loan_id}", headers=KEY).status_code == 400, loan_id
    assert client.post("/loans", json={"isbn": "9780000000002", "borrower": "X"}, headers=KEY).status_code == 404
    for body in ({"isbn": PRIDE, "borrower": ""}, {"isbn": PRIDE, "borrower": "X", "days": 29}, {"isbn": PRIDE}):
        assert client.post("/loans", json=body, headers=KEY).status_code == 422, body


def test_the_seeded_loan_is_open_and_state_is_repeatable(client: TestClient) -> None:
    assert client.get(f"/books/{FRANKENSTEIN}").json()["available"] is False
    first = client.delete("/loans/1", headers=KEY).json()
    again = TestClient(create_app()).delete("/loans/1", headers=KEY).json()
    assert first == again
    assert first["borrowedAt"] == "2025-03-01T00:00:01Z"


def test_unknown_routes_answer_json_errors(client: TestClient) -> None:
    for method, path, status in (("GET", "/nope", 404), ("GET", "/books/", 404), ("PATCH", "/books", 405)):
        reply = client.request(method, path)
        assert reply.status_code == status
        assert reply.headers["content-type"] == "application/json"
        assert set(reply.json()) == {"error", "message"}


def test_main_serves_one_quiet_uvicorn_process(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr("uvicorn.run", lambda app, **kwargs: calls.append((app, kwargs)))
    library_main.main(["--host", "127.0.0.2", "--port", "9002"])
    [(app, kwargs)] = calls
    assert kwargs == {"host": "127.0.0.2", "port": 9002, "workers": 1, "access_log": False, "log_level": "info"}
    assert TestClient(app).get("/openapi.yaml").content == SPEC_PATH.read_bytes()
    defaults = library_main.parse_args([])
    assert (defaults.host, defaults.port) == ("127.0.0.1", 8766)
