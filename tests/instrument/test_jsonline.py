"""mlmon.instrument's fast line writer: the same text as ``json.dumps``, the same records
from the fast path of ``monitor`` as from ``PredictionLog.inference``."""

from __future__ import annotations

import io
import json
import math
import random
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from mlmon.instrument import PredictionLog, monitor, top_class
from mlmon.instrument.jsonline import fields_json, format_ts, json_safe, ts_from_ns, value_json
from mlmon.instrument.sinks import write_rest as _write_rest


class Odd:
    def __str__(self) -> str:
        return "odd"


VALUES = [
    "plain",
    'quote " back\\slash \n tab\t é ☃ \x01',
    0,
    -7,
    10**30,
    True,
    False,
    None,
    0.1,
    -2.5e-300,
    1e300,
    float("nan"),
    float("inf"),
    -float("inf"),
    np.float32(0.25),
    np.float64(float("nan")),
    np.int64(3),
    np.bool_(True),
    [1, 2.5, "x", None, [float("inf")]],
    (1, 2),
    {"a": 1, "b": {"c": [0.5]}},
    {1: "int key", "k": 2},
    np.array([[0.5, 1.0], [2.0, 3.0]]),
    np.array([np.nan, 1.5], dtype=np.float32),
    np.datetime64("2026-01-02T03:04:05"),
    np.str_("s"),
    {"n": np.float32(0.5), "a": np.arange(3)},
    np.dtype("float32"),
    datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC),
    Odd(),
    Path("p"),
]


@pytest.mark.parametrize("value", VALUES, ids=range(len(VALUES)))
def test_value_json_is_json_dumps_of_the_plain_value(value):
    expected = json.dumps(json_safe(value), ensure_ascii=False, allow_nan=False)
    assert value_json(value) == expected


def test_fields_json_is_the_body_of_json_dumps():
    fields = {f"k{i}": value for i, value in enumerate(VALUES)}
    assert "{" + fields_json(fields)[2:] + "}" == json.dumps(json_safe(fields), ensure_ascii=False, allow_nan=False)


def test_ts_from_ns_matches_datetime_formatting_across_seconds():
    rng = random.Random(5)
    base = 1_790_000_000 * 10**9
    stamps = [base + rng.randrange(0, 5 * 10**9) for _ in range(300)] + [base - 1, base, base + 999_999_999]
    for ns in stamps:  # interleaved seconds: the cached second must never leak into another
        moment = datetime.fromtimestamp(ns // 1000 / 1e6, tz=UTC)
        expected = f"{moment:%Y-%m-%dT%H:%M:%S}.{ns // 1000 % 10**6:06d}Z"
        assert ts_from_ns(ns) == expected == format_ts(ns)


def read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize(
    "static, rate",
    [
        ({"model": "m", "model_version": "3"}, 1.0),
        ({}, 0.5),
        ({"model": "m", "label": "fixed", "features": {"z": 1}}, 1.0),
    ],
)
def test_call_record_is_the_record_inference_writes(tmp_path, static, rate):
    fast, slow = (
        PredictionLog(tmp_path / "fast.jsonl", sample_rate=rate, **static),
        PredictionLog(tmp_path / "slow.jsonl", sample_rate=rate, **static),
    )
    ns = 1_790_000_000_123_456_789
    calls = [
        ("ok", "r1", ("B", 0.8), {"x": 1.5, "region": "eu"}, None),
        ("timeout", "r2", None, None, "TimeoutError"),
        ("ok", "r3", (np.int64(2), np.float32(0.5)), None, None),
        ("ok", 7, ("A", float("nan")), {}, None),
    ]
    for status, request_id, top, features, error_kind in calls:
        fast.call_record(ns, 12.345678, status, request_id, top, features, error_kind)
        fields = {"request_id": request_id, **({"sample_rate": rate} if rate < 1 else {})}
        if top is not None:
            fields["label"], fields["confidence"] = top
        if features:
            fields["features"] = features
        if error_kind is not None:
            fields["error_kind"] = error_kind
        slow.inference(12.345678, status, ts=ns, **fields)
    fast.close(), slow.close()
    got, want = read(tmp_path / "fast.jsonl"), read(tmp_path / "slow.jsonl")
    assert got == want and [list(r) for r in got] == [list(r) for r in want]  # same fields, same order
    assert [r["level"] for r in got] == ["info", "error", "info", "info"]
    assert got[3]["confidence"] is None  # NaN is written as null, the line stays strict JSON


def test_monitor_latency_is_written_to_the_nanosecond(tmp_path, monkeypatch):
    from mlmon.instrument import wrappers

    class Clock:
        now = 100.0

        def perf_counter(self):
            return self.now

        def time_ns(self):
            return 1_790_000_000 * 10**9

    clock = Clock()
    monkeypatch.setattr(wrappers, "time", clock)
    log = PredictionLog(tmp_path / "a.jsonl")

    def predict(x):
        clock.now += 0.0123456789
        return [0.25, 0.75]

    monitor(log)(predict)(1)
    log.close()
    line = (tmp_path / "a.jsonl").read_text()
    assert '"latency_ms": 12.345679,' in line  # 12.3456789 ms to the ns: 6 decimals
    assert read(tmp_path / "a.jsonl")[0]["label"] == "1"


def test_top_class_matches_a_numpy_softmax():
    rng = np.random.default_rng(3)
    for _ in range(50):
        logits = rng.normal(0, 3, size=rng.integers(2, 9))
        expected = np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()
        names = [f"c{i}" for i in range(len(logits))]
        for scores in (logits, logits.tolist(), logits[None, :], tuple(logits.tolist())):
            label, confidence = top_class(scores, names)
            assert label == names[int(expected.argmax())] and confidence == pytest.approx(expected.max(), rel=1e-12)
        probabilities = expected.astype(np.float32)
        assert top_class(probabilities)[1] == pytest.approx(float(probabilities.max()))


def test_a_short_write_is_finished_and_a_stalled_one_fails():
    class Trickle(io.RawIOBase):
        def __init__(self, stall: bool) -> None:
            self.data, self.stall = b"", stall

        def write(self, chunk) -> int:
            if self.stall:
                return 0
            self.data += bytes(chunk[:3])
            return min(3, len(chunk))

    stream = Trickle(stall=False)
    _write_rest(stream, b"0123456789\n", 4)
    assert stream.data == b"456789\n"
    with pytest.raises(OSError):
        _write_rest(Trickle(stall=True), b"0123456789\n", 4)


def test_a_sampled_out_timed_block_writes_nothing(tmp_path, monkeypatch):
    log = PredictionLog(tmp_path / "a.jsonl", sample_rate=0.5)
    monkeypatch.setattr(random, "random", lambda: 0.75)  # above the rate: left out
    with log.timed() as call:
        call.update(label="A")
    monkeypatch.setattr(random, "random", lambda: 0.25)
    with log.timed() as call:
        call.update(label="B")
    log.close()
    (record,) = read(tmp_path / "a.jsonl")
    assert record["label"] == "B" and record["sample_rate"] == 0.5 and math.isfinite(record["latency_ms"])
