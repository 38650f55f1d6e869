"""``mlmon bench``'s Python twin with its budget check:
``build_bench_report("model.onnx", p99_budget_ms=5, batch_sizes=[1, 8])``."""

from __future__ import annotations

from typing import Any

from mlmon.api.results import BenchReport
from mlmon.bench.runner import run_bench
from mlmon.units import parse_latency_ms
from mlmon.verdicts.budgets import bench_findings


def build_bench_report(model: Any = None, *, p99_budget_ms: float | str | None = None, **run_options: Any) -> BenchReport:
    """Time ``model`` with :func:`mlmon.bench.run_bench` (``run_options`` are its keyword
    arguments) and check each configuration's p99 against ``p99_budget_ms`` (a number of
    milliseconds, or a string such as ``"5ms"``)."""
    budget = parse_latency_ms(p99_budget_ms) if isinstance(p99_budget_ms, str) else p99_budget_ms
    result = run_bench(model, **run_options)
    findings = () if budget is None else bench_findings(result.configs, budget)
    return BenchReport(result, budget, findings)
