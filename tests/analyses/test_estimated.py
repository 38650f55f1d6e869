"""Estimated performance (CBPE) per (version, window): on a perfectly calibrated synthetic
model the estimate follows realized accuracy (computed here with numpy) under covariate
shift and misses a concept shift, as documented; any chunking gives identical windows; the
expected confusion matrix is the calibrated probabilities' by hand; unknown windows say why."""

from __future__ import annotations

import dataclasses
import math
import random
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest

from mlmon.analyses.estimated import EstimateReducer
from mlmon.errors import UsageError
from mlmon.reference.calibration import build_calibration
from mlmon.windows import parse_window

T0 = datetime(2026, 11, 2, tzinfo=UTC)
SCHEMA = {
    "ts": pl.Datetime("us", "UTC"),
    "label": pl.Categorical(),
    "model_version": pl.Categorical(),
    "probabilities": pl.List(pl.Float64),
    "probability_classes": pl.List(pl.String),
}


def draw(rng: np.random.Generator, n: int, alpha: float, k: int, concept: float = 0.0):
    """A perfectly calibrated model: ``p ~ Dirichlet(alpha)``, the truth drawn from ``p``
    (then, with probability ``concept``, moved to the next class: a concept shift that the
    probabilities do not show), the prediction the argmax."""
    p = rng.dirichlet(np.full(k, alpha), n)
    truth = (rng.random(n)[:, None] > p.cumsum(axis=1)).sum(axis=1)
    truth = np.minimum(truth, k - 1)
    moved = rng.random(n) < concept
    truth[moved] = (truth[moved] + 1) % k
    return p, truth, p.argmax(axis=1)


def calibration_for(k: int, seed: int = 1, n: int = 50_000):
    rng = np.random.default_rng(seed)
    names = np.array([f"c{i}" for i in range(k)])
    p, truth, pred = draw(rng, n, 1.0, k)
    table = pl.DataFrame(
        {"pred": names[pred], "truth": names[truth], **{f"p_{c}": p[:, i] for i, c in enumerate(names)}}
    )
    return build_calibration(table, "pred", "truth", [f"p_{c}" for c in names])


@pytest.fixture(scope="module")
def three():
    return calibration_for(3)


@pytest.fixture(scope="module")
def two():
    return calibration_for(2)


def frame(
    p: np.ndarray, pred: np.ndarray, classes, start: datetime = T0, step_s: float = 1.0, **columns
) -> pl.DataFrame:
    n = len(pred)
    data = {
        "ts": [start + timedelta(seconds=step_s * i) for i in range(n)],
        "label": [classes[j] for j in pred],
        "model_version": columns.pop("model_version", ["1"] * n),
        "probabilities": [list(row) for row in p],
        "probability_classes": columns.pop("probability_classes", [None] * n),
    }
    return pl.DataFrame(data, schema=SCHEMA)


def reduce(reducer: EstimateReducer, records: pl.DataFrame, chunks: int = 1, seed: int = 0):
    """From chunks of shuffled records, merged in a random grouping."""
    rows = records.sample(fraction=1.0, shuffle=True, seed=seed) if chunks > 1 else records
    bounds = sorted(random.Random(seed).sample(range(1, rows.height), chunks - 1)) if chunks > 1 else []
    parts = [reducer.from_chunk(rows[a:b]) for a, b in zip([0, *bounds], [*bounds, rows.height])]
    order = random.Random(seed + 1)
    while len(parts) > 1:  # merge neighbours at random places: associativity, input order kept
        i = order.randrange(len(parts) - 1)
        parts[i : i + 2] = [reducer.merge(parts[i], parts[i + 1])]
    return reducer.finalize(parts[0])


@pytest.mark.parametrize(("k", "fixture"), [(2, "two"), (3, "three")])
def test_the_estimate_follows_realized_accuracy_under_covariate_shift(request, k, fixture):
    cal = request.getfixturevalue(fixture)
    rng = np.random.default_rng(7)
    days = [draw(rng, 40_000, alpha, k) for alpha in (1.0, 0.3)]  # day 2: more confident inputs
    records = pl.concat(
        [frame(p, pred, cal.classes, T0 + timedelta(days=d), 2.0) for d, (p, _, pred) in enumerate(days)]
    )
    windows = reduce(EstimateReducer(calibration=cal, window=parse_window("1d")), records)
    assert [w.start for w in windows] == [T0, T0 + timedelta(days=1)]
    realized = [np.mean(pred == truth) for _, truth, pred in days]
    assert realized[1] - realized[0] > 0.08  # accuracy really changed
    for w, acc in zip(windows, realized):
        assert w.unknown is None and w.n == w.used == 40_000
        assert abs(w.estimated_accuracy - acc) < 0.01


