"""Feature-drift verdicts: each (feature, window) is tested once, p-values are adjusted
with Benjamini-Hochberg across all of them, and a shift is a finding only when it is
significant AND material (``significance``). Materiality depends on the feature's kind:

* continuous: warning at Wasserstein-1 / reference sd >= 0.1 (Evidently's drift bound, a
  0.1 sd mean move), critical at PSI >= 0.25;
* discrete and categorical: warning at PSI >= 0.005 (a binary share from 50% to 46%),
  critical at PSI >= 0.25 (a new category holding 30% of rows gives about 2);
* the missing share, any kind: its change tested by chi-squared on (missing, present) x
  (reference, window), in the same family; a rise of 5 points is a warning, of 50 points
  critical (half the inputs gone). A window with no values at all of a feature the reference has is
  judged on this alone: the distribution cannot be compared, the loss can.

The numbers behind these bounds: ``references/statistics/feature_drift.md``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mlmon.verdicts.findings import Finding, Severity
from mlmon.verdicts.registry import Check, FeatureDriftThresholds
from mlmon.verdicts.significance import adjust

if TYPE_CHECKING:
    from mlmon.analyses.feature_summary import FeatureSummary
    from mlmon.analyses.features import FeatureDrift


@dataclass(frozen=True)
class FeatureVerdict:
    """One feature in one window, judged."""

    feature: str
    """The feature's name."""
    window: object
    """The window it was measured in (its start, or a key)."""
    drift: FeatureDrift
    """The numbers."""
    p_adjusted: float
    """Benjamini-Hochberg adjusted p-value of the distribution test (nan when not tested)."""
    missing_p_adjusted: float
    """Benjamini-Hochberg adjusted p-value of the missing share's change (nan when not tested)."""
    severity: Severity
    """ok, warning, critical, or unknown (not computable, or too few values)."""
    reason: str
    """Why, in words with the numbers."""


def judge_feature_drift(
    measured: Sequence[tuple[str, object, FeatureDrift]], t: FeatureDriftThresholds | None = None
) -> tuple[FeatureVerdict, ...]:
    """Verdicts for ``(feature, window, drift)`` triples, adjusted together."""
    t = t or FeatureDriftThresholds()
    tested = [d.unknown is None and d.n >= t.min_samples and math.isfinite(d.p_value) for _, _, d in measured]
    rows = [d.n / (1 - d.missing_share) if d.missing_share < 1 else math.inf for _, _, d in measured]
    missing_tested = [math.isfinite(d.missing_p_value) and r >= t.min_samples for (_, _, d), r in zip(measured, rows)]
    adjusted = adjust(
        [d.p_value for _, _, d in measured] + [d.missing_p_value for _, _, d in measured], tested + missing_tested
    )
    half = len(measured)
    return tuple(
        _judge(name, window, d, (adjusted[i], adjusted[half + i]), (tested[i], missing_tested[i]), t)
        for i, (name, window, d) in enumerate(measured)
    )


def _judge(
    name: str,
    window: object,
    d: FeatureDrift,
    p_adj: tuple[float, float],
    tested: tuple[bool, bool],
    t: FeatureDriftThresholds,
) -> FeatureVerdict:
    shape, why = _shape(d, p_adj[0], tested[0], t)
    loss, loss_why = _missing(d, p_adj[1], tested[1], t)
    if loss.rank > max(shape.rank, Severity.OK.rank):
        shape, why = loss, loss_why
    return FeatureVerdict(name, window, d, p_adj[0], p_adj[1], shape, why)


def _shape(d: FeatureDrift, p_adj: float, tested: bool, t: FeatureDriftThresholds) -> tuple[Severity, str]:
    """The distribution's verdict: significant and material."""
    if not tested:
        return Severity.UNKNOWN, d.unknown or (
            f"insufficient data: {d.n} values < {t.min_samples}" if d.n < t.min_samples else "not computable"
        )
    effect_name, effect, warning = _warning_effect(d, t)
    significant = p_adj < t.alpha
    sig = f"p_BH {p_adj:.3g} {'<' if significant else '>='} {t.alpha:g}"
    if not significant:
        return Severity.OK, f"not significant ({sig}); PSI {d.psi:.4f}"
    if d.psi >= t.critical_psi:
        return Severity.CRITICAL, f"significant ({sig}) and PSI {d.psi:.4f} >= {t.critical_psi:g}"
    if effect >= warning:
        return Severity.WARNING, f"significant ({sig}) and {effect_name} {effect:.4f} >= {warning:g}"
    return Severity.OK, f"significant ({sig}) but immaterial: {effect_name} {effect:.4f} < {warning:g}"


