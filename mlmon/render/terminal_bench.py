"""``mlmon bench`` in the terminal: a header on the model and run, the table of
configurations, and the budget verdict."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich import box
from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from mlmon.api.results import BenchReport
from mlmon.bench.result import ONNX_TO_NUMPY
from mlmon.verdicts.findings import Severity

def _ms(value: float) -> str:
    return f"{value:.3f}" if value < 10 else f"{value:.2f}" if value < 100 else f"{value:.1f}"


def _rate(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def _shape(shape: Sequence[Any]) -> str:
    return "[" + ", ".join("?" if d is None else str(d) for d in shape) + "]"


def bench_parts(report: BenchReport) -> list[RenderableType]:
    """The renderables of a bench report, in order."""
    result, findings, budget_ms = report.result, report.findings, report.budget_ms
    m = result.model
    where = "bundled" if m.bundled else m.path
    threads = "default" if m.intra_op_threads == 0 else str(m.intra_op_threads)
    concurrency = result.configs[0].concurrency if result.configs else 1
    inputs = ", ".join(f"{t.name} {ONNX_TO_NUMPY.get(t.type, t.type)} {_shape(t.shape)}" for t in m.inputs)
    source = f"synthetic, seed {result.seed}" if result.input_source == "synthetic" else result.input_source
    stop = f"{result.iterations} calls" if result.iterations is not None else f"{result.duration_s:g} s"
    header = Text.assemble(
        ("mlmon bench ", "bold"), (f"{m.name}.onnx", "bold cyan"),
        f" ({where}, {m.size_bytes / 2**20:.1f} MiB) · loaded in {_ms(m.load_time_ms)} ms · "
        f"RSS {m.rss_after_load_mib:.0f} MiB\n",
        f"{', '.join(m.providers)} · graph optimization {m.graph_optimization} · "
        f"intra-op threads {threads} · concurrency {concurrency}\n",
        f"{inputs} ({source}) · warmup {result.warmup} · {stop} per configuration",
    )
    table = Table(box=box.SIMPLE_HEAD, padding=(0, 0), show_edge=False,
                  caption="latency of each session.run call in ms (numpy linear percentiles); "
                          "CPU: process user+system time; RSS in MiB, Δ: end minus start of the "
                          "timed phase",
                  caption_justify="left")
    for column in ("batch", "calls", "p50", "p95", "p99", "max", "inf/s", "samples/s", "CPU s",
                   "RSS peak", "RSS Δ"):
        table.add_column(column, justify="right")
    breached = {f.scope for f in findings if f.severity is Severity.CRITICAL}
    for c in result.configs:
        p99 = _ms(c.latency.p99_ms)
        table.add_row(
            str(c.batch_size), f"{c.calls:,}", _ms(c.latency.p50_ms), _ms(c.latency.p95_ms),
            Text(p99, style="bold red") if f"batch_size={c.batch_size}" in breached else p99,
            _ms(c.latency.max_ms), _rate(c.inferences_per_s), _rate(c.samples_per_s),
            f"{c.cpu_time_s:.2f}", f"{c.peak_rss_mib:.1f}", f"{round(c.rss_growth_mib, 1) + 0.0:+.1f}",
        )
    parts: list[Any] = [header, table]
    if budget_ms is not None:
        if breached:
            worst = max((f for f in findings if f.severity is Severity.CRITICAL), key=lambda f: f.value or 0)
            parts.append(Text(f"p99 budget {budget_ms:g} ms: EXCEEDED ({worst.message})", style="bold red"))
        else:
            parts.append(Text(f"p99 budget {budget_ms:g} ms: met by every configuration", style="green"))
    if result.log_path:
        parts.append(Text(f"wrote {result.log_records:,} inference records to {result.log_path}"))
    return parts
