"""Prediction drift's findings, hand-worked on judged windows: the threshold a finding names
(the critical PSI level when critical, else the warning one), warning windows counted as
breaches, and the classes only the logs predicted ordered by count, then name."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import numpy as np

from mlmon.stats import AlignedCategories
from mlmon.verdicts.findings import Severity
from mlmon.verdicts.prediction_drift import judge_prediction_drift, prediction_drift_findings
from mlmon.verdicts.registry import DriftThresholds

T0 = datetime(2026, 11, 20, tzinfo=UTC)
REFERENCE = {"A": 0.5, "B": 0.5}


def judged(*psis: float, counts: dict[str, int] | None = None):
    counts = counts or {"A": 250, "B": 250}
    windows = [
        SimpleNamespace(
            model_version="v1",
            start=T0 + timedelta(days=i),
            end=T0 + timedelta(days=i),
            n=sum(counts.values()),
            class_counts=counts,
        )
        for i in range(len(psis))
    ]
    aligned = AlignedCategories(("A", "B"), np.array([0.5, 0.5]), np.array([250, 250]), ())
    drifts = [SimpleNamespace(aligned=aligned, psi=psi, js_distance=0.1, chi2=50.0, p_value=1e-12) for psi in psis]
    return judge_prediction_drift(windows, drifts, REFERENCE, None, DriftThresholds(), "1d windows")


def test_a_finding_names_the_level_its_worst_window_is_compared_with():
    result = judged(0.005, 0.02, 0.3)  # significant in each: ok (immaterial), warning, critical
    assert [w.severity for w in result.windows] == [Severity.OK, Severity.WARNING, Severity.CRITICAL]
    (finding,) = prediction_drift_findings(result)
    assert (finding.severity, finding.value, finding.threshold) == (Severity.CRITICAL, 0.3, 0.25)
    assert (
        finding.message
        == "prediction drift in 2 of 3 window(s), first at 2026-11-21T00:00:00Z; worst PSI 0.3000, p_BH 1e-12"
    )
    assert [f.threshold for f in prediction_drift_findings(result, per_window=True)] == [0.01, 0.01, 0.25]


def test_warning_windows_are_breaches_and_name_the_warning_level():
    (finding,) = prediction_drift_findings(judged(0.02, 0.03))
    assert (finding.severity, finding.threshold) == (Severity.WARNING, 0.01)
    assert (
        finding.message
        == "prediction drift in 2 of 2 window(s), first at 2026-11-20T00:00:00Z; worst PSI 0.0300, p_BH 1e-12"
    )
    (calm,) = prediction_drift_findings(judged(0.001))
    assert (calm.severity, calm.threshold) == (Severity.OK, 0.01)


def test_classes_only_in_the_logs_are_ordered_by_count_then_name():
    result = judged(0.3, counts={"A": 100, "B": 100, "z": 5, "m": 5, "q": 7})
    assert list(result.only_in_logs.items()) == [("q", 7), ("m", 5), ("z", 5)]
    assert result.only_in_reference == ()
