"""Logs written by the real logging libraries a service uses, read by mlmon (issue 21 §2a, §2b).

Each test logs records with python-json-logger, structlog or loguru (``serialize=True``),
under several of the latency names the docs promise (each in its unit), predictions as
``prediction``/``score`` and the like, errors the library's own way and input features,
then runs the report, reference and drift twins and checks every count against the
records written and every number against numpy on the values logged.
"""

from __future__ import annotations

import io
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from mlmon import DriftOptions, ReferenceBuildOptions, build_drift_report, build_reference, build_report

LATENCY_NAMES = [  # (name, milliseconds per logged unit): the field table (docs/log-format.md), by hand
    ("response_time", 1.0),
    ("inference_time_ms", 1.0),
    ("elapsed_s", 1e3),
    ("duration", 1.0),
    ("latency_us", 1e-3),
    ("responseTimeMs", 1.0),
    ("processing_time_seconds", 1e3),
    ("latency_ns", 1e-6),
    ("inferenceLatency", 1.0),
]
CLASSES = ["cat", "dog", "bird"]


@dataclass
class Written:
    """What a test logged: the oracle."""

    latency_ms: list[float] = field(default_factory=list)
    errors: int = 0
    error_only: int = 0
    labels: list[str] = field(default_factory=list)
    confidences: list[float] = field(default_factory=list)
    features: list[dict] = field(default_factory=list)
    records: int = 0


