"""Tests that kill the mutants of mlmon/analyses/compare.py and compare_sides.py that the
issue-25 tests let survive (scripts/mutation_score.py; the mutants are named in each test):
a side with no values of a kind, one value, one side bucketed, labels or estimates on one
side only. Oracles: scipy (binomtest's Wilson interval, from which Newcombe's is built by
his formula), numpy, and hand-worked counts."""

from __future__ import annotations

import math
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from scipy import stats

from mlmon.analyses.compare import class_shifts, compare_sides
from mlmon.analyses.compare_sides import Sample, Selector, ServedReducer, Side, _predictions
from mlmon.analyses.estimated import EstimatedWindow
from mlmon.analyses.labels import ID, JoinState
from mlmon.analyses.performance import RealizedWindow
from mlmon.api.compare import CompareOptions, build_compare
from tests.api.test_compare import records, write

NAN = math.nan
T0 = datetime(2026, 11, 15, tzinfo=UTC)


def sample(values: list[float] | np.ndarray, exact: bool = True) -> Sample:
    v, c = np.unique(np.asarray(values, dtype=np.float64), return_counts=True)
    return Sample(v, c.astype(np.int64), exact)


def side(
    *,
    latency: Sample | None = None,
    confidence: Sample | None = None,
    requests: int = 0,
    errors: int = 0,
    classes: tuple[tuple[str, int], ...] = (),
    answers: dict[str, str] | None = None,
    realized: RealizedWindow | None = None,
    estimate: EstimatedWindow | None = None,
) -> Side:
    """A side made by hand; ``answers`` is request id -> predicted class."""
    answers = answers or {}
    predictions = pl.DataFrame(
        {ID: list(answers), "label": list(answers.values())}, schema={ID: pl.String, "label": pl.String}
    )
    return Side(
        "s", requests, requests, errors, T0, T0, latency or sample([]), confidence or sample([]), classes,
        predictions, realized, estimate,
    )  # fmt: skip


def effects(baseline: Side, candidate: Side) -> dict:
    return {e.metric: e for e in compare_sides(baseline, candidate, None).effects}


def newcombe(x_a: int, n_a: int, x_b: int, n_b: int) -> tuple[float, float, float]:
    """Newcombe's method 10 from scipy's Wilson intervals: the oracle."""
    wa = stats.binomtest(x_a, n_a).proportion_ci(method="wilson")
    wb = stats.binomtest(x_b, n_b).proportion_ci(method="wilson")
    p_a, p_b = x_a / n_a, x_b / n_b
    d = p_a - p_b
    return d, d - math.hypot(p_a - wa.low, wb.high - p_b), d + math.hypot(wa.high - p_a, p_b - wb.low)


def realized(confusion: tuple[tuple[int, ...], ...]) -> RealizedWindow:
    """A realized window whose only figures compare reads are the labelled count and the
    confusion matrix (the rest is left empty)."""
    labelled = sum(map(sum, confusion))
    blank = {f.name: None for f in fields(RealizedWindow)}
    return RealizedWindow(**blank | {"labelled": labelled, "confusion": confusion, "predictions": labelled})


def estimated(accuracy: float, used: int, unknown: str | None = None) -> EstimatedWindow:
    blank = {f.name: None for f in fields(EstimatedWindow)}
    return EstimatedWindow(**blank | {"estimated_accuracy": accuracy, "used": used, "n": used, "unknown": unknown})


LAT = sample(np.arange(1.0, 201.0))


def test_latency_with_no_values_on_either_side_is_left_out_and_on_one_side_is_kept():
    """compare.py:206 (every mutant of ``baseline.n == 0 and candidate.n == 0``) and :207
    ``return [] -> None``: no latency at all gives no latency metric; none on one side gives
    the metrics with that side's count 0 and no figure."""
    assert not any(m.startswith("latency") for m in effects(side(requests=5), side(requests=5)))
    for b, c in ((LAT, None), (None, LAT)):
        found = effects(side(latency=b), side(latency=c))
        assert [m for m in found if m.startswith("latency")] == [
            "latency_p50", "latency_p95", "latency_p99", "latency_shape",
        ]  # fmt: skip
        p50 = found["latency_p50"]
        assert (p50.n_baseline, p50.n_candidate) == ((200, 0) if b else (0, 200))
        assert math.isnan(p50.difference) and math.isnan(p50.low)
        assert (p50.baseline if b else p50.candidate) == np.quantile(np.arange(1.0, 201.0), 0.5)


def test_one_bucketed_side_makes_the_comparison_inexact():
    """compare.py:208, :224 and :285 ``and -> or``: one side's log buckets make every latency
    and confidence metric inexact, and the latency method says so."""
    rng = np.random.default_rng(4)
    b = sample(rng.lognormal(3, 0.3, 300), exact=False)
    c = sample(rng.lognormal(3, 0.3, 300))
    conf_b, conf_c = sample(rng.uniform(0.5, 1, 300), exact=False), sample(rng.uniform(0.5, 1, 300))
    found = effects(side(latency=b, confidence=conf_b), side(latency=c, confidence=conf_c))
    for metric in ("latency_p50", "latency_p99", "latency_shape", "confidence_mean", "confidence_shape"):
        assert found[metric].exact is False, metric
    assert found["latency_p95"].method == "percentile bootstrap on log buckets"


