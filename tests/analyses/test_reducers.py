"""Analyses as reducers: the same numbers however the input is cut into chunks and files, a
merge that does not care how states are grouped, and one typed request to ingest."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest
from scipy.stats import entropy

from mlmon.analyses.ops import OpsReducer
from mlmon.analyses.predictions import PredictionReducer
from mlmon.api.drift import DriftOptions, build_drift_report
from mlmon.api.report import ReportOptions, build_report
from mlmon.ingest import IngestOptions, read_logs
from mlmon.plain import to_plain
from mlmon.windows import parse_window
from tests.conftest import REPO, SAMPLE_LOGS

T0 = datetime(2026, 11, 9, tzinfo=UTC)
TRAIN_PROFILE = REPO / "references" / "train.json"


@pytest.fixture(scope="module")
def two_files(tmp_path_factory):
    """Two replicas, interleaved in time, each with two models and out-of-order lines."""
    rng = np.random.default_rng(11)
    folder = tmp_path_factory.mktemp("replicas")
    for name in ("a", "b"):
        lines = []
        for i in range(3000):
            ts = (T0 + timedelta(seconds=float(rng.uniform(0, 6 * 3600)))).isoformat()
            version = "v1" if i % 3 else "v2"
            lines.append(
                {
                    "timestamp": ts,
                    "latency_ms": float(rng.lognormal(3, 0.5)),
                    "status": str(rng.choice(["ok", "error"], p=[0.97, 0.03])),
                    "model": "m",
                    "model_version": version,
                    "cpu_percent": float(rng.uniform(0, 100)),
                }
            )
            lines.append(
                {
                    "timestamp": ts,
                    "label": str(rng.choice(list("ABCD"))),
                    "confidence": float(rng.uniform(0.3, 1)),
                    "probabilities": [0.4, 0.3, 0.2, 0.1],
                    "model": "m",
                    "model_version": version,
                }
            )
        (folder / f"{name}.log").write_text("".join(json.dumps(line) + "\n" for line in lines))
    return [str(folder / "a.log"), str(folder / "b.log")]


@pytest.mark.parametrize("window", ["all", "1h", "500"])
def test_report_is_the_same_for_any_chunk_size(two_files, window):
    whole = build_report(two_files, ReportOptions(window=parse_window(window)))
    chunked = build_report(
        two_files, ReportOptions(ingest=IngestOptions(chunk_bytes=65536), window=parse_window(window))
    )
    assert _close(to_plain(chunked), to_plain(whole))
    assert whole.ingest.records == 12_000


@pytest.mark.parametrize("window", ["all", "1h", "700"])
def test_drift_is_the_same_for_any_chunk_size(two_files, window):
    options = DriftOptions(reference=TRAIN_PROFILE, window=parse_window(window))
    chunked = DriftOptions(
        reference=TRAIN_PROFILE, window=parse_window(window), ingest=IngestOptions(chunk_bytes=65536)
    )
    assert _close(to_plain(build_drift_report(two_files, chunked)), to_plain(build_drift_report(two_files, options)))


@pytest.mark.parametrize(
    "reducer",
    [
        OpsReducer(parse_window("1h")),
        OpsReducer(parse_window("400")),
        PredictionReducer(parse_window("400"), low_threshold=0.5),
    ],
)
def test_merge_is_associative(two_files, reducer):
    records = read_logs(two_files, needs=reducer.needs).frame.collect()
    a, b, c = (reducer.from_chunk(part) for part in (records[:1000], records[1000:5000], records[5000:]))
    left, right = reducer.merge(reducer.merge(a, b), c), reducer.merge(a, reducer.merge(b, c))
    finalize = reducer.finalize
    assert _close(to_plain(finalize(left)), to_plain(finalize(right)))  # up to summation order
    whole = finalize(reducer.from_chunk(records))
    assert _close(to_plain(finalize(left)), to_plain(whole))


def test_drift_reads_probabilities_whatever_ingest_options_the_caller_sets():
    """Issue 8's bug: an IngestOptions of the caller's own used to drop the probabilities,
    so every window's mean entropy read None. The oracle is scipy on the raw lines."""
    options = DriftOptions(reference=TRAIN_PROFILE, ingest=IngestOptions(max_malformed_share=0.1))
    windows = {w.model_version: w for w in build_drift_report([str(SAMPLE_LOGS)], options).confidence.windows}
    assert len(windows) == 2  # one window per version over the week: 1.4.0 and Sunday's canary 1.5.0
    entropies: dict[str, list] = {version: [] for version in windows}
    for path in sorted(SAMPLE_LOGS.rglob("app.log*")):
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt") as lines:
            for line in lines:
                try:
                    record = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if record.get("label") is not None and isinstance(record.get("probabilities"), dict):
                    entropies[record["model_version"]].append(list(record["probabilities"].values()))
    for version, window in windows.items():
        expected = np.mean(entropy(np.array(entropies[version]), base=2, axis=1))
        assert window.mean_entropy_bits == pytest.approx(expected, rel=1e-9), version
    assert 1.0 < windows["1.4.0"].mean_entropy_bits < 1.1 < windows["1.5.0"].mean_entropy_bits  # 1.5.0: less sure


