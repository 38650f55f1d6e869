"""``mlmon check``'s rules on late labels (issue 24), judged window by window on the realized
performance (:class:`~mlmon.analyses.performance.RealizedWindow`), one series per model
version scope as the drift rules are (:func:`~mlmon.verdicts.check_series.versioned_series`).
Each is off until one of its levels is set.

- ``accuracy`` (minimum levels): judged once a window is mature (:class:`Maturity`:
  ``min_coverage`` and ``min_labelled``), by ``performance``'s Wilson rule
  (:func:`~mlmon.verdicts.performance.judge_windows`) against each level: critical when the
  whole 95% interval lies below the critical level; warning when the point estimate is
  below the critical level (the interval still reaches it) or below the warning level.
- ``calibration_error`` (maximum levels): the expected calibration error of a mature window
  with confidences logged, by the budget rule (over a level breaches it,
  :func:`~mlmon.verdicts.budgets.budget_severity`).
- ``label_coverage`` (minimum levels): the labelled share of a window that ended at least
  ``delay`` before the time of the run (a younger window's labels may still be on their
  way); below a level breaches it. It has no maturity: the missing labels are its subject.

- ``estimated_accuracy`` (minimum levels): CBPE's estimate of a window's accuracy
  (:class:`~mlmon.analyses.estimated.EstimatedWindow`, from a reference built with
  ``--actual``), below a level breaches it. It needs no labels, so no maturity; a window
  whose estimate is unknown (probabilities not logged, other classes, confidence outside
  the reference's range) is unknown with that reason.
- ``estimate_gap`` (maximum levels): ``|estimated - realized accuracy|`` of a window that is
  mature (its own :class:`Maturity`, as ``accuracy``'s) and has an estimate, by the budget
  rule; the message shows the gap the reference's band and the labels allow
  (:func:`~mlmon.verdicts.estimates.allowed_gap`): levels set below it fire on noise.

A window not judged is unknown, with why: an immature one says how many labels it waits
for, never a pass and never a breach. Its figure is still its value, for the record.
Plain Python: the analyses' types are read by attribute, never imported at run time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from mlmon.plain import iso_utc
from mlmon.verdicts.alerting import AlertRule, Judged, align
from mlmon.verdicts.budgets import budget_severity
from mlmon.verdicts.check_series import Starts, keyed, show_age
from mlmon.verdicts.estimates import allowed_gap
from mlmon.verdicts.findings import Severity
from mlmon.verdicts.performance import JudgedWindow, Maturity, judge_windows, with_estimates
from mlmon.verdicts.registry import Check
from mlmon.verdicts.scopes import finite_or_none, scope

if TYPE_CHECKING:
    from mlmon.analyses.estimated import EstimatedWindow
    from mlmon.analyses.performance import RealizedWindow

ACCURACY, CALIBRATION_ERROR, LABEL_COVERAGE, ESTIMATED_ACCURACY, ESTIMATE_GAP = (
    Check.ACCURACY.value,
    Check.CALIBRATION_ERROR.value,
    Check.LABEL_COVERAGE.value,
    Check.ESTIMATED_ACCURACY.value,
    Check.ESTIMATE_GAP.value,
)
LABEL_RULES = (ACCURACY, CALIBRATION_ERROR, LABEL_COVERAGE, ESTIMATED_ACCURACY, ESTIMATE_GAP)
"""The label rules, in ``check``'s order; their outcomes come after ``no_data``'s."""
ESTIMATE_RULES = frozenset({ESTIMATED_ACCURACY, ESTIMATE_GAP})
"""Rules on CBPE's estimates: they need a reference with a calibration."""
JOIN_RULES = frozenset({ACCURACY, CALIBRATION_ERROR, LABEL_COVERAGE, ESTIMATE_GAP})
"""Rules that read the label join (``estimated_accuracy`` needs no label)."""
MINIMUM_RULES = frozenset({ACCURACY, LABEL_COVERAGE, ESTIMATED_ACCURACY})
"""Rules whose levels are minimums: the lowest window is the worst."""
DEFAULT_DELAY = timedelta(days=1)
"""``label_coverage``'s default ``delay``: a day for labels to arrive after a window ends."""
NO_PREDICTIONS = "no predictions of this version in this window"


