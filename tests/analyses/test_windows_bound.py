"""Issue 9 §3: time and memory bounded whatever the input. A window option that would build
more than ``MAX_WINDOWS`` windows (a typo such as ``1s`` for ``1d``, or one far-away
timestamp) is refused early with a one-line message that names a wider window, and runs
of empty windows show compactly in the terminal."""

from __future__ import annotations

import ast
import json
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from mlmon.analyses.ops import OpsReducer
from mlmon.analyses.predictions import PredictionReducer
from mlmon.analyses.values import ValueState
from mlmon.cli import app
from mlmon.errors import UsageError
from mlmon.render.terminal_parts import EmptyRun, fold_empty_runs
from mlmon.windows import (
    MAX_WINDOWS,
    far_records,
    parse_window,
    record_window_count,
    suggest_duration,
    suggest_record_count,
    time_window_count,
    too_many_record_windows,
)
from tests.conftest import REPO, SAMPLE_LOGS

T0 = datetime(2026, 11, 9, tzinfo=UTC)
TRAIN_PROFILE = REPO / "references" / "train.json"


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def _lines(n: int = 2000, step_s: float = 7.0) -> list[dict]:
    return [
        {
            "timestamp": _iso(T0 + timedelta(seconds=step_s * i)),
            "latency_ms": 10.0 + i % 7,
            "status": "ok",
            "label": "AB"[i % 2],
            "confidence": 0.9,
        }
        for i in range(n)
    ]


def _refusal(result) -> str:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mlmon: error: "), result.stderr
    return lines[0]


# --- the CLI ------------------------------------------------------------------------------


def test_one_far_record_with_hourly_windows_is_refused_fast_and_named(runner, write_lines):
    path = write_lines("far.log", [*_lines(), {"timestamp": "2150-01-01T00:00:00Z", "latency_ms": 5.0, "status": "ok"}])
    started = time.perf_counter()
    message = _refusal(runner.invoke(app, ["report", str(path), "--window", "1h"]))
    assert time.perf_counter() - started < 20
    assert message.startswith(
        "mlmon: error: --window 1h gives 1,079,473 windows from 2026-11-09T00:00:00Z to 2150-01-01T00:00:00Z"
    )
    assert "over the limit of 10,000" in message
    assert "1 record lies far outside the rest (2026-11-09T00:00:00Z to 2026-11-09T03:54:00Z)" in message
    since, until = re.search(r"--since (\S+) --until (\S+?)[,;]?(?: |$)", message).groups()
    fixed = runner.invoke(
        app, ["report", str(path), "--window", "1h", "--since", since, "--until", until, "--format", "json"]
    )
    assert fixed.exit_code == 0, fixed.output
    assert len(json.loads(fixed.stdout)["windows"]) == 4


def test_drift_refuses_the_same_far_record(runner, write_lines):
    path = write_lines("far.log", [*_lines(), {"timestamp": "2150-01-01T00:00:00Z", "label": "A", "confidence": 0.5}])
    message = _refusal(runner.invoke(app, ["drift", "-r", str(TRAIN_PROFILE), str(path), "--window", "1h"]))
    assert "over the limit of 10,000: 1 record lies far outside the rest" in message


def test_a_typo_in_the_window_on_the_sample_service_is_refused_with_a_wider_one(runner):
    message = _refusal(runner.invoke(app, ["report", str(SAMPLE_LOGS), "--window", "1s"]))
    assert re.match(
        r"mlmon: error: --window 1s gives [\d,]+ windows from 2026-11-09T\S+Z to 2026-11-1\dT\S+Z, over the "
        r"limit of 10,000: "
        r"use a wider window, such as --window 15m$",
        message,
    ), message


def test_daily_windows_on_the_sample_service_still_work(runner):
    result = runner.invoke(app, ["report", str(SAMPLE_LOGS), "--window", "1d", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)["windows"]) == 7


def test_record_windows_are_bounded(runner):
    message = _refusal(runner.invoke(app, ["report", str(SAMPLE_LOGS), "--window", "2"]))
    assert re.match(
        r"mlmon: error: --window 2 gives [\d,]+ windows of 2 records \([\d,]+ records\), over the limit of 10,000: "
        r"use a wider window, such as --window 100$",
        message,
    ), message


