"""One named composite of reducers (issue 23 §2): a chunk goes to every part, states merge
part by part, ``finalize(state)`` gives each part's own result under its name, and every
reducer finalizes from its state alone (the low-confidence threshold is the prediction
reducer's own field). The oracle for each part is the part reducer run alone, and numpy
for the threshold."""

from __future__ import annotations

import dataclasses
import math
import pickle
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest

from mlmon.analyses.composite import ByPart, Composite
from mlmon.analyses.feature_windows import FeatureReducer
from mlmon.analyses.ops import OpsReducer
from mlmon.analyses.predictions import PredictionReducer
from mlmon.errors import UsageError
from mlmon.ingest.needs import FeatureNeeds, Needs
from mlmon.plain import to_plain
from mlmon.reference.profile import CategoricalFeature
from mlmon.windows import parse_window

T0 = datetime(2026, 11, 9, tzinfo=UTC)
TS = pl.Datetime("us", "UTC")


def _records(n: int = 600, seed: int = 3) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    return pl.DataFrame(
        {
            "ts": pl.Series([T0 + timedelta(seconds=float(s)) for s in np.sort(rng.uniform(0, 4 * 3600, n))], dtype=TS),
            "model": pl.Series(["m"] * n, dtype=pl.Categorical),
            "model_version": pl.Series(rng.choice(["v1", "v2"], n), dtype=pl.Categorical),
            "label": pl.Series(rng.choice(["A", "B", "C"], n), dtype=pl.Categorical),
            "latency_ms": rng.lognormal(3, 0.5, n),
            "error_kind": pl.Series([None] * n, dtype=pl.Categorical),
            "is_request": [True] * n,
            "confidence": np.round(rng.uniform(0.2, 1.0, n), 2),  # two decimals: ties at the threshold
            "cpu_percent": pl.Series([None] * n, dtype=pl.Float64),
            "rss_mb": pl.Series([None] * n, dtype=pl.Float64),
            "probabilities": pl.Series([None] * n, dtype=pl.List(pl.Float64)),
        }
    )


def _parts() -> dict:
    window = parse_window("1h")
    return {"ops": OpsReducer(window), "predictions": PredictionReducer(window, low_threshold=0.5)}


def test_each_part_gets_what_it_gets_alone():
    records = _records()
    chunks = [records[:100], records[100:350], records[350:]]
    parts = _parts()
    reducer = Composite(parts)
    left = reducer.merge(reducer.merge(*(reducer.from_chunk(c) for c in chunks[:2])), reducer.from_chunk(chunks[2]))
    right = reducer.merge(reducer.from_chunk(chunks[0]), reducer.merge(*(reducer.from_chunk(c) for c in chunks[1:])))
    done, other = reducer.finalize(left), reducer.finalize(right)
    assert list(done) == list(left) == list(other) == ["ops", "predictions"]
    for name, part in parts.items():
        a, b, c = (part.from_chunk(chunk) for chunk in chunks)
        assert to_plain(done[name]) == to_plain(part.finalize(part.merge(part.merge(a, b), c)))
        assert to_plain(other[name]) == to_plain(part.finalize(part.merge(a, part.merge(b, c))))


def test_the_parts_needs_add_up_and_one_that_reads_everything_reads_everything():
    features = FeatureReducer({"camera": CategoricalFeature(1, 0.0, {"c1": 1})})
    needs = Composite({"ops": OpsReducer(), "predictions": PredictionReducer(), "features": features}).needs
    alone = [OpsReducer().needs, PredictionReducer().needs, features.needs]
    assert needs is not None and needs.columns == tuple(dict.fromkeys(c for n in alone for c in n.columns))
    assert needs.features == features.needs.features == FeatureNeeds((), ("camera",), "first_chunk")

    class Everything:
        needs = None

    assert Composite({"e": Everything(), "o": OpsReducer()}).needs is None
    assert Composite({"o": OpsReducer(), "e": Everything()}).needs is None
    assert Composite({"p": PredictionReducer(needs=Needs(("label",)))}).needs == Needs(("label",))


def test_the_first_part_to_refuse_is_the_one_reported():
    class Refusing:
        needs = None

        def __init__(self, word: str) -> None:
            self.word = word

        def finalize(self, state: object) -> object:
            raise UsageError(self.word)

    reducer = Composite({"b": Refusing("second"), "a": Refusing("first")})
    with pytest.raises(UsageError, match="^second$"):
        reducer.finalize(ByPart((("b", 1), ("a", 2))))


def test_a_state_is_a_frozen_mapping_by_part_name_that_travels():
    state = ByPart((("ops", 1), ("predictions", 2)))
    assert dict(state) == {"ops": 1, "predictions": 2} and len(state) == 2
    assert "ops" in state and "features" not in state
    assert state.get("features") is None
    with pytest.raises(KeyError):
        state["features"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        state.pairs = ()  # type: ignore[misc]
    with pytest.raises(ValueError, match="each part is named once"):
        ByPart((("ops", 1), ("ops", 2)))
    with pytest.raises(ValueError, match="at least one part"):
        Composite({})
    reducer = Composite(_parts())
    back = pickle.loads(pickle.dumps((reducer, reducer.from_chunk(_records(50)))))  # to Dask workers and back
    assert list(back[0].parts) == list(back[1]) == ["ops", "predictions"]


@pytest.mark.parametrize("threshold", [0.5, 0.73])
def test_share_below_counts_against_the_reducers_own_threshold(threshold):
    records = _records()
    reducer = PredictionReducer(parse_window("1h"), low_threshold=threshold)
    windows = reducer.finalize(reducer.from_chunk(records))
    assert len(windows) == 8
    assert (records["confidence"] == threshold).sum() > 1  # ties, which do not count: strictly below
    for w in windows:
        hour = pl.col("ts").dt.truncate("1h") == w.start
        mine = records.filter((pl.col("model_version") == w.model_version) & hour)
        conf = mine["confidence"].to_numpy()
        assert w.share_below == pytest.approx((conf < threshold).sum() / conf.size, abs=1e-15)


def test_without_a_threshold_nothing_is_counted_below():
    records = _records()
    plain = PredictionReducer(parse_window("1h"))
    state = plain.from_chunk(records)
    windows, counted = plain.finalize(state), dataclasses.replace(plain, low_threshold=0.5).finalize(state)
    assert windows and all(math.isnan(w.share_below) for w in windows)
    assert not any(math.isnan(w.share_below) for w in counted)
    unset = [dataclasses.replace(w, share_below=0.0) for w in windows]
    assert unset == [dataclasses.replace(w, share_below=0.0) for w in counted]
