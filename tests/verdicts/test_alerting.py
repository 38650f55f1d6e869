"""check's verdict pieces, hand-worked: references/statistics/alerting.md's example, the
share of drifted features, and decide()'s messages and thresholds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mlmon.verdicts.alerting import AlertRule, Judged, align, decide, share_severity
from mlmon.verdicts.findings import Severity, Unknown
from mlmon.verdicts.rules import ExitOn, FiringRule, evaluate

C, O, W, U = Severity.CRITICAL, Severity.OK, Severity.WARNING, Severity.UNKNOWN
T0 = datetime(2026, 11, 20, tzinfo=UTC)


def test_the_worked_example_of_the_note():
    run = evaluate([C, O, C, O, O, C, C, C, O, O], for_windows=2, keep_firing_for=1)
    assert [w.effective for w in run.windows] == [O, O, O, O, O, O, C, C, C, O]
    assert [w.pending_critical for w in run.windows] == [1, 0, 1, 0, 0, 1, 2, 3, 0, 0]
    assert [w.held for w in run.windows] == [False] * 8 + [True, False]


@pytest.mark.parametrize(
    ("severities", "expected"),
    [
        ([C, C, O, O], (C, 0.5)),  # half critical: critical
        ([C, W, O, O], (W, 0.5)),  # half at warning or above, a quarter critical
        ([C, O, O, U], (O, 1 / 3)),  # unknown ones are left out of the share
        ([C, O, O, O, O, O, O, O], (O, 0.125)),
        ([U, U], (U, None)),
    ],
)
def test_share_of_drifted_features(severities, expected):
    severity, share = share_severity(severities, 0.5)
    assert severity is expected[0]
    assert (share != share) if expected[1] is None else share == pytest.approx(expected[1])


def _judged(values, level=250.0):
    return [Judged(T0 + timedelta(hours=i), C if v > level else O, v, f"p99 {v}") for i, v in enumerate(values)]


def test_decide_says_what_fired_and_whether_it_fires_now():
    rule = AlertRule(critical=250.0, firing=FiringRule(2))
    fired = decide("latency_p99", "all", _judged([300, 400, 20, 20]), rule, ExitOn.LAST)
    assert fired.fired == (T0 + timedelta(hours=1),) and fired.severity is O and fired.worst is C
    assert "fired in 1 of 4 window(s), first at 2026-11-20T01:00:00Z; not firing now (cleared)" in fired.message
    assert (fired.value, fired.threshold) == (400, 250.0)
    anywhere = decide("latency_p99", "all", _judged([300, 400, 20, 20]), rule, ExitOn.ANY)
    assert anywhere.severity is C and anywhere.finding().severity is C
    pending = decide("latency_p99", "all", _judged([300, 20, 300, 20]), rule, ExitOn.ANY)
    assert pending.severity is O and "2 breaching window(s) never reached for=2" in pending.message


def test_a_rule_with_nothing_to_judge_is_unknown_missing_input():
    outcome = decide(
        "prediction_drift", "all", [Judged(None, U, None, "no reference profile")], AlertRule(critical=0.25)
    )
    assert outcome.severity is U and outcome.unknown is Unknown.MISSING_INPUT
    assert outcome.finding().unknown is Unknown.MISSING_INPUT and outcome.message == "not judged: no reference profile"


def test_align_fills_missing_windows_as_unknown():
    starts = [T0 + timedelta(hours=i) for i in range(3)]
    aligned = align([Judged(starts[2], C, 1.0, "x")], starts, "no predictions")
    assert [(j.severity, j.reason) for j in aligned] == [(U, "no predictions"), (U, "no predictions"), (C, "x")]


# --- thresholds, single-window messages ------------------------------------------------------


def test_the_threshold_is_the_level_breached_else_the_lowest_set():
    both = AlertRule(warning=100.0, critical=250.0)
    warn = decide("latency_p99", "all", [Judged(None, W, 150.0, "p99 150")], both)
    crit = decide("latency_p99", "all", [Judged(None, C, 300.0, "p99 300")], both)
    calm = decide("latency_p99", "all", [Judged(None, O, 50.0, "p99 50")], AlertRule(critical=250.0))
    assert (warn.threshold, crit.threshold, calm.threshold) == (100.0, 250.0, 250.0)
    assert (warn.message, crit.message, calm.message) == (
        "fired; worst: p99 150",
        "fired; worst: p99 300",
        "ok in the run; p99 50",
    )


def test_many_windows_name_the_largest_value_and_say_whether_it_fires_now():
    rule = AlertRule(critical=250.0)
    calm = decide("latency_p99", "all", _judged([20, 40, 30]), rule, show="{:.1f} ms".format)
    assert calm.message == "ok in 3 judged window(s); largest 40.0 ms" and calm.value == 40
    now = decide("latency_p99", "all", _judged([20, 300]), rule, ExitOn.LAST)
    assert now.message.startswith("fired in 1 of 2 window(s), first at 2026-11-20T01:00:00Z; firing now")
    anywhere = decide("latency_p99", "all", _judged([20, 300]), rule, ExitOn.ANY)
    assert "firing now" not in anywhere.message
