"""check's label rules (issue 24), window by window: accuracy judged on its Wilson interval
(intervals from scipy's ``binomtest(...).proportion_ci(method="wilson")`` and one worked by
hand), calibration_error against maximum levels, label_coverage on windows old enough for
their labels (``delay``); immature windows wait, never pass; ``for``/``keep_firing_for``
across windows; versions as scopes; the levels' order and the statistics as the config reads them."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
from scipy.stats import binomtest

from mlmon.analyses.performance import RealizedWindow
from mlmon.api.check import CheckOptions
from mlmon.api.coerce import OptionError
from mlmon.config.specs import parse_rule
from mlmon.verdicts.alerting import AlertRule, decide
from mlmon.verdicts.findings import Severity
from mlmon.verdicts.label_rules import (
    ACCURACY,
    CALIBRATION_ERROR,
    LABEL_COVERAGE,
    LabelThresholds,
    label_series,
    minimum_severity,
)
from mlmon.verdicts.performance import Maturity
from mlmon.verdicts.rules import FiringRule

C, W, OK, U = Severity.CRITICAL, Severity.WARNING, Severity.OK, Severity.UNKNOWN
DAY = timedelta(days=1)
T0 = datetime(2026, 11, 2, tzinfo=UTC)
STARTS = tuple(T0 + i * DAY for i in range(4))
LATE = T0 + 30 * DAY  # every window long since labelled
DEFAULTS = LabelThresholds()


def window(start, correct, labelled, predictions=None, *, version="1.0", ece=0.05):
    """A realized window whose accuracy and Wilson interval are scipy's."""
    predictions = labelled if predictions is None else predictions
    if labelled:
        ci = binomtest(correct, labelled).proportion_ci(confidence_level=0.95, method="wilson")
        accuracy, low, high = correct / labelled, ci.low, ci.high
    else:
        accuracy = low = high = math.nan
    return RealizedWindow(
        version, start, start + DAY - timedelta(minutes=5), predictions, 0, labelled, math.nan, math.nan, math.nan,
        ("A", "B"), ((0, 0), (0, 0)), accuracy, low, high, math.nan, (), math.nan, 0,
        ece if labelled else math.nan, labelled, None,
    )  # fmt: skip


def series(name, windows, rule, thresholds=DEFAULTS, now=LATE, starts=STARTS, every=DAY):
    return label_series(name, windows, starts, rule, thresholds, now, every)


def severities(judged):
    return [j.severity for j in judged]


def test_the_wilson_interval_of_45_of_50_worked_by_hand_is_the_one_judged():
    # z = 1.959964, z^2/n = 0.0768292: centre (0.9 + 0.0384146) / 1.0768292 = 0.871462,
    # half-width z sqrt(0.0018 + 0.000384146) / 1.0768292 = 0.085064
    w = window(T0, 45, 50)
    assert (w.accuracy_low, w.accuracy_high) == pytest.approx((0.786398, 0.956526), abs=2e-6)
    judged = series(ACCURACY, [w], AlertRule(critical=0.95), starts=(T0,))["model_version=1.0"]
    assert judged[0].reason == (
        "accuracy 90.0% (95% interval 78.6%-95.7%, 50 labels) may be below the 95.0% critical minimum: "
        "the interval still reaches it"
    )


@pytest.mark.parametrize(
    ("warning", "critical", "expected", "says"),
    [
        (None, 0.96, C, "is below the 96.0% critical minimum"),  # the whole interval (to 0.9565) is below
        (None, 0.95, W, "may be below the 95.0% critical minimum"),  # the point is, the interval reaches it
        (None, 0.90, OK, "is at least the 90.0% minimum"),  # equal passes
        (0.92, 0.80, W, "is below the 92.0% warning minimum"),  # the warning level: the point is enough
        (0.96, 0.80, W, "is below the 96.0% warning minimum"),  # never more than a warning
        (0.90, 0.80, OK, "is at least the 90.0% minimum"),
        (0.97, 0.96, C, "is below the 96.0% critical minimum"),
    ],
)
def test_accuracy_is_performances_wilson_rule_against_each_level(warning, critical, expected, says):
    judged = series(ACCURACY, [window(T0, 45, 50)], AlertRule(warning=warning, critical=critical))
    assert list(judged) == ["model_version=1.0"]
    first = judged["model_version=1.0"][0]
    assert (first.severity, first.value) == (expected, 0.9)
    assert says in first.reason
    assert severities(judged["model_version=1.0"][1:]) == [U, U, U]  # no predictions of the version there


