"""check's rules on CBPE's estimates (issue 24), window by window: ``estimated_accuracy``
against minimum levels with no maturity (an unknown estimate is unknown, with its reason),
``estimate_gap`` on |estimated - realized accuracy| of mature windows with an estimate
(the allowed gap in its message worked from scipy's Wilson interval and the band); the
levels' order; the rules as ``CheckOptions`` reads them; a summary never holds estimates."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest

from mlmon.analyses.estimated import EstimatedWindow, EstimateReducer
from mlmon.api.check import CheckOptions
from mlmon.api.check_rules import require_estimate_inputs
from mlmon.api.coerce import OptionError
from mlmon.config.specs import parse_rule
from mlmon.errors import UsageError
from mlmon.reference.profile import CalibrationProfile
from mlmon.summary.parts import ESTIMATED, SummarySettings, composite, mismatch
from mlmon.verdicts.alerting import AlertRule, decide
from mlmon.verdicts.label_rules import (
    ACCURACY,
    ESTIMATE_GAP,
    ESTIMATED_ACCURACY,
    LABEL_COVERAGE,
    LabelThresholds,
    label_series,
)
from mlmon.verdicts.performance import Maturity
from mlmon.windows import WindowSpec
from tests.verdicts.test_label_rules import DAY, LATE, STARTS, T0, window

C, W, OK, U = "critical", "warning", "ok", "unknown"
SCOPE = "model_version=1.0"
BAND = (0.8, 0.9)


def estimate(start, accuracy, *, unknown=None, version="1.0", band=BAND):
    """CBPE's window: 1,000 predictions, every one used."""
    return EstimatedWindow(
        version, start, start + DAY - timedelta(minutes=5), 1000, 1000, 0, 0, 0,
        math.nan if unknown else accuracy, *band, math.nan, 0.0, 1.0, ((0.0, 0.0), (0.0, 0.0)), unknown,
    )  # fmt: skip


DEFAULTS = LabelThresholds()


def series(name, windows, estimates, rule, thresholds=DEFAULTS, starts=STARTS):
    return label_series(name, windows, starts, rule, thresholds, LATE, DAY, estimates)


def severities(judged):
    return [j.severity.value for j in judged]


def test_estimated_accuracy_is_a_minimum_on_each_window_and_needs_no_label():
    estimates = [estimate(T0, 0.85), estimate(T0 + DAY, 0.75), estimate(T0 + 2 * DAY, 0.69), estimate(STARTS[3], 0.7)]
    rule = AlertRule(warning=0.8, critical=0.7)
    judged = series(ESTIMATED_ACCURACY, [], estimates, rule)
    assert list(judged) == [SCOPE]
    assert severities(judged[SCOPE]) == [OK, W, C, W]  # 0.7 equals the critical minimum: passes it
    assert [j.value for j in judged[SCOPE]] == [0.85, 0.75, 0.69, 0.7]
    assert judged[SCOPE][2].reason == (
        "estimated accuracy 69.0% (1,000 predictions; the reference's band 80.0%-90.0%) is below the 70.0% "
        "critical level"
    )
    assert judged[SCOPE][0].reason.endswith("is at least the 80.0% warning level")
    outcome = decide(ESTIMATED_ACCURACY, SCOPE, judged[SCOPE], rule, minimum=True)
    assert outcome.severity.value == W and outcome.fired == (T0 + DAY, T0 + 2 * DAY, STARTS[3])
    assert outcome.value == 0.69 and outcome.threshold == 0.7  # the lowest window is the worst


def test_an_unknown_estimate_is_unknown_with_its_reason_and_a_missing_window_too():
    why = "probabilities not logged for 600 of 1,000 predictions"
    estimates = [estimate(T0, 0.85), estimate(T0 + DAY, 0.1, unknown=why)]
    judged = series(ESTIMATED_ACCURACY, [], estimates, AlertRule(critical=0.9))[SCOPE]
    assert severities(judged) == [C, U, U, U]
    assert (judged[1].value, judged[1].reason) == (None, f"no estimate: {why}")
    assert judged[2].reason == "no predictions of this version in this window"
    assert series(ESTIMATED_ACCURACY, [], [], AlertRule(critical=0.9)) == {}


