"""Every check mlmon can make: its name, the analysis it judges, its rule and its default
thresholds. Plain Python, cheap to import: the CLI reads its defaults from here.

Defaults and the numbers behind them: ``references/statistics/`` (psi.md, confidence.md,
benjamini_hochberg.md).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, fields

from mlmon.stats import SHARE_EPSILON


@dataclass(frozen=True)
class DriftThresholds:
    """The rule behind prediction-drift verdicts."""

    min_samples: int = 200
    """Fewer predictions in a window: ``insufficient data``."""
    alpha: float = 0.001
    """Significant when the BH-adjusted chi-squared p-value is below this."""
    warning_psi: float = 0.01
    """Warning: significant and PSI at or above this."""
    critical_psi: float = 0.25
    """Critical: significant and PSI at or above this."""
    epsilon: float = SHARE_EPSILON
    """Share floor for empty classes in PSI and chi-squared."""


@dataclass(frozen=True)
class FeatureDriftThresholds:
    """The rule behind feature-drift verdicts (``references/statistics/feature_drift.md``)."""

    min_samples: int = 200
    """Fewer values of a feature in a window: ``insufficient data``."""
    alpha: float = 0.001
    """Significant when the BH-adjusted p-value (KS for continuous features, chi-squared
    for discrete and categorical ones, across features x windows) is below this."""
    warning_wasserstein: float = 0.1
    """Warning (continuous): significant and Wasserstein-1 / reference sd at or above this,
    Evidently's drift bound, reached by a 0.1 sd mean move."""
    warning_psi: float = 0.005
    """Warning (discrete, categorical): significant and PSI at or above this; a binary
    share moving from 50% to 46% gives 0.0064."""
    critical_psi: float = 0.25
    """Critical (any kind): significant and PSI at or above this, the conventional major shift."""
    warning_missing: float = 0.05
    """Warning: the missing share changed significantly (chi-squared on the 2x2 table, in
    the same Benjamini-Hochberg family) by at least this much, absolute."""
    critical_missing: float = 0.5
    """Critical: the same, by at least this much: half the inputs gone or newly present."""
    epsilon: float = SHARE_EPSILON
    """Share floor for empty bins and categories in PSI and chi-squared."""


@dataclass(frozen=True)
class ConfidenceThresholds:
    """The rule behind confidence-collapse verdicts."""

    min_samples: int = 200
    """Fewer confident predictions in a window: ``insufficient data``."""
    low_threshold: float = 0.5
    """Confidence below this counts in ``share_below``."""
    collapse_drop: float = 0.10
    """Collapse: mean confidence below the baseline by more than this (absolute)."""
    warning_drop: float | None = None
    """Warning: mean confidence below the baseline by more than this, but not by more than
    ``collapse_drop`` (None: no warning tier; ``mlmon check``'s ``[rules.confidence_collapse]
    warning``)."""


@dataclass(frozen=True)
class BudgetThresholds:
    """A value that must stay at or below a limit (no default: the user sets the limit)."""

    limit: float | None = None
    """Critical when the value is over this; None: not checked."""


@dataclass(frozen=True)
class AccuracyThresholds:
    """Realized accuracy from late labels (``mlmon performance``)."""

    minimum: float | None = None
    """Accuracy below this is a finding (None: not judged)."""
    min_coverage: float = 0.5
    """Labelled share a window needs before it is judged."""
    min_labelled: int = 30
    """Labels a window needs before it is judged."""


@dataclass(frozen=True)
class EstimateThresholds:
    """CBPE's estimates against the reference's band (``mlmon performance --reference``)."""

    band_sd: float = 3.0
    """The band: the reference chunks' mean estimate plus or minus this many standard deviations."""


@dataclass(frozen=True)
class CheckSpec:
    """One row of the registry."""

    analysis: str
    """The analysis whose numbers the check judges (a module of ``mlmon.analyses``)."""
    rule: str
    """The rule that judges them (a module of ``mlmon.verdicts``)."""
    thresholds: type
    """The thresholds dataclass; its field defaults are the check's defaults."""
    summary: str
    """What a breach means, in a few words."""


class Check(str, enum.Enum):
    """Stable machine names of the checks (``Finding.check``)."""

    LATENCY_P99 = "latency_p99"
    ERROR_RATE = "error_rate"
    PREDICTION_DRIFT = "prediction_drift"
    CONFIDENCE_COLLAPSE = "confidence_collapse"
    FEATURE_DRIFT = "feature_drift"
    ACCURACY = "accuracy"
    ESTIMATED_ACCURACY = "estimated_accuracy"
    ESTIMATE_GAP = "estimate_gap"
    CALIBRATION_ERROR = "calibration_error"
    LABEL_COVERAGE = "label_coverage"

    @property
    def spec(self) -> CheckSpec:
        return REGISTRY[self]

    def defaults(self) -> dict[str, object]:
        """Default threshold values by name."""
        instance = self.spec.thresholds()
        return {f.name: getattr(instance, f.name) for f in fields(instance)}


REGISTRY: dict[Check, CheckSpec] = {
    Check.LATENCY_P99: CheckSpec("ops", "budgets", BudgetThresholds, "p99 latency over its budget"),
    Check.ERROR_RATE: CheckSpec("ops", "budgets", BudgetThresholds, "error rate over its limit"),
    Check.PREDICTION_DRIFT: CheckSpec(
        "predictions", "prediction_drift", DriftThresholds, "class shares moved from the reference"
    ),
    Check.CONFIDENCE_COLLAPSE: CheckSpec(
        "predictions", "confidence", ConfidenceThresholds, "mean confidence fell below its baseline"
    ),
    Check.FEATURE_DRIFT: CheckSpec(
        "features", "feature_drift", FeatureDriftThresholds, "an input feature's distribution moved from the reference"
    ),
    Check.ACCURACY: CheckSpec(
        "performance", "performance", AccuracyThresholds, "accuracy on late labels below its minimum"
    ),
    Check.ESTIMATED_ACCURACY: CheckSpec(
        "estimated", "estimates", EstimateThresholds, "estimated accuracy below the reference's band"
    ),
    Check.ESTIMATE_GAP: CheckSpec(
        "estimated", "estimates", EstimateThresholds, "realized accuracy far from the estimate: concept drift"
    ),
    Check.CALIBRATION_ERROR: CheckSpec(
        "performance", "label_rules", AccuracyThresholds, "expected calibration error over its maximum"
    ),
    Check.LABEL_COVERAGE: CheckSpec(
        "performance", "label_rules", AccuracyThresholds, "too few predictions labelled: the labelling pipeline stalls"
    ),
}
