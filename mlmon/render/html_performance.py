"""``mlmon performance`` in HTML: what the join read and counted apart, then a section per
model version with its accuracy chart (a point per window with labels, the Wilson 95%
interval as a shaded band, the minimum dashed; windows not judged yet in another colour;
with a calibrated reference, CBPE's estimated accuracy as a second line and the
reference's band of it shaded) and its windows table (the terminal's columns), then the
findings."""

from __future__ import annotations

import math

from mlmon.api.results import PerformanceReport
from mlmon.render.html_charts import Band, Series, line_chart
from mlmon.render.html_parts import Markup, badge, facts, figure, fmt_time, note, section, table, tick_labels
from mlmon.render.performance_parts import (
    by_version,
    has_estimates,
    headers,
    labels_line,
    maturity_line,
    minimum,
    numeric,
    version_name,
    window_cells,
)
from mlmon.verdicts.findings import Severity
from mlmon.verdicts.performance import JudgedWindow

ANCHOR = "performance"
"""The id of the first version's section (the page's navigation links it); the next are
``performance-2``, ``performance-3``..."""


def performance_sections(report: PerformanceReport) -> list[Markup]:
    """The run's facts, then one section per model version (without the findings table)."""
    items: list[tuple[str, object]] = [
        ("windows", report.window.describe()),
        ("labels", labels_line(report).removeprefix("labels: ")),
        ("judged", maturity_line(report)),
    ]
    sections = [
        _version_section(report, version, judged, ANCHOR if i == 0 else f"{ANCHOR}-{i + 1}")
        for i, (version, judged) in enumerate(by_version(report).items())
    ]
    return [facts(items), *sections]


def _version_section(report: PerformanceReport, version: str | None, judged: list[JudgedWindow], anchor: str) -> Markup:
    name = version_name(version)
    low = minimum(report, version)
    starts = [j.window.start for j in judged]
    estimated = has_estimates(judged)
    series = [
        Series("accuracy (judged)", [_accuracy(j) if not j.waiting_for else None for j in judged], "s0"),
        Series("accuracy (waiting for labels)", [_accuracy(j) if j.waiting_for else None for j in judged], "s2"),
    ]
    bands = [
        Band(
            "Wilson 95% interval",
            [j.window.accuracy_low if j.window.labelled else None for j in judged],
            [j.window.accuracy_high if j.window.labelled else None for j in judged],
        )
    ]
    if estimated:
        series.append(Series("estimated accuracy (CBPE)", [_estimate(j) for j in judged], "s3"))
        bands.append(_reference_band(judged))
    svg = line_chart(
        f"Accuracy per window ({name})",
        [fmt_time(s) for s in starts],
        series,
        lambda v: f"{v:.0%}",
        ticks=tick_labels(starts),
        bound=low,
        bound_label="" if low is None else f"minimum {low:.1%}",
        bands=bands,
    )
    caption = (
        f"{name}: realized accuracy per window with its Wilson 95% interval (shaded); orange points are windows "
        "still waiting for labels"
        + ("; green: CBPE's estimated accuracy with the reference's band (mean ± 3 sd, shaded)" if estimated else "")
        + ("; dashed: the minimum" if low is not None else "")
    )
    rows = [[*window_cells(report, j, estimated)[:-1], _state(j)] for j in judged]
    parts: list[object] = [figure(svg, caption), table(headers(report, judged), rows, numeric=numeric(judged))]
    if not any(j.window.labelled for j in judged):
        parts.insert(0, note("No window has labels yet.", "unknown"))
    return section(f"Realized performance, {name}", *parts, css="version", anchor=anchor)


def _estimate(judged: JudgedWindow) -> float | None:
    e = judged.estimate
    return e.estimated_accuracy if e is not None and e.unknown is None else None


def _reference_band(judged: list[JudgedWindow]) -> Band:
    """The reference's band of estimated accuracy over the windows with an estimate."""
    ends = [(j.estimate.accuracy_low, j.estimate.accuracy_high) if j.estimate else (None, None) for j in judged]
    return Band("reference band of estimated accuracy", [e[0] for e in ends], [e[1] for e in ends], "s3")


def _accuracy(judged: JudgedWindow) -> float | None:
    w = judged.window
    return w.accuracy if w.labelled and math.isfinite(w.accuracy) else None


def _state(judged: JudgedWindow) -> object:
    """The verdict's badge; the labels a window waits for; ``judged`` without a minimum."""
    if judged.waiting_for:
        return Markup(f'<span class="muted">waits for {judged.waiting_for:,}</span>')
    return "judged" if judged.severity is Severity.UNKNOWN else badge(judged.severity)
