"""judge_feature_drift's reasons at min_samples: a window with exactly min_samples values is
not "insufficient data" (fewer is), so an untested one with that many reads "not computable"."""

from __future__ import annotations

import math

import pytest

from mlmon.analyses.features import FeatureDrift
from mlmon.verdicts.feature_drift import judge_feature_drift
from mlmon.verdicts.findings import Severity
from mlmon.verdicts.registry import FeatureDriftThresholds


@pytest.mark.parametrize(
    ("n", "reason"),
    [(199, "insufficient data: 199 values < 200"), (200, "not computable"), (201, "not computable")],
)
def test_an_untested_window_says_why_with_min_samples_as_the_edge(n, reason):
    drift = FeatureDrift("continuous", n, 0.0, 0.0, math.nan, math.nan)  # no p-value: not tested
    (verdict,) = judge_feature_drift([("x", 0, drift)], FeatureDriftThresholds(min_samples=200))
    assert (verdict.severity, verdict.reason) == (Severity.UNKNOWN, reason)


def test_adjusting_p_values_refuses_a_tested_list_of_another_length():
    from mlmon.verdicts.significance import adjust

    with pytest.raises(ValueError):
        adjust([0.01, 0.02], [True])
