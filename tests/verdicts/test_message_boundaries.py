"""Budget and alerting messages at their boundaries, word for word: a warning-only level,
both levels, a value equal to a level, the precision a level under 10 ms asks for, exactly
two judged windows, and "firing now" when what fires now is a warning."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mlmon.verdicts.alerting import AlertRule, Judged, decide
from mlmon.verdicts.budgets import budget_severity, error_rate_finding, p99_finding
from mlmon.verdicts.findings import Levels, Severity
from mlmon.verdicts.rules import ExitOn, FiringRule

C, W, OK, U = Severity.CRITICAL, Severity.WARNING, Severity.OK, Severity.UNKNOWN
T0 = datetime(2026, 11, 20, tzinfo=UTC)


@pytest.mark.parametrize(
    ("p99", "critical", "warning", "severity", "threshold", "message"),
    [
        (150.0, 250.0, 100.0, W, 100.0, "p99 latency 150.0 ms is over the 100 ms warning level (critical 250 ms)"),
        (300.0, 250.0, 100.0, C, 250.0, "p99 latency 300.0 ms is over the 250 ms critical level"),
        (50.0, 250.0, 100.0, OK, 100.0, "p99 latency 50.0 ms is within the 100 ms warning level"),
        (100.0, 250.0, 100.0, OK, 100.0, "p99 latency 100.0 ms is within the 100 ms warning level"),
        (150.0, None, 100.0, W, 100.0, "p99 latency 150.0 ms is over the 100 ms warning level"),
        (100.0, None, 100.0, OK, 100.0, "p99 latency 100.0 ms is within the 100 ms warning level"),
        (300.0, 250.0, None, C, 250.0, "p99 latency 300.0 ms is over the 250 ms budget"),
        (7.12345, 250.0, 5.0, W, 5.0, "p99 latency 7.123 ms is over the 5 ms warning level (critical 250 ms)"),
        (12.345, 250.0, 10.0, W, 10.0, "p99 latency 12.3 ms is over the 10 ms warning level (critical 250 ms)"),
    ],
)
def test_p99_messages_at_each_level(p99, critical, warning, severity, threshold, message):
    finding = p99_finding(p99, critical, "all", warning_ms=warning)
    assert (finding.severity, finding.threshold, finding.message) == (severity, threshold, message)
    assert finding.levels == Levels(warning, critical) and finding.value == p99 and finding.scope == "all"


def test_a_p99_without_values_is_unknown_and_names_the_lowest_level():
    finding = p99_finding(None, 250.0, "all", warning_ms=100.0)
    assert (finding.severity, finding.value, finding.threshold) == (U, None, 100.0)
    assert finding.message == "no latency values to check against the p99 budget"
    assert p99_finding(None, 250.0, "all").threshold == 250.0


@pytest.mark.parametrize(
    ("rate", "critical", "warning", "severity", "message"),
    [
        (
            0.03,
            0.05,
            0.02,
            W,
            "error rate 3.00% (30 of 1,000 requests) is over the 2.00% warning level (critical 5.00%)",
        ),
        (0.06, 0.05, 0.02, C, "error rate 6.00% (60 of 1,000 requests) is over the 5.00% critical level"),
        (0.01, 0.05, 0.02, OK, "error rate 1.00% (10 of 1,000 requests) is within the 2.00% warning level"),
        (0.03, None, 0.02, W, "error rate 3.00% (30 of 1,000 requests) is over the 2.00% warning level"),
        (0.06, 0.05, None, C, "error rate 6.00% (60 of 1,000 requests) is over the 5.00% limit"),
        (0.05, 0.05, None, OK, "error rate 5.00% (50 of 1,000 requests) is within the 5.00% limit"),
    ],
)
def test_error_rate_messages_at_each_level(rate, critical, warning, severity, message):
    finding = error_rate_finding(rate, round(rate * 1000), 1000, critical, "all", warning)
    assert (finding.severity, finding.message) == (severity, message)
    assert finding.check == "error_rate" and finding.levels == Levels(warning, critical)


@pytest.mark.parametrize(
    ("value", "critical", "warning", "expected"),
    [
        (5.0, 5.0, None, OK),
        (5.0, None, 5.0, OK),
        (5.0, 6.0, 4.0, W),
        (6.0, 6.0, 4.0, W),
        (4.0, 6.0, 4.0, OK),
        (-1.0, 0.0, None, OK),
        (0.5, 0.0, None, C),
        (None, 5.0, 4.0, U),  # no value: unknown, never ok
    ],
)
def test_a_value_equal_to_a_level_passes_it(value, critical, warning, expected):
    assert budget_severity(value, critical, warning) is expected


def _windows(*pairs: tuple[Severity, float | None]) -> list[Judged]:
    return [Judged(T0 + timedelta(hours=i), s, v, f"p99 {v}") for i, (s, v) in enumerate(pairs)]


BOTH = AlertRule(warning=100.0, critical=250.0)


def test_a_warning_firing_in_the_last_of_two_windows_is_firing_now():
    outcome = decide("latency_p99", "all", _windows((OK, 50.0), (W, 150.0)), BOTH, ExitOn.LAST)
    assert outcome.severity is W and outcome.current is W
    assert outcome.message == "fired in 1 of 2 window(s), first at 2026-11-20T01:00:00Z; firing now; worst: p99 150.0"
    assert (outcome.value, outcome.threshold) == (150.0, 100.0)


def test_a_warning_that_cleared_in_the_last_of_two_windows_is_not_firing_now():
    outcome = decide("latency_p99", "all", _windows((W, 150.0), (OK, 50.0)), BOTH, ExitOn.LAST)
    assert outcome.severity is OK and outcome.worst is W
    assert (
        outcome.message
        == "fired in 1 of 2 window(s), first at 2026-11-20T00:00:00Z; not firing now (cleared); worst: p99 150.0"
    )


def test_one_window_is_the_run_and_two_are_counted():
    one = decide("latency_p99", "all", _windows((W, 150.0)), BOTH, ExitOn.LAST)
    assert one.message == "fired; worst: p99 150.0"
    calm_one = decide("latency_p99", "all", _windows((OK, 50.0)), BOTH)
    assert calm_one.message == "ok in the run; p99 50.0"
    calm_two = decide("latency_p99", "all", _windows((OK, 50.0), (OK, 70.0)), BOTH, show="{:.1f} ms".format)
    assert calm_two.message == "ok in 2 judged window(s); largest 70.0 ms"


def test_exactly_two_windows_one_unknown_counts_one_judged_window():
    outcome = decide("latency_p99", "all", _windows((U, None), (OK, 70.0)), BOTH, show="{:g}".format)
    assert outcome.message == "ok in 1 judged window(s); largest 70"
    assert outcome.value == 70.0 and outcome.severity is OK


def test_a_judged_window_without_a_value_gives_its_reason():
    outcome = decide(
        "latency_p99",
        "all",
        [Judged(T0, OK, None, "nothing over"), Judged(T0 + timedelta(hours=1), OK, None, "still nothing")],
        BOTH,
    )
    assert outcome.message == "ok in 2 judged window(s); nothing over"


def test_nothing_judged_in_one_window_or_two():
    two = decide(
        "latency_p99",
        "all",
        [Judged(T0, U, None, "no latency"), Judged(T0 + timedelta(hours=1), U, None, "later")],
        BOTH,
    )
    assert two.message == "not judged in any of 2 windows; the first: no latency"
    assert two.severity is U and two.value is None and two.threshold == 100.0
    none = decide("latency_p99", "all", [], BOTH)
    assert none.message == "not judged: no windows" and none.severity is U


def test_pending_warnings_are_counted_as_breaching_windows_that_never_fired():
    rule = AlertRule(warning=100.0, critical=250.0, firing=FiringRule(2))
    outcome = decide(
        "latency_p99",
        "all",
        _windows((W, 150.0), (OK, 50.0), (W, 120.0), (OK, 60.0)),
        rule,
        ExitOn.ANY,
        show="{:g}".format,
    )
    assert outcome.severity is OK and outcome.fired == ()
    assert outcome.message == "ok in 4 judged window(s); largest 150; 2 breaching window(s) never reached for=2"


def test_the_worst_window_is_the_highest_severity_then_the_largest_value():
    outcome = decide("latency_p99", "all", _windows((W, None), (W, 120.0), (W, 110.0), (OK, 90.0)), BOTH, ExitOn.ANY)
    assert outcome.value == 120.0 and outcome.message.endswith("worst: p99 120.0")
    critical = decide("latency_p99", "all", _windows((W, 240.0), (C, 260.0), (W, 200.0)), BOTH, ExitOn.ANY)
    assert (critical.value, critical.threshold, critical.severity) == (260.0, 250.0, C)


def test_a_warning_only_rule_names_its_warning_level():
    rule = AlertRule(warning=100.0)
    outcome = decide("latency_p99", "all", _windows((OK, 50.0), (W, 150.0)), rule, ExitOn.LAST)
    assert (outcome.severity, outcome.threshold, outcome.levels) == (W, 100.0, Levels(100.0, None))
    assert "; firing now; " in outcome.message
    calm = decide("latency_p99", "all", _windows((OK, 50.0)), AlertRule(critical=250.0))
    assert calm.threshold == 250.0
