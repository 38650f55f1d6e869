"""The latency comparison statistics against independent oracles: brute-force resampling and an
exact enumeration for the quantile bootstrap, ``scipy.stats.bootstrap`` for the interval of a
difference of quantiles, simulated coverage, and ``scipy.stats.ttest_ind`` and a hand-worked
case for Welch's interval. Continuous, tied (integers 0..5) and mixed (a point mass plus a
continuous part) data in each family."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import stats

from mlmon.stats.bootstrap import (
    counted_quantile,
    quantile_bootstrap,
    quantile_difference_interval,
    weighted_moments,
    welch_difference,
)

LEVELS = (0.0, 0.5, 0.95, 0.99, 1.0)


def _continuous(rng: np.random.Generator, n: int, shift: float = 0.0) -> np.ndarray:
    return rng.lognormal(shift, 0.5, n)


def _ties(rng: np.random.Generator, n: int, shift: float = 0.0) -> np.ndarray:
    return rng.integers(0, 6, n).astype(float) + shift


def _mixed(rng: np.random.Generator, n: int, shift: float = 0.0) -> np.ndarray:
    """A point mass at 0.2 (a cache hit) for a fifth of the values, the rest lognormal."""
    return np.where(rng.random(n) < 0.2, 0.2, rng.lognormal(shift, 0.5, n))


KINDS = {"continuous": _continuous, "ties": _ties, "mixed": _mixed}


def _brute_force(x: np.ndarray, q: float, n_resamples: int, rng: np.random.Generator) -> np.ndarray:
    return np.quantile(rng.choice(x, (n_resamples, x.size)), q, axis=1)


@pytest.mark.parametrize("q", LEVELS)
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_draws_have_the_law_of_brute_force_resampling(kind, q):
    rng = np.random.default_rng(10 * sorted(KINDS).index(kind) + LEVELS.index(q))
    x = np.sort(KINDS[kind](rng, 120))
    values, counts = np.unique(x, return_counts=True)
    brute = _brute_force(x, q, 3000, rng)
    counted = quantile_bootstrap(values, counts, q, 3000, rng)
    expanded = quantile_bootstrap(x, None, q, 3000, rng)
    assert stats.ks_2samp(counted, brute, method="asymp").pvalue > 0.001
    assert stats.ks_2samp(expanded, brute, method="asymp").pvalue > 0.001
    assert stats.ks_2samp(counted, expanded, method="asymp").pvalue > 0.001


@pytest.mark.parametrize("q", [0.0, 0.3, 0.5, 0.9, 1.0])
@pytest.mark.parametrize("sample", [[1.0, 1.0, 2.0, 5.0, 5.0], [0.5, 1.5, 2.0, 4.0, 7.0]])
def test_draws_match_the_exact_law_of_all_resamples(sample, q):
    """All 5**5 equally likely resamples enumerated: a chi-squared goodness-of-fit test of
    20,000 draws against the exact law sees a rank off by one, which KS at n = 120 may not."""
    x = np.array(sample)
    every = np.quantile(x[np.array(list(itertools.product(range(5), repeat=5)))], q, axis=1)
    support, exact = np.unique(np.round(every, 9), return_counts=True)
    values, counts = np.unique(x, return_counts=True)
    draws = np.round(quantile_bootstrap(values, counts, q, 20_000, np.random.default_rng(7)), 9)
    assert set(np.unique(draws)) <= set(support)
    observed = np.array([(draws == s).sum() for s in support])
    expected = exact / exact.sum() * draws.size
    if support.size > 1:
        assert stats.chisquare(observed, expected).pvalue > 0.001


def test_edge_samples():
    rng = np.random.default_rng(0)
    assert np.all(quantile_bootstrap(np.array([3.5]), np.array([4]), 0.95, 50, rng) == 3.5)
    assert np.all(quantile_bootstrap(np.array([3.5]), None, 0.5, 50, rng) == 3.5)
    assert np.all(np.isnan(quantile_bootstrap(np.array([]), None, 0.5, 5, rng)))
    assert np.all(np.isnan(quantile_bootstrap(np.array([1.0]), np.array([0]), 0.5, 5, rng)))
    # a value counted 0 times is never drawn: the same draws as without it, for one seed
    with_zero = quantile_bootstrap(np.array([1.0, 2.0, 3.0]), np.array([4, 0, 6]), 0.7, 500, np.random.default_rng(1))
    without = quantile_bootstrap(np.array([1.0, 3.0]), np.array([4, 6]), 0.7, 500, np.random.default_rng(1))
    assert np.array_equal(with_zero, without)


@pytest.mark.parametrize(
    ("values", "counts", "q", "message"),
    [
        ([2.0, 1.0], None, 0.5, "sorted"),
        ([1.0, 2.0], [1, -1], 0.5, "negative"),
        ([1.0, 2.0], [1], 0.5, "one length"),
        ([1.0, 2.0], None, 1.5, r"\[0, 1\]"),
        ([1.0, math.nan], None, 0.5, "nan"),
    ],
)
def test_bad_samples_are_one_line_errors(values, counts, q, message):
    c = None if counts is None else np.array(counts)
    with pytest.raises(ValueError, match=message):
        quantile_bootstrap(np.array(values), c, q, 10, np.random.default_rng(0))


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_counted_quantile_is_numpys_to_the_last_bit(kind):
    rng = np.random.default_rng(3)
    for n in (1, 2, 7, 100):
        x = np.sort(KINDS[kind](rng, n))
        values, counts = np.unique(x, return_counts=True)
        for q in (*LEVELS, 0.123, 0.777):
            assert counted_quantile(values, counts, q) == np.quantile(x, q)
            assert counted_quantile(x, None, q) == np.quantile(x, q)
    assert math.isnan(counted_quantile(np.array([]), None, 0.5))


def _level_miss(reference: np.ndarray, endpoint: float, level: float) -> float:
    """How far ``level`` lies outside the band of levels at which ``endpoint`` is a quantile of
    the ``reference`` draws, ``[P(ref < endpoint), P(ref <= endpoint)]``: 0 when inside."""
    return max(np.mean(reference < endpoint) - level, level - np.mean(reference <= endpoint), 0.0)


@pytest.mark.parametrize(
    ("kind", "q", "smooth"),
    [("continuous", 0.95, False), ("continuous", 0.5, True), ("ties", 0.5, False), ("mixed", 0.9, True)],
)
def test_interval_is_scipys_percentile_bootstrap(kind, q, smooth):
    """Monte-Carlo tolerance on the level scale (each endpoint a 2.5% or 97.5% quantile of
    scipy's bootstrap distribution within 1.5 points, about 4 standard errors at 4,000
    resamples a side), which holds for the lumpy laws of a tail or tied quantile too; where
    the law is smooth, also within 10% of the interval's width."""
    rng = np.random.default_rng(11)
    base, cand = np.sort(KINDS[kind](rng, 150)), np.sort(KINDS[kind](rng, 120, 0.3))

    def statistic(c: np.ndarray, b: np.ndarray, axis: int) -> np.ndarray:
        return np.quantile(c, q, axis=axis) - np.quantile(b, q, axis=axis)

    reference = stats.bootstrap(
        (cand, base), statistic, method="percentile", n_resamples=4000, vectorized=True, rng=np.random.default_rng(5)
    )
    point, low, high = quantile_difference_interval(
        tuple(np.unique(base, return_counts=True)), (cand, None), q, n_resamples=4000
    )
    assert point == np.quantile(cand, q) - np.quantile(base, q)
    assert _level_miss(reference.bootstrap_distribution, low, 0.025) <= 0.015
    assert _level_miss(reference.bootstrap_distribution, high, 0.975) <= 0.015
    width = reference.confidence_interval.high - reference.confidence_interval.low
    assert width > 0
    if smooth:
        assert low == pytest.approx(reference.confidence_interval.low, abs=0.1 * width)
        assert high == pytest.approx(reference.confidence_interval.high, abs=0.1 * width)