def test_the_estimate_misses_a_concept_shift_as_documented(three):
    rng = np.random.default_rng(8)
    p, truth, pred = draw(rng, 40_000, 1.0, 3, concept=0.3)  # 30% of the truths move: confidence cannot see it
    (window,) = reduce(EstimateReducer(calibration=three), frame(p, pred, three.classes))
    realized = np.mean(pred == truth)
    assert window.estimated_accuracy - realized > 0.1  # the estimate stays where it was
    assert window.accuracy_low <= window.estimated_accuracy <= window.accuracy_high
    assert realized < window.accuracy_low  # the gap beyond the band is the concept-drift signal


def test_the_expected_confusion_matrix_and_estimates_by_hand(three):
    rng = np.random.default_rng(9)
    p, _, pred = draw(rng, 3000, 0.7, 3)
    (w,) = reduce(EstimateReducer(calibration=three), frame(p, pred, three.classes))
    cols = [p[:, i] if c is None else np.interp(p[:, i], c.x, c.y) for i, c in enumerate(three.calibrators)]
    calibrated = np.column_stack(cols)
    calibrated /= calibrated.sum(axis=1, keepdims=True)
    expected = np.stack([[calibrated[pred == j, i].sum() for j in range(3)] for i in range(3)])
    assert np.abs(np.array(w.expected) - expected).max() < 1e-6
    assert w.estimated_accuracy == pytest.approx(calibrated[np.arange(3000), pred].mean(), abs=1e-9)
    f1 = [2 * expected[i, i] / (expected[i, :].sum() + expected[:, i].sum()) for i in range(3)]
    assert w.estimated_macro_f1 == pytest.approx(np.mean(f1), abs=1e-9)
    assert (w.accuracy_low, w.accuracy_high) == three.accuracy_band
    assert (w.macro_f1_low, w.macro_f1_high) == three.macro_f1_band
    assert w.start == T0 and w.end == T0 + timedelta(seconds=2999)  # whole range: first and last prediction


@pytest.mark.parametrize("window", ["1h", "all"])
def test_any_chunking_and_merge_order_gives_identical_windows(three, window):
    rng = np.random.default_rng(10)
    p, _, pred = draw(rng, 6000, 0.8, 3)
    versions = rng.choice(["1.0", "1.1"], 6000).tolist()
    records = frame(p, pred, three.classes, step_s=3.7, model_version=versions)
    reducer = EstimateReducer(parse_window(window if window != "all" else None), calibration=three)
    one = reduce(reducer, records)
    assert len({w.model_version for w in one}) == 2
    for chunks, seed in [(3, 1), (40, 2), (200, 3)]:  # 40 and 200 chunks: tables compacted on merge
        assert reduce(reducer, records, chunks, seed) == one


def test_versions_kept_apart_or_together(three):
    rng = np.random.default_rng(11)
    p, _, pred = draw(rng, 1000, 1.0, 3)
    records = frame(p, pred, three.classes, model_version=["a"] * 500 + ["b"] * 500)
    apart = reduce(EstimateReducer(calibration=three), records)
    together = reduce(EstimateReducer(by_version=False, calibration=three), records)
    assert [(w.model_version, w.n) for w in apart] == [("a", 500), ("b", 500)]
    assert [(w.model_version, w.n) for w in together] == [(None, 1000)]
    matrix = np.array(apart[0].expected) + np.array(apart[1].expected)
    assert np.abs(matrix - np.array(together[0].expected)).max() < 1e-9


def test_object_vectors_map_by_class_name_in_any_order(three):
    rng = np.random.default_rng(12)
    p, _, pred = draw(rng, 500, 1.0, 3)
    (by_position,) = reduce(EstimateReducer(calibration=three), frame(p, pred, three.classes))
    order = [2, 0, 1]
    named = frame(p[:, order], pred, three.classes, probability_classes=[[three.classes[i] for i in order]] * 500)
    (by_name,) = reduce(EstimateReducer(calibration=three), named)
    assert by_name == by_position and by_name.used == 500


def unknown_window(cal, records: pl.DataFrame):
    (w,) = reduce(EstimateReducer(calibration=cal), records)
    return w


