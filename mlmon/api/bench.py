"""``mlmon bench``'s Python twin with its budget check:
``build_bench_report("model.onnx", p99_budget="5ms", batch_sizes="1,8", duration="1s")``."""

from __future__ import annotations

from typing import Any

from mlmon.api.results import BenchReport
from mlmon.bench.options import parse_batch_sizes, parse_shapes
from mlmon.bench.runner import run_bench
from mlmon.units import parse_duration, parse_latency_ms, split_list
from mlmon.verdicts.budgets import bench_findings


def build_bench_report(
    model: Any = None, *, p99_budget_ms: float | str | None = None, p99_budget: float | str | None = None,
    duration: float | str | None = None, **run_options: Any,
) -> BenchReport:
    """Time ``model`` with :func:`mlmon.bench.run_bench` (``run_options`` are its keyword
    arguments) and check each configuration's p99 against ``p99_budget_ms`` (a number of
    milliseconds, or a string such as ``"5ms"``; ``p99_budget`` is the CLI's name for it).

    The CLI's strings work too: ``duration="1s"`` (or ``duration_s="1s"``: seconds per
    configuration), ``batch_sizes="1,8,32"``, ``shapes=["image=1x3x64x64"]``,
    ``providers="cpu"``."""
    budget = _one("p99_budget", p99_budget, "p99_budget_ms", p99_budget_ms)
    budget = parse_latency_ms(budget) if isinstance(budget, str) else budget
    seconds = _one("duration", duration, "duration_s", run_options.pop("duration_s", None))
    run_options["duration_s"] = parse_duration(seconds).total_seconds() if isinstance(seconds, str) else seconds
    _parse_run_options(run_options)
    result = run_bench(model, **run_options)
    findings = () if budget is None else bench_findings(result.configs, budget)
    return BenchReport(result, budget, findings)


def _one(name: str, value: Any, other_name: str, other: Any) -> Any:
    if value is not None and other is not None:
        raise TypeError(f"give {name} or {other_name}, not both")
    return other if value is None else value


def _parse_run_options(options: dict[str, Any]) -> None:
    """``run_bench``'s keyword arguments given as the CLI's strings, parsed in place."""
    sizes = options.get("batch_sizes")
    if isinstance(sizes, str) or (isinstance(sizes, (list, tuple)) and any(isinstance(s, str) for s in sizes)):
        options["batch_sizes"] = parse_batch_sizes([sizes] if isinstance(sizes, str) else [str(s) for s in sizes])
    elif isinstance(sizes, int):
        options["batch_sizes"] = [sizes]
    shapes = options.get("shapes")
    if isinstance(shapes, str) or (isinstance(shapes, (list, tuple)) and all(isinstance(s, str) for s in shapes) and shapes):
        options["shapes"] = parse_shapes([shapes] if isinstance(shapes, str) else shapes)
    if isinstance(options.get("providers"), str):
        options["providers"] = list(split_list(options["providers"]))
