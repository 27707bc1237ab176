"""Options and loading shared by every command that reads a spec (path or URL)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from actors.spec_fetch import fetch_spec, remote_ref_fetcher
from agent_core.loading import LoadOptions, load_spec, load_spec_bytes
from agent_core.native import ApiSpec
from agent_core.settings import Settings

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True, slots=True)
class SpecSourceOptions:
    spec_root: Path | None
    allow_remote_refs: bool
    max_spec_bytes: int | None


def spec_source_options(func: F) -> F:
    """Add --spec-root, --allow-remote-refs and --max-spec-bytes to a command."""
    options = [
        click.option(
            "--spec-root",
            type=click.Path(file_okay=False, exists=True, path_type=Path),
            help="Folder that relative file $refs may reach (default: the spec's own folder).",
        ),
        click.option(
            "--allow-remote-refs",
            is_flag=True,
            help="Follow $refs to http(s) URLs (public addresses only). Off by default.",
        ),
        click.option(
            "--max-spec-bytes",
            type=click.IntRange(min=1),
            help="Largest accepted spec document, in bytes (default 20 MiB; env SENTINEL_SPEC__MAX_BYTES).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def open_spec(source: str, options: SpecSourceOptions, settings: Settings) -> ApiSpec:
    limits = settings.spec
    load_options = LoadOptions(
        max_bytes=options.max_spec_bytes or limits.max_bytes,
        max_depth=limits.max_depth,
        max_alias_nodes=limits.max_alias_nodes,
        max_files=limits.max_files,
        allow_remote_refs=options.allow_remote_refs,
        root_dir=options.spec_root.resolve() if options.spec_root else None,
    )
    fetcher = remote_ref_fetcher() if options.allow_remote_refs else None
    if source.startswith(("http://", "https://")):
        data = fetch_spec(source, load_options.max_bytes)
        name = source.rsplit("/", 1)[-1] or source
        return load_spec_bytes(data, name, base_url=source, options=load_options, fetch=fetcher)
    return load_spec(Path(source), load_options, fetch=fetcher)
