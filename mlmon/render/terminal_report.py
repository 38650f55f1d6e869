"""Terminal output for ``mlmon report``: the account of what was read, the overview of
the whole input, the table by model, the windows over time with their sparklines, and the
checks.

Columns dropped as the width shrinks (first listed goes first):

- By model: predictions, conf mean, p50, p95, requests; then the version folds under the
  model.
- Over time: records, requests (window start, p99 and error rate stay); more than 48
  windows are shown in buckets (sums; p99 and error rate the bucket's worst window), and
  then the count of windows per bucket goes first.
- Checks: the scope folds under the check; the finding wraps.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from mlmon.api.results import Report
from mlmon.plain import iso_utc
from mlmon.render.human import (
    MINUTE,
    SECOND,
    fmt_fixed,
    fmt_latency,
    fmt_latency_in,
    fmt_pct,
    fmt_sig,
    fmt_span,
    fmt_time,
    latency_unit,
    plural,
    time_precision,
)
from mlmon.render.terminal_fit import (
    PIPED_WIDTH,
    Col,
    bucket_size,
    chunks,
    fit_table,
    para,
    spark_bucket,
    sparkline,
    wrap,
)
from mlmon.render.terminal_groups import groups_table
from mlmon.render.terminal_parts import EmptyRun, findings_table, fold_empty_runs, ingest_lines, title

if TYPE_CHECKING:  # the analysis' types load polars
    from mlmon.analyses.ops_types import OpsSummary, WindowOps


def _flow(pieces: Sequence[str], room: int, sep: str = "   ") -> str:
    """``pieces`` joined by ``sep``, broken between pieces to lines of ``room`` cells."""
    lines: list[str] = []
    for piece in pieces:
        if lines and len(lines[-1]) + len(sep) + len(piece) <= room:
            lines[-1] += sep + piece
        else:
            lines.extend(wrap(piece, room))
    return "\n".join(lines)


def _overview_rows(summary: OpsSummary) -> list[tuple[str, list[str], str]]:
    tp, lat, err = summary.throughput, summary.latency, summary.errors
    long = (
        summary.start is not None and summary.end is not None and (summary.end - summary.start).total_seconds() >= 3600
    )
    precision = MINUTE if long else SECOND
    rows = [
        (
            "time span",
            [
                f"{fmt_time(summary.start, precision)} → {fmt_time(summary.end, precision)} UTC",
                f"({fmt_span(tp.span_seconds)})",
            ],
            " ",
        )
    ]
    mean = "-" if tp.mean_rps is None else f"{fmt_sig(tp.mean_rps)} req/s"
    over_span = getattr(tp, "peak_bucket_seconds", 60.0) != 60.0
    where = "over the whole span" if over_span else f"minute of {fmt_time(tp.peak_minute)}"
    rows.append(
        ("requests", [f"{tp.requests:,}", f"mean {mean}", f"peak {fmt_sig(tp.peak_rps)} req/s ({where})"], "   ")
    )
    latency = [
        f"{name} {fmt_latency(value)}"
        for name, value in (("p50", lat.p50_ms), ("p95", lat.p95_ms), ("p99", lat.p99_ms), ("max", lat.max_ms))
    ]
    method = "numpy linear" if lat.percentile_method == "exact" else "percentiles from log buckets, within 0.54%"
    rows.append(("latency", [*latency, f"({plural(lat.count, 'value')}, {method})"], "   "))
    kinds = ", ".join(f"{kind} {n:,}" for kind, n in err.by_kind.items() if n)
    rows.append(
        (
            "errors",
            [f"{fmt_pct(err.rate)} ({err.errors:,} of {err.requests:,})" + (f": {kinds}" if kinds else "")],
            "   ",
        )
    )
    return rows + _resource_and_prediction_rows(summary)


def _resource_and_prediction_rows(summary: OpsSummary) -> list[tuple[str, list[str], str]]:
    """The overview's rows of what not every log holds: resources, predictions, confidence."""
    rows: list[tuple[str, list[str], str]] = []
    if summary.resources:
        res = summary.resources
        rows.append(
            (
                "resources",
                [
                    f"cpu mean {fmt_fixed(res.cpu_mean, 1)}% max {fmt_fixed(res.cpu_max, 1)}%",
                    f"rss mean {fmt_fixed(res.rss_mean_mb, 1)} MiB max {fmt_fixed(res.rss_max_mb, 1)} MiB",
                ],
                "   ",
            )
        )
    if summary.predictions:
        pred = summary.predictions
        shares = [f"{label} {fmt_pct(share, 1)}" for label, share in pred.class_shares.items()] or [""]
        rows.append(("predictions", [f"{pred.count:,}: {shares[0]}".rstrip(), *shares[1:]], "  "))
        bucketed = ["(p10 from log buckets, within 0.54%)"] if pred.percentile_method != "exact" else []
        rows.append(
            (
                "confidence",
                [f"mean {fmt_fixed(pred.confidence_mean, 3)}", f"p10 {fmt_fixed(pred.confidence_p10, 3)}", *bucketed],
                "   ",
            )
        )
    return rows


