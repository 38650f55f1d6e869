"""Render a :class:`BenchResult`: a rich table for terminals, or a JSON document.

JSON schema (``version`` 1)::

    {"version": 1, "tool": "mlmon bench", "percentile_method": "linear",
     "model": {"path", "name", "bundled", "size_bytes", "load_time_ms", "providers",
               "graph_optimization", "intra_op_threads", "rss_after_load_mib", "labels",
               "inputs": [{"name", "type", "shape"}], "outputs": [...]},
     "run": {"warmup", "iterations", "duration_s", "seed", "input_source", "log_path",
             "log_records"},
     "configurations": [{"batch_size", "concurrency", "input_shapes": {name: [dims]},
         "calls", "wall_s",
         "latency": {"count", "mean_ms", "min_ms", "p50_ms", "p95_ms", "p99_ms", "max_ms"},
         "throughput": {"inferences_per_s", "samples_per_s"},
         "cpu": {"time_s", "user_s", "system_s", "per_inference_ms", "utilization"},
         "memory": {"rss_start_mib", "rss_end_mib", "rss_growth_mib", "peak_rss_mib",
                    "peak_rss_method"}}],
     "budget": null | {"p99_ms", "passed", "breaches": [{"batch_size", "p99_ms"}]}}

Shapes keep dynamic dimensions as their names (strings) or null.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any, Sequence

from mlmon.bench.result import PERCENTILE_METHOD, SCHEMA_VERSION, BenchResult, ConfigResult
from mlmon.findings import Finding, Severity


def _budget(findings: Sequence[Finding], budget_ms: float | None) -> dict[str, Any] | None:
    if budget_ms is None:
        return None
    breaches = [f for f in findings if f.severity is Severity.CRITICAL]
    return {"p99_ms": budget_ms, "passed": not breaches,
            "breaches": [{"batch_size": int(f.scope.partition("=")[2]), "p99_ms": f.value} for f in breaches]}


def _config_dict(c: ConfigResult) -> dict[str, Any]:
    return {
        "batch_size": c.batch_size,
        "concurrency": c.concurrency,
        "input_shapes": {name: list(shape) for name, shape in c.input_shapes},
        "calls": c.calls,
        "wall_s": c.wall_s,
        "latency": asdict(c.latency),
        "throughput": {"inferences_per_s": c.inferences_per_s, "samples_per_s": c.samples_per_s},
        "cpu": {"time_s": c.cpu_time_s, "user_s": c.cpu_user_s, "system_s": c.cpu_system_s,
                "per_inference_ms": c.cpu_per_inference_ms, "utilization": c.cpu_utilization},
        "memory": {"rss_start_mib": c.rss_start_mib, "rss_end_mib": c.rss_end_mib,
                   "rss_growth_mib": c.rss_growth_mib, "peak_rss_mib": c.peak_rss_mib,
                   "peak_rss_method": c.peak_rss_method},
    }


def to_dict(result: BenchResult, findings: Sequence[Finding] = (), budget_ms: float | None = None) -> dict[str, Any]:
    """The JSON document as a dict (see the module docstring for the schema)."""
    model = asdict(result.model)
    for key in ("inputs", "outputs"):
        model[key] = [{"name": t["name"], "type": t["type"], "shape": list(t["shape"])} for t in model[key]]
    model["providers"] = list(result.model.providers)
    model["labels"] = list(result.model.labels)
    return {
        "version": SCHEMA_VERSION,
        "tool": "mlmon bench",
        "percentile_method": PERCENTILE_METHOD,
        "model": model,
        "run": {"warmup": result.warmup, "iterations": result.iterations, "duration_s": result.duration_s,
                "seed": result.seed, "input_source": result.input_source, "log_path": result.log_path,
                "log_records": result.log_records},
        "configurations": [_config_dict(c) for c in result.configs],
        "budget": _budget(findings, budget_ms),
    }


def render_json(result: BenchResult, findings: Sequence[Finding] = (), budget_ms: float | None = None) -> str:
    """The JSON document, indented, with a trailing newline."""
    return json.dumps(to_dict(result, findings, budget_ms), indent=2) + "\n"


def _ms(value: float) -> str:
    return f"{value:.3f}" if value < 10 else f"{value:.2f}" if value < 100 else f"{value:.1f}"


def _rate(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def _shape(shape: Sequence[Any]) -> str:
    return "[" + ", ".join("?" if d is None else str(d) for d in shape) + "]"


def render_table(result: BenchResult, findings: Sequence[Finding] = (), budget_ms: float | None = None) -> Any:
    """A rich renderable: a header on the model and run, the table, and the budget verdict."""
    from rich import box
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    from mlmon.bench.inputs import ONNX_TO_NUMPY

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
    return Group(*parts)
