"""The prediction reducer's window keys, as its state documents them (a mutation survivor:
the whole range keyed 1 instead of 0, which no test read): epoch microseconds of each
window's start, or 0 for the whole range."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import polars as pl

from mlmon.analyses.predictions import PredictionReducer
from mlmon.ingest import read_logs
from mlmon.windows import WindowSpec

T0 = datetime(2026, 11, 9, tzinfo=UTC)
LINES = [
    {"ts": "2026-11-09T00:10:00Z", "label": "A", "confidence": 0.9},
    {"ts": "2026-11-09T00:40:00Z", "label": "B", "confidence": 0.6},
    {"ts": "2026-11-09T02:05:00Z", "label": "A", "confidence": 0.8},
]


def _records(reducer: PredictionReducer, tmp_path) -> pl.DataFrame:
    path = tmp_path / "p.log"
    path.write_text("".join(json.dumps(line) + "\n" for line in LINES))
    return read_logs([str(path)], needs=reducer.needs).frame.collect()


def _keys(state) -> list[int]:
    return sorted(set(pl.concat(state.counts).get_column("_window").to_list()))


def test_the_whole_range_is_keyed_0(tmp_path):
    reducer = PredictionReducer(WindowSpec())
    assert _keys(reducer.from_chunk(_records(reducer, tmp_path))) == [0]


def test_hourly_windows_are_keyed_by_the_epoch_microseconds_of_their_start(tmp_path):
    reducer = PredictionReducer(WindowSpec(duration=timedelta(hours=1)))
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    expected = [(start - epoch) // timedelta(microseconds=1) for start in (T0, T0 + timedelta(hours=2))]
    assert _keys(reducer.from_chunk(_records(reducer, tmp_path))) == expected