def test_an_immature_window_waits_never_passes_never_breaches():
    rule = AlertRule(critical=0.99)
    windows = [
        window(T0, 10, 20, 100),  # coverage 20% < 50%: needs 50 labels, 30 more
        window(T0 + DAY, 20, 20, 30),  # coverage fine, 20 < 30 labels: 10 more
        window(T0 + 2 * DAY, 0, 0, 40),  # nothing labelled: 30 more
        window(T0 + 3 * DAY, 20, 30, 60),  # exactly mature: judged
    ]
    judged = series(ACCURACY, windows, rule)["model_version=1.0"]
    assert severities(judged) == [U, U, U, C]
    assert judged[0].reason == "waits for 30 labels (20 of 100 predictions labelled, 20.0%): not judged yet"
    assert judged[1].reason.startswith("waits for 10 labels (20 of 30 ")
    assert judged[2].reason.startswith("waits for 30 labels (0 of 40 ") and judged[2].value is None
    loose = LabelThresholds(accuracy=Maturity(min_coverage=0.2, min_labelled=20))
    assert severities(series(ACCURACY, windows, rule, loose)["model_version=1.0"]) == [C, OK, U, C]
    outcome = decide(ACCURACY, "model_version=1.0", judged[:3], rule, minimum=True)
    assert outcome.severity is U and outcome.message.startswith("not judged in any of 3 windows; the first: waits")
    calibration = series(CALIBRATION_ERROR, windows, AlertRule(critical=0.0))["model_version=1.0"]
    assert severities(calibration) == [U, U, U, C]


def test_for_and_keep_firing_for_count_label_windows_and_an_immature_one_breaks_a_run():
    rule = AlertRule(critical=0.9, firing=FiringRule(for_windows=2))
    starts = tuple(T0 + i * DAY for i in range(5))
    low = [window(T0, 40, 40), window(T0 + DAY, 30, 50), window(T0 + 2 * DAY, 30, 50)]
    low += [window(T0 + 3 * DAY, 5, 10, 100), window(T0 + 4 * DAY, 20, 50)]
    judged = series(ACCURACY, low, rule, starts=starts)["model_version=1.0"]
    assert severities(judged) == [OK, C, C, U, C]
    outcome = decide(ACCURACY, "model_version=1.0", judged, rule, minimum=True)
    assert [w.effective for w in outcome.windows] == [OK, OK, C, U, OK]  # the last breach alone is pending
    assert outcome.fired == (T0 + 2 * DAY,) and outcome.severity is OK  # exit_on last: not firing now
    assert outcome.value == 0.4 and outcome.threshold == 0.9  # the lowest critical window is the worst
    held = decide(ACCURACY, "model_version=1.0", judged, AlertRule(critical=0.9, firing=FiringRule(2, 1)), minimum=True)
    assert [w.effective for w in held.windows] == [OK, OK, C, C, C] and held.windows[3].held
    assert held.severity is C


def test_the_ok_message_of_a_minimum_rule_names_its_lowest_window():
    windows = [window(T0, 48, 50), window(T0 + DAY, 46, 50)]
    judged = series(ACCURACY, windows, AlertRule(critical=0.5), starts=STARTS[:2])["model_version=1.0"]
    outcome = decide(ACCURACY, "model_version=1.0", judged, AlertRule(critical=0.5), show="{:.1%}".format, minimum=True)
    assert outcome.message == "ok in 2 judged window(s); lowest 92.0%"
    assert outcome.value == 0.92


@pytest.mark.parametrize(("ece", "expected"), [(0.05, OK), (0.1, OK), (0.15, W), (0.2, W), (0.25, C)])
def test_calibration_error_is_a_maximum_and_a_level_it_equals_passes(ece, expected):
    rule = AlertRule(warning=0.1, critical=0.2)
    judged = series(CALIBRATION_ERROR, [window(T0, 45, 50, ece=ece)], rule)["model_version=1.0"][0]
    assert (judged.severity, judged.value) == (expected, ece)
    word = "within" if expected is OK else "over"
    tier = "critical" if expected is C else "warning"
    assert judged.reason == (
        f"calibration error {ece:.3f} (50 labelled predictions with a confidence) is {word} the "
        f"{0.2 if tier == 'critical' else 0.1:.3f} {tier} level"
    )


def test_calibration_without_a_confidence_is_unknown():
    judged = series(CALIBRATION_ERROR, [window(T0, 45, 50, ece=math.nan)], AlertRule(critical=0.2))
    first = judged["model_version=1.0"][0]
    assert (first.severity, first.value) == (U, None)
    assert first.reason == "no labelled prediction with a confidence in this window"


