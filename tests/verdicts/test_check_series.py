"""check's per-window series, hand-worked: no data at the run's edges, the silence, the
share of drifted features, and the rule book's levels."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from mlmon.analyses.ops_types import WindowOps
from mlmon.api.check_rules import CheckRules, rules_from_settings
from mlmon.config import resolve_settings
from mlmon.verdicts.alerting import AlertRule
from mlmon.verdicts.check_series import feature_series, no_data_series, silence_severity
from mlmon.verdicts.findings import Severity

C, O, W, U = Severity.CRITICAL, Severity.OK, Severity.WARNING, Severity.UNKNOWN
T0 = datetime(2026, 11, 20, tzinfo=UTC)
HOUR = timedelta(hours=1)


def _ops(counts):
    return [WindowOps(T0 + i * HOUR, n, n, 20.0 if n else None, 0.0 if n else None) for i, n in enumerate(counts)]


def test_only_whole_empty_windows_inside_the_span_are_no_data():
    starts = [T0 + i * HOUR for i in range(4)]
    # the span starts exactly at hour 0 (that window is whole) and ends 30 min into hour 3
    judged = no_data_series(_ops([0, 5, 0, 0]), starts, HOUR, (T0, T0 + 3 * HOUR + HOUR / 2))
    assert [j.severity for j in judged] == [C, O, C, U]
    late = no_data_series(_ops([0, 5]), starts[:2], HOUR, (T0 + timedelta(minutes=1), T0 + 2 * HOUR))
    assert [j.severity for j in late] == [U, O]  # hour 0 starts before the span: partial
    assert judged[0].reason.startswith("no records from 2026-11-20T00:00:00Z to 2026-11-20T01:00:00Z")


def test_one_window_runs_are_no_data_only_when_empty():
    assert [j.severity for j in no_data_series([WindowOps(None, 0, 0, None, None)], [None], None, None)] == [C]
    assert [j.severity for j in no_data_series([WindowOps(None, 7, 7, 1.0, 0.0)], [None], None, (T0, T0 + HOUR))] == [O]


@pytest.mark.parametrize(
    ("age", "expected", "text"),
    [
        (timedelta(seconds=30), O, "last record 30s ago, within 10m"),
        (timedelta(seconds=90), O, "last record 1.5m ago, within 10m"),
        (timedelta(minutes=11), W, "last record 11m ago (2026-11-20T00:00:00Z), over the 10m warning silence level"),
        (timedelta(hours=2), C, "last record 2h ago (2026-11-20T00:00:00Z), over the 15m critical silence level"),
        (timedelta(days=3), C, "last record 3d ago (2026-11-20T00:00:00Z), over the 15m critical silence level"),
    ],
)
def test_silence_against_its_levels(age, expected, text):
    assert silence_severity(T0, T0 + age, AlertRule(warning=600.0, critical=900.0)) == (expected, text)


def test_silence_without_levels_is_not_judged_and_no_record_is_critical():
    assert silence_severity(T0, T0 + HOUR, AlertRule())[0] is U
    assert silence_severity(None, T0, AlertRule(critical=60.0)) == (C, "no record at all")


def _verdict(feature, hour, severity, psi):
    return SimpleNamespace(
        feature=feature,
        window=T0 + hour * HOUR,
        severity=severity,
        reason=f"{feature} {severity.value}",
        drift=SimpleNamespace(psi=psi),
    )


def test_feature_series_per_feature_and_for_the_inputs_as_a_whole():
    verdicts = [
        _verdict("a", 0, O, 0.001),
        _verdict("b", 0, O, 0.002),
        _verdict("c", 0, U, math.nan),
        _verdict("d", 0, W, 0.01),
        _verdict("a", 1, C, 1.0),
        _verdict("b", 1, W, 0.02),
        _verdict("c", 1, O, 0.0),
        _verdict("d", 1, O, 0.0),
    ]
    result = SimpleNamespace(verdicts=verdicts, whole_range=False)
    series = feature_series(result, [T0, T0 + HOUR], 0.5)
    assert list(series) == ["all", "feature=a", "feature=b", "feature=c", "feature=d"]
    assert [j.severity for j in series["all"]] == [O, W]  # 1 of 3 judged, then 2 of 4 at warning or above
    assert series["all"][1].reason == "2 of 4 judged features drifted (50%; 50% needed)"
    assert series["all"][0].value == pytest.approx(1 / 3)
    assert [j.value for j in series["feature=c"]] == [None, 0.0]  # NaN PSI is no value


def test_the_rule_books_levels_become_the_statistics_thresholds():
    rules = CheckRules(
        prediction_drift=AlertRule(warning=None, critical=0.3),
        feature_drift=AlertRule(warning=0.1, critical=None),
        confidence_collapse=AlertRule(warning=0.05, critical=0.2),
    )
    assert (rules.drift_thresholds.warning_psi, rules.drift_thresholds.critical_psi) == (0.3, 0.3)
    assert (rules.feature_thresholds.warning_psi, rules.feature_thresholds.critical_psi) == (0.1, math.inf)
    assert (rules.confidence_thresholds.warning_drop, rules.confidence_thresholds.collapse_drop) == (0.05, 0.2)
    assert CheckRules().drift_share == 0.5 and CheckRules().feature_thresholds.warning_psi == 0.005


def test_rules_from_a_config_file(tmp_path):
    (tmp_path / "mlmon.toml").write_text(
        'max_silence = "15m"\n'
        '[rules.latency_p99]\nwarning = "0.1s"\ncritical = "250ms"\nfor = 2\nkeep_firing_for = 3\n'
        '[rules.error_rate]\ncritical = "5%"\n'
        "[rules.feature_drift]\ndrift_share = 0.3\nalpha = 0.01\n"
        '[rules.no_data]\nwarning = "5m"\ncritical = "1h"\n'
    )
    rules = rules_from_settings(resolve_settings({}, {}, tmp_path))
    latency = rules.latency_p99
    assert (latency.warning, latency.critical, latency.firing.for_windows, latency.firing.keep_firing_for) == (
        100.0,
        250.0,
        2,
        3,
    )
    assert (rules.error_rate.warning, rules.error_rate.critical) == (None, 0.05)
    assert (rules.drift_share, rules.features.alpha) == (0.3, 0.01)
    assert (rules.no_data.warning, rules.no_data.critical) == (300.0, 900.0)  # max_silence replaces the rule's critical
