"""HTML output (``--format html``, or ``--output report.html``): one self-contained page to
paste into a ticket or attach to a CI run. It shows any result with findings, and the
sections each command knows: report (overview, by model, by group with ``--by``, p99 and error rate over time,
findings), drift (class shares against the reference per window, confidence over time, the
top drifting features with reference-against-current histograms, findings), check (the
verdicts with a per-window timeline, then the report and drift sections of the same read),
bench (the configurations), performance (per model version, accuracy per window with its
Wilson interval as a band, CBPE's estimated accuracy with the reference's band when the
reference has a calibration, and the windows table; ``mlmon.render.html_performance``),
compare (the two versions side by side, metric by metric; ``mlmon.render.html_compare``).
The header's status word is the JSON's ``status``
(:func:`~mlmon.verdicts.findings.status_of`: ``unknown`` when no check could be judged).

Self-contained and safe by construction:

- No script and no external resource: CSS is inline, charts are inline SVG drawn in Python
  (``mlmon.render.html_charts`` says why not a chart library: nothing to load or break, a
  few KB per chart, sharp in print). The sample logs' check page is ~55 KB.
- A Content-Security-Policy meta tag (``default-src 'none'``, inline styles only) makes the
  browser refuse any script or network fetch, so even a mistake elsewhere cannot make the
  page run code or phone home.
- Every text from the logs (labels, versions, feature names, file names) is escaped with
  ``html.escape``; only :class:`~mlmon.render.html_parts.Markup` built here is inserted raw.

Dark text on a light page, readable in print (sections avoid page breaks inside figures).
"""

from __future__ import annotations

from typing import Any

from mlmon.api.results import BenchReport, CheckReport, CompareReport, DriftReport, PerformanceReport, Report
from mlmon.render.html_charts import esc
from mlmon.render.html_parts import Markup, findings_table, ingest_block, join, tally
from mlmon.verdicts.findings import status_of

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
"""The page may use its own inline styles and data: images, and nothing else."""

CSS = """
:root{--ok:#2e7d32;--warn:#a15c00;--crit:#c62828;--unk:#6a1b9a;--muted:#5f6368;--line:#d9dce1}
*{box-sizing:border-box}
body{margin:0;background:#fff;color:#1b1d21;font:14px/1.45 system-ui,-apple-system,\
"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1120px;margin:0 auto;padding:20px 24px 40px}
header{border-bottom:2px solid #1b1d21;margin-bottom:14px;padding-bottom:8px}
h1{font-size:22px;margin:0 0 4px}\
h2{font-size:17px;margin:22px 0 8px;border-bottom:1px solid var(--line);padding-bottom:3px}
h2.part{font-size:19px;border-bottom:2px solid #1b1d21;margin-top:30px}h3{font-size:15px;margin:6px 0 2px}
nav a{margin-right:12px;color:#1f5fa8;text-decoration:none}nav{font-size:13px}
table{border-collapse:collapse;margin:6px 0 10px;font-size:13px}
th,td{border-bottom:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f3f4f6;font-weight:600}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
table.compact{font-size:12px}table.compact td,table.compact th{padding:2px 6px}
code{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#f3f4f6;padding:0 3px;border-radius:3px}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:3px 16px;margin:6px 0 10px}
dl.facts dt{font-weight:600;color:#33363b}dl.facts dd{margin:0}
.muted{color:var(--muted)}.warn{color:var(--warn)}.unknown{color:var(--unk)}
p.sev-ok{color:var(--ok)}p.sev-warning{color:var(--warn)}p.sev-critical{color:var(--crit);font-weight:600}p.sev-unknown{color:var(--unk)}
b.sev-critical{color:var(--crit)}
.badge{display:inline-block;min-width:58px;text-align:center;border-radius:10px;\
padding:0 7px;font-size:12px;font-weight:600;border:1px solid}
.badge.sev-ok{color:var(--ok);background:#edf7ee}.badge.sev-warning{color:var(--warn);background:#fff4e0}
.badge.sev-critical{color:#fff;background:var(--crit);border-color:var(--crit)}.badge.sev-unknown{color:var(--unk);background:#f5edf8}
ul.examples{margin:2px 0 6px;padding-left:20px;font-size:12px}.ingest p{margin:2px 0}
figure{margin:8px 0 12px;break-inside:avoid}figcaption{font-size:12px;color:var(--muted)}
.charts{display:grid;grid-template-columns:1fr 1fr;gap:0 18px}
svg.line-chart,svg.share-chart,svg.histogram{width:100%;height:auto;max-width:760px;display:block}
svg text{font-family:inherit}.tick{font-size:11px;fill:#4a4d52}.legend{font-size:12px;fill:#1b1d21}
.grid{stroke:#e6e8eb;stroke-width:1}
path.line{fill:none;stroke-width:1.8}line.s0,path.s0{stroke:#1f5fa8}line.s1,path.s1{stroke:#c62828}line.s2,path.s2{stroke:#e08a00}
line.s3,path.s3{stroke:#2e7d32}
line.s0,line.s1,line.s2,line.s3{stroke-width:2.5}path.band{stroke:none;fill-opacity:.16}path.band.s0{fill:#1f5fa8}circle.s0{fill:#1f5fa8}circle.s1{fill:#c62828}circle.s2{fill:#e08a00}
path.band.s3{fill:#2e7d32}circle.s3{fill:#2e7d32}
.bound{stroke:#c62828;stroke-width:1.2;stroke-dasharray:5 4}.bound-label{fill:#c62828}
.ref-line{stroke:#111;stroke-width:1;stroke-dasharray:4 3;opacity:.75}
.c0{fill:#4e79a7}.c1{fill:#f28e2b}.c2{fill:#59a14f}.c3{fill:#e15759}.c4{fill:#76b7b2}.c5{fill:#edc948}.c6{fill:#b07aa1}.c7{fill:#9c755f}
rect.ref{fill:#b9bcc2}rect.cur{fill:#1f5fa8}
rect.sev-ok{fill:#8bc48e}rect.sev-warning{fill:#f2a93b}rect.sev-critical{fill:#d32f2f}rect.sev-unknown{fill:#b39ddb}
rect.held{fill-opacity:.4;stroke:#d32f2f;stroke-width:1}
.key{display:inline-block;width:9px;height:12px;vertical-align:-1px;margin-left:8px}
.key.sev-ok{background:#8bc48e}.key.sev-warning{background:#f2a93b}.key.sev-critical{background:#d32f2f}.key.sev-unknown{background:#b39ddb}
.key.held{background:#f6c5c5;outline:1px solid #d32f2f}.legend-line{font-size:12px;color:var(--muted)}
table.verdicts td:nth-child(4){white-space:nowrap}svg.timeline{display:block}
.movers{display:grid;grid-template-columns:1fr 1fr;gap:6px 22px}\
.mover{break-inside:avoid}.mover p{margin:2px 0;font-size:12px}
details summary{cursor:pointer;color:#1f5fa8;font-size:13px;margin:4px 0}
footer{margin-top:28px;font-size:12px;color:var(--muted);border-top:1px solid var(--line);padding-top:6px}
@media (max-width:800px){.charts,.movers{grid-template-columns:1fr}}
@media print{main{max-width:none;padding:0}body{font-size:11px}nav{display:none}\
section,figure,.mover{break-inside:avoid}h2{break-after:avoid}}
"""

