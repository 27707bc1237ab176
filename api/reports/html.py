"""A self-contained HTML report: one file, inline CSS and a little inline JavaScript, no external assets.

Findings are grouped by operation and check, worst first, with severity badges and a copyable curl line; the
severity buttons and the search box filter them. Everything that comes from the spec, the target or the user is
HTML-escaped; the script embeds no data, it only reads the page.
"""

from __future__ import annotations

from html import escape

import orjson

import agent_core
from agent_core.checks import registered
from agent_core.curl import to_curl
from agent_core.models import Severity
from api.reports.context import ErrorGroup, FindingGroup, ReportContext

_SHOWN_CASES = 10

_CSS = """
:root{--bg:#f7f7f9;--fg:#1d1f24;--muted:#5b606b;--card:#fff;--line:#dfe1e6;--critical:#7a0019;--high:#c62828;
--medium:#e07b00;--low:#1e6fd9;--info:#5b606b}
*{box-sizing:border-box}body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;background:var(--bg);
color:var(--fg)}main{max-width:1100px;margin:0 auto;padding:24px}h1{margin:0 0 4px}h2{margin:32px 0 12px}
.meta,.muted{color:var(--muted)}code,pre{font:13px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}.card{background:var(--card);border:1px solid var(--line);
border-radius:8px;padding:10px 16px;min-width:110px}.card b{display:block;font-size:22px}
.badge{display:inline-block;border-radius:10px;padding:1px 9px;color:#fff;font-size:12px;font-weight:600;
text-transform:uppercase}.critical{background:var(--critical)}.high{background:var(--high)}
.medium{background:var(--medium)}.low{background:var(--low)}.info{background:var(--info)}
.filters{display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin:8px 0 16px}
.filters button{border:0;cursor:pointer}.filters button.off{opacity:.3}
.filters input{flex:1;min-width:200px;padding:6px 10px;border:1px solid var(--line);border-radius:6px}
details.operation{background:var(--card);border:1px solid var(--line);border-radius:8px;margin:10px 0;padding:8px 14px}
details.operation>summary{cursor:pointer;font-weight:600}.check h3{font-size:15px;margin:14px 0 6px}
.finding{border-left:4px solid var(--line);padding:6px 12px;margin:8px 0}.finding.sev-critical{border-color:
var(--critical)}.finding.sev-high{border-color:var(--high)}.finding.sev-medium{border-color:var(--medium)}
.finding.sev-low{border-color:var(--low)}.finding p{margin:4px 0}.curl{display:flex;gap:8px;align-items:flex-start}
.curl code{flex:1;background:#f0f1f4;padding:6px 8px;border-radius:4px;overflow-x:auto;white-space:pre}
.curl button{cursor:pointer}pre{background:#f0f1f4;padding:8px;overflow-x:auto}table{border-collapse:collapse;
width:100%;background:var(--card)}td,th{border:1px solid var(--line);padding:6px 8px;text-align:left;vertical-align:top}
.hidden{display:none}
"""

_JS = """
(function(){
  var off = {};
  var search = document.getElementById('search');
  function apply(){
    var text = (search.value || '').toLowerCase();
    document.querySelectorAll('.finding').forEach(function(f){
      var show = !off[f.dataset.severity] && (!text || f.textContent.toLowerCase().indexOf(text) >= 0);
      f.classList.toggle('hidden', !show);
    });
    document.querySelectorAll('.check, details.operation').forEach(function(box){
      box.classList.toggle('hidden', box.querySelectorAll('.finding:not(.hidden)').length === 0);
    });
  }
  document.querySelectorAll('.filters button[data-severity]').forEach(function(b){
    b.addEventListener('click', function(){
      off[b.dataset.severity] = !off[b.dataset.severity];
      b.classList.toggle('off', off[b.dataset.severity]);
      apply();
    });
  });
  search.addEventListener('input', apply);
  document.querySelectorAll('button.copy').forEach(function(b){
    b.addEventListener('click', function(){
      var text = b.parentNode.querySelector('code').textContent;
      function done(){ b.textContent = 'Copied'; setTimeout(function(){ b.textContent = 'Copy'; }, 1500); }
      if (navigator.clipboard) { navigator.clipboard.writeText(text).then(done); return; }
      var area = document.createElement('textarea'); area.value = text; document.body.appendChild(area);
      area.select(); document.execCommand('copy'); document.body.removeChild(area); done();
    });
  });
})();
"""


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _badge(severity: Severity) -> str:
    return f'<span class="badge {_e(severity.value)}">{_e(severity.value)}</span>'


def _curl(command: str) -> str:
    return f'<div class="curl"><code>{_e(command)}</code><button class="copy" type="button">Copy</button></div>'


def _header(ctx: ReportContext) -> str:
    title = ctx.spec_title or ctx.spec_source
    version = f" {ctx.spec_version}" if ctx.spec_version else ""
    parts = [f"spec <b>{_e(title)}{_e(version)}</b> ({_e(ctx.spec_source)})"]
    if ctx.base_url:
        parts.append(f"target {_e(ctx.base_url)}")
    parts.append(f"job {_e(ctx.job_id)}")
    if ctx.seed is not None:
        parts.append(f"seed {_e(ctx.seed)}")
    parts.append(f"{_e(ctx.started_at.isoformat(timespec='seconds'))} · {ctx.duration_s:.1f} s")
    return (
        f'<header><h1>Sentinel report</h1><p class="meta">{" · ".join(parts)}</p>'
        f'<p class="meta"><code>{_e(ctx.command)}</code></p></header>'
    )