def _missing(d: FeatureDrift, p_adj: float, tested: bool, t: FeatureDriftThresholds) -> tuple[Severity, str]:
    """The missing share's verdict: a significant rise of at least the bound. A fall (the
    inputs more complete than in training) is shown in the numbers but pages nobody, and a
    feature the reference never had is unknown, not newly present."""
    change = d.missing_share - d.reference_missing_share
    if not tested or not p_adj < t.alpha or not change >= t.warning_missing or not d.reference_missing_share < 1:
        return Severity.OK, ""
    severity = Severity.CRITICAL if change >= t.critical_missing else Severity.WARNING
    bound = t.critical_missing if severity is Severity.CRITICAL else t.warning_missing
    return severity, (
        f"missing share {d.missing_share:.1%} against {d.reference_missing_share:.1%} in the reference "
        f"(p_BH {p_adj:.3g} < {t.alpha:g}; change {change:.1%} >= {bound:.0%})"
    )


def _warning_effect(d: FeatureDrift, t: FeatureDriftThresholds) -> tuple[str, float, float]:
    if d.kind == "continuous" and d.wasserstein_sd is not None:
        return "Wasserstein/sd", d.wasserstein_sd.value, t.warning_wasserstein
    return "PSI", d.psi, t.warning_psi


IMAGE_FEATURES = ("brightness", "contrast", "width", "height", "aspect_ratio")
"""Image statistics, shown as a section of their own: brightness is the mean of BT.709
luma, contrast its std, and aspect ratio is width / height (deepchecks uses height /
width: a 4:3 image is 1.333 here and 0.75 there). They drift like any numeric feature."""


@dataclass(frozen=True)
class FeatureOutcome:
    """One feature over every window, judged."""

    feature: str
    """The feature's name."""
    kind: str
    """``continuous``, ``discrete`` or ``categorical``."""
    severity: Severity
    """Its worst window's severity (unknown only when no window could be judged)."""
    worst: FeatureVerdict
    """The window that ranks it: the most severe, then the largest PSI."""
    first_drifted: object | None
    """The start of the first window at warning or worse (None: none)."""
    summary: FeatureSummary
    """Reference against current over the whole run."""

    @property
    def section(self) -> str:
        """``image`` for the :data:`IMAGE_FEATURES`, ``tabular`` for the rest."""
        return "image" if self.feature in IMAGE_FEATURES else "tabular"


@dataclass(frozen=True)
class FeatureDriftResult:
    """Data drift over every feature and window."""

    features: tuple[FeatureOutcome, ...]
    """Features ranked by drift: severity, then PSI of their worst window."""
    verdicts: tuple[FeatureVerdict, ...]
    """Every (feature, window), window by window."""
    reason: str | None
    """Why nothing could be judged (no reference features, no inputs in the logs), or None."""
    only_in_logs: dict[str, int]
    """Keys of the logs' ``features`` objects the reference lacks, with values present."""
    only_in_reference: tuple[str, ...]
    """Reference features no record carried a value for."""
    whole_range: bool
    """Record-count windows were asked for: features were judged over the whole range."""
    thresholds: FeatureDriftThresholds
    """The rule applied."""

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.features if f.severity is severity)


def rank_features(
    verdicts: Sequence[FeatureVerdict], summaries: dict[str, FeatureSummary]
) -> tuple[FeatureOutcome, ...]:
    """One outcome per feature, most drifted first."""
    by_feature: dict[str, list[FeatureVerdict]] = {}
    for verdict in verdicts:
        by_feature.setdefault(verdict.feature, []).append(verdict)
    outcomes = []
    for name, own in by_feature.items():
        judged = [v for v in own if v.severity is not Severity.UNKNOWN] or own
        worst = max(judged, key=lambda v: (v.severity.rank, _finite(v.drift.psi)))
        first = next((v.window for v in own if v.severity.rank >= Severity.WARNING.rank), None)
        outcomes.append(FeatureOutcome(name, worst.drift.kind, worst.severity, worst, first, summaries[name]))
    return tuple(sorted(outcomes, key=lambda o: (-o.severity.rank, -_finite(o.worst.drift.psi), o.feature)))


def feature_drift_findings(result: FeatureDriftResult) -> list[Finding]:
    """One finding for the dataset: the worst feature's severity, naming the movers."""
    check = Check.FEATURE_DRIFT.value
    if result.reason is not None:
        return [Finding(check, Severity.UNKNOWN, f"feature drift not computed: {result.reason}")]
    judged = [f for f in result.features if f.severity is not Severity.UNKNOWN]
    if not judged:
        return [
            Finding(
                check,
                Severity.UNKNOWN,
                f"feature drift not computed: no feature could be judged ({len(result.features)} unknown)",
            )
        ]
    movers = [f for f in judged if f.severity.rank >= Severity.WARNING.rank]
    severity = max((f.severity for f in judged), key=lambda s: s.rank)
    if not movers:
        return [
            Finding(check, Severity.OK, f"no feature drifted ({len(judged)} of {len(result.features)} judged)", 0.0)
        ]
    named = ", ".join(f"{f.feature} {f.severity.value}" for f in movers[:5]) + (", ..." if len(movers) > 5 else "")
    message = f"{len(movers)} of {len(judged)} features drifted: {named}"
    return [Finding(check, severity, message, float(len(movers)))]


def _finite(value: float) -> float:
    return value if math.isfinite(value) else -1.0
