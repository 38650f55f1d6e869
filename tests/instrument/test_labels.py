"""Issue 24, the service side: ``log.label(request_id, actual)`` writes a label record, and
``@monitor`` / ``MonitoredSession`` write the request id and the probability vector, which
mlmon's ingest reads back as the join and the performance figures need them.

Oracles: Python's ``json`` (the text every line must equal), numpy (softmax, the model's
own outputs) and hand-written records; never mlmon's own writer.
"""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path

import numpy as np
import pytest

from mlmon.ingest import Needs, read_logs
from mlmon.instrument import MonitoredSession, PredictionLog, monitor, new_request_id
from mlmon.instrument.jsonline import vector_format, vector_json
from mlmon.instrument.outputs import probability_row, read_prediction

MODEL = Path(__file__).resolve().parents[2] / "mlmon" / "models" / "imgcls4.onnx"
TS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")
NAMES = ["A", "B", "C"]


def read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def strict(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


# --- log.label ------------------------------------------------------------------------------------


def test_a_label_is_one_line_in_the_records_order(tmp_path):
    path = tmp_path / "a.jsonl"
    with PredictionLog(path, model="fraud", model_version="3") as log:
        log.label("r-1", "B")
        log.label(42, "A", ts=1_790_000_000.5, source="review")
    now, later = path.read_text(encoding="utf-8").splitlines()
    record = json.loads(now)
    assert TS.match(record["ts"])
    assert now == (
        '{"ts": "' + record["ts"] + '", "event": "label", "level": "info", "model": "fraud", "model_version": "3", '
        '"request_id": "r-1", "actual": "B"}'
    )
    assert json.loads(later) == {
        "ts": "2026-09-21T14:13:20.500000Z",
        "event": "label",
        "level": "info",
        "model": "fraud",
        "model_version": "3",
        "request_id": 42,
        "actual": "A",
        "source": "review",
    }
    assert log.records_written == 2 and log.failures == 0


@pytest.mark.parametrize(
    ("actual", "text"),
    [
        (True, "true"),
        (False, "false"),
        (1, "1"),
        ("B", '"B"'),
        (np.int64(1), "1"),
        (np.bool_(True), "true"),
        (np.str_("cat"), '"cat"'),
        ('é"x', '"é\\"x"'),
        (float("nan"), "null"),  # made JSON-safe like every value: the line stays strict JSON
    ],
)
def test_actual_keeps_its_json_type(tmp_path, actual, text):
    path = tmp_path / "a.jsonl"
    with PredictionLog(path) as log:
        log.label("r-1", actual)
    line = path.read_text(encoding="utf-8")
    assert line.endswith(f'"request_id": "r-1", "actual": {text}}}\n')
    json.loads(line)


@pytest.mark.parametrize(
    ("request_id", "actual"), [(None, "A"), ("", "A"), ("  ", "A"), ({"id": 1}, "A"), (["r"], "A"), ("r-1", None)]
)
def test_a_label_without_an_id_or_a_truth_is_a_mistake_raised_at_the_call(tmp_path, request_id, actual):
    log = PredictionLog(tmp_path / "a.jsonl")
    with pytest.raises(ValueError, match="request id|true class"):
        log.label(request_id, actual)
    log.close()
    assert log.records_written == 0 and log.failures == 0 and not (tmp_path / "a.jsonl").exists()


def test_a_label_that_cannot_be_written_is_counted_never_raised(tmp_path, capsys):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full on this system")
    log = PredictionLog("/dev/full")
    log.label("r-1", "A")
    log.label("r-2", "B")
    assert log.failures == 2 and log.records_written == 0
    assert capsys.readouterr().err.count("mlmon.instrument: could not write") == 1


# --- the probability vector -----------------------------------------------------------------------


def g9(value: float) -> float:
    """A value as written to 9 significant digits, by Python's own decimal rounding."""
    return float(f"{value:.9g}")


def test_vector_json_writes_nine_digits_exact_for_float32():
    rng = np.random.default_rng(5)
    names = ["A", 'q"uote', "50%", "ünï", "%.9g", 7]
    for size in (2, 3, 6):
        float32 = rng.dirichlet(np.ones(size)).astype(np.float32)
        values = float32.tolist()  # a float32's 17 digits, as models give them
        text = vector_json(values, vector_format(size, names[:size]))
        assert list(json.loads(text)) == [str(n) for n in names[:size]]  # keys as text, in order
        assert np.array_equal(np.array(list(json.loads(text).values()), dtype=np.float32), float32)  # exact
        assert text == strict({str(n): g9(v) for n, v in zip(names[:size], values)})
        float64 = rng.dirichlet(np.ones(size)).tolist()
        written = json.loads(vector_json(float64, vector_format(size)))
        assert written == pytest.approx(float64, rel=5e-9, abs=0) and written == [g9(v) for v in float64]
    assert vector_json([0.25, 1.0, 1e-12], vector_format(3)) == "[0.25, 1, 1e-12]"  # valid JSON numbers
    assert vector_json([0.5, math.nan, math.inf], vector_format(3)) == "[0.5, null, null]"
    assert vector_json([0.5, math.nan], vector_format(2, ["a%", "b"])) == '{"a%": 0.5, "b": null}'
    assert vector_json([1e308, 1e308], vector_format(2)) == "[1e+308, 1e+308]"  # a sum that overflows


@pytest.fixture()
def call(tmp_path):
    """One monitored call returning ``result`` (``monitor`` options as keywords): its record."""
    path = tmp_path / "svc.jsonl"
    log = PredictionLog(path, model="m")

    def logged(result, **options) -> dict:
        monitor(log, **options)(lambda: result)()
        return read(path)[-1]

    yield logged
    log.close()


def test_monitor_writes_the_vector_keyed_by_class_after_the_confidence(call):
    record = call([0.2, 0.7, 0.1], class_names=NAMES)
    assert list(record)[-4:] == ["request_id", "label", "confidence", "probabilities"]
    assert record["label"] == "B" and record["confidence"] == 0.7
    assert record["probabilities"] == {"A": 0.2, "B": 0.7, "C": 0.1}
    assert list(record["probabilities"]) == NAMES  # in the model's order
    assert call([0.2, 0.7, 0.1])["probabilities"] == [0.2, 0.7, 0.1]  # no names: an array
    assert call(np.array([[0.25, 0.75]], dtype=np.float32))["probabilities"] == [0.25, 0.75]
    float32 = np.array([0.1, 0.3, 0.6], dtype=np.float32)
    logged = call(float32, class_names=NAMES)
    assert logged["probabilities"] == {"A": 0.100000001, "B": 0.300000012, "C": 0.600000024}  # 9 digits
    assert np.array_equal(np.array(list(logged["probabilities"].values()), dtype=np.float32), float32)


def test_logits_are_written_as_their_softmax(call):
    logits = np.array([1.0, -2.0, 3.5])
    expected = np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()
    record = call(logits, class_names=NAMES)
    assert list(record["probabilities"].values()) == pytest.approx(expected.tolist(), rel=5e-9)
    assert record["probabilities"]["C"] == pytest.approx(record["confidence"], rel=5e-9)
    assert record["confidence"] == pytest.approx(expected.max(), rel=1e-12)


def test_a_mapping_result_is_keyed_by_its_own_keys(call):
    assert call({"cat": 0.9, "dog": 0.1})["probabilities"] == {"cat": 0.9, "dog": 0.1}
    assert call({0: 0.4, 1: 0.6}, class_names=NAMES)["probabilities"] == {"0": 0.4, "1": 0.6}


def test_no_vector_when_turned_off_or_not_one_sample(call):
    off = call([0.2, 0.8], class_names=["A", "B"], probabilities=False)
    assert off["label"] == "B" and "probabilities" not in off
    assert "probabilities" not in call([[0.2, 0.8], [0.6, 0.4]])  # a batch: no prediction at all
    assert "probabilities" not in call([0.7])  # one score is no class vector
    assert "label" not in call([0.2, 0.8], class_names=NAMES)  # names that do not fit: nothing read


def test_a_non_finite_score_is_null_and_the_line_stays_json(call):
    record = call([0.5, float("nan"), 0.5])
    assert None in record["probabilities"]


def test_postprocess_may_return_the_vector_as_a_third_item(call):
    three = call("raw", postprocess=lambda r: ("B", 0.8, {"A": 0.2, "B": np.float32(0.8)}))
    assert three["label"] == "B" and three["probabilities"] == {"A": 0.2, "B": 0.800000012}
    array = call("raw", postprocess=lambda r: ("B", 0.8, np.array([0.25, 0.75])))
    assert array["probabilities"] == [0.25, 0.75]
    odd = call("raw", postprocess=lambda r: ("B", 0.8, [[0.2, 0.8]]))  # not numbers: written as they are
    assert odd["label"] == "B" and odd["probabilities"] == [[0.2, 0.8]]
    two = call("raw", postprocess=lambda r: ("B", 0.8))
    assert two["label"] == "B" and "probabilities" not in two
    off = call("raw", postprocess=lambda r: ("B", 0.8, [0.2, 0.8]), probabilities=False)
    assert "probabilities" not in off
    four = call("raw", postprocess=lambda r: ("B", 0.8, [0.2, 0.8], "x"))
    assert "label" not in four and four["status"] == "ok"  # an odd shape is left out, the call still logs


def test_the_fast_record_equals_the_general_one(tmp_path):
    """call_record formats the line itself; with a static field of a call field's name it
    goes through the general writer: both equal inference() of the same fields."""
    ns = 1_790_000_000 * 10**9 + 123_456_000
    vector = {"A": 0.25, "B": 0.75}
    for static in ({"model": "m"}, {"label": "static"}):
        fast, slow = (
            PredictionLog(tmp_path / "fast.jsonl", append=False, **static),
            PredictionLog(tmp_path / "slow.jsonl", append=False, **static),
        )
        text = vector_json(list(vector.values()), vector_format(2, vector))
        fast.call_record(ns, 12.345678, "ok", "r-1", ("B", 0.75), {"x": 1.0}, probabilities=text)
        slow.inference(
            12.345678,
            "ok",
            ts=ns,
            request_id="r-1",
            label="B",
            confidence=0.75,
            probabilities=vector,
            features={"x": 1.0},
        )
        fast.close(), slow.close()
        assert (tmp_path / "fast.jsonl").read_bytes() == (tmp_path / "slow.jsonl").read_bytes()


# --- onnxruntime ----------------------------------------------------------------------------------


def test_probability_row_reads_the_output_the_label_came_from():
    logits = np.array([[2.0, 0.0, -1.0], [0.0, 1.0, 0.0]], dtype=np.float32)
    read = read_prediction([logits], ["logits"])
    softmax = np.exp(logits[1] - logits[1].max()) / np.exp(logits[1] - logits[1].max()).sum()
    assert probability_row([logits], ["logits"], read, NAMES, row=1) == pytest.approx(dict(zip(NAMES, softmax)))
    assert probability_row([logits], ["logits"], read, ["A", "B"]) == pytest.approx(
        (np.exp(logits[0] - 2.0) / np.exp(logits[0] - 2.0).sum()).tolist()
    )  # names that do not fit: a list
    zipmap = [{"cat": np.float32(0.25), "dog": np.float32(0.75)}]
    labels = np.array(["dog"])
    read = read_prediction([labels, zipmap], ["output_label", "output_probability"])
    assert probability_row([labels, zipmap], ["output_label", "output_probability"], read) == {"cat": 0.25, "dog": 0.75}
    sigmoid = np.array([[0.2]], dtype=np.float32)
    read = read_prediction([sigmoid], ["probability"])
    assert probability_row([sigmoid], ["probability"], read) == pytest.approx([0.8, 0.2])
    only_labels = read_prediction([labels], ["output_label"])
    assert probability_row([labels], ["output_label"], only_labels) is None


def test_monitored_session_writes_the_vector(tmp_path):
    ort = pytest.importorskip("onnxruntime")
    path = tmp_path / "a.jsonl"
    log = PredictionLog(path, model="imgcls4")
    image = np.full((1, 3, 64, 64), 0.5, dtype=np.float32)
    session = MonitoredSession(ort.InferenceSession(str(MODEL)), log, class_names=list("ABCD"))
    (probabilities,) = session.run(None, {"image": image}, request_id="req-1")
    plain = MonitoredSession(ort.InferenceSession(str(MODEL)), log, class_names=list("ABCD"), probabilities=False)
    plain.run(None, {"image": image}, request_id="req-2")
    log.close()
    logged, off = read(path)
    logged_values = np.array(list(logged["probabilities"].values()), dtype=np.float32)
    assert list(logged["probabilities"]) == list("ABCD")
    assert np.array_equal(logged_values, probabilities[0])  # the model's own float32 numbers
    assert np.float32(logged["probabilities"][logged["label"]]) == np.float32(logged["confidence"])
    assert off["request_id"] == "req-2" and "probabilities" not in off and off["label"] == logged["label"]


# --- the round trip: predictions now, labels later, read back by mlmon --------------------------------


def test_predictions_and_later_labels_read_back_by_mlmon(tmp_path):
    path = tmp_path / "logs" / "svc.jsonl"
    log = PredictionLog(path, model="fraud", model_version="3")
    predict = monitor(log, class_names=["no", "yes"])(lambda x: [1.0 - x, x])
    scores = {"r-1": 0.125, "r-2": 0.75, "r-3": 0.5, new_request_id(): 0.625}
    for request_id, x in scores.items():
        predict(x, request_id=request_id)  # your own id, kept to label the prediction later
    predict(0.875)  # no id given: one is made, and this prediction stays unlabelled
    truths = {"r-1": "no", "r-2": True, "r-3": np.int64(1), list(scores)[3]: "yes"}
    for request_id, actual in truths.items():
        log.label(request_id, actual)
    log.close()

    columns = ("label", "confidence", "probabilities", "probability_classes", "request_id", "actual")
    data = read_logs([str(tmp_path / "logs")], None, Needs(columns))
    assert data.stats.records == 9 and not data.stats.skipped
    rows = data.frame.collect().to_dicts()
    predictions = {row["request_id"]: row for row in rows if row["label"] is not None}
    labels = {row["request_id"]: row["actual"] for row in rows if row["actual"] is not None}
    assert len(predictions) == 5 and set(scores) < set(predictions)
    for request_id, x in scores.items():
        row = predictions[request_id]
        assert row["probabilities"] == [1.0 - x, x] and row["probability_classes"] == ["no", "yes"]
        assert row["label"] == ("yes" if x > 0.5 else "no") and row["confidence"] == max(x, 1.0 - x)
    assert labels == {"r-1": "no", "r-2": "true", "r-3": "1", list(scores)[3]: "yes"}  # as mlmon reads classes
    assert all(row["label"] is None for row in rows if row["actual"] is not None)  # a label is no prediction
