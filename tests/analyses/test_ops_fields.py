"""Report fields a mutation audit found unchecked, each against numpy or a hand count.

Only the stable public names are imported (the package layout is being refactored).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from mlmon import ReportOptions, build_report
from mlmon.windows import parse_window

T0 = datetime(2026, 11, 9, tzinfo=UTC)


def iso(offset_s: float) -> str:
    return (T0 + timedelta(seconds=offset_s)).isoformat().replace("+00:00", "Z")


def expected_order(counts: dict[str, int]) -> list[str]:
    """Largest count first, ties by label ascending (hand-written oracle)."""
    return sorted(counts, key=lambda label: (-counts[label], label))


# --------------------------------------------------------------------------- class shares and order


def test_class_shares_and_order_overall_and_per_version(write_lines):
    # v1: B 5, A 5 (tie: A first), C 7, D 1 -> C, A, B, D
    # v2: Z 3, Y 3, X 3 (three-way tie: X, Y, Z), A 1
    # Labels are written in an order unlike the expected one, and inference records without a
    # label are mixed in, so shares must divide by predictions, not by records.
    v1 = ["D"] + ["B"] * 5 + ["C"] * 7 + ["A"] * 5
    v2 = ["A"] + ["Z"] * 3 + ["Y"] * 3 + ["X"] * 3
    lines, t = [], 0
    for version, labels in (("v1", v1), ("v2", v2)):
        for label in labels:
            lines.append(
                {
                    "timestamp": iso(t),
                    "event": "inference",
                    "latency_ms": 10.0,
                    "status": "ok",
                    "model": "m",
                    "model_version": version,
                }
            )
            lines.append(
                {
                    "timestamp": iso(t),
                    "event": "prediction",
                    "label": label,
                    "confidence": 0.9,
                    "model": "m",
                    "model_version": version,
                }
            )
            t += 1
    report = build_report([str(write_lines("shares.log", lines))])

    for labels, pred in (
        (v1 + v2, report.overall.predictions),
        (v1, {g.model_version: g for g in report.by_model}["v1"].predictions),
        (v2, {g.model_version: g for g in report.by_model}["v2"].predictions),
    ):
        uniq, counts = np.unique(labels, return_counts=True)
        truth = dict(zip(uniq.tolist(), counts.tolist()))
        order = expected_order(truth)
        assert pred.count == len(labels)
        assert list(pred.class_counts) == order
        assert pred.class_counts == truth
        assert list(pred.class_shares) == order
        for label in order:
            assert pred.class_shares[label] == pytest.approx(truth[label] / len(labels), rel=1e-12)
        assert sum(pred.class_shares.values()) == pytest.approx(1.0)

    # hand-checked orders, independent of the helper
    assert list(report.overall.predictions.class_counts) == ["C", "A", "B", "X", "Y", "Z", "D"]
    assert report.overall.predictions.class_counts["A"] == 6
    assert list({g.model_version: g for g in report.by_model}["v2"].predictions.class_counts) == ["X", "Y", "Z", "A"]


# --------------------------------------------------------------------------- latency mean, resources


def test_mean_latency_and_resources_match_numpy(write_lines):
    rng = np.random.default_rng(3)
    latency = np.round(rng.lognormal(3.0, 0.8, 500), 3)
    cpu = np.round(rng.uniform(0, 100, 80), 2)
    rss = np.round(rng.uniform(300, 900, 60), 1)
    lines = [
        {"timestamp": iso(i), "event": "inference", "latency_ms": float(v), "status": "ok"}
        for i, v in enumerate(latency)
    ]
    # 40 records carry both, 40 only cpu, 20 only rss: each mean must use its own values
    for i in range(80):
        record = {"timestamp": iso(1000 + i), "event": "resources", "cpu_percent": float(cpu[i])}
        if i < 40:
            record["rss_mb"] = float(rss[i])
        lines.append(record)
    lines += [{"timestamp": iso(2000 + i), "event": "resources", "rss_mb": float(rss[40 + i])} for i in range(20)]
    overall = build_report([str(write_lines("res.log", lines))]).overall

    assert overall.latency.mean_ms == pytest.approx(np.mean(latency), rel=1e-12)
    assert overall.latency.mean_ms != pytest.approx(np.median(latency), rel=1e-3)
    res = overall.resources
    assert res.samples == 100
    assert res.cpu_mean == pytest.approx(np.mean(cpu), rel=1e-12)
    assert res.cpu_max == np.max(cpu)
    assert res.rss_mean_mb == pytest.approx(np.mean(rss), rel=1e-12)
    assert res.rss_max_mb == np.max(rss)
    # the four figures are distinct, so a swapped field cannot pass
    assert len({res.cpu_mean, res.cpu_max, res.rss_mean_mb, res.rss_max_mb}) == 4


def test_resources_and_predictions_are_none_when_not_logged(write_lines):
    only_latency = write_lines(
        "lat.log", [{"timestamp": iso(i), "latency_ms": 5.0 + i, "status": "ok"} for i in range(10)]
    )
    overall = build_report([str(only_latency)]).overall
    assert overall.resources is None
    assert overall.predictions is None

    # confidence without a label is not a prediction; resources present here
    mixed = write_lines(
        "mixed.log",
        [
            {"timestamp": iso(0), "latency_ms": 5.0, "confidence": 0.7},
            {"timestamp": iso(1), "cpu_percent": 12.0},
        ],
    )
    overall = build_report([str(mixed)]).overall
    assert overall.predictions is None
    assert overall.resources is not None and overall.resources.samples == 1
    assert overall.resources.rss_mean_mb is None and overall.resources.rss_max_mb is None

    labelled = write_lines("one.log", [{"timestamp": iso(0), "label": "A"}, {"timestamp": iso(1), "rss_mb": 100.0}])
    overall = build_report([str(labelled)]).overall
    assert overall.predictions is not None and overall.predictions.count == 1
    assert overall.predictions.class_shares == {"A": 1.0}
    assert overall.resources.cpu_mean is None and overall.resources.rss_max_mb == 100.0


# --------------------------------------------------------------------------- boundary values


def test_boundary_values_are_kept_and_outside_values_skipped(write_lines):
    legal_conf = [1.0, 0.0, 0.5, 0.25]
    legal_cpu = [0.0, 50.0, 100.0]
    legal_latency = [0.0, 10.0, 20.0, 40.0]
    lines = []
    for i, (c, label) in enumerate(zip(legal_conf, "ABAB")):
        lines.append({"timestamp": iso(i), "label": label, "confidence": c})
    lines.append({"timestamp": iso(10), "label": "A", "confidence": 1.0001})  # just outside
    for i, c in enumerate(legal_cpu):
        lines.append({"timestamp": iso(20 + i), "cpu_percent": c})
    lines.append({"timestamp": iso(30), "cpu_percent": -0.5})  # just outside
    for i, v in enumerate(legal_latency):
        lines.append({"timestamp": iso(40 + i), "latency_ms": v, "status": "ok"})
    lines.append({"timestamp": iso(50), "latency_ms": -0.001, "status": "ok"})  # just outside
    report = build_report([str(write_lines("edges.log", lines))])

    assert report.ingest.skipped == {
        "impossible value: confidence": 1,
        "impossible value: cpu_percent": 1,
        "impossible value: latency_ms": 1,
    }
    overall = report.overall
    pred = overall.predictions
    # the record with the impossible confidence keeps its label: 5 predictions, 3 A
    assert pred.count == 5 and pred.class_counts == {"A": 3, "B": 2}
    assert pred.confidence_mean == pytest.approx(np.mean(legal_conf))
    assert pred.confidence_p10 == pytest.approx(np.percentile(legal_conf, 10))
    res = overall.resources
    assert res.cpu_mean == pytest.approx(np.mean(legal_cpu))  # 0 included, -0.5 not
    assert res.cpu_max == 100.0
    lat = overall.latency
    assert lat.count == len(legal_latency)
    assert lat.mean_ms == pytest.approx(np.mean(legal_latency))
    assert lat.p50_ms == pytest.approx(np.percentile(legal_latency, 50))
    # the record with the impossible latency still has a status: it is a request
    assert overall.errors.requests == len(legal_latency) + 1


def test_exact_bounds_produce_no_skips(write_lines):
    lines = [
        {"timestamp": iso(0), "label": "A", "confidence": 1.0, "latency_ms": 0, "cpu_percent": 0, "rss_mb": 0},
        {"timestamp": iso(1), "label": "B", "confidence": 0.0, "latency_ms": 0.0, "cpu_percent": 0.0},
    ]
    report = build_report([str(write_lines("exact.log", lines))])
    assert report.ingest.skipped == {}
    overall = report.overall
    assert overall.predictions.confidence_mean == pytest.approx(0.5)
    assert overall.latency.count == 2 and overall.latency.max_ms == 0.0
    assert overall.resources.cpu_mean == 0.0 and overall.resources.cpu_max == 0.0
    assert overall.resources.rss_max_mb == 0.0


# --------------------------------------------------------------------------- windows


def test_hourly_windows_match_numpy_with_an_empty_hour(write_lines):
    rng = np.random.default_rng(11)
    hours = [0, 1, 3]  # hour 2 is silent
    per_hour = {0: 400, 1: 250, 3: 300}
    offsets, latency, status = [], [], []
    for h in hours:
        n = per_hour[h]
        offsets.append(h * 3600 + np.sort(rng.choice(3600, size=n, replace=False)).astype(float))
        latency.append(np.round(rng.lognormal(3.0, 0.7, n), 3))
        status.append(rng.choice(["ok", "error", "timeout"], size=n, p=[0.9, 0.06, 0.04]))
    offsets, latency, status = np.concatenate(offsets), np.concatenate(latency), np.concatenate(status)
    lines = [
        {"timestamp": iso(float(o)), "event": "inference", "latency_ms": float(v), "status": str(s)}
        for o, v, s in zip(offsets, latency, status)
    ]
    # predictions are records but not requests: 20 in hour 1
    lines += [{"timestamp": iso(3600 + 60 * i + 0.5), "event": "prediction", "label": "A"} for i in range(20)]
    report = build_report([str(write_lines("hours.log", lines))], ReportOptions(window=parse_window("1h")))

    assert [w.start for w in report.windows] == [T0 + timedelta(hours=k) for k in range(4)]
    hour_of = (offsets // 3600).astype(int)
    for k, w in enumerate(report.windows):
        mask = hour_of == k
        if k == 2:
            assert (w.records, w.requests, w.p99_ms, w.error_rate) == (0, 0, None, None)
            continue
        assert w.requests == int(mask.sum())
        assert w.records == int(mask.sum()) + (20 if k == 1 else 0)
        assert w.p99_ms == pytest.approx(np.percentile(latency[mask], 99), rel=1e-12)
        assert w.error_rate == pytest.approx(np.mean(status[mask] != "ok"), rel=1e-12)


def test_record_windows_start_at_first_record_in_event_time_across_files(write_lines):
    rng = np.random.default_rng(5)
    n = 250
    offsets = rng.choice(100_000, size=n, replace=False).astype(float)  # unique seconds, random order
    latency = np.round(rng.uniform(1, 100, n), 3)
    lines = [{"timestamp": iso(float(o)), "latency_ms": float(v), "status": "ok"} for o, v in zip(offsets, latency)]
    part = rng.permutation(n)
    a = write_lines("a.log", [lines[i] for i in part[: n // 2]])
    b = write_lines("b.log", [lines[i] for i in part[n // 2 :]])
    report = build_report([str(b), str(a)], ReportOptions(window=parse_window("100")))

    order = np.argsort(offsets)
    sorted_offsets, sorted_latency = offsets[order], latency[order]
    assert [w.start for w in report.windows] == [
        T0 + timedelta(seconds=float(sorted_offsets[k])) for k in (0, 100, 200)
    ]
    assert [w.records for w in report.windows] == [100, 100, 50]
    for k, w in enumerate(report.windows):
        block = sorted_latency[100 * k : 100 * (k + 1)]
        assert w.p99_ms == pytest.approx(np.percentile(block, 99), rel=1e-12)