def _overview(summary: OpsSummary, width: int) -> Table:
    table = Table(show_header=False, show_edge=False, pad_edge=False, box=None)
    table.add_column(style="bold", no_wrap=True)
    table.add_column(no_wrap=True)
    rows = _overview_rows(summary)
    room = max(width - max(len(key) for key, _, _ in rows) - 2, 20)
    for key, pieces, sep in rows:
        table.add_row(key, _flow(pieces, room, sep))
    return table


def _by_model(groups: Sequence[OpsSummary], width: int) -> list[RenderableType]:
    unit, factor = latency_unit(v for g in groups for v in (g.latency.p50_ms, g.latency.p95_ms, g.latency.p99_ms))
    cols = [
        Col("model", "left"),
        Col("version", "left", drop=6, fold="model"),
        Col("requests", drop=5),
        Col(f"p50 {unit}", drop=3),
        Col(f"p95 {unit}", drop=4),
        Col(f"p99 {unit}"),
        Col("errors"),
        Col("predictions", drop=1),
        Col("conf mean", drop=2),
    ]
    rows = []
    for g in groups:
        conf = g.predictions.confidence_mean if g.predictions else None
        rows.append(
            [
                g.model or "-",
                g.model_version or "-",
                f"{g.throughput.requests:,}",
                fmt_latency_in(g.latency.p50_ms, factor),
                fmt_latency_in(g.latency.p95_ms, factor),
                fmt_latency_in(g.latency.p99_ms, factor),
                fmt_pct(g.errors.rate),
                f"{g.predictions.count:,}" if g.predictions else "0",
                fmt_fixed(conf, 3),
            ]
        )
    return [title("By model"), fit_table(cols, rows, width)]


def _window_rows(rows: Sequence[WindowOps], precision: int, factor: float) -> tuple[list[list[Any]], str]:
    """The over-time rows (one per window, runs of empty ones folded; buckets beyond a
    screenful) and a note on what a bucket shows."""
    shown = fold_empty_runs(rows, lambda w: w.records == 0)
    if len(shown) <= 48:
        return [
            [Text(w.describe(precision), style="dim"), "", "", "", ""]
            if isinstance(w, EmptyRun)
            else [
                fmt_time(w.start, precision),
                f"{w.records:,}",
                f"{w.requests:,}",
                fmt_latency_in(w.p99_ms, factor),
                fmt_pct(w.error_rate),
            ]
            for w in shown
        ], ""
    size = bucket_size(len(rows))
    out = []
    for chunk in chunks(rows, size):
        p99 = [w.p99_ms for w in chunk if w.p99_ms is not None]
        rates = [w.error_rate for w in chunk if w.error_rate is not None]
        out.append(
            [
                fmt_time(chunk[0].start, precision),
                f"{len(chunk):,}",
                f"{sum(w.records for w in chunk):,}",
                f"{sum(w.requests for w in chunk):,}",
                fmt_latency_in(max(p99, default=None), factor),
                fmt_pct(max(rates, default=None)),
            ]
        )
    return out, f"{len(rows):,} windows in rows of {size:,}: counts summed, p99 and error rate the worst window's"


def _windows(report: Report, width: int) -> list[RenderableType]:
    rows = report.windows
    precision = time_precision([w.start for w in rows], report.window.duration)
    unit, factor = latency_unit(w.p99_ms for w in rows)
    cells, note = _window_rows(rows, precision, factor)
    start_width = len(fmt_time(rows[0].start, precision))
    cols = [
        Col("window start", "left", flex=True, min_width=start_width),
        *([Col("windows", drop=1)] if note else []),
        Col("records", drop=2),
        Col("requests", drop=3),
        Col(f"p99 {unit}"),
        Col("error rate"),
    ]
    parts: list[RenderableType] = [title(f"Over time ({report.window.describe()}, UTC)")]
    if note:
        parts.append(para(note, width, "dim"))
    parts.append(fit_table(cols, cells, width))
    room = max(width - 8, 8)
    sparks = Table(show_header=False, show_edge=False, pad_edge=False, box=None)
    sparks.add_column(style="bold")
    sparks.add_column(no_wrap=True)
    sparks.add_row("p99", sparkline([w.p99_ms for w in rows], room))
    sparks.add_row("errors", sparkline([w.error_rate for w in rows], room))
    parts.append(sparks)
    if (per := spark_bucket(len(rows), room)) > 1:
        parts.append(para(f"one mark per {per:,} windows: the highest of them", width, "dim"))
    return parts


def report_parts(report: Report, width: int = PIPED_WIDTH) -> list[RenderableType]:
    """The renderables of ``mlmon report``, in order."""
    parts: list[RenderableType] = [Text("mlmon report", style="bold"), *ingest_lines(report.ingest, width)]
    if far := report.far_from_rest:
        one = far.records == 1
        parts.append(
            para(
                f"{plural(far.records, 'record')} far outside the rest in time (a clock bug?); "
                f"--since {iso_utc(far.since)} --until {iso_utc(far.until)} leaves {'it' if one else 'them'} out",
                width,
                "yellow",
            )
        )
    parts += [Text(""), _overview(report.overall, width)]
    if report.by_model:
        parts += [Text(""), *_by_model(report.by_model, width)]
    if report.groups:
        parts += [Text(""), *groups_table(report.groups, width)]
    if report.windows:
        parts += [Text(""), *_windows(report, width)]
    if report.findings:
        parts += [Text(""), *findings_table(report.findings, width)]
    return parts