def wilson_half(correct, labelled):
    w = window(T0, correct, labelled)
    return (w.accuracy_high - w.accuracy_low) / 2


@pytest.mark.parametrize(
    ("correct", "guess", "expected", "says"),
    [
        (270, 0.91, OK, "a gap of 1.0%"),  # 0.91 - 0.90
        (270, 0.95, W, "a gap of 5.0%"),  # over 0.04
        (270, 0.85, W, "a gap of 5.0%"),  # either sign
        (270, 0.98, C, "a gap of 8.0%"),  # over 0.06
        (240, 0.7, C, "a gap of 10.0%"),  # 0.70 - 0.80
        (240, 0.85, W, "a gap of 5.0%"),
    ],
)
def test_estimate_gap_is_a_maximum_on_the_absolute_gap(correct, guess, expected, says):
    rule = AlertRule(warning=0.04, critical=0.06)
    judged = series(ESTIMATE_GAP, [window(T0, correct, 300)], [estimate(T0, guess)], rule)[SCOPE][0]
    gap = abs(guess - correct / 300)
    assert judged.value == pytest.approx(gap, abs=1e-12)
    assert judged.severity.value == expected
    allowed = (BAND[1] - BAND[0]) / 2 + wilson_half(correct, 300)
    assert says in judged.reason and f"(the band and the labels allow {allowed:.1%})" in judged.reason
    assert judged.reason.startswith(
        f"realized accuracy {correct / 300:.1%} (300 labels) against the estimate {guess:.1%}"
    )


def test_the_allowed_gap_of_270_of_300_worked_by_hand():
    # Wilson: z = 1.959964, z^2 = 3.841459; half-width z sqrt(0.9 * 0.1 / 300 + z^2 / (4 * 300^2))
    # / (1 + z^2/300) = 1.959964 * sqrt(0.0003 + 0.0000106707) / 1.0128049 = 0.0341093; band half 0.05
    judged = series(ESTIMATE_GAP, [window(T0, 270, 300)], [estimate(T0, 0.9)], AlertRule(critical=0.1))[SCOPE][0]
    assert "(the band and the labels allow 8.4%)" in judged.reason
    assert judged.reason.endswith(
        "a gap of 0.0% (the band and the labels allow 8.4%) is within the 10.0% critical level"
    )
    assert wilson_half(270, 300) == pytest.approx(0.0341093, abs=2e-7)


def test_estimate_gap_judges_only_mature_windows_with_an_estimate():
    windows = [
        window(T0, 10, 20, 100),  # coverage 20%: waits for 30 more labels
        window(T0 + DAY, 40, 50),  # mature, but no estimate for it
        window(T0 + 2 * DAY, 40, 50),  # mature, its estimate unknown
        window(T0 + 3 * DAY, 40, 50),  # mature with an estimate: judged
    ]
    why = "classes differ from the reference's (A, B) for 500 of 1,000 predictions"
    estimates = [estimate(T0, 0.5), estimate(T0 + 2 * DAY, 0.5, unknown=why), estimate(T0 + 3 * DAY, 0.5)]
    judged = series(ESTIMATE_GAP, windows, estimates, AlertRule(critical=0.2))[SCOPE]
    assert severities(judged) == [U, U, U, C]
    assert judged[0].reason == "waits for 30 labels (20 of 100 predictions labelled, 20.0%): not judged yet"
    assert judged[1].reason == "no estimate: no prediction to estimate"
    assert judged[2].reason == f"no estimate: {why}"
    assert judged[3].value == pytest.approx(0.3, abs=1e-12)
    loose = LabelThresholds(gap=Maturity(min_coverage=0.1, min_labelled=5))  # day 1 judged: 10 of 20 vs 0.5
    assert severities(series(ESTIMATE_GAP, windows, estimates, AlertRule(critical=0.2), loose)[SCOPE]) == [OK, U, U, C]
    # accuracy's maturity is accuracy's own: the gap keeps its default
    other = LabelThresholds(accuracy=Maturity(min_coverage=0.1, min_labelled=5))
    assert severities(series(ESTIMATE_GAP, windows, estimates, AlertRule(critical=0.2), other)[SCOPE])[0] == U


