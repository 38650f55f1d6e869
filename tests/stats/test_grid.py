"""Feature drift from a reference quantile grid (issue 10; ties, issue 21): every statistic
against scipy or numpy on the raw values, within the bound the statistic states, on
continuous, tied, discrete and mixed data."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from mlmon.stats.categorical import floor_shares
from mlmon.stats.grid import (
    GRID_LEVELS,
    Moments,
    ReferenceGrid,
    decile_bins,
    decile_counts,
    decile_psi,
    grid_counts,
    grid_quantiles,
    ks_bracket,
    wasserstein,
)

REF_N = 100_000
WINDOW_N = 6_000


def reference(kind: str, rng: np.random.Generator) -> np.ndarray:
    return {
        "normal": rng.normal(size=REF_N),
        "lognormal": rng.lognormal(size=REF_N),
        "uniform": rng.uniform(size=REF_N),
    }[kind]


SHIFTS = {
    "same": lambda x, sd: x,
    "mean +0.15 sd": lambda x, sd: x + 0.15 * sd,
    "std x1.3": lambda x, sd: (x - x.mean()) * 1.3 + x.mean(),
    "mean +1 sd": lambda x, sd: x + sd,
    "squeezed": lambda x, sd: x * 0.5,
}


def cases() -> list:
    return [
        pytest.param(kind, shift, id=f"{kind}-{shift}")
        for kind in ("normal", "lognormal", "uniform")
        for shift in SHIFTS
    ]


@pytest.mark.parametrize(("kind", "shift"), cases())
def test_ks_bracket_holds_scipys_statistic_and_is_narrow(kind, shift):
    rng = np.random.default_rng(1)
    ref = reference(kind, rng)
    current = SHIFTS[shift](reference(kind, rng)[:WINDOW_N], ref.std())
    grid = ReferenceGrid.from_values(ref)
    window = grid_counts(current, grid.points)
    bracket = ks_bracket(grid, window)
    exact = stats.ks_2samp(ref, current)
    assert bracket.low - 1e-12 <= exact.statistic <= bracket.high + 1e-12
    assert bracket.high - bracket.low <= bracket_limit(grid, window)
    # the p-value of the lower end: never smaller than the exact asymptotic one (conservative)
    assert (
        bracket.p_value >= stats.ks_2samp(ref, current, method="asymp").pvalue * (1 - 1e-6)
        or exact.statistic - bracket.low < 1e-12
    )


def bracket_limit(grid: ReferenceGrid, window) -> float:
    """The largest open interval's share on both sides (0.005 plus one window bin)."""
    opens = slice(2, -1, 2)
    return float((grid.shares[opens] + window.counts[opens] / window.n).max()) + 1e-12


@pytest.mark.parametrize(("kind", "shift"), cases())
def test_wasserstein_is_scipys_within_its_bound_and_within_a_hundredth_sd(kind, shift):
    rng = np.random.default_rng(2)
    ref = reference(kind, rng)
    current = SHIFTS[shift](reference(kind, rng)[:WINDOW_N], ref.std())
    grid = ReferenceGrid.from_values(ref)
    estimate = wasserstein(grid, grid_counts(current, grid.points))
    exact = stats.wasserstein_distance(ref, current)
    assert abs(estimate.value - exact) <= estimate.bound + 1e-12
    assert abs(estimate.value - exact) / ref.std() < 0.01


# Tied, discrete and mixed data (issue 21): a reference and a window drawn from the same
# law, and shifted ones; every statistic against scipy/numpy on the raw values.
def atoms(rng, n):
    return rng.choice([640.0, 1280.0, 1920.0], size=n, p=[0.2, 0.3, 0.5])


def atoms_with_tail(rng, n):
    """Three common resolutions plus 5% crops of random size."""
    x = atoms(rng, n)
    crop = rng.random(n) < 0.05
    x[crop] = rng.integers(100, 2000, crop.sum())
    return x


def clinical_ratio(rng, n):
    """66 distinct values, 7 of which hold 95% of the rows."""
    common = np.array([0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 3.0])
    rare = np.round(np.linspace(0.1, 6.0, 59), 2)
    x = rng.choice(common, size=n, p=[0.1, 0.15, 0.3, 0.15, 0.1, 0.1, 0.1])
    tail = rng.random(n) < 0.05
    x[tail] = rng.choice(rare, tail.sum())
    return x


