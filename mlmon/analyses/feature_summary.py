"""A feature's reference and current distributions side by side: the numbers behind the
"top movers" of feature drift (mean, std, p5/p50/p95, missing share, and bars to draw).

The current side comes from the merged window states, never from raw values: a
continuous feature's quantiles are placed on the reference grid
(:func:`mlmon.stats.grid_quantiles`, within one grid interval of the exact value), a
discrete feature's come from its value counts (exact, the inverted CDF), and a categorical
feature has none.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import cast

import numpy as np

from mlmon import stats
from mlmon.analyses.features import FeatureState, NumericState, merge_states, reference_grid
from mlmon.reference.profile import CategoricalFeature, NumericFeature
from mlmon.stats.grid import GRID_LEVELS, ReferenceGrid

SUMMARY_LEVELS = (0.05, 0.5, 0.95)
"""The quantiles shown per feature."""
TOP_BARS = 6
"""Values or categories drawn per discrete or categorical feature; the rest pool as ``other``."""


@dataclass(frozen=True)
class Distribution:
    """One side's summary of a feature."""

    n: int
    """Values present."""
    missing_share: float
    """Share of rows with the value missing."""
    mean: float
    """Mean (numeric; nan otherwise)."""
    std: float
    """Sample standard deviation (numeric; nan otherwise)."""
    quantiles: tuple[float, ...]
    """Values at :data:`SUMMARY_LEVELS` (numeric; nan otherwise)."""


@dataclass(frozen=True)
class Bars:
    """Shares per bin on both sides, to draw as a small histogram."""

    labels: tuple[str, ...]
    """Bin names: ``< min``, deciles ``d1``..``d10`` (``d1-d7`` where ties merge deciles),
    ``> max`` (continuous), or values."""
    reference: tuple[float, ...]
    """Reference share per bin."""
    current: tuple[float, ...]
    """Current share per bin."""


@dataclass(frozen=True)
class FeatureSummary:
    """Reference against current, over the whole run."""

    reference: Distribution
    """From the profile."""
    current: Distribution
    """From every window's state merged."""
    bars: Bars
    """The histogram of both."""


def merged_state(states: list[FeatureState]) -> FeatureState | None:
    """Every window's state of one feature, merged (None when there is none)."""
    merged = None
    for state in states:
        merged = state if merged is None else merge_states(merged, state)
    return merged


def summarize(
    reference: NumericFeature | CategoricalFeature, state: FeatureState, levels: tuple[float, ...] = GRID_LEVELS
) -> FeatureSummary:
    """The summary of one feature: the profile's numbers and the merged state's
    (``levels``: the profile's grid levels)."""
    ref = Distribution(
        reference.count,
        reference.missing_share,
        getattr(reference, "mean", math.nan),
        getattr(reference, "std", math.nan),
        tuple(reference.quantiles.get(q, math.nan) for q in SUMMARY_LEVELS)
        if isinstance(reference, NumericFeature)
        else _nans(),
    )
    if isinstance(state, NumericState):
        on_grid = cast(NumericFeature, reference)  # a grid state is counted against a numeric reference
        grid = reference_grid(on_grid, levels) if on_grid.grid else None
        return FeatureSummary(ref, _continuous(grid, state), _decile_bars(grid, state))
    counts = reference.category_counts if isinstance(reference, CategoricalFeature) else reference.value_counts
    n = state.present
    numeric = isinstance(reference, NumericFeature)
    current = Distribution(
        n,
        _share(state.missing, n + state.missing),
        state.moments.mean if numeric else math.nan,
        state.moments.std if numeric else math.nan,
        _discrete_quantiles(state.counts) if numeric else _nans(),
    )
    return FeatureSummary(ref, current, _category_bars(counts, state.counts, numeric))


def _continuous(grid: ReferenceGrid | None, state: NumericState) -> Distribution:
    n = state.present
    quantiles = _nans()
    if n and grid is not None:
        quantiles = tuple(
            map(float, stats.grid_quantiles(grid, state.grid, SUMMARY_LEVELS, state.lowest, state.highest))
        )
    return Distribution(n, _share(state.missing, n + state.missing), state.moments.mean, state.moments.std, quantiles)


def _decile_bars(grid: ReferenceGrid | None, state: NumericState) -> Bars:
    """Both sides' actual shares in the PSI bins: the reference deciles, merged where ties
    make several deciles one value (``d1-d7``)."""
    if grid is None or state.grid.counts.size == 0:
        labels = ("< min", *(f"d{i}" for i in range(1, 11)), "> max")
        return Bars(labels, (0.0, *[0.1] * 10, 0.0), (math.nan,) * 12)
    labels, reference = stats.decile_bins(grid)
    current = stats.decile_counts(grid, state.grid).astype(float)
    total = current.sum()
    shares = tuple(map(float, current / total)) if total else (math.nan,) * len(labels)
    return Bars(labels, tuple(map(float, reference)), shares)


def _category_bars(reference: dict[str, int], current: dict[str, int], numeric: bool) -> Bars:
    ref_total, cur_total = sum(reference.values()), sum(current.values())
    ref = {k: v / ref_total for k, v in reference.items()} if ref_total else {}
    cur = {k: v / cur_total for k, v in current.items()} if cur_total else {}
    names = sorted(set(ref) | set(cur), key=lambda k: (-max(ref.get(k, 0.0), cur.get(k, 0.0)), k))
    shown = names[:TOP_BARS]
    if numeric:
        shown.sort(key=float)
    labels, ref_shares, cur_shares = list(shown), [ref.get(k, 0.0) for k in shown], [cur.get(k, 0.0) for k in shown]
    if len(names) > TOP_BARS:
        labels.append("other")
        ref_shares.append(max(0.0, 1.0 - sum(ref_shares)) if ref else 0.0)
        cur_shares.append(max(0.0, 1.0 - sum(cur_shares)) if cur else 0.0)
    return Bars(tuple(labels), tuple(ref_shares), tuple(cur_shares))


def _discrete_quantiles(counts: dict[str, int]) -> tuple[float, ...]:
    """Quantiles of values given as counts: the smallest value whose cumulative share
    reaches the level (numpy's ``inverted_cdf``)."""
    if not counts:
        return _nans()
    values = np.array([float(k) for k in counts])
    order = np.argsort(values)
    weights = np.array(list(counts.values()), dtype=float)[order]
    cumulative = np.cumsum(weights) / weights.sum()
    index = np.searchsorted(cumulative, np.array(SUMMARY_LEVELS) - 1e-12, side="left")
    return tuple(float(values[order][min(i, values.size - 1)]) for i in index)


def _share(part: int, whole: int) -> float:
    return part / whole if whole else math.nan


def _nans() -> tuple[float, ...]:
    return (math.nan,) * len(SUMMARY_LEVELS)