def test_record_windows_follow_event_time_across_files(tmp_path):
    """Record-count windows need event-time order across files: here the later file comes
    first and each file is out of order inside."""
    times = [T0 + timedelta(minutes=i) for i in range(10)]
    first = [times[i] for i in (9, 5, 7, 6, 8)]
    second = [times[i] for i in (3, 0, 4, 1, 2)]
    for name, stamps in (("1.log", first), ("2.log", second)):
        (tmp_path / name).write_text(
            "".join(json.dumps({"timestamp": t.isoformat(), "latency_ms": t.minute * 1.0}) + "\n" for t in stamps)
        )
    report = build_report([str(tmp_path / "1.log"), str(tmp_path / "2.log")], ReportOptions(window=parse_window("4")))
    assert [w.start for w in report.windows] == [times[0], times[4], times[8]]
    assert [w.records for w in report.windows] == [4, 4, 2]
    assert [w.p99_ms for w in report.windows] == pytest.approx(
        [np.percentile([0, 1, 2, 3], 99), np.percentile([4, 5, 6, 7], 99), np.percentile([8, 9], 99)]
    )


def _close(actual, expected) -> bool:
    """Equal plain data; floats to 1e-9 relative (summation order differs by chunking)."""
    if isinstance(expected, float) and isinstance(actual, (int, float)):
        return actual == pytest.approx(expected, rel=1e-9, abs=1e-12)
    if isinstance(expected, dict):
        return (
            isinstance(actual, dict)
            and list(actual) == list(expected)
            and all(_close(actual[k], expected[k]) for k in expected)
        )
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(actual) == len(expected)
            and all(_close(a, e) for a, e in zip(actual, expected))
        )
    return actual == expected


def test_close_catches_differences():
    assert not _close({"a": [1.0, 2.0]}, {"a": [1.0, 2.1]}) and not _close({"a": 1}, {"b": 1})
    assert _close(pl.Series([1.0]).to_list(), [1.0 + 1e-15])


def test_python_twins_accept_the_cli_strings(two_files):
    typed = build_report(two_files, ReportOptions(window=parse_window("1h"), p99_budget_ms=0.2, max_error_rate=0.01))
    text = build_report(two_files, ReportOptions(window="1h", p99_budget_ms="200us", max_error_rate="1%"))
    assert _close(to_plain(text), to_plain(typed))  # sums run in parallel: last-digit noise
    assert [f.check for f in text.findings] == [
        "latency_p99",
        "error_rate",
        "latency_p99",
        "error_rate",
        "latency_p99",
        "error_rate",
    ]


def _write(tmp_path, lines, name="a.log"):
    path = tmp_path / name
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return str(path)


def test_throughput_edges(tmp_path):
    ts = lambda seconds: (T0 + timedelta(seconds=seconds)).isoformat()  # noqa: E731
    silent = build_report([_write(tmp_path, [{"timestamp": ts(i * 60), "cpu_percent": 5.0} for i in range(3)])])
    assert silent.overall.throughput.peak_minute is None and silent.overall.throughput.peak_rps == 0.0
    # One request a minute, the first two minutes tied: the earliest wins. Three requests in
    # 120 s are a mean of 0.025/s, above any one minute's 1/60: the peak is never below the mean.
    sparse = build_report(
        [_write(tmp_path, [{"timestamp": ts(i * 60 + 30), "latency_ms": 1.0} for i in range(3)], "b.log")]
    )
    assert sparse.overall.throughput.peak_rps == pytest.approx(3 / 120) and sparse.overall.throughput.peak_minute == T0
    # Two requests half a second apart: 4 per second.
    quick = build_report(
        [
            _write(
                tmp_path, [{"timestamp": ts(0), "latency_ms": 1.0}, {"timestamp": ts(0.5), "latency_ms": 2.0}], "c.log"
            )
        ]
    )
    assert quick.overall.throughput.mean_rps == pytest.approx(4.0)


def test_a_chunk_of_several_groups_keeps_every_value(tmp_path):
    lines = [{"timestamp": T0.isoformat(), "model_version": "v1", "latency_ms": 7.0, "confidence": 0.25}]
    lines += [{"timestamp": T0.isoformat(), "model_version": "v2", "label": "A"} for _ in range(3)]
    report = build_report([_write(tmp_path, lines)])
    (v1, v2) = report.by_model
    assert v1.latency.p99_ms == 7.0 and v1.predictions is None and v2.latency.p99_ms is None
    assert report.overall.latency.count == 1 and report.overall.predictions.confidence_p10 == 0.25


def test_an_empty_chunk_reduces_to_nothing(two_files):
    records = read_logs(two_files, needs=OpsReducer().needs).frame.collect()
    for reducer in (OpsReducer(parse_window("1h")), OpsReducer(parse_window("100"))):
        merged = reducer.merge(reducer.from_chunk(records.clear()), reducer.from_chunk(records))
        assert _close(to_plain(reducer.finalize(merged)), to_plain(reducer.finalize(reducer.from_chunk(records))))
