"""Feature drift from a reference quantile grid (issue 10, first step): every statistic
against scipy or numpy on the raw values, within the bound the statistic states."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from mlmon.stats.categorical import floor_shares
from mlmon.stats.grid import DECILES, GRID_LEVELS, Moments, decile_psi, grid_counts, ks_bracket, wasserstein

REF_N = 100_000
WINDOW_N = 6_000


def reference(kind: str, rng: np.random.Generator) -> np.ndarray:
    return {"normal": rng.normal(size=REF_N), "lognormal": rng.lognormal(size=REF_N), "uniform": rng.uniform(size=REF_N)}[kind]


SHIFTS = {
    "same": lambda x, sd: x,
    "mean +0.15 sd": lambda x, sd: x + 0.15 * sd,
    "std x1.3": lambda x, sd: (x - x.mean()) * 1.3 + x.mean(),
    "mean +1 sd": lambda x, sd: x + sd,
    "squeezed": lambda x, sd: x * 0.5,
}


def cases() -> list:
    return [pytest.param(kind, shift, id=f"{kind}-{shift}") for kind in ("normal", "lognormal", "uniform") for shift in SHIFTS]


@pytest.mark.parametrize(("kind", "shift"), cases())
def test_ks_bracket_holds_scipys_statistic_and_is_narrow(kind, shift):
    rng = np.random.default_rng(1)
    ref = reference(kind, rng)
    current = SHIFTS[shift](reference(kind, rng)[:WINDOW_N], ref.std())
    window = grid_counts(current, np.quantile(ref, GRID_LEVELS))
    bracket = ks_bracket(GRID_LEVELS, window, REF_N)
    exact = stats.ks_2samp(ref, current)
    slack = 2 / REF_N  # the grid holds the reference's empirical CDF to within 1/n_ref
    assert bracket.low - slack <= exact.statistic <= bracket.high + slack
    assert bracket.high - bracket.low <= bracket_limit(window)
    # the p-value of the lower end: never smaller than the exact asymptotic one (conservative)
    assert bracket.p_value >= stats.ks_2samp(ref, current, method="asymp").pvalue * (1 - 1e-6) or exact.statistic - bracket.low < slack


def bracket_limit(window) -> float:
    """0.005 (the grid step) plus the window's largest interval share."""
    return 0.005 + window.counts[1:-1].max() / window.n + 1e-12


@pytest.mark.parametrize(("kind", "shift"), cases())
def test_wasserstein_is_scipys_within_its_bound_and_within_a_hundredth_sd(kind, shift):
    rng = np.random.default_rng(2)
    ref = reference(kind, rng)
    current = SHIFTS[shift](reference(kind, rng)[:WINDOW_N], ref.std())
    grid = np.quantile(ref, GRID_LEVELS)
    estimate = wasserstein(grid, GRID_LEVELS, grid_counts(current, grid))
    exact = stats.wasserstein_distance(ref, current)
    slack = (grid[-1] - grid[0]) / REF_N
    assert abs(estimate.value - exact) <= estimate.bound + slack
    assert abs(estimate.value - exact) / ref.std() < 0.01


def test_wasserstein_tails_beyond_the_reference_range_are_exact():
    grid = np.array([0.0, 1.0, 2.0])
    levels = (0.0, 0.5, 1.0)
    # half the window at -3 (3 below the minimum), half at 5 (3 above the maximum)
    window = grid_counts(np.array([-3.0, 5.0]), grid)
    assert window.counts.tolist() == [1, 0, 0, 1]
    # tails: (0 - (-3)) / 2 + (5 - 2) / 2 = 3; inside, F rises 0 -> 1 while G stays at 1/2
    estimate = wasserstein(grid, levels, window)
    assert estimate.value == pytest.approx(3 + 0.25 + 0.25)  # |F - G| falls 1/2 -> 0, then rises 0 -> 1/2
    assert estimate.value == pytest.approx(stats.wasserstein_distance(np.linspace(0, 2, 100_001), [-3, 5]), abs=1e-4)


