"""Feature states and drift at edges the earlier tests missed (mutation survivors): a
continuous reference whose spread is below 1 is judged like any other (only a spread of 0
is "all equal"), and a reference without a grid counts a window on no cells at all."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from scipy import stats as scipy_stats

from mlmon.analyses.features import NumericState, feature_drift, window_state
from mlmon.reference.build import build_profile


def test_a_continuous_reference_with_a_spread_below_one_is_judged():
    """Uniform on [0, 1] (std about 0.29): the window's KS statistic is computed, inside its
    bracket around scipy's exact value, and the mean shift is in reference sds."""
    rng = np.random.default_rng(7)
    ref_values, values = rng.uniform(0, 1, 4_000), rng.uniform(0.1, 1.1, 1_000)
    profile = build_profile(pl.DataFrame({"x": ref_values}), label=None, features=["x"])
    reference = profile.features["x"]
    assert 0 < reference.std < 1
    drift = feature_drift(reference, window_state(pl.Series(values), reference), profile.grid_levels)
    assert drift.unknown is None and drift.kind == "continuous"
    exact = scipy_stats.ks_2samp(ref_values, values).statistic
    assert drift.ks is not None and drift.ks.low - 1e-12 <= exact <= drift.ks.high + 1e-12
    assert drift.mean_shift_sd == pytest.approx((values.mean() - ref_values.mean()) / ref_values.std(ddof=1), rel=1e-9)


def test_a_reference_with_no_values_counts_a_window_on_no_cells():
    """No reference values, so no grid: the window keeps its moments and extremes, and its
    grid counts are empty with nothing beyond either end."""
    reference = build_profile(
        pl.DataFrame({"x": pl.Series([None] * 5, dtype=pl.Float64)}), label=None, features=["x"]
    ).features["x"]
    assert not reference.grid and not reference.value_counts
    state = window_state(pl.Series([2.0, 5.0, math.nan]), reference)
    assert isinstance(state, NumericState)
    assert state.grid.counts.tolist() == [] and (state.grid.below_sum, state.grid.above_sum) == (0.0, 0.0)
    assert (state.present, state.missing, state.lowest, state.highest) == (2, 1, 2.0, 5.0)