TIED = {
    "atoms": atoms,
    "atoms + 5% tail": atoms_with_tail,
    "clinical ratio": clinical_ratio,
    "integers 0-16": lambda rng, n: rng.integers(0, 17, n).astype(float),
    "poisson": lambda rng, n: rng.poisson(40, n).astype(float),
    "zero-inflated": lambda rng, n: np.where(rng.random(n) < 0.6, 0.0, rng.poisson(4, n)),
    "rounded to 2 decimals": lambda rng, n: np.round(rng.lognormal(0, 0.4, n), 2),
}
TIED_SHIFTS = {"same": lambda x: x, "+1 sd": lambda x: x + x.std(), "x1.5": lambda x: x * 1.5}


def tied_cases() -> list:
    return [pytest.param(kind, shift, id=f"{kind}-{shift}") for kind in TIED for shift in TIED_SHIFTS]


@pytest.mark.parametrize(("kind", "shift"), tied_cases())
def test_tied_data_every_statistic_is_scipys_within_its_bound(kind, shift):
    rng = np.random.default_rng(11)
    ref, current = TIED[kind](rng, 40_000), TIED_SHIFTS[shift](TIED[kind](rng, 3_000))
    grid = ReferenceGrid.from_values(ref)
    window = grid_counts(current, grid.points)
    bracket = ks_bracket(grid, window)
    exact = stats.ks_2samp(ref, current)
    assert bracket.low - 1e-12 <= exact.statistic <= bracket.high + 1e-12
    assert bracket.high - bracket.low <= bracket_limit(grid, window)
    assert bracket.p_value >= stats.kstwobign.sf(math.sqrt(3_000 * 40_000 / 43_000) * exact.statistic) * (1 - 1e-9)
    w1 = wasserstein(grid, window)
    assert abs(w1.value - stats.wasserstein_distance(ref, current)) <= w1.bound + 1e-9 * ref.std()
    assert decile_psi(grid, window) == pytest.approx(numpy_decile_psi(ref, current), rel=1e-9, abs=1e-12)
    labels, shares = decile_bins(grid)
    edges = np.unique(np.quantile(ref, np.linspace(0, 1, 11)))
    assert shares.tolist() == pytest.approx(numpy_bin_counts(ref, edges) / ref.size)
    assert len(labels) == len(shares) == len(decile_counts(grid, window))
    if shift == "same":  # unchanged data reads unchanged: no false alarm from the ties
        assert bracket.high < 0.05 and decile_psi(grid, window) < 0.02 and bracket.p_value > 1e-3


