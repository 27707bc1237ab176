"""The weather example target (Swagger 2.0): its contract as served, each planted bug of its BUGS.md, and the correct
paths."""

from __future__ import annotations

from typing import Any

import openapi_spec_validator
import pytest
import yaml
from starlette.testclient import TestClient

from agent_core.loading import load_spec_bytes
from examples.demo_target.bugs import load_bugs
from examples.weather_target import __main__ as weather_main
from examples.weather_target.app import SPEC_PATH, create_app

BUGS_PATH = SPEC_PATH.with_name("BUGS.md")
SPEC = load_spec_bytes(SPEC_PATH.read_bytes(), "openapi.yaml", base_path=SPEC_PATH)
FORM = "application/x-www-form-urlencoded"
READING = {"observedAt": "2025-06-02T10:30:00+02:00", "temperature": "17.25", "humidity": "64", "pressure": "1013.5"}


@pytest.fixture
def client() -> TestClient:
    return TestClient(create_app())


def post_form(client: TestClient, station: str, fields: dict[str, str] | str) -> Any:
    path = f"/stations/{station}/readings"
    if isinstance(fields, str):
        return client.post(path, content=fields.encode(), headers={"Content-Type": FORM})
    return client.post(path, data=fields, headers={"Content-Type": FORM})


def assert_conforms(operation_id: str, reply: Any) -> None:
    """The status is documented, the body is JSON and matches its schema, judged by Sentinel's own validator."""
    response = SPEC.operation(operation_id).response_for(reply.status_code)
    assert response is not None, (operation_id, reply.status_code)
    assert reply.headers["content-type"] == "application/json", reply.text
    assert [m.media_type for m in response.content] == ["application/json"]
    schema = response.content[0].schema
    assert schema is not None
    assert list(SPEC.validate(schema, reply.json())) == [], reply.text


# The contract


def test_contract_is_served_as_written_and_loads(client: TestClient) -> None:
    reply = client.get("/openapi.yaml")
    assert reply.status_code == 200
    assert reply.headers["content-type"] == "application/yaml"
    assert reply.content == SPEC_PATH.read_bytes()
    served = load_spec_bytes(reply.content, "openapi.yaml")
    assert (served.version, served.dialect, served.warnings) == ("2.0", "swagger20", ())
    assert [(op.operation_id, op.method, op.path) for op in served.operations] == [
        ("listStations", "get", "/stations"),
        ("getStation", "get", "/stations/{stationId}"),
        ("listReadings", "get", "/stations/{stationId}/readings"),
        ("createReading", "post", "/stations/{stationId}/readings"),
    ]
    body = served.operation("createReading").request_body
    assert body is not None
    assert [m.media_type for m in body.content] == [FORM]  # formData parameters
    document = yaml.safe_load(reply.content)
    assert document["swagger"] == "2.0"
    openapi_spec_validator.validate(document)
    for path in ("/docs", "/openapi.json"):
        assert client.get(path).status_code == 404


def test_bugs_table_names_real_operations_and_marks_the_code() -> None:
    bugs = load_bugs(BUGS_PATH)
    assert [(bug.id, bug.operation_id, bug.check, bug.issue) for bug in bugs] == [
        ("WX-01", "listStations", "status_code_conformance", "core"),
        ("WX-02", "createReading", "content_type_conformance", "core"),
    ]
    source = SPEC_PATH.with_name("app.py").read_text(encoding="utf-8")
    for bug in bugs:
        assert source.count(f"Planted bug {bug.id}:") == 1, bug.id


# The planted bugs


def test_wx01_a_country_without_stations_answers_an_undocumented_404(client: TestClient) -> None:
    reply = client.get("/stations", params={"country": "ZZ"})
    assert reply.status_code == 404
    assert reply.json() == {"error": "not_found", "message": "no stations in this country"}
    assert SPEC.operation("listStations").response_for(404) is None
    listed = client.get("/stations", params={"country": "GB"})
    assert_conforms("listStations", listed)
    assert [station["id"] for station in listed.json()] == ["EGCC", "EGLL"]


def test_wx02_form_errors_are_plain_text(client: TestClient) -> None:
    bad_forms: list[dict[str, str] | str] = [
        {**READING, "temperature": "abc"},
        {**READING, "temperature": "60.01"},
        {**READING, "humidity": "1.5"},
        {**READING, "observedAt": "2021-13-45T25:61:00Z"},
        {key: value for key, value in READING.items() if key != "observedAt"},
        "temperature=1&temperature=2&observedAt=2025-06-02T00:00:00Z",
        "",
    ]
    for fields in bad_forms:
        for station in ("EGLL", "ZZZZ"):  # checked before the station
            reply = post_form(client, station, fields)
            assert reply.status_code == 400, fields
            assert reply.headers["content-type"] == "text/plain; charset=utf-8"
            assert reply.text.startswith("invalid_parameter: ")
    documented = SPEC.operation("createReading").response_for(400)
    assert documented is not None
    assert [m.media_type for m in documented.content] == ["application/json"]
    # the other errors of createReading are JSON
    assert_conforms("createReading", post_form(client, "egll", READING))
    assert_conforms("createReading", post_form(client, "ZZZZ", READING))
    assert_conforms("createReading", client.post("/stations/EGLL/readings", json=READING))


