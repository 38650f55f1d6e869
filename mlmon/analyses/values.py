"""Values kept for percentiles, in bounded memory: exact up to a budget, then log buckets.

A :class:`ValueState` holds one collection's values (every latency, or every confidence)
per group key, such as (model, version, window):

* **exact** while the collection holds at most ``budget`` values (:data:`EXACT_VALUES`
  by default): one float64 polars Series per group and chunk, 8 bytes per value;
  percentiles are numpy's default linear interpolation (polars' ``quantile(q,
  "linear")`` computes the same value);
* **log buckets** beyond it: per group, sparse counts on the buckets of
  ``mlmon.stats.log_buckets`` (γ = 2^(1/64)) with the exact count, sum, minimum and
  maximum; every percentile is then within 0.54% (relative) of the exact one. Memory is
  bounded by the value range: at most 64 buckets per doubling.

Merging adds the counts and asks only whether the merged total is over the budget; when
it is, each side is converted to buckets and the bucket counts are added. Bucket counts
add exactly, so converting then adding equals adding then converting, and the result is
the same whatever the merge order (groups kept in one canonical order). The budget of a
merge is the smaller of the two, so an empty default state merges with any.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, cast

import polars as pl

from mlmon.errors import UsageError
from mlmon.stats import log_buckets
from mlmon.stats.arrays import Floats, Ints

EXACT_VALUES = 10_000_000
"""Values a collection (the latencies, or the confidences, of one run) keeps exactly; over
it, percentiles come from log buckets. 80 MB of values at most per collection."""
EXACT_VALUES_ENV = "MLMON_EXACT_VALUES"
"""Environment variable that sets another budget (a whole number ≥ 0), for tests and to
trade memory for exactness."""

Method = Literal["exact", "log_buckets"]

GroupKey = tuple[object, ...]
"""A group's key: the values of the grouping columns, such as (model, version, window)."""


def exact_budget() -> int:
    """The budget of exact values: ``$MLMON_EXACT_VALUES`` when set, else :data:`EXACT_VALUES`."""
    text = os.environ.get(EXACT_VALUES_ENV, "").strip()
    if not text:
        return EXACT_VALUES
    try:
        budget = int(text.replace("_", ""))
    except ValueError:
        budget = -1
    if budget < 0:
        raise UsageError(f"{EXACT_VALUES_ENV}: expected a whole number of values >= 0, got {text!r}")
    return budget


@dataclass(frozen=True)
class Buckets:
    """One group's values as log-bucket counts (``mlmon.stats.log_buckets``)."""

    keys: Ints
    """Signed bucket keys (int64), ascending and distinct."""
    counts: Ints
    """Values per key (int64)."""
    count: int
    """Values counted (the sum of ``counts``)."""
    total: float
    """Sum of the values."""
    minimum: float
    """Smallest value."""
    maximum: float
    """Largest value."""

    @classmethod
    def of(cls, values: Floats) -> Buckets:
        """The buckets of some finite values (at least one)."""
        keys, counts = log_buckets.count_buckets(values)
        return cls(keys, counts, int(values.size), float(values.sum()), float(values.min()), float(values.max()))

    @classmethod
    def add(cls, parts: Sequence[Buckets]) -> Buckets:
        """The buckets of the union of ``parts``' values (at least one part)."""
        if len(parts) == 1:
            return parts[0]
        keys, counts = log_buckets.add_buckets([(p.keys, p.counts) for p in parts])
        return cls(
            keys,
            counts,
            sum(p.count for p in parts),
            sum(p.total for p in parts),
            min(p.minimum for p in parts),
            max(p.maximum for p in parts),
        )


Pooled = pl.Series | Buckets
"""A scope's values: a Series (exact mode) or :class:`Buckets`."""


@dataclass(frozen=True)
class ValueState:
    """One collection's values per group key, exact up to ``budget``, then bucketed."""

    budget: int = EXACT_VALUES
    """Most values kept exactly; over it every group is bucketed."""
    count: int = 0
    """Values held, over every group."""
    exact: tuple[tuple[GroupKey, pl.Series], ...] = ()
    """Exact mode: (group key, float64 values) per group and chunk; a key may repeat."""
    buckets: tuple[tuple[GroupKey, Buckets], ...] = ()
    """Bucket mode: (group key, buckets), one per key, keys in :func:`_order`."""

    @property
    def method(self) -> Method:
        """Which method gives this state's percentiles."""
        return "log_buckets" if self.buckets else "exact"

    def keys(self) -> set[GroupKey]:
        """The group keys that hold values."""
        return {key for key, _ in self.buckets} | {key for key, _ in self.exact}

    def __add__(self, other: ValueState) -> ValueState:
        """The merge: associative, and the same representation in bucket mode whatever the order."""
        budget, count = min(self.budget, other.budget), self.count + other.count
        if count <= budget and not (self.buckets or other.buckets):
            return ValueState(budget, count, self.exact + other.exact)
        grouped: dict[GroupKey, list[Buckets]] = {}
        for key, buckets in (*self.bucketed(), *other.bucketed()):
            grouped.setdefault(key, []).append(buckets)
        return ValueState(
            budget, count, buckets=tuple((key, Buckets.add(grouped[key])) for key in sorted(grouped, key=_order))
        )

    def bucketed(self) -> tuple[tuple[GroupKey, Buckets], ...]:
        """This state's values as buckets per key (converted when exact), keys in order."""
        if self.buckets or not self.exact:
            return self.buckets
        parts: dict[GroupKey, list[Buckets]] = {}
        for key, series in self.exact:  # piece by piece: no copy of all the values at once
            if series.len():
                parts.setdefault(key, []).append(Buckets.of(series.to_numpy()))
        return tuple((key, Buckets.add(parts[key])) for key in sorted(parts, key=_order))

    def groups(self) -> dict[GroupKey, Pooled]:
        """Each key's values: one Series (exact) or the key's buckets."""
        if self.buckets:
            return dict(self.buckets)
        return _by_key(self.exact)

    def pool(self, keep: Callable[[GroupKey], bool]) -> Pooled:
        """The values of the keys ``keep`` accepts, pooled."""
        if self.buckets:
            return combine([b for key, b in self.buckets if keep(key)])
        return combine([s for key, s in self.exact if keep(key)])


