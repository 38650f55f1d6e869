"""The window bound at its edge (analyses/bounds.py): MAX_WINDOWS windows are allowed, one
more is refused, whether counted from the keys two states hold or from the span of the
records' minutes; record windows and a state without minutes are never refused here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from mlmon.analyses.bounds import MINUTE, check_time_windows, merge_bounded
from mlmon.errors import UsageError
from mlmon.windows import MAX_WINDOWS, parse_window

T0 = datetime(2026, 11, 20, tzinfo=UTC)


@dataclass(frozen=True)
class State:
    window_keys: frozenset[int] | None = frozenset()
    minutes: tuple[str, ...] = ()
    pieces: tuple[str, ...] = ()


def test_two_states_holding_max_windows_keys_between_them_merge_their_pieces():
    half = MAX_WINDOWS // 2
    left = State(frozenset(range(half)), ("m1",), ("p1",))
    merged = merge_bounded(left, State(frozenset(range(half, MAX_WINDOWS)), ("m2",), ("p2",)))
    assert merged == State(frozenset(range(MAX_WINDOWS)), ("m1", "m2"), ("p1", "p2"))
    over = merge_bounded(left, State(frozenset(range(half, MAX_WINDOWS + 1)), ("m2",), ("p2",)))
    assert over == State(None, ("m1", "m2"), ())  # only the minutes are kept
    assert merge_bounded(over, left) == State(None, ("m1", "m2", "m1"), ())  # over the limit absorbs


def minutes(first: datetime, last: datetime) -> tuple[pl.DataFrame, ...]:
    return (pl.DataFrame({MINUTE: [first, last], "records": [1, 1], "first": [first, last], "last": [first, last]}),)


def test_a_span_of_max_windows_minutes_is_allowed_and_one_more_is_refused():
    last = T0 + timedelta(minutes=MAX_WINDOWS - 1, seconds=30)  # minute windows T0 ... T0 + 9999 min
    check_time_windows(parse_window("1m"), minutes(T0, last), over=False)
    with pytest.raises(UsageError, match=f"^--window 1m gives {MAX_WINDOWS + 1:,} windows from "):
        check_time_windows(parse_window("1m"), minutes(T0, last + timedelta(minutes=1)), over=False)
    with pytest.raises(UsageError, match=f"^--window 1m gives 2 windows from .*over the limit of {MAX_WINDOWS:,}"):
        check_time_windows(parse_window("1m"), minutes(T0, T0 + timedelta(minutes=1)), over=True)


def test_record_windows_and_states_without_minutes_are_not_bounded_here():
    far = minutes(T0, T0 + timedelta(days=3650))
    check_time_windows(parse_window("1000"), far, over=True)
    check_time_windows(parse_window("all"), far, over=True)
    check_time_windows(parse_window("1m"), (), over=True)
