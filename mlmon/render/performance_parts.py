"""What the formats of ``mlmon performance`` show alike (plain Python): the windows by model
version, the window a figure is taken from (the last judged one, the last one, the last
one with an estimate), a window's cells as the terminal's table shows them (with CBPE's
estimate, the reference's band and the gap when the reference has a calibration), the
labels line, and each window as a finding (JUnit's test cases, one per window). The
terminal, Markdown, JUnit, Prometheus, Nagios and HTML read these, so a window means the
same in each."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime

from mlmon.api.results import PerformanceReport
from mlmon.render.human import DAY, MINUTE, fmt_span, fmt_time
from mlmon.verdicts.findings import Finding, Severity, Unknown
from mlmon.verdicts.performance import JudgedWindow
from mlmon.verdicts.registry import Check
from mlmon.verdicts.scopes import scope, window_finding

HEADERS = (
    "window",
    "preds",
    "no id",
    "labels",
    "cover",
    "accuracy",
    "95% CI",
    "F1",
    "Brier",
    "ECE",
    "AUC",
    "lag p50",
    "lag p95",
    "state",
)
"""The columns of a version's table, as the terminal's (``from`` for the whole range)."""
NUMERIC = range(1, 13)
"""The columns that hold numbers (aligned right)."""
ESTIMATE_HEADERS = ("estimate", "band", "gap")
"""The columns added before ``state`` when the version has estimates: CBPE's estimated
accuracy, the reference's band of it, and the estimate minus the realized accuracy."""


def by_version(report: PerformanceReport) -> dict[str | None, list[JudgedWindow]]:
    """The judged windows of each model version, versions first seen first, windows by start."""
    groups: dict[str | None, list[JudgedWindow]] = {}
    for judged in report.windows:
        groups.setdefault(judged.window.model_version, []).append(judged)
    return groups


def version_name(version: str | None) -> str:
    """``model version 2.0``, or ``all predictions`` when versions are not logged."""
    return "all predictions" if version is None else f"model version {version}"


def last_mature(judged: list[JudgedWindow]) -> JudgedWindow | None:
    """The latest window with the labels it needs to be judged (None: none has)."""
    mature = [j for j in judged if not j.waiting_for]
    return max(mature, key=lambda j: j.window.start) if mature else None


def last_window(judged: list[JudgedWindow]) -> JudgedWindow | None:
    """The latest window, mature or not."""
    return max(judged, key=lambda j: j.window.start) if judged else None


def last_estimated(judged: list[JudgedWindow]) -> JudgedWindow | None:
    """The latest window with a known estimate (None: none has one)."""
    known = [j for j in judged if j.estimate is not None and j.estimate.unknown is None]
    return max(known, key=lambda j: j.window.start) if known else None


def has_estimates(judged: list[JudgedWindow]) -> bool:
    """Whether any of the windows carries an estimate (known or not): its table shows the
    :data:`ESTIMATE_HEADERS` columns."""
    return any(j.estimate is not None for j in judged)


def headers(report: PerformanceReport, judged: list[JudgedWindow]) -> list[str]:
    """A version's table headers: :data:`HEADERS` (``from`` for the whole range), with the
    estimate columns before ``state`` when its windows have estimates."""
    first = "from" if report.window.duration is None else HEADERS[0]
    extra = list(ESTIMATE_HEADERS) if has_estimates(judged) else []
    return [first, *HEADERS[1:-1], *extra, HEADERS[-1]]


def numeric(judged: list[JudgedWindow]) -> range:
    """The columns of :func:`headers` that hold numbers."""
    return range(1, NUMERIC.stop + (len(ESTIMATE_HEADERS) if has_estimates(judged) else 0))


def minimum(report: PerformanceReport, version: str | None) -> float | None:
    """The ``--min-accuracy`` the version was judged against (None: not judged)."""
    where = scope(version)
    found = [f.threshold for f in report.findings if f.check == Check.ACCURACY.value and f.scope == where]
    return found[0] if found else None


def verdict_value_window(report: PerformanceReport, version: str | None) -> JudgedWindow | None:
    """The window the version's accuracy finding names (its worst judged window), else the
    last judged window."""
    judged = by_version(report).get(version, [])
    where = scope(version)
    values = [f.value for f in report.findings if f.check == Check.ACCURACY.value and f.scope == where]
    named = [j for j in judged if not j.waiting_for and values and j.window.accuracy == values[0]]
    return named[0] if named else last_mature(judged)


def time_precision(report: PerformanceReport) -> int:
    """Dates for windows of whole days, else minutes (as the terminal)."""
    duration = report.window.duration
    return DAY if duration is not None and duration.total_seconds() % 86400 == 0 else MINUTE


def window_start(report: PerformanceReport, start: datetime) -> str:
    """A window's start as the tables show it."""
    return fmt_time(start, time_precision(report))


def state(judged: JudgedWindow) -> str:
    """``waits for N`` (not judged yet), the verdict, or ``judged`` (no minimum given)."""
    if judged.waiting_for:
        return f"waits for {judged.waiting_for:,}"
    return "judged" if judged.severity is Severity.UNKNOWN else judged.severity.value


