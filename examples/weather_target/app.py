"""The weather stations: a FastAPI implementation of ``openapi.yaml`` (Swagger 2.0), with the bugs in ``BUGS.md``
planted.

Everything else follows the document: parameters and form fields are validated here (400 with the documented
``Error`` body), a body that is not a form answers 415, and the router's 404/405 and unexpected failures (500) answer
``Error`` bodies too. Stations and a day of hourly readings are seeded in memory, so every start is the same.

Each planted bug is marked in the code with its ID from ``BUGS.md``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from examples.serving import ApiError, Route, build_app

__all__ = ["SPEC_PATH", "Weather", "create_app"]


SPEC_PATH: Final = Path(__file__).with_name("openapi.yaml")
FORM_MEDIA_TYPE: Final = "application/x-www-form-urlencoded"
READINGS_MAX: Final = 500
_STATION_RE: Final = re.compile(r"[A-Z0-9]{4}")
_COUNTRY_RE: Final = re.compile(r"[A-Z]{2}")
_INTEGER_RE: Final = re.compile(r"-?[0-9]{1,18}")
_NUMBER_RE: Final = re.compile(r"-?[0-9]{1,18}(?:\.[0-9]+)?(?:[eE][+-]?[0-9]{1,3})?")
# RFC 3339 date-time; datetime.fromisoformat alone also takes dates without a time, basic formats and more.
_DATE_TIME_RE: Final = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?(?:[Zz]|[+-][0-9]{2}:[0-9]{2})"
)


def _bad(name: str, issue: str) -> ApiError:
    return ApiError(400, "invalid_parameter", f"{name}: {issue}")


def _date_time(name: str, raw: str) -> datetime:
    if not _DATE_TIME_RE.fullmatch(raw):
        raise _bad(name, "must be an RFC 3339 date-time")
    try:
        return datetime.fromisoformat(raw.upper().replace("Z", "+00:00")).astimezone(UTC)
    except ValueError as exc:
        raise _bad(name, "must be an RFC 3339 date-time") from exc


def _number(name: str, raw: str, *, minimum: float, maximum: float, integer: bool = False) -> float:
    pattern = _INTEGER_RE if integer else _NUMBER_RE
    if not pattern.fullmatch(raw) or not minimum <= float(raw) <= maximum:
        kind = "an integer" if integer else "a number"
        raise _bad(name, f"must be {kind} from {minimum:g} to {maximum:g}")
    return int(raw) if integer else float(raw)


def _single(name: str, given: list[str]) -> str | None:
    if len(given) > 1:
        raise _bad(name, "must be given once")
    return given[0] if given else None


def _utc_text(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds" if moment.microsecond else "seconds").replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class Station:
    id: str
    name: str
    country: str
    latitude: float
    longitude: float
    elevation: int

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "country": self.country,
            "latitude": self.latitude,
            "longitude": self.longitude,
            "elevation": self.elevation,
        }


@dataclass(frozen=True, slots=True)
class Reading:
    observed_at: datetime
    temperature: float
    humidity: int | None = None
    pressure: float | None = None

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"observedAt": _utc_text(self.observed_at), "temperature": self.temperature}
        if self.humidity is not None:
            body["humidity"] = self.humidity
        if self.pressure is not None:
            body["pressure"] = self.pressure
        return body


_SEED_STATIONS: Final = (
    Station("EDDF", "Frankfurt am Main", "DE", 50.0333, 8.5706, 111),
    Station("EGCC", "Manchester", "GB", 53.3537, -2.2750, 78),
    Station("EGLL", "London Heathrow", "GB", 51.4775, -0.4614, 25),
    Station("KJFK", "New York JFK", "US", 40.6398, -73.7789, 4),
    Station("LFPG", "Paris Charles de Gaulle", "FR", 49.0097, 2.5479, 119),
)
_SEED_DAY: Final = datetime(2025, 6, 1, tzinfo=UTC)


@dataclass(slots=True)
class Weather:
    """All state of one app instance, and the route functions (one per operationId)."""

    stations: dict[str, Station] = field(default_factory=dict)
    readings: dict[str, dict[datetime, Reading]] = field(default_factory=dict)

    @classmethod
    def seeded(cls) -> Weather:
        weather = cls()
        for number, station in enumerate(_SEED_STATIONS):
            weather.stations[station.id] = station
            weather.readings[station.id] = {
                _SEED_DAY + timedelta(hours=hour): Reading(
                    observed_at=_SEED_DAY + timedelta(hours=hour),
                    temperature=12 + number + (hour * 7 % 11) / 2,
                    humidity=55 + (hour * 5 + number) % 40,
                    pressure=1000 + (hour + 3 * number) % 25 if hour % 3 == 0 else None,
                )
                for hour in range(24)
            }
        return weather

    def _station(self, request: Request) -> Station:
        station_id = str(request.path_params["stationId"])
        if not _STATION_RE.fullmatch(station_id):
            raise _bad("stationId", "must be 4 capital letters or digits")
        station = self.stations.get(station_id)
        if station is None:
            raise ApiError(404, "not_found", "no station with this id")
        return station

    async def list_stations(self, request: Request) -> Response:
        country = _single("country", request.query_params.getlist("country"))
        if country is not None and not _COUNTRY_RE.fullmatch(country):
            raise _bad("country", "must be two capital letters")
        stations = sorted(self.stations.values(), key=lambda station: station.id)
        matches = [station.to_json() for station in stations if country in (None, station.country)]
        if not matches:
            # Planted bug WX-01: a country without stations answers 404, which listStations does not document.
            raise ApiError(404, "not_found", "no stations in this country")
        return JSONResponse(matches)

    async def get_station(self, request: Request) -> Response:
        return JSONResponse(self._station(request).to_json())

    async def list_readings(self, request: Request) -> Response:
        start, end, limit = (_single(name, request.query_params.getlist(name)) for name in ("from", "to", "limit"))
        since = None if start is None else _date_time("from", start)
        until = None if end is None else _date_time("to", end)
        count = 100 if limit is None else int(_number("limit", limit, minimum=1, maximum=READINGS_MAX, integer=True))
        station = self._station(request)
        chosen = [
            reading.to_json()
            for moment, reading in sorted(self.readings[station.id].items())
            if (since is None or moment >= since) and (until is None or moment < until)
        ]
        return JSONResponse({"stationId": station.id, "readings": chosen[:count]})

    async def create_reading(self, request: Request) -> Response:
        station_id = str(request.path_params["stationId"])
        if not _STATION_RE.fullmatch(station_id):
            raise _bad("stationId", "must be 4 capital letters or digits")
        media_type = request.headers.get("content-type", FORM_MEDIA_TYPE).split(";", 1)[0].strip().lower()
        if media_type != FORM_MEDIA_TYPE:
            raise ApiError(415, "unsupported_media_type", f"the body must be {FORM_MEDIA_TYPE}")
        try:
            reading = self._parse_form(await request.body())
        except ApiError as exc:
            # Planted bug WX-02: the form layer writes its 400 answers as plain text, not as the JSON Error.
            return PlainTextResponse(f"{exc.code}: {exc.message}", status_code=exc.status)
        station = self._station(request)
        if reading.observed_at in self.readings[station.id]:
            raise ApiError(409, "conflict", "the station already has a reading at this time")
        self.readings[station.id][reading.observed_at] = reading
        return JSONResponse(reading.to_json(), status_code=201)

    @staticmethod
    def _parse_form(raw: bytes) -> Reading:
        try:
            pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(raw))
        except (UnicodeDecodeError, ValueError) as exc:
            raise _bad("body", "is not a URL-encoded form") from exc
        form: dict[str, list[str]] = {}
        for name, value in pairs:
            form.setdefault(name, []).append(value)
        observed_at, temperature, humidity, pressure = (
            _single(name, form.get(name, [])) for name in ("observedAt", "temperature", "humidity", "pressure")
        )
        if observed_at is None or temperature is None:
            raise _bad("observedAt" if observed_at is None else "temperature", "is required")
        return Reading(
            observed_at=_date_time("observedAt", observed_at),
            temperature=_number("temperature", temperature, minimum=-90, maximum=60),
            humidity=None
            if humidity is None
            else int(_number("humidity", humidity, minimum=0, maximum=100, integer=True)),
            pressure=None if pressure is None else _number("pressure", pressure, minimum=870, maximum=1090),
        )


def create_app(weather: Weather | None = None) -> FastAPI:
    """The weather stations as an ASGI app, with fresh seeded state unless ``weather`` is given. ``GET
    /openapi.yaml`` serves the contract; FastAPI's own documentation routes are off."""
    state = weather if weather is not None else Weather.seeded()
    routes: tuple[Route, ...] = (
        ("GET", "/stations", state.list_stations),
        ("GET", "/stations/{stationId}", state.get_station),
        ("GET", "/stations/{stationId}/readings", state.list_readings),
        ("POST", "/stations/{stationId}/readings", state.create_reading),
    )
    app = build_app("Sentinel Example Weather Stations", SPEC_PATH, routes)
    app.state.weather = state
    return app