def plan(seed: int, n: int = 600) -> list[dict]:
    """``n`` records to log: latency under a rotating name, a prediction every other
    record, an error every 37th, features on most."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        name, unit = LATENCY_NAMES[i % len(LATENCY_NAMES)]
        ms = float(rng.lognormal(3.0, 0.4))
        record = {"latency": (name, round(ms / unit, 9), unit)}
        if i % 2 == 0:
            record["label"] = CLASSES[int(rng.integers(0, 3))]
            record["confidence"] = round(float(rng.uniform(0.3, 1.0)), 4)
        if i % 37 == 5:
            record["error"] = True
            if i % 74 == 5:
                record.pop("latency")  # an error with no latency is still a request
        if i % 10 != 9:
            record["features"] = {"brightness": round(float(rng.normal(0.5, 0.1)), 4), "region": ["eu", "us"][i % 2]}
        out.append(record)
    return out


def expected(records: list[dict]) -> Written:
    written = Written(records=len(records))
    for record in records:
        if "latency" in record:
            _, value, unit = record["latency"]
            written.latency_ms.append(value * unit)
        if record.get("error"):
            written.errors += 1
            written.error_only += "latency" not in record
        if "label" in record:
            written.labels.append(record["label"])
            written.confidences.append(record["confidence"])
        if "features" in record:
            written.features.append(record["features"])
    return written


def check_report(path: Path, written: Written) -> None:
    report = build_report([str(path)])
    overall = report.overall
    assert report.ingest.lines == report.ingest.records == written.records
    assert report.ingest.skipped == {}
    values = np.array(written.latency_ms)
    assert overall.latency.count == len(values)
    for got, q in ((overall.latency.p50_ms, 50), (overall.latency.p95_ms, 95), (overall.latency.p99_ms, 99)):
        assert got == pytest.approx(np.percentile(values, q), rel=1e-9)
    assert overall.latency.max_ms == pytest.approx(values.max(), rel=1e-12)
    assert overall.errors.requests == len(values) + written.error_only
    assert overall.errors.errors == written.errors
    labels, counts = np.unique(written.labels, return_counts=True)
    assert overall.predictions.count == len(written.labels)
    assert overall.predictions.class_counts == dict(zip(labels.tolist(), counts.tolist()))
    assert overall.predictions.confidence_mean == pytest.approx(np.mean(written.confidences), rel=1e-9)


def check_features_and_drift(path: Path, written: Written, tmp_path: Path) -> None:
    """The features reach a reference built from these logs and a drift run against it."""
    profile = build_reference([str(path)], tmp_path / "ref.json", ReferenceBuildOptions(from_logs=True))
    brightness = np.array([f["brightness"] for f in written.features])
    assert profile.features["brightness"].count == len(brightness)
    assert profile.features["brightness"].mean == pytest.approx(brightness.mean(), rel=1e-9)
    regions, region_counts = np.unique([f["region"] for f in written.features], return_counts=True)
    assert set(profile.features) == {"brightness", "region"}
    assert sum(profile.class_counts.values()) == len(written.labels)
    drift = build_drift_report([str(path)], DriftOptions(reference=str(tmp_path / "ref.json"), window="all"))
    [window] = drift.prediction.windows
    assert window.n == len(written.labels)
    verdicts = {verdict.feature: verdict for verdict in drift.features.verdicts}
    assert verdicts["brightness"].drift.n == len(brightness)
    assert verdicts["region"].drift.n == int(region_counts.sum())
    assert {feature.feature: feature.summary.current.n for feature in drift.features.features}["brightness"] == len(
        brightness
    )


# --- python-json-logger ---------------------------------------------------------------------------


def test_python_json_logger(tmp_path):
    jsonlogger = pytest.importorskip("pythonjsonlogger.json", reason="python-json-logger 3+ (pip install mlmon[test])")
    path = tmp_path / "pjl.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(jsonlogger.JsonFormatter("%(asctime)s %(levelname)s %(message)s"))
    log = logging.getLogger(f"mlmon-test-pjl-{id(path)}")
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    records = plan(seed=1)
    try:
        for record in records:
            extra: dict = {}
            if "latency" in record:
                name, value, _ = record["latency"]
                extra[name] = value
            if "label" in record:
                extra.update(prediction=record["label"], score=record["confidence"])
            if "features" in record:
                extra["features"] = record["features"]
            if record.get("error"):
                try:
                    raise TimeoutError("model server did not answer")
                except TimeoutError:
                    log.exception("inference failed", extra={**extra, "error_type": "TimeoutError"})
            else:
                log.info("inference", extra=extra)
    finally:
        log.removeHandler(handler)
        handler.close()
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(records) and "asctime" in json.loads(lines[0])  # the library's own shape
    assert any("exc_info" in json.loads(line) for line in lines)
    written = expected(records)
    check_report(path, written)
    check_features_and_drift(path, written, tmp_path)


# --- structlog --------------------------------------------------------------------------------------


def test_structlog_json_renderer(tmp_path):
    structlog = pytest.importorskip("structlog")
    out = io.StringIO()
    log = structlog.wrap_logger(
        structlog.PrintLogger(out),
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
    )
    records = plan(seed=2)
    for record in records:
        values: dict = {}
        if "latency" in record:
            name, value, _ = record["latency"]
            values[name] = value
        if "label" in record:
            values.update(predicted_class=record["label"], probability=record["confidence"])
        if "features" in record:
            values["features"] = record["features"]
        if record.get("error"):
            try:
                raise RuntimeError("CUDA error: out of memory")
            except RuntimeError:
                log.exception("inference_failed", **values)
        else:
            log.info("inference", **values)
    path = tmp_path / "structlog.log"
    path.write_text(out.getvalue(), encoding="utf-8")
    first = json.loads(out.getvalue().splitlines()[0])
    assert {"event", "level", "timestamp"} <= set(first)
    written = expected(records)
    check_report(path, written)
    check_features_and_drift(path, written, tmp_path)


# --- loguru -----------------------------------------------------------------------------------------


def test_loguru_serialize_reads_record_extra_features_and_all(tmp_path):
    loguru = pytest.importorskip("loguru")
    path = tmp_path / "loguru.log"
    token = f"mlmon-test-{id(path)}"
    sink = loguru.logger.add(path, serialize=True, filter=lambda message: message["extra"].get("test") == token)
    log = loguru.logger.bind(test=token)
    records = plan(seed=3)
    try:
        for record in records:
            values: dict = {}
            if "latency" in record:
                name, value, _ = record["latency"]
                values[name] = value
            if "label" in record:
                values.update(prediction=record["label"], confidence_score=record["confidence"])
            if "features" in record:
                values["features"] = record["features"]
            if record.get("error"):
                try:
                    raise ValueError("bad input tensor")
                except ValueError:
                    log.bind(**values).exception("inference failed")
            else:
                log.bind(**values).info("inference")
    finally:
        loguru.logger.remove(sink)
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == len(records)
    assert all(
        "features" not in line and "features" in line["record"]["extra"]
        for line, r in zip(lines, records)
        if "features" in r
    )
    assert all("elapsed" in line["record"] for line in lines)  # loguru's own time since start: no latency
    written = expected(records)
    check_report(path, written)
    check_features_and_drift(path, written, tmp_path)


def test_loguru_record_elapsed_is_not_a_latency(tmp_path):
    loguru = pytest.importorskip("loguru")
    path = tmp_path / "loguru.log"
    token = f"mlmon-test-{id(path)}"
    sink = loguru.logger.add(path, serialize=True, filter=lambda message: message["extra"].get("test") == token)
    try:
        for label in ("a", "b", "a"):
            loguru.logger.bind(test=token, label=label).info("prediction")
    finally:
        loguru.logger.remove(sink)
    report = build_report([str(path)])
    assert report.overall.latency.count == 0 and report.overall.errors.requests == 0
    assert report.overall.predictions.class_counts == {"a": 2, "b": 1}


def test_the_test_extra_names_the_libraries_these_tests_use():
    """CI installs ``.[test]``: these tests must run there, not skip."""
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    project = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text(encoding="utf-8"))
    test_extra = " ".join(project["project"]["optional-dependencies"]["test"])
    for package in ("python-json-logger", "structlog", "loguru"):
        assert package in test_extra, package
