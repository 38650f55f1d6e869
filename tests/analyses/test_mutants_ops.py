"""The operations reducer at edges the room's tests missed (mutation survivors): the records
far from the rest, read from the reducer itself, and the record-window limit at exactly
its value."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import polars as pl
import pytest

from mlmon.analyses import ops
from mlmon.analyses.ops import OpsReducer
from mlmon.errors import UsageError
from mlmon.ingest import read_logs
from mlmon.windows import FarRecords, WindowSpec


def _records(reducer: OpsReducer, tmp_path, lines: list[dict]) -> pl.DataFrame:
    path = tmp_path / "x.log"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return read_logs([str(path)], needs=reducer.needs).frame.collect()


def test_a_record_a_century_away_is_far_from_the_rest(tmp_path):
    """300 records a second apart from 00:00:00 fill the minutes 00:00 to 00:04; one in 2150
    is far: the rest runs from 00:00 to the end of 00:04."""
    reducer = OpsReducer()
    lines = [{"ts": f"2026-11-09T00:{i // 60:02d}:{i % 60:02d}Z", "latency_ms": i} for i in range(300)]
    far = [{"ts": "2150-01-01T00:00:00Z", "latency_ms": 5}]
    result = reducer.finalize(reducer.from_chunk(_records(reducer, tmp_path, lines + far)))
    since, until = datetime(2026, 11, 9, tzinfo=UTC), datetime(2026, 11, 9, 0, 5, tzinfo=UTC)
    assert result.far_from_rest == FarRecords(1, since, until)
    near = reducer.finalize(reducer.from_chunk(_records(reducer, tmp_path, lines)))
    assert near.far_from_rest is None


def test_record_windows_up_to_the_limit_are_kept_and_one_more_is_refused(tmp_path, monkeypatch):
    """Windows of 2 records: 4 records are 2 windows (the limit, patched to 2), 5 are 3."""
    monkeypatch.setattr(ops, "MAX_WINDOWS", 2)
    reducer = OpsReducer(WindowSpec(records=2))
    lines = [{"ts": f"2026-11-09T00:00:{i:02d}Z", "latency_ms": 1.0} for i in range(5)]
    kept = reducer.finalize(reducer.from_chunk(_records(reducer, tmp_path, lines[:4])))
    assert [w.records for w in kept.windows] == [2, 2]
    with pytest.raises(UsageError):
        reducer.finalize(reducer.from_chunk(_records(reducer, tmp_path, lines)))
