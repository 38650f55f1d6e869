"""mlmon.instrument: the log writer a Python service uses."""

from __future__ import annotations

import io
import json
import re
import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest

from mlmon.instrument import PredictionLog, format_ts

TS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")


def read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_inference_and_prediction_records(tmp_path):
    path = tmp_path / "logs" / "svc.jsonl"  # parent directory is created
    with PredictionLog(path, model="imgcls4", model_version="3") as log:
        log.inference(latency_ms=1.234, request_id="r1")
        log.prediction(label="A", confidence=0.93, probabilities=[0.93, 0.07], request_id="r1")
    inference, prediction = read(path)
    assert list(inference)[:3] == ["ts", "event", "level"]
    assert inference == {
        "ts": inference["ts"],
        "event": "inference",
        "level": "info",
        "model": "imgcls4",
        "model_version": "3",
        "latency_ms": 1.234,
        "status": "ok",
        "request_id": "r1",
    }
    assert TS.match(inference["ts"])
    assert prediction["event"] == "prediction" and prediction["label"] == "A"
    assert prediction["confidence"] == 0.93 and prediction["probabilities"] == [0.93, 0.07]
    assert log.records_written == 2


def test_error_statuses_log_at_error_level(tmp_path):
    path = tmp_path / "a.jsonl"
    with PredictionLog(path) as log:
        for status in ("error", "timeout", "invalid_input", "ok"):
            log.inference(5.0, status)
        log.inference(5.0, "ok", level="warning")
    assert [r["level"] for r in read(path)] == ["error", "error", "error", "info", "warning"]


def test_values_are_made_strict_json(tmp_path):
    path = tmp_path / "a.jsonl"
    with PredictionLog(path) as log:
        log.prediction(
            label=np.int64(2),
            confidence=np.float32(0.5),
            probabilities=np.array([0.5, 0.5]),
            nan=float("nan"),
            inf=float("inf"),
            when=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
            nested={"a": (1, np.float64(2.5))},
            obj=Path("x"),
        )
    line = path.read_text()
    assert "NaN" not in line and "Infinity" not in line
    (record,) = read(path)
    assert record["label"] == 2 and record["confidence"] == 0.5 and record["probabilities"] == [0.5, 0.5]
    assert record["nan"] is None and record["inf"] is None
    assert record["when"] == "2026-01-02T03:04:05.000000Z"
    assert record["nested"] == {"a": [1, 2.5]} and record["obj"] == "x"


def test_reserved_fields_are_not_overridden(tmp_path):
    path = tmp_path / "a.jsonl"
    with pytest.raises(ValueError):
        PredictionLog(path, event="x")
    with PredictionLog(path) as log:
        log.write("inference", level="info", ts=0.0, latency_ms=1.0)
    (record,) = read(path)
    assert record["ts"] == "1970-01-01T00:00:00.000000Z" and record["event"] == "inference"


def test_format_ts_accepts_every_time_kind():
    moment = datetime(2026, 11, 25, 10, 0, 0, 123456, tzinfo=UTC)
    expected = "2026-11-25T10:00:00.123456Z"
    assert format_ts(moment) == expected
    assert format_ts(moment.replace(tzinfo=None)) == expected  # naive is UTC
    assert format_ts(moment.astimezone(timezone(timedelta(hours=2)))) == expected
    seconds = int(moment.timestamp())
    assert format_ts(moment.timestamp()) == expected  # epoch seconds, float
    assert format_ts(seconds) == expected.replace(".123456", ".000000")  # int seconds
    assert format_ts(seconds * 1000 + 123) == expected.replace(".123456", ".123000")  # ms
    assert format_ts(seconds * 10**6 + 123456) == expected  # µs
    assert format_ts(seconds * 10**9 + 123456789) == expected  # ns, truncated to µs
    assert TS.match(format_ts())


def test_timed_records_latency_and_errors(tmp_path):
    path = tmp_path / "a.jsonl"
    log = PredictionLog(path, model="m")
    with log.timed(request_id="ok") as call:
        sum(range(1000))
        call.update(label="B", confidence=0.8)
    with pytest.raises(KeyError), log.timed(request_id="bad"):
        raise KeyError("boom")
    with log.timed() as call:
        call.status = "timeout"
    log.close()
    ok, bad, slow = read(path)
    assert ok["status"] == "ok" and ok["latency_ms"] > 0 and ok["label"] == "B" and ok["request_id"] == "ok"
    assert bad["status"] == "error" and bad["level"] == "error" and bad["error_kind"] == "KeyError"
    assert slow["status"] == "timeout" and slow["level"] == "error"
    assert ok["ts"] <= bad["ts"] <= slow["ts"]


def test_stream_target_is_flushed_and_left_open():
    stream = io.StringIO()
    log = PredictionLog(stream, model="m")
    log.inference(1.0)
    assert json.loads(stream.getvalue())["latency_ms"] == 1.0
    log.close()
    assert not stream.closed


def test_lines_are_visible_before_close_and_append_mode(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text('{"old": 1}\n')
    log = PredictionLog(path)
    log.inference(1.0)
    assert len(path.read_text().splitlines()) == 2  # line-buffered: already on disk
    log.close()
    with PredictionLog(path, append=False) as log:
        log.inference(2.0)
    assert [r.get("latency_ms") for r in read(path)] == [2.0]


def test_threads_never_interleave_lines(tmp_path):
    path = tmp_path / "a.jsonl"
    log = PredictionLog(path, model="m")

    def work(worker: int) -> None:
        for i in range(300):
            log.inference(float(i), worker=worker, padding="x" * 200)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    log.close()
    records = read(path)
    assert len(records) == 2400 == log.records_written
    for worker in range(8):
        assert [r["latency_ms"] for r in records if r["worker"] == worker] == [float(i) for i in range(300)]
