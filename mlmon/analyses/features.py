"""Feature drift numbers: what a window keeps per input feature, and the statistics that
compare it with the reference profile. Numbers only; ``mlmon.verdicts`` says what they mean.

A window's state per feature merges by addition (chunks, files, hosts):

* a **continuous** numeric feature: counts in the cells of the reference quantile grid
  (at each distinct point and strictly between points, so ties are exact), the sums beyond
  the reference range, Chan-merged moments, and the missing count
  (:class:`NumericState`, statistics in :mod:`mlmon.stats.grid`);
* a **discrete** numeric feature (at most ``DISCRETE_VALUES`` distinct reference values,
  such as a 0/1 flag or an image width) and a categorical one: counts per value, and the
  missing count (:class:`CategoryState`). Values are compared as categories: a quantile
  grid of ties brackets KS badly, and chi-squared is exact on categories.

A value is *missing* when it is null, NaN or infinite: absent is missing, not zero.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import cast

import numpy as np
import polars as pl

from mlmon import stats
from mlmon.reference.keys import category_keys, value_keys
from mlmon.reference.profile import CategoricalFeature, NumericFeature
from mlmon.stats.arrays import Floats
from mlmon.stats.grid import Estimate, GridCounts, KSBracket, Moments, ReferenceGrid


@dataclass(frozen=True)
class NumericState:
    """One window's finite values of a continuous numeric feature, on the reference grid."""

    grid: GridCounts
    """Counts per grid interval, and the sums beyond the reference range."""
    moments: Moments
    """Count, mean and M2 of the finite values."""
    missing: int
    """Values that were null, NaN or infinite."""
    lowest: float = math.inf
    """Smallest finite value (inf when none)."""
    highest: float = -math.inf
    """Largest finite value (-inf when none)."""

    @property
    def present(self) -> int:
        """Values present (finite)."""
        return self.moments.count

    def merge(self, other: NumericState) -> NumericState:
        return NumericState(
            self.grid.merge(other.grid),
            self.moments.merge(other.moments),
            self.missing + other.missing,
            min(self.lowest, other.lowest),
            max(self.highest, other.highest),
        )


@dataclass(frozen=True)
class CategoryState:
    """One window's values of a categorical or discrete numeric feature, counted by value."""

    counts: dict[str, int] = field(default_factory=dict)
    """Count per value (a number keyed by :func:`~mlmon.reference.keys.value_keys`, a
    category by :func:`~mlmon.reference.keys.category_keys`)."""
    missing: int = 0
    """Values that were null (or NaN/infinite, for a numeric feature)."""
    moments: Moments = Moments(0, math.nan, 0.0)
    """Moments of a discrete numeric feature's values (count 0 for a categorical one)."""

    @property
    def present(self) -> int:
        """Values present."""
        return sum(self.counts.values())

    def merge(self, other: CategoryState) -> CategoryState:
        return CategoryState(
            dict(Counter(self.counts) + Counter(other.counts)),
            self.missing + other.missing,
            self.moments.merge(other.moments),
        )


FeatureState = NumericState | CategoryState


def merge_states(left: FeatureState, right: FeatureState) -> FeatureState:
    """Two states of one feature merged: both on the grid, or both counted by value."""
    if isinstance(left, NumericState):
        return left.merge(cast(NumericState, right))
    return left.merge(cast(CategoryState, right))


def window_state(values: pl.Series, reference: NumericFeature | CategoricalFeature) -> FeatureState:
    """One window's state of one feature, shaped by its reference profile."""
    return window_states(pl.DataFrame({"values": values}), {"values": reference})["values"]


def window_states(
    rows: pl.DataFrame,
    references: Mapping[str, NumericFeature | CategoricalFeature],
    column_of: Callable[[str], str] = str,
) -> dict[str, FeatureState]:
    """Every feature's state in one window of ``rows`` (feature ``name`` in the column
    ``column_of(name)``; an absent column is all missing). A numeric feature's finite
    values are sorted once (numpy, outside the GIL), then counted on its grid or by value."""
    present = {name for name in references if column_of(name) in rows.columns}
    states: dict[str, FeatureState] = {}
    for name, ref in references.items():
        if isinstance(ref, CategoricalFeature):
            text = (
                category_keys(rows.get_column(column_of(name)))
                if name in present
                else pl.Series([None] * rows.height, dtype=pl.String)
            )
            states[name] = CategoryState(_counts(text.drop_nulls()), int(text.null_count()))
            continue
        values = (
            rows.get_column(column_of(name)).cast(pl.Float64, strict=False).to_numpy()
            if name in present
            else np.zeros(0)
        )
        ordered = np.sort(values[np.isfinite(values)])  # nulls read as NaN
        states[name] = _numeric_state(ordered, rows.height - ordered.size, ref)
    return states


