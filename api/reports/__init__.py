"""Run reports: JUnit XML, SARIF, a self-contained HTML page (written at the end of a run) and NDJSON (streamed).

The command line names them as ``junit=PATH,sarif=PATH,html=PATH,ndjson=PATH``; :func:`parse_report_spec` reads
that and :func:`write_reports` writes the end-of-run formats. NDJSON is written by :class:`NdjsonWriter` as events
arrive.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import orjson

from agent_core.errors import ConfigError
from api.reports.context import ErrorGroup, FindingGroup, OperationInfo, ReportContext, Summary
from api.reports.html import render_html
from api.reports.junit import render_junit
from api.reports.ndjson import NdjsonWriter, read_ndjson
from api.reports.sarif import render_sarif

REPORT_FORMATS = ("html", "junit", "ndjson", "sarif")
STREAMED_FORMATS = ("ndjson",)

__all__ = [
    "REPORT_FORMATS",
    "STREAMED_FORMATS",
    "ErrorGroup",
    "FindingGroup",
    "NdjsonWriter",
    "OperationInfo",
    "ReportContext",
    "Summary",
    "parse_report_spec",
    "read_ndjson",
    "render_html",
    "render_junit",
    "render_sarif",
    "write_reports",
]


def parse_report_spec(spec: str) -> dict[str, Path]:
    """``"junit=out/junit.xml,sarif=out/r.sarif"`` → ``{"junit": Path(...), "sarif": Path(...)}``.

    Items are separated by commas (so paths cannot contain one); each format may appear once.
    """
    targets: dict[str, Path] = {}
    for raw in spec.split(","):
        item = raw.strip()
        if not item:
            continue
        name, sep, path = item.partition("=")
        name, path = name.strip().lower(), path.strip()
        if not sep or not name or not path:
            raise ConfigError(
                f"malformed report item {item!r}: expected FORMAT=PATH, e.g. junit=reports/junit.xml",
                "CONFIG_REPORT",
            )
        if name not in REPORT_FORMATS:
            raise _unknown_format(name)
        if name in targets:
            raise ConfigError(f"report format {name!r} given twice", "CONFIG_REPORT")
        targets[name] = Path(path)
    if not targets:
        raise ConfigError("no report given: expected FORMAT=PATH[,FORMAT=PATH...]", "CONFIG_REPORT")
    return targets


def _unknown_format(name: str) -> ConfigError:
    return ConfigError(f"unknown report format {name!r}; valid formats: {', '.join(REPORT_FORMATS)}", "CONFIG_REPORT")


def _write_atomically(path: Path, data: bytes) -> None:
    # A reader (CI uploader, browser) never sees a half-written report.
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(data)
    partial.replace(path)


def write_reports(targets: Mapping[str, Path], ctx: ReportContext) -> dict[str, Path]:
    """Write the end-of-run reports among ``targets`` (NDJSON is streamed, so skipped here).

    Returns the written paths by format. SARIF locates the spec relative to the working directory.
    """
    written: dict[str, Path] = {}
    for name, path in targets.items():
        if name == "junit":
            data = render_junit(ctx)
        elif name == "sarif":
            data = orjson.dumps(render_sarif(ctx, base_dir=Path.cwd()), option=orjson.OPT_INDENT_2) + b"\n"
        elif name == "html":
            data = render_html(ctx).encode()
        elif name in STREAMED_FORMATS:
            continue
        else:
            raise _unknown_format(name)
        _write_atomically(path, data)
        written[name] = path
    return written
