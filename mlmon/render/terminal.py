"""Terminal output with rich: tables and sparklines. Colour only on a TTY without NO_COLOR;
otherwise the same layout as plain text. ``render`` shows any result with findings; the
report's sections are here, drift's in ``terminal_drift`` and bench's in ``terminal_bench``."""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rich.console import Console, RenderableType
from rich.table import Table
from rich.text import Text

from mlmon.analyses.ops_types import OpsSummary
from mlmon.api.results import BenchReport, CheckReport, DriftReport, Report
from mlmon.ingest.problems import IngestStats
from mlmon.plain import iso_utc
from mlmon.verdicts.findings import Finding, Severity

SPARKS = "▁▂▃▄▅▆▇█"
SEVERITY_STYLE = {Severity.OK: "green", Severity.WARNING: "yellow", Severity.CRITICAL: "bold red", Severity.UNKNOWN: "magenta"}
SEVERITY_MARK = {Severity.OK: "ok", Severity.WARNING: "WARN", Severity.CRITICAL: "FAIL", Severity.UNKNOWN: "n/a"}


def to_text(renderables: Iterable[RenderableType], *, color: bool, width: int = 110) -> str:
    """Render to a string; ANSI styles only when ``color``."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=color, no_color=not color, color_system="standard" if color else None, highlight=False)
    for item in renderables:
        console.print(item)
    return "".join(line.rstrip() + "\n" for line in buffer.getvalue().splitlines())


def sparkline(values: Sequence[float | None]) -> str:
    """One character per value, scaled to the largest; a gap (None) is a space."""
    present = [v for v in values if v is not None]
    top = max(present, default=0.0)
    if top <= 0:
        return "".join(" " if v is None else SPARKS[0] for v in values)
    return "".join(" " if v is None else SPARKS[min(int(v / top * (len(SPARKS) - 1) + 0.5), len(SPARKS) - 1)] for v in values)


def fmt_ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f}"


def fmt_pct(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}%}"


def fmt_num(value: float | None, fmt: str) -> str:
    """``value`` formatted with ``fmt``, or ``-`` when it is missing, NaN or infinite."""
    return "-" if value is None or not math.isfinite(value) else format(value, fmt)


def fmt_time(value: datetime | None) -> str:
    return "-" if value is None else value.strftime("%Y-%m-%d %H:%M")


MIN_EMPTY_RUN = 3
"""Runs of at least this many consecutive empty windows show as one row."""


@dataclass(frozen=True)
class EmptyRun:
    """Consecutive empty windows, shown as one row."""

    count: int
    """How many windows."""
    first: datetime
    """Start of the first."""
    last: datetime
    """Start of the last."""

    def describe(self) -> str:
        return f"… {self.count:,} empty windows ({fmt_time(self.first)} to {fmt_time(self.last)})"


def fold_empty_runs(rows: Sequence[Any], is_empty: Callable[[Any], bool], group: Callable[[Any], object] = lambda _: None) -> list[Any]:
    """``rows`` (each with a ``start``) with every run of ``MIN_EMPTY_RUN`` or more
    consecutive empty ones, within one ``group``, replaced by an :class:`EmptyRun`."""
    out: list[Any] = []
    run: list[Any] = []

    def flush() -> None:
        out.extend([EmptyRun(len(run), run[0].start, run[-1].start)] if len(run) >= MIN_EMPTY_RUN else run)
        run.clear()

    for row in rows:
        if run and (not is_empty(row) or group(row) != group(run[0])):
            flush()
        (run if is_empty(row) else out).append(row)
    flush()
    return out


def ingest_lines(stats: IngestStats) -> list[RenderableType]:
    files = f"{len(stats.files)} file{'s' if len(stats.files) != 1 else ''}"
    lines: list[RenderableType] = []
    for heading, problems in (("skipped", stats.lines_skipped), ("values not used", stats.values_not_used)):
        if problems:
            lines.append(Text(f"{heading}: " + ", ".join(f"{n:,} {reason}" for reason, n in problems.items()), style="yellow"))
    lines.extend(Text(f"  {example}", style="dim") for example in stats.examples)
    if stats.outside_time_range:
        lines.append(Text(f"{stats.outside_time_range:,} records outside --since/--until", style="dim"))
    if stats.ignored_files:
        lines.append(Text(f"ignored {len(stats.ignored_files)} file(s) in directories that do not look like logs", style="dim"))
    if stats.unreadable_files:
        lines.append(Text(f"skipped {len(stats.unreadable_files)} unreadable file(s): " + "; ".join(stats.unreadable_files[:3]), style="yellow"))
    return [Text(f"read {stats.lines:,} lines from {files}: {stats.records:,} records", style="dim"), *lines]


def findings_table(findings: Sequence[Finding]) -> Table:
    table = Table(title="Checks", title_justify="left", show_edge=False, pad_edge=False)
    for column in ("", "check", "scope", "finding"):
        table.add_column(column)
    for finding in findings:
        style = SEVERITY_STYLE[finding.severity]
        table.add_row(Text(SEVERITY_MARK[finding.severity], style=style), finding.check, finding.scope, finding.message)
    return table


def _overview(summary: OpsSummary) -> Table:
    table = Table(show_header=False, show_edge=False, pad_edge=False, box=None)
    table.add_column(style="bold")
    table.add_column()
    span = f"{fmt_time(summary.start)} → {fmt_time(summary.end)} UTC ({summary.throughput.span_seconds / 86400:.1f} days)"
    table.add_row("time span", span)
    tp = summary.throughput
    mean = "-" if tp.mean_rps is None else f"{tp.mean_rps:.3g} req/s"
    table.add_row("requests", f"{tp.requests:,}   mean {mean}   peak {tp.peak_rps:.3g} req/s (minute of {fmt_time(tp.peak_minute)})")
    lat = summary.latency
    table.add_row("latency ms", f"p50 {fmt_ms(lat.p50_ms)}   p95 {fmt_ms(lat.p95_ms)}   p99 {fmt_ms(lat.p99_ms)}   max {fmt_ms(lat.max_ms)}   ({lat.count:,} values, numpy linear)")
    err = summary.errors
    kinds = ", ".join(f"{kind} {n:,}" for kind, n in err.by_kind.items() if n)
    table.add_row("errors", f"{fmt_pct(err.rate)} ({err.errors:,} of {err.requests:,})" + (f": {kinds}" if kinds else ""))
    if summary.resources:
        res = summary.resources
        table.add_row("resources", f"cpu mean {fmt_ms(res.cpu_mean)}% max {fmt_ms(res.cpu_max)}%   rss mean {fmt_ms(res.rss_mean_mb)} MiB max {fmt_ms(res.rss_max_mb)} MiB")
    if summary.predictions:
        pred = summary.predictions
        shares = "  ".join(f"{label} {share:.1%}" for label, share in pred.class_shares.items())
        table.add_row("predictions", f"{pred.count:,}: {shares}")
        p10 = "-" if pred.confidence_p10 is None else f"{pred.confidence_p10:.3f}"
        mean_conf = "-" if pred.confidence_mean is None else f"{pred.confidence_mean:.3f}"
        table.add_row("confidence", f"mean {mean_conf}   p10 {p10}")
    return table


def _by_model(groups: Sequence[OpsSummary]) -> Table:
    table = Table(title="By model", title_justify="left", show_edge=False, pad_edge=False)
    for name in ("model", "version", "requests", "p50 ms", "p95 ms", "p99 ms", "errors", "predictions", "conf mean"):
        table.add_column(name, justify="left" if name in {"model", "version"} else "right")
    for g in groups:
        conf = g.predictions.confidence_mean if g.predictions else None
        table.add_row(
            g.model or "-", g.model_version or "-", f"{g.throughput.requests:,}", fmt_ms(g.latency.p50_ms), fmt_ms(g.latency.p95_ms),
            fmt_ms(g.latency.p99_ms), fmt_pct(g.errors.rate), f"{g.predictions.count:,}" if g.predictions else "0",
            "-" if conf is None else f"{conf:.3f}",
        )
    return table


def _windows(report: Report) -> list[RenderableType]:
    rows = report.windows
    table = Table(title=f"Over time ({report.window.describe()})", title_justify="left", show_edge=False, pad_edge=False)
    for name in ("window start", "records", "requests", "p99 ms", "error rate"):
        table.add_column(name, justify="left" if name == "window start" else "right")
    shown = fold_empty_runs(rows, lambda w: w.records == 0)
    for w in shown:
        if isinstance(w, EmptyRun):
            table.add_row(Text(w.describe(), style="dim"), "", "", "", "")
        else:
            table.add_row(fmt_time(w.start), f"{w.records:,}", f"{w.requests:,}", fmt_ms(w.p99_ms), fmt_pct(w.error_rate))
    sparks = Table(show_header=False, show_edge=False, pad_edge=False, box=None)
    sparks.add_column(style="bold")
    sparks.add_column()
    sparks.add_row("p99", sparkline([None if isinstance(w, EmptyRun) else w.p99_ms for w in shown]))
    sparks.add_row("errors", sparkline([None if isinstance(w, EmptyRun) else w.error_rate for w in shown]))
    return [table, sparks]


def report_parts(report: Report) -> list[RenderableType]:
    """The renderables of ``mlmon report``, in order."""
    parts: list[RenderableType] = [Text("mlmon report", style="bold"), *ingest_lines(report.ingest)]
    if far := report.far_from_rest:
        one = far.records == 1
        parts.append(Text(
            f"{far.records:,} record{'' if one else 's'} far outside the rest in time (a clock bug?); "
            f"--since {iso_utc(far.since)} --until {iso_utc(far.until)} leaves {'it' if one else 'them'} out", style="yellow"))
    parts += [Text(""), _overview(report.overall)]
    if report.by_model:
        parts += [Text(""), _by_model(report.by_model)]
    if report.windows:
        parts += [Text(""), *_windows(report)]
    if report.findings:
        parts += [Text(""), findings_table(report.findings)]
    return parts


def render(result: object, *, color: bool = False) -> str:
    """``result`` as terminal text; a result type without sections of its own shows its
    findings table."""
    if isinstance(result, Report):
        return to_text(report_parts(result), color=color, width=110)
    if isinstance(result, DriftReport):
        from mlmon.render.terminal_drift import drift_parts

        return to_text(drift_parts(result), color=color, width=120)
    if isinstance(result, CheckReport):
        from mlmon.render.terminal_check import check_parts

        return to_text(check_parts(result), color=color, width=140)
    if isinstance(result, BenchReport):
        from mlmon.render.terminal_bench import bench_parts

        return to_text(bench_parts(result), color=color, width=Console().width)
    return to_text([findings_table(result.findings)], color=color)  # type: ignore[attr-defined]
