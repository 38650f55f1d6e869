"""Tests that kill the mutants of mlmon/stats/compare.py and mlmon/stats/bootstrap.py that the
issue-25 tests let survive (scripts/mutation_score.py; the mutants are named in each test).
Oracles: scipy (binomtest's Wilson interval, chi2_contingency, np.quantile) and hand-worked
tables."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from scipy import stats

from mlmon.stats.bootstrap import quantile_bootstrap, weighted_moments, welch_difference
from mlmon.stats.compare import homogeneity_chi_squared, newcombe_difference, sample_ratio_mismatch


def _wilson(successes: int, n: int) -> tuple[float, float]:
    ci = stats.binomtest(successes, n).proportion_ci(confidence_level=0.95, method="wilson")
    return float(ci.low), float(ci.high)


def test_newcombe_with_one_trial_on_the_second_side_and_none_on_it():
    """compare.py:43 ``n_b == 0 -> n_b == 1``: one trial is an answer, none is nan (not a
    ZeroDivisionError). 1/2 against 0/1: Wilson 0/1 is (0, z^2 / (1 + z^2)) = (0, 0.79345)."""
    (low_a, high_a), (low_b, high_b) = _wilson(1, 2), _wilson(0, 1)
    assert (low_b, high_b) == pytest.approx((0.0, 1.959963984540054**2 / (1 + 1.959963984540054**2)))
    d, low, high = newcombe_difference(1, 2, 0, 1)
    assert d == 0.5
    assert low == pytest.approx(0.5 - math.sqrt((0.5 - low_a) ** 2 + high_b**2), rel=1e-12)
    assert high == pytest.approx(0.5 + (high_a - 0.5), rel=1e-12)
    assert all(math.isnan(v) for v in newcombe_difference(1, 2, 0, 0))


@pytest.mark.parametrize("share", [0.0, 1.0, -0.1])
def test_split_share_at_or_beyond_either_end_is_a_value_error(share):
    """compare.py:67 ``0.0 < s -> 0.0 <= s``: a share of 0 is refused with the message, not
    divided by."""
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        sample_ratio_mismatch(3, 7, share)


def test_homogeneity_of_single_counts_hand_worked():
    """compare.py:100 ``> 0 -> > 1`` and :102 ``rows == 0 -> rows == 1``: classes seen once and
    sides of one prediction are kept. [[1, 0], [0, 1]]: every expected count 1/2, chi2 =
    4 (1/2)^2 / (1/2) = 2, df 1, p = erfc(1)."""
    statistic, p, df = homogeneity_chi_squared([1, 0], [0, 1])
    assert (statistic, df) == (pytest.approx(2.0), 1)
    assert p == pytest.approx(math.erfc(1.0))
    # [[1, 0], [3, 4]]: rows 1 and 7, columns 4 and 4, expected [[1/2, 1/2], [7/2, 7/2]],
    # chi2 = 2 (1/2)^2 / (1/2) + 2 (1/2)^2 / (7/2) = 1 + 1/7
    statistic, p, df = homogeneity_chi_squared([1, 0], [3, 4])
    assert (statistic, df) == (pytest.approx(8 / 7), 1)
    reference = stats.chi2_contingency(np.array([[1, 0], [3, 4]]), correction=False)
    assert p == pytest.approx(reference.pvalue, rel=1e-12)


def test_homogeneity_undefined_gives_nan_and_zero_degrees_of_freedom():
    """compare.py:102 ``or -> and`` and ``shape[1] -> shape[0]``, :103 ``0 -> 1``: one class
    only (both sides non-empty), or an empty side among two classes, is (nan, nan, 0)."""
    for a, b in (([5, 0], [3, 0]), ([4], [9]), ([0, 0], [3, 4])):
        statistic, p, df = homogeneity_chi_squared(a, b)
        assert math.isnan(statistic) and math.isnan(p) and df == 0


def test_variance_of_two_values_and_none_of_one_without_a_warning():
    """bootstrap.py:111 ``n > 1 -> n > 2`` (two values have a variance) and ``n > 1 -> n > 0``
    (one value has none, and dividing by n - 1 = 0 would print numpy's RuntimeWarning)."""
    assert weighted_moments(np.array([1.0, 3.0]), None) == (2, 2.0, pytest.approx(np.var([1.0, 3.0], ddof=1)))
    assert weighted_moments(np.array([2.0, 5.0]), np.array([1, 1]))[2] == pytest.approx(4.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        n, mean, var = weighted_moments(np.array([4.0, 6.0]), np.array([0, 1]))
    assert (n, mean) == (1, 6.0) and math.isnan(var)


@pytest.mark.parametrize(
    ("values", "counts", "q", "k"),
    [
        ([1.0, 2.0, 3.0, 4.0, 5.0], None, 0.5, 3),  # h = 4 * 0.5 = 2, whole: rank 3, g = 0
        ([1.0, 2.0], [2, 3], 0.25, 2),  # five values 1 1 2 2 2, h = 1: rank 2, g = 0
    ],
)
def test_a_whole_rank_draws_one_beta_per_resample(values, counts, q, k):
    """bootstrap.py:159 ``or -> and`` and ``g == 0.0 -> g == 1.0``: when (n - 1) q is whole the
    second order statistic is skipped (as the docstring says), so the generator gives exactly
    Beta(k, n + 1 - k) draws and is left where they end: the next draw, and so the candidate's
    bootstrap in an interval, is that of a twin generator that drew only those."""
    x = np.repeat(values, counts if counts is not None else 1)
    n = x.size
    rng, twin = np.random.default_rng(3), np.random.default_rng(3)
    c = None if counts is None else np.array(counts)
    draws = quantile_bootstrap(np.array(values), c, q, 400, rng)
    u = twin.beta(k, n + 1 - k, 400)
    assert np.array_equal(draws, x[np.clip(np.ceil(n * u), 1, n).astype(int) - 1])  # F_n^-1(u), rank ceil(n u)
    assert rng.random() == twin.random()


def test_welch_confidence_of_one_is_a_value_error():
    """bootstrap.py:231 ``confidence < 1.0 -> < 2.0``: a confidence of 1 is refused, not an
    infinite interval."""
    with pytest.raises(ValueError, match="confidence"):
        welch_difference(1.0, 1.0, 10, 2.0, 1.0, 10, confidence=1.0)
    assert welch_difference(1.0, 1.0, 10, 2.0, 1.0, 10, confidence=0.95)[0] == 1.0
