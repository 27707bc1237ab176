"""Campaign files: many targets, one batch.

A campaign is a YAML file (format in docs/campaigns.md, JSON Schema in docs/campaign.schema.json, generated from
these models) naming targets, each with its spec, base URL, identities, kinds, request budget and rate limit, plus the
campaign's own budget and deadline and where results go. :func:`load_campaign` turns a file into validated models,
with relative paths resolved against the file's folder; every problem is a :class:`ConfigError` with code
``CONFIG_CAMPAIGN`` and the place in the file.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from actors.ratelimit import RateLimit
from agent_core.errors import ConfigError
from agent_core.models import TestKind

__all__ = ["CONFIG_CAMPAIGN", "Campaign", "CampaignTarget", "load_campaign", "parse_duration"]

CONFIG_CAMPAIGN = "CONFIG_CAMPAIGN"
MAX_CAMPAIGN_BYTES = 1024 * 1024
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_UNIT_S = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
Name = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,62}$", description="lower-case letters, digits, . _ -")]
Duration = Annotated[
    float | str,
    Field(description='seconds, or a number with a unit: "90s", "30m", "2h", "1d"', examples=["30m", 600]),
]


def parse_duration(value: float | str) -> float:
    """``"30m"`` → 1800.0; plain numbers are seconds."""
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        match = _DURATION.match(value)
        if match is None:
            raise ValueError(f"{value!r} is not a duration (e.g. 90s, 30m, 2h)")
        seconds = float(match.group(1)) * _UNIT_S[match.group(2) or "s"]
    if seconds <= 0:
        raise ValueError("a duration must be positive")
    return seconds


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RateLimitSpec(_Strict):
    per_second: float = Field(gt=0, description="average requests per second, across every worker")
    burst: int = Field(default=1, ge=1, description="requests that may go at once")

    def limit(self) -> RateLimit:
        return RateLimit(self.per_second, self.burst)


class TargetBudget(_Strict):
    requests: int | None = Field(default=None, ge=1, description="most requests sent to this target")


class CampaignBudget(_Strict):
    requests: int | None = Field(default=None, ge=1, description="most requests sent, all targets together")
    deadline: Duration | None = Field(default=None, description="stop sending after this long")

    @field_validator("deadline")
    @classmethod
    def _duration(cls, value: float | str | None) -> float | str | None:
        if value is not None:
            parse_duration(value)
        return value

    @property
    def deadline_s(self) -> float | None:
        return None if self.deadline is None else parse_duration(self.deadline)


ReportFormat = Literal["junit", "sarif", "html", "ndjson"]
_ALL_FORMATS: tuple[ReportFormat, ...] = ("junit", "sarif", "html", "ndjson")


class Reports(_Strict):
    dir: str = Field(default="reports/{name}", description="folder for the reports; {name} is the campaign's name")
    formats: list[ReportFormat] = Field(default_factory=lambda: list(_ALL_FORMATS))


class CampaignTarget(_Strict):
    name: Name
    spec: str = Field(description="path (relative to the campaign file) or http(s) URL of the OpenAPI document")
    base_url: str = Field(pattern=r"^https?://", description="where the API runs")
    identities: str | None = Field(default=None, description="identities file (docs/identities.md), relative path")
    kinds: list[TestKind] = Field(default_factory=lambda: [TestKind.FUNCTIONAL, TestKind.NEGATIVE], min_length=1)
    max_cases: int = Field(default=20, ge=1, le=10_000, description="cases per operation and agent")
    seed: int | None = Field(default=None, ge=0, description="default: the campaign's seed")
    rate_limit: Annotated[float, Field(gt=0)] | RateLimitSpec | None = Field(
        default=None, description="requests/s across every worker, or per_second + burst"
    )
    budget: TargetBudget = Field(default_factory=TargetBudget)
    include: list[str] = Field(default_factory=list, description="operation globs (operationId, 'GET /path', tag:x)")
    exclude: list[str] = Field(default_factory=list)
    read_only: bool = Field(default=False, description="only GET, HEAD and OPTIONS operations")
    checks: list[str] | None = Field(default=None, description="check names (default: every default check)")
    concurrency: int | None = Field(default=None, ge=1, le=1024, description="requests in flight per worker")
    timeout: float | None = Field(default=None, gt=0, description="seconds per request")

    def limit(self) -> RateLimit | None:
        if self.rate_limit is None:
            return None
        if isinstance(self.rate_limit, RateLimitSpec):
            return self.rate_limit.limit()
        return RateLimit(float(self.rate_limit))


class Campaign(_Strict):
    """A batch of API test runs."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, json_schema_extra={"$id": "https://sentinel.dev/schemas/campaign-v1.json"}
    )

    version: Literal[1] = Field(description="format version")
    name: Name
    seed: int = Field(default=0, ge=0)
    workers: int = Field(default=2, ge=1, le=1024, description="executor workers (Ray actors)")
    bus: Literal["local", "kafka"] = Field(default="local", description="how results travel to the stores")
    store: Literal["none", "all"] | list[Literal["postgres", "elasticsearch"]] = Field(
        default="none", description="stores written (with bus local; with kafka, consumers write them)"
    )
    budget: CampaignBudget = Field(default_factory=CampaignBudget)
    reports: Reports = Field(default_factory=Reports)
    targets: list[CampaignTarget] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_names(self) -> Campaign:
        if self.bus == "kafka" and self.stores():
            raise ValueError(
                "store applies to bus local; with bus kafka, `sentinel pipeline consume` writes the stores"
            )
        names = [t.name for t in self.targets]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"target names must be unique: {', '.join(twice)}")
        return self

    def stores(self) -> tuple[str, ...]:
        if self.store == "none":
            return ()
        if self.store == "all":
            return ("postgres", "elasticsearch")
        return tuple(dict.fromkeys(self.store))


def json_schema() -> dict[str, Any]:
    """The campaign file's JSON Schema (committed as docs/campaign.schema.json)."""
    schema = Campaign.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Sentinel campaign"
    return schema


def load_campaign(path: str | Path) -> tuple[Campaign, Path]:
    """The campaign in ``path`` and the folder its relative paths start from."""
    file = Path(path)
    try:
        with file.open("rb") as handle:
            data = handle.read(MAX_CAMPAIGN_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"cannot read campaign {file}: {exc.strerror or exc}", CONFIG_CAMPAIGN) from None
    if len(data) > MAX_CAMPAIGN_BYTES:
        raise ConfigError(f"campaign {file} is over {MAX_CAMPAIGN_BYTES} bytes", CONFIG_CAMPAIGN)
    try:
        raw = yaml.safe_load(data)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise ConfigError(f"campaign {file.name} is not valid YAML{where}", CONFIG_CAMPAIGN) from None
    if not isinstance(raw, dict):
        raise ConfigError(f"campaign {file.name} must be a mapping with version, name and targets", CONFIG_CAMPAIGN)
    try:
        campaign = Campaign.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"campaign {file.name}: {_describe(exc)}", CONFIG_CAMPAIGN) from None
    return campaign, file.resolve().parent


def _describe(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors()[:5]:
        where = ".".join(str(p) for p in error["loc"]) or "(top level)"
        problems.append(f"{where}: {error['msg']}")
    more = exc.error_count() - len(problems)
    return "; ".join(problems) + (f" (and {more} more)" if more > 0 else "")
