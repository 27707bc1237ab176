from __future__ import annotations

import re
from html.parser import HTMLParser

from api.reports import render_html
from tests.unit.api.reports import support


class _Tags(HTMLParser):
    """Collects start tags and their attributes; also proves the document parses."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _tags(document: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(document)
    return parser.tags


def test_target_content_is_escaped_everywhere() -> None:
    document = render_html(support.context())
    # The only script element is the report's own.
    assert [tag for tag, _ in _tags(document)].count("script") == 1
    assert document.count("<script>") == 1
    assert "alert(1)</script>" not in document
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in document
    assert support.IMG not in document
    assert "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;" in document
    assert not any(tag == "img" for tag, _ in _tags(document))


def test_the_report_is_self_contained() -> None:
    document = render_html(support.context())
    tags = _tags(document)
    assert not [t for t, a in tags if t in ("link", "iframe", "img") or a.get("src") or a.get("href")]
    assert "@import" not in document and "url(" not in document
    assert document.startswith("<!DOCTYPE html>")


def test_summary_counts() -> None:
    document = render_html(support.context())
    found = re.findall(r'<div class="card"><b>(\d+)</b>([^<]+)</div>', document)
    cards = {label: int(count) for count, label in found}
    assert cards == {
        "Operations": 4,
        "Cases": 7,
        "Passed": 1,
        "Failed": 3,
        "Could not test": 2,
        "Skipped": 1,
        "Findings": 4,
        "High": 2,
        "Medium": 2,
    }


def test_findings_grouped_by_operation_and_check_worst_first_with_copyable_curl() -> None:
    document = render_html(support.context())
    operations = re.findall(r'<details class="operation" open><summary>([^<]+) <span', document)
    assert operations == ["GET /pets", "POST /pets"]
    get_pets = document[document.index("<summary>GET /pets ") : document.index("<summary>POST /pets ")]
    assert get_pets.index("<h3>not_a_server_error") < get_pets.index("<h3>status_code_conformance")
    assert "seen in 2 case(s)" in get_pets
    assert '<span class="badge high">high</span>' in get_pets
    articles = document.count('<article class="finding')
    assert articles == 4
    assert document.count('<button class="copy" type="button">Copy</button>') == articles + 2  # + one per error
    assert "<code>curl -X GET http://api.test/pets -H &#x27;Authorization: Bearer ***&#x27;</code>" in document


def test_errors_section_lists_each_operation_and_reason() -> None:
    document = render_html(support.context())
    errors = document[document.index('<section id="errors">') :]
    rows = re.findall(r"<tr><td>([^<]+)</td><td>([^<]+)</td><td>(\d+)</td>", errors)
    assert rows == [("POST /pets", "timeout", "1"), ("GET /pets/{id}", "unreachable", "1")]


def test_a_clean_run_says_so_without_script_or_errors_section() -> None:
    clean = [e for e in support.events() if not e.findings and e.execution.status.value != "error"]
    document = render_html(support.context(events=clean))
    assert "No findings." in document
    assert "<script>" not in document
    assert 'id="errors"' not in document
