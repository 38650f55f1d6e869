"""Verdicts on realized performance: which windows are mature enough to judge, and whether
accuracy is below the level a user set.

A window is *mature* when its labelled share reaches ``min_coverage`` and it holds at least
``min_labelled`` labels; an immature window shows its numbers but is never judged, and says
how many labels it still waits for (to reach both bounds). Accuracy is judged sparingly,
on its Wilson 95% interval rather than the point alone, so a handful of labels never pages:

* critical: the whole interval lies below the minimum (the labels show, with 95%
  confidence, accuracy below it);
* warning: the point estimate is below the minimum but the interval still reaches it;
* ok otherwise.

With a minimum set but no mature window, the finding is *unknown* (missing input), never a
pass. One finding per model version: the worst of its mature windows, naming it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from mlmon.verdicts.findings import Finding, Severity, Unknown
from mlmon.verdicts.registry import AccuracyThresholds, Check
from mlmon.verdicts.scopes import scope

if TYPE_CHECKING:
    from mlmon.analyses.estimated import EstimatedWindow
    from mlmon.analyses.performance import RealizedWindow

_DEFAULTS = AccuracyThresholds()
MIN_COVERAGE = _DEFAULTS.min_coverage
"""Default labelled share before a window is judged: half its predictions (NannyML judges
any window with labels; half keeps early, biased labels from judging a window alone)."""
MIN_LABELLED = _DEFAULTS.min_labelled
"""Default labels before a window is judged: below 30 the Wilson interval of an accuracy
near 0.9 is wider than 0.2, too wide to act on."""


@dataclass(frozen=True)
class Maturity:
    """When a window has enough labels to judge."""

    min_coverage: float = MIN_COVERAGE
    """Labelled share of the window's predictions, in [0, 1]."""
    min_labelled: int = MIN_LABELLED
    """Labels, at least 1."""

    def waiting_for(self, window: RealizedWindow) -> int:
        """Labels the window still needs to be judged (0: mature)."""
        by_share = math.ceil(self.min_coverage * window.predictions - 1e-9) - window.labelled
        by_count = self.min_labelled - window.labelled
        return max(0, by_share, by_count)


@dataclass(frozen=True)
class JudgedWindow:
    """A realized window and what it earned."""

    window: RealizedWindow
    """The figures."""
    waiting_for: int
    """Labels still needed before it is judged (0: mature)."""
    severity: Severity
    """The verdict on accuracy (unknown: immature, or no minimum set)."""
    estimate: EstimatedWindow | None = None
    """CBPE's estimate of the same (version, window), when a calibrated reference was given."""

    @property
    def gap(self) -> float | None:
        """Estimated minus realized accuracy, where the window is mature and has an estimate."""
        e = self.estimate
        if e is None or e.unknown is not None or self.waiting_for or math.isnan(self.window.accuracy):
            return None
        return e.estimated_accuracy - self.window.accuracy


def judge_windows(
    windows: tuple[RealizedWindow, ...], maturity: Maturity, min_accuracy: float | None
) -> tuple[JudgedWindow, ...]:
    """Each window with its maturity and, when mature and ``min_accuracy`` is set, its verdict."""
    return tuple(_judged(w, maturity.waiting_for(w), min_accuracy) for w in windows)


def with_estimates(judged: tuple[JudgedWindow, ...], estimates: Sequence[EstimatedWindow]) -> tuple[JudgedWindow, ...]:
    """Each judged window with CBPE's estimate of the same version and window start."""
    by_key = {(e.model_version, e.start): e for e in estimates}
    return tuple(replace(j, estimate=by_key.get((j.window.model_version, j.window.start))) for j in judged)


def _judged(window: RealizedWindow, waiting: int, min_accuracy: float | None) -> JudgedWindow:
    if waiting or min_accuracy is None:
        return JudgedWindow(window, waiting, Severity.UNKNOWN)
    if window.accuracy_high < min_accuracy:
        return JudgedWindow(window, 0, Severity.CRITICAL)
    return JudgedWindow(window, 0, Severity.WARNING if window.accuracy < min_accuracy else Severity.OK)


def accuracy_findings(judged: tuple[JudgedWindow, ...], min_accuracy: float | None) -> tuple[Finding, ...]:
    """One ``accuracy`` finding per model version when ``min_accuracy`` is set."""
    if min_accuracy is None:
        return ()
    versions = list(dict.fromkeys(j.window.model_version for j in judged)) or [None]
    return tuple(
        _version_finding([j for j in judged if j.window.model_version == version], version, min_accuracy)
        for version in versions
    )


def _version_finding(judged: list[JudgedWindow], version: str | None, minimum: float) -> Finding:
    where = scope(version)
    mature = [j for j in judged if not j.waiting_for]
    if not mature:
        waiting = sum(j.waiting_for for j in judged)
        return Finding(
            Check.ACCURACY.value,
            Severity.UNKNOWN,
            f"no window has enough labels to judge accuracy ({waiting} more labels needed)",
            None,
            minimum,
            where,
            Unknown.MISSING_INPUT,
        )
    worst = min(mature, key=lambda j: (-j.severity.rank, j.window.accuracy))
    w = worst.window
    interval = f"{w.accuracy:.1%} (95% interval {w.accuracy_low:.1%}-{w.accuracy_high:.1%}, {w.labelled} labels)"
    when = f"window {w.start.isoformat().replace('+00:00', 'Z')}"
    if worst.severity is Severity.CRITICAL:
        message = f"accuracy {interval} is below {minimum:.1%} in {when}"
    elif worst.severity is Severity.WARNING:
        message = f"accuracy {interval} may be below {minimum:.1%} in {when}; the interval still reaches it"
    else:
        message = f"accuracy is at least {minimum:.1%} in every judged window; lowest {interval}"
    return Finding(Check.ACCURACY.value, worst.severity, message, w.accuracy, minimum, where)
