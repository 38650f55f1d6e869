"""Prediction drift verdicts: each (version, window) with enough predictions is tested; the
significance rule judges (BH-adjusted chi-squared p, PSI); findings per version or window."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from mlmon.plain import iso_utc
from mlmon.verdicts.findings import Finding, Levels, Severity, worst
from mlmon.verdicts.registry import Check, DriftThresholds
from mlmon.verdicts.scopes import by_version, finite_or_none, first_breach, judged_severity, scope, window_finding
from mlmon.verdicts.significance import adjust, significance_reason, two_tier_verdict

if TYPE_CHECKING:  # analyses' result types; importing them would load polars
    from mlmon.analyses.class_drift import ClassDrift
    from mlmon.analyses.predictions import PredictionWindow

INSUFFICIENT_DATA = "insufficient data"
"""Reason prefix of windows with fewer than ``min_samples`` predictions."""


@dataclass(frozen=True)
class ClassShare:
    """One class in one window, next to the reference."""

    label: str
    """Predicted class."""
    count: int
    """Predictions of this class in the window."""
    share: float
    """``count`` / window predictions."""
    reference_share: float | None
    """Share in the reference (0.0 for a class the reference never saw; None without one)."""


@dataclass(frozen=True)
class DriftWindow:
    """One (model version, window): class shares against the reference, and the verdict."""

    model_version: str | None
    """Model version the window covers (None: not logged, or ``by_version=False``)."""
    start: datetime
    """Window key: the aligned start for time windows, else the first record's time."""
    end: datetime
    """Time of the window's last prediction."""
    n: int
    """Predictions (records with a label) in the window."""
    classes: tuple[ClassShare, ...]
    """Reference classes (sorted) then unseen classes (sorted)."""
    unseen_classes: tuple[str, ...]
    """Classes predicted in the window that the reference never saw."""
    psi: float
    """Population Stability Index against the reference (nan when not tested)."""
    js_distance: float
    """Jensen-Shannon distance, base 2, in [0, 1] (nan when not tested)."""
    chi2: float
    """Chi-squared goodness-of-fit statistic (nan when not tested)."""
    p_value: float
    """Chi-squared p-value (nan when not tested)."""
    p_adjusted: float
    """Benjamini-Hochberg adjusted p-value across all tested windows x versions."""
    severity: Severity
    """ok / warning / critical, or unknown (insufficient data, no reference)."""
    reason: str
    """Why this severity, in words with the numbers."""


@dataclass(frozen=True)
class PredictionDriftResult:
    """Prediction drift per (model version, window), judged."""

    computable: bool
    """False without a reference (or one without classes): every severity is unknown."""
    reason: str | None
    """Why not computable (None when computable)."""
    window: str
    """How records were windowed, in words."""
    thresholds: DriftThresholds
    """The verdict rule."""
    reference_shares: dict[str, float]
    """Reference class shares (empty without a reference)."""
    windows: tuple[DriftWindow, ...]
    """Windows ordered by model version (first seen first), then start."""
    only_in_reference: tuple[str, ...] = ()
    """Reference classes that no window of the whole run predicted (a class missing from
    one window is drift, shown in its window; missing from every one, it is listed here)."""
    only_in_logs: dict[str, int] = field(default_factory=dict)
    """Classes the logs predicted that the reference lacks, with their predictions over
    the whole run, most first."""

    @property
    def severity(self) -> Severity:
        """Worst window verdict; unknown when not computable or nothing had enough data."""
        return judged_severity(self.computable, self.windows)

    @property
    def first_breach(self) -> DriftWindow | None:
        """Earliest window (by start, any version) at warning or above."""
        return first_breach(self.windows)


def judge_prediction_drift(
    windows: Sequence[PredictionWindow],
    drifts: Sequence[ClassDrift],
    reference_shares: Mapping[str, float],
    not_computable: str | None,
    thresholds: DriftThresholds,
    window_text: str,
) -> PredictionDriftResult:
    """Test each window with at least ``min_samples`` predictions (when computable), adjust
    their p-values together, and judge each with :func:`two_tier_verdict` on (p_BH, PSI).
    Statistics of untested windows are withheld (nan): a PSI from a handful of predictions
    invites a reading the rule does not support."""
    tested = [not_computable is None and w.n >= thresholds.min_samples for w in windows]
    adjusted = adjust([d.p_value for d in drifts], tested)
    judged = tuple(
        _judge(w, d, t, p, thresholds, not_computable)
        for w, d, t, p in zip(windows, drifts, tested, adjusted, strict=True)
    )
    only_in_reference, only_in_logs = class_overlap(windows, reference_shares)
    return PredictionDriftResult(
        not_computable is None,
        not_computable,
        window_text,
        thresholds,
        dict(reference_shares),
        judged,
        only_in_reference,
        only_in_logs,
    )


