"""Feature summaries at two edges the earlier tests missed (mutation survivors), hand-worked:
the pooled ``other`` bar when the window's own values fall in it (its window side was
computed as 0 - shown instead of 1 - shown, read as 0 either way while every window value
was shown), and discrete quantiles whose share falls 1.1e-12 below a level (a looser
rounding tolerance took the value below for the quantile)."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import numpy as np
import polars as pl
import pytest

from mlmon.analyses.feature_summary import SUMMARY_LEVELS, TOP_BARS, summarize
from mlmon.analyses.features import CategoryState, window_state
from mlmon.reference.build import build_profile

NAMES = [f"c{i}" for i in range(9)]


def test_the_window_share_of_the_pooled_categories_is_drawn_as_other():
    """Reference c0..c8, 10 each (1/9 each); window c0..c8 and a new category, 10 each (0.1
    each). Ordered by their larger share, then by name: c0..c5 are shown (1/9 > 0.1), and
    c6, c7, c8 and new pool: reference 3/9, window 4 x 0.1 = 0.4."""
    reference = build_profile(pl.DataFrame({"region": np.repeat(NAMES, 10)}), label=None, features=["region"])
    feature = reference.features["region"]
    values = pl.Series(list(np.repeat([*NAMES, "new"], 10)))
    bars = summarize(feature, window_state(values, feature)).bars
    assert TOP_BARS == 6
    assert bars.labels == ("c0", "c1", "c2", "c3", "c4", "c5", "other")
    assert bars.reference == pytest.approx((*[1 / 9] * 6, 3 / 9), abs=1e-12)
    assert bars.current == pytest.approx((*[0.1] * 6, 0.4), abs=1e-12)


def _inverted_cdf(counts: dict[float, int], level: Fraction) -> float:
    """The smallest value whose cumulative count reaches ``level`` of the total, in exact
    rational arithmetic (numpy's ``inverted_cdf`` without rounding)."""
    total, running = sum(counts.values()), 0
    for value in sorted(counts):
        running += counts[value]
        if Fraction(running, total) >= level:
            return value
    raise AssertionError("unreachable: the last value reaches every level")


def test_discrete_quantiles_stay_exact_when_a_share_falls_a_hair_below_a_level():
    """45,454,545,454 ones and the rest of 909,090,909,100 values twos: the ones' share is
    1/20 - 1/909090909100 (1.1e-12 below p5), so p5 is already 2. The summary's tolerance
    for rounding (1e-12) must not take the ones for p5."""
    reference = build_profile(
        pl.DataFrame({"x": np.repeat([1.0, 2.0, 3.0], [10, 10, 10])}), label=None, features=["x"]
    ).features["x"]
    small = window_state(pl.Series([1.0, 2.0]), reference)
    assert isinstance(small, CategoryState) and set(small.counts) == {"1.0", "2.0"}
    total, ones = 909_090_909_100, 45_454_545_454
    state = replace(small, counts={"1.0": ones, "2.0": total - ones})
    levels = [Fraction(level).limit_denominator(100) for level in SUMMARY_LEVELS]  # 1/20, 1/2, 19/20
    exact = tuple(_inverted_cdf({1.0: ones, 2.0: total - ones}, level) for level in levels)
    assert exact == (2.0, 2.0, 2.0)
    assert summarize(reference, state).current.quantiles == exact
    at_level = replace(small, counts={"1.0": 5, "2.0": 95})  # exactly 1/20: p5 is the one
    assert summarize(reference, at_level).current.quantiles == (1.0, 2.0, 2.0)
