"""Bounded-memory states at their edges: a budget of 0 values is a budget, group keys
holding None sort after the others, a state's tables are re-aggregated once there are
more than COMPACT_AT of them (not at COMPACT_AT), counts added and first/last kept, and a
state keeps its window keys up to MAX_WINDOWS of them (not past it)."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
import pytest

from mlmon.analyses.bounds import COMPACT_AT, compacted
from mlmon.analyses.values import EXACT_VALUES, EXACT_VALUES_ENV, ValueState, exact_budget
from mlmon.errors import UsageError


@pytest.mark.parametrize(("text", "budget"), [("0", 0), ("1_000", 1000), ("  ", EXACT_VALUES), ("", EXACT_VALUES)])
def test_a_budget_of_zero_values_is_a_budget(monkeypatch, text, budget):
    monkeypatch.setenv(EXACT_VALUES_ENV, text)
    assert exact_budget() == budget


@pytest.mark.parametrize("text", ["-1", "1.5", "lots"])
def test_a_budget_that_is_not_a_whole_number_of_values_is_refused(monkeypatch, text):
    monkeypatch.setenv(EXACT_VALUES_ENV, text)
    with pytest.raises(UsageError, match=f"^{EXACT_VALUES_ENV}: expected a whole number of values >= 0, got '{text}'$"):
        exact_budget()


def test_bucketed_groups_are_ordered_with_none_last_in_each_position():
    def series(*values: float) -> pl.Series:
        return pl.Series("v", values, dtype=pl.Float64)

    exact = ((("v1", 2), series(1.0)), ((None, 1), series(2.0)), (("v0", None), series(3.0)), (("v0", 1), series(4.0)))
    merged = ValueState(1, 4, exact) + ValueState(1)  # four values over a budget of one: bucketed
    assert [key for key, _ in merged.buckets] == [("v0", 1), ("v0", None), ("v1", 2), (None, 1)]
    assert [b.count for _, b in merged.buckets] == [1, 1, 1, 1]


@dataclass(frozen=True)
class Tables:
    pieces: tuple[pl.DataFrame, ...]


def _tables(count: int) -> Tables:
    schema = {"k": pl.Int64, "n": pl.Int64, "first": pl.Int64, "last": pl.Int64}
    return Tables(
        tuple(pl.DataFrame({"k": [i % 2], "n": [1], "first": [i], "last": [i]}, schema=schema) for i in range(count))
    )


def test_tables_are_compacted_past_compact_at_not_at_it():
    at = _tables(COMPACT_AT)
    assert compacted(at, {"pieces": ["k"]}) is at
    (table,) = compacted(_tables(COMPACT_AT + 1), {"pieces": ["k"]}).pieces
    # 17 tables: keys 0 (i = 0, 2, ..., 16: nine) and 1 (i = 1, ..., 15: eight)
    assert table.sort("k").rows() == [(0, 9, 0, 16), (1, 8, 1, 15)]
    assert table.schema == at.pieces[0].schema


def test_a_state_keeps_its_window_keys_up_to_max_windows_and_drops_them_past_it():
    from mlmon.analyses.bounds import key_set
    from mlmon.windows import MAX_WINDOWS

    keys = pl.Series("w", list(range(MAX_WINDOWS)) * 2, dtype=pl.Int64)  # repeats count once
    assert key_set(keys) == frozenset(range(MAX_WINDOWS))
    assert key_set(pl.Series("w", range(MAX_WINDOWS + 1), dtype=pl.Int64)) is None