def _numeric_state(ordered: Floats, missing: int, reference: NumericFeature) -> FeatureState:
    """The state of a numeric feature from its finite values, sorted."""
    moments = Moments.of(ordered)
    if reference.value_counts:
        return CategoryState(_value_counts(ordered), missing, moments)
    low, high = (float(ordered[0]), float(ordered[-1])) if ordered.size else (math.inf, -math.inf)
    if not reference.grid:  # no reference values, or a version-1 profile: nothing to count on
        return NumericState(GridCounts(np.zeros(0, dtype=np.int64), 0.0, 0.0), moments, missing, low, high)
    return NumericState(
        stats.grid_counts(ordered, _grid_points(reference.grid), is_sorted=True, distinct=True),
        moments,
        missing,
        low,
        high,
    )


def reference_grid(reference: NumericFeature, levels: tuple[float, ...]) -> ReferenceGrid:
    """The reference side of a continuous feature's statistics: its grid's distinct points
    and its share of each cell (exact from ``grid_counts``; from ``levels`` for a version-2
    profile). Cached: every window of a run asks for the same few."""
    return _reference_grid(reference.grid, tuple(levels), reference.count, reference.grid_counts)


@functools.lru_cache(maxsize=1024)
def _reference_grid(
    grid: tuple[float, ...], levels: tuple[float, ...], count: int, cells: tuple[int, ...]
) -> ReferenceGrid:
    return ReferenceGrid.of(grid, levels, count, cells)


@functools.lru_cache(maxsize=1024)
def _grid_points(grid: tuple[float, ...]) -> Floats:
    """The distinct points of a reference grid: the cells every window of a run counts in."""
    points = np.unique(np.asarray(grid, dtype=float))
    points.flags.writeable = False
    return points


def _value_counts(ordered: Floats) -> dict[str, int]:
    """Counts per distinct number of sorted values, keyed by :func:`value_keys`: the few
    distinct values are keyed, not every value (formatting a float as text costs more than
    counting it). -0.0 sorts with 0.0 and is keyed as it."""
    if ordered.size == 0:
        return {}
    starts = np.concatenate([[0], np.flatnonzero(np.diff(ordered)) + 1])
    counts = np.diff(np.concatenate([starts, [ordered.size]]))
    keys = value_keys(pl.Series(ordered[starts], dtype=pl.Float64)).to_list()
    return dict(zip(keys, map(int, counts)))


def _counts(keys: pl.Series) -> dict[str, int]:
    table = keys.value_counts(name="n")
    return dict(zip(table[keys.name].to_list(), map(int, table["n"].to_list())))


@dataclass(frozen=True)
class FeatureDrift:
    """One feature in one window next to the reference. A statistic that does not apply
    to the feature's kind, or cannot be computed, is nan; ``unknown`` then says why."""

    kind: str
    """``continuous``, ``discrete`` or ``categorical``."""
    n: int
    """Values present in the window."""
    missing_share: float
    """Share of the window's rows where the value is missing."""
    reference_missing_share: float
    """The same on the reference."""
    psi: float
    """PSI: over the reference deciles plus one bin below its minimum and one above its
    maximum (continuous), or over the values or categories."""
    p_value: float
    """The significance test's p-value: KS from the lower end of its bracket (continuous),
    exact KS on the value counts (discrete), chi-squared (categorical)."""
    mean_shift_sd: float = math.nan
    """(window mean − reference mean) / reference std (numeric)."""
    std_ratio: float = math.nan
    """Window std / reference std (numeric)."""
    ks: KSBracket | None = None
    """The KS statistic's bracket (continuous; exact, low = high, for discrete)."""
    wasserstein_sd: Estimate | None = None
    """Wasserstein-1 over the reference std, with its bound (continuous; exact for discrete)."""
    outside_share: float = math.nan
    """Share of present values outside the reference [min, max] (numeric)."""
    js_distance: float = math.nan
    """Jensen-Shannon distance, base 2 (discrete, categorical)."""
    unseen: dict[str, float] = field(default_factory=dict)
    """Values or categories the reference never saw, with their share (discrete, categorical)."""
    unknown: str | None = None
    """Why the feature cannot be judged in this window (None when it can)."""
    missing_p_value: float = math.nan
    """p-value of the missing share's change (:func:`mlmon.stats.missing_share_test`);
    nan when the window has no rows."""


def feature_drift(
    reference: NumericFeature | CategoricalFeature, state: FeatureState, levels: tuple[float, ...]
) -> FeatureDrift:
    """The statistics of one feature's window ``state`` against its ``reference``."""
    rows = state.missing + state.present
    missing_share = state.missing / rows if rows else math.nan
    unknown = _unknown(reference, state, levels)
    if isinstance(state, CategoryState):
        drift = _category_drift(reference, state, missing_share, unknown)
    else:
        numeric = cast(NumericFeature, reference)  # a grid state is counted against a numeric reference
        drift = _continuous_drift(numeric, state, missing_share, unknown, levels)
    p = stats.missing_share_test(reference.missing, reference.count + reference.missing, state.missing, rows)
    return dataclasses.replace(drift, missing_p_value=p)