def test_each_version_is_its_own_scope_for_the_estimate_rules():
    estimates = [estimate(T0, 0.6, version="a"), estimate(T0, 0.9, version="b")]
    judged = series(ESTIMATED_ACCURACY, [], estimates, AlertRule(critical=0.7), starts=(T0,))
    assert {scope: severities(j) for scope, j in judged.items()} == {"model_version=a": [C], "model_version=b": [OK]}
    whole = series(
        ESTIMATED_ACCURACY, [], [estimate(T0 + timedelta(hours=3), 0.6)], AlertRule(critical=0.7), starts=(None,)
    )
    assert [(j.start, j.severity.value) for j in whole[SCOPE]] == [(None, C)]  # a one-window run keys it None


def test_the_levels_order_of_the_estimate_rules():
    assert parse_rule(ESTIMATED_ACCURACY, {"warning": "80%", "critical": "70%"}, "r")["critical"] == 0.7
    with pytest.raises(OptionError, match=r"^rules\.estimated_accuracy: critical 90% exceeds warning 80%$"):
        parse_rule(ESTIMATED_ACCURACY, {"warning": "80%", "critical": "90%"}, "rules.estimated_accuracy")
    with pytest.raises(OptionError, match=r"^rules\.estimate_gap: warning 0\.2 exceeds critical 0\.1$"):
        parse_rule(ESTIMATE_GAP, {"warning": 0.2, "critical": 0.1}, "rules.estimate_gap")


def test_check_options_read_the_estimate_rules_and_which_reads_they_need():
    options = CheckOptions(
        rules={
            "estimated_accuracy": {"critical": "70%", "for": 2},
            "labels": {"gap": {"min_coverage": "20%", "min_labelled": 5}},
        }
    )
    rules = options.rules
    assert (rules.estimated_accuracy.critical, rules.estimated_accuracy.firing.for_windows) == (0.7, 2)
    assert rules.labels.gap == Maturity(0.2, 5)
    assert rules.label_rules == (ESTIMATED_ACCURACY,) and rules.estimate_rules == (ESTIMATED_ACCURACY,)
    assert not rules.reads_labels  # the estimate alone needs no label
    both = CheckOptions(rules={"estimate_gap": {"critical": "10%"}, "label_coverage": {"critical": 0.5}}).rules
    assert both.label_rules == (LABEL_COVERAGE, ESTIMATE_GAP) and both.reads_labels
    assert both.estimate_rules == (ESTIMATE_GAP,)
    off = CheckOptions(rules={"estimate_gap": {"critical": "10%", "enabled": False}}).rules
    assert off.estimate_rules == () and not off.reads_labels
    assert CheckOptions(rules={"accuracy": {"critical": 0.5}}).rules.estimate_rules == ()
    with pytest.raises(OptionError, match=r"rules\.labels\.gap\.min_coverage"):
        CheckOptions(rules={"labels": {"gap": {"min_coverage": 2}}})
    with pytest.raises(UsageError, match=r"^rule estimated_accuracy: CBPE needs a reference with a calibration"):
        require_estimate_inputs(rules, None, None)
    require_estimate_inputs(CheckOptions(rules={ACCURACY: {"critical": 0.5}}).rules, None, None)  # no estimate rule


def test_a_summary_without_estimates_is_refused_saying_how_to_make_one():
    calibration = CalibrationProfile("y", ("A", "B"), (None, None), (0.5, 1.0), 100, 0.8, 10, (0.8,), (0.8,))
    window_spec = WindowSpec(duration=DAY)
    settings = SummarySettings(window_spec, True, None, None, None, {}, ())
    reducer = composite(EstimateReducer(window_spec, True, calibration=calibration))
    assert list(reducer.parts) == [ESTIMATED]
    assert mismatch(settings, reducer, {"ops": None}) == (
        "holds no CBPE estimates (made without a calibrated --reference), which this run needs: make the summary "
        "with --reference REF built with reference build ... --actual"
    )