def test_error_rate_without_requests():
    """compare.py:231 (every mutant of ``baseline.requests == 0 and candidate.requests == 0``)
    and :73 ``exact: bool = True -> False``: no request on either side, no error rate; none on
    one side, the metric with no figure; with both, Newcombe's interval and exact figures."""
    assert "error_rate" not in effects(side(), side())
    one_side = effects(side(requests=400, errors=4), side())["error_rate"]
    assert (one_side.baseline, one_side.n_candidate) == (0.01, 0) and math.isnan(one_side.candidate)
    assert math.isnan(one_side.difference)
    e = effects(side(requests=400, errors=4), side(requests=1, errors=1))["error_rate"]
    assert (e.difference, e.low, e.high) == pytest.approx(newcombe(1, 1, 4, 400), rel=1e-12)
    assert e.exact is True


def test_predicted_classes_with_one_side_empty_or_of_one_prediction():
    """compare.py:249 ``and -> or``, :254 ``or -> and`` and ``n == 0 -> n == 1`` on either
    side: no prediction on one side keeps the metric with no PSI (not a crash); one prediction
    is a sample, and one class on both sides has PSI 0 (the same shares)."""
    e = effects(side(classes=(("A", 30), ("B", 10))), side())["predicted_classes"]
    assert (e.n_baseline, e.n_candidate) == (40, 0) and math.isnan(e.difference) and math.isnan(e.p_value)
    e = effects(side(), side(classes=(("A", 3),)))["predicted_classes"]
    assert (e.n_baseline, e.n_candidate) == (0, 3) and math.isnan(e.difference)
    for b, c in (((("A", 1),), (("A", 7),)), ((("A", 7),), (("A", 1),))):
        e = effects(side(classes=b), side(classes=c))["predicted_classes"]
        assert e.difference == 0.0
        assert math.isnan(e.p_value)  # one class: no test of homogeneity


def test_class_shifts_on_hand_counts():
    """compare.py:270 (``or -> and``, ``n == 0 -> n == 1``), :271 ``return () -> None``, :275
    ``b / n_b -> b * n_b`` and :348 ``get(name, 0) -> 1``: no shift without predictions on
    both sides; shares are counts over the side's total, a class a side never predicted
    has share 0 there, one prediction is enough."""
    assert class_shifts((), (("A", 3),)) == ()
    assert class_shifts((("A", 3),), ()) == ()
    shifts = class_shifts((("A", 3), ("B", 1)), (("A", 2), ("C", 2)))
    assert [(s.name, s.baseline, s.candidate) for s in shifts] == [
        ("A", 0.75, 0.5), ("B", 0.25, 0.0), ("C", 0.0, 0.5),
    ]  # fmt: skip
    for s, (x_c, x_b) in zip(shifts, ((2, 3), (0, 1), (2, 0)), strict=True):
        assert (s.low, s.high) == pytest.approx(newcombe(x_c, 4, x_b, 4)[1:], rel=1e-12)
    single = class_shifts((("A", 1),), (("A", 1), ("B", 1)))
    assert [(s.name, s.baseline, s.candidate) for s in single] == [("A", 1.0, 0.5), ("B", 0.0, 0.5)]
    assert (single[0].low, single[0].high) == pytest.approx(newcombe(1, 2, 1, 1)[1:], rel=1e-12)
    assert len(class_shifts((("A", 1), ("B", 1)), (("B", 1),))) == 2


def test_confidence_on_one_side_only_is_kept():
    """compare.py:280 ``and -> or``: confidences on one side only still give the two
    confidence metrics, with no figure for the other side."""
    found = effects(side(confidence=sample([0.6, 0.7, 0.9])), side())
    mean = found["confidence_mean"]
    assert mean.baseline == pytest.approx(np.mean([0.6, 0.7, 0.9])) and math.isnan(mean.candidate)
    assert (mean.n_baseline, mean.n_candidate) == (3, 0)
    assert "confidence_shape" in found


def test_accuracy_with_labels_on_one_side_only():
    """compare.py:295 ``or -> and`` and :325 ``return 0, 0`` (``-> None``, ``0 -> 1`` twice):
    labels on one side keep the metric, the other side counted 0 with no figure; with both,
    the trace of each confusion matrix over its total, Newcombe's interval."""
    labelled = realized(((40, 10), (5, 45)))  # 85 correct of 100
    for b, c in ((labelled, None), (None, labelled)):
        e = effects(side(realized=b), side(realized=c))["accuracy"]
        assert (e.n_baseline, e.n_candidate) == ((100, 0) if b else (0, 100))
        assert (e.baseline if b else e.candidate) == 0.85
        assert math.isnan(e.candidate if b else e.baseline) and math.isnan(e.difference)
    e = effects(side(realized=labelled), side(realized=realized(((30, 0, 1), (2, 5, 0), (0, 0, 2)))))["accuracy"]
    assert (e.candidate, e.n_candidate) == (37 / 40, 40)
    assert (e.difference, e.low, e.high) == pytest.approx(newcombe(37, 40, 85, 100), rel=1e-12)


