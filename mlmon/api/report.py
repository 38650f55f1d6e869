"""``mlmon report``'s Python twin: ``build_report(["logs/"], ReportOptions(p99_budget_ms=200))``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from mlmon.analyses.ops import OpsReducer
from mlmon.analyses.ops_types import OpsSummary
from mlmon.api.results import Report
from mlmon.ingest.reader import IngestOptions, reduce_logs
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

    def __post_init__(self) -> None:
        """Accept the CLI's strings as well as typed values."""
        if isinstance(self.window, str):
            object.__setattr__(self, "window", parse_window(self.window))
        if isinstance(self.p99_budget_ms, str):
            object.__setattr__(self, "p99_budget_ms", parse_latency_ms(self.p99_budget_ms))
        if isinstance(self.max_error_rate, str):
            object.__setattr__(self, "max_error_rate", parse_ratio(self.max_error_rate))


def build_report(inputs: Sequence[str], options: ReportOptions | None = None) -> Report:
    """Read ``inputs`` and build the report. Raises ``MlmonError`` on unusable input."""
    options = options or ReportOptions()
    reducer = OpsReducer(options.window)
    state, stats = reduce_logs(inputs, options.ingest, reducer)
    ops = reducer.finalize(state)
    findings = check_budgets(ops.overall, ops.by_model, options)
    return Report(stats, ops.overall, ops.by_model, options.window, ops.windows, tuple(findings), ops.far_from_rest)


def check_budgets(overall: OpsSummary, by_model: tuple[OpsSummary, ...], options: ReportOptions) -> list[Finding]:
    """One finding per budget and scope: the whole input, and each model/version when the
    logs name more than one (a slow version can hide behind a fast one)."""
    findings: list[Finding] = []
    for summary in [overall, *(by_model if len(by_model) > 1 else ())]:
        if options.p99_budget_ms is not None:
            findings.append(p99_finding(summary.latency.p99_ms, options.p99_budget_ms, summary.scope))
        if options.max_error_rate is not None:
            e = summary.errors
            findings.append(error_rate_finding(e.rate, e.errors, e.requests, options.max_error_rate, summary.scope))
    return findings
