"""Confidence-collapse verdicts: each window's mean confidence against a baseline (the
reference's mean, else each version's first window with enough data); a fall of more than
``collapse_drop`` is critical."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from mlmon.plain import iso_utc
from mlmon.verdicts.findings import Finding, Levels, Severity, worst
from mlmon.verdicts.prediction_drift import INSUFFICIENT_DATA
from mlmon.verdicts.registry import Check, ConfidenceThresholds
from mlmon.verdicts.scopes import by_version, first_breach, judged_severity, scope, window_finding

if TYPE_CHECKING:  # the analysis' result type; importing it would load polars
    from mlmon.analyses.predictions import PredictionWindow


@dataclass(frozen=True)
class ConfidenceWindow:
    """Confidence summary of one (model version, window), judged."""

    model_version: str | None
    """Model version the window covers (None: not logged, or ``by_version=False``)."""
    start: datetime
    """Window key: the aligned start for time windows, else the first record's time."""
    end: datetime
    """Time of the window's last prediction."""
    n: int
    """Predictions with a finite confidence (logged, or the maximum logged probability)."""
    mean: float
    """Mean confidence."""
    p10: float
    """10th percentile of confidence (numpy linear interpolation)."""
    share_below: float
    """Share of predictions with confidence strictly below ``low_threshold``."""
    mean_entropy_bits: float | None
    """Mean entropy (bits) of the normalised probability vectors; None when none logged."""
    baseline: float
    """Mean confidence compared against (nan when there is none)."""
    change: float
    """``mean - baseline`` (negative: confidence fell)."""
    direction: str
    """``down``, ``up``, ``flat``, or ``unknown``."""
    severity: Severity
    """critical when confidence fell by more than ``collapse_drop``, warning by more than
    ``warning_drop`` (when set); unknown when insufficient data or no baseline; else ok."""
    reason: str
    """Why this severity, in words with the numbers."""
    percentile_method: str = "exact"
    """How ``p10`` was computed: ``exact`` (the values themselves) or ``log_buckets``
    (beyond the exact-values budget: within 0.54%, ``mlmon.stats.log_buckets``)."""


@dataclass(frozen=True)
class ConfidenceTrendResult:
    """Confidence per (model version, window) and its collapse verdicts."""

    computable: bool
    """False when no prediction carries a confidence or probabilities."""
    reason: str | None
    """Why not computable (None when computable)."""
    window: str
    """How records were windowed, in words."""
    thresholds: ConfidenceThresholds
    """The verdict rule."""
    baseline_source: str | None
    """``reference`` (the profile's mean confidence), ``first_window`` (each version's first
    window with enough data), or None when there is no baseline."""
    windows: tuple[ConfidenceWindow, ...]
    """Windows ordered by model version (first seen first), then start."""

    @property
    def severity(self) -> Severity:
        """Worst window verdict; unknown when not computable or nothing could be judged."""
        return judged_severity(self.computable, self.windows)

    @property
    def first_collapse(self) -> ConfidenceWindow | None:
        """Earliest window (by start, any version) at warning or above."""
        return first_breach(self.windows)


def judge_confidence(
    windows: Sequence[PredictionWindow],
    reference_mean: float | None,
    thresholds: ConfidenceThresholds,
    window_text: str,
) -> ConfidenceTrendResult:
    """Judge each window's mean confidence against the baseline: ``reference_mean`` when
    given, else the version's first window with at least ``min_samples`` confident
    predictions."""
    if not windows or sum(w.n_confidence for w in windows) == 0:
        reason = "no prediction logs a confidence or probabilities"
        return ConfidenceTrendResult(False, reason, window_text, thresholds, None, ())
    baselines: dict[str | None, float] = {}
    judged = []
    for w in windows:
        if reference_mean is not None:
            baseline = reference_mean
        elif w.model_version not in baselines and w.n_confidence >= thresholds.min_samples:
            baseline = baselines[w.model_version] = w.confidence_mean
        else:
            baseline = baselines.get(w.model_version, math.nan)
        judged.append(_judge(w, baseline, thresholds))
    source = "reference" if reference_mean is not None else "first_window" if baselines else None
    return ConfidenceTrendResult(True, None, window_text, thresholds, source, tuple(judged))