def class_overlap(
    windows: Sequence[PredictionWindow], reference_shares: Mapping[str, float]
) -> tuple[tuple[str, ...], dict[str, int]]:
    """Over the whole run: the reference classes no window predicted (sorted), and the
    predicted classes the reference lacks, with their predictions (most first). Both
    empty without a reference or predictions."""
    if not reference_shares:
        return (), {}
    counts: dict[str, int] = {}
    for w in windows:
        for label, n in w.class_counts.items():
            counts[label] = counts.get(label, 0) + int(n)
    if not any(counts.values()):
        return (), {}
    seen = {label for label, n in counts.items() if n}
    only_in_reference = tuple(sorted(label for label in reference_shares if label not in seen))
    extra = sorted(
        ((label, n) for label, n in counts.items() if n and label not in reference_shares),
        key=lambda item: (-item[1], item[0]),
    )
    return only_in_reference, dict(extra)


def prediction_drift_findings(result: PredictionDriftResult, per_window: bool = False) -> list[Finding]:
    """One finding per model version (its worst window), or one per window."""
    check = Check.PREDICTION_DRIFT.value
    if not result.computable:
        return [Finding(check, Severity.UNKNOWN, f"prediction drift not computed: {result.reason}")]
    t = result.thresholds
    if per_window:
        return [
            window_finding(check, w, w.psi, _bound(w.severity, t), Levels(t.warning_psi, t.critical_psi))
            for w in result.windows
        ]
    return [_version_finding(version, ws, t) for version, ws in by_version(result.windows).items()]


def _judge(
    w: PredictionWindow, d: ClassDrift, tested: bool, p_adj: float, t: DriftThresholds, not_computable: str | None
) -> DriftWindow:
    psi, js, chi2, p = (d.psi, d.js_distance, d.chi2, d.p_value) if tested else (math.nan,) * 4
    if not_computable:
        severity, reason = Severity.UNKNOWN, not_computable
    elif not tested:
        severity, reason = Severity.UNKNOWN, f"{INSUFFICIENT_DATA}: {w.n} predictions < {t.min_samples}"
    else:
        severity = two_tier_verdict(p_adj, psi, alpha=t.alpha, warning=t.warning_psi, critical=t.critical_psi)
        reason = significance_reason(
            severity, "PSI", psi, p_adj, alpha=t.alpha, warning=t.warning_psi, critical=t.critical_psi
        )
    a = d.aligned
    classes = tuple(
        ClassShare(label, int(c), c / w.n if w.n else math.nan, None if not_computable else float(r))
        for label, c, r in zip(a.labels, a.current_counts, a.reference_shares)
    )
    return DriftWindow(
        w.model_version, w.start, w.end, w.n, classes, a.unseen, psi, js, chi2, p, p_adj, severity, reason
    )


def _version_finding(version: str | None, windows: list[DriftWindow], t: DriftThresholds) -> Finding:
    check = Check.PREDICTION_DRIFT.value
    tested = [w for w in windows if w.severity is not Severity.UNKNOWN]
    if not tested:
        message = f"{INSUFFICIENT_DATA}: no window has {t.min_samples} predictions"
        return Finding(check, Severity.UNKNOWN, message, scope=scope(version))
    severity = worst(tested)
    top = max(tested, key=lambda w: (w.severity.rank, w.psi))
    unseen = sorted({c for w in windows for c in w.unseen_classes})
    note = f"; classes the reference never saw: {', '.join(unseen)}" if unseen else ""
    first = first_breach(windows)
    if severity is Severity.OK or first is None:
        message = f"no prediction drift in {len(tested)} window(s) (max PSI {top.psi:.4f}){note}"
    else:
        breached = [w for w in tested if w.severity.rank >= Severity.WARNING.rank]
        p_text = f"{top.p_adjusted:.3g}" if math.isfinite(top.p_adjusted) else "n/a"
        message = (
            f"prediction drift in {len(breached)} of {len(tested)} window(s), first at "
            f"{iso_utc(first.start)}; worst PSI {top.psi:.4f}, p_BH {p_text}{note}"
        )
    levels = Levels(t.warning_psi, t.critical_psi)
    return Finding(
        check, severity, message, finite_or_none(top.psi), _bound(severity, t), scope(version), levels=levels
    )


def _bound(severity: Severity, t: DriftThresholds) -> float:
    return t.critical_psi if severity is Severity.CRITICAL else t.warning_psi