@dataclass(frozen=True)
class LabelThresholds:
    """The label rules' statistics (their levels come from the rules)."""

    accuracy: Maturity = Maturity()
    """When a window has enough labels for ``accuracy`` to judge it."""
    calibration: Maturity = Maturity()
    """The same for ``calibration_error``."""
    delay: timedelta = DEFAULT_DELAY
    """``label_coverage`` judges windows that ended at least this long before the run."""
    gap: Maturity = Maturity()
    """When a window has enough labels for ``estimate_gap`` to judge it."""


def label_series(
    name: str,
    windows: Sequence[RealizedWindow],
    starts: Starts,
    rule: AlertRule,
    thresholds: LabelThresholds,
    now: datetime,
    every: timedelta | None,
    estimates: Sequence[EstimatedWindow] = (),
) -> dict[str, list[Judged]]:
    """Rule ``name``'s windows, one series per version scope on the run's window ``starts``
    (``every``: the window's length; None: the whole run, one window); ``estimates``:
    CBPE's windows, for the estimate rules."""
    source: Sequence[RealizedWindow | EstimatedWindow] = windows
    if name == ACCURACY:
        judged = _accuracy(windows, rule, thresholds.accuracy)
    elif name == CALIBRATION_ERROR:
        judged = [_calibration(w, rule, thresholds.calibration) for w in windows]
    elif name == ESTIMATED_ACCURACY:
        source, judged = estimates, [_estimated(e, rule) for e in estimates]
    elif name == ESTIMATE_GAP:
        judged = [_gap(j, rule) for j in _paired(windows, estimates, thresholds.gap)]
    else:
        judged = [_coverage(w, rule, thresholds.delay, now, every) for w in windows]
    groups: dict[str, list[Judged]] = {}
    for w, j in zip(source, judged, strict=True):
        groups.setdefault(scope(w.model_version), []).append(j)
    return {name: align(keyed(series, starts), starts, NO_PREDICTIONS) for name, series in groups.items()}


def _accuracy(windows: Sequence[RealizedWindow], rule: AlertRule, maturity: Maturity) -> list[Judged]:
    """performance's Wilson rule against each level: the critical level's verdict as it is,
    the warning level's at most a warning."""
    at_critical = judge_windows(tuple(windows), maturity, rule.critical)
    at_warning = judge_windows(tuple(windows), maturity, rule.warning)
    out = []
    for c, w in zip(at_critical, at_warning, strict=True):
        window = c.window
        figures = (
            f"accuracy {window.accuracy:.1%} (95% interval {window.accuracy_low:.1%}-{window.accuracy_high:.1%}, "
            f"{window.labelled:,} labels)"
        )
        if c.waiting_for:
            out.append(
                Judged(window.start, Severity.UNKNOWN, finite_or_none(window.accuracy), _waits(c.waiting_for, window))
            )
            continue
        warned = Severity.WARNING if w.severity is Severity.CRITICAL else w.severity
        severity = max(c.severity, warned, key=lambda s: s.rank)
        if c.severity is Severity.CRITICAL:
            reason = f"{figures} is below the {rule.critical:.1%} critical minimum"
        elif c.severity is Severity.WARNING:
            reason = f"{figures} may be below the {rule.critical:.1%} critical minimum: the interval still reaches it"
        elif severity is Severity.WARNING:
            reason = f"{figures} is below the {rule.warning:.1%} warning minimum"
        else:
            level = rule.warning if rule.warning is not None else rule.critical
            reason = f"{figures} is at least the {level:.1%} minimum"
        out.append(Judged(window.start, severity, finite_or_none(window.accuracy), reason))
    return out


def _calibration(window: RealizedWindow, rule: AlertRule, maturity: Maturity) -> Judged:
    """The expected calibration error of a mature window against maximum levels."""
    waiting = maturity.waiting_for(window)
    ece = finite_or_none(window.calibration_error)
    if waiting:
        return Judged(window.start, Severity.UNKNOWN, ece, _waits(waiting, window))
    if ece is None:
        return Judged(window.start, Severity.UNKNOWN, None, "no labelled prediction with a confidence in this window")
    severity = budget_severity(ece, rule.critical, rule.warning)
    figures = f"calibration error {ece:.3f} ({window.n_calibration:,} labelled predictions with a confidence)"
    return Judged(window.start, severity, ece, f"{figures} is {_versus(severity, rule, 'over', 'within', '{:.3f}')}")


