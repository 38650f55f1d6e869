"""``mlmon bench`` in the terminal: a header on the model and run, the table of
configurations, and the budget verdict. Two models (A/B): a header on both, their rows side by
side per batch size, the differences B - A with their intervals, the agreement of their
outputs, the decision line and the notes.

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
from mlmon.bench.ab_result import ABResult, Agreement, Estimate
from mlmon.bench.result import ONNX_TO_NUMPY
from mlmon.render.human import (
    fmt_latency,
    fmt_latency_in,
    fmt_level,
    fmt_pct,
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
    if report.ab is not None:
        return ab_parts(report, report.ab, width)
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


def _ab_header(report: BenchReport, ab: ABResult, width: int) -> Text:
    a, b = ab.a.model, ab.b.model
    run = ab.a
    threads = "default" if a.intra_op_threads == 0 else str(a.intra_op_threads)
    inputs = ", ".join(f"{t.name} {ONNX_TO_NUMPY.get(t.type, t.type)} {_shape(t.shape)}" for t in a.inputs)
    source = f"synthetic, seed {run.seed}" if run.input_source == "synthetic" else run.input_source
    stop = f"{run.iterations:,} calls each" if run.iterations is not None else f"{fmt_sig(run.duration_s)} s"
    lines = [
        f"mlmon bench A/B · A {a.name}.onnx ({'bundled' if a.bundled else a.path}, {a.size_bytes / 2**20:.1f} MiB)"
        f" · B {b.name}.onnx ({'bundled' if b.bundled else b.path}, {b.size_bytes / 2**20:.1f} MiB)",
        f"{', '.join(a.providers)} · graph optimization {a.graph_optimization} · intra-op threads {threads} · "
        "calls interleaved (A B, B A, ...) on the same inputs",
        f"{inputs} ({source}) · warmup {run.warmup} · {stop} per configuration",
    ]
    text = para("\n".join(lines), width)
    text.stylize("bold", 0, len("mlmon bench A/B"))
    return text


def _ab_table(report: BenchReport, ab: ABResult, width: int) -> tuple[Any, str]:
    pairs = list(zip(ab.a.configs, ab.b.configs))
    unit, factor = latency_unit(
        v for ca, cb in pairs for c in (ca, cb) for v in (c.latency.p50_ms, c.latency.p99_ms, c.per_sample_ms)
    )
    cols = [
        Col("batch"),
        Col("model", justify="left"),
        Col("p50"),
        Col("p95", drop=3),
        Col("p99"),
        Col("mean", drop=4),
        Col("per sample"),
        Col("samples/s"),
        Col("calls", drop=2),
        Col("RSS peak", drop=1),
    ]
    breached = {f.scope for f in report.findings if f.severity is Severity.CRITICAL}
    rows = []
    for ca, cb in pairs:
        for which, c in (("A", ca), ("B", cb)):
            p99 = fmt_latency_in(c.latency.p99_ms, factor)
            over = which == "B" and f"batch_size={c.batch_size}" in breached
            rows.append(
                [
                    str(c.batch_size) if which == "A" else "",
                    which,
                    fmt_latency_in(c.latency.p50_ms, factor),
                    fmt_latency_in(c.latency.p95_ms, factor),
                    Text(p99, style="bold red") if over else p99,
                    fmt_latency_in(c.latency.mean_ms, factor),
                    fmt_latency_in(c.per_sample_ms, factor),
                    _rate(c.samples_per_s),
                    f"{c.calls:,}",
                    f"{c.peak_rss_mib:.1f}" if which == "A" else "",
                ]
            )
    return fit_table(cols, rows, width, box=box.SIMPLE_HEAD, padding=(0, 0)), unit


def _interval(e: Estimate, show: Any) -> str:
    return f"{show(e.value)} [{show(e.low)}, {show(e.high)}]"


def _signed_ms(value: float) -> str:
    return "-" if value != value else f"{value:+.3g}"


def _differences(ab: ABResult, width: int) -> Any:
    cols = [Col("batch"), Col("p50 B-A ms"), Col("p99 B-A ms", drop=1), Col("mean B/A"), Col("B is", justify="left")]
    rows = [
        [
            str(d.batch_size),
            _interval(d.p50_diff_ms, _signed_ms),
            _interval(d.p99_diff_ms, _signed_ms),
            _interval(d.mean_ratio, lambda v: fmt_sig(v, 3)),
            d.verdict,
        ]
        for d in ab.differences
    ]
    return fit_table(cols, rows, width, box=box.SIMPLE_HEAD, padding=(0, 0))


def _agreement(agreement: Agreement) -> str:
    head = f"agreement on {agreement.rows:,} inputs"
    if not agreement.classifier:
        diffs = ", ".join(f"{name} {fmt_sig(v, 3)}" for name, v in agreement.output_max_abs_diff if v is not None)
        return f"{head} ({agreement.source}): largest absolute difference {diffs or '-'}"
    parts = [
        f"top-1 {fmt_pct(agreement.top1_share, 1)} [{fmt_pct(agreement.top1_low, 1)}, "
        f"{fmt_pct(agreement.top1_high, 1)}] ({agreement.top1_agree:,} of {agreement.rows:,})"
    ]
    if agreement.max_abs_proba_diff is not None:
        parts.append(f"largest probability difference {fmt_sig(agreement.max_abs_proba_diff, 3)}")
    if agreement.mean_kl is not None:
        parts.append(f"mean KL(A||B) {fmt_sig(agreement.mean_kl, 3)} nats")
    return f"{head} ({agreement.source}): " + " · ".join(parts)


def ab_parts(report: BenchReport, ab: ABResult, width: int = PIPED_WIDTH) -> list[RenderableType]:
    """The renderables of an A/B bench report, in order."""
    table, unit = _ab_table(report, ab, width)
    caption = (
        f"latency of each session.run call in {unit} (numpy linear percentiles); per sample: mean over batch size; "
        "samples/s over the time in the model's own calls; RSS peak in MiB, both models in one process"
    )
    parts: list[Any] = [_ab_header(report, ab, width), table, para(caption, width, "dim"), _differences(ab, width)]
    parts.append(para("B - A with 95% bootstrap intervals (pairs of calls resampled together)", width, "dim"))
    parts.append(para(_agreement(ab.agreement), width))
    parts.append(para(ab.decision, width, "bold"))
    parts += [para(f"note: {note}", width, "yellow") for note in ab.notes]
    if report.budget_ms is not None:
        over = [f for f in report.findings if f.severity is Severity.CRITICAL]
        verdict = f"EXCEEDED ({over[0].message})" if over else "met by B at every batch size"
        parts.append(
            para(f"p99 budget {fmt_level(report.budget_ms)}: {verdict}", width, "bold red" if over else "green")
        )
    return parts
