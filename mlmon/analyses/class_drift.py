"""Class shares of a window against the reference: PSI, Jensen-Shannon and chi-squared.
Numbers only; which windows are tested and what they mean is decided in ``mlmon.verdicts``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from mlmon import stats
from mlmon.analyses.predictions import PredictionWindow


@dataclass(frozen=True)
class ClassDrift:
    """One window's class counts next to the reference, and the statistics between them."""

    aligned: stats.AlignedCategories
    """Reference shares and current counts on one list of classes."""
    psi: float
    """Population Stability Index (nan without a reference or predictions)."""
    js_distance: float
    """Jensen-Shannon distance, base 2, in [0, 1] (nan when not computable)."""
    chi2: float
    """Chi-squared goodness-of-fit statistic (nan when not computable)."""
    p_value: float
    """Chi-squared p-value (nan when not computable)."""


def class_drift(
    window: PredictionWindow, reference_shares: Mapping[str, float], epsilon: float = stats.SHARE_EPSILON
) -> ClassDrift:
    """PSI, JS distance and chi-squared of ``window``'s class counts against
    ``reference_shares``; every statistic is nan without a reference or predictions, and
    where the statistic itself is undefined (a single class in both)."""
    aligned, psi, js, chi2, p = stats.category_statistics(
        reference_shares, window.class_counts if window.n else {}, epsilon
    )
    return ClassDrift(aligned, psi, js, chi2, p)
