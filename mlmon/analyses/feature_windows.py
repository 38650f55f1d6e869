"""Input features per window, as a reducer over ingest's chunks. Numbers only: the drift
of each window's state against the reference is in ``features``, the verdicts in
``mlmon.verdicts.feature_drift`` (several reducers over one read: ``composite``).

A window's state per feature is what :func:`~mlmon.analyses.features.window_state` keeps
(counts on the reference grid, moments, missing), so merging is addition and memory is
bounded by features x windows, never by records. Windows are time windows or the whole
range; with record-count windows (``--window 10000``, which need every row kept in event
order) features are judged over the whole range, and the result says so.

The rows that count are the records that carry inputs (``has_features``): a feature absent
from such a record is missing, and a prediction or resource record without inputs is not
counted at all. Keys of the ``features`` object that the reference lacks are counted
(values present, per name) so drift can list them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import cast

import polars as pl

from mlmon.analyses.bounds import window_key
from mlmon.analyses.features import FeatureState, merge_states, window_states
from mlmon.errors import UsageError
from mlmon.ingest.features import HAS_FEATURES, MAX_FEATURES, column, feature_name
from mlmon.ingest.needs import FeatureNeeds, Needs
from mlmon.reference.profile import CategoricalFeature, NumericFeature
from mlmon.windows import MAX_WINDOWS, WindowSpec, time_window_count

_WINDOW = "_window"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class FeatureWindow:
    """One window's inputs."""

    start: datetime
    """The window's aligned start; the first input's time for the whole range."""
    rows: int
    """Records carrying inputs in the window."""
    states: dict[str, FeatureState]
    """Per reference feature, its state in the window."""


@dataclass(frozen=True)
class FeatureWindows:
    """What :class:`FeatureReducer` found."""

    windows: tuple[FeatureWindow, ...]
    """Windows in time order (only those holding inputs)."""
    unprofiled: dict[str, int]
    """Keys of the ``features`` object that the reference lacks: values present, per name
    (from the chunks that list keys, ``FeatureNeeds.discover``)."""
    whole_range: bool
    """True when the run's windows were record counts and features were judged over the
    whole range instead."""


@dataclass(frozen=True)
class FeatureWindowState:
    """Partial state: per window key (epoch µs of its start, 0 for the whole range), rows
    and per-feature states; first input times; values of unprofiled keys."""

    rows: dict[int, int] = field(default_factory=dict)
    states: dict[int, dict[str, FeatureState]] = field(default_factory=dict)
    first: dict[int, datetime] = field(default_factory=dict)
    unprofiled: dict[str, int] = field(default_factory=dict)
    over: bool = False
    """More than ``MAX_WINDOWS`` windows were seen: the states were dropped (memory stays
    bounded) and ``finalize`` refuses."""


@dataclass(frozen=True)
class FeatureReducer:
    """Reduce canonical records to per-window feature states against ``reference``."""

    reference: Mapping[str, NumericFeature | CategoricalFeature]
    """The reference profile's features, by name."""
    window: WindowSpec = field(default_factory=WindowSpec)
    """How records are windowed (record counts fall back to the whole range)."""
    list_others: bool = True
    """List the keys the reference lacks (each file's first chunk is read as text)."""

    @property
    def needs(self) -> Needs:
        numeric = tuple(name for name, f in self.reference.items() if isinstance(f, NumericFeature))
        categorical = tuple(name for name, f in self.reference.items() if isinstance(f, CategoricalFeature))
        return Needs(("ts",), FeatureNeeds(numeric, categorical, "first_chunk" if self.list_others else "none"))

    def from_chunk(self, records: pl.DataFrame) -> FeatureWindowState:
        if HAS_FEATURES not in records.columns:
            return FeatureWindowState()
        rows = records.filter(pl.col(HAS_FEATURES))
        others = [name for c in rows.columns if (name := feature_name(c)) is not None and name not in self.reference]
        unprofiled = {name: int(rows.get_column(column(name)).is_not_null().sum()) for name in others}
        if rows.height == 0:
            return FeatureWindowState(unprofiled=unprofiled)
        keyed = rows.with_columns(window_key(self.window).alias(_WINDOW))
        distinct = keyed.get_column(_WINDOW).n_unique()
        if distinct > MAX_WINDOWS or self._spans_too_many(keyed):
            return FeatureWindowState(unprofiled=unprofiled, over=True)
        groups = keyed.group_by(_WINDOW) if distinct > 1 else [((keyed.get_column(_WINDOW)[0],), keyed)]
        counts: dict[int, int] = {}
        states: dict[int, dict[str, FeatureState]] = {}
        first: dict[int, datetime] = {}
        for (key,), group in groups:
            counts[key] = group.height
            states[key] = window_states(group, self.reference, column)
            first[key] = cast(datetime, group.get_column("ts").min())
        # as folding each window in with ``merge`` would: zero counts dropped, the cap kept,
        # the newest window's first time first (a summary's bytes stay the same)
        kept = dict(list((Counter(unprofiled) + Counter()).items())[:MAX_FEATURES])
        return FeatureWindowState(counts, states, dict(reversed(first.items())), kept)

    def _spans_too_many(self, keyed: pl.DataFrame) -> bool:
        """True when this chunk alone spans more than ``MAX_WINDOWS`` windows from its first
        record to its last: the run is refused whatever else it reads, so no window's state
        is built (a typo such as ``--window 1s`` is refused in seconds, not minutes)."""
        every = self.window.duration
        if every is None:
            return False
        first, last = keyed.get_column("ts").min(), keyed.get_column("ts").max()
        return (
            isinstance(first, datetime)
            and isinstance(last, datetime)
            and (time_window_count(every, first, last) > MAX_WINDOWS)
        )

    def merge(self, left: FeatureWindowState, right: FeatureWindowState) -> FeatureWindowState:
        unprofiled = Counter(left.unprofiled) + Counter(right.unprofiled)
        kept = dict(list(unprofiled.items())[:MAX_FEATURES])
        if left.over or right.over or len(set(left.states) | set(right.states)) > MAX_WINDOWS:
            return FeatureWindowState(unprofiled=kept, over=True)
        states = dict(left.states)
        for key, named in right.states.items():
            mine = states.get(key)
            states[key] = named if mine is None else {name: merge_states(mine[name], s) for name, s in named.items()}
        first = {**right.first, **left.first}
        for key in set(left.first) & set(right.first):
            first[key] = min(left.first[key], right.first[key])
        return FeatureWindowState(dict(Counter(left.rows) + Counter(right.rows)), states, first, kept)

    def finalize(self, state: FeatureWindowState) -> FeatureWindows:
        """The windows in time order. ``UsageError`` when the inputs spanned more than
        ``MAX_WINDOWS`` windows."""
        if state.over:
            raise UsageError(
                f"--window gives over {MAX_WINDOWS:,} {self.window.describe()} of inputs; use a wider --window"
            )
        windows = []
        for key in sorted(state.states):
            start = state.first[key] if not self.window.every else _EPOCH + timedelta(microseconds=key)
            windows.append(FeatureWindow(start, state.rows[key], state.states[key]))
        return FeatureWindows(tuple(windows), dict(state.unprofiled), whole_range=self.window.records is not None)
