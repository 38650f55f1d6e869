"""Feature states and statistics at their edges: a categorical state has no moments, an
absent column is all missing, a discrete feature counts zero or one value, the grid points
shared by every window of a run cannot be written to, a continuous reference without a
grid or without spread cannot be judged, and one category on both sides is identical
(p = 1), not unknown."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import polars as pl
import pytest

from mlmon.analyses import features
from mlmon.analyses.features import CategoryState, feature_drift, window_state, window_states
from mlmon.reference.build import build_profile

RNG = np.random.default_rng(11)


@pytest.fixture(scope="module")
def reference():
    frame = pl.DataFrame(
        {"x": RNG.normal(10, 2, 5_000), "camera": ["cam01"] * 5_000, "flag": RNG.integers(0, 2, 5_000).astype(float)}
    )
    return build_profile(frame, label=None, features=["x", "camera", "flag"])


def test_a_categorical_state_counts_values_and_has_no_moments(reference):
    state = window_state(pl.Series(["cam01", "cam02", None, "cam01"]), reference.features["camera"])
    assert isinstance(state, CategoryState)
    assert (state.counts, state.missing, state.moments.count) == ({"cam01": 2, "cam02": 1}, 1, 0)
    assert state.merge(state).moments.count == 0


def test_an_absent_column_is_all_missing(reference):
    states = window_states(
        pl.DataFrame({"other": [1, 2, 3]}), {"camera": reference.features["camera"], "x": reference.features["x"]}
    )
    assert (states["camera"].counts, states["camera"].missing) == ({}, 3)
    assert (states["x"].present, states["x"].missing) == (0, 3)


def test_the_cached_grid_points_cannot_be_written_to():
    points = features._grid_points((1.0, 2.0, 2.0, 3.0))
    assert points.tolist() == [1.0, 2.0, 3.0]
    with pytest.raises(ValueError):
        points[0] = 0.0


def test_a_continuous_reference_without_spread_cannot_be_judged(reference):
    flat = dataclasses.replace(reference.features["x"], std=0.0)
    state = window_state(pl.Series([9.0, 10.0, 11.0]), reference.features["x"])
    result = feature_drift(flat, state, reference.grid_levels)
    assert result.unknown == "the reference values are all equal" and math.isnan(result.p_value)


def test_one_category_on_both_sides_is_identical_not_unknown(reference):
    state = window_state(pl.Series(["cam01"] * 300), reference.features["camera"])
    result = feature_drift(reference.features["camera"], state, reference.grid_levels)
    assert (result.unknown, result.p_value, result.psi, result.n) == (None, 1.0, 0.0, 300)
    moved = feature_drift(
        reference.features["camera"],
        window_state(pl.Series(["cam02"] * 300), reference.features["camera"]),
        reference.grid_levels,
    )
    assert moved.unknown is None and moved.p_value < 1e-10 and moved.unseen == {"cam02": 1.0}


@pytest.mark.parametrize(("values", "counts"), [([], {}), ([None, float("nan")], {}), ([1.0], {"1.0": 1})])
def test_a_discrete_feature_counts_no_value_or_one(reference, values, counts):
    state = window_state(pl.Series(values, dtype=pl.Float64), reference.features["flag"])
    assert isinstance(state, CategoryState) and state.counts == counts and state.present == len(counts)


def test_a_continuous_reference_without_a_grid_or_without_levels_cannot_be_judged(reference):
    x = reference.features["x"]
    state = window_state(pl.Series([9.0, 10.0, 11.0]), x)
    no_grid = feature_drift(dataclasses.replace(x, grid=()), state, reference.grid_levels)
    no_levels = feature_drift(x, state, ())
    expected = "the reference profile has no quantile grid (version 1): rebuild it"
    assert no_grid.unknown == no_levels.unknown == expected