def test_interval_is_reproducible_and_nan_for_an_empty_side():
    x = np.sort(np.random.default_rng(2).lognormal(0, 1, 80))
    first = quantile_difference_interval((x, None), (x * 1.1, None), 0.95)
    assert first == quantile_difference_interval((x, None), (x * 1.1, None), 0.95)
    assert first[1] < first[0] < first[2]
    assert all(math.isnan(v) for v in quantile_difference_interval((x, None), (np.array([]), None), 0.5))
    with pytest.raises(ValueError, match="confidence"):
        quantile_difference_interval((x, None), (x, None), 0.5, confidence=1.0)


def _coverage(draw, true_difference: float, q: float = 0.95, trials: int = 200) -> float:
    rng = np.random.default_rng(2025)
    hits = 0
    for _ in range(trials):
        base, cand = draw(rng, False), draw(rng, True)
        _, low, high = quantile_difference_interval(
            (np.sort(base), None), (np.sort(cand), None), q, n_resamples=1000, seed=int(rng.integers(2**31))
        )
        hits += low <= true_difference <= high
    return hits / trials


def test_coverage_of_a_p95_difference_on_lognormal_and_mixed_latencies():
    z = stats.norm.ppf(0.95)
    lognormal = _coverage(lambda rng, c: rng.lognormal(0.2 * c, 0.5, 400), math.exp(0.2 + 0.5 * z) - math.exp(0.5 * z))
    assert 0.90 <= lognormal <= 0.99
    # a fifth at exactly 0.2 (below the continuous part), so p95 is the continuous part's 0.9375 quantile
    z_mixed = stats.norm.ppf((0.95 - 0.2) / 0.8)
    mixed = _coverage(lambda rng, c: _mixed(rng, 400, 0.2 * c), math.exp(0.2 + 0.5 * z_mixed) - math.exp(0.5 * z_mixed))
    assert 0.90 <= mixed <= 0.99


