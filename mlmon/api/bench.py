"""``mlmon bench``'s Python twin with its budget check:
``build_bench_report("model.onnx", p99_budget="5ms", batch_sizes="1,8", duration="1s")``, and
its A/B comparison: ``build_bench_report("a.onnx", "b.onnx", batch_sizes="1,8")``."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from mlmon.api.results import BenchReport
from mlmon.bench.options import bench_options
from mlmon.bench.runner import run_bench
from mlmon.config.specs import OptionTypeError
from mlmon.verdicts.budgets import bench_findings


def build_bench_report(
    model: Any = None,
    model_b: Any = None,
    *,
    p99_budget_ms: float | str | None = None,
    p99_budget: float | str | None = None,
    duration: float | str | None = None,
    **run_options: Any,
) -> BenchReport:
    """Time ``model`` with :func:`mlmon.bench.run_bench` (``run_options`` are its keyword
    arguments) and check each configuration's p99 against ``p99_budget_ms`` (a number of
    milliseconds, or a string such as ``"5ms"``; ``p99_budget`` is the CLI's name for it).

    The CLI's strings work too: ``duration="1s"`` (or ``duration_s="1s"``: seconds per
    configuration), ``batch_sizes="1,8,32"``, ``shapes=["image=1x3x64x64"]``,
    ``providers="cpu"``.

    With ``model_b``, both models are timed on the same inputs, their calls interleaved
    (:func:`mlmon.bench.ab.run_ab`: ``concurrency`` 1, no ``log``); the report's ``result``
    is A's, its ``ab`` both and their comparison, and the budget is checked on B."""
    run_options["p99_budget_ms"] = _one("p99_budget", p99_budget, "p99_budget_ms", p99_budget_ms)
    run_options["duration_s"] = _one("duration", duration, "duration_s", run_options.pop("duration_s", None))
    run_options = bench_options(run_options)  # the CLI's checks, by the same specs
    budget = run_options.pop("p99_budget_ms")
    if model_b is None:
        result = run_bench(model, **run_options)
        findings = () if budget is None else bench_findings(result.configs, budget)
        return BenchReport(result, budget, findings)
    from mlmon.bench.ab import run_ab

    ab = run_ab(model, model_b, **run_options)
    named = f"B ({ab.b.model.name}): "
    found = () if budget is None else bench_findings(ab.b.configs, budget)
    return BenchReport(ab.a, budget, tuple(replace(f, message=named + f.message) for f in found), ab)


def _one(name: str, value: Any, other_name: str, other: Any) -> Any:
    if value is not None and other is not None:
        raise OptionTypeError(f"give {name} or {other_name}, not both")
    return other if value is None else value
