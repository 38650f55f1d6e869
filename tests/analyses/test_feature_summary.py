"""The top movers' summaries: the window side against numpy on the raw values, the
reference side from the profile, and the bars that are drawn."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from mlmon.analyses.feature_summary import SUMMARY_LEVELS, merged_state, summarize
from mlmon.analyses.features import window_state
from mlmon.reference.build import build_profile


def _profile(**columns):
    return build_profile(pl.DataFrame(columns), label=None, features=list(columns))


def test_summary_levels_are_p5_p50_p95():
    assert SUMMARY_LEVELS == (0.05, 0.5, 0.95)


def test_a_continuous_window_is_summarized_within_one_grid_interval_of_numpy():
    rng = np.random.default_rng(41)
    reference = _profile(x=rng.normal(10, 2, 20_000)).features["x"]
    values = np.concatenate([rng.normal(11, 3, 5_000), [np.nan] * 50])
    summary = summarize(reference, window_state(pl.Series(values), reference))
    finite = values[np.isfinite(values)]
    assert (summary.current.n, summary.current.missing_share) == (5_000, pytest.approx(50 / 5_050))
    assert summary.current.mean == pytest.approx(finite.mean()) and summary.current.std == pytest.approx(
        finite.std(ddof=1)
    )
    grid = np.asarray(reference.grid)
    for estimate, exact in zip(summary.current.quantiles, np.quantile(finite, SUMMARY_LEVELS)):
        inside = np.searchsorted(grid, exact)
        low = grid[inside - 1] if inside > 0 else finite.min()
        high = grid[inside] if inside < grid.size else finite.max()
        assert low <= estimate <= high
    ref = summary.reference
    assert (ref.n, ref.missing_share, ref.mean, ref.std) == (20_000, 0.0, reference.mean, reference.std)
    assert ref.quantiles == tuple(reference.quantiles[q] for q in SUMMARY_LEVELS)


def test_tails_beyond_the_reference_range_use_the_window_extremes():
    reference = _profile(x=np.linspace(0, 1, 1_001)).features["x"]
    values = np.concatenate([np.full(100, -5.0), np.linspace(0, 1, 800), np.full(100, 7.0)])
    p5, p50, p95 = summarize(reference, window_state(pl.Series(values), reference)).current.quantiles
    # each in the interval holding the exact value: [window min, reference min] and
    # [reference max, window max], placed linearly (exact p5 = -5, p95 = 7)
    assert (p5, p95) == pytest.approx((-2.5, 4.0)) and p50 == pytest.approx(0.5, abs=0.01)


def test_decile_bars_are_the_window_shares_per_reference_decile_with_the_two_tails():
    reference = _profile(x=np.arange(1_000.0)).features["x"]
    values = np.concatenate([[-1.0] * 10, np.arange(0.0, 500.0), [2_000.0] * 90])  # 600 values
    bars = summarize(reference, window_state(pl.Series(values), reference)).bars
    assert bars.labels == ("< min", "d1", "d2", "d3", "d4", "d5", "d6", "d7", "d8", "d9", "d10", "> max")
    assert bars.reference == pytest.approx((0.0, *[0.1] * 10, 0.0))
    edges = np.quantile(np.arange(1_000.0), np.linspace(0, 1, 11))
    inner = np.histogram(np.arange(0.0, 500.0), bins=edges)[0]
    assert bars.current == pytest.approx([10 / 600, *(inner / 600), 90 / 600])


def test_a_discrete_window_has_exact_inverted_cdf_quantiles_and_bars_per_value():
    reference = _profile(iso=np.repeat([100.0, 200.0, 400.0, 800.0], [30, 30, 30, 10])).features["iso"]
    values = np.repeat([100.0, 200.0, 400.0, 1600.0], [5, 80, 10, 5])
    summary = summarize(reference, window_state(pl.Series(values), reference))
    assert summary.current.quantiles == tuple(np.quantile(values, SUMMARY_LEVELS, method="inverted_cdf"))
    assert summary.current.mean == pytest.approx(values.mean()) and summary.current.std == pytest.approx(
        values.std(ddof=1)
    )
    assert summary.bars.labels == ("100.0", "200.0", "400.0", "800.0", "1600.0")  # in numeric order
    assert summary.bars.reference == pytest.approx((0.3, 0.3, 0.3, 0.1, 0.0))
    assert summary.bars.current == pytest.approx((0.05, 0.8, 0.1, 0.0, 0.05))


def test_categories_beyond_the_shown_ones_pool_as_other_and_shares_still_sum_to_one():
    names = [f"c{i}" for i in range(9)]
    reference = _profile(region=np.repeat(names, 10)).features["region"]
    values = pl.Series(["c0"] * 50 + ["c1"] * 20 + ["new"] * 30 + [None] * 25)
    summary = summarize(reference, window_state(values, reference))
    assert summary.bars.labels[:3] == ("c0", "new", "c1") and summary.bars.labels[-1] == "other"
    assert len(summary.bars.labels) == 7
    assert sum(summary.bars.current) == pytest.approx(1.0) and sum(summary.bars.reference) == pytest.approx(1.0)
    assert summary.bars.current[1] == pytest.approx(0.3) and summary.bars.reference[1] == 0.0
    current = summary.current
    assert (current.n, current.missing_share) == (100, pytest.approx(25 / 125))
    assert all(math.isnan(v) for v in (current.mean, current.std, *current.quantiles))


def test_states_merge_in_any_order_to_the_summary_of_all_values():
    rng = np.random.default_rng(42)
    reference = _profile(x=rng.normal(size=5_000)).features["x"]
    parts = [rng.normal(0.2, 1.1, size) for size in (700, 1, 1_300)]
    states = [window_state(pl.Series(part), reference) for part in parts]
    merged = summarize(reference, merged_state(states[::-1])).current
    whole = np.concatenate(parts)
    assert (
        merged.n == 2_001
        and merged.mean == pytest.approx(whole.mean())
        and merged.std == pytest.approx(whole.std(ddof=1))
    )
    assert merged_state([]) is None


def test_an_empty_window_summarizes_to_nan_never_an_error():
    reference = _profile(x=np.arange(100.0)).features["x"]
    summary = summarize(reference, window_state(pl.Series([None, None], dtype=pl.Float64), reference))
    assert summary.current.n == 0 and summary.current.missing_share == 1.0
    assert all(math.isnan(q) for q in summary.current.quantiles)
    assert all(math.isnan(v) for v in summary.bars.current)


def test_a_reference_without_values_draws_even_deciles_and_no_window_bars():
    reference = _profile(x=pl.Series([None] * 10, dtype=pl.Float64)).features["x"]
    summary = summarize(reference, window_state(pl.Series([1.0, 2.0]), reference))
    assert summary.bars.reference == (0.0, *[0.1] * 10, 0.0) and len(summary.bars.current) == 12
    assert all(math.isnan(v) for v in summary.bars.current)
    assert summary.current.n == 2 and all(math.isnan(q) for q in summary.current.quantiles)


def test_with_no_window_values_the_pooled_bar_is_zero_on_that_side():
    names = [f"c{i}" for i in range(9)]
    reference = _profile(region=np.repeat(names, 10)).features["region"]
    bars = summarize(reference, window_state(pl.Series([None] * 5, dtype=pl.String), reference)).bars
    assert bars.labels[-1] == "other" and bars.current == (0.0,) * 7
    assert bars.reference[-1] == pytest.approx(3 / 9)
