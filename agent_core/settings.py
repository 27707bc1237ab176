"""One settings object for every entry point.

Environment variables use the ``SENTINEL_`` prefix and ``__`` for nesting, e.g. ``SENTINEL_EXECUTOR__TIMEOUT_S=5``.
Only entry points (the CLI, later the REST service and workers) read settings; everything else receives the section
it needs. Per-job choices (seed, kinds, filters) belong to the job, not to settings.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class SpecLimits(BaseModel):
    """Limits for loading untrusted specs."""

    model_config = ConfigDict(frozen=True)

    max_bytes: int = Field(default=20 * 1024 * 1024, ge=1)
    max_depth: int = Field(default=256, ge=8, le=4096)
    max_alias_nodes: int = Field(default=1_000_000, ge=0)
    max_files: int = Field(default=4096, ge=1)


class ExecutorDefaults(BaseModel):
    """Defaults for sending requests; the command line overrides them per run."""

    model_config = ConfigDict(frozen=True)

    workers: int = Field(default=8, ge=1, le=512)
    timeout_s: float = Field(default=10.0, gt=0)
    connect_retries: int = Field(default=2, ge=0, le=10)
    max_retry_after_s: float = Field(default=30.0, ge=0)
    stored_body_bytes: int = Field(default=64 * 1024, ge=0)
    max_response_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SENTINEL_", env_nested_delimiter="__", frozen=True)

    spec: SpecLimits = SpecLimits()
    executor: ExecutorDefaults = ExecutorDefaults()
    reports_dir: Path = Path("reports")
    log_level: str = "WARNING"
