"""Roll a summary's states up into coarser windows: hourly states into days, or into the
whole range, as Prometheus recording rules and whylogs' merged profiles do.

Every state keys its pieces by window: ``ops`` by the window's start (a UTC datetime; null
for the whole range) in its ``groups`` tables and latency values, ``predictions`` by the
start in epoch microseconds (0 for the whole range) in its ``counts`` and ``entropy``
tables and confidence values, ``features`` by the same microseconds in its dicts. Windows
are aligned to the Unix epoch, so when the run's window length is a whole multiple of the
summary's (:func:`mlmon.windows.divides`), each fine window lies inside exactly one coarse
window: the one that holds its start. Rolling up relabels every piece with that coarse
window's key, then lets the reducer's own merge add what now shares a key:

* tables hold several rows per key, as the tables of several chunks do, and every
  reducer adds them by key when it finalizes (or compacts);
* value states add themselves (``ValueState.__add__``) with an empty state, which gathers
  the log buckets of keys that now coincide;
* feature windows are merged one into the other with ``FeatureReducer.merge``.

So counts and exact percentiles come out exactly as a read of the logs with the coarse
window gives them (the same values under the same keys), and sums as a read's up to the
order of their additions (about 1e-15 relative per addition).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import polars as pl

from mlmon.analyses.estimated import EstimateState
from mlmon.analyses.feature_windows import FeatureReducer, FeatureWindowState
from mlmon.analyses.ops_types import OpsState
from mlmon.analyses.predictions import PredictionState
from mlmon.analyses.values import ValueState
from mlmon.windows import WindowSpec

WINDOW = "_window"
"""The window-key column of the ``ops`` and ``predictions`` tables."""
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
S = TypeVar("S", PredictionState, EstimateState)


def roll_up(part: str, state: Any, reducer: Any) -> Any:
    """``state`` of the summary part ``part`` (``ops``, ``predictions``, ``features``),
    re-keyed from its own windows to ``reducer``'s coarser ones (which the caller has
    checked it divides). A state over the window limit is given back as it is: it holds
    no window any more and its reducer refuses it."""
    window = reducer.window
    if part == "labels":  # the join keeps each prediction's own time, keyed at finalize
        return state
    if part == "estimated":
        return _estimated(state, window)
    if part == "ops":
        return _ops(state, window)
    if part == "predictions":
        return _predictions(state, window)
    return _features(state, window, reducer)


def coarse_micros(window: WindowSpec) -> Callable[[int], int]:
    """Epoch microseconds of a fine window's start → those of the coarse window holding it
    (0, the whole range's key, when ``window`` is the whole range)."""
    if window.duration is None:
        return lambda _: 0
    step = window.duration // _US
    return lambda micros: micros // step * step


def _ops(state: OpsState, window: WindowSpec) -> OpsState:
    if state.window_keys is None:
        return state
    micros = coarse_micros(window)
    column = pl.lit(None) if window.every is None else pl.col(WINDOW).dt.truncate(window.every)

    def start(moment: datetime | None) -> datetime | None:
        if moment is None or window.duration is None:
            return None
        return _EPOCH + _US * micros((moment - _EPOCH) // _US)

    groups = tuple(table.with_columns(column.cast(table.schema[WINDOW]).alias(WINDOW)) for table in state.groups)
    latency = _relabel(state.latency, lambda key: (*key[:2], start(key[2]), *key[3:]))
    keys = frozenset(micros(key) for key in state.window_keys) if window.duration is not None else frozenset()
    minutes = state.minutes if window.duration is not None else ()
    return dataclasses.replace(state, groups=groups, latency=latency, window_keys=keys, minutes=minutes)


def _predictions(state: PredictionState, window: WindowSpec) -> PredictionState:
    if state.window_keys is None:
        return state
    micros = coarse_micros(window)
    values = _relabel(state.values, lambda key: (key[0], micros(key[1]), *key[2:]))
    return _rekeyed(dataclasses.replace(state, values=values), window, ("counts", "entropy"))


def _estimated(state: EstimateState, window: WindowSpec) -> EstimateState:
    """CBPE's sums re-keyed as the predictions' tables are: they add up within a window."""
    return state if state.window_keys is None else _rekeyed(state, window, ("counts", "expected"))


def _rekeyed(state: S, window: WindowSpec, tables: tuple[str, ...]) -> S:
    """``state`` with the window key of each table in the fields ``tables`` moved to the
    coarse window holding it, and its ``window_keys`` and ``minutes`` to match (the whole
    range keeps no key and no minute)."""
    micros = coarse_micros(window)
    if window.duration is None:
        column = pl.lit(0)
    else:
        step = window.duration // _US
        column = pl.col(WINDOW) // step * step
    moved: dict[str, Any] = {
        name: tuple(t.with_columns(column.cast(t.schema[WINDOW]).alias(WINDOW)) for t in getattr(state, name))
        for name in tables
    }
    whole = window.duration is None
    keys = frozenset() if whole else frozenset(micros(key) for key in state.window_keys or ())
    minutes = () if whole else state.minutes
    return dataclasses.replace(state, **moved, window_keys=keys, minutes=minutes)


def _features(state: FeatureWindowState, window: WindowSpec, reducer: FeatureReducer) -> FeatureWindowState:
    if state.over:
        return state
    micros = coarse_micros(window)
    rolled = FeatureWindowState()
    for key in sorted(state.states):
        coarse = micros(key)
        rolled = reducer.merge(
            rolled,
            FeatureWindowState({coarse: state.rows[key]}, {coarse: state.states[key]}, {coarse: state.first[key]}),
        )
    return dataclasses.replace(rolled, unprofiled=dict(state.unprofiled))


def _relabel(values: ValueState, key_of: Callable[[tuple], tuple]) -> ValueState:
    """``values`` with each group key replaced by ``key_of(key)``; keys that now coincide
    are gathered by the value state's own merge (with an empty state)."""
    relabeled = ValueState(
        values.budget,
        values.count,
        tuple((key_of(key), series) for key, series in values.exact),
        tuple((key_of(key), buckets) for key, buckets in values.buckets),
    )
    return relabeled + ValueState(values.budget)
