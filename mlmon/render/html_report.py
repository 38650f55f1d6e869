"""``mlmon report`` in HTML: the overview (span, requests, latency p50/p95/p99, errors,
resources, predictions), the per-model table, with ``--by`` the per-group table (as the
terminal's), p99 latency and error rate over the windows
as line charts with their table, and the budget findings.

Per-window p50 is not computed by the operational analysis (a window carries p99 and the
error rate), so the charts show p99 and the error rate; p50/p95/p99 are shown overall and
per model."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from mlmon.api.results import Report
from mlmon.plain import iso_utc
from mlmon.render.group_rows import absent_items, group_cells, group_headers
from mlmon.render.html_charts import Series, line_chart
from mlmon.render.html_parts import (
    Markup,
    facts,
    figure,
    findings_table,
    fmt_ms,
    fmt_pct,
    fmt_time,
    join,
    note,
    section,
    table,
    tag,
    tick_labels,
)
from mlmon.verdicts.findings import Finding

if TYPE_CHECKING:  # the analysis' types load polars
    from mlmon.analyses.group_result import GroupResult
    from mlmon.analyses.ops_types import OpsSummary, WindowOps

HALF = 520
"""Width of the two side-by-side charts' viewBox."""
MIN_EMPTY_RUN = 3
"""Runs of at least this many empty windows show as one table row."""


def overview(summary: OpsSummary) -> Markup:
    """The whole input's figures as a fact list."""
    tp, lat, err = summary.throughput, summary.latency, summary.errors
    mean = "-" if tp.mean_rps is None else f"{tp.mean_rps:.3g} req/s"
    method = (
        "numpy linear percentiles" if lat.percentile_method == "exact" else "percentiles from log buckets, within 0.54%"
    )
    items: list[tuple[str, object]] = [
        ("time span", f"{fmt_time(summary.start)} → {fmt_time(summary.end)} UTC ({tp.span_seconds / 86400:.1f} days)"),
        (
            "requests",
            f"{tp.requests:,} (mean {mean}, peak {tp.peak_rps:.3g} req/s in the minute of {fmt_time(tp.peak_minute)})",
        ),
        (
            "latency (ms)",
            Markup(
                f"p50 <b>{fmt_ms(lat.p50_ms)}</b> · p95 <b>{fmt_ms(lat.p95_ms)}</b> · p99 "
                f"<b>{fmt_ms(lat.p99_ms)}</b> · "
                f'max {fmt_ms(lat.max_ms)} <span class="muted">({lat.count:,} values, {method})</span>'
            ),
        ),
    ]
    kinds = ", ".join(f"{kind} {n:,}" for kind, n in err.by_kind.items() if n)
    items.append(
        ("errors", f"{fmt_pct(err.rate)} ({err.errors:,} of {err.requests:,})" + (f": {kinds}" if kinds else ""))
    )
    if res := summary.resources:
        items.append(
            (
                "resources",
                (
                    f"CPU mean {fmt_ms(res.cpu_mean)}%, max {fmt_ms(res.cpu_max)}% · "
                    f"RSS mean {fmt_ms(res.rss_mean_mb)} MiB, max {fmt_ms(res.rss_max_mb)} MiB"
                ),
            )
        )
    if pred := summary.predictions:
        items.append(
            (
                "predictions",
                f"{pred.count:,}: " + ", ".join(f"{label} {share:.1%}" for label, share in pred.class_shares.items()),
            )
        )
        mean_conf = "-" if pred.confidence_mean is None else f"{pred.confidence_mean:.3f}"
        p10 = "-" if pred.confidence_p10 is None else f"{pred.confidence_p10:.3f}"
        items.append(("confidence", f"mean {mean_conf}, p10 {p10}"))
    return facts(items)


def by_model(groups: Sequence[OpsSummary]) -> Markup:
    headers = ("model", "version", "requests", "p50 ms", "p95 ms", "p99 ms", "errors", "predictions", "conf mean")
    rows = []
    for g in groups:
        conf = g.predictions.confidence_mean if g.predictions else None
        rows.append(
            (
                g.model or "-",
                g.model_version or "-",
                f"{g.throughput.requests:,}",
                fmt_ms(g.latency.p50_ms),
                fmt_ms(g.latency.p95_ms),
                fmt_ms(g.latency.p99_ms),
                fmt_pct(g.errors.rate),
                f"{g.predictions.count:,}" if g.predictions else "0",
                "-" if conf is None else f"{conf:.3f}",
            )
        )
    return section("By model", table(headers, rows, numeric=range(2, 9)), anchor="by-model")


