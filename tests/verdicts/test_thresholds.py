"""The verdict room at its boundaries: every threshold is tested on, just below and just
above its value, with hand-worked numbers (references/statistics/, docs/architecture.md "Verdicts")."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import pytest
from scipy.stats import false_discovery_control

from mlmon.analyses.class_drift import ClassDrift
from mlmon.analyses.predictions import PredictionWindow
from mlmon.stats import AlignedCategories
from mlmon.verdicts.budgets import bench_findings, error_rate_finding, p99_finding
from mlmon.verdicts.confidence import confidence_findings, judge_confidence
from mlmon.verdicts.findings import Finding, Severity, exit_code, worst
from mlmon.verdicts.prediction_drift import judge_prediction_drift, prediction_drift_findings
from mlmon.verdicts.registry import ConfidenceThresholds, DriftThresholds
from mlmon.verdicts.significance import adjust, two_tier_verdict

RULE = dict(alpha=0.001, warning=0.01, critical=0.25)
T0 = datetime(2026, 11, 9, tzinfo=UTC)


@pytest.mark.parametrize(
    ("p", "psi", "expected"),
    [
        (0.0005, 0.25, Severity.CRITICAL),  # PSI exactly at the critical tier
        (0.0005, 0.2499999, Severity.WARNING),
        (0.0005, 0.01, Severity.WARNING),  # PSI exactly at the warning tier
        (0.0005, 0.0099999, Severity.OK),  # significant but immaterial
        (0.001, 0.9, Severity.OK),  # p exactly alpha is not significant
        (0.0009999, 0.9, Severity.CRITICAL),
        (math.nan, 0.9, Severity.UNKNOWN),
        (0.0005, math.nan, Severity.UNKNOWN),
    ],
)
def test_two_tier_rule_at_its_boundaries(p, psi, expected):
    assert two_tier_verdict(p, psi, **RULE) is expected


def test_adjust_is_benjamini_hochberg_over_tested_windows_only():
    raw = [0.01, 0.04, 0.03, 0.5, 0.002]
    tested = [True, True, False, True, True]
    adjusted = adjust(raw, tested)
    family = [p for p, t in zip(raw, tested) if t]
    expected = iter(false_discovery_control(family, method="bh"))
    for p, t in zip(adjusted, tested):
        assert (math.isnan(p) and not t) or p == pytest.approx(next(expected))


def window(
    n: int, counts: dict[str, int] | None = None, version: str | None = "v1", mean: float = 0.8, start=T0
) -> PredictionWindow:
    return PredictionWindow(version, start, start, n, counts or {"A": n}, n, mean, mean - 0.1, 0.0, None)


def drift(psi: float, p: float, labels=("A", "B")) -> ClassDrift:
    aligned = AlignedCategories(
        tuple(labels), np.full(len(labels), 1 / len(labels)), np.ones(len(labels), dtype=int), ()
    )
    return ClassDrift(aligned, psi, 0.1, 10.0, p)


@pytest.mark.parametrize(("n", "expected"), [(200, Severity.CRITICAL), (199, Severity.UNKNOWN)])
def test_a_window_of_exactly_min_samples_is_judged(n, expected):
    result = judge_prediction_drift(
        [window(n, {"A": n // 2, "B": n - n // 2})],
        [drift(0.5, 1e-9)],
        {"A": 0.5, "B": 0.5},
        None,
        DriftThresholds(),
        "whole range",
    )
    assert result.windows[0].severity is expected
    if expected is Severity.UNKNOWN:
        assert result.windows[0].reason == "insufficient data: 199 predictions < 200"
        assert math.isnan(result.windows[0].psi)  # withheld below min_samples


def test_a_single_class_window_reads_unknown_never_ok():
    nan = math.nan
    result = judge_prediction_drift(
        [window(500)], [drift(nan, nan, labels=("A",))], {"A": 1.0}, None, DriftThresholds(), "whole range"
    )
    (w,) = result.windows
    assert w.severity is Severity.UNKNOWN and "single class" in w.reason
    assert result.severity is Severity.UNKNOWN
    assert prediction_drift_findings(result)[0].severity is Severity.UNKNOWN


def test_untested_windows_do_not_enter_the_bh_family():
    """Two windows with the same raw p; the small one must not inflate the other's p_BH."""
    windows = [window(1000), window(100, start=T0.replace(day=10))]
    result = judge_prediction_drift(
        windows, [drift(0.3, 0.0004), drift(0.3, 0.0004)], {"A": 0.5, "B": 0.5}, None, DriftThresholds(), "1d windows"
    )
    assert result.windows[0].p_adjusted == pytest.approx(0.0004)  # family of one: BH leaves p as is
    assert result.windows[0].severity is Severity.CRITICAL and math.isnan(result.windows[1].p_adjusted)


