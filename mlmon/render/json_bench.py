"""``mlmon bench``'s JSON document.

JSON schema (``mlmon_bench_version`` 1, also under ``version``, its first name)::

    {"mlmon_bench_version": 1, "version": 1, "tool": "mlmon bench",
     "status": "ok" | "critical" | "no checks" (no --p99-budget), "percentile_method": "linear",
     "model": {"path", "name", "bundled", "size_bytes", "load_time_ms", "providers",
               "graph_optimization", "intra_op_threads", "rss_after_load_mib", "labels",
               "inputs": [{"name", "type", "shape"}], "outputs": [...]},
     "run": {"warmup", "iterations", "duration_s", "seed", "input_source", "log_path",
             "log_records", "predictions_from"},
     "configurations": [{"batch_size", "concurrency", "input_shapes": {name: [dims]},
         "calls", "wall_s",
         "latency": {"count", "mean_ms", "min_ms", "p50_ms", "p95_ms", "p99_ms", "max_ms"},
         "throughput": {"inferences_per_s", "samples_per_s"},
         "cpu": {"time_s", "user_s", "system_s", "per_inference_ms", "utilization"},
         "memory": {"rss_start_mib", "rss_end_mib", "rss_growth_mib", "peak_rss_mib",
                    "peak_rss_method"}}],
     "budget": null | {"p99_ms", "passed", "breaches": [{"batch_size", "p99_ms"}]}}

Shapes keep dynamic dimensions as their names (strings) or null. ``predictions_from`` (null
without ``--log``) names the output(s) the log's labels and confidences were read from, or
says why there are none (``none: not a classifier``, ``none: --no-predictions``).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, Sequence

from mlmon.api.results import BenchReport
from mlmon.bench.result import PERCENTILE_METHOD, SCHEMA_VERSION, ConfigResult
from mlmon.verdicts.findings import Finding, Severity, status_of


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


def bench_payload(report: BenchReport) -> dict[str, Any]:
    """The JSON document as a dict (see the module docstring for the schema)."""
    result, findings, budget_ms = report.result, report.findings, report.budget_ms
    model = asdict(result.model)
    for key in ("inputs", "outputs"):
        model[key] = [{"name": t["name"], "type": t["type"], "shape": list(t["shape"])} for t in model[key]]
    model["providers"] = list(result.model.providers)
    model["labels"] = list(result.model.labels)
    return {
        "mlmon_bench_version": SCHEMA_VERSION,
        "version": SCHEMA_VERSION,
        "tool": "mlmon bench",
        "status": status_of(findings),
        "percentile_method": PERCENTILE_METHOD,
        "model": model,
        "run": {"warmup": result.warmup, "iterations": result.iterations, "duration_s": result.duration_s,
                "seed": result.seed, "input_source": result.input_source, "log_path": result.log_path,
                "log_records": result.log_records, "predictions_from": result.prediction_source},
        "configurations": [_config_dict(c) for c in result.configs],
        "budget": _budget(findings, budget_ms),
    }