def _summary(ctx: ReportContext) -> str:
    s = ctx.summary()
    cards = [
        ("Operations", s.operations),
        ("Cases", s.cases),
        ("Passed", s.passed),
        ("Failed", s.failed),
        ("Could not test", s.errors),
        ("Skipped", s.skipped),
        ("Findings", s.findings),
    ]
    cards += [(sev.value.capitalize(), count) for sev, count in s.by_severity.items() if count]
    body = "".join(f'<div class="card"><b>{_e(count)}</b>{_e(label)}</div>' for label, count in cards)
    return f'<section class="cards" id="summary">{body}</section>'


def _finding(group: FindingGroup) -> str:
    f = group.finding
    cases = ", ".join(group.case_ids[:_SHOWN_CASES]) + (" …" if group.count > _SHOWN_CASES else "")
    extra = "".join(f" · {_e(tag)}" for tag in (f.cwe, f.owasp) if tag)
    details = ""
    if f.details:
        pretty = orjson.dumps(f.details, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode()
        details = f"<details><summary>Details</summary><pre>{_e(pretty)}</pre></details>"
    return (
        f'<article class="finding sev-{_e(f.severity.value)}" data-severity="{_e(f.severity.value)}">'
        f"<p>{_badge(f.severity)} <strong>{_e(f.title)}</strong> "
        f'<span class="muted">seen in {group.count} case(s){extra}</span></p>'
        f"<p>{_e(f.message)}</p>"
        f'<p class="muted">cases: {_e(cases)} · fingerprint {_e(f.fingerprint)}</p>'
        f"{_curl(f.curl)}{details}</article>"
    )


def _findings(ctx: ReportContext) -> str:
    descriptions = {c.name: c.description for c in registered()}
    grouped = ctx.findings_by_operation_and_check()
    sections = []
    for operation_id in ctx.operation_ids():
        by_check = grouped.get(operation_id)
        if not by_check:
            continue
        info = ctx.operation(operation_id)
        counts: dict[Severity, int] = {}
        for groups in by_check.values():
            for g in groups:
                counts[g.finding.severity] = counts.get(g.finding.severity, 0) + 1
        badges = " ".join(f"{_badge(s)} {n}" for s, n in sorted(counts.items(), key=lambda i: -i[0].rank))
        checks = "".join(
            f'<section class="check"><h3>{_e(check)} <span class="muted">{_e(descriptions.get(check, ""))}</span>'
            f"</h3>{''.join(_finding(g) for g in groups)}</section>"
            for check, groups in by_check.items()
        )
        sections.append(
            f'<details class="operation" open><summary>{_e(info.label)} '
            f'<span class="muted">{_e(operation_id)}</span> {badges}</summary>{checks}</details>'
        )
    if not sections:
        return '<section id="findings"><h2>Findings</h2><p class="muted">No findings.</p></section>'
    filters = "".join(
        f'<button type="button" class="badge {_e(s.value)}" data-severity="{_e(s.value)}">{_e(s.value)}</button>'
        for s in sorted(Severity, key=lambda s: -s.rank)
    )
    search = '<input id="search" type="search" placeholder="Filter findings…" aria-label="Filter findings">'
    return (
        f'<section id="findings"><h2>Findings</h2><nav class="filters">{filters}{search}</nav>'
        f"{''.join(sections)}</section>"
    )


def _error_row(label: str, group: ErrorGroup) -> str:
    first = group.events[0]
    message = first.execution.error_message or group.kind
    return (
        f"<tr><td>{_e(label)}</td><td>{_e(group.kind)}</td><td>{len(group.events)}</td>"
        f"<td>{_e(message)}{_curl(to_curl(first.execution.request))}</td></tr>"
    )


def _errors(ctx: ReportContext) -> str:
    rows = [
        _error_row(ctx.operation(operation_id).label, group)
        for operation_id, groups in ctx.errors_by_operation().items()
        for group in groups
    ]
    if not rows:
        return ""
    head = "<tr><th>Operation</th><th>Reason</th><th>Cases</th><th>First error</th></tr>"
    return f'<section id="errors"><h2>Could not test</h2><table>{head}{"".join(rows)}</table></section>'


def render_html(ctx: ReportContext) -> str:
    """The report as one HTML document."""
    title = f"Sentinel report: {ctx.spec_title or ctx.spec_source}"
    # Without the filter bar there is nothing for the script to do (and no #search element to bind).
    script = f"<script>{_JS}</script>" if ctx.finding_groups() else ""
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body><main>"
        f"{_header(ctx)}{_summary(ctx)}{_findings(ctx)}{_errors(ctx)}"
        f'<footer class="muted"><p>Sentinel {_e(agent_core.__version__)}</p></footer>'
        f"</main>{script}</body></html>\n"
    )