def test_without_a_reference_every_verdict_is_unknown():
    result = judge_prediction_drift(
        [window(1000)], [drift(math.nan, math.nan)], {}, "no reference profile", DriftThresholds(), "whole range"
    )
    assert result.windows[0].severity is Severity.UNKNOWN and not result.computable
    (finding,) = prediction_drift_findings(result)
    assert finding.severity is Severity.UNKNOWN and "no reference profile" in finding.message


@pytest.mark.parametrize(
    ("fall", "expected"), [(0.1000001, Severity.CRITICAL), (0.0999999, Severity.OK), (-0.2, Severity.OK)]
)
def test_collapse_is_a_fall_strictly_beyond_the_bound(fall, expected):
    result = judge_confidence([window(500, mean=0.8 - fall)], 0.8, ConfidenceThresholds(), "whole range")
    assert result.windows[0].severity is expected
    (finding,) = confidence_findings(result)
    assert finding.value == pytest.approx(fall) and finding.threshold == 0.10


def test_confidence_baseline_is_per_version_and_needs_min_samples():
    windows = [
        window(150, version="v1", mean=0.9),  # too small to be the baseline
        window(300, version="v1", mean=0.85, start=T0.replace(day=10)),
        window(300, version="v1", mean=0.70, start=T0.replace(day=11)),
        window(300, version="v2", mean=0.60, start=T0.replace(day=10)),  # its own baseline: no collapse
    ]
    result = judge_confidence(windows, None, ConfidenceThresholds(), "1d windows")
    assert [w.severity for w in result.windows] == [Severity.UNKNOWN, Severity.OK, Severity.CRITICAL, Severity.OK]
    assert result.windows[2].baseline == 0.85 and result.windows[3].baseline == 0.60
    assert result.baseline_source == "first_window"


@pytest.mark.parametrize(
    ("p99", "expected"), [(200.0, Severity.OK), (200.0001, Severity.CRITICAL), (None, Severity.UNKNOWN)]
)
def test_p99_budget_equal_passes(p99, expected):
    finding = p99_finding(p99, 200.0, "all")
    assert finding.severity is expected and finding.check == "latency_p99" and finding.threshold == 200.0
    if p99 is not None:
        assert (
            finding.message
            == f"p99 latency {p99:.1f} ms is {'over' if expected is Severity.CRITICAL else 'within'} the 200 ms budget"
        )


def test_error_rate_limit_and_bench_use_the_same_rule():
    assert error_rate_finding(0.01, 1, 100, 0.01, "all").severity is Severity.OK
    assert error_rate_finding(0.0101, 101, 10_000, 0.01, "all").severity is Severity.CRITICAL
    assert error_rate_finding(None, 0, 0, 0.01, "all").severity is Severity.UNKNOWN

    class Config:
        def __init__(self, batch, p99):
            self.batch_size, self.latency = batch, type("L", (), {"p99_ms": p99})()

    found = bench_findings([Config(1, 5.0), Config(8, 5.001)], 5.0)
    assert [f.severity for f in found] == [Severity.OK, Severity.CRITICAL]
    assert [f.scope for f in found] == ["batch_size=1", "batch_size=8"]


def test_exit_code_and_fail_on():
    def f(severity: Severity) -> Finding:
        return Finding("x", severity, "m")

    assert exit_code([f(Severity.WARNING)]) == 0 and exit_code([f(Severity.CRITICAL)]) == 1
    assert exit_code([f(Severity.WARNING)], Severity.WARNING) == 1
    assert exit_code([f(Severity.UNKNOWN), f(Severity.OK)], Severity.WARNING) == 0  # unknown never breaches
    assert worst([f(Severity.UNKNOWN), f(Severity.OK)]) is Severity.OK and worst([]) is Severity.OK
    assert worst([f(Severity.WARNING), f(Severity.CRITICAL), f(Severity.OK)]) is Severity.CRITICAL


def test_severity_ranks_and_fail_on():
    assert [s.rank for s in (Severity.UNKNOWN, Severity.OK, Severity.WARNING, Severity.CRITICAL)] == [-1, 0, 1, 2]
    assert not Severity.OK.at_least(Severity.OK)  # ok never breaches, whatever the bar
    assert Severity.CRITICAL.at_least(Severity.WARNING) and not Severity.WARNING.at_least(Severity.CRITICAL)
    assert worst([Finding("x", Severity.OK, "m"), Finding("x", Severity.WARNING, "m")]) is Severity.WARNING