def test_coverage_on_discrete_latencies():
    """Integers 0..5 whose p95 sits on an atom far from a jump of the CDF (0.99 for the
    baseline at 4, 0.89 then 1 for the candidate at 5): the true difference is 1, and the
    interval sits on that atom nearly always, so coverage is at least nominal, not near 95%."""
    base_p, cand_p = [0.3, 0.3, 0.2, 0.1, 0.09, 0.01], [0.2, 0.3, 0.2, 0.1, 0.09, 0.11]
    covered = _coverage(lambda rng, c: rng.choice(6, 300, p=cand_p if c else base_p).astype(float), 1.0)
    assert covered >= 0.90


def _welch(a: tuple[int, float, float], b: tuple[int, float, float], confidence: float = 0.95):
    """Welch's interval from two ``weighted_moments`` triples ``(n, mean, var)``."""
    (n_a, mean_a, var_a), (n_b, mean_b, var_b) = a, b
    return welch_difference(mean_a, var_a, n_a, mean_b, var_b, n_b, confidence)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_welch_is_scipys_interval(kind):
    rng = np.random.default_rng(17)
    for n_a, n_b, confidence in ((40, 25, 0.95), (3, 200, 0.9), (150, 150, 0.99)):
        a, b = KINDS[kind](rng, n_a), KINDS[kind](rng, n_b, 0.4) * 1.5
        reference = stats.ttest_ind(b, a, equal_var=False).confidence_interval(confidence)
        moments_a = weighted_moments(*np.unique(a, return_counts=True))
        moments_b = weighted_moments(np.sort(b), None)
        assert moments_a == pytest.approx((n_a, a.mean(), a.var(ddof=1)), rel=1e-12)
        diff, low, high = _welch(moments_a, moments_b, confidence)
        assert diff == pytest.approx(b.mean() - a.mean(), rel=1e-12)
        assert (low, high) == pytest.approx((reference.low, reference.high), rel=1e-12)


def test_welch_hand_worked_and_degenerate():
    # a = 1, 2, 3 and b = 4, 5, 6: variances 1, v_a = v_b = 1/3, df = (2/3)^2 / (2 (1/3)^2 / 2) = 4,
    # t(0.975, 4) = 2.776 from the table, half-width 2.776 sqrt(2/3) = 2.2666
    diff, low, high = welch_difference(2.0, 1.0, 3, 5.0, 1.0, 3)
    assert diff == 3.0
    assert (low, high) == pytest.approx((3 - 2.2666, 3 + 2.2666), abs=1e-3)
    # one constant side: df = n_b - 1, as scipy
    a, b = np.zeros(10), np.array([1.0, 4.0, 4.0, 4.0, 9.0])
    reference = stats.ttest_ind(b, a, equal_var=False).confidence_interval()
    result = _welch(weighted_moments(a, None), weighted_moments(b, None))
    assert result[1:] == pytest.approx((reference.low, reference.high), rel=1e-12)
    assert welch_difference(1.0, 0.0, 5, 3.5, 0.0, 8) == (2.5, 2.5, 2.5)  # two constants: known exactly
    assert all(math.isnan(v) for v in welch_difference(1.0, math.nan, 1, 2.0, 1.0, 10))
    assert weighted_moments(np.array([]), None)[0] == 0
    n, mean, var = weighted_moments(np.array([4.0]), np.array([1]))
    assert (n, mean) == (1, 4.0) and math.isnan(var)