# The correct paths


def test_stations(client: TestClient) -> None:
    everything = client.get("/stations")
    assert_conforms("listStations", everything)
    assert [station["id"] for station in everything.json()] == ["EDDF", "EGCC", "EGLL", "KJFK", "LFPG"]
    station = client.get("/stations/EGLL")
    assert_conforms("getStation", station)
    assert station.json()["name"] == "London Heathrow"
    for path, status in (("/stations/ZZZZ", 404), ("/stations/egll", 400), ("/stations/EGLLX", 400)):
        reply = client.get(path)
        assert reply.status_code == status, path
        assert_conforms("getStation", reply)
    for country in ("gb", "GBR", ""):
        assert_conforms("listStations", client.get("/stations", params={"country": country}))
    assert client.get("/stations?country=GB&country=FR").status_code == 400


def test_readings_in_a_range(client: TestClient) -> None:
    def times(**params: Any) -> list[str]:
        reply = client.get("/stations/EDDF/readings", params=params)
        assert_conforms("listReadings", reply)
        assert reply.json()["stationId"] == "EDDF"
        return [reading["observedAt"] for reading in reply.json()["readings"]]

    day = times()
    assert len(day) == 24
    assert day[:2] == ["2025-06-01T00:00:00Z", "2025-06-01T01:00:00Z"]
    assert times(limit=1) == day[:1]
    assert times(**{"from": "2025-06-01T06:00:00Z", "to": "2025-06-01T09:00:00Z"}) == day[6:9]
    assert times(**{"from": "2025-06-01T08:00:00+02:00", "to": "2025-06-01T07:00:00.5Z"}) == day[6:8]
    assert times(**{"from": "2025-06-01T09:00:00Z", "to": "2025-06-01T06:00:00Z"}) == []  # reversed: empty, 200
    assert times(**{"from": "2030-01-01T00:00:00Z"}) == []
    for params in ({"limit": 0}, {"limit": 501}, {"limit": "x"}, {"from": "2025-06-01"}, {"to": "yesterday"}):
        reply = client.get("/stations/EDDF/readings", params=params)
        assert reply.status_code == 400, params
        assert_conforms("listReadings", reply)
    assert client.get("/stations/ZZZZ/readings").status_code == 404


def test_create_reading_round_trips(client: TestClient) -> None:
    created = post_form(client, "LFPG", READING)
    assert created.status_code == 201
    assert_conforms("createReading", created)
    expected = {"observedAt": "2025-06-02T08:30:00Z", "temperature": 17.25, "humidity": 64, "pressure": 1013.5}
    assert created.json() == expected
    listed = client.get("/stations/LFPG/readings", params={"from": "2025-06-02T00:00:00Z"}).json()["readings"]
    assert listed == [expected]
    assert post_form(client, "LFPG", {**READING, "observedAt": "2025-06-02T08:30:00Z"}).status_code == 409
    minimal = post_form(client, "LFPG", {"observedAt": "2025-06-03T00:00:00Z", "temperature": "-90"})
    assert minimal.json() == {"observedAt": "2025-06-03T00:00:00Z", "temperature": -90}
    assert post_form(client, "LFPG", {**READING, "observedAt": "2025-06-04T00:00:00Z", "x": "1"}).status_code == 201


def test_unknown_routes_answer_json_errors(client: TestClient) -> None:
    for method, path, status in (("GET", "/nope", 404), ("GET", "/stations/", 404), ("DELETE", "/stations", 405)):
        reply = client.request(method, path)
        assert reply.status_code == status
        assert reply.headers["content-type"] == "application/json"
        assert set(reply.json()) == {"error", "message"}


def test_main_serves_one_quiet_uvicorn_process(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr("uvicorn.run", lambda app, **kwargs: calls.append((app, kwargs)))
    weather_main.main(["--host", "127.0.0.2", "--port", "9003"])
    [(app, kwargs)] = calls
    assert kwargs == {"host": "127.0.0.2", "port": 9003, "workers": 1, "access_log": False, "log_level": "info"}
    assert TestClient(app).get("/openapi.yaml").content == SPEC_PATH.read_bytes()
    defaults = weather_main.parse_args([])
    assert (defaults.host, defaults.port) == ("127.0.0.1", 8767)