def test_decile_psi_matches_numpy_with_the_frozen_edges():
    rng = np.random.default_rng(3)
    ref = rng.normal(size=REF_N)
    grid = np.quantile(ref, GRID_LEVELS)
    current = np.concatenate([rng.normal(0.3, 1.1, size=WINDOW_N), [-9.0, 9.0, 9.5]])
    edges = np.concatenate([[-np.inf], grid[list(DECILES)], [np.inf]])
    counts, _ = np.histogram(current, bins=edges)
    counts[-2] += counts[-1] - (current > grid[-1]).sum()  # the maximum itself closes the last decile
    counts[-1] = (current > grid[-1]).sum()
    r = floor_shares(np.array([0.0] + [0.1] * 10 + [0.0]))
    c = floor_shares(counts)
    expected = float(np.sum((c - r) * np.log(c / r)))
    assert decile_psi(GRID_LEVELS, grid_counts(current, grid)) == pytest.approx(expected, rel=1e-12)


def test_grid_counts_place_ties_and_the_maximum_and_merge_by_addition():
    grid = np.array([1.0, 2.0, 2.0, 3.0])
    window = grid_counts([0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5], grid)
    # below, [1,2), [2,2) empty, [2,3] closed, above
    assert window.counts.tolist() == [1, 2, 0, 3, 1]
    assert (window.below_sum, window.above_sum) == (0.5, 3.5)
    rng = np.random.default_rng(4)
    a, b = rng.normal(size=500), rng.normal(size=700)
    grid = np.quantile(rng.normal(size=5000), GRID_LEVELS)
    merged = grid_counts(a, grid).merge(grid_counts(b, grid))
    whole = grid_counts(np.concatenate([a, b]), grid)
    assert merged.counts.tolist() == whole.counts.tolist() and merged.n == 1200
    assert merged.below_sum == pytest.approx(whole.below_sum) and merged.above_sum == pytest.approx(whole.above_sum)


def test_moments_merge_is_numpys_mean_and_variance_in_any_order():
    rng = np.random.default_rng(5)
    parts = [rng.normal(10, 3, size=n) for n in (1, 2, 500, 0, 999)]
    whole = np.concatenate(parts)
    left = Moments.of(parts[0]).merge(Moments.of(parts[1])).merge(Moments.of(parts[2])).merge(Moments.of(parts[3])).merge(Moments.of(parts[4]))
    right = Moments.of(parts[0]).merge(Moments.of(parts[1]).merge(Moments.of(parts[2]).merge(Moments.of(parts[3]).merge(Moments.of(parts[4])))))
    for m in (left, right):
        assert m.count == whole.size
        assert m.mean == pytest.approx(whole.mean(), rel=1e-12)
        assert m.std == pytest.approx(whole.std(ddof=1), rel=1e-10)
    assert math.isnan(Moments.of([]).std) and math.isnan(Moments.of([4.0]).std)


def test_degenerate_inputs_give_nan_never_an_exception():
    grid = np.quantile(np.full(100, 7.0), GRID_LEVELS)  # a constant reference
    constant = grid_counts(np.full(50, 7.0), grid)
    assert math.isfinite(ks_bracket(GRID_LEVELS, constant, 100).high)
    empty = grid_counts(np.array([]), grid)
    assert math.isnan(ks_bracket(GRID_LEVELS, empty, 100).low)
    assert math.isnan(wasserstein(grid, GRID_LEVELS, empty).value)
    assert math.isnan(decile_psi(GRID_LEVELS, empty))
    assert math.isfinite(wasserstein(grid, GRID_LEVELS, constant).value)


