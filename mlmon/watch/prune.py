"""Bounded memory for ``mlmon watch``: the windows its rules no longer look at, dropped from the
running summary's states.

A rule's verdict in the newest window depends on its ``for`` consecutive breaching windows and
on the ``keep_firing_for`` windows a firing tier outlives its last breach, so
:func:`windows_kept` keeps the largest ``for + keep_firing_for`` over the rules, plus one (the
window just closed), counted back from the newest window. Without a reference, confidence
collapse measures each window against the first window with enough predictions: that window
(:func:`baseline_window`: the oldest one the state held when pruning started) is kept too, so
the baseline does not move as old windows go. Everything else older is dropped from every
windowed part (:func:`drop_windows`): ``ops`` (its tables, latency values and minute counts),
``predictions``, ``features`` and ``estimated``; the label join keeps each prediction until its
label comes and is left alone. The one whole-run collection of values, ``ops``' confidences
(the report's overall confidence), is kept in log buckets (its percentiles then within a
bucket's width, as any read over the exact budget gives them). Whole-run totals (lines,
records, skipped lines by reason) are the exporter's counters, not the summary's.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl

from mlmon.analyses.bounds import MINUTE
from mlmon.analyses.feature_windows import FeatureWindowState
from mlmon.analyses.values import ValueState
from mlmon.api.check_rules import CheckRules
from mlmon.config.specs import RULES

WINDOW = "_window"
"""The window-key column of the windowed tables."""
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)


def windows_kept(rules: CheckRules) -> int:
    """How many windows, the newest included, the rules look at: the largest ``for +
    keep_firing_for`` over the rules, plus one."""
    return 1 + max(r.firing.for_windows + r.firing.keep_firing_for for r in (getattr(rules, n) for n in RULES))


def micros(moment: datetime) -> int:
    """Epoch microseconds of ``moment``."""
    return (moment - _EPOCH) // _US


def baseline_window(states: Mapping[str, Any]) -> int | None:
    """The start (epoch µs) of the oldest window the ``ops`` part holds; None when none."""
    ops = states.get("ops")
    keys = getattr(ops, "window_keys", None)
    return min(keys) if keys else None


def drop_windows(states: Mapping[str, Any], cutoff: int, step: int, pinned: int | None = None) -> dict[str, Any]:
    """``states`` without the windows (of ``step`` µs) that start before ``cutoff`` (epoch µs),
    except the window starting at ``pinned``."""

    def keep(key: int) -> bool:
        return key >= cutoff or key == pinned

    def kept(column: pl.Expr) -> pl.Expr:
        return (column >= cutoff) | (column == (pinned if pinned is not None else cutoff))

    minute_window = pl.col(MINUTE).dt.epoch("us") // step * step
    dropped: dict[str, Any] = {}
    for name, state in states.items():
        if name == "ops":
            state = dataclasses.replace(
                state,
                groups=_filtered(state.groups, kept(pl.col(WINDOW).dt.epoch("us"))),
                latency=_values(state.latency, lambda key: key[2] is None or keep(micros(key[2]))),
                confidence=_bucketed(state.confidence),
                minutes=_filtered(state.minutes, kept(minute_window)),
                window_keys=_keys(state.window_keys, keep),
            )
        elif name in ("predictions", "estimated"):
            tables = ("counts", "entropy") if name == "predictions" else ("counts", "expected")
            changes: dict[str, Any] = {t: _filtered(getattr(state, t), kept(pl.col(WINDOW))) for t in tables}
            if name == "predictions":
                changes["values"] = _values(state.values, lambda key: keep(key[1]))
            state = dataclasses.replace(
                state,
                **changes,
                minutes=_filtered(state.minutes, kept(minute_window)),
                window_keys=_keys(state.window_keys, keep),
            )
        elif name == "features" and isinstance(state, FeatureWindowState):
            state = dataclasses.replace(
                state,
                rows={k: v for k, v in state.rows.items() if keep(k)},
                states={k: v for k, v in state.states.items() if keep(k)},
                first={k: v for k, v in state.first.items() if keep(k)},
            )
        dropped[name] = state
    return dropped


def _filtered(tables: tuple[pl.DataFrame, ...], keep: pl.Expr) -> tuple[pl.DataFrame, ...]:
    """Each table's rows ``keep`` accepts; tables left empty go."""
    rows = (table.filter(keep) for table in tables)
    return tuple(table for table in rows if table.height)


def _values(values: ValueState, keep: Callable[[tuple[Any, ...]], bool]) -> ValueState:
    """``values`` without the groups whose key ``keep`` refuses, its count recounted, and
    each key's exact pieces (one per batch) joined into one."""
    pieces: dict[tuple[Any, ...], list[pl.Series]] = {}
    for key, series in values.exact:
        if keep(key):
            pieces.setdefault(key, []).append(series)
    exact = tuple((key, pl.concat(parts) if len(parts) > 1 else parts[0]) for key, parts in pieces.items())
    buckets = tuple((key, kept) for key, kept in values.buckets if keep(key))
    count = sum(series.len() for _, series in exact) + sum(kept.count for _, kept in buckets)
    return ValueState(values.budget, count, exact, buckets)


def _bucketed(values: ValueState) -> ValueState:
    """A whole-run collection (no window key: ``ops``' confidences) in log buckets, so it
    stays the same size however long the watch runs."""
    if values.buckets or not values.exact:
        return values
    return ValueState(values.budget, values.count, (), values.bucketed())


def _keys(keys: frozenset[int] | None, keep: Callable[[int], bool]) -> frozenset[int] | None:
    return None if keys is None else frozenset(key for key in keys if keep(key))
