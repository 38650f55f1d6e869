"""The comparison statistics against Newcombe's worked examples and scipy."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from mlmon.stats.compare import homogeneity_chi_squared, newcombe_difference, sample_ratio_mismatch

# Newcombe (1998), Statistics in Medicine 17:873-890, Table II, method 10 (the examples whose
# published figures we could check by hand).
NEWCOMBE_TABLE = [
    ((56, 70, 48, 80), (0.0524, 0.3339)),
    ((9, 10, 3, 10), (0.1705, 0.8090)),
    ((5, 56, 0, 29), (-0.0381, 0.1926)),
    ((0, 10, 0, 20), (-0.1611, 0.2775)),
    ((0, 10, 0, 10), (-0.2775, 0.2775)),
]


@pytest.mark.parametrize(("counts", "interval"), NEWCOMBE_TABLE)
def test_newcombe_reproduces_his_worked_examples(counts, interval):
    d, low, high = newcombe_difference(*counts)
    assert d == pytest.approx(counts[0] / counts[1] - counts[2] / counts[3])
    assert (round(low, 4), round(high, 4)) == interval


def test_newcombe_is_symmetric_and_never_zero_width_at_zero():
    d, low, high = newcombe_difference(0, 5000, 0, 5000)
    assert d == 0 and low < 0 < high
    d, low, high = newcombe_difference(2, 5000, 0, 5000)
    assert low < 0 < high and d == pytest.approx(0.0004)  # two errors against none: not yet a sure rise
    a = newcombe_difference(30, 200, 12, 180)
    b = newcombe_difference(12, 180, 30, 200)
    assert (a[0], a[1], a[2]) == pytest.approx((-b[0], -b[2], -b[1]))
    assert all(math.isnan(v) for v in newcombe_difference(1, 0, 1, 3))


def test_newcombe_covers_close_to_95_percent():
    rng = np.random.default_rng(25)
    n_a, n_b, p_a, p_b = 400, 300, 0.03, 0.05
    a, b = rng.binomial(n_a, p_a, 4000), rng.binomial(n_b, p_b, 4000)
    covered = [lo <= p_a - p_b <= hi for _, lo, hi in (newcombe_difference(x, n_a, y, n_b) for x, y in zip(a, b))]
    assert 0.93 < np.mean(covered) < 0.975


@pytest.mark.parametrize(
    ("candidate", "baseline", "share"), [(100, 900, 0.1), (80, 920, 0.1), (10, 990, 0.1), (0, 7, 0.5)]
)
def test_sample_ratio_mismatch_is_scipys_chisquare(candidate, baseline, share):
    total = candidate + baseline
    expected = stats.chisquare([candidate, baseline], f_exp=[total * share, total * (1 - share)])
    chi2, p = sample_ratio_mismatch(candidate, baseline, share)
    assert (chi2, p) == pytest.approx((expected.statistic, expected.pvalue), rel=1e-12)


def test_a_canary_that_got_1_percent_of_a_10_percent_split_is_a_mismatch():
    _, p = sample_ratio_mismatch(100, 9900, 0.1)
    assert p < 1e-100
    assert math.isnan(sample_ratio_mismatch(0, 0, 0.1)[1])
    with pytest.raises(ValueError):
        sample_ratio_mismatch(1, 1, 1.0)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ([40, 30, 20, 10], [75, 12, 8, 5]),  # the sample week's shift
        ([5, 0, 3], [2, 4, 0]),  # a class only one side has, small counts
        ([1000, 1], [990, 11]),  # a rare class
        ([10, 20, 0, 30], [12, 18, 0, 33]),  # a class neither has: left out
    ],
)
def test_homogeneity_equals_scipy_contingency(a: list[int], b: list[int]) -> None:
    table = np.array([a, b])
    table = table[:, table.sum(axis=0) > 0]
    expected = stats.chi2_contingency(table, correction=False)
    statistic, p, df = homogeneity_chi_squared(a, b)
    assert statistic == pytest.approx(expected.statistic, rel=1e-12)
    assert p == pytest.approx(expected.pvalue, rel=1e-9)
    assert df == expected.dof


def test_homogeneity_hand_worked() -> None:
    # [[10, 20], [20, 10]]: every expected count 15, chi2 = 4 * 25 / 15 = 6.667, df 1
    statistic, p, df = homogeneity_chi_squared([10, 20], [20, 10])
    assert statistic == pytest.approx(20 / 3)
    assert df == 1
    assert p == pytest.approx(math.erfc(math.sqrt(statistic / 2)))  # the chi-squared tail at one df


def test_homogeneity_undefined() -> None:
    assert math.isnan(homogeneity_chi_squared([0, 0], [3, 4])[0])
    assert math.isnan(homogeneity_chi_squared([5, 0], [7, 0])[1])