def test_a_crossing_inside_an_interval_is_hand_worked():
    """Reference: 80% uniform on [0, 1), 20% on [1, 2] (grid 0, 1, 2 at levels 0, 0.8, 1);
    window: 30% at -1, 70% inside [1, 2]. G at the points is 0.3, 0.3, 1, so d = p - G
    runs -0.3 -> 0.5 (a crossing: (0.09 + 0.25) / (2 * 0.8) = 0.2125), then 0.5 -> 0
    (0.25); the tail below is 0.3 * (0 - (-1)) = 0.3. Total 0.7625."""
    current = [-1.0] * 3 + [1.2, 1.4, 1.5, 1.6, 1.7, 1.8, 1.9]
    window = grid_counts(np.array(current), np.array([0.0, 1.0, 2.0]))
    estimate = wasserstein(np.array([0.0, 1.0, 2.0]), (0.0, 0.8, 1.0), window)
    assert estimate.value == pytest.approx(0.7625, abs=1e-12)
    reference = np.concatenate([np.linspace(0, 1, 160_000, endpoint=False), np.linspace(1, 2, 40_001)])
    assert abs(estimate.value - stats.wasserstein_distance(reference, current)) <= estimate.bound


def test_the_p_value_is_the_limiting_distribution_of_the_lower_end_and_conservative():
    rng = np.random.default_rng(6)
    ref = rng.normal(size=20_000)
    window = grid_counts(rng.normal(0.05, 1, 3_000), np.quantile(ref, GRID_LEVELS))
    bracket = ks_bracket(GRID_LEVELS, window, 20_000)
    n_e = 3_000 * 20_000 / 23_000
    assert bracket.p_value == pytest.approx(stats.kstwobign.sf(math.sqrt(n_e) * bracket.low), rel=1e-12)
    exact = stats.kstwo.sf(bracket.low, round(n_e))
    assert exact <= bracket.p_value <= 1.05 * exact
    assert math.isnan(ks_bracket(GRID_LEVELS, window, 0).p_value)


@pytest.mark.parametrize("n_e", [200, 1_000, 6_000])
def test_the_limiting_p_value_is_above_the_exact_one_by_at_most_the_stated_share(n_e):
    """ks_grid.md: at most 26% of p at n_e = 200, 8% at 1,000, 3% at 6,000, p in [1e-6, 0.1]."""
    bound = {200: 0.26, 1_000: 0.08, 6_000: 0.03}[n_e]
    for target in (0.1, 1e-2, 1e-3, 1e-4, 1e-6):
        d = stats.kstwo.isf(target, n_e)
        limiting = stats.kstwobign.sf(math.sqrt(n_e) * d)
        assert target <= limiting <= (1 + bound) * target


def test_the_wasserstein_bound_is_a_few_hundredths_of_an_sd_for_six_thousand_values():
    rng = np.random.default_rng(8)
    ref = rng.normal(size=REF_N)
    grid = np.quantile(ref, GRID_LEVELS)
    estimate = wasserstein(grid, GRID_LEVELS, grid_counts(rng.normal(size=WINDOW_N), grid))
    assert 0.005 < estimate.bound < 0.05  # guaranteed and loose, but of this order (wasserstein.md)


def test_grid_counts_by_sorting_equal_a_search_of_every_value_in_the_grid():
    """The oracle places each value with numpy.searchsorted(grid, x, side="right"), the
    maximum closing the last interval; ties in the grid (a lumpy reference) included."""
    rng = np.random.default_rng(3)
    for trial in range(60):
        reference = [rng.normal(size=200), rng.integers(0, 5, 200).astype(float), np.full(50, 2.0)][trial % 3]
        grid = np.quantile(reference, GRID_LEVELS)
        values = np.concatenate([rng.normal(size=rng.integers(0, 300)), rng.choice(reference, 50), [grid[0], grid[-1], grid[-1]]])
        index = np.searchsorted(grid, values, side="right")
        index[values == grid[-1]] = len(grid) - 1
        counted = grid_counts(values, grid)
        assert counted.counts.tolist() == np.bincount(index, minlength=len(grid) + 1).tolist()
        assert counted.below_sum == pytest.approx(values[values < grid[0]].sum())
        assert counted.above_sum == pytest.approx(values[values > grid[-1]].sum())