def by_group(groups: Sequence[GroupResult[OpsSummary]]) -> Markup:
    """``--by``: the ``By <items>`` table, a row per group as the terminal's
    (:mod:`mlmon.render.group_rows`), and the note naming an item no record has."""
    headers, factor = group_headers(groups)
    items = len(groups[0].by)
    rows = [group_cells(g, factor) for g in groups]
    absent = absent_items(groups)
    parts = [table(headers, rows, numeric=range(items, items + 6)), *([note(absent, "warn")] if absent else [])]
    return section(f"By {', '.join(groups[0].by)}", *parts, anchor="by-group")


def bounds_from(findings: Sequence[Finding]) -> dict[str, float]:
    """The whole-run thresholds of the latency and error-rate checks, by check name (drawn
    as dashed lines on the charts)."""
    return {
        f.check: f.threshold
        for f in findings
        if f.scope == "all" and f.threshold is not None and f.check in ("latency_p99", "error_rate")
    }


def windows_section(report: Report, bounds: dict[str, float] | None = None) -> Markup:
    """p99 and error rate per window, charted and tabled; a note for one window."""
    rows, bounds = report.windows, bounds if bounds is not None else bounds_from(report.findings)
    title = f"Over time ({report.window.describe()})"
    if len(rows) < 2:
        return section(
            title,
            note(
                "One window covers the whole range: give --window (e.g. 1h or 1d) to chart p99 latency and the error "
                "rate over time."
            ),
            anchor="over-time",
        )
    labels = [fmt_time(w.start) for w in rows]
    ticks = tick_labels([w.start for w in rows])
    p99 = line_chart(
        "p99 latency per window (ms)",
        labels,
        [Series("p99 latency (ms)", [w.p99_ms for w in rows], "s0")],
        lambda v: f"{v:,.0f}",
        ticks=ticks,
        width=HALF,
        bound=bounds.get("latency_p99"),
        bound_label=f"bound {bounds.get('latency_p99', 0):g} ms",
    )
    errors = line_chart(
        "error rate per window",
        labels,
        [Series("error rate", [w.error_rate for w in rows], "s1")],
        lambda v: f"{v:.1%}",
        ticks=ticks,
        width=HALF,
        bound=bounds.get("error_rate"),
        bound_label=f"bound {bounds.get('error_rate', 0):.2%}",
    )
    caption = (
        "Empty windows are gaps. Per-window p50 is not computed; p50, p95 and p99 of the whole range are in the "
        "overview."
    )
    charts = Markup(f'<div class="charts" id="ops-charts">{figure(p99)}{figure(errors)}</div>')
    details = tag("details", join([tag("summary", f"Table of the {len(rows):,} windows"), _windows_table(rows)]))
    return section(title, charts, note(caption), details, anchor="over-time")


def _windows_table(rows: Sequence[WindowOps]) -> Markup:
    shown: list[tuple[object, ...]] = []
    run: list[WindowOps] = []

    def flush() -> None:
        if len(run) >= MIN_EMPTY_RUN:
            shown.append(
                (
                    tag(
                        "span",
                        f"… {len(run):,} empty windows ({fmt_time(run[0].start)} to {fmt_time(run[-1].start)})",
                        "muted",
                    ),
                    "",
                    "",
                    "",
                    "",
                )
            )
        else:
            shown.extend((fmt_time(w.start), "0", "0", "-", "-") for w in run)
        run.clear()

    for w in rows:
        if w.records == 0:
            run.append(w)
            continue
        flush()
        shown.append((fmt_time(w.start), f"{w.records:,}", f"{w.requests:,}", fmt_ms(w.p99_ms), fmt_pct(w.error_rate)))
    flush()
    return table(("window start (UTC)", "records", "requests", "p99 ms", "error rate"), shown, numeric=range(1, 5))


def report_sections(report: Report, *, findings: bool = True, bounds: dict[str, float] | None = None) -> list[Markup]:
    """The sections of ``mlmon report``, in order (``findings``: with its findings table)."""
    parts: list[Markup] = []
    if far := report.far_from_rest:
        one = far.records == 1
        parts.append(
            note(
                (
                    f"{far.records:,} record{'' if one else 's'} far outside the rest in time (a clock bug?); "
                    f"--since {iso_utc(far.since)} --until {iso_utc(far.until)} leaves {'it' if one else 'them'} out."
                ),
                "warn",
            )
        )
    parts.append(section("Overview", overview(report.overall), anchor="overview"))
    if report.by_model:
        parts.append(by_model(report.by_model))
    if report.groups:
        parts.append(by_group(report.groups))
    parts.append(windows_section(report, bounds))
    if findings:
        parts.append(findings_table(report.findings))
    return parts
