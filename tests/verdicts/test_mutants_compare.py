"""Tests that kill the mutants of mlmon/verdicts/compare.py that the issue-25 tests let survive
(scripts/mutation_score.py; the mutants are named in each test). Oracles: the defaults and
rules as docs/commands/compare.md states them, boundaries worked by hand, and the reasons'
text written out in full."""

from __future__ import annotations

import math

import pytest
from scipy import stats

from mlmon.analyses.compare import Agreement, Comparison, Effect, Traffic
from mlmon.verdicts.compare import ComparePolicy, Verdict, judge
from tests.verdicts.test_compare import NO_SPLIT, distance, effect, one

NAN = math.nan


def test_distance_significance_is_p_below_one_in_a_thousand():
    """compare.py:43 ``ALPHA 0.001 -> 0.0012``: p = 0.0011 is not significant, whatever D."""
    assert one(distance("latency_shape", 0.5, 0.0011)).verdict is Verdict.PASS
    assert one(distance("latency_shape", 0.5, 0.0009)).verdict is Verdict.FAIL


def _split(baseline: int, candidate: int, expected: float, policy: ComparePolicy | None = None):
    """The split judged, with the sample ratio mismatch p-value from scipy."""
    total = baseline + candidate
    p = stats.chisquare([candidate, baseline], [total * expected, total * (1 - expected)]).pvalue
    traffic = Traffic(baseline, candidate, expected, NAN, p)
    judged, _ = judge(Comparison((), (), None, traffic), policy or ComparePolicy(), "s")
    return judged[0]


def test_split_default_tolerance_is_20_percent_of_the_expected_share():
    """compare.py:79 ``0.2 -> 0.24``: 7,800 of 100,000 requests against 10% expected is off by
    22% (0.078 / 0.1 - 1), significant, and fails; 8,200, off by 18%, is marginal."""
    assert _split(92_200, 7_800, 0.1).verdict is Verdict.FAIL
    assert _split(91_800, 8_200, 0.1).verdict is Verdict.MARGINAL


def test_split_boundaries():
    """compare.py:261 ``off > tolerance -> >=``: off by exactly the tolerance (75% against 50%
    expected, 0.75 / 0.5 - 1 = 0.5 exactly, tolerance 0.5) is marginal; :255 ``< -> <=``
    and :254 ``+ -> -``: exactly 100 requests are judged (90 + 10, not 90 - 10), 99 are
    no data with the total named (:257)."""
    policy = ComparePolicy({"traffic_split": 0.5})
    assert _split(2_500, 7_500, 0.5, policy).verdict is Verdict.MARGINAL
    assert _split(2_400, 7_600, 0.5, policy).verdict is Verdict.FAIL
    assert _split(90, 10, 0.1).verdict is Verdict.PASS  # exactly the share: chi2 0, p 1
    short = _split(89, 10, 0.1)
    assert (short.verdict, short.reason) == (Verdict.NO_DATA, "99 requests in the common period, 100 needed")
    assert math.isnan(short.limit)


def test_split_p_value_at_alpha_is_not_significant():
    """compare.py:260 ``p < ALPHA -> <=``: p exactly 0.001 passes however far off."""
    judged, _ = judge(Comparison((), (), None, Traffic(990, 10, 0.1, NAN, 0.001)), ComparePolicy(), "s")
    assert judged[0].verdict is Verdict.PASS


def test_split_reason_names_the_total():
    """compare.py:254 ``baseline + candidate -> baseline - candidate``: the reason's total is
    the sum, 1,000 (900 - 100 would be 800)."""
    judged, _ = judge(Comparison((), (), None, Traffic(900, 100, 0.1, 0.0, 1.0)), ComparePolicy(), "s")
    assert judged[0].reason == (
        "the candidate served 10.00% of 1,000 requests, 10.00% expected (sample ratio mismatch p=1; "
        "fails when p < 0.001 and off by more than 20%)"
    )


@pytest.mark.parametrize("metric", ["latency_p50", "latency_p95"])
def test_latency_p50_and_p95_default_tolerance_is_10_percent_of_the_baseline(metric):
    """compare.py:80 and :81 ``0.10 -> 0.12``: 11% slower, the interval wholly above +10%,
    fails; :81 ``relative=True -> False`` (p95): 5% slower at 1,000 ms is +50 ms, within the
    allowed +100 ms (an absolute 0.1 ms would fail it)."""
    j = one(effect(metric, 100.0, 111.0, 10.5, 11.5))
    assert (j.verdict, j.limit) == (Verdict.FAIL, pytest.approx(10.0))
    j = one(effect(metric, 1000.0, 1050.0, 40.0, 60.0))
    assert (j.verdict, j.limit) == (Verdict.PASS, pytest.approx(100.0))


def test_confidence_shape_default_tolerance_is_0_2():
    """compare.py:87 ``0.2 -> 0.24``: KS D 0.22, significant, fails."""
    assert one(distance("confidence_shape", 0.22, 1e-6)).verdict is Verdict.FAIL
    assert one(distance("confidence_shape", 0.19, 1e-6)).verdict is Verdict.MARGINAL