def test_registry_rows_point_at_their_thresholds():
    from mlmon.verdicts.registry import BudgetThresholds, Check

    assert Check.PREDICTION_DRIFT.spec.thresholds is DriftThresholds
    assert Check.CONFIDENCE_COLLAPSE.spec.thresholds is ConfidenceThresholds
    assert Check.LATENCY_P99.spec.thresholds is BudgetThresholds and Check.LATENCY_P99.spec.rule == "budgets"
    assert Check.CONFIDENCE_COLLAPSE.defaults() == {
        "min_samples": 200,
        "low_threshold": 0.5,
        "collapse_drop": 0.10,
        "warning_drop": None,
    }


def test_reasons_at_the_significance_boundary():
    from mlmon.verdicts.significance import significance_reason

    rule = dict(alpha=0.001, warning=0.01, critical=0.25)
    assert (
        significance_reason(Severity.OK, "PSI", 0.3, 0.001, **rule)
        == "not significant (p_BH 0.001 >= 0.001); PSI 0.3000"
    )
    assert (
        significance_reason(Severity.OK, "PSI", 0.005, 0.0005, **rule)
        == "significant (p_BH 0.0005 < 0.001) but immaterial: PSI 0.0050 < 0.01"
    )
    assert (
        significance_reason(Severity.WARNING, "PSI", 0.05, 0.0005, **rule)
        == "significant (p_BH 0.0005 < 0.001) and PSI 0.0500 >= 0.01"
    )


def test_finite_or_none_and_per_window_findings():
    from mlmon.verdicts.scopes import finite_or_none

    assert finite_or_none(math.nan) is None and finite_or_none(None) is None and finite_or_none(0.5) == 0.5
    windows = [window(100), window(500, {"A": 250, "B": 250}, start=T0.replace(day=10))]
    result = judge_prediction_drift(
        windows, [drift(0.3, 1e-9), drift(0.3, 1e-9)], {"A": 0.5, "B": 0.5}, None, DriftThresholds(), "1d windows"
    )
    first, second = prediction_drift_findings(result, per_window=True)
    assert first.value is None and first.severity is Severity.UNKNOWN  # untested: its PSI is withheld
    assert second.value == 0.3 and second.scope == "model_version=v1 window=2026-11-10T00:00:00Z"


def test_confidence_windows_at_their_edges():
    # Exactly min_samples confident predictions: judged, and the baseline without a reference.
    result = judge_confidence(
        [window(200, mean=0.9), window(300, mean=0.9, start=T0.replace(day=10))], None, ConfidenceThresholds(), "1d"
    )
    assert result.windows[0].baseline == 0.9 and result.windows[1].direction == "flat"
    assert [w.severity for w in result.windows] == [Severity.OK, Severity.OK]
    rising = judge_confidence([window(300, mean=0.95)], 0.8, ConfidenceThresholds(), "whole range")
    assert rising.windows[0].direction == "up"
    assert "largest fall 0.000" in confidence_findings(rising)[0].message  # a rise is no fall
    per_window = confidence_findings(rising, per_window=True)
    assert per_window[0].value == pytest.approx(-0.15) and per_window[0].scope.startswith("model_version=v1 window=")
    small = judge_confidence([window(10, mean=0.5)], 0.8, ConfidenceThresholds(), "whole range")
    (finding,) = confidence_findings(small)
    assert (
        finding.severity is Severity.UNKNOWN and finding.message == "insufficient data: 10 confident predictions < 200"
    )


@pytest.mark.parametrize(
    ("p99", "budget", "text"), [(9.87654, 10.0, "9.9 ms"), (9.87654, 9.99, "9.877 ms"), (9.87654, 11.0, "9.9 ms")]
)
def test_p99_message_precision_follows_the_budget(p99, budget, text):
    assert f"p99 latency {text} is within" in p99_finding(p99, budget, "all").message


@pytest.mark.parametrize(
    ("value", "warning", "critical", "expected"),
    [
        (99.0, 100.0, 250.0, Severity.OK),
        (100.0, 100.0, 250.0, Severity.OK),  # equal to a level passes it
        (100.5, 100.0, 250.0, Severity.WARNING),
        (250.0, 100.0, 250.0, Severity.WARNING),
        (250.1, 100.0, 250.0, Severity.CRITICAL),
        (900.0, None, 250.0, Severity.CRITICAL),
        (900.0, 100.0, None, Severity.WARNING),
        (900.0, None, None, Severity.OK),
        (None, 100.0, 250.0, Severity.UNKNOWN),
    ],
)
def test_two_level_budgets(value, warning, critical, expected):
    finding = p99_finding(value, critical, "all", warning_ms=warning)
    assert finding.severity is expected
    if expected is Severity.CRITICAL:
        assert finding.threshold == critical
    elif warning is not None:
        assert finding.threshold == warning
    rate = error_rate_finding(
        None if value is None else value / 1000,
        1,
        1000,
        None if critical is None else critical / 1000,
        "all",
        None if warning is None else warning / 1000,
    )
    assert rate.severity is expected
