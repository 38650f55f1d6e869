"""Realized performance per (version, window) equals scikit-learn's on the rows a plain
Python join gives, with labels in other chunks than their predictions, duplicates,
conflicts, orphans and predictions without an id."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest
from sklearn import metrics

from mlmon.analyses.labels import LabelJoinReducer
from mlmon.analyses.performance import realized
from mlmon.windows import parse_window

T0 = datetime(2026, 11, 2, tzinfo=UTC)
SCHEMA = {
    "ts": pl.Datetime("us", "UTC"),
    "label": pl.Categorical(),
    "model_version": pl.Categorical(),
    "confidence": pl.Float64(),
    "probabilities": pl.List(pl.Float64),
    "probability_classes": pl.List(pl.String),
    "request_id": pl.String(),
    "actual": pl.Categorical(),
}


def logs(classes: str, vectors: bool, seed: int, n: int = 900) -> tuple[list[dict], dict]:
    """Predictions over three days by two versions, and their labels: most agree with the
    prediction, some are wrong, some repeated, some conflicting, some orphaned."""
    rng = random.Random(seed)
    records, truth = [], {}
    for i in range(n):
        rid = None if rng.random() < 0.03 else f"r{i}"
        raw = [rng.random() ** 2 for _ in classes]
        probs = [p / sum(raw) for p in raw]
        top = max(range(len(classes)), key=probs.__getitem__)
        record = {
            "ts": T0 + timedelta(minutes=5 * i),
            "label": classes[top],
            "model_version": rng.choice(["1.0", "1.1"]),
            "confidence": probs[top],
            "request_id": rid,
        }
        if vectors:
            record |= {"probabilities": probs, "probability_classes": list(classes)}
        records.append(record)
        if rid is not None and rng.random() < 0.8:
            actual = classes[top] if rng.random() < 0.7 else rng.choice(classes)
            for _ in range(rng.choice([1, 1, 1, 2])):
                records.append(
                    {"ts": record["ts"] + timedelta(hours=rng.randrange(1, 60)), "request_id": rid, "actual": actual}
                )
            truth.setdefault(rid, []).extend([actual])
            if rng.random() < 0.03:
                other = next(c for c in classes if c != actual)
                records.append({"ts": record["ts"], "request_id": rid, "actual": other})
                truth[rid].append(other)
    for k in range(15):
        records.append({"ts": T0, "request_id": f"orphan{k}", "actual": classes[0]})
    return records, truth


def run(records: list[dict], chunks: int, seed: int):
    reducer = LabelJoinReducer(window=parse_window("1d"))
    shuffled = records[:]
    random.Random(seed).shuffle(shuffled)
    size = len(shuffled) // chunks + 1
    state = None
    for at in range(0, len(shuffled), size):
        part = reducer.from_chunk(pl.DataFrame(shuffled[at : at + size], schema=SCHEMA))
        state = part if state is None else reducer.merge(state, part)
    return realized(reducer.finalize(state), whole_range=False)


def expected_windows(records: list[dict], truth: dict, classes: str):
    """Per (version, day): the joined rows, by a plain-Python join."""
    agreed = {rid: values[0] for rid, values in truth.items() if len(set(values)) == 1}
    windows: dict[tuple, list[dict]] = {}
    for r in records:
        if "label" in r:
            day = r["ts"].replace(hour=0, minute=0)
            windows.setdefault((r["model_version"], day), []).append({**r, "actual": agreed.get(r["request_id"])})
    return windows


def sklearn_figures(rows: list[dict], classes: str, vectors: bool) -> dict:
    labelled = [r for r in rows if r["actual"] is not None]
    y, p = [r["actual"] for r in labelled], [r["label"] for r in labelled]
    present = sorted(set(y) | set(p))
    precision, recall, f1, support = metrics.precision_recall_fscore_support(y, p, labels=present, zero_division=0)
    conf = np.array([r["confidence"] for r in labelled])
    correct = np.array(y) == np.array(p)
    bins = np.minimum((conf * 10).astype(int), 9)
    ece = sum(abs(conf[bins == b].mean() - correct[bins == b].mean()) * (bins == b).sum() for b in set(bins)) / len(
        conf
    )
    out = {
        "accuracy": metrics.accuracy_score(y, p),
        "macro_f1": metrics.f1_score(y, p, labels=present, average="macro", zero_division=0),
        "confusion": metrics.confusion_matrix(y, p, labels=present).tolist(),
        "precision": precision.tolist(),
        "recall": recall.tolist(),
        "f1": f1.tolist(),
        "support": support.tolist(),
        "ece": ece,
    }
    if vectors:
        order = sorted(classes)  # scikit-learn's columns are in name order
        matrix = np.array([[r["probabilities"][classes.index(c)] for c in order] for r in labelled])
        out["brier"] = metrics.brier_score_loss(y, matrix, labels=order)
    if len(classes) == 2:
        positive = classes[1]
        score = np.where(np.array(p) == positive, conf, 1 - conf)
        if not vectors:
            out["brier"] = metrics.brier_score_loss(np.array(y) == positive, score)
        out["auc"] = metrics.roc_auc_score(np.array(y) == positive, score) if len(set(y)) == 2 else None
    return out


@pytest.mark.parametrize(("classes", "vectors"), [("NY", False), ("NY", True), ("cdb", True)])
@pytest.mark.parametrize("chunks", [1, 6])
def test_every_window_equals_scikit_learn_on_the_joined_rows(classes, vectors, chunks):
    records, truth = logs(classes, vectors, seed=len(classes) + chunks)
    done = run(records, chunks, seed=chunks)
    expected = expected_windows(records, truth, classes)
    assert {(w.model_version, w.start) for w in done.windows} == set(expected)
    for w in done.windows:
        rows = expected[(w.model_version, w.start)]
        figures = sklearn_figures(rows, classes, vectors)
        assert (w.predictions, w.labelled) == (len(rows), sum(r["actual"] is not None for r in rows))
        assert w.without_id == sum(r["request_id"] is None for r in rows)
        assert w.end == max(r["ts"] for r in rows)
        assert w.accuracy == pytest.approx(figures["accuracy"], abs=1e-12)
        assert w.macro_f1 == pytest.approx(figures["macro_f1"], abs=1e-12)
        assert [list(row) for row in w.confusion] == figures["confusion"]
        assert [c.precision for c in w.per_class] == pytest.approx(figures["precision"], abs=1e-12)
        assert [c.recall for c in w.per_class] == pytest.approx(figures["recall"], abs=1e-12)
        assert [c.f1 for c in w.per_class] == pytest.approx(figures["f1"], abs=1e-12)
        assert [c.support for c in w.per_class] == figures["support"]
        assert w.calibration_error == pytest.approx(figures["ece"], abs=1e-6)  # float32 confidences
        assert w.brier == pytest.approx(figures["brier"], abs=1e-6)
        if len(classes) == 2:
            assert w.roc_auc == (None if figures["auc"] is None else pytest.approx(figures["auc"], abs=1e-6))
        else:
            assert w.roc_auc is None
        assert w.accuracy_low <= w.accuracy <= w.accuracy_high


def test_label_lag_is_label_time_minus_prediction_time():
    records = [
        {"ts": T0, "label": "a", "request_id": "x", "confidence": 0.9},
        {"ts": T0 + timedelta(minutes=1), "label": "a", "request_id": "y", "confidence": 0.9},
        {"ts": T0 + timedelta(hours=2), "request_id": "x", "actual": "a"},
        {"ts": T0 + timedelta(hours=4, minutes=1), "request_id": "y", "actual": "b"},
    ]
    (window,) = run(records, 1, 0).windows
    assert (window.lag_p50_s, window.lag_max_s) == (3 * 3600, 4 * 3600)
    assert window.lag_p95_s == pytest.approx(np.percentile([7200, 14400], 95))
    assert window.accuracy == 0.5 and window.coverage == 1.0


def test_a_window_without_labels_has_counts_and_no_figures():
    records = [{"ts": T0, "label": "a", "request_id": "x", "confidence": 0.9}]
    (window,) = run(records, 1, 0).windows
    assert (window.predictions, window.labelled, window.classes) == (1, 0, ())
    assert math.isnan(window.accuracy) and math.isnan(window.brier) and window.roc_auc is None
    assert math.isnan(window.accuracy_low) and window.coverage == 0.0


def test_whole_range_windows_start_at_their_first_prediction_and_unlabelled_versions_keep_their_counts():
    records = [
        {"ts": T0 + timedelta(hours=3), "label": "a", "model_version": "2", "request_id": "x", "confidence": 0.9},
        {"ts": T0 + timedelta(hours=1), "label": "b", "model_version": "2", "request_id": None, "confidence": 0.6},
        {"ts": T0 + timedelta(hours=2), "label": "a", "model_version": "1", "request_id": "y", "confidence": 0.8},
        {"ts": T0 + timedelta(hours=5), "label": "a", "request_id": "z", "confidence": 0.7},
        {"ts": T0 + timedelta(hours=9), "request_id": "y", "actual": "b"},
    ]
    reducer = LabelJoinReducer()
    frames = [pl.DataFrame(records[:2], schema=SCHEMA), pl.DataFrame(records[2:], schema=SCHEMA)]
    state = reducer.merge(reducer.from_chunk(frames[0]), reducer.from_chunk(frames[1]))
    done = realized(reducer.finalize(state), whole_range=True)
    got = [(w.model_version, w.start, w.end, w.predictions, w.without_id, w.labelled, w.classes) for w in done.windows]
    assert got == [
        ("2", T0 + timedelta(hours=1), T0 + timedelta(hours=3), 2, 1, 0, ()),
        ("1", T0 + timedelta(hours=2), T0 + timedelta(hours=2), 1, 0, 1, ("a", "b")),
        (None, T0 + timedelta(hours=5), T0 + timedelta(hours=5), 1, 0, 0, ()),
    ]
    assert done.windows[1].accuracy == 0.0 and done.windows[1].lag_max_s == 7 * 3600


@pytest.mark.parametrize("unreadable", [["a", "a", "b"], ["a\x1fx", "b", "c"]], ids=["repeated key", "separator"])
def test_vectors_whose_class_names_give_no_class_one_probability_are_scored_as_rows_without_one(unreadable):
    """A repeated class (``"1"`` and ``"1.0"`` respelled alike) or a name holding the join's
    class separator: those rows get no Brier term (they crashed the finalize before), the
    others' Brier is scikit-learn's over them alone."""
    classes, rng = ["a", "b", "c"], random.Random(7)
    records, clean = [], []
    for i in range(60):
        raw = [rng.random() + 0.01 for _ in classes]
        probs = [p / sum(raw) for p in raw]
        names = unreadable if i % 3 == 0 else classes
        actual = rng.choice(classes)
        records.append(
            {
                "ts": T0 + timedelta(minutes=i),
                "label": classes[probs.index(max(probs))],
                "request_id": f"r{i}",
                "confidence": max(probs),
                "probabilities": probs,
                "probability_classes": names,
            }
        )
        records.append({"ts": T0 + timedelta(hours=1, minutes=i), "request_id": f"r{i}", "actual": actual})
        if names is classes:
            clean.append((actual, probs))
    (window,) = run(records, 1, 0).windows
    assert window.labelled == 60
    y, matrix = [a for a, _ in clean], np.array([p for _, p in clean])
    assert window.brier == pytest.approx(metrics.brier_score_loss(y, matrix, labels=classes), abs=1e-6)