def value_state(
    frame: pl.DataFrame, keys: Sequence[str], column: str, present_keys: pl.DataFrame, budget: int
) -> ValueState:
    """The non-null values of ``column`` in ``frame`` per distinct ``keys``, bucketed when
    over ``budget``. ``present_keys`` holds the key combinations ``frame`` has (a small
    table the chunk's aggregation already made, duplicates allowed): with one, no
    partitioning is needed, the usual case of a chunk from one model version and window."""
    pieces = _split(frame, keys, column, present_keys)
    state = ValueState(budget, sum(series.len() for _, series in pieces), pieces)
    return state + ValueState(budget) if state.count > budget else state


def _split(
    frame: pl.DataFrame, keys: Sequence[str], column: str, present_keys: pl.DataFrame
) -> tuple[tuple[GroupKey, pl.Series], ...]:
    distinct = present_keys.select(keys).unique()
    if distinct.height == 1:
        values = frame.get_column(column).drop_nulls()
        return ((distinct.row(0), values),) if values.len() else ()
    present = frame.select(*keys, column).filter(pl.col(column).is_not_null())
    if present.height == 0:
        return ()
    parts = present.partition_by(list(keys), as_dict=True)
    return tuple((tuple(key), part.get_column(column)) for key, part in parts.items())


def combine(parts: Sequence[Pooled]) -> Pooled:
    """Pooled values of several groups of one state (all Series, or all Buckets)."""
    if parts and isinstance(parts[0], Buckets):
        return Buckets.add(cast("Sequence[Buckets]", parts))  # all Buckets, as the first
    if len(parts) == 1:
        return parts[0]
    series = cast("Sequence[pl.Series]", parts)  # all Series, as the first
    return pl.concat(series) if series else pl.Series("values", [], dtype=pl.Float64)


def size(values: Pooled) -> int:
    """How many values."""
    return values.count if isinstance(values, Buckets) else values.len()


def mean(values: Pooled) -> float | None:
    """Arithmetic mean; None when empty."""
    if isinstance(values, Buckets):
        return values.total / values.count
    return float(values.mean()) if values.len() else None  # type: ignore[arg-type]


def percentiles(values: Pooled, qs: Sequence[float]) -> list[float | None]:
    """Percentiles ``qs`` (0..100), numpy's linear definition: exact on a Series, within
    ``log_buckets.RELATIVE_ERROR`` on buckets; None each when empty."""
    if isinstance(values, Buckets):
        found = log_buckets.bucket_quantiles(
            values.keys, values.counts, [q / 100 for q in qs], values.minimum, values.maximum
        )
        return [float(v) for v in found]
    if values.len() == 0:
        return [None] * len(qs)
    if len(qs) == 1:  # without building a frame: ~100 times cheaper when run per window
        value = values.quantile(qs[0] / 100, "linear")
        return [None if value is None else float(value)]
    row = (
        values.to_frame("v")
        .select(pl.col("v").quantile(q / 100, "linear").alias(str(i)) for i, q in enumerate(qs))
        .row(0)
    )
    return [float(v) for v in row]


def count_below(values: Pooled, threshold: float) -> int:
    """Values strictly below ``threshold``: exact on a Series; on buckets, exact but for the
    bucket that holds ``threshold`` (counted by its representative value)."""
    if isinstance(values, Buckets):
        return log_buckets.count_below(values.keys, values.counts, threshold)
    return int((values < threshold).sum())


def pool_by(
    state: ValueState, group_of: Callable[[GroupKey], Hashable], groups: dict[GroupKey, Pooled] | None = None
) -> dict[Hashable, Pooled]:
    """The values pooled per ``group_of(key)``; ``groups``: ``state.groups()`` when already made."""
    keys_of: dict[Hashable, list[GroupKey]] = {}
    per_key = state.groups() if groups is None else groups
    for key in per_key:
        keys_of.setdefault(group_of(key), []).append(key)
    return {group: combine([per_key[k] for k in keys]) for group, keys in keys_of.items()}


def _by_key(pieces: Iterable[tuple[GroupKey, pl.Series]]) -> dict[GroupKey, Pooled]:
    parts: dict[GroupKey, list[pl.Series]] = {}
    for key, series in pieces:
        parts.setdefault(key, []).append(series)
    return {key: combine(series) for key, series in parts.items()}


def _order(key: GroupKey) -> tuple[tuple[bool, object], ...]:
    """A sort key for group keys that may hold None (None last in each position)."""
    return tuple((value is None, value) for value in key)
