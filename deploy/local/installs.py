"""Getting programs onto the machine: Debian packages, Maven artifacts, and copies the service user can read.

Downloads stay in the user's cache dir (kept between CI runs). Programs the services execute are copied or
extracted from there into ``<root>/dist``, because the cache usually lies under a home directory that the service
user must not be given access to.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from deploy.local.health import ServiceError, tail
from deploy.local.layout import Layout

STAMP = ".sentinel-complete"


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """An exclusive lock shared across processes (CLI, test sessions) for the duration of the block."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _run_logged(argv: Sequence[str], lay: Layout, *, cwd: Path | None = None, timeout: float = 900) -> None:
    log = lay.log_file("install")
    with log.open("a") as handle:
        handle.write(f"\n$ {' '.join(argv)}\n")
        handle.flush()
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        try:
            result = subprocess.run(
                list(argv), stdin=subprocess.DEVNULL, stdout=handle, stderr=subprocess.STDOUT, cwd=cwd,
                env=env, timeout=timeout, check=False,
            )  # fmt: skip
        except subprocess.TimeoutExpired as exc:
            raise ServiceError(f"{argv[0]} timed out after {timeout:.0f} s; see {log}") from exc
    if result.returncode != 0:
        raise ServiceError(f"{' '.join(argv)} failed ({result.returncode}); see {log}\n{tail(log, 25)}")


def ensure_apt_package(package: str, binary: Path, lay: Layout) -> Path:
    """``binary`` from Debian's ``package``, installed with apt-get when missing (needs root)."""
    if binary.exists():
        return binary
    if os.geteuid() != 0:
        raise ServiceError(f"{binary} is missing: install the Debian package {package} (as root: apt-get install)")
    with file_lock(lay.cache / "apt.lock"):
        if not binary.exists():
            _run_logged(["apt-get", "update", "-q"], lay)
            _run_logged(
                ["apt-get", "install", "-y", "-q", "--no-install-recommends", "-o", "DPkg::Lock::Timeout=300", package],
                lay,
            )
    if not binary.exists():
        raise ServiceError(f"installing {package} did not provide {binary}; see {lay.log_file('install')}")
    return binary


def java_home(major: int, lay: Layout) -> Path:
    """A JDK or JRE of the given major version: ``SENTINEL_LOCAL_JAVA_HOME``, /usr/lib/jvm, or apt's OpenJDK."""
    override = os.environ.get("SENTINEL_LOCAL_JAVA_HOME")
    if override:
        return Path(override)
    jvm = Path("/usr/lib/jvm")
    candidates = sorted(jvm.glob(f"java-{major}-openjdk-*")) if jvm.exists() else []
    for candidate in candidates:
        if (candidate / "bin" / "java").exists():
            return candidate
    ensure_apt_package(f"openjdk-{major}-jre-headless", Path(f"/usr/lib/jvm/java-{major}-openjdk-amd64/bin/java"), lay)
    return Path(f"/usr/lib/jvm/java-{major}-openjdk-amd64")


def maven(args: Sequence[str], lay: Layout, *, cwd: Path | None = None) -> None:
    """Run Maven in batch mode against the cached local repository."""
    mvn = shutil.which("mvn") or str(ensure_apt_package("maven", Path("/usr/bin/mvn"), lay))
    repo = lay.cache / "maven"
    with file_lock(lay.cache / "maven.lock"):  # Maven 3's local repository is not safe for concurrent writers
        _run_logged([mvn, "-B", "-q", f"-Dmaven.repo.local={repo}", *args], lay, cwd=cwd)


def maven_artifact(group: str, artifact: str, version: str, packaging: str, lay: Layout) -> Path:
    """Path of one artifact in the cached repository, downloaded on first use."""
    path = lay.cache / "maven" / Path(*group.split(".")) / artifact / version / f"{artifact}-{version}.{packaging}"
    if not path.exists():
        maven(
            ["dependency:get", f"-Dartifact={group}:{artifact}:{version}:{packaging}", "-Dtransitive=false"],
            lay,
        )
    if not path.exists():
        raise ServiceError(f"Maven did not provide {path}; see {lay.log_file('install')}")
    return path


def is_complete(path: Path) -> bool:
    return (path / STAMP).exists()


def _publish(tmp: Path, target: Path) -> None:
    (tmp / STAMP).write_text("ok\n")
    if target.exists():
        shutil.rmtree(target)
    tmp.rename(target)
    target.chmod(0o755)


def copy_tree(sources: Mapping[str, Path], target: Path) -> Path:
    """Copy each source to ``target / relative`` once; a stamp file marks a finished copy, so an interrupted one
    is redone. Several sources keep relative layouts that binaries' RPATHs rely on."""
    if is_complete(target):
        return target
    tmp = target.with_name(target.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for relative, source in sources.items():
        shutil.copytree(source, tmp / relative, symlinks=True)
    _publish(tmp, target)
    return target


def extract_zip(archive: Path, target: Path) -> Path:
    """Extract ``archive`` to ``target`` once, dropping its single top-level folder and keeping exec bits."""
    if is_complete(target):
        return target
    tmp = target.with_name(target.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    with zipfile.ZipFile(archive) as zipped:
        for info in zipped.infolist():
            parts = Path(info.filename).parts[1:]
            if not parts or ".." in parts:
                continue
            dest = tmp.joinpath(*parts)
            if info.is_dir():
                dest.mkdir(parents=True, exist_ok=True)
                continue
            dest.parent.mkdir(parents=True, exist_ok=True)
            with zipped.open(info) as src, dest.open("wb") as out:
                shutil.copyfileobj(src, out)
            unix_mode = (info.external_attr >> 16) & 0o777
            dest.chmod((unix_mode or 0o644) | 0o444)
    for directory in [tmp, *(p for p in tmp.rglob("*") if p.is_dir())]:
        directory.chmod(0o755)
    _publish(tmp, target)
    return target