def _estimated(estimate: EstimatedWindow, rule: AlertRule) -> Judged:
    """CBPE's estimated accuracy of a window against minimum levels; unknown with its reason."""
    if estimate.unknown is not None:
        return Judged(estimate.start, Severity.UNKNOWN, None, f"no estimate: {estimate.unknown}")
    value = estimate.estimated_accuracy
    severity = minimum_severity(value, rule.critical, rule.warning)
    figures = (
        f"estimated accuracy {value:.1%} ({estimate.used:,} predictions; the reference's band "
        f"{estimate.accuracy_low:.1%}-{estimate.accuracy_high:.1%})"
    )
    versus = _versus(severity, rule, "below", "at least", "{:.1%}")
    return Judged(estimate.start, severity, value, f"{figures} is {versus}")


def _paired(
    windows: Sequence[RealizedWindow], estimates: Sequence[EstimatedWindow], maturity: Maturity
) -> tuple[JudgedWindow, ...]:
    """Each realized window with its maturity and the estimate of the same version and start."""
    return with_estimates(judge_windows(tuple(windows), maturity, None), estimates)


def _gap(judged: JudgedWindow, rule: AlertRule) -> Judged:
    """|estimated - realized accuracy| of a mature window with an estimate against maximum levels."""
    window, estimate, gap = judged.window, judged.estimate, judged.gap
    if judged.waiting_for:
        return Judged(window.start, Severity.UNKNOWN, None, _waits(judged.waiting_for, window))
    if estimate is None or gap is None:
        why = "no prediction to estimate" if estimate is None else estimate.unknown
        return Judged(window.start, Severity.UNKNOWN, None, f"no estimate: {why}")
    severity = budget_severity(abs(gap), rule.critical, rule.warning)
    figures = (
        f"realized accuracy {window.accuracy:.1%} ({window.labelled:,} labels) against the estimate "
        f"{estimate.estimated_accuracy:.1%}: a gap of {abs(gap):.1%} (the band and the labels allow "
        f"{allowed_gap(judged):.1%})"
    )
    versus = _versus(severity, rule, "over", "within", "{:.1%}")
    return Judged(window.start, severity, abs(gap), f"{figures} is {versus}")


def _coverage(
    window: RealizedWindow, rule: AlertRule, delay: timedelta, now: datetime, every: timedelta | None
) -> Judged:
    """The labelled share of a window old enough for its labels to have arrived."""
    end = window.start + every if every is not None else window.end
    value = finite_or_none(window.coverage)
    if end + delay > now:
        reason = (
            f"too recent: the window ends {iso_utc(end)}, less than {show_age(delay.total_seconds())} before the run, "
            "so its labels may still arrive"
        )
        return Judged(window.start, Severity.UNKNOWN, value, reason)
    if value is None:
        return Judged(window.start, Severity.UNKNOWN, None, "no predictions in this window")
    severity = minimum_severity(value, rule.critical, rule.warning)
    figures = f"{window.labelled:,} of {window.predictions:,} predictions labelled ({value:.1%})"
    return Judged(window.start, severity, value, f"{figures}: {_versus(severity, rule, 'below', 'at least', '{:.1%}')}")


def minimum_severity(value: float, critical: float | None, warning: float | None = None) -> Severity:
    """A minimum's verdict: critical when ``value < critical``, else warning when ``value <
    warning``, else ok (a value equal to a level passes it, as the budget rule's does)."""
    if critical is not None and value < critical:
        return Severity.CRITICAL
    if warning is not None and value < warning:
        return Severity.WARNING
    return Severity.OK


def _versus(severity: Severity, rule: AlertRule, breach: str, passing: str, show: str) -> str:
    """``over the 0.100 critical level``, ``within the 0.050 warning level`` ..."""
    if severity is Severity.CRITICAL or (severity is Severity.OK and rule.warning is None):
        level, tier = rule.critical, "critical"
    else:
        level, tier = rule.warning, "warning"
    assert level is not None
    return f"{breach if severity is not Severity.OK else passing} the {show.format(level)} {tier} level"


def _waits(waiting: int, window: RealizedWindow) -> str:
    return (
        f"waits for {waiting:,} labels ({window.labelled:,} of {window.predictions:,} predictions labelled, "
        f"{window.coverage:.1%}): not judged yet"
    )
