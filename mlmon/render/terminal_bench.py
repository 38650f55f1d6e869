"""``mlmon bench`` in the terminal: a header on the model and run, the table of
configurations, and the budget verdict.

Latencies are in ms, or in µs when every one of the table is under 1 ms (the caption says
which). Columns dropped as the width shrinks (first listed goes first): RSS Δ, CPU s,
RSS peak, calls, samples/s, max, p95 (batch, p50, p99 and inf/s stay)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich import box
from rich.console import RenderableType
from rich.text import Text

from mlmon.api.results import BenchReport
from mlmon.bench.result import ONNX_TO_NUMPY
from mlmon.render.human import (
    fmt_latency,
    fmt_latency_in,
    fmt_level,
    fmt_sig,
    latency_unit,
)
from mlmon.render.terminal_fit import PIPED_WIDTH, Col, fit_table, para
from mlmon.verdicts.findings import Severity


def _rate(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else fmt_sig(value, 3)


def _shape(shape: Sequence[Any]) -> str:
    return "[" + ", ".join("?" if d is None else str(d) for d in shape) + "]"


def _header(report: BenchReport, width: int) -> Text:
    result = report.result
    m = result.model
    where = "bundled" if m.bundled else m.path
    threads = "default" if m.intra_op_threads == 0 else str(m.intra_op_threads)
    concurrency = result.configs[0].concurrency if result.configs else 1
    inputs = ", ".join(f"{t.name} {ONNX_TO_NUMPY.get(t.type, t.type)} {_shape(t.shape)}" for t in m.inputs)
    source = f"synthetic, seed {result.seed}" if result.input_source == "synthetic" else result.input_source
    stop = f"{result.iterations:,} calls" if result.iterations is not None else f"{fmt_sig(result.duration_s)} s"
    name = f"{m.name}.onnx"
    lines = [
        (
            f"mlmon bench {name} ({where}, {m.size_bytes / 2**20:.1f} MiB) · loaded in {fmt_latency(m.load_time_ms)} · "
            f"RSS {m.rss_after_load_mib:.0f} MiB"
        ),
        (
            f"{', '.join(m.providers)} · graph optimization {m.graph_optimization} · intra-op threads {threads} · "
            f"concurrency {concurrency}"
        ),
        f"{inputs} ({source}) · warmup {result.warmup} · {stop} per configuration",
    ]
    text = para("\n".join(lines), width)
    text.stylize("bold", 0, len("mlmon bench"))
    text.stylize("bold cyan", len("mlmon bench "), len("mlmon bench ") + len(name))
    return text


def bench_parts(report: BenchReport, width: int = PIPED_WIDTH) -> list[RenderableType]:
    """The renderables of a bench report, in order."""
    result, findings, budget_ms = report.result, report.findings, report.budget_ms
    unit, factor = latency_unit(
        v for c in result.configs for v in (c.latency.p50_ms, c.latency.p95_ms, c.latency.p99_ms, c.latency.max_ms)
    )
    cols = [
        Col("batch"),
        Col("calls", drop=4),
        Col("p50"),
        Col("p95", drop=7),
        Col("p99"),
        Col("max", drop=6),
        Col("inf/s"),
        Col("samples/s", drop=5),
        Col("CPU s", drop=2),
        Col("RSS peak", drop=3),
        Col("RSS Δ", drop=1),
    ]
    breached = {f.scope for f in findings if f.severity is Severity.CRITICAL}
    rows = []
    for c in result.configs:
        p99 = fmt_latency_in(c.latency.p99_ms, factor)
        rows.append(
            [
                str(c.batch_size),
                f"{c.calls:,}",
                fmt_latency_in(c.latency.p50_ms, factor),
                fmt_latency_in(c.latency.p95_ms, factor),
                Text(p99, style="bold red") if f"batch_size={c.batch_size}" in breached else p99,
                fmt_latency_in(c.latency.max_ms, factor),
                _rate(c.inferences_per_s),
                _rate(c.samples_per_s),
                f"{c.cpu_time_s:.2f}",
                f"{c.peak_rss_mib:.1f}",
                f"{round(c.rss_growth_mib, 1) + 0.0:+.1f}",
            ]
        )
    table = fit_table(cols, rows, width, box=box.SIMPLE_HEAD, padding=(0, 0))
    caption = para(
        (
            f"latency of each session.run call in {unit} (numpy linear percentiles); CPU: process user+system "
            "time; RSS in MiB, Δ: end minus start of the timed phase"
        ),
        width,
        "dim",
    )
    parts: list[Any] = [_header(report, width), table, caption]
    if budget_ms is not None:
        if breached:
            worst = max((f for f in findings if f.severity is Severity.CRITICAL), key=lambda f: f.value or 0)
            parts.append(para(f"p99 budget {fmt_level(budget_ms)}: EXCEEDED ({worst.message})", width, "bold red"))
        else:
            parts.append(para(f"p99 budget {fmt_level(budget_ms)}: met by every configuration", width, "green"))
    if result.log_path:
        read = f" · predictions: {result.prediction_source}" if result.prediction_source else ""
        parts.append(para(f"wrote {result.log_records:,} inference records to {result.log_path}{read}", width))
    return parts
