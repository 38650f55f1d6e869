"""Per-model/version time windows of the operational analysis (``OpsResult.model_windows``):
the same window starts as the overall windows, and every figure checked against numpy over
the raw values the test generated."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest

from mlmon.analyses.ops import COLUMNS, OpsReducer
from mlmon.ingest.canonical import CANONICAL_SCHEMA
from mlmon.windows import parse_window

T0 = datetime(2026, 11, 9, tzinfo=UTC)
HOURS = 7
SILENT_HOUR = 5
"""No record at all: every scope's window there is empty."""
GAPS = {"v1": set(), "v2": {2}}
"""Hours where one version logs nothing while the other does."""


def _records(versions=("v1", "v2"), seed=3) -> list[dict]:
    """Requests (some failed, some without latency) and prediction-only records per version
    and hour, plus a few records that name no model (overall only)."""
    rng = np.random.default_rng(seed)
    rows = []
    for hour in range(HOURS):
        if hour == SILENT_HOUR:
            continue
        for version in versions:
            if hour in GAPS.get(version, ()):
                continue
            scale = 3.0 if version == "v1" else 4.0
            for _ in range(int(rng.integers(40, 90))):
                ts = T0 + timedelta(hours=hour, seconds=float(rng.uniform(0, 3599)))
                kind = rng.choice(["request", "request", "request", "no_latency", "prediction"])
                error = (
                    str(rng.choice(["timeout", "error", "http_5xx"]))
                    if kind != "prediction" and rng.uniform() < 0.1 + hour / 40
                    else None
                )
                rows.append(
                    {
                        "ts": ts,
                        "model": "m",
                        "model_version": version,
                        "label": None if kind != "prediction" else "A",
                        "latency_ms": float(rng.lognormal(scale, 0.6)) if kind == "request" else None,
                        "error_kind": error,
                        "is_request": kind != "prediction",
                        "confidence": float(rng.uniform(0.5, 1)) if kind == "prediction" else None,
                        "cpu_percent": None,
                        "rss_mb": None,
                    }
                )
        rows.append(
            {
                "ts": T0 + timedelta(hours=hour, minutes=30),
                "model": None,
                "model_version": None,
                "label": None,
                "latency_ms": 5000.0,
                "error_kind": "error",
                "is_request": True,
                "confidence": None,
                "cpu_percent": None,
                "rss_mb": None,
            }
        )
    return rows


def _frame(rows: list[dict]) -> pl.DataFrame:
    schema = {name: CANONICAL_SCHEMA[name] for name in ("ts", *COLUMNS)}
    return pl.DataFrame(
        rows, schema={name: pl.String if dtype == pl.Categorical() else dtype for name, dtype in schema.items()}
    ).cast(schema)


def _oracle(
    rows: list[dict], model: str | None, version: str | None, everything: bool = False
) -> list[tuple[int, int, float | None, float | None]]:
    """(records, requests, error rate, p99) per hour from the raw rows of one model/version
    (or of ``everything``), with numpy."""
    out = []
    for hour in range(HOURS):
        mine = [
            r
            for r in rows
            if (everything or (r["model"], r["model_version"]) == (model, version))
            and (r["ts"] - T0) // timedelta(hours=1) == hour
        ]
        requests = sum(r["is_request"] for r in mine)
        errors = sum(r["error_kind"] is not None for r in mine)
        latencies = [r["latency_ms"] for r in mine if r["latency_ms"] is not None]
        out.append(
            (
                len(mine),
                requests,
                errors / requests if requests else None,
                float(np.percentile(latencies, 99)) if latencies else None,
            )
        )
    return out


def _assert_matches(windows, oracle) -> None:
    assert len(windows) == len(oracle)
    for w, (records, requests, error_rate, p99) in zip(windows, oracle):
        assert (w.records, w.requests) == (records, requests), w.start
        assert w.error_rate == (None if error_rate is None else pytest.approx(error_rate, rel=1e-12)), w.start
        assert w.p99_ms == (None if p99 is None else pytest.approx(p99, rel=1e-12)), w.start


