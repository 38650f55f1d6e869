"""The feature reducer on hand-made chunks, within the analyses room (mutation survivors:
tests/analyses never ran it, so its window keys and starts, a chunk of exactly two windows,
and the window limit at its boundary were held only by whole-command tests elsewhere)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from mlmon.analyses import feature_windows
from mlmon.analyses.feature_windows import FeatureReducer
from mlmon.analyses.features import CategoryState
from mlmon.errors import UsageError
from mlmon.ingest.features import HAS_FEATURES, column
from mlmon.reference.profile import CategoricalFeature
from mlmon.windows import WindowSpec

DAY = datetime(2026, 11, 20, tzinfo=UTC)
HOUR = timedelta(hours=1)
REFERENCE = {"camera": CategoricalFeature(2, 0.0, {"a": 1, "b": 1})}


def _records(times: list[datetime], cameras: list[str]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "ts": pl.Series(times, dtype=pl.Datetime("us", "UTC")),
            HAS_FEATURES: [True] * len(times),
            column("camera"): cameras,
        }
    )


def _us(moment: datetime) -> int:
    """Microseconds since the Unix epoch, by hand."""
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


def test_hourly_windows_are_keyed_and_started_at_their_hour_since_the_epoch():
    """00:10 and 00:50 fall in the 00:00 window, 02:30 in the 02:00 one: two windows."""
    reducer = FeatureReducer(REFERENCE, WindowSpec(duration=HOUR))
    chunk = _records([DAY + timedelta(minutes=10), DAY + timedelta(minutes=50), DAY + 2.5 * HOUR], ["a", "b", "b"])
    state = reducer.from_chunk(chunk)
    assert state.rows == {_us(DAY): 2, _us(DAY + 2 * HOUR): 1}
    assert not state.over
    done = reducer.finalize(state)
    assert [(w.start, w.rows) for w in done.windows] == [(DAY, 2), (DAY + 2 * HOUR, 1)]
    assert [w.states["camera"] for w in done.windows] == [CategoryState({"a": 1, "b": 1}), CategoryState({"b": 1})]
    assert done.whole_range is False


def test_the_whole_range_is_one_window_keyed_0_that_starts_at_the_first_input():
    reducer = FeatureReducer(REFERENCE, WindowSpec())
    chunk = _records([DAY + 3 * HOUR, DAY + HOUR, DAY + 5 * HOUR], ["a", "a", "b"])
    state = reducer.from_chunk(chunk)
    assert state.rows == {0: 3} and state.first == {0: DAY + HOUR}
    (window,) = reducer.finalize(state).windows
    assert (window.start, window.rows, window.states["camera"]) == (DAY + HOUR, 3, CategoryState({"a": 2, "b": 1}))


def test_a_chunk_of_exactly_the_window_limit_is_kept_and_one_more_is_over(monkeypatch):
    monkeypatch.setattr(feature_windows, "MAX_WINDOWS", 3)
    reducer = FeatureReducer(REFERENCE, WindowSpec(duration=HOUR))
    three = reducer.from_chunk(_records([DAY, DAY + HOUR, DAY + 2 * HOUR], ["a", "a", "a"]))
    assert not three.over and len(three.rows) == 3
    four = reducer.from_chunk(_records([DAY + i * HOUR for i in range(4)], ["a"] * 4))
    assert four.over and four.rows == {}


def test_merged_states_over_the_window_limit_refuse_at_finalize(monkeypatch):
    monkeypatch.setattr(feature_windows, "MAX_WINDOWS", 3)
    reducer = FeatureReducer(REFERENCE, WindowSpec(duration=HOUR))
    left = reducer.from_chunk(_records([DAY, DAY + HOUR], ["a", "b"]))
    right = reducer.from_chunk(_records([DAY + 2 * HOUR, DAY + 3 * HOUR], ["a", "b"]))
    assert not left.over and not right.over
    merged = reducer.merge(left, right)
    assert merged.over and merged.states == {}
    with pytest.raises(UsageError, match="over 3 "):
        reducer.finalize(merged)
    assert reducer.merge(left, reducer.from_chunk(_records([DAY + 2 * HOUR], ["a"]))).over is False
