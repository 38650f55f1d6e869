"""mlmon.instrument's service side: formatter, wrappers, sampling, failures, resources, rotation."""

from __future__ import annotations

import io
import json
import logging
import logging.handlers
import math
import os
import random
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from mlmon import build_report
from mlmon.instrument import JsonFormatter, MonitoredSession, PredictionLog, ResourceMonitor, monitor, top_class

MODEL = Path(__file__).resolve().parents[2] / "mlmon" / "models" / "imgcls4.onnx"


def read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _logger(name: str, handler: logging.Handler) -> logging.Logger:
    logger = logging.getLogger(name)
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    return logger


def test_formatter_writes_mlmon_lines_with_extras_and_exceptions():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter(model="imgcls4"))
    logger = _logger("mlmon.test.formatter", handler)
    logger.info("inference", extra={"latency_ms": 12.5, "status": "ok", "score": float("nan")})
    logger.info("prediction", extra={"label": "A", "confidence": 0.91})
    try:
        raise KeyError("boom")
    except KeyError:
        logger.exception("inference", extra={"latency_ms": 3.0})
    inference, prediction, failed = (json.loads(line) for line in stream.getvalue().splitlines())
    assert list(inference)[:5] == ["ts", "event", "level", "logger", "model"]
    assert inference["ts"].endswith("Z") and "T" in inference["ts"]
    assert inference["event"] == "inference" and inference["level"] == "info" and inference["model"] == "imgcls4"
    assert inference["latency_ms"] == 12.5 and inference["score"] is None  # NaN -> null
    assert prediction["label"] == "A" and prediction["confidence"] == 0.91
    assert failed["level"] == "error" and failed["error"] == "KeyError: 'boom'"
    assert "Traceback" in failed["exc_info"] and failed["latency_ms"] == 3.0
    with pytest.raises(ValueError):
        JsonFormatter(event="x")


def test_top_class_reads_probabilities_logits_and_zipmap():
    assert top_class([0.1, 0.7, 0.2], ["a", "b", "c"]) == ("b", 0.7)
    label, confidence = top_class([[1.0, 3.0]], ["x", "y"])  # logits, batch of one
    assert label == "y" and confidence == pytest.approx(math.exp(3) / (math.exp(1) + math.exp(3)))
    assert top_class({"cat": 0.2, "dog": 0.8}) == ("dog", 0.8)
    assert top_class([0.4, 0.6]) == ("1", 0.6)  # no names: the index
    assert top_class([[0.1, 0.9], [0.8, 0.2]]) is None  # a batch: no single prediction
    assert top_class([0.5, 0.5], ["only-one"]) is None


def test_monitor_writes_one_record_per_call_and_reraises(tmp_path):
    path = tmp_path / "a.jsonl"
    log = PredictionLog(path, model="m", model_version="2")
    error = RuntimeError("model broke")

    @monitor(log, class_names=["A", "B"], features=lambda x: {"x": x, "bad": 1 / 0 if x == 3 else 0})
    def predict(x):
        if x == 1:
            raise error
        if x == 2:
            raise ValueError("wrong shape")
        if x == 4:
            raise TimeoutError
        return [0.25, 0.75]

    assert predict(0, request_id="r0") == [0.25, 0.75]
    with pytest.raises(RuntimeError) as caught:
        predict(1)
    assert caught.value is error  # the service's exception, unchanged
    with pytest.raises(ValueError):
        predict(2)
    with pytest.raises(TimeoutError):
        predict(4)
    predict(3)  # a failing summary is left out, the call still logs
    log.close()
    ok, broke, invalid, timeout, no_features = read(path)
    assert (
        ok["request_id"] == "r0"
        and ok["label"] == "B"
        and ok["confidence"] == 0.75
        and ok["features"] == {"x": 0, "bad": 0}
    )
    assert ok["event"] == "inference" and ok["status"] == "ok" and ok["model_version"] == "2" and ok["latency_ms"] >= 0
    assert (broke["status"], broke["error_kind"], broke["level"]) == ("error", "RuntimeError", "error")
    assert (invalid["status"], invalid["error_kind"]) == ("invalid_input", "ValueError")
    assert (timeout["status"], timeout["error_kind"]) == ("timeout", "TimeoutError")
    assert "label" not in broke and "features" not in no_features and no_features["label"] == "B"
    assert len({r["request_id"] for r in read(path)}) == 5


def test_sampling_logs_whole_calls_and_writes_the_rate(tmp_path):
    path = tmp_path / "a.jsonl"
    log = PredictionLog(path, sample_rate=0.25)
    predict = monitor(log, class_names=["A", "B"])(lambda x: [0.9, 0.1])
    random.seed(7)
    for i in range(2000):
        predict(i)
    log.close()
    records = read(path)
    assert 400 < len(records) < 600
    assert all(r["sample_rate"] == 0.25 and r["label"] == "A" for r in records)
    with pytest.raises(ValueError):
        PredictionLog(path, sample_rate=0)


