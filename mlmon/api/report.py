"""``mlmon report``'s Python twin: ``build_report("logs/", ReportOptions(window="1d", p99_budget="200ms"))``."""

from __future__ import annotations

from dataclasses import InitVar, dataclass, field, replace

from mlmon.analyses.ops_types import OpsSummary
from mlmon.api.coerce import Inputs, OptionTypeError, as_inputs, check_fields, options_of
from mlmon.api.groups import group_ops, group_summaries
from mlmon.api.inputs import open_inputs
from mlmon.api.reducers import Analyses, analyse
from mlmon.api.results import Report
from mlmon.config.specs import MAX_ERROR_RATE, P99_BUDGET, P99_WARNING, WARNING_ERROR_RATE, WINDOW
from mlmon.ingest.options import IngestOptions
from mlmon.ingest.problems import IngestStats
from mlmon.verdicts.budgets import error_rate_finding, p99_finding
from mlmon.verdicts.findings import Finding
from mlmon.verdicts.needs import ERROR_RATE, LATENCY_P99, require_budget_inputs
from mlmon.windows import WHOLE_BY_DEFAULT, WindowSpec


@dataclass(frozen=True)
class ReportOptions:
    """What to compute and what to check."""

    ingest: IngestOptions = field(default_factory=IngestOptions)
    """How to read the logs."""
    window: WindowSpec = WHOLE_BY_DEFAULT
    """Per-window breakdown (whole range: none). A string such as ``"1h"`` is parsed. Not
    set: the whole range, or the windows of the summaries read."""
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
        """Parse and check every field as the CLI does, through its option spec
        (:mod:`mlmon.config.specs`): the CLI's strings and typed values alike; ``ingest``
        may be a dict. ``OptionError`` (a ``ValueError``) names the field and its flag:
        ``max_error_rate (--max-error-rate) ...: must lie between 0 and 1 (0% and 100%)``."""
        if p99_budget is not None:
            if self.p99_budget_ms is not None:
                raise OptionTypeError("give p99_budget or p99_budget_ms, not both")
            object.__setattr__(self, "p99_budget_ms", p99_budget)
        object.__setattr__(self, "ingest", options_of(IngestOptions, self.ingest, "ingest"))
        check_fields(self, REPORT_OPTIONS)


REPORT_OPTIONS = {
    "window": WINDOW,
    "p99_budget_ms": P99_BUDGET,
    "max_error_rate": MAX_ERROR_RATE,
    "p99_warning_ms": P99_WARNING,
    "warning_error_rate": WARNING_ERROR_RATE,
}
"""``ReportOptions``' fields and their specs: ``--window``, ``--p99-budget``, ``--max-error-rate``
and the warning levels of ``[rules.latency_p99]`` and ``[rules.error_rate]``."""


def build_report(inputs: Inputs, options: ReportOptions | None = None) -> Report:
    """Read ``inputs`` (a path, directory, glob or ``-``, or a sequence of them) and build
    the report. Raises ``MlmonError`` on unusable input."""
    options = options_of(ReportOptions, options)
    run = open_inputs(as_inputs(inputs), options.ingest)
    options = replace(options, window=run.window(options.window))
    found = analyse(run, Analyses(options.window, ops=True, by=options.ingest.by))
    ops, stats = found.ops, found.stats
    assert ops is not None
    require_budget_fields(ops.overall, stats, options)
    groups = group_summaries(group_ops(found.groups))
    findings = check_budgets(ops.overall, ops.by_model, options, tuple(group.result for group in groups))
    return Report(
        stats, ops.overall, ops.by_model, options.window, ops.windows, tuple(findings), ops.far_from_rest, groups
    )


def check_budgets(
    overall: OpsSummary,
    by_model: tuple[OpsSummary, ...],
    options: ReportOptions,
    groups: tuple[OpsSummary, ...] = (),
) -> list[Finding]:
    """One finding per budget and scope: the whole input, each model/version when the
    logs name more than one (a slow version can hide behind a fast one), and each group
    of ``--by`` (a slow pod behind the others). A budget is checked when its critical or
    its warning level is set."""
    findings: list[Finding] = []
    p99 = (options.p99_budget_ms, options.p99_warning_ms)
    rate = (options.max_error_rate, options.warning_error_rate)
    for summary in [overall, *(by_model if len(by_model) > 1 else ()), *groups]:
        if p99 != (None, None):
            findings.append(p99_finding(summary.latency.p99_ms, p99[0], summary.scope, warning_ms=p99[1]))
        if rate != (None, None):
            e = summary.errors
            findings.append(error_rate_finding(e.rate, e.errors, e.requests, rate[0], summary.scope, warning=rate[1]))
    return findings


def require_budget_fields(overall: OpsSummary, stats: IngestStats, options: ReportOptions) -> None:
    """``MissingFieldError`` (exit 2) when a budget is set but the field it judges is in
    no record of the input (``mlmon.verdicts.needs``): never a quiet ``n/a`` and exit 0."""
    latency = LATENCY_P99 if (options.p99_budget_ms, options.p99_warning_ms) != (None, None) else None
    errors = ERROR_RATE if (options.max_error_rate, options.warning_error_rate) != (None, None) else None
    require_budget_inputs(stats, overall, latency, errors)