def test_label_coverage_judges_only_windows_that_ended_a_delay_before_the_run():
    rule = AlertRule(warning=0.8, critical=0.5)
    windows = [
        window(T0, 80, 80, 100),  # 80%: equal to the warning level passes
        window(T0 + DAY, 79, 79, 100),  # 79%: warning
        window(T0 + 2 * DAY, 49, 49, 100),  # 49%: critical
        window(T0 + 3 * DAY, 0, 0, 100),  # 0%, but ended 12h before the run: too recent for a 1d delay
    ]
    now = T0 + 4 * DAY + timedelta(hours=12)
    judged = series(LABEL_COVERAGE, windows, rule, now=now)["model_version=1.0"]
    assert severities(judged) == [OK, W, C, U]
    assert [j.value for j in judged] == [0.8, 0.79, 0.49, 0.0]
    assert judged[1].reason == "79 of 100 predictions labelled (79.0%): below the 80.0% warning level"
    assert judged[3].reason == (
        "too recent: the window ends 2026-11-06T00:00:00Z, less than 1d before the run, so its labels may still arrive"
    )
    exactly = series(LABEL_COVERAGE, windows, rule, now=T0 + 5 * DAY)["model_version=1.0"]
    assert severities(exactly) == [OK, W, C, C]  # ended exactly one delay before: judged
    longer = series(LABEL_COVERAGE, windows, rule, LabelThresholds(delay=3 * DAY), now=now)["model_version=1.0"]
    assert severities(longer) == [OK, U, U, U]  # the 2026-11-03 window ends on the 4th: 3d later is the 7th
    whole = series(LABEL_COVERAGE, [window(T0, 10, 10, 100)], rule, now=T0 + DAY + DAY, starts=(None,), every=None)
    assert [(j.start, j.severity) for j in whole["model_version=1.0"]] == [(None, C)]  # ends at its last prediction


def test_minimum_severity_is_the_budget_rule_upside_down():
    assert [minimum_severity(v, 0.5, 0.8) for v in (0.49, 0.5, 0.79, 0.8, 1.0)] == [C, W, W, OK, OK]
    assert minimum_severity(0.1, None, 0.2) is W and minimum_severity(0.1, 0.2) is C
    assert minimum_severity(0.1, None) is OK


def test_each_version_is_its_own_scope_and_a_window_without_it_is_unknown():
    windows = [window(T0, 30, 50, version="a"), window(T0 + DAY, 30, 50, version="a"), window(T0, 49, 50, version="b")]
    judged = series(ACCURACY, windows, AlertRule(critical=0.8), starts=STARTS[:2])
    assert list(judged) == ["model_version=a", "model_version=b"]
    assert severities(judged["model_version=a"]) == [C, C]
    assert severities(judged["model_version=b"]) == [OK, U]
    assert judged["model_version=b"][1].reason == "no predictions of this version in this window"
    pooled = series(ACCURACY, [window(T0, 49, 50, version=None)], AlertRule(critical=0.8), starts=(T0,))
    assert list(pooled) == ["all"]


def test_a_minimum_rules_critical_level_may_not_exceed_its_warning_one():
    assert parse_rule("accuracy", {"warning": "90%", "critical": "85%"}, "rules.accuracy")["critical"] == 0.85
    with pytest.raises(OptionError, match=r"^rules\.accuracy: critical 95% exceeds warning 90%$"):
        parse_rule("accuracy", {"warning": "90%", "critical": "95%"}, "rules.accuracy")
    with pytest.raises(OptionError, match=r"^rules\.label_coverage: critical 0\.9 exceeds warning 0\.5$"):
        parse_rule("label_coverage", {"warning": 0.5, "critical": 0.9}, "rules.label_coverage")
    with pytest.raises(OptionError, match=r"^rules\.calibration_error: warning 0\.3 exceeds critical 0\.2$"):
        parse_rule("calibration_error", {"warning": 0.3, "critical": 0.2}, "rules.calibration_error")


def test_check_options_read_the_label_rules_and_their_statistics_as_the_config_does():
    options = CheckOptions(
        rules={
            "accuracy": {"warning": "90%", "critical": "80%", "for": 2},
            "label_coverage": {"critical": "50%"},
            "labels": {"accuracy": {"min_coverage": "20%", "min_labelled": 5}, "delay": "2d"},
        }
    )
    rules = options.rules
    assert (rules.accuracy.warning, rules.accuracy.critical, rules.accuracy.firing.for_windows) == (0.9, 0.8, 2)
    assert rules.labels == LabelThresholds(Maturity(0.2, 5), Maturity(), timedelta(days=2))
    assert rules.label_rules == (ACCURACY, LABEL_COVERAGE)
    assert CheckOptions().rules.label_rules == ()  # off until a level is set
    with pytest.raises(OptionError, match=r"rules\.labels\.delay"):
        CheckOptions(rules={"labels": {"delay": "soon"}})
    with pytest.raises(OptionError, match=r"rules\.labels\.calibration\.min_labelled"):
        CheckOptions(rules={"labels": {"calibration": {"min_labelled": 0}}})
