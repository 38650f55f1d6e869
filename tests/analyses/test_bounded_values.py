"""Values in bounded memory (``mlmon.analyses.values``): exact up to the budget, log buckets
beyond, the same whatever the merge order; and the reducers' percentiles against numpy on
the raw values in both modes."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlmon.analyses.ops import COLUMNS, OpsReducer
from mlmon.analyses.predictions import PredictionReducer
from mlmon.analyses.values import (
    EXACT_VALUES,
    EXACT_VALUES_ENV,
    Buckets,
    ValueState,
    exact_budget,
    percentiles,
    value_state,
)
from mlmon.errors import UsageError
from mlmon.ingest.canonical import CANONICAL_SCHEMA
from mlmon.stats.log_buckets import RELATIVE_ERROR
from mlmon.windows import parse_window

BOUND = RELATIVE_ERROR * (1 + 1e-9)
QS = [0, 1, 10, 50, 90, 95, 99, 100]
KEYS = ("a", "b", None)

chunks = st.lists(
    st.lists(st.tuples(st.sampled_from(KEYS), st.just(0.0) | st.floats(1e-6, 1e6)), min_size=0, max_size=40),
    min_size=1,
    max_size=8,
)


def _state(chunk: list[tuple[str | None, float]], budget: int) -> ValueState:
    frame = pl.DataFrame(
        {"key": [k for k, _ in chunk], "v": [v for _, v in chunk]}, schema={"key": pl.String, "v": pl.Float64}
    )
    return value_state(frame, ["key"], "v", frame.select("key"), budget)


def _merge_randomly(states: list[ValueState], rng: random.Random) -> ValueState:
    """States merged in a random order and bracketing (a random tree of merges)."""
    pool = states[:]
    rng.shuffle(pool)
    while len(pool) > 1:
        i = rng.randrange(len(pool) - 1)
        pool[i : i + 2] = [pool[i] + pool[i + 1]]
    return pool[0]


def _check_against_numpy(state: ValueState, values: dict, budget: int) -> None:
    total = sum(len(v) for v in values.values())
    assert state.count == total
    assert state.method == ("log_buckets" if total > budget else "exact")
    groups = state.groups()
    assert set(groups) == {k for k, v in values.items() if v}
    for key, pooled in groups.items():
        x = np.array(values[key])
        got, expected = np.array(percentiles(pooled, QS), dtype=float), np.percentile(x, QS, method="linear")
        if state.method == "exact":
            assert np.allclose(got, expected, rtol=1e-12, atol=0)
        else:
            assert isinstance(pooled, Buckets)
            assert pooled.count == x.size and pooled.minimum == x.min() and pooled.maximum == x.max()
            assert pooled.total == pytest.approx(x.sum(), rel=1e-12, abs=1e-300)
            assert np.all(np.abs(got - expected) <= BOUND * np.abs(expected))


@settings(max_examples=60, deadline=None)
@given(chunks, st.integers(0, 120), st.randoms(use_true_random=False))
def test_any_merge_order_matches_numpy_and_gives_one_representation(data, budget, rng):
    values: dict = {}
    for chunk in data:
        for key, v in chunk:
            values.setdefault((key,), []).append(v)
    states = [_state(chunk, budget) for chunk in data]
    first, second = _merge_randomly(states, rng), _merge_randomly(states, rng)
    _check_against_numpy(first, values, budget)
    if first.method == "log_buckets":
        assert [k for k, _ in first.buckets] == [k for k, _ in second.buckets]
        for (_, a), (_, b) in zip(first.buckets, second.buckets):
            assert a.keys.tolist() == b.keys.tolist() and a.counts.tolist() == b.counts.tolist()
            assert (a.count, a.minimum, a.maximum) == (b.count, b.minimum, b.maximum)


@settings(max_examples=40, deadline=None)
@given(chunks, chunks, st.integers(0, 200))
def test_converting_then_adding_equals_adding_then_converting(left_chunks, right_chunks, budget):
    left = _merge_randomly([_state(c, 10**9) for c in left_chunks], random.Random(0))
    right = _merge_randomly([_state(c, 10**9) for c in right_chunks], random.Random(1))
    added_then_converted = ValueState(budget) + (left + right)
    converted = [ValueState(0, s.count, buckets=s.bucketed()) for s in (left, right) if s.count]
    converted_then_added = sum(converted, ValueState(budget))
    if left.count + right.count <= budget:
        assert added_then_converted.method == "exact"
        return
    a, b = added_then_converted.buckets, converted_then_added.buckets
    assert [k for k, _ in a] == [k for k, _ in b]
    for (_, x), (_, y) in zip(a, b):
        assert x.keys.tolist() == y.keys.tolist() and x.counts.tolist() == y.counts.tolist()


def test_the_switch_is_at_the_budget():
    at = _state([("a", float(i)) for i in range(10)], 10)
    assert at.method == "exact" and at.exact and not at.buckets
    over = at + _state([("a", 10.0)], 10)
    assert over.method == "log_buckets" and over.buckets and not over.exact
    assert _state([("a", float(i)) for i in range(11)], 10).method == "log_buckets"  # one chunk over the budget


def test_the_budget_from_the_environment(monkeypatch):
    monkeypatch.delenv(EXACT_VALUES_ENV, raising=False)
    assert exact_budget() == EXACT_VALUES == 10_000_000
    monkeypatch.setenv(EXACT_VALUES_ENV, "1_000")
    assert exact_budget() == 1000 and OpsReducer().exact_values == 1000
    monkeypatch.setenv(EXACT_VALUES_ENV, "lots")
    with pytest.raises(UsageError, match=EXACT_VALUES_ENV):
        exact_budget()


T0 = datetime(2026, 11, 9, tzinfo=UTC)


def _records(n: int = 3000, seed: int = 5) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    schema = {name: CANONICAL_SCHEMA[name] for name in ("ts", *COLUMNS, "probabilities")}
    rows = pl.DataFrame(
        {
            "ts": [T0 + timedelta(seconds=int(s)) for s in np.sort(rng.integers(0, 3 * 3600, n))],
            "model": "m",
            "model_version": rng.choice(["v1", "v2"], n).tolist(),
            "label": rng.choice(["A", "B"], n).tolist(),
            "latency_ms": rng.lognormal(3, 1, n),
            "error_kind": None,
            "is_request": True,
            "confidence": rng.uniform(0.2, 1, n),
            "cpu_percent": None,
            "rss_mb": None,
            "probabilities": None,
        },
        schema={name: pl.String if dtype == pl.Categorical() else dtype for name, dtype in schema.items()},
    )
    return rows.cast(schema)


def _reduce(reducer, frame: pl.DataFrame, pieces: int = 7):
    size = -(-frame.height // pieces)
    states = [reducer.from_chunk(frame.slice(i, size)) for i in range(0, frame.height, size)]
    state = states[0]
    for other in states[1:]:
        state = reducer.merge(state, other)
    return state


@pytest.mark.parametrize("budget", [10**9, 500])
def test_report_percentiles_in_both_modes(budget):
    frame = _records()
    reducer = OpsReducer(parse_window("1h"), exact_values=budget)
    result = reducer.finalize(_reduce(reducer, frame))
    method, bound = ("exact", 1e-12) if budget > frame.height else ("log_buckets", BOUND)
    latency = frame["latency_ms"].to_numpy()
    lat = result.overall.latency
    assert lat.percentile_method == method and result.overall.predictions.percentile_method == method
    assert [lat.p50_ms, lat.p95_ms, lat.p99_ms] == pytest.approx(np.percentile(latency, [50, 95, 99]), rel=bound)
    assert result.overall.predictions.confidence_p10 == pytest.approx(
        np.percentile(frame["confidence"].to_numpy(), 10), rel=bound
    )
    hours = (frame["ts"].dt.truncate("1h") - T0).dt.total_hours().to_numpy()
    for window in result.windows:
        expected = np.percentile(latency[hours == (window.start - T0).total_seconds() / 3600], 99)
        assert window.p99_ms == pytest.approx(expected, rel=bound)


@pytest.mark.parametrize("budget", [10**9, 500])
def test_prediction_windows_in_both_modes(budget):
    frame = _records()
    reducer = PredictionReducer(parse_window("1h"), exact_values=budget, low_threshold=0.5)
    windows = reducer.finalize(_reduce(reducer, frame))
    method, bound = ("exact", 1e-12) if budget > frame.height else ("log_buckets", BOUND)
    assert windows
    for w in windows:
        mine = frame.filter((pl.col("model_version") == w.model_version) & (pl.col("ts").dt.truncate("1h") == w.start))
        conf = mine["confidence"].to_numpy()
        assert w.percentile_method == method and w.n_confidence == conf.size
        assert w.confidence_p10 == pytest.approx(np.percentile(conf, 10), rel=bound)
        assert w.confidence_mean == pytest.approx(conf.mean(), rel=1e-12)
        assert (
            abs(w.share_below * conf.size - (conf < 0.5).sum()) <= (np.abs(conf / 0.5 - 1) <= 2 * RELATIVE_ERROR).sum()
        )


@pytest.mark.parametrize("window", ["1h", None])
def test_compacted_states_give_the_same_results(monkeypatch, window):
    """Tables re-aggregated at every merge (``COMPACT_AT`` = 1) against never: one table per
    field, and the same figures (floats up to summation order)."""
    import mlmon.analyses.bounds as bounds

    frame = _records()
    spec = parse_window(window) if window else parse_window("5000")
    results = {}
    for at in (10**6, 1):
        monkeypatch.setattr(bounds, "COMPACT_AT", at)
        for reducer in (
            OpsReducer(spec) if window else OpsReducer(),
            PredictionReducer(spec, low_threshold=0.5) if window else PredictionReducer(low_threshold=0.5),
        ):
            state = _reduce(reducer, frame, pieces=9)
            if at == 1:
                tables = [
                    getattr(state, name) for name in ("groups", "classes", "counts", "entropy") if hasattr(state, name)
                ]
                assert all(len(t) == 1 for t in tables)
            results[at, type(reducer).__name__] = reducer.finalize(state)
    for name in ("OpsReducer", "PredictionReducer"):
        assert _rounded(results[1, name]) == _rounded(results[10**6, name])


def _rounded(value):
    """A result as plain data with floats rounded to 9 significant digits."""
    from mlmon.plain import to_plain

    plain = to_plain(value)
    if isinstance(plain, float):
        return float(f"{plain:.9g}")
    if isinstance(plain, dict):
        return {k: _rounded(v) for k, v in plain.items()}
    if isinstance(plain, list):
        return [_rounded(v) for v in plain]
    return plain


def test_the_output_says_which_method_gave_the_percentiles(monkeypatch):
    """``report`` on sample_logs with a budget of 100 values: every percentile is within
    the bound of the committed exact output, which says ``exact``."""
    import json

    from typer.testing import CliRunner

    from mlmon.cli import app
    from tests.conftest import REPO

    monkeypatch.chdir(REPO)
    exact = json.loads((REPO / "tests" / "golden" / "report.json").read_text())
    monkeypatch.setenv(EXACT_VALUES_ENV, "100")
    result = CliRunner().invoke(app, ["report", "sample_logs/", "--format", "json"])
    bucketed = json.loads(result.stdout)
    assert exact["latency"]["percentile_method"] == exact["predictions"]["percentile_method"] == "exact"
    assert bucketed["latency"]["percentile_method"] == bucketed["predictions"]["percentile_method"] == "log_buckets"
    for name in ("p50_ms", "p95_ms", "p99_ms"):
        assert bucketed["latency"][name] == pytest.approx(exact["latency"][name], rel=BOUND)
    assert (
        bucketed["latency"]["max_ms"] == exact["latency"]["max_ms"]
        and bucketed["latency"]["count"] == exact["latency"]["count"]
    )
    assert "percentiles from log buckets, within 0.54%" in CliRunner().invoke(app, ["report", "sample_logs/"]).stdout