def numpy_bin_counts(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Below the first edge, [e_j, e_{j+1}) (the last closed), above the last: the same side
    for a tie on both sides."""
    index = np.searchsorted(edges, values, side="right")
    index[values == edges[-1]] = len(edges) - 1
    return (
        np.bincount(index, minlength=len(edges) + 1).astype(float)
        if len(edges) > 1
        else np.array([(values < edges[0]).sum(), (values == edges[0]).sum(), (values > edges[0]).sum()], dtype=float)
    )


def numpy_decile_psi(ref: np.ndarray, current: np.ndarray) -> float:
    """PSI on the distinct reference deciles, each side's actual counts (the oracle)."""
    edges = np.unique(np.quantile(ref, np.linspace(0, 1, 11)))
    r = floor_shares(numpy_bin_counts(ref, edges))
    c = floor_shares(numpy_bin_counts(current, edges))
    return float(np.sum((c - r) * np.log(c / r)))


@pytest.mark.parametrize("kind", list(TIED))
def test_tied_data_quantiles_are_numpys_within_one_cell(kind):
    rng = np.random.default_rng(12)
    ref, current = TIED[kind](rng, 20_000), TIED[kind](rng, 2_000) * 1.1
    grid = ReferenceGrid.from_values(ref)
    levels = (0.05, 0.5, 0.95)
    estimate = grid_quantiles(grid, grid_counts(current, grid.points), levels, current.min(), current.max())
    exact = np.quantile(current, levels, method="inverted_cdf")
    cells = np.concatenate([[current.min()], grid.points, [current.max()]])
    for got, want in zip(estimate, exact):
        k = np.searchsorted(cells, want)  # the cell holding the exact quantile, or its point
        assert cells[max(k - 1, 0)] - 1e-12 <= got <= cells[min(k, cells.size - 1)] + 1e-12
        if want in grid.points:
            assert got == want  # a value on a grid point is exact


def test_a_window_constant_at_a_common_value_is_exact():
    rng = np.random.default_rng(13)
    ref = atoms_with_tail(rng, 20_000)
    grid = ReferenceGrid.from_values(ref)
    current = np.full(500, 1280.0)
    window = grid_counts(current, grid.points)
    bracket = ks_bracket(grid, window)
    assert bracket.low == bracket.high == pytest.approx(stats.ks_2samp(ref, current).statistic, abs=1e-12)
    w1 = wasserstein(grid, window)
    assert abs(w1.value - stats.wasserstein_distance(ref, current)) <= w1.bound + 1e-9
    assert grid_quantiles(grid, window, (0.05, 0.5, 0.95), 1280.0, 1280.0).tolist() == [1280.0] * 3


def test_a_version_2_grid_places_ties_between_their_levels_and_is_exact_without_ties():
    rng = np.random.default_rng(14)
    smooth = rng.normal(size=10_000)
    from_levels = ReferenceGrid.of(np.quantile(smooth, GRID_LEVELS), GRID_LEVELS, smooth.size)
    exact = ReferenceGrid.from_values(smooth)
    assert not from_levels.exact and exact.exact
    opens = slice(2, -1, 2)
    assert from_levels.shares[opens] == pytest.approx(np.diff(GRID_LEVELS))
    assert np.abs(from_levels.shares - exact.shares).max() < 2 / smooth.size + 1e-12
    tied = atoms(rng, 10_000)
    old = ReferenceGrid.of(np.quantile(tied, GRID_LEVELS), GRID_LEVELS, tied.size)
    assert old.points.tolist() == [640.0, 1280.0, 1920.0]
    true_atoms = np.array([(tied == v).mean() for v in (640.0, 1280.0, 1920.0)])
    assert np.abs(old.shares[1::2] - true_atoms).max() <= 0.0051  # within one level step


def test_wasserstein_tails_beyond_the_reference_range_are_exact():
    grid = ReferenceGrid.of([0.0, 1.0, 2.0], (0.0, 0.5, 1.0), 100)
    # half the window at -3 (3 below the minimum), half at 5 (3 above the maximum)
    window = grid_counts(np.array([-3.0, 5.0]), grid.points)
    assert window.counts.tolist() == [1, 0, 0, 0, 0, 0, 1]
    # tails: (0 - (-3)) / 2 + (5 - 2) / 2 = 3; inside, F rises 0 -> 1 while G stays at 1/2
    estimate = wasserstein(grid, window)
    assert estimate.value == pytest.approx(3 + 0.25 + 0.25)  # |F - G| falls 1/2 -> 0, then rises 0 -> 1/2
    assert estimate.value == pytest.approx(stats.wasserstein_distance(np.linspace(0, 2, 100_001), [-3, 5]), abs=1e-4)


def test_decile_psi_matches_numpy_with_the_frozen_edges():
    rng = np.random.default_rng(3)
    ref = rng.normal(size=REF_N)
    grid = ReferenceGrid.from_values(ref)
    current = np.concatenate([rng.normal(0.3, 1.1, size=WINDOW_N), [-9.0, 9.0, 9.5]])
    assert decile_psi(grid, grid_counts(current, grid.points)) == pytest.approx(
        numpy_decile_psi(ref, current), rel=1e-12
    )
    assert decile_bins(grid)[0] == ("< min", *(f"d{i}" for i in range(1, 11)), "> max")


def test_tied_deciles_merge_into_one_bin_named_by_its_span():
    ref = np.concatenate([np.zeros(600), np.arange(1.0, 401.0)])  # 60% zeros
    labels, shares = decile_bins(ReferenceGrid.from_values(ref))
    assert labels[:3] == ("< min", "d1-d6", "d7")  # the 60% quantile is 0.4, between 0 and 1
    assert shares[1] == pytest.approx(0.6)


def test_grid_counts_place_ties_at_their_point_and_merge_by_addition():
    window = grid_counts([0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5], np.array([1.0, 2.0, 2.0, 3.0]))
    # below, {1}, (1,2), {2}, (2,3), {3}, above
    assert window.counts.tolist() == [1, 1, 1, 1, 1, 1, 1]
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
    left = (
        Moments.of(parts[0])
        .merge(Moments.of(parts[1]))
        .merge(Moments.of(parts[2]))
        .merge(Moments.of(parts[3]))
        .merge(Moments.of(parts[4]))
    )
    right = Moments.of(parts[0]).merge(
        Moments.of(parts[1]).merge(Moments.of(parts[2]).merge(Moments.of(parts[3]).merge(Moments.of(parts[4]))))
    )
    for m in (left, right):
        assert m.count == whole.size
        assert m.mean == pytest.approx(whole.mean(), rel=1e-12)
        assert m.std == pytest.approx(whole.std(ddof=1), rel=1e-10)
    assert math.isnan(Moments.of([]).std) and math.isnan(Moments.of([4.0]).std)


def test_degenerate_inputs_give_nan_never_an_exception():
    grid = ReferenceGrid.from_values(np.full(100, 7.0))  # a constant reference
    constant = grid_counts(np.full(50, 7.0), grid.points)
    assert ks_bracket(grid, constant).high == 0.0 and decile_psi(grid, constant) == pytest.approx(0.0)
    empty = grid_counts(np.array([]), grid.points)
    assert math.isnan(ks_bracket(grid, empty).low)
    assert math.isnan(wasserstein(grid, empty).value)
    assert math.isnan(decile_psi(grid, empty))
    assert wasserstein(grid, constant).value == 0.0
    assert math.isnan(grid_quantiles(grid, empty, (0.5,), 0.0, 0.0)[0])


def test_a_crossing_inside_an_interval_is_hand_worked():
    """Reference: 80% uniform on [0, 1), 20% on [1, 2] (grid 0, 1, 2 at levels 0, 0.8, 1);
    window: 30% at -1, 70% inside [1, 2]. G at the points is 0.3, 0.3, 1, so d = p - G
    runs -0.3 -> 0.5 (a crossing: (0.09 + 0.25) / (2 * 0.8) = 0.2125), then 0.5 -> 0
    (0.25); the tail below is 0.3 * (0 - (-1)) = 0.3. Total 0.7625."""
    current = [-1.0] * 3 + [1.2, 1.4, 1.5, 1.6, 1.7, 1.8, 1.9]
    grid = ReferenceGrid.of([0.0, 1.0, 2.0], (0.0, 0.8, 1.0), 200_000)
    estimate = wasserstein(grid, grid_counts(np.array(current), grid.points))
    assert estimate.value == pytest.approx(0.7625, abs=1e-12)
    reference = np.concatenate([np.linspace(0, 1, 160_000, endpoint=False), np.linspace(1, 2, 40_001)])
    assert abs(estimate.value - stats.wasserstein_distance(reference, current)) <= estimate.bound


def test_the_p_value_is_the_limiting_distribution_of_the_lower_end_and_conservative():
    rng = np.random.default_rng(6)
    grid = ReferenceGrid.from_values(rng.normal(size=20_000))
    window = grid_counts(rng.normal(0.05, 1, 3_000), grid.points)
    bracket = ks_bracket(grid, window)
    n_e = 3_000 * 20_000 / 23_000
    assert bracket.p_value == pytest.approx(stats.kstwobign.sf(math.sqrt(n_e) * bracket.low), rel=1e-12)
    exact = stats.kstwo.sf(bracket.low, round(n_e))
    assert exact <= bracket.p_value <= 1.05 * exact
    assert math.isnan(ks_bracket(ReferenceGrid.of(grid.points, np.linspace(0, 1, grid.points.size), 0), window).p_value)


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
    grid = ReferenceGrid.from_values(rng.normal(size=REF_N))
    estimate = wasserstein(grid, grid_counts(rng.normal(size=WINDOW_N), grid.points))
    assert 0.005 < estimate.bound < 0.05  # guaranteed and loose, but of this order (wasserstein.md)


def test_grid_counts_by_sorting_equal_a_search_of_every_value_in_the_grid():
    """The oracle places each value by itself: below, on a distinct point, strictly between
    two, above; ties in the grid (a lumpy reference) included."""
    rng = np.random.default_rng(3)
    for trial in range(60):
        reference = [rng.normal(size=200), rng.integers(0, 5, 200).astype(float), np.full(50, 2.0)][trial % 3]
        grid = np.quantile(reference, GRID_LEVELS)
        points = np.unique(grid)
        values = np.concatenate(
            [rng.normal(size=rng.integers(0, 300)), rng.choice(reference, 50), [grid[0], grid[-1], grid[-1]]]
        )
        left = np.searchsorted(points, values, side="left")
        on_point = points[np.minimum(left, points.size - 1)] == values
        cell = np.where(on_point, 1 + 2 * left, 2 * left)
        counted = grid_counts(values, grid)
        assert counted.counts.tolist() == np.bincount(cell, minlength=2 * points.size + 1).tolist()
        assert counted.below_sum == pytest.approx(values[values < grid[0]].sum())
        assert counted.above_sum == pytest.approx(values[values > grid[-1]].sum())