_NAV = {
    "verdicts": "Verdicts",
    "overview": "Overview",
    "by-model": "By model",
    "by-group": "By group",
    "over-time": "Over time",
    "prediction-drift": "Prediction drift",
    "confidence": "Confidence",
    "data-drift": "Data drift",
    "configurations": "Configurations",
    "performance": "Performance",
    "comparison": "Comparison",
    "metrics": "Metrics",
    "classes": "Classes",
    "shadow-traffic": "Shadow traffic",
    "findings": "Checks",
}


def command_of(result: Any) -> str:
    from mlmon.render.junit import command_name

    return command_name(result)


def body_parts(result: Any) -> list[Markup]:
    """The page's sections for ``result``'s type; any other result shows its findings."""
    if isinstance(result, Report):
        from mlmon.render.html_report import report_sections

        return [ingest_block(result.ingest), *report_sections(result)]
    if isinstance(result, DriftReport):
        from mlmon.render.html_drift import drift_sections

        return [ingest_block(result.ingest), *drift_sections(result), findings_table(result.findings)]
    if isinstance(result, CheckReport):
        from mlmon.render.html_check import check_sections

        return [ingest_block(result.ingest), *check_sections(result)]
    if isinstance(result, BenchReport):
        from mlmon.render.html_check import bench_sections

        return [*bench_sections(result), findings_table(result.findings)]
    if isinstance(result, PerformanceReport):
        from mlmon.render.html_performance import performance_sections

        return [ingest_block(result.ingest), *performance_sections(result), findings_table(result.findings)]
    if isinstance(result, CompareReport):
        from mlmon.render.compare_parts import OUTSIDE
        from mlmon.render.html_compare import compare_sections

        return [*compare_sections(result), ingest_block(result.ingest, OUTSIDE), findings_table(result.findings)]
    return [findings_table(tuple(result.findings))]


def render(result: Any, *, color: bool = False) -> str:
    """``result`` as one self-contained HTML document (``color`` is ignored: the page has
    its own colours)."""
    from mlmon import __version__

    command = command_of(result)
    findings = tuple(result.findings)
    status = status_of(findings)
    body = join(body_parts(result))
    present = [(anchor, name) for anchor, name in _NAV.items() if f'id="{anchor}"' in body]
    nav = "".join(f'<a href="#{anchor}">{esc(name)}</a>' for anchor, name in present)
    counts = f" · {esc(tally([f.severity for f in findings]))}" if findings else ""
    title = f"mlmon {command}: {status}"
    badge_css = f"sev-{status}" if findings else "sev-unknown"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"/>'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}"/>'
        '<meta name="viewport" content="width=device-width,initial-scale=1"/>'
        f"<title>{esc(title)}</title><style>{CSS}</style></head>\n<body><main>"
        f'<header><h1>mlmon {esc(command)} <span class="badge {badge_css}">{esc(status)}</span></h1>'
        f'<div class="muted">{len(findings)} '
        f"finding{'' if len(findings) == 1 else 's'}{counts}</div><nav>{nav}</nav></header>\n"
        f"{body}\n"
        f"<footer>Made by mlmon {esc(__version__)}. A self-contained page: no scripts, nothing loaded from the "
        "network. "
        "Times are UTC; percentiles are numpy's linear interpolation.</footer>"
        "</main></body></html>\n"
    )
