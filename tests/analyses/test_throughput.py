"""Throughput's peak is never below its mean (issue 12), checked against numpy.

The definition (``mlmon.analyses.ops_types.Throughput``): mean = requests / (last - first
record); peak = max(busiest calendar minute's requests / 60, mean), the highest rate over
the windows mlmon sees (each calendar minute, and the whole span); ``peak_bucket_seconds``
is 60 or the span, whichever gave the peak."""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlmon.analyses.ops_summary import throughput
from mlmon.api.report import build_report
from tests.conftest import sample_result

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a calendar-minute boundary


def _write(directory: Path, offsets: np.ndarray, versions: list[str] | None = None, name: str = "t.log") -> str:
    """One request record per offset (seconds after T0, rounded to microseconds)."""
    lines = []
    for i, offset in enumerate(offsets):
        record = {"timestamp": (T0 + timedelta(microseconds=round(offset * 1e6))).isoformat(), "latency_ms": 1.0}
        if versions is not None:
            record["model_version"] = versions[i]
        lines.append(json.dumps(record) + "\n")
    path = directory / name
    path.write_text("".join(lines))
    return str(path)


def expected(offsets: np.ndarray) -> dict:
    """Throughput computed with numpy from the offsets (seconds after T0)."""
    offsets = np.round(np.asarray(offsets, dtype=float) * 1e6) / 1e6
    span = float(offsets.max() - offsets.min())
    per_minute = np.bincount(np.floor(offsets / 60).astype(int))
    busiest = per_minute.max() / 60.0
    mean = len(offsets) / span if span > 0 else None
    whole = mean is not None and mean > busiest
    return {
        "span": span,
        "mean": mean,
        "peak": mean if whole else busiest,
        "bucket": span if whole else 60.0,
        "minute": T0 + timedelta(minutes=int(np.argmax(per_minute))),
    }


def _check(tp, want: dict) -> None:
    assert tp.span_seconds == pytest.approx(want["span"], abs=1e-6)
    assert (tp.mean_rps is None) == (want["mean"] is None)
    if want["mean"] is not None:
        assert tp.mean_rps == pytest.approx(want["mean"], rel=1e-9)
        assert tp.peak_rps >= tp.mean_rps
    assert tp.peak_rps == pytest.approx(want["peak"], rel=1e-9)
    assert tp.peak_bucket_seconds == pytest.approx(want["bucket"], abs=1e-6)
    assert tp.peak_minute == want["minute"]


def test_the_issue_case_600_requests_in_0_4_s_peaks_at_the_mean(tmp_path):
    offsets = 30 + np.linspace(0.0, 0.4, 600)
    tp = build_report(_write(tmp_path, offsets)).overall.throughput
    _check(tp, expected(offsets))
    assert tp.mean_rps == pytest.approx(1500.0) and tp.peak_rps == tp.mean_rps  # not 600 / 60 = 10
    assert tp.peak_bucket_seconds == pytest.approx(0.4)


def test_a_long_span_peaks_at_the_busiest_minute(tmp_path):
    rng = np.random.default_rng(7)
    background = rng.uniform(0, 3 * 3600, 4000)
    burst = 42 * 60 + rng.uniform(0, 60, 900)  # minute 42 holds a burst
    offsets = np.concatenate([background, burst])
    tp = build_report(_write(tmp_path, offsets)).overall.throughput
    _check(tp, expected(offsets))
    assert tp.peak_bucket_seconds == 60.0 and tp.peak_minute == T0 + timedelta(minutes=42)
    assert tp.peak_rps > 2 * tp.mean_rps


def test_traffic_bunched_in_the_partial_edge_minutes_peaks_at_the_mean(tmp_path):
    # 61.5 s across three calendar minutes, a third of the requests in each: each minute
    # holds 100 / 60 req/s, below the mean of 300 / 61.5 s.
    offsets = np.concatenate([np.full(100, 59.5), np.linspace(60, 119, 100), np.full(100, 121.0)])
    tp = build_report(_write(tmp_path, offsets)).overall.throughput
    _check(tp, expected(offsets))
    assert tp.peak_bucket_seconds == pytest.approx(61.5) and tp.peak_rps == pytest.approx(300 / 61.5)


def test_each_model_version_has_its_own_peak(tmp_path):
    rng = np.random.default_rng(3)
    slow = np.sort(rng.uniform(0, 2 * 3600, 2000))
    quick = 1800 + np.linspace(0, 5.0, 400)
    offsets = np.concatenate([slow, quick])
    versions = ["v1"] * len(slow) + ["v2"] * len(quick)
    report = build_report(_write(tmp_path, offsets, versions))
    _check(report.overall.throughput, expected(offsets))
    by_version = {s.model_version: s.throughput for s in report.by_model}
    _check(by_version["v1"], expected(slow))
    _check(by_version["v2"], expected(quick))
    assert by_version["v2"].peak_bucket_seconds == pytest.approx(5.0)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.floats(min_value=0, max_value=900, allow_nan=False), min_size=2, max_size=80))
def test_the_peak_is_never_below_the_mean_and_matches_numpy(offsets):
    offsets = np.array(offsets)
    with tempfile.TemporaryDirectory() as directory:
        tp = build_report(_write(Path(directory), offsets)).overall.throughput
    _check(tp, expected(offsets))


def test_the_rule_on_its_own():
    # A zero span has no mean: the busiest minute is the peak.
    zero = throughput(2, 0.0, 2, T0)
    assert (zero.mean_rps, zero.peak_rps, zero.peak_bucket_seconds) == (None, pytest.approx(2 / 60), 60.0)
    none = throughput(0, 120.0, 0, None)
    assert (none.mean_rps, none.peak_rps, none.peak_minute, none.peak_bucket_seconds) == (0.0, 0.0, None, 60.0)
    # A tie between the minute and the mean is the minute's.
    tie = throughput(120, 120.0, 60, T0)
    assert (tie.peak_rps, tie.peak_bucket_seconds) == (1.0, 60.0)


def test_the_json_carries_the_bucket(tmp_path):
    offsets = 30 + np.linspace(0.0, 0.4, 600)
    doc = build_report(_write(tmp_path, offsets)).to_dict()
    assert list(doc["throughput"]) == [
        "requests",
        "span_seconds",
        "mean_rps",
        "peak_rps",
        "peak_minute",
        "peak_bucket_seconds",
    ]
    assert doc["throughput"]["peak_rps"] == doc["throughput"]["mean_rps"]


def test_sample_logs_keep_the_busiest_minute():
    tp = sample_result("report").overall.throughput  # build_report("sample_logs/"), once per session
    assert (tp.peak_bucket_seconds, tp.peak_minute) == (60.0, datetime(2026, 11, 10, 13, 43, tzinfo=UTC))
    assert tp.peak_rps == pytest.approx(10 / 60) and tp.peak_rps >= tp.mean_rps
