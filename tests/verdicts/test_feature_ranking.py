"""rank_features and the dataset finding, hand-worked on verdicts built by hand: a feature
with some unknown and some judged windows is ranked by its judged ones, the first drifted
window is the first at warning, and features order by severity, then PSI, then name."""

from __future__ import annotations

import math

import pytest

from mlmon.analyses.features import FeatureDrift
from mlmon.verdicts.feature_drift import FeatureDriftResult, FeatureVerdict, feature_drift_findings, rank_features
from mlmon.verdicts.findings import Severity
from mlmon.verdicts.registry import FeatureDriftThresholds

C, W, OK, U = Severity.CRITICAL, Severity.WARNING, Severity.OK, Severity.UNKNOWN


def verdict(feature: str, window: int, severity: Severity, psi: float, kind: str = "continuous") -> FeatureVerdict:
    drift = FeatureDrift(kind, 500, 0.0, 0.0, psi, 0.01)
    return FeatureVerdict(feature, window, drift, 0.01, math.nan, severity, f"{feature}@{window}")


def rank(verdicts: list[FeatureVerdict]):
    summaries = {v.feature: f"summary of {v.feature}" for v in verdicts}
    return rank_features(verdicts, summaries)  # type: ignore[arg-type]


def test_a_feature_with_unknown_and_judged_windows_is_ranked_by_its_judged_ones():
    """Window 1 is unknown (too few values) with the largest PSI; window 2 is critical:
    the feature is critical, its worst window is 2, not the unknown one."""
    (outcome,) = rank([verdict("age", 1, U, 3.0), verdict("age", 2, C, 0.4), verdict("age", 3, OK, 0.01)])
    assert outcome.severity is C
    assert outcome.worst.window == 2 and outcome.worst.reason == "age@2"
    assert outcome.first_drifted == 2
    assert outcome.summary == "summary of age"


def test_a_feature_unknown_in_every_window_is_unknown_and_its_worst_is_the_largest_psi():
    (outcome,) = rank([verdict("x", 1, U, 0.2), verdict("x", 2, U, 0.7), verdict("x", 3, U, math.nan)])
    assert outcome.severity is U and outcome.worst.window == 2 and outcome.first_drifted is None


def test_the_first_drifted_window_is_the_first_at_warning_not_the_worst():
    (outcome,) = rank(
        [verdict("f", 1, OK, 0.3), verdict("f", 2, W, 0.02), verdict("f", 3, C, 0.5), verdict("f", 4, W, 0.9)]
    )
    assert (outcome.severity, outcome.worst.window, outcome.first_drifted) == (C, 3, 2)


def test_within_a_severity_the_largest_psi_is_the_worst_window_and_nan_psi_the_least():
    (outcome,) = rank([verdict("f", 1, W, math.nan), verdict("f", 2, W, 0.05), verdict("f", 3, W, 0.03)])
    assert outcome.worst.window == 2
    (only_nan,) = rank([verdict("g", 1, OK, math.nan), verdict("g", 2, OK, 0.0)])
    assert only_nan.worst.window == 2  # nan reads as -1, below any PSI


def test_features_rank_by_severity_then_psi_then_name():
    verdicts = [
        verdict("b_ok", 1, OK, 0.9),
        verdict("z_warn", 1, W, 0.05),
        verdict("a_warn", 1, W, 0.05),
        verdict("c_warn", 1, W, 0.2),
        verdict("d_unknown", 1, U, 5.0),
        verdict("e_crit", 1, C, 0.3),
        verdict("f_warn_nan", 1, W, math.nan),
    ]
    names = [o.feature for o in rank(verdicts)]
    assert names == ["e_crit", "c_warn", "a_warn", "z_warn", "f_warn_nan", "b_ok", "d_unknown"]


def result(outcomes, reason=None) -> FeatureDriftResult:
    return FeatureDriftResult(outcomes, (), reason, {}, (), False, FeatureDriftThresholds())


def test_the_dataset_finding_names_the_movers_and_counts_only_judged_features():
    outcomes = rank(
        [verdict("a", 1, C, 0.5), verdict("b", 1, W, 0.1), verdict("c", 1, OK, 0.0), verdict("d", 1, U, 0.0)]
    )
    (finding,) = feature_drift_findings(result(outcomes))
    assert finding.severity is C and finding.value == 2.0
    assert finding.message == "2 of 3 features drifted: a critical, b warning"
    (calm,) = feature_drift_findings(result(rank([verdict("c", 1, OK, 0.0), verdict("d", 1, U, 0.0)])))
    assert (calm.severity, calm.message, calm.value) == (OK, "no feature drifted (1 of 2 judged)", 0.0)


def test_a_warning_alone_makes_a_warning_finding():
    (finding,) = feature_drift_findings(result(rank([verdict("b", 1, W, 0.1), verdict("c", 1, OK, 0.0)])))
    assert (finding.severity, finding.message) == (W, "1 of 2 features drifted: b warning")


def test_five_movers_are_named_and_a_sixth_is_an_ellipsis():
    five = rank([verdict(f"f{i}", 1, W, 0.1 - i / 100) for i in range(5)])
    assert feature_drift_findings(result(five))[0].message == "5 of 5 features drifted: " + ", ".join(
        f"f{i} warning" for i in range(5)
    )
    six = rank([verdict(f"f{i}", 1, W, 0.1 - i / 100) for i in range(6)])
    assert feature_drift_findings(result(six))[0].message.endswith("f4 warning, ...")


@pytest.mark.parametrize(
    ("outcomes", "reason", "message"),
    [
        ((), "no inputs in the logs", "feature drift not computed: no inputs in the logs"),
        (None, None, "feature drift not computed: no feature could be judged (2 unknown)"),
    ],
)
def test_nothing_judged_is_unknown_with_why(outcomes, reason, message):
    outcomes = rank([verdict("a", 1, U, 0.1), verdict("b", 1, U, 0.2)]) if outcomes is None else outcomes
    (finding,) = feature_drift_findings(result(outcomes, reason))
    assert (finding.severity, finding.message) == (U, message)


def test_image_statistics_form_their_own_section_and_results_count_by_severity():
    outcomes = rank([verdict("brightness", 1, W, 0.1), verdict("age", 1, W, 0.2), verdict("x", 1, C, 0.4)])
    assert [(o.feature, o.section) for o in outcomes] == [("x", "tabular"), ("age", "tabular"), ("brightness", "image")]
    counted = result(outcomes)
    assert [counted.count(s) for s in (C, W, OK, U)] == [1, 2, 0, 0]
