"""``mlmon report``'s Python twin: ``build_report("logs/", ReportOptions(window="1d", p99_budget="200ms"))``."""

from __future__ import annotations

from dataclasses import InitVar, dataclass, field

from mlmon.analyses.ops import OpsReducer
from mlmon.analyses.ops_types import OpsSummary
from mlmon.api.coerce import Inputs, as_inputs, parse_fields
from mlmon.api.results import Report
from mlmon.api.inputs import reduce_inputs
from mlmon.ingest.reader import IngestOptions
from mlmon.verdicts.budgets import error_rate_finding, p99_finding
from mlmon.verdicts.findings import Finding
from mlmon.units import parse_latency_ms, parse_ratio
from mlmon.windows import WindowSpec, parse_window


@dataclass(frozen=True)
class ReportOptions:
    """What to compute and what to check."""

    ingest: IngestOptions = field(default_factory=IngestOptions)
    """How to read the logs."""
    window: WindowSpec = field(default_factory=WindowSpec)
    """Per-window breakdown (whole range: none). A string such as ``"1h"`` is parsed."""
    p99_budget_ms: float | None = None
    """Fail when p99 latency exceeds this many milliseconds (``"200ms"``, ``"0.2s"`` parse)."""
    max_error_rate: float | None = None
    """Fail when errors / requests exceeds this fraction (``"1%"`` parses)."""
    p99_warning_ms: float | None = None
    """Warn when p99 latency exceeds this many milliseconds (None: no warning tier); a
    level at or above ``p99_budget_ms`` is never reached as a warning."""
    warning_error_rate: float | None = None
    """Warn when errors / requests exceeds this fraction (None: no warning tier)."""
    p99_budget: InitVar[float | str | None] = None
    """The CLI's name for ``p99_budget_ms`` (``--p99-budget``): ``p99_budget="200ms"``."""

    def __post_init__(self, p99_budget: float | str | None) -> None:
        """Accept the CLI's strings as well as typed values."""
        if p99_budget is not None:
            if self.p99_budget_ms is not None:
                raise TypeError("give p99_budget or p99_budget_ms, not both")
            object.__setattr__(self, "p99_budget_ms", p99_budget)
        parse_fields(self, {
            "window": parse_window, "p99_budget_ms": parse_latency_ms, "p99_warning_ms": parse_latency_ms,
            "max_error_rate": parse_ratio, "warning_error_rate": parse_ratio,
        })


def build_report(inputs: Inputs, options: ReportOptions | None = None) -> Report:
    """Read ``inputs`` (a path, directory, glob or ``-``, or a sequence of them) and build
    the report. Raises ``MlmonError`` on unusable input."""
    options = options or ReportOptions()
    reducer = OpsReducer(options.window)
    state, stats = reduce_inputs(as_inputs(inputs), options.ingest, reducer)
    ops = reducer.finalize(state)
    findings = check_budgets(ops.overall, ops.by_model, options)
    return Report(stats, ops.overall, ops.by_model, options.window, ops.windows, tuple(findings), ops.far_from_rest)


def check_budgets(overall: OpsSummary, by_model: tuple[OpsSummary, ...], options: ReportOptions) -> list[Finding]:
    """One finding per budget and scope: the whole input, and each model/version when the
    logs name more than one (a slow version can hide behind a fast one). A budget is
    checked when its critical or its warning level is set."""
    findings: list[Finding] = []
    p99 = (options.p99_budget_ms, options.p99_warning_ms)
    rate = (options.max_error_rate, options.warning_error_rate)
    for summary in [overall, *(by_model if len(by_model) > 1 else ())]:
        if p99 != (None, None):
            findings.append(p99_finding(summary.latency.p99_ms, p99[0], summary.scope, warning_ms=p99[1]))
        if rate != (None, None):
            e = summary.errors
            findings.append(error_rate_finding(e.rate, e.errors, e.requests, rate[0], summary.scope, warning=rate[1]))
    return findings