def test_drift_time_and_record_windows_are_bounded(runner):
    # The sample week's first and last day (the same span, so the same suggestion): drift
    # reads all 14 files for 30 s of CPU before it refuses 1s windows, 2 take 5 s.
    week = [str(SAMPLE_LOGS / "replica-a" / "app.log.6.gz"), str(SAMPLE_LOGS / "replica-a" / "app.log")]
    message = _refusal(runner.invoke(app, ["drift", "-r", str(TRAIN_PROFILE), *week, "--window", "1s"]))
    assert "--window 1s gives" in message and "such as --window 15m" in message
    message = _refusal(runner.invoke(app, ["drift", "-r", str(TRAIN_PROFILE), str(SAMPLE_LOGS), "--window", "1"]))
    assert re.search(r"--window 1 gives [\d,]+ windows of 1 prediction \([\d,]+ predictions\)", message), message


# --- the reducers, whatever ingest lets through ----------------------------------------------


def _records(reducer, tmp_path, lines) -> pl.DataFrame:
    from mlmon.ingest import read_logs

    path = tmp_path / "x.log"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return read_logs([str(path)], needs=reducer.needs).frame.collect()


@pytest.mark.parametrize("far", [datetime(9999, 12, 31, tzinfo=UTC), datetime(1653, 2, 10, 6, 13, 20, tzinfo=UTC)])
@pytest.mark.parametrize(
    "reducer",
    [
        OpsReducer(parse_window("1ms")),
        OpsReducer(parse_window("1h")),
        PredictionReducer(parse_window("1ms"), low_threshold=0.5),
    ],
)
def test_far_timestamps_are_refused_arithmetically(tmp_path, reducer, far):
    """Year 9999 and ``ts = -1e10`` (1653) used to build every window (GBs, or a 94 TB
    allocation): the count is arithmetic now, so refusing takes no time or memory."""
    records = _records(reducer, tmp_path, _lines(200))
    records = records.with_columns(
        pl.when(pl.int_range(pl.len()) == 0).then(pl.lit(far)).otherwise(pl.col("ts")).alias("ts")
    )
    started = time.perf_counter()
    with pytest.raises(UsageError, match="over the limit of 10,000: 1 record lies far outside the rest"):
        reducer.finalize(reducer.from_chunk(records))
    assert time.perf_counter() - started < 5


@pytest.mark.parametrize("reducer", [OpsReducer(parse_window("1s")), PredictionReducer(parse_window("1s"))])
def test_states_drop_their_pieces_once_over_the_limit(tmp_path, reducer):
    """Two chunks each within the limit, over it together: the merged state keeps only the
    counts per minute, whichever way the merges group, and finalize refuses."""
    records = _records(reducer, tmp_path, _lines(12_000, step_s=1.0))
    a, b, c = (reducer.from_chunk(part) for part in (records[:6000], records[6000:9000], records[9000:]))
    assert len(a.window_keys) == 6000
    for merged in (reducer.merge(reducer.merge(a, b), c), reducer.merge(a, reducer.merge(b, c))):
        assert merged.window_keys is None and len(merged.minutes) == 3
        assert all(
            piece.count == 0 if isinstance(piece, ValueState) else piece == ()
            for name, piece in vars(merged).items()
            if name not in {"window_keys", "minutes"}
        )
        with pytest.raises(UsageError, match=r"--window 1s gives 12,000 windows .* such as --window 30s$"):
            reducer.finalize(merged)
    assert reducer.from_chunk(records).window_keys is None  # one chunk over the limit on its own


def test_a_state_within_the_limit_is_unchanged(tmp_path):
    reducer = OpsReducer(parse_window("1h"))
    records = _records(reducer, tmp_path, _lines(2000))
    merged = reducer.merge(reducer.from_chunk(records[:1000]), reducer.from_chunk(records[1000:]))
    assert merged.window_keys is not None and len(merged.window_keys) == 4
    assert [w.records for w in reducer.finalize(merged).windows] == [515, 514, 514, 457]


# --- the terminal -------------------------------------------------------------------------


