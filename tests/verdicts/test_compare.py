"""The verdicts of ``mlmon compare`` at their boundaries (mlmon.verdicts.compare)."""

from __future__ import annotations

import math

import pytest

from mlmon.analyses.compare import Agreement, Comparison, Effect, Traffic
from mlmon.verdicts.compare import (
    ALPHA,
    RULES,
    ComparePolicy,
    Judged,
    Verdict,
    findings,
    judge,
    overall,
)
from mlmon.verdicts.findings import Severity, Unknown

NAN = math.nan
NO_SPLIT = Traffic(1000, 1000, None, NAN, NAN)


def effect(metric: str, base: float, cand: float, low: float, high: float, n: int = 1000, p: float = NAN) -> Effect:
    unit = "ms" if metric.startswith("latency_p") else "share"
    return Effect(metric, base, cand, cand - base, low, high, n, n, unit, "test", p)


def distance(metric: str, d: float, p: float, n: int = 1000) -> Effect:
    unit = "psi" if metric == "predicted_classes" else "distance"
    return Effect(metric, NAN, NAN, d, NAN, NAN, n, n, unit, "test", p)


def one(e: Effect, policy: ComparePolicy | None = None) -> Judged:
    judged, _ = judge(Comparison((e,), (), None, NO_SPLIT), policy or ComparePolicy(), "c vs b")
    (j,) = judged
    return j


@pytest.mark.parametrize(
    ("low", "high", "cand", "expected"),
    [
        (11.0, 13.0, 112.0, Verdict.FAIL),  # whole interval above the allowed +10 ms
        (10.0, 13.0, 112.0, Verdict.MARGINAL),  # touches the limit: not wholly beyond
        (9.0, 13.0, 110.5, Verdict.MARGINAL),  # only the difference beyond, a real change
        (-2.0, 25.0, 111.0, Verdict.PASS),  # beyond, but the interval holds no change: noise
        (0.0, 25.0, 111.0, Verdict.PASS),  # the interval touches no change
        (9.0, 13.0, 110.0, Verdict.PASS),  # the difference exactly at the limit is allowed
        (-5.0, 5.0, 100.0, Verdict.PASS),
    ],
)
def test_latency_relative_tolerance(low: float, high: float, cand: float, expected: Verdict) -> None:
    j = one(effect("latency_p99", 100.0, cand, low, high))
    assert j.verdict is expected
    assert j.limit == pytest.approx(10.0)  # 10% of the baseline's 100 ms


@pytest.mark.parametrize(
    ("diff", "high", "expected"),
    [(-0.06, -0.0501, Verdict.FAIL), (-0.06, -0.05, Verdict.MARGINAL), (-0.04, -0.01, Verdict.PASS)],
)
def test_lower_is_worse_metrics_fail_below_the_allowed_fall(diff: float, high: float, expected: Verdict) -> None:
    j = one(effect("confidence_mean", 0.8, 0.8 + diff, diff - 0.01, high))
    assert j.verdict is expected
    assert j.limit == pytest.approx(-0.05)


def test_a_rise_of_a_lower_is_worse_metric_passes() -> None:
    assert one(effect("accuracy", 0.7, 0.9, 0.15, 0.25)).verdict is Verdict.PASS


def test_error_rate_absolute_tolerance() -> None:
    assert one(effect("error_rate", 0.01, 0.0125, 0.0011, 0.004)).verdict is Verdict.FAIL
    assert one(effect("error_rate", 0.01, 0.0125, 0.0009, 0.004)).verdict is Verdict.MARGINAL
    assert one(effect("error_rate", 0.01, 0.0125, -0.0001, 0.004)).verdict is Verdict.PASS
    assert one(effect("error_rate", 0.01, 0.0105, -0.001, 0.002)).verdict is Verdict.PASS


@pytest.mark.parametrize(
    ("d", "p", "expected"),
    [
        (0.25, ALPHA / 2, Verdict.FAIL),
        (0.2, ALPHA / 2, Verdict.FAIL),  # at the tolerance
        (0.1999, ALPHA / 2, Verdict.MARGINAL),
        (0.1, ALPHA / 2, Verdict.MARGINAL),  # at half of it
        (0.0999, ALPHA / 2, Verdict.PASS),
        (0.5, ALPHA, Verdict.PASS),  # not significant: noise, whatever the distance
    ],
)
def test_distance_metrics_need_significance_and_size(d: float, p: float, expected: Verdict) -> None:
    assert one(distance("latency_shape", d, p)).verdict is expected
    assert one(distance("predicted_classes", d, p)).verdict is expected


