"""Grid quantiles on a reference of one distinct value (a constant feature): the grid has a
single point ``u_0 = u_K``, so the cells are below it, at it and above it, and the tails
are read against that one point (a mutation survivor: the top cell's high edge read from
a second point, which a one-point grid does not have)."""

from __future__ import annotations

import numpy as np
import pytest

from mlmon.stats.grid import ReferenceGrid, grid_counts, grid_quantiles

REFERENCE = np.full(50, 5.0)
# Window 3 | 5 5 | 9: cell counts 1, 2, 1; cumulative shares at the cell ends .25 .75 1.
WINDOW = np.array([3.0, 5.0, 5.0, 9.0])


def test_a_constant_reference_is_a_one_point_grid_with_three_cells():
    grid = ReferenceGrid.from_values(REFERENCE)
    assert grid.points.tolist() == [5.0]
    assert grid.shares.tolist() == [0.0, 1.0, 0.0]
    assert grid_counts(WINDOW, grid.points).counts.tolist() == [1, 2, 1]


def test_quantiles_on_a_one_point_grid_interpolate_in_each_tail_against_that_point():
    """By hand: q = 0.1 falls below the point, [3, 5] with share .25: 3 + 2 (0.1 / 0.25) = 3.8;
    q = 0.5 on the point: 5; q = 0.9 above it, [5, 9]: 5 + 4 (0.15 / 0.25) = 7.4; q = 0 and
    1 the window's extremes."""
    grid = ReferenceGrid.from_values(REFERENCE)
    window = grid_counts(WINDOW, grid.points)
    levels = [0.0, 0.1, 0.5, 0.9, 1.0]
    found = grid_quantiles(grid, window, levels, float(WINDOW.min()), float(WINDOW.max()))
    assert found.tolist() == pytest.approx([3.0, 3.8, 5.0, 7.4, 9.0], abs=1e-12)
    exact = np.quantile(WINDOW, levels, method="inverted_cdf")  # numpy's, in the same cells
    assert grid_counts(exact, grid.points).counts.tolist() == grid_counts(found, grid.points).counts.tolist()


def test_a_window_all_above_a_one_point_grid_spans_from_the_point_to_its_maximum():
    """Every value above 5, so the one non-empty cell is [5, 8]: q = 0.5 gives 6.5."""
    grid = ReferenceGrid.from_values(REFERENCE)
    window = grid_counts(np.array([6.0, 7.0, 8.0]), grid.points)
    assert grid_quantiles(grid, window, [0.5, 1.0], 6.0, 8.0).tolist() == pytest.approx([6.5, 8.0], abs=1e-12)