def test_write_failures_never_reach_the_service(tmp_path, capsys):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full on this system")
    log = PredictionLog("/dev/full")  # every write fails with ENOSPC, as on a full disk
    predict = monitor(log)(lambda x: x * 2)
    assert [predict(i) for i in range(3)] == [0, 2, 4]
    assert log.failures == 3 and log.records_written == 0
    err = capsys.readouterr().err
    assert err.count("mlmon.instrument: could not write") == 1 and "OSError" in err

    closed = PredictionLog(tmp_path / "b.jsonl")
    closed._stream.close()  # a file closed under the logger
    closed.inference(1.0)

    class Unprintable:
        def __str__(self):
            raise RuntimeError("no text")

    closed2 = PredictionLog(tmp_path / "c.jsonl")
    closed2.prediction(label=Unprintable())
    assert closed.failures == 1 and closed2.failures == 1


def test_thread_safe_under_concurrent_futures(tmp_path):
    path = tmp_path / "a.jsonl"
    log = PredictionLog(path, model="m")
    predict = monitor(log, class_names=["A", "B"])(lambda x: [0.1, 0.9] if x % 2 else [0.9, 0.1])
    with ThreadPoolExecutor(max_workers=8) as pool:
        assert len(list(pool.map(predict, range(4000)))) == 4000
    log.close()
    records = read(path)
    assert len(records) == 4000 and len({r["request_id"] for r in records}) == 4000
    assert sum(r["label"] == "B" for r in records) == 2000


def test_resource_monitor_writes_and_stops(tmp_path):
    path = tmp_path / "a.jsonl"
    log = PredictionLog(path)
    with ResourceMonitor(log, interval_s=0.02) as monitor_:
        deadline = time.monotonic() + 5
        while log.records_written < 3 and time.monotonic() < deadline:
            sum(range(10_000))
    written = log.records_written
    time.sleep(0.1)
    assert log.records_written == written >= 3  # stopped: no more records
    assert not monitor_._thread.is_alive()
    records = read(path)
    assert all(r["event"] == "resources" and r["rss_mb"] > 1 and r["cpu_percent"] >= 0 for r in records)
    report = build_report(str(path)).to_dict()
    assert report["resources"] is not None


def test_rotating_handler_and_mlmon_reads_the_rotated_set(tmp_path):
    handler = logging.handlers.RotatingFileHandler(tmp_path / "svc.jsonl", maxBytes=4000, backupCount=50)
    log = PredictionLog(handler, model="m")
    predict = monitor(log, class_names=["A", "B"])(lambda x: [0.9, 0.1])
    for i in range(200):
        predict(i)
    log.close()
    handler.close()
    assert len(list(tmp_path.iterdir())) > 3  # svc.jsonl, svc.jsonl.1, ...
    report = build_report(str(tmp_path)).to_dict()
    assert report["records"] == 200 and report["predictions"]["count"] == 200


def test_watched_handler_follows_logrotate(tmp_path):
    handler = logging.handlers.WatchedFileHandler(tmp_path / "svc.jsonl")
    handler.setFormatter(JsonFormatter())  # a formatter on the handler does not wrap the line again
    log = PredictionLog(handler)
    for i in range(10):
        log.inference(1.0)
        if i == 4:
            os.rename(tmp_path / "svc.jsonl", tmp_path / "svc.jsonl.1")  # what logrotate does
    handler.close()
    assert len(read(tmp_path / "svc.jsonl")) == 5 == len(read(tmp_path / "svc.jsonl.1"))
    assert read(tmp_path / "svc.jsonl")[0]["latency_ms"] == 1.0
    assert build_report(str(tmp_path)).to_dict()["records"] == 10


def test_monitored_onnx_session(tmp_path):
    ort = pytest.importorskip("onnxruntime")
    np = pytest.importorskip("numpy")
    path = tmp_path / "a.jsonl"
    log = PredictionLog(path, model="imgcls4", model_version="1")
    session = MonitoredSession(ort.InferenceSession(str(MODEL)), log, class_names=list("ABCD"), features="image")
    name = session.get_inputs()[0].name  # other attributes are the session's
    image = np.full((1, 3, 64, 64), 0.5, dtype=np.float32)
    (probabilities,) = session.run(None, {name: image}, request_id="req-1")
    with pytest.raises(Exception) as caught:
        session.run(None, {name: np.zeros((1, 2), dtype=np.float32)})
    log.close()
    ok, bad = read(path)
    assert ok["label"] == "ABCD"[int(probabilities[0].argmax())]
    assert ok["confidence"] == pytest.approx(float(probabilities[0].max()))
    assert ok["request_id"] == "req-1" and ok["features"]["brightness"] == pytest.approx(0.5)
    assert ok["features"]["width"] == 64
    assert bad["status"] == "invalid_input" and bad["error_kind"] == type(caught.value).__name__


def test_import_is_standard_library_only():
    code = (
        "import sys, mlmon.instrument, mlmon.instrument.wrappers, mlmon.instrument.resources; "
        "assert not {'numpy', 'polars', 'onnxruntime'} & set(sys.modules), sorted(sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
