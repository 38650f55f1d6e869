"""``mlmon report``: read logs, summarise operations, check budgets. The Python twin of the
command: ``build_report(["logs/"], ReportOptions(p99_budget_ms=200))``."""

from __future__ import annotations

from dataclasses import dataclass, field

from mlmon.findings import Finding, Severity
from mlmon.ingest import IngestOptions, IngestStats, read_logs
from mlmon.ops import COLUMNS, OpsSummary, WindowOps, summarize, windows
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
    logs = read_logs(inputs, options.ingest, columns=COLUMNS)
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
    text = None if p99 is None else f"p99 latency {p99:.1f} ms is {{verb}} the {budget:g} ms budget"
    return _budget_finding("latency_p99", p99, budget, summary.scope, text, "no latency values to check against the p99 budget")


def _error_rate_finding(summary: OpsSummary, limit: float) -> Finding:
    rate, errors = summary.errors.rate, summary.errors
    text = None if rate is None else f"error rate {rate:.2%} ({errors.errors:,} of {errors.requests:,} requests) is {{verb}} the {limit:.2%} limit"
    return _budget_finding("error_rate", rate, limit, summary.scope, text, "no requests to compute an error rate")


def _budget_finding(check: str, value: float | None, limit: float, scope: str, text: str | None, missing: str) -> Finding:
    """Critical when ``value`` exceeds ``limit``; unknown when there is no value."""
    if value is None or text is None:
        return Finding(check, Severity.UNKNOWN, missing, None, limit, scope)
    breached = value > limit
    message = text.format(verb="over" if breached else "within")
    return Finding(check, Severity.CRITICAL if breached else Severity.OK, message, value, limit, scope)