def window_cells(report: PerformanceReport, judged: JudgedWindow, estimated: bool = False) -> list[str]:
    """A window's row under :data:`HEADERS` (``estimated``: with :func:`estimate_cells`
    before the state); empty cells for figures with no labels behind them."""
    w = judged.window
    labelled = w.labelled > 0
    return [
        window_start(report, w.start),
        f"{w.predictions:,}",
        f"{w.without_id:,}",
        f"{w.labelled:,}",
        f"{w.coverage:.0%}",
        f"{w.accuracy:.1%}" if labelled and math.isfinite(w.accuracy) else "",
        f"{w.accuracy_low:.1%}-{w.accuracy_high:.1%}" if labelled else "",
        number(w.macro_f1),
        number(w.brier),
        number(w.calibration_error),
        number(w.roc_auc),
        fmt_span(w.lag_p50_s) if math.isfinite(w.lag_p50_s) else "",
        fmt_span(w.lag_p95_s) if math.isfinite(w.lag_p95_s) else "",
        *(estimate_cells(judged) if estimated else []),
        state(judged),
    ]


def estimate_cells(judged: JudgedWindow) -> list[str]:
    """Under :data:`ESTIMATE_HEADERS`: the estimated accuracy, the reference's band and the
    gap in points (mature windows only); ``unknown`` when the window could not be
    estimated; empty without an estimate."""
    e = judged.estimate
    if e is None:
        return ["", "", ""]
    if e.unknown is not None:
        return ["unknown", "", ""]
    gap = "" if judged.gap is None else f"{judged.gap * 100:+.1f} pt"
    return [f"{e.estimated_accuracy:.1%}", f"{e.accuracy_low:.1%}-{e.accuracy_high:.1%}", gap]


def number(value: float | None) -> str:
    """Three decimals; empty when not computed."""
    return "" if value is None or not math.isfinite(value) else f"{value:.3f}"


def labels_line(report: PerformanceReport) -> str:
    """What the join read and counted apart, in one line (every format's ``labels``)."""
    c = report.counts
    if not c.label_records and not report.label_tables:
        return (
            "labels: none found (no record with a true class, such as actual or y_true, and no --labels table): "
            "every window waits for its labels"
        )
    pieces = [f"labels: {c.label_records:,} records for {c.labelled_ids:,} request ids"]
    apart = [
        (c.orphan_labels, "with no prediction in the input"),
        (c.duplicate_labels, "duplicate (counted once)"),
        (c.conflicting_labels, f"conflicting on {c.conflicting_ids:,} ids (excluded)"),
        (c.labels_without_id, "without a request id"),
        (c.predictions_without_id, "predictions without a request id"),
        (c.repeated_prediction_ids, "predictions repeating an id"),
    ]
    pieces += [f"{n:,} {what}" for n, what in apart if n]
    for table in report.label_tables:
        skipped = sum(table.skipped.values())
        source = str(table.frame.get_column("source")[0]) if table.frame.height else "a table"
        pieces.append(f"{source}: {table.rows:,} rows" + (f", {skipped:,} skipped" if skipped else ""))
    return " · ".join(pieces)


def maturity_line(report: PerformanceReport) -> str:
    """When a window is judged, in words."""
    m = report.maturity
    return (
        f"a window is judged once {m.min_coverage:.0%} of its predictions and at least {m.min_labelled:,} are labelled"
    )


@dataclass(frozen=True)
class _WindowVerdict:
    """A judged window as :func:`mlmon.verdicts.scopes.window_finding` reads one."""

    model_version: str | None
    start: datetime
    severity: Severity
    reason: str


def window_findings(report: PerformanceReport) -> tuple[Finding, ...]:
    """One ``accuracy`` finding per window of each version judged against a minimum, scoped
    ``model_version=V window=START``: the window's verdict, or unknown (missing input) with
    ``waits for N labels`` while it is not mature. No minimum: none."""
    found: list[Finding] = []
    for version, judged in by_version(report).items():
        low = minimum(report, version)
        if low is None:
            continue
        for j in judged:
            w = j.window
            if j.waiting_for:
                view = _WindowVerdict(version, w.start, Severity.UNKNOWN, f"waits for {j.waiting_for:,} labels")
                found.append(replace(_finding(view, w.accuracy, low), unknown=Unknown.MISSING_INPUT))
            else:
                found.append(_finding(_WindowVerdict(version, w.start, j.severity, _sentence(j, low)), w.accuracy, low))
    return tuple(found)


def _finding(view: _WindowVerdict, value: float, low: float) -> Finding:
    return window_finding(Check.ACCURACY.value, view, value, low)


def _sentence(judged: JudgedWindow, low: float) -> str:
    w = judged.window
    interval = f"95% interval {w.accuracy_low:.1%}-{w.accuracy_high:.1%}"
    figure = f"accuracy {w.accuracy:.1%} ({interval}, {w.labelled:,} labels)"
    if judged.severity is Severity.CRITICAL:
        return f"{figure} is below {low:.1%}"
    if judged.severity is Severity.WARNING:
        return f"{figure} may be below {low:.1%}; the interval still reaches it"
    return f"{figure} is at least {low:.1%}"
