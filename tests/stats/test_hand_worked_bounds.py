"""Grid statistics whose exact value a test must hold, not only a side of it: the Wasserstein
estimate and its error bound on a hand-worked grid (a bound too tight or too loose fails),
the quantiles read from the same grid, the grid levels themselves, and the missing-share
test against scipy, a one-row reference included."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from mlmon.stats.grid import (
    GRID_LEVELS,
    GridCounts,
    Moments,
    ReferenceGrid,
    decile_bins,
    grid_counts,
    grid_quantiles,
    ks_bracket,
    missing_share_test,
    wasserstein,
)

# Reference: points 0, 1, 3 (cells: below 0, {0}, (0, 1), {1}, (1, 3), {3}, above 3) and ten
# values 0 | 0.3 0.6 | 1 | 1.2 1.8 2.2 2.8 | 3 3, so cell shares 0, .1, .2, .1, .4, .2, 0.
REFERENCE_VALUES = [0.0, 0.3, 0.6, 1.0, 1.2, 1.8, 2.2, 2.8, 3.0, 3.0]
REFERENCE_CELLS = [0, 1, 2, 1, 4, 2, 0]
# Window: -1 | (none at 0) | 0.2 0.5 0.8 | 1 | 1.5 2.5 | 3 | 4 5: counts 1, 0, 3, 1, 2, 1, 2.
WINDOW_VALUES = [-1.0, 0.2, 0.5, 0.8, 1.0, 1.5, 2.5, 3.0, 4.0, 5.0]


def hand_worked() -> tuple[ReferenceGrid, GridCounts]:
    grid = ReferenceGrid.of([0.0, 1.0, 3.0], (0.0, 0.5, 1.0), len(REFERENCE_VALUES), REFERENCE_CELLS)
    return grid, grid_counts(np.array(WINDOW_VALUES), grid.points)


def test_the_hand_worked_window_lands_in_the_cells_counted_by_hand():
    grid, window = hand_worked()
    assert window.counts.tolist() == [1, 0, 3, 1, 2, 1, 2]
    assert (window.below_sum, window.above_sum) == (-1.0, 9.0)
    assert grid.shares.tolist() == pytest.approx([0.0, 0.1, 0.2, 0.1, 0.4, 0.2, 0.0], abs=1e-15)


def test_the_wasserstein_bound_is_half_the_width_weighted_shares_inside_the_intervals():
    """Bound = sum_i w_i (dF_i + dG_i) / 2 over the open intervals (0, 1) and (1, 3):
    (1 * (0.2 + 0.3) + 2 * (0.4 + 0.2)) / 2 = 0.85. Ties on the points add nothing."""
    grid, window = hand_worked()
    assert wasserstein(grid, window).bound == pytest.approx(0.85, abs=1e-12)


def test_the_wasserstein_estimate_is_the_hand_worked_sum_of_tails_and_trapezoids():
    """Tails: (0 - (-1)) / 10 below, ((4 - 3) + (5 - 3)) / 10 above: 0.4. F - G at the
    cell ends (cumulative shares 0 .1 .3 .4 .8 1 against 0 .1 .1 .4 .5 .7 .8 1):
    (0, 1) runs 0 -> -0.1 (same sign: 1 * 0.1 / 2 = 0.05); (1, 3) runs -0.1 -> 0.1, a
    crossing: 2 * (0.01 + 0.01) / (2 * 0.2) = 0.1 (a trapezoid would say 0.2). Total 0.55."""
    grid, window = hand_worked()
    estimate = wasserstein(grid, window)
    assert estimate.value == pytest.approx(0.55, abs=1e-12)
    exact = stats.wasserstein_distance(REFERENCE_VALUES, WINDOW_VALUES)
    assert abs(estimate.value - exact) <= estimate.bound


def test_the_wasserstein_bound_is_nearly_attained_when_the_values_sit_at_opposite_ends():
    """Points 0, 1. Reference: 0, two values just above 0, 1 (cells 0 1 2 1 0); window:
    four values just below 1 (cells 0 0 4 0 0). F - G runs 0.25 -> -0.25 across (0, 1),
    a crossing: (0.0625 + 0.0625) / (2 * 0.5) = 0.125. The raw distance is 0.75 (three
    quarters of the mass moves by 1), so the error is 0.625, five sixths of the bound
    1 * (0.5 + 1) / 2 = 0.75: a bound a third smaller would not hold."""
    grid = ReferenceGrid.of([0.0, 1.0], (0.0, 1.0), 4, [0, 1, 2, 1, 0])
    inside = np.full(4, 1 - 1e-9)
    estimate = wasserstein(grid, grid_counts(inside, grid.points))
    assert (estimate.value, estimate.bound) == (pytest.approx(0.125, abs=1e-12), pytest.approx(0.75, abs=1e-12))
    exact = stats.wasserstein_distance([0.0, 1e-9, 1e-9, 1.0], inside)
    assert exact == pytest.approx(0.75, abs=1e-8)
    assert 0.8 * estimate.bound < abs(estimate.value - exact) <= estimate.bound


def chi2_p(a: int, ref_rows: int, c: int, rows: int) -> float:
    table = np.array([[a, ref_rows - a], [c, rows - c]])
    return float(stats.chi2_contingency(table, correction=False).pvalue)


@pytest.mark.parametrize(
    ("reference_missing", "reference_rows", "missing", "rows"),
    [
        (0, 1, 5, 10),  # a one-row reference, present: chi2 = 11 * 25 / 300
        (1, 1, 5, 10),  # a one-row reference, missing
        (0, 1, 1, 2),
        (3, 10, 0, 1),  # a one-row window
        (2, 10, 1, 1),
        (10, 100, 40, 100),
        (500, 10_000, 90, 1_000),
        (1, 3, 2, 3),
    ],
)
def test_the_missing_share_test_is_scipys_chi_squared_without_correction(
    reference_missing, reference_rows, missing, rows
):
    p = missing_share_test(reference_missing, reference_rows, missing, rows)
    assert p == pytest.approx(chi2_p(reference_missing, reference_rows, missing, rows), rel=1e-12)


def test_a_one_row_reference_is_tested_not_refused():
    """(0 of 1 missing) against (5 of 10): N = 11, ad - bc = -5, margins 5, 6, 1, 10:
    chi2 = 11 * 25 / 300 = 0.91667, p = P(chi2_1 > 0.91667) = 0.33835."""
    p = missing_share_test(0, 1, 5, 10)
    assert p == pytest.approx(stats.chi2.sf(11 * 25 / 300, 1), rel=1e-12)
    assert p == pytest.approx(0.33835, abs=1e-5)
    assert missing_share_test(1, 1, 0, 1) == pytest.approx(stats.chi2.sf(2.0, 1), rel=1e-12)  # one row each side


def test_an_empty_margin_is_nothing_to_test_and_no_rows_is_nan():
    assert missing_share_test(0, 1, 0, 10) == 1.0  # nothing missing on either side
    assert missing_share_test(1, 1, 10, 10) == 1.0  # everything missing on both sides
    assert missing_share_test(3, 10, 6, 20) == pytest.approx(1.0)  # the same share: chi2 = 0
    assert math.isnan(missing_share_test(0, 0, 5, 10))
    assert math.isnan(missing_share_test(0, 1, 0, 0))


def test_grid_quantiles_interpolate_inside_each_cell_of_the_hand_worked_window():
    """Cumulative shares at the cell ends 0 .1 .1 .4 .5 .7 .8 1. q = 0.3 falls in (0, 1)
    (share .3): 0 + (0.3 - 0.1) / 0.3 = 2/3; q = 0.45 on the point 1; q = 0.6 in (1, 3):
    1 + 2 (0.1 / 0.2) = 2; q = 0.95 above the range, [3, 5] (the window's maximum):
    3 + 2 (0.15 / 0.2) = 4.5; q = 0.05 below it, [-1, 0]: -0.5; q = 0 and 1 the extremes."""
    grid, window = hand_worked()
    levels = [0.0, 0.05, 0.3, 0.45, 0.6, 0.95, 1.0]
    found = grid_quantiles(grid, window, levels, min(WINDOW_VALUES), max(WINDOW_VALUES))
    assert found.tolist() == pytest.approx([-1.0, -0.5, 2 / 3, 1.0, 2.0, 4.5, 5.0], abs=1e-12)
    exact = np.quantile(WINDOW_VALUES, levels, method="inverted_cdf")
    cells = grid_counts(exact, grid.points).counts  # the exact quantiles lie in the same cells
    assert cells.tolist() == grid_counts(found, grid.points).counts.tolist()


def test_the_grid_levels_are_the_documented_tails_and_half_percent_steps():
    tail = [0.0, 1e-5, 1e-4, 5e-4, 1e-3, 2e-3, 3e-3, 4e-3]
    assert len(GRID_LEVELS) == 215
    assert list(GRID_LEVELS[:8]) == tail and list(GRID_LEVELS[-8:]) == [round(1 - t, 5) for t in reversed(tail)]
    assert list(GRID_LEVELS[8:-8]) == pytest.approx([i * 0.005 for i in range(1, 200)], abs=1e-12)


def test_a_constant_reference_has_one_bin_spanning_every_decile():
    grid = ReferenceGrid.from_values(np.full(100, 7.0))
    labels, shares = decile_bins(grid)
    assert labels == ("< min", "d1-d10", "> max")
    assert shares.tolist() == [0.0, 1.0, 0.0]


def test_no_values_have_count_0_mean_nan_and_no_spread():
    empty = Moments.of([])
    assert (empty.count, empty.m2) == (0, 0.0) and math.isnan(empty.mean) and math.isnan(empty.std)
    assert Moments.of([3.0]).m2 == 0.0  # one value: no spread either
    assert empty.merge(Moments.of([1.0, 3.0])) == Moments(2, 2.0, 2.0)


def test_a_one_value_reference_still_brackets_ks():
    """Reference 5 (one value) against 4 and 6: F jumps 0 -> 1 at 5, G is 0.5 between 4 and 6,
    so D = 0.5 exactly (scipy agrees); n_e = 2 * 1 / 3."""
    grid = ReferenceGrid.from_values([5.0])
    bracket = ks_bracket(grid, grid_counts(np.array([4.0, 6.0]), grid.points))
    assert bracket.low == bracket.high == 0.5 == stats.ks_2samp([5.0], [4.0, 6.0]).statistic
    assert bracket.p_value == pytest.approx(stats.kstwobign.sf(math.sqrt(2 / 3) * 0.5), rel=1e-12)