def test_accuracy_and_estimate_default_tolerance_is_2_points():
    """compare.py:89 and :90 ``0.02 -> 0.024``: a fall of 2.2 points with the interval wholly
    below -2 fails; the estimate of such a fall is marginal (at worst). :205 ``is FAIL -> is
    not FAIL``: an estimate that holds passes."""
    assert one(effect("accuracy", 0.9, 0.878, -0.03, -0.021)).verdict is Verdict.FAIL
    fall = Effect("estimated_accuracy", 0.9, 0.878, 0.878 - 0.9, NAN, NAN, 1000, 1000, "share", "CBPE")
    assert one(fall).verdict is Verdict.MARGINAL
    held = Effect("estimated_accuracy", 0.9, 0.89, 0.89 - 0.9, NAN, NAN, 1000, 1000, "share", "CBPE")
    j = one(held)
    assert j.verdict is Verdict.PASS
    assert j.reason == "89.00% against 90.00% (-1.00 pts); allowed -2.00 pts"  # no interval: none shown


def test_a_side_without_a_figure_is_no_data_named():
    """compare.py:198 ``and -> or``, :203 ``return None`` and ``note or reason -> note and
    reason``: a finite limit with no difference is no data, the missing side named; CBPE's
    note replaces the reason when there is one."""
    j = one(Effect("error_rate", 0.0, NAN, NAN, NAN, NAN, 5000, 5000, "share", "t"))
    assert (j.verdict, j.reason, j.limit) == (Verdict.NO_DATA, "no figure for the candidate", 0.001)
    j = one(Effect("accuracy", NAN, NAN, NAN, NAN, NAN, 500, 500, "share", "t"))
    assert j.reason == "no figure for the baseline and the candidate"
    j = one(Effect("latency_p50", 100.0, math.inf, math.inf, NAN, NAN, 500, 500, "ms", "t"))
    assert (j.verdict, j.reason) == (Verdict.NO_DATA, "the difference could not be computed")
    note = "no estimate for the candidate: no predictions"
    j = one(Effect("estimated_accuracy", 0.9, NAN, NAN, NAN, NAN, 500, 0, "share", "CBPE", note=note))
    assert j.reason.startswith("the candidate has 0 estimated predictions")  # too few: named first
    j = one(Effect("estimated_accuracy", 0.9, NAN, NAN, NAN, NAN, 500, 500, "share", "CBPE", note=note))
    assert (j.verdict, j.reason) == (Verdict.NO_DATA, note)


def test_a_distance_without_a_p_value_is_no_data():
    """compare.py:224 ``and -> or`` and :225 ``return None``: D known, p not: no data."""
    j = one(distance("latency_shape", 0.5, NAN))
    assert (j.verdict, j.reason, j.limit) == (Verdict.NO_DATA, "the test could not be computed", 0.2)


def test_distance_reasons_in_full():
    """compare.py:230 ``unit == "psi" -> !=`` and :231 ``tolerance / 2 -> * 2`` and ``-> / 3``."""
    assert one(distance("predicted_classes", 0.25, 0.0005)).reason == (
        "PSI 0.250 (p=0.0005); fails at 0.2, marginal at 0.1 when p < 0.001"
    )
    assert one(distance("latency_shape", 0.05, 0.3)).reason == (
        "KS distance 0.050 (p=0.3); fails at 0.2, marginal at 0.1 when p < 0.001"
    )


def test_agreement_of_exactly_the_minimum_pairs_is_judged():
    """compare.py:239 ``pairs < min_samples -> <=``: 100 shared requests, 97 alike, are judged
    (Wilson interval from scipy)."""
    ci = stats.binomtest(97, 100).proportion_ci(method="wilson")
    a = Agreement(100, 97, float(ci.low), float(ci.high), ())
    judged, _ = judge(Comparison((), (), a, NO_SPLIT), ComparePolicy(), "s")
    assert judged[0].verdict is Verdict.PASS


@pytest.mark.parametrize(
    ("metric", "what"),
    [
        ("latency_shape", "latencies"),
        ("error_rate", "requests"),
        ("confidence_mean", "confidences"),
        ("confidence_shape", "confidences"),
        ("predicted_classes", "predictions"),
        ("accuracy", "labelled predictions"),
        ("estimated_accuracy", "estimated predictions"),
    ],
)
def test_too_few_values_name_what_is_counted(metric, what):
    """compare.py:286-289: each metric's no-data reason names what it counts."""
    e = Effect(metric, 0.5, 0.5, 0.0, -0.1, 0.1, 99, 250, "share", "t", 0.5)
    j = one(e)
    assert (j.verdict, j.reason) == (Verdict.NO_DATA, f"the baseline has 99 {what}, 100 needed on each side")


def test_interval_reasons_in_full():
    """compare.py:295 ``return None``, :302 and :308 ``not isfinite -> isfinite``, :304 and
    :310 ``unit == "ms" -> !=`` and ``value * 100 -> value / 100``: figures in ms to three
    digits, shares in percent, differences in signed ms or points."""
    assert one(effect("latency_p99", 100.0, 112.0, 11.0, 13.0)).reason == (
        "112 ms against 100 ms (+12 ms, 95% CI +11 ms to +13 ms); allowed +10 ms"
    )
    assert one(effect("error_rate", 0.01, 0.0125, 0.0011, 0.004)).reason == (
        "1.25% against 1.00% (+0.25 pts, 95% CI +0.11 pts to +0.40 pts); allowed +0.10 pts"
    )
