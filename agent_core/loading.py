"""Loading a spec: bytes in, :class:`ApiSpec` out.

The Rust loader does the parsing, resolution and normalisation. This module does the file access around it, so
that every byte the loader sees passes through one place that enforces the limits: the root file's size is checked
before it is read, and referenced files are read only inside the spec root (after resolving symlinks).
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from agent_core import _native
from agent_core.errors import SpecError
from agent_core.native import ApiSpec

Fetcher = Callable[[str, int], bytes]


@dataclass(frozen=True, slots=True)
class LoadOptions:
    """Limits and permissions for one load. The defaults are safe for untrusted input."""

    max_bytes: int = 20 * 1024 * 1024
    max_depth: int = 256
    max_alias_nodes: int = 1_000_000
    max_files: int = 4096
    allow_remote_refs: bool = False
    root_dir: Path | None = None

    def to_native(self) -> dict[str, int | bool | str | None]:
        return {
            "max_bytes": self.max_bytes,
            "max_depth": self.max_depth,
            "max_alias_nodes": self.max_alias_nodes,
            "max_files": self.max_files,
            "allow_remote_refs": self.allow_remote_refs,
            "root_dir": str(self.root_dir) if self.root_dir is not None else None,
        }


def load_spec(
    path: str | os.PathLike[str],
    options: LoadOptions | None = None,
    *,
    fetch: Fetcher | None = None,
) -> ApiSpec:
    """Load a spec file. Raises :class:`SpecError` with a stable code for every problem."""
    options = options or LoadOptions()
    file = Path(path)
    try:
        size = file.stat().st_size
        if not file.is_file():
            raise SpecError(f"{file} is not a regular file", "SPEC_IO", file=file.name)
    except OSError as exc:
        raise SpecError(f"cannot read {file}: {exc.strerror or exc}", "SPEC_IO", file=file.name) from None
    if size > options.max_bytes:
        # Refuse before reading: a huge file must cost nothing.
        raise SpecError(
            f"the spec is {size} bytes, over the limit of {options.max_bytes} bytes (raise it with --max-spec-bytes)",
            "SPEC_TOO_LARGE",
            file=file.name,
        )
    data = _read_capped(file, options.max_bytes)
    return load_spec_bytes(data, file.name, base_path=file.resolve(), options=options, fetch=fetch)


def load_spec_bytes(
    data: bytes,
    name: str,
    *,
    base_path: Path | None = None,
    base_url: str | None = None,
    options: LoadOptions | None = None,
    fetch: Fetcher | None = None,
) -> ApiSpec:
    """Load a spec from bytes. ``base_path`` (a file) or ``base_url`` anchor relative ``$ref``s."""
    options = options or LoadOptions()
    if len(data) > options.max_bytes:
        raise SpecError(
            f"the spec is {len(data)} bytes, over the limit of {options.max_bytes} bytes", "SPEC_TOO_LARGE", file=name
        )
    root = options.root_dir or (base_path.parent if base_path is not None else None)
    bundle = SpecBundle(data, name, str(base_path) if base_path is not None else None, base_url, options)
    reader = _Recording(_ContainedReader(root.resolve() if root is not None else None), bundle.files)
    remote = _Recording(fetch, bundle.remote) if fetch is not None and options.allow_remote_refs else None
    native = _native.load_spec(data, name, bundle.base_path, base_url, options.to_native(), reader, remote)
    return ApiSpec(native, hashlib.sha256(data).hexdigest(), (load_bundle, (bundle,)))


@dataclass(slots=True)
class SpecBundle:
    """Every byte a spec was loaded from: the root document and each file or URL its ``$ref``s read.

    Loading a bundle again needs neither the files nor the network, so a spec loaded by the command that starts a
    job can be rebuilt, identical, in a worker process on another machine."""

    data: bytes
    name: str
    base_path: str | None
    base_url: str | None
    options: LoadOptions
    files: dict[str, bytes] = field(default_factory=dict)
    remote: dict[str, bytes] = field(default_factory=dict)

    def digest(self) -> str:
        parts = hashlib.sha256(self.data)
        for key, value in sorted({**self.files, **self.remote}.items()):
            parts.update(key.encode() + b"\0" + hashlib.sha256(value).digest())
        return parts.hexdigest()


_BUNDLE_CACHE: OrderedDict[str, ApiSpec] = OrderedDict()
_BUNDLE_CACHE_LOCK = threading.Lock()
_BUNDLE_CACHE_SIZE = 16
# How many specs this process has built from bundles: a worker that is sent the same job many times loads it once.
bundle_loads = 0


def load_bundle(bundle: SpecBundle) -> ApiSpec:
    """The spec a bundle holds, loaded once per process (a small cache keyed by the bundle's digest)."""
    global bundle_loads  # noqa: PLW0603 - a process-wide counter is the point
    key = bundle.digest()
    with _BUNDLE_CACHE_LOCK:
        cached = _BUNDLE_CACHE.get(key)
        if cached is not None:
            _BUNDLE_CACHE.move_to_end(key)
            return cached
    native = _native.load_spec(
        bundle.data,
        bundle.name,
        bundle.base_path,
        bundle.base_url,
        bundle.options.to_native(),
        _Replay(bundle.files),
        _Replay(bundle.remote) if bundle.remote else None,
    )
    spec = ApiSpec(native, hashlib.sha256(bundle.data).hexdigest(), (load_bundle, (bundle,)))
    with _BUNDLE_CACHE_LOCK:
        bundle_loads += 1
        _BUNDLE_CACHE[key] = spec
        while len(_BUNDLE_CACHE) > _BUNDLE_CACHE_SIZE:
            _BUNDLE_CACHE.popitem(last=False)
    return spec


class _Recording:
    """Wraps a reader or fetcher and keeps what it returned, for the bundle."""

    __slots__ = ("_inner", "_seen")

    def __init__(self, inner: Callable[[str, int], bytes], seen: dict[str, bytes]) -> None:
        self._inner = inner
        self._seen = seen

    def __call__(self, key: str, max_bytes: int) -> bytes:
        value = self._inner(key, max_bytes)
        self._seen[key] = value
        return value


class _Replay:
    """Serves a bundle's recorded files; anything not recorded was not readable when the spec was first loaded."""

    __slots__ = ("_files",)

    def __init__(self, files: dict[str, bytes]) -> None:
        self._files = files

    def __call__(self, key: str, max_bytes: int) -> bytes:
        try:
            return self._files[key][: max_bytes + 1]
        except KeyError:
            raise FileNotFoundError(f"{key} is not part of the spec bundle") from None


class _ContainedReader:
    """Reads referenced files for the native loader, only inside ``root`` (symlinks resolved first)."""

    __slots__ = ("_root",)

    def __init__(self, root: Path | None) -> None:
        self._root = root

    def __call__(self, path: str, max_bytes: int) -> bytes:
        if self._root is None:
            raise PermissionError(f"{path}: this spec has no directory to read references from")
        real = Path(path).resolve()
        if not real.is_relative_to(self._root):
            raise PermissionError(f"{path} resolves outside the spec root")
        if not real.is_file():
            # Only regular files: a FIFO or device would block or never end.
            raise FileNotFoundError(f"{path} is not a regular file")
        # OSErrors propagate: the native loader turns "not found" into SPEC_REF_UNRESOLVED.
        with real.open("rb") as handle:
            return handle.read(max_bytes + 1)


def _read_capped(path: Path, max_bytes: int) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(max_bytes + 1)
    except OSError as exc:
        raise SpecError(f"cannot read {path.name}: {exc.strerror or exc}", "SPEC_IO", file=path.name) from None
