"""Where the local services keep downloads, programs, data, logs and PID files, and which ports they use.

Every location and port can be overridden by an environment variable, so parallel checkouts or CI jobs can run
side by side. Values are read on every call: tests may change the environment between calls.
"""

from __future__ import annotations

import os
import pwd
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path

from deploy.local.health import ServiceError

SERVICES = ("postgres", "kafka", "elasticsearch", "redis")
DEFAULT_PORTS = {
    "postgres": 55432,
    "kafka": 59092,
    "kafka_controller": 59093,
    "elasticsearch": 59200,
    "elasticsearch_transport": 59300,
    "redis": 56379,
}
DEFAULT_SERVICE_USER = "sentinel-svc"
HOST = "127.0.0.1"


def env_port(key: str) -> int:
    """Port for ``key`` (a service or a secondary listener), from ``SENTINEL_LOCAL_<KEY>_PORT`` or the default."""
    raw = os.environ.get(f"SENTINEL_LOCAL_{key.upper()}_PORT")
    if not raw:
        return DEFAULT_PORTS[key]
    if not raw.isdigit() or not 1 <= int(raw) <= 65535:
        raise ValueError(f"SENTINEL_LOCAL_{key.upper()}_PORT={raw!r} is not a TCP port")
    return int(raw)


def env_flag(name: str) -> bool | None:
    """``True``/``False`` for a set boolean variable, ``None`` when unset or empty."""
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return None
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"{name}={raw!r} is not a boolean (use 1/0, true/false, on/off)")


@dataclass(frozen=True)
class ServiceUser:
    """The account the services run as: a system user when we are root (Postgres and Elasticsearch refuse root)."""

    name: str
    uid: int
    gid: int

    @property
    def is_current(self) -> bool:
        return self.uid == os.geteuid()


@dataclass(frozen=True)
class Layout:
    """All paths under one state root (``root``) plus the download cache (``cache``), kept separately because CI
    keeps the user's cache dir between fresh clones."""

    root: Path
    cache: Path

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def run(self) -> Path:
        return self.root / "run"

    @property
    def dist(self) -> Path:
        return self.root / "dist"

    def log_file(self, service: str) -> Path:
        return self.logs / f"{service}.log"

    def pid_file(self, service: str) -> Path:
        return self.run / f"{service}.pid"

    def lock_file(self, name: str) -> Path:
        return self.run / f"{name}.lock"

    def data_dir(self, service: str) -> Path:
        return self.root / "data" / service

    def conf_dir(self, service: str) -> Path:
        return self.root / "conf" / service

    def tmp_dir(self, service: str) -> Path:
        return self.root / "tmp" / service


def layout() -> Layout:
    """The layout from ``SENTINEL_LOCAL_ROOT`` and ``SENTINEL_CACHE_DIR``, or the defaults."""
    root_env = os.environ.get("SENTINEL_LOCAL_ROOT")
    if root_env:
        root = Path(root_env)
    elif os.geteuid() == 0:
        root = Path("/var/lib/sentinel-local")
    else:
        root = Path(f"/tmp/sentinel-local-{pwd.getpwuid(os.geteuid()).pw_name}")  # noqa: S108 - per-user dir
    cache_env = os.environ.get("SENTINEL_CACHE_DIR")
    if cache_env:
        cache = Path(cache_env)
    else:
        xdg = os.environ.get("XDG_CACHE_HOME")
        cache = (Path(xdg) if xdg else Path.home() / ".cache") / "sentinel"
    return Layout(root=root.absolute(), cache=cache.absolute())


def service_user() -> ServiceUser:
    """The current user, or (as root) the system user ``SENTINEL_LOCAL_SERVICE_USER``, created when missing."""
    if os.geteuid() != 0:
        entry = pwd.getpwuid(os.geteuid())
        return ServiceUser(entry.pw_name, entry.pw_uid, entry.pw_gid)
    name = os.environ.get("SENTINEL_LOCAL_SERVICE_USER", DEFAULT_SERVICE_USER)
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
             "--shell", "/usr/sbin/nologin", name],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        entry = pwd.getpwnam(name)
    if entry.pw_uid == 0:
        raise ValueError(f"service user {name} is root; Postgres and Elasticsearch refuse to run as root")
    return ServiceUser(entry.pw_name, entry.pw_uid, entry.pw_gid)


def make_dir(path: Path, mode: int, owner: ServiceUser | None = None, *, existing: bool = True) -> Path:
    """Create ``path`` (and parents) and set its mode, and its owner when we are root. With ``existing=False`` a
    directory that already exists keeps its mode: the state root or cache may be a directory we do not own."""
    if path.is_dir() and not existing:
        return path
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(mode)
    if owner is not None and os.geteuid() == 0:
        os.chown(path, owner.uid, owner.gid)
    return path


def check_reachable(path: Path, user: ServiceUser) -> None:
    """Fail when ``user`` cannot traverse to ``path``. We never widen permissions of someone else's directories
    (a home directory, say): the state root must lie somewhere already open, such as /var/lib or /tmp."""
    if user.is_current:
        return
    for parent in [path, *path.parents]:
        if not parent.exists():
            continue
        info = parent.stat()
        if info.st_uid == user.uid or info.st_mode & stat.S_IXOTH:
            continue
        if info.st_gid == user.gid and info.st_mode & stat.S_IXGRP:
            continue
        raise ServiceError(
            f"{parent} is not reachable by the service user {user.name}; "
            "set SENTINEL_LOCAL_ROOT to a directory under /var/lib or /tmp"
        )


def prepare_root(lay: Layout, user: ServiceUser) -> None:
    """The shared directories. Logs are group-writable for the service user; data dirs are created per service."""
    make_dir(lay.root, 0o755, existing=False)
    check_reachable(lay.root, user)
    for sub in (lay.run, lay.dist, lay.root / "data", lay.root / "conf", lay.root / "tmp"):
        make_dir(sub, 0o755)
    make_dir(lay.logs, 0o775)
    if os.geteuid() == 0:
        os.chown(lay.logs, 0, user.gid)
    make_dir(lay.cache, 0o755, existing=False)