def test_percentiles_need_values_above_them() -> None:
    assert ComparePolicy().needed("latency_p99") == 500
    assert ComparePolicy().needed("latency_p95") == 100
    assert ComparePolicy().needed("latency_p50") == 100
    assert ComparePolicy(min_samples=30).needed("latency_p50") == 30
    assert ComparePolicy(min_samples=30).needed("latency_p99") == 500
    short = one(effect("latency_p99", 100, 200, 90, 110, n=499))
    assert short.verdict is Verdict.NO_DATA
    assert short.reason == "the baseline has 499 and the candidate has 499 latencies, 500 needed on each side"
    assert one(effect("latency_p99", 100, 200, 90, 110, n=500)).verdict is Verdict.FAIL


def test_no_data_on_one_side_is_named() -> None:
    e = Effect("error_rate", 0.0, NAN, NAN, NAN, NAN, 5000, 40, "share", "t")
    j = one(e)
    assert j.verdict is Verdict.NO_DATA
    assert j.reason.startswith("the candidate has 40 requests")


def test_an_estimate_is_marginal_at_worst() -> None:
    e = Effect("estimated_accuracy", 0.9, 0.5, -0.4, NAN, NAN, 1000, 1000, "share", "CBPE")
    assert one(e).verdict is Verdict.MARGINAL


def test_agreement_minimum_on_its_interval() -> None:
    def verdict(agreed: int, low: float, high: float) -> Verdict:
        a = Agreement(1000, agreed, low, high, ())
        judged, _ = judge(Comparison((), (), a, NO_SPLIT), ComparePolicy(), "s")
        return judged[0].verdict

    assert verdict(850, 0.82, 0.87) is Verdict.FAIL
    assert verdict(880, 0.86, 0.90) is Verdict.MARGINAL  # the interval reaches the minimum
    assert verdict(950, 0.93, 0.96) is Verdict.PASS
    a = Agreement(99, 99, 0.96, 1.0, ())
    assert judge(Comparison((), (), a, NO_SPLIT), ComparePolicy(), "s")[0][0].verdict is Verdict.NO_DATA


@pytest.mark.parametrize(
    ("candidate", "p", "expected"),
    [(10, ALPHA / 10, Verdict.FAIL), (95, ALPHA / 10, Verdict.MARGINAL), (100, 0.5, Verdict.PASS)],
)
def test_traffic_split(candidate: int, p: float, expected: Verdict) -> None:
    split = Traffic(900, candidate, 0.1, 1.0, p)
    judged, _ = judge(Comparison((), (), None, split), ComparePolicy(), "s")
    assert judged[0].metric == "traffic_split"
    assert judged[0].verdict is expected


def j(metric: str, verdict: Verdict, critical: bool = False) -> Judged:
    return Judged(metric, verdict, critical, 0.1, 0.1, "r")


def test_overall_precedence() -> None:
    assert overall([j("a", Verdict.FAIL, True), j("b", Verdict.NO_DATA, True)]) is Verdict.FAIL
    assert overall([j("a", Verdict.FAIL), j("b", Verdict.NO_DATA, True)]) is Verdict.NO_DATA
    assert overall([j("a", Verdict.PASS), j("b", Verdict.NO_DATA)]) is Verdict.MARGINAL  # never a pass
    assert overall([j("a", Verdict.FAIL), j("b", Verdict.PASS)]) is Verdict.MARGINAL
    assert overall([j("a", Verdict.MARGINAL), j("b", Verdict.PASS)]) is Verdict.MARGINAL
    assert overall([j("a", Verdict.PASS), j("b", Verdict.PASS)]) is Verdict.PASS
    assert overall([]) is Verdict.NO_DATA


def test_findings_carry_the_verdicts() -> None:
    found = findings(
        (j("a", Verdict.FAIL, True), j("b", Verdict.FAIL), j("c", Verdict.NO_DATA), j("d", Verdict.PASS)), "s"
    )
    assert [f.severity for f in found] == [Severity.CRITICAL, Severity.WARNING, Severity.UNKNOWN, Severity.OK]
    assert found[2].unknown is Unknown.MISSING_INPUT
    assert found[0].message.startswith("fail: ")


def test_policy_overrides() -> None:
    policy = ComparePolicy({"latency_p99": 0.5}, frozenset({"latency_p50"}))
    assert policy.tolerance("latency_p99") == 0.5
    assert policy.tolerance("latency_p50") == RULES["latency_p50"].tolerance
    assert policy.is_critical("latency_p50") and not policy.is_critical("latency_p99")
    assert one(effect("latency_p99", 100, 140, 30, 50), policy).verdict is Verdict.PASS


def test_default_critical_metrics() -> None:
    assert {m for m, r in RULES.items() if r.critical} == {
        "traffic_split",
        "latency_p99",
        "error_rate",
        "predicted_classes",
    }