def confidence_findings(result: ConfidenceTrendResult, per_window: bool = False) -> list[Finding]:
    """One finding per model version (its largest fall), or per window. A finding's
    ``value`` is the fall of mean confidence (baseline - mean; negative for a rise) and its
    ``threshold`` is ``collapse_drop``."""
    check, bound = Check.CONFIDENCE_COLLAPSE.value, result.thresholds.collapse_drop
    if not result.computable:
        return [Finding(check, Severity.UNKNOWN, f"confidence not analysed: {result.reason}")]
    if per_window:
        return [
            window_finding(check, w, -w.change, bound, Levels(result.thresholds.warning_drop, bound))
            for w in result.windows
        ]
    return [_version_finding(v, ws, result) for v, ws in by_version(result.windows).items()]


def _version_finding(version: str | None, windows: list[ConfidenceWindow], result: ConfidenceTrendResult) -> Finding:
    check, bound = Check.CONFIDENCE_COLLAPSE.value, result.thresholds.collapse_drop
    judged = [w for w in windows if w.severity is not Severity.UNKNOWN]
    if not judged:
        return Finding(
            check, Severity.UNKNOWN, windows[0].reason if windows else "no windows", None, bound, scope(version)
        )
    low = min(judged, key=lambda w: w.change)
    collapsed = [w for w in judged if w.severity.rank >= Severity.WARNING.rank]
    source = {"first_window": "the first window with enough data"}.get(
        result.baseline_source or "", result.baseline_source
    )
    if collapsed:
        message = (
            f"mean confidence collapsed in {len(collapsed)} of {len(judged)} window(s), first at "
            f"{iso_utc(collapsed[0].start)}; largest fall {-low.change:.3f} ({low.baseline:.3f} -> "
            f"{low.mean:.3f}, baseline from {source}), bound {bound:g}"
        )
    else:
        message = (
            f"mean confidence stable in {len(judged)} window(s): largest fall {max(0.0, -low.change):.3f} "
            f"against {low.baseline:.3f} ({source}), bound {bound:g}"
        )
    levels = Levels(result.thresholds.warning_drop, bound)
    return Finding(check, worst(judged), message, -low.change, bound, scope(version), levels=levels)


def _judge(w: PredictionWindow, baseline: float, t: ConfidenceThresholds) -> ConfidenceWindow:
    n, mean = w.n_confidence, w.confidence_mean
    change = mean - baseline
    direction = "unknown" if not math.isfinite(change) else "down" if change < 0 else "up" if change > 0 else "flat"
    if n < t.min_samples:
        severity, reason = Severity.UNKNOWN, f"{INSUFFICIENT_DATA}: {n} confident predictions < {t.min_samples}"
    elif not math.isfinite(baseline):
        severity, reason = (
            Severity.UNKNOWN,
            "no baseline: no reference confidence and no earlier window with enough data",
        )
    elif -change > t.collapse_drop:
        severity = Severity.CRITICAL
        reason = f"mean confidence fell {-change:.3f} ({baseline:.3f} -> {mean:.3f}), more than {t.collapse_drop:g}"
    elif t.warning_drop is not None and -change > t.warning_drop:
        severity = Severity.WARNING
        reason = (
            f"mean confidence fell {-change:.3f} ({baseline:.3f} -> {mean:.3f}), "
            f"more than the {t.warning_drop:g} warning level"
        )
    else:
        severity = Severity.OK
        reason = (
            f"mean confidence {direction} {abs(change):.3f} ({baseline:.3f} -> {mean:.3f}), bound {t.collapse_drop:g}"
        )
    return ConfidenceWindow(
        w.model_version,
        w.start,
        w.end,
        n,
        mean,
        w.confidence_p10,
        w.share_below,
        w.mean_entropy_bits,
        baseline,
        change,
        direction,
        severity,
        reason,
        w.percentile_method,
    )
