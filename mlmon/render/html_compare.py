"""``mlmon compare`` in HTML: the verdict and the compared period, the two sides side by
side (records, requests, share of traffic, errors, predictions, when each served), one row
per metric with the baseline's and the candidate's figures in two columns, the difference
with its 95% interval (drawn against zero and the allowed difference) and the verdict's
badge, each class's shares as two bars side by side (baseline grey, candidate blue), the
shadow traffic's flip matrix (baseline classes down, candidate classes across, agreements
on the diagonal in bold), and the reasons of every metric that did not pass; with
``--by``, a ``By <items>`` section after the metrics (anchor ``by-group``, the rows of
:mod:`mlmon.render.compare_groups`) and the groups' reasons. The figures
are :mod:`mlmon.render.compare_parts`', as in the terminal and Markdown; every text from
the logs is escaped."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from mlmon.api.results import CompareReport
from mlmon.render.compare_groups import by_headers, by_notes, by_rows, by_title, group_reasons, worst_line
from mlmon.render.compare_parts import (
    CLASS_HEADERS,
    CRITICAL_NOTE,
    VERDICT_SEVERITY,
    VERDICT_WORD,
    MetricRow,
    agreement_line,
    class_rows,
    flip_matrix,
    headline,
    metric_rows,
    reasons,
    side_rows,
)
from mlmon.render.html_charts import esc
from mlmon.render.html_parts import Markup, facts, join, note, section, table, tag
from mlmon.verdicts.compare import RULES, Verdict

if TYPE_CHECKING:
    from mlmon.analyses.compare import Effect

ANCHORS = ("comparison", "metrics", "classes", "shadow-traffic")
"""The ids of the sections (the page's navigation links them)."""
SCALE = {"ms": 1.0, "share": 100.0}
"""Interval plots: milliseconds as they are, shares in points."""
PLOT_W, PLOT_H = 180, 18


def compare_sections(report: CompareReport) -> list[Markup]:
    """The comparison's sections, without the findings table."""
    sides = [["", f"baseline {report.baseline.name}", f"candidate {report.candidate.name}"], *side_rows(report)]
    summary = [
        tag("p", join([verdict_badge(report.verdict), " ", headline(report).split(": ", 1)[1]]), "headline"),
        table(sides[0], sides[1:], numeric=(1, 2), css="sides"),
        facts([("minimum values per side", f"{report.policy.min_samples:,}")]),
    ]
    parts = [section("Comparison", *summary, anchor=ANCHORS[0]), _metrics(report)]
    if report.groups:
        parts.append(_groups(report))
    if report.comparison.classes:
        parts.append(_classes(report))
    agreement = report.comparison.agreement
    if agreement is not None:
        cols, rows = flip_matrix(agreement)
        cells = [
            [row[0], *(Markup(f"<b>{esc(n)}</b>") if b == row[0] else n for b, n in zip(cols, row[1:]))] for row in rows
        ]
        matrix = table(["baseline \\ candidate", *cols], cells, numeric=range(1, len(cols) + 1), css="flips")
        parts.append(section("Shadow traffic", note(agreement_line(agreement), ""), matrix, anchor=ANCHORS[3]))
    why = reasons(report) + group_reasons(report)
    if why:
        parts.append(section("Why", tag("ul", join(tag("li", line) for line in why))))
    return parts


def verdict_badge(verdict: Verdict) -> Markup:
    """The verdict in words, coloured as its severity."""
    return tag("span", verdict.value, f"badge sev-{VERDICT_SEVERITY[verdict].value}")


def _groups(report: CompareReport) -> Markup:
    """``By <items>``: a row per group with its verdict's badge (a group not compared: why,
    in the unknown colour), then what the exit code reads."""
    headers = by_headers(report)
    items = len(report.groups[0].by)
    cells = []
    for group, row in zip(report.groups, by_rows(report), strict=True):
        verdict = group.result.verdict
        badge = tag("span", row[-1], "badge sev-unknown") if verdict is None else verdict_badge(verdict)
        cells.append([*row[:-1], badge])
    body = table(headers, cells, numeric=range(items, len(headers) - 1), css="by-group")
    notes = [note(line) for line in by_notes(report)]
    return section(by_title(report), body, *notes, tag("p", worst_line(report)), anchor="by-group")


def _metrics(report: CompareReport) -> Markup:
    rows = metric_rows(report)
    limits = {j.metric: j.limit for j in report.judged}
    effects = {e.metric: e for e in report.comparison.effects}
    cells = []
    for row in rows:
        effect = effects.get(row.metric)
        plot = "" if effect is None else _interval_plot(row, effect, limits[row.metric])
        cells.append(
            [
                tag("code", row.name),
                row.baseline,
                row.candidate,
                row.difference,
                row.interval,
                plot,
                verdict_badge(row.verdict),
            ]
        )
    headers = ("metric", "baseline", "candidate", "difference", "95% CI", "against the allowed difference", "verdict")
    caption = (
        "The interval plots: the 95% interval (bar) and the difference (dot) against zero (grey) and the allowed "
        "difference (red, dashed). " + CRITICAL_NOTE + f". Overall: {VERDICT_WORD[report.verdict]}."
    )
    return section(
        "Metrics", table(headers, cells, numeric=range(1, 5), css="metrics"), note(caption), anchor=ANCHORS[1]
    )


def _interval_plot(row: MetricRow, effect: Effect, limit: float) -> Markup:
    """The difference and its interval on a line, with zero and the limit marked (interval
    metrics only; nothing where a figure is missing or the metric has no data)."""
    scale = SCALE.get(effect.unit)
    if scale is None or RULES[row.metric].kind not in ("interval", "estimate") or row.verdict is Verdict.NO_DATA:
        return Markup("")
    values = [v * scale for v in (effect.difference, effect.low, effect.high, limit) if math.isfinite(v)]
    if not math.isfinite(effect.difference):
        return Markup("")
    lo, hi = min([0.0, *values]), max([0.0, *values])
    span = (hi - lo) or 1.0
    lo, hi = lo - 0.08 * span, hi + 0.08 * span

    def x(v: float) -> str:
        return f"{4 + (PLOT_W - 8) * (v - lo) / (hi - lo):.1f}"

    parts = [f'<line class="grid" x1="{x(0)}" x2="{x(0)}" y1="1" y2="{PLOT_H - 1}"/>']
    if math.isfinite(limit):
        parts.append(f'<line class="bound" x1="{x(limit * scale)}" x2="{x(limit * scale)}" y1="1" y2="{PLOT_H - 1}"/>')
    if math.isfinite(effect.low) and math.isfinite(effect.high):
        parts.append(
            f'<line class="s0" x1="{x(effect.low * scale)}" x2="{x(effect.high * scale)}" y1="{PLOT_H / 2}" '
            f'y2="{PLOT_H / 2}"/>'
        )
    parts.append(f'<circle class="s0" cx="{x(effect.difference * scale)}" cy="{PLOT_H / 2}" r="3.5"/>')
    label = f"{row.metric}: {row.difference}" + (f", 95% CI {row.interval}" if row.interval else "")
    return Markup(
        f'<svg class="interval" viewBox="0 0 {PLOT_W} {PLOT_H}" width="{PLOT_W}" height="{PLOT_H}" role="img" '
        f'aria-label="{esc(label)}" xmlns="http://www.w3.org/2000/svg"><title>{esc(label)}</title>'
        + "".join(parts)
        + "</svg>"
    )


def _classes(report: CompareReport) -> Markup:
    shifts = report.comparison.classes
    bar_w, row_h, left = 300, 32, 96
    width, height = left + bar_w + 50, row_h * len(shifts) + 24
    top = max(max(s.baseline, s.candidate) for s in shifts) or 1.0
    label = "Class shares, baseline against candidate"
    parts = [
        f'<svg class="chart class-shares" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{label}" xmlns="http://www.w3.org/2000/svg"><title>{label}</title>',
        f'<rect class="ref" x="{left}" y="4" width="10" height="10"/>',
        f'<text class="legend" x="{left + 14}" y="13">baseline</text>',
        f'<rect class="cur" x="{left + 90}" y="4" width="10" height="10"/>',
        f'<text class="legend" x="{left + 104}" y="13">candidate</text>',
    ]
    for i, s in enumerate(shifts):
        y = 22 + i * row_h
        name = s.name if len(s.name) <= 14 else s.name[:13] + "…"
        parts.append(f'<text class="tick" x="{left - 6}" y="{y + 17}" text-anchor="end">{esc(name)}</text>')
        for k, (css, share, who) in enumerate((("ref", s.baseline, "baseline"), ("cur", s.candidate, "candidate"))):
            w = bar_w * share / top
            parts.append(
                f'<rect class="bar {css}" x="{left}" y="{y + k * 13}" width="{w:.1f}" height="12">'
                f"<title>{esc(s.name)}: {who} {share:.2%}</title></rect>"
                f'<text class="tick" x="{left + w + 4:.1f}" y="{y + k * 13 + 10}">{share:.1%}</text>'
            )
    svg = "".join(parts) + "</svg>"
    caption = "Each class's share of each side's predictions; the table gives the difference and its Newcombe interval"
    body = [Markup(f"<figure>{svg}<figcaption>{esc(caption)}</figcaption></figure>")]
    body.append(table(CLASS_HEADERS, class_rows(report), numeric=range(1, 5)))
    return section("Predicted classes", *body, anchor=ANCHORS[2])
