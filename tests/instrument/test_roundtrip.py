"""Round trip: instrumented calls → log files → build_report, build_drift_report, build_check.

A fake clock gives every call a known latency and start time, so the report's numbers can
be compared with what the service did: counts (each prediction once), latencies, labels,
error kinds and input statistics.
"""

from __future__ import annotations

import json
import logging
import random
import statistics
from pathlib import Path

import numpy as np
import pytest

from mlmon import (
    CheckOptions,
    DriftOptions,
    ReferenceBuildOptions,
    build_check,
    build_drift_report,
    build_reference,
    build_report,
)
from mlmon.instrument import JsonFormatter, PredictionLog, monitor, wrappers

START_NS = 1_790_000_000 * 10**9  # 2026-09-21


class FakeClock:
    """``time.perf_counter`` and ``time.time_ns`` that move only when told to."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def perf_counter(self) -> float:
        return self.seconds

    def time_ns(self) -> int:
        return START_NS + round(self.seconds * 1e9)


def run_service(path: Path, clock: FakeClock, shift: float, seed: int, n: int = 600) -> dict:
    """n calls: every 20th fails (invalid, timeout, error in turn); returns what was done."""
    rng = random.Random(seed)
    done = {"latencies": [], "labels": [], "errors": {"invalid_input": 0, "timeout": 0, "error": 0}, "x": []}
    log = PredictionLog(path, append=False, model="fraud", model_version="3")

    @monitor(log, class_names=["A", "B", "C"], features=lambda x, latency: {"x": x})
    def predict(x: float, latency: float) -> list[float]:
        clock.seconds += latency
        if fail := kinds.get(len(done["latencies"]) % 60):
            raise fail
        return [0.8, 0.15, 0.05] if x < 0.0 else [0.1, 0.2, 0.7] if x < 1.5 else [0.2, 0.6, 0.2]

    kinds = {19: ValueError("bad input"), 39: TimeoutError(), 59: RuntimeError("oom")}
    for _ in range(n):
        x, latency = rng.gauss(shift, 1.0), rng.uniform(0.001, 0.050)
        clock.seconds += 0.1  # between requests
        try:
            result = predict(x, latency)
            done["labels"].append("ABC"[result.index(max(result))])
            done["x"].append(x)
        except (ValueError, TimeoutError, RuntimeError) as exc:
            done["errors"][{ValueError: "invalid_input", TimeoutError: "timeout"}.get(type(exc), "error")] += 1
        done["latencies"].append(latency * 1000)
    log.close()
    return done


@pytest.fixture()
def fake_clock(monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr(wrappers, "time", clock)
    return clock


def test_report_drift_and_check_read_what_the_service_logged(tmp_path, fake_clock):
    reference = run_service(tmp_path / "ref" / "svc.jsonl", fake_clock, shift=0.0, seed=1)
    current = run_service(tmp_path / "cur" / "svc.jsonl", fake_clock, shift=1.0, seed=2)

    report = build_report(str(tmp_path / "cur")).to_dict()
    assert report["records"] == 600 and report["inputs"]["skipped_lines"] == 0
    assert report["predictions"]["count"] == len(current["labels"]) == 570  # each prediction once
    assert report["predictions"]["class_counts"] == {
        k: current["labels"].count(k) for k in "ABC" if k in current["labels"]
    }
    errors = report["errors"]
    assert errors["requests"] == 600 and errors["errors"] == 30
    assert (
        {k: errors["by_kind"][k] for k in current["errors"]}
        == current["errors"]
        == {"invalid_input": 10, "timeout": 10, "error": 10}
    )
    latency = report["latency"]
    assert latency["count"] == 600
    assert latency["p50_ms"] == pytest.approx(float(np.percentile(current["latencies"], 50)), abs=1e-6)
    assert latency["p99_ms"] == pytest.approx(float(np.percentile(current["latencies"], 99)), abs=1e-6)
    assert latency["max_ms"] == pytest.approx(max(current["latencies"]), abs=1e-6)
    assert report["throughput"]["requests"] == 600

    build_reference(str(tmp_path / "ref"), tmp_path / "ref.json", ReferenceBuildOptions(from_logs=True))
    drift = build_drift_report(str(tmp_path / "cur"), DriftOptions(reference=tmp_path / "ref.json")).to_dict()
    assert drift["reference"]["n_rows"] == len(reference["labels"])
    assert drift["prediction_drift"]["severity"] == "critical"
    (feature,) = drift["feature_drift"]["features"]
    assert feature["name"] == "x" and feature["severity"] == "critical"
    window = feature
    assert window["current"]["n"] == 570
    assert window["current"]["mean"] == pytest.approx(statistics.fmean(current["x"]), abs=1e-9)
    assert window["reference"]["mean"] == pytest.approx(statistics.fmean(reference["x"]), abs=1e-9)

    check = build_check(str(tmp_path / "cur"), CheckOptions(reference=tmp_path / "ref.json")).to_dict()
    found = {(f["check"], f["severity"]) for f in check["findings"]}
    assert ("feature_drift", "critical") in found and ("prediction_drift", "critical") in found
    assert check["status"] == "critical"


def test_one_call_is_one_prediction_not_two(tmp_path):
    """Issue 13: the old README snippet logged each prediction twice (1,201 for 600 calls)."""
    path = tmp_path / "svc.jsonl"
    with PredictionLog(path, model="m") as log:
        for i in range(600):
            with log.timed(request_id=str(i)) as call:
                call.update(label="A", confidence=0.9)
    assert build_report(str(path)).to_dict()["predictions"]["count"] == 600


def test_plain_logging_with_the_formatter_round_trips(tmp_path):
    path = tmp_path / "svc.jsonl"
    handler = logging.FileHandler(path)
    handler.setFormatter(JsonFormatter(model="m"))
    logger = logging.getLogger("mlmon.test.roundtrip")
    logger.handlers[:] = [handler]
    logger.propagate, logger.level = False, logging.INFO
    for i in range(100):
        logger.info("inference", extra={"latency_ms": float(i)})
        logger.info("prediction", extra={"label": "AB"[i % 2], "confidence": 0.9})
    try:
        raise RuntimeError("model crashed")
    except RuntimeError:
        logger.exception("inference", extra={"latency_ms": 5.0})
    handler.close()
    report = build_report(str(path)).to_dict()
    assert report["records"] == 201 and report["predictions"]["count"] == 100
    assert report["errors"]["requests"] == 101 and report["errors"]["errors"] == 1
    assert report["latency"]["max_ms"] == 99.0
    assert report["predictions"]["class_counts"] == {"A": 50, "B": 50}
    assert json.loads(path.read_text().splitlines()[-1])["error"] == "RuntimeError: model crashed"
