"""One settings object for every entry point.

Environment variables use the ``SENTINEL_`` prefix and ``__`` for nesting, e.g. ``SENTINEL_EXECUTOR__TIMEOUT_S=5``.
Only entry points (the CLI, later the REST service and workers) read settings; everything else receives the section
it needs. Per-job choices (seed, kinds, filters) belong to the job, not to settings.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr
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


class PostgresSettings(BaseModel):
    """Where results are stored. The default is the local server that ``make infra-up`` starts."""

    model_config = ConfigDict(frozen=True)

    dsn: SecretStr = SecretStr("postgresql+psycopg://sentinel@127.0.0.1:55432/sentinel")
    pool_size: int = Field(default=5, ge=1)
    # Results are partitioned by day of job_started_at; partitions are created this many days ahead and dropped
    # when older than the retention.
    partitions_ahead_days: int = Field(default=7, ge=1)
    retention_days: int = Field(default=90, ge=1)


class KafkaSettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    bootstrap_servers: str = "127.0.0.1:59092"
    # Prefixes every topic name (``<namespace>.sentinel.results.v1``): several environments on one cluster.
    topic_namespace: str = ""
    partitions: int = Field(default=6, ge=1)
    replication_factor: int = Field(default=1, ge=1)
    client_id: str = "sentinel"
    consumer_group_prefix: str = "sentinel"


class ElasticsearchSettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    url: str = "http://127.0.0.1:59200"
    username: str | None = None
    password: SecretStr | None = None
    index_prefix: str = "sentinel-results"
    verify_certs: bool = True


class RedisSettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    url: SecretStr = SecretStr("redis://127.0.0.1:56379/0")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SENTINEL_", env_nested_delimiter="__", frozen=True)

    spec: SpecLimits = SpecLimits()
    executor: ExecutorDefaults = ExecutorDefaults()
    postgres: PostgresSettings = PostgresSettings()
    kafka: KafkaSettings = KafkaSettings()
    elasticsearch: ElasticsearchSettings = ElasticsearchSettings()
    redis: RedisSettings = RedisSettings()
    reports_dir: Path = Path("reports")
    log_level: str = "WARNING"