def test_empty_runs_fold_in_the_terminal_but_not_in_json(runner, write_lines):
    hours = [0, 1, 2, 40, 41, 44]  # 37 empty hours, then 2 (kept: shorter than 3)
    lines = [
        {"timestamp": _iso(T0 + timedelta(hours=h, minutes=10 * k)), "latency_ms": 10.0, "status": "ok", "label": "A"}
        for h in hours
        for k in range(5)
    ]
    path = write_lines("gap.log", lines)
    text = runner.invoke(app, ["report", str(path), "--window", "1h"])
    assert text.exit_code == 0, text.output
    assert text.stdout.count("empty windows") == 1
    assert "… 37 empty windows (2026-11-09 03:00 to 2026-11-10 15:00)" in text.stdout
    assert "2026-11-10 18:00" in text.stdout and "2026-11-10 19:00" in text.stdout
    plain = runner.invoke(app, ["report", str(path), "--window", "1h", "--format", "json"])
    windows = json.loads(plain.stdout)["windows"]
    assert len(windows) == 45 and sum(w["records"] == 0 for w in windows) == 39


@dataclass(frozen=True)
class _Row:
    start: datetime
    n: int
    model_version: str


def test_fold_empty_runs_keeps_short_runs_and_stops_at_a_new_group():
    rows = [
        _Row(T0 + timedelta(hours=i), n, v)
        for i, (n, v) in enumerate(
            [
                (1, "a"),
                (0, "a"),
                (0, "a"),
                (1, "a"),
                (0, "a"),
                (0, "a"),
                (0, "a"),
                (0, "b"),
                (0, "b"),
                (0, "b"),
                (0, "b"),
            ]
        )
    ]
    folded = fold_empty_runs(rows, lambda r: r.n == 0, lambda r: r.model_version)
    assert folded[:4] == rows[:4]
    assert folded[4:] == [EmptyRun(3, rows[4].start, rows[6].start), EmptyRun(4, rows[7].start, rows[10].start)]
    assert folded[4].describe() == "… 3 empty windows (2026-11-09 04:00 to 2026-11-09 06:00)"


# --- the pure arithmetic ------------------------------------------------------------------


def test_time_window_count_is_aligned_and_arithmetic():
    hour = timedelta(hours=1)
    assert time_window_count(hour, T0, T0) == 1
    assert time_window_count(hour, T0 + timedelta(minutes=59), T0 + timedelta(minutes=60)) == 2
    assert time_window_count(timedelta(days=1), T0, T0 + timedelta(days=7) - timedelta(microseconds=1)) == 7
    assert time_window_count(timedelta(milliseconds=1), datetime(1653, 2, 10, tzinfo=UTC), T0) > 10**13
    assert time_window_count(hour, T0, datetime(9999, 12, 31, tzinfo=UTC)) == 69_891_121  # hours between, plus one


def test_suggestions():
    end = T0 + timedelta(days=7)
    assert suggest_duration(T0, end) == timedelta(minutes=15)  # 673 windows; 10m gives 1,009
    assert suggest_duration(T0, T0 + timedelta(days=2000)) == timedelta(days=7)  # none within 1,000: within 10,000
    assert suggest_duration(T0, datetime(9999, 1, 1, tzinfo=UTC)) is None
    assert record_window_count(1_000_000, 10) == 100_000 and record_window_count(1, 10) == 1
    assert (
        suggest_record_count(1_000_000) == 1000 and suggest_record_count(51_610) == 100 and suggest_record_count(5) == 1
    )
    assert str(too_many_record_windows(parse_window("10"), 1_000_000)) == (
        "--window 10 gives 100,000 windows of 10 records (1,000,000 records), over the limit of 10,000: use "
        "a wider window, such as --window 1000"
    )


def test_far_records_need_to_be_far():
    minutes = [(T0 + timedelta(minutes=i), 5) for i in range(10_000)]
    assert far_records(minutes) is None  # the tails of evenly spread data are not outliers
    found = far_records([*minutes, (datetime(2150, 1, 1, tzinfo=UTC), 2)])
    assert (found.records, found.since, found.until) == (2, T0, T0 + timedelta(minutes=10_000))
    assert far_records([(T0, 1), (T0 + timedelta(days=300), 1)]) is None  # two halves: no bulk to leave


def test_window_text_and_limit():
    assert MAX_WINDOWS == 10_000
    assert [parse_window(t).describe() for t in ("250ms", "1s", "90m", "1d")] == [
        "250ms windows",
        "1s windows",
        "90m windows",
        "1d windows",
    ]


def test_windows_module_imports_no_polars():
    tree = ast.parse((REPO / "mlmon" / "windows.py").read_text())
    names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    names |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert not any(name.split(".")[0] in {"polars", "numpy"} for name in names)
