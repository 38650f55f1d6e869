"""``mlmon report``: read logs, summarise operations, check budgets. The Python twin of the
command: ``build_report(["logs/"], ReportOptions(p99_budget_ms=200))``."""

from __future__ import annotations

from dataclasses import dataclass, field

from mlmon.findings import Finding, Severity
from mlmon.ingest import IngestOptions, IngestStats, read_logs
from mlmon.ops import OpsSummary, WindowOps, summarize, windows
from mlmon.windows import WindowSpec

REPORT_SCHEMA_VERSION = 1


@dataclass(frozen=True)
class ReportOptions:
    """What to compute and what to check."""

    ingest: IngestOptions = field(default_factory=IngestOptions)
    """How to read the logs."""
    window: WindowSpec = field(default_factory=WindowSpec)
    """Per-window breakdown (whole range: none)."""
    p99_budget_ms: float | None = None
    """Fail when p99 latency exceeds this many milliseconds."""
    max_error_rate: float | None = None
    """Fail when errors / requests exceeds this fraction."""


@dataclass(frozen=True)
class Report:
    """Everything ``mlmon report`` shows."""

    ingest: IngestStats
    """What was read and skipped."""
    overall: OpsSummary
    """The whole input."""
    by_model: tuple[OpsSummary, ...]
    """One summary per model/version named in the logs."""
    window: WindowSpec
    """How ``windows`` were cut."""
    windows: tuple[WindowOps, ...]
    """p99 and error rate per window (empty for the whole range)."""
    findings: tuple[Finding, ...]
    """Budget checks; empty when no budget was given."""


def build_report(inputs: list[str] | tuple[str, ...], options: ReportOptions | None = None) -> Report:
    """Read ``inputs`` and build the report. Raises ``MlmonError`` on unusable input."""
    options = options or ReportOptions()
    logs = read_logs(inputs, options.ingest)
    overall, by_model = summarize(logs.frame)
    return Report(
        ingest=logs.stats,
        overall=overall,
        by_model=by_model,
        window=options.window,
        windows=windows(logs.frame, options.window),
        findings=tuple(check_budgets(overall, by_model, options)),
    )


def check_budgets(overall: OpsSummary, by_model: tuple[OpsSummary, ...], options: ReportOptions) -> list[Finding]:
    """One finding per budget and scope: the whole input, and each model/version when the
    logs name more than one (a slow version can hide behind a fast one)."""
    scopes = [overall, *(by_model if len(by_model) > 1 else ())]
    findings: list[Finding] = []
    for summary in scopes:
        if options.p99_budget_ms is not None:
            findings.append(_p99_finding(summary, options.p99_budget_ms))
        if options.max_error_rate is not None:
            findings.append(_error_rate_finding(summary, options.max_error_rate))
    return findings


def _p99_finding(summary: OpsSummary, budget: float) -> Finding:
    p99 = summary.latency.p99_ms
    if p99 is None:
        return Finding("latency_p99", Severity.UNKNOWN, "no latency values to check against the p99 budget", None, budget, summary.scope)
    breached = p99 > budget
    verb = "over" if breached else "within"
    return Finding(
        "latency_p99",
        Severity.CRITICAL if breached else Severity.OK,
        f"p99 latency {p99:.1f} ms is {verb} the {budget:g} ms budget",
        p99,
        budget,
        summary.scope,
    )


def _error_rate_finding(summary: OpsSummary, limit: float) -> Finding:
    rate = summary.errors.rate
    if rate is None:
        return Finding("error_rate", Severity.UNKNOWN, "no requests to compute an error rate", None, limit, summary.scope)
    breached = rate > limit
    verb = "over" if breached else "within"
    return Finding(
        "error_rate",
        Severity.CRITICAL if breached else Severity.OK,
        f"error rate {rate:.2%} ({summary.errors.errors:,} of {summary.errors.requests:,} requests) is {verb} the {limit:.2%} limit",
        rate,
        limit,
        summary.scope,
    )