def _merged(reducer: OpsReducer, rows: list[dict], order: str):
    frame = _frame(rows).sample(fraction=1.0, shuffle=True, seed=5)
    a, b = reducer.from_chunk(frame[: frame.height // 3]), reducer.from_chunk(frame[frame.height // 3 :])
    return reducer.finalize(reducer.merge(a, b) if order == "ab" else reducer.merge(b, a))


@pytest.mark.parametrize("order", ["ab", "ba"])
def test_each_version_matches_numpy_per_hour(order):
    rows = _records()
    result = _merged(OpsReducer(parse_window("1h")), rows, order)
    assert [(w.model, w.model_version) for w in result.model_windows] == [("m", "v1"), ("m", "v2")]
    for entry in result.model_windows:
        _assert_matches(entry.windows, _oracle(rows, entry.model, entry.model_version))
    v2 = result.model_windows[1].windows
    for hour in (2, SILENT_HOUR):
        assert (v2[hour].records, v2[hour].requests, v2[hour].p99_ms, v2[hour].error_rate) == (0, 0, None, None)
    assert result.model_windows[0].windows[2].records > 0


@pytest.mark.parametrize("order", ["ab", "ba"])
def test_windows_align_with_the_overall_windows_and_scopes_with_by_model(order):
    rows = _records()
    result = _merged(OpsReducer(parse_window("1h")), rows, order)
    _assert_matches(result.windows, _oracle(rows, None, None, everything=True))
    starts = [w.start for w in result.windows]
    assert starts == [T0 + timedelta(hours=h) for h in range(HOURS)]
    assert [w.scope for w in result.model_windows] == [s.scope for s in result.by_model] == ["m v1", "m v2"]
    for entry, summary in zip(result.model_windows, result.by_model):
        assert [w.start for w in entry.windows] == starts
        assert (entry.model, entry.model_version) == (summary.model, summary.model_version)
        assert sum(w.records for w in entry.windows) == summary.records
        assert sum(w.requests for w in entry.windows) == summary.errors.requests
    # The records naming no model are in the overall windows only.
    for h, window in enumerate(result.windows):
        assert window.records == sum(e.windows[h].records for e in result.model_windows) + (h != SILENT_HOUR)


@pytest.mark.parametrize("window", ["50", "all"])
def test_record_count_and_whole_range_windows_have_no_model_windows(window):
    result = _merged(OpsReducer(parse_window(window)), _records(), "ab")
    assert result.model_windows == ()
    assert len(result.by_model) == 2


def test_a_single_model_log_gives_the_overall_windows():
    rows = [r for r in _records(versions=("v1",)) if r["model"] is not None]
    result = _merged(OpsReducer(parse_window("1h")), rows, "ab")
    (entry,) = result.model_windows
    assert (entry.scope, entry.model, entry.model_version) == ("m v1", "m", "v1")
    assert entry.windows == result.windows
    _assert_matches(entry.windows, _oracle(rows, "m", "v1"))


def test_a_scope_without_version_or_model_keeps_its_null_and_its_by_model_scope():
    rows = _records()
    for r in rows:
        if r["model_version"] == "v2":
            r["model"] = None  # version only: scope "v2"
        elif r["model_version"] == "v1":
            r["model_version"] = None  # model only: scope "m"
    result = _merged(OpsReducer(parse_window("1h")), rows, "ba")
    assert [w.scope for w in result.model_windows] == [s.scope for s in result.by_model] == ["m", "v2"]
    for entry in result.model_windows:
        _assert_matches(entry.windows, _oracle(rows, entry.model, entry.model_version))


@pytest.mark.parametrize("window", ["1h", "50", "all"])
def test_no_record_at_all_finalizes_to_empty_windows(window):
    """``mlmon check`` finalises an empty state when ``--since``/``--until`` leave nothing."""
    reducer = OpsReducer(parse_window(window))
    result = reducer.finalize(reducer.from_chunk(_frame([])))
    assert (result.overall.records, result.overall.throughput.span_seconds, result.by_model) == (0, 0.0, ())
    assert (result.windows, result.model_windows) == ((), ())