def test_estimated_accuracy_on_both_sides_and_on_one():
    """compare.py:305 ``or -> and``, :306-308 (``is not None -> is None``, ``else 0 -> 1``),
    :312 ``e and e.unknown -> e or e.unknown`` and :316 ``acc_c - acc_b -> +``."""
    e = effects(side(estimate=estimated(0.9, 200)), side(estimate=estimated(0.85, 150)))["estimated_accuracy"]
    assert (e.baseline, e.candidate, e.n_baseline, e.n_candidate, e.note) == (0.9, 0.85, 200, 150, "")
    assert e.difference == pytest.approx(-0.05)
    e = effects(side(), side(estimate=estimated(0.85, 150)))["estimated_accuracy"]
    assert math.isnan(e.baseline) and (e.candidate, e.n_baseline, e.n_candidate, e.note) == (0.85, 0, 150, "")
    e = effects(side(estimate=estimated(0.9, 200)), side())["estimated_accuracy"]
    assert math.isnan(e.candidate) and (e.n_baseline, e.n_candidate) == (200, 0)
    e = effects(side(estimate=estimated(0.9, 200)), side(estimate=estimated(NAN, 0, "no predictions")))
    assert e["estimated_accuracy"].note == "no estimate for the candidate: no predictions"


def test_agreement_of_one_request_and_of_none():
    """compare.py:332 ``height == 0 -> == 1`` (either side) and :337 ``pairs.height == 0 ->
    == 1``: one shared request is an agreement of 1 of 1 (Wilson's interval from scipy); two
    sides with no request in common have none."""
    found = compare_sides(side(answers={"q1": "A"}), side(answers={"q1": "A", "q2": "B"}), None).agreement
    wilson = stats.binomtest(1, 1).proportion_ci(method="wilson")
    assert (found.pairs, found.agreed, found.flips) == (1, 1, (("A", "A", 1),))
    assert (found.low, found.high) == pytest.approx((wilson.low, wilson.high), rel=1e-12)
    found = compare_sides(side(answers={"q1": "A", "q2": "B"}), side(answers={"q2": "C"}), None).agreement
    assert (found.pairs, found.agreed, found.flips) == (1, 0, (("B", "C", 1),))
    assert compare_sides(side(answers={"q1": "A"}), side(answers={"q2": "A"}), None).agreement is None


def test_predictions_without_a_label_join():
    """compare_sides.py:165 ``or -> and`` and :166 ``return empty -> None``: no join (or one
    with no prediction) gives an empty table of request ids and classes."""
    for join in (None, JoinState()):
        found = _predictions(join, Selector())
        assert found.height == 0 and found.schema == pl.Schema({ID: pl.String, "label": pl.String})


def test_served_spans_that_start_together_come_in_name_order_unnamed_last():
    """compare_sides.py:228 ``nulls_last=True -> False``: spans are ordered by first request,
    and those that start at the same time by model and version, an unlogged version last
    (the order the InputError lists what the logs hold)."""
    chunk = pl.DataFrame(
        {
            "ts": [T0, T0, T0, T0 + timedelta(minutes=1)],
            "model": ["m", "m", "m", "m"],
            "model_version": ["2", None, "1", "0"],
            "is_request": [True, True, True, True],
            "label": [None, None, None, None],
        },
        schema={"ts": pl.Datetime("us", "UTC"), "model": pl.Categorical, "model_version": pl.Categorical,
                "is_request": pl.Boolean, "label": pl.Categorical},
    )  # fmt: skip
    reducer = ServedReducer()
    spans = reducer.finalize(reducer.from_chunk(chunk))
    assert [s.version for s in spans] == ["1", "2", None, "0"]


def test_a_set_of_logs_without_latency_against_one_with(tmp_path: Path):
    """compare_sides.py:157 ``np.empty(0) -> np.empty(1)`` and ``exact True -> False``: logs
    with no latency at all (two sets of logs, so each side reads its own) compare as no data
    with 0 latencies, exact, not a crash."""
    rng = np.random.default_rng(1)
    a = write(tmp_path / "a.jsonl", records("1", rng.lognormal(3, 0.3, 300)))
    rows = records("1", rng.lognormal(3, 0.3, 300))
    for r in rows:
        del r["latency_ms"]
    b = write(tmp_path / "b.jsonl", rows)
    report = build_compare((), CompareOptions(baseline_logs=(a,), candidate_logs=(b,)))
    p99 = next(m for m in report.to_dict()["metrics"] if m["metric"] == "latency_p99")
    assert (p99["n_baseline"], p99["n_candidate"], p99["verdict"]) == (300, 0, "no data")
    assert p99["exact"] is True and p99["method"] == "percentile bootstrap"