def test_no_probabilities_beyond_the_share_is_unknown(three):
    rng = np.random.default_rng(13)
    p, _, pred = draw(rng, 100, 1.0, 3)
    records = frame(p, pred, three.classes)
    at_share = records.with_columns(
        pl.when(pl.int_range(pl.len()) < 10).then(None).otherwise(pl.col("probabilities")).alias("probabilities")
    )
    w = unknown_window(three, at_share)
    assert (w.n, w.used, w.no_probabilities, w.unknown) == (100, 90, 10, None)  # 10%: still estimated
    assert w.estimated_accuracy == pytest.approx(unknown_window(three, records[10:]).estimated_accuracy, abs=1e-12)
    over = records.with_columns(  # 11 without: 5 none logged, 6 an empty list
        pl.when(pl.int_range(pl.len()) < 5)
        .then(None)
        .when(pl.int_range(pl.len()) < 11)
        .then(pl.lit([], dtype=pl.List(pl.Float64)))
        .otherwise(pl.col("probabilities"))
        .alias("probabilities")
    )
    w = unknown_window(three, over)
    assert w.no_probabilities == 11 and w.unknown == "probabilities not logged for 11 of 100 predictions"
    assert math.isnan(w.estimated_accuracy) and math.isnan(w.estimated_macro_f1)
    nan_values = records.with_columns(
        pl.when(pl.int_range(pl.len()) < 20)
        .then(pl.lit([float("nan"), 0.5, 0.5]))
        .otherwise(pl.col("probabilities"))
        .alias("probabilities")
    )
    assert unknown_window(three, nan_values).no_probabilities == 20


@pytest.mark.parametrize(
    "change",
    [
        {"probabilities": [0.5, 0.5]},  # an array of another length
        {"probability_classes": ["c0", "c1", "x"]},  # another class name
        {"probability_classes": ["c0", "c1", "c1"]},  # a name twice
        {"label": "x"},  # a predicted class the reference does not have
    ],
)
def test_classes_that_differ_are_counted_and_beyond_the_share_unknown(three, change):
    rng = np.random.default_rng(14)
    p, _, pred = draw(rng, 40, 1.0, 3)
    records = frame(p, pred, three.classes, probability_classes=[list(three.classes)] * 40)
    changed = records.with_columns(
        pl.when(pl.int_range(pl.len()) < 5).then(pl.lit(v, dtype=SCHEMA[c])).otherwise(pl.col(c)).alias(c)
        for c, v in change.items()
    )
    w = unknown_window(three, changed)
    assert (w.classes_differ, w.used, w.no_probabilities) == (5, 35, 0)
    assert w.unknown == "classes differ from the reference's (c0, c1, c2) for 5 of 40 predictions"


def test_confidence_outside_the_reference_range_beyond_the_share_is_unknown(three):
    narrow = dataclasses.replace(three, confidence_range=(0.5, 0.9))
    top = np.full(50, 0.7)
    top[:3], top[3:5] = 0.95, 0.45  # 5 of 50 outside [0.5, 0.9]: 10%, still estimated
    p = np.column_stack([top, (1 - top) / 2, (1 - top) / 2])
    pred = np.zeros(50, dtype=int)
    w = unknown_window(narrow, frame(p, pred, narrow.classes))
    assert (w.out_of_range, w.used, w.unknown) == (5, 50, None)
    assert w.estimated_accuracy == unknown_window(three, frame(p, pred, three.classes)).estimated_accuracy
    p[5] = [0.9, 0.05, 0.05]  # the range's ends are inside
    p[6] = [0.9000001, 0.05, 0.0499999]
    w = unknown_window(narrow, frame(p, pred, narrow.classes))
    assert w.out_of_range == 6
    assert w.unknown == "confidence outside the reference's range [0.5, 0.9] for 6 of 50 predictions"
    assert math.isnan(w.estimated_accuracy)


def test_records_without_a_label_are_no_predictions_and_record_windows_are_refused(three):
    rng = np.random.default_rng(15)
    p, _, pred = draw(rng, 20, 1.0, 3)
    records = frame(p, pred, three.classes).with_columns(
        pl.when(pl.int_range(pl.len()) < 4).then(None).otherwise(pl.col("label")).alias("label")
    )
    assert unknown_window(three, records).n == 16
    assert reduce(EstimateReducer(calibration=three), records.select("ts", "label"))[0].no_probabilities == 16
    with pytest.raises(UsageError, match="time windows"):
        reduce(EstimateReducer(calibration=three, window=parse_window("1000")), records)
