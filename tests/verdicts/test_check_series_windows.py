"""check's per-window series of budgets and drift windows, hand-worked: each window judged by
the budget rule with its numbers, a window without records or requests unknown, a run
window the logs never reached filled in, a one-window run keyed None, and drift and
confidence windows grouped per version (confidence's value is its fall)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from mlmon.verdicts.alerting import AlertRule, Judged
from mlmon.verdicts.check_series import (
    NO_RECORDS,
    error_series,
    feature_series,
    latency_series,
    no_data_series,
    versioned_series,
)
from mlmon.verdicts.findings import Finding, Severity, status_of

C, W, OK, U = Severity.CRITICAL, Severity.WARNING, Severity.OK, Severity.UNKNOWN
T0 = datetime(2026, 11, 20, tzinfo=UTC)
HOUR = timedelta(hours=1)
STARTS = [T0, T0 + HOUR, T0 + 2 * HOUR]
RULE = AlertRule(warning=100.0, critical=250.0)


def ops(start, records=0, p99_ms=None, requests=0, error_rate=None):
    return SimpleNamespace(start=start, records=records, p99_ms=p99_ms, requests=requests, error_rate=error_rate)


def test_latency_windows_are_judged_by_the_budget_rule_and_empty_ones_are_unknown():
    windows = [ops(T0, 5, 300.0), ops(T0 + HOUR, 0)]  # the third run window: no record at all
    judged = latency_series(windows, STARTS, RULE, "model_version=v1")
    assert [(j.start, j.severity, j.value) for j in judged] == [
        (T0, C, 300.0),
        (T0 + HOUR, U, None),
        (T0 + 2 * HOUR, U, None),
    ]
    assert judged[0].reason == "p99 latency 300.0 ms is over the 250 ms critical level"
    assert judged[1].reason == judged[2].reason == NO_RECORDS


def test_error_windows_count_the_errors_of_their_requests():
    windows = [
        ops(T0, requests=1000, error_rate=0.03),
        ops(T0 + HOUR, requests=1000, error_rate=0.0),
        ops(T0 + 2 * HOUR),
    ]
    judged = error_series(windows, STARTS, AlertRule(warning=0.02, critical=0.05))
    assert [(j.severity, j.value) for j in judged] == [(W, 0.03), (OK, 0.0), (U, None)]
    assert (
        judged[0].reason == "error rate 3.00% (30 of 1,000 requests) is over the 2.00% warning level (critical 5.00%)"
    )
    assert judged[1].reason == "error rate 0.00% (0 of 1,000 requests) is within the 2.00% warning level"
    assert judged[2].reason == "no requests in this window"
    missing = error_series(windows[:1], STARTS[:2], AlertRule(critical=0.05))
    assert missing[1].severity is U and missing[1].reason == "no requests in this window"


def test_a_one_window_run_keys_its_window_none():
    judged = latency_series([ops(T0 + HOUR, 5, 50.0)], (None,), RULE)
    assert [(j.start, j.severity, j.value) for j in judged] == [(None, OK, 50.0)]
    errors = error_series([ops(T0, requests=10, error_rate=0.1)], (None,), AlertRule(critical=0.05))
    assert [(j.start, j.severity) for j in errors] == [(None, C)]
    assert errors[0].reason == "error rate 10.00% (1 of 10 requests) is over the 5.00% limit"


def drift_window(version, start, severity, psi, change=0.0):
    return SimpleNamespace(
        model_version=version, start=start, severity=severity, reason=f"{version}@{start:%H}", psi=psi, change=change
    )


def test_drift_windows_form_one_series_per_version_on_the_run_windows():
    windows = [
        drift_window("v1", T0, W, 0.02),
        drift_window(None, T0 + HOUR, C, 0.4),
        drift_window("v1", T0 + 2 * HOUR, OK, float("nan")),
    ]
    series = versioned_series(windows, STARTS, "psi", "no predictions of this version")
    assert list(series) == ["model_version=v1", "all"]
    v1 = series["model_version=v1"]
    assert [(j.start, j.severity, j.value) for j in v1] == [
        (T0, W, 0.02),
        (T0 + HOUR, U, None),
        (T0 + 2 * HOUR, OK, None),
    ]
    assert v1[1].reason == "no predictions of this version" and v1[0].reason == "v1@00"
    assert [(j.severity, j.value) for j in series["all"]] == [(U, None), (C, 0.4), (U, None)]


def test_confidence_windows_are_valued_by_their_fall():
    windows = [drift_window("v2", T0, C, 0.0, change=-0.15), drift_window("v2", T0 + HOUR, OK, 0.0, change=0.05)]
    (series,) = versioned_series(windows, STARTS[:2], "fall", "none").values()
    assert [j.value for j in series] == [0.15, -0.05]


def test_a_result_without_findings_has_checked_nothing():
    assert status_of([]) == "no checks"
    assert status_of([Finding("x", U, "m"), Finding("y", U, "m")]) == "unknown"
    assert status_of([Finding("x", U, "m"), Finding("y", OK, "m")]) == "ok"
    assert status_of([Finding("x", W, "m"), Finding("y", OK, "m")]) == "warning"


def test_a_findings_levels_stay_out_of_its_json_form():
    from mlmon.plain import to_plain
    from mlmon.verdicts.findings import Levels

    finding = Finding("latency_p99", W, "p99 over", 150.0, 100.0, "all", None, Levels(100.0, 250.0))
    assert to_plain(finding) == {
        "check": "latency_p99",
        "severity": "warning",
        "message": "p99 over",
        "value": 150.0,
        "threshold": 100.0,
        "scope": "all",
        "unknown": None,
    }


def test_empty_windows_are_valued_zero_records_inside_the_run_and_at_its_edge():
    windows = [SimpleNamespace(start=T0 + HOUR, records=5)]
    judged = no_data_series(windows, STARTS, HOUR, (T0, T0 + 2 * HOUR + HOUR / 2))  # the last window is partial
    assert [(j.severity, j.value) for j in judged] == [(C, 0.0), (OK, 5.0), (U, 0.0)]


def feature_verdict(feature, window, severity, psi):
    return SimpleNamespace(
        feature=feature, window=window, severity=severity, drift=SimpleNamespace(psi=psi), reason=f"{feature}@{window}"
    )


def test_a_one_window_run_keys_each_feature_and_the_share_none():
    result = SimpleNamespace(
        verdicts=[feature_verdict("a", 7, W, 0.02), feature_verdict("b", 7, OK, 0.0)], whole_range=False
    )
    series = feature_series(result, (None,), 0.5)
    assert list(series) == ["all", "feature=a", "feature=b"]
    assert [(j.start, j.severity, j.value) for j in series["feature=a"]] == [(None, W, 0.02)]
    assert series["all"] == [Judged(None, W, 0.5, "1 of 2 judged features drifted (50%; 50% needed)")]


def test_features_judged_over_the_whole_range_are_one_window_whatever_the_run_windows():
    result = SimpleNamespace(
        verdicts=[feature_verdict("a", 0, C, 0.4), feature_verdict("b", 0, U, 0.1)], whole_range=True
    )
    series = feature_series(result, STARTS, 0.5)
    assert [(j.start, j.severity, j.value) for j in series["feature=a"]] == [(None, C, 0.4)]
    assert series["all"] == [Judged(None, C, 1.0, "1 of 1 judged features drifted (100%; 50% needed)")]


def test_time_windows_key_features_by_their_window_and_say_when_none_could_be_judged():
    verdicts = [feature_verdict("a", T0, W, 0.02), feature_verdict("a", T0 + HOUR, U, 0.5)]
    series = feature_series(SimpleNamespace(verdicts=verdicts, whole_range=False), STARTS, 0.5)
    assert [(j.start, j.severity) for j in series["feature=a"]] == [(T0, W), (T0 + HOUR, U), (T0 + 2 * HOUR, U)]
    assert series["feature=a"][2].reason == "no inputs in this window"
    assert [j.reason for j in series["all"]] == [
        "1 of 1 judged features drifted (100%; 50% needed)",
        "no feature could be judged",
        "no inputs in this window",
    ]