def _unknown(
    reference: NumericFeature | CategoricalFeature, state: FeatureState, levels: tuple[float, ...]
) -> str | None:
    present = state.present
    if reference.count == 0:
        return "the reference has no values of this feature"
    if present == 0:
        return "no values in this window"
    if isinstance(reference, NumericFeature) and not reference.value_counts:
        if not levels or not reference.grid:
            return "the reference profile has no quantile grid (version 1): rebuild it"
        if not reference.std > 0:
            return "the reference values are all equal"
    return None


def _category_drift(
    reference: NumericFeature | CategoricalFeature, state: CategoryState, missing_share: float, unknown: str | None
) -> FeatureDrift:
    ref_counts = reference.category_counts if isinstance(reference, CategoricalFeature) else reference.value_counts
    total = sum(ref_counts.values())
    aligned, psi, js, _, p = stats.category_statistics(
        {k: v / total for k, v in ref_counts.items()} if total else {}, state.counts
    )
    n = int(aligned.current_counts.sum())
    unseen = {k: int(c) / n for k, c in zip(aligned.labels, aligned.current_counts) if k in aligned.unseen} if n else {}
    numeric = isinstance(reference, NumericFeature)
    shift, ratio = (
        _moment_shift(reference, state.moments) if isinstance(reference, NumericFeature) else (math.nan, math.nan)
    )
    outside = _outside_share(reference, state) if isinstance(reference, NumericFeature) else math.nan
    ks, w1 = None, None
    if isinstance(reference, NumericFeature) and n:
        ks, w1 = _counted_ks(reference, state)
        p = ks.p_value
    if unknown is None and math.isnan(p) and len(aligned.labels) == 1 and n:
        p = 1.0  # the same single value on both sides: identical distributions, no evidence of a change
    elif unknown is None and math.isnan(p):
        unknown = f"a single {'value' if numeric else 'category'} in the reference and the window: nothing to compare"
    return FeatureDrift(
        kind="discrete" if numeric else "categorical",
        n=n,
        missing_share=missing_share,
        reference_missing_share=reference.missing_share,
        psi=psi,
        p_value=p,
        mean_shift_sd=shift,
        std_ratio=ratio,
        ks=ks,
        wasserstein_sd=w1,
        outside_share=outside,
        js_distance=js,
        unseen=unseen,
        unknown=unknown,
    )


def _counted_ks(reference: NumericFeature, state: CategoryState) -> tuple[KSBracket, Estimate | None]:
    """A discrete numeric feature's exact KS test and Wasserstein-1 / sd from both sides'
    value counts: its values are ordered, so a count the reference happened not to hold is
    a small step, not a new category."""
    ref_values, ref_counts = zip(*((float(k), c) for k, c in reference.value_counts.items()))
    values, counts = zip(*((float(k), c) for k, c in state.counts.items()))
    d, p, w1 = stats.counted_ks_wasserstein(ref_values, ref_counts, values, counts)
    scaled = Estimate(w1 / reference.std, 0.0) if reference.std > 0 else None
    return KSBracket(d, d, p), scaled


def _continuous_drift(
    reference: NumericFeature, state: NumericState, missing_share: float, unknown: str | None, levels: tuple[float, ...]
) -> FeatureDrift:
    if unknown is not None:
        return FeatureDrift(
            "continuous", state.present, missing_share, reference.missing_share, math.nan, math.nan, unknown=unknown
        )
    window, grid = state.grid, reference_grid(reference, levels)
    ks = stats.ks_bracket(grid, window)
    w1 = stats.wasserstein(grid, window)
    shift, ratio = _moment_shift(reference, state.moments)
    return FeatureDrift(
        kind="continuous",
        n=window.n,
        missing_share=missing_share,
        reference_missing_share=reference.missing_share,
        psi=stats.decile_psi(grid, window),
        p_value=ks.p_value,
        mean_shift_sd=shift,
        std_ratio=ratio,
        ks=ks,
        wasserstein_sd=Estimate(w1.value / reference.std, w1.bound / reference.std),
        outside_share=(window.counts[0] + window.counts[-1]) / window.n,
    )


def _moment_shift(reference: NumericFeature, moments: Moments) -> tuple[float, float]:
    if not reference.std > 0 or moments.count == 0:
        return math.nan, math.nan
    return (moments.mean - reference.mean) / reference.std, moments.std / reference.std


def _outside_share(reference: NumericFeature, state: CategoryState) -> float:
    n = state.present
    outside = sum(c for k, c in state.counts.items() if not reference.min <= float(k) <= reference.max)
    return outside / n if n else math.nan
