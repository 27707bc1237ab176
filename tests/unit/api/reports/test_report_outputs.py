"""NDJSON streaming, the --report option parser and writing the end-of-run reports."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from agent_core.errors import ConfigError
from api.reports import NdjsonWriter, parse_report_spec, read_ndjson, write_reports
from tests.unit.api.reports import support


def test_ndjson_writer_streams_one_flushed_line_per_event(tmp_path: Path) -> None:
    path = tmp_path / "out" / "results.ndjson"
    events = support.events()
    writer = NdjsonWriter(path)
    for count, event in enumerate(events, start=1):
        writer.write(event)
        # Readable before close: every line is flushed as it is written.
        lines = path.read_bytes().splitlines()
        assert len(lines) == count
        assert orjson.loads(lines[-1])["event_id"] == event.event_id
    writer.close()
    assert list(read_ndjson(path)) == events


def test_ndjson_writer_as_context_manager_refuses_writes_after_close(tmp_path: Path) -> None:
    path = tmp_path / "r.ndjson"
    event = support.events()[0]
    with NdjsonWriter(path) as writer:
        writer.emit(event)  # the event-sink name for write()
    with pytest.raises(ValueError, match="closed"):
        writer.write(event)
    writer.close()  # closing twice is harmless
    assert list(read_ndjson(path)) == [event]


def test_parse_report_spec() -> None:
    assert parse_report_spec("junit=out/junit.xml, SARIF = out/r.sarif ,html=r.html,ndjson=r.ndjson,") == {
        "junit": Path("out/junit.xml"),
        "sarif": Path("out/r.sarif"),
        "html": Path("r.html"),
        "ndjson": Path("r.ndjson"),
    }
    assert parse_report_spec("junit=C:=odd/path.xml") == {"junit": Path("C:=odd/path.xml")}


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ("pdf=out.pdf", "unknown report format 'pdf'; valid formats: html, junit, ndjson, sarif"),
        ("junit", "malformed report item 'junit': expected FORMAT=PATH"),
        ("junit=", "malformed report item 'junit='"),
        ("=x.xml", "malformed report item '=x.xml'"),
        ("junit=a.xml,junit=b.xml", "report format 'junit' given twice"),
        (" , ", "no report given"),
    ],
)
def test_parse_report_spec_errors(spec: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_report_spec(spec)
    assert raised.value.code == "CONFIG_REPORT"
    assert fragment in raised.value.message


def test_write_reports_writes_end_of_run_formats_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "specs").mkdir()
    targets = parse_report_spec("junit=out/j.xml,sarif=out/r.sarif,html=out/r.html,ndjson=out/r.ndjson")
    written = write_reports(targets, support.context("specs/petstore.yaml"))
    assert written == {"junit": Path("out/j.xml"), "sarif": Path("out/r.sarif"), "html": Path("out/r.html")}
    assert not (tmp_path / "out" / "r.ndjson").exists()
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["j.xml", "r.html", "r.sarif"]
    assert (tmp_path / "out" / "j.xml").read_bytes().startswith(b"<?xml")
    sarif = orjson.loads((tmp_path / "out" / "r.sarif").read_bytes())
    uri = sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "specs/petstore.yaml"
    assert (tmp_path / "out" / "r.html").read_text().startswith("<!DOCTYPE html>")
