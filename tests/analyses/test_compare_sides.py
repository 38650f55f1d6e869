"""The sides of a comparison: when a version served (requests and predictions only),
the values of a side (exact or log buckets), the selectors, and ``Before``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest

from mlmon.analyses.compare_sides import Sample, Selector, ServedReducer
from mlmon.analyses.composite import Before
from mlmon.analyses.ops import OpsReducer
from mlmon.analyses.values import Buckets
from mlmon.stats import log_buckets

T0 = datetime(2026, 11, 15, tzinfo=UTC)


def chunk(rows: list[tuple[int, str | None, bool, str | None]]) -> pl.DataFrame:
    """(minute, version, is_request, label) per record."""
    return pl.DataFrame(
        {
            "ts": [T0 + timedelta(minutes=m) for m, *_ in rows],
            "model": ["m"] * len(rows),
            "model_version": [v for _, v, _, _ in rows],
            "is_request": [r for _, _, r, _ in rows],
            "label": [label for *_, label in rows],
        },
        schema={
            "ts": pl.Datetime("us", "UTC"),
            "model": pl.Categorical,
            "model_version": pl.Categorical,
            "is_request": pl.Boolean,
            "label": pl.Categorical,
        },
    )


ROWS = [
    (0, "1", True, "A"),
    (5, "2", True, "B"),
    (10, "1", True, None),
    (30, "2", False, "A"),  # a prediction record without the request
    (90, "2", False, None),  # a label or resource record hours later: not served
    (95, "1", False, None),
]


def test_served_spans_count_requests_and_predictions_only() -> None:
    reducer = ServedReducer()
    spans = {s.version: s for s in reducer.finalize(reducer.from_chunk(chunk(ROWS)))}
    assert (spans["1"].start, spans["1"].end, spans["1"].records) == (T0, T0 + timedelta(minutes=10), 2)
    assert (spans["2"].start, spans["2"].end, spans["2"].records) == (
        T0 + timedelta(minutes=5),
        T0 + timedelta(minutes=30),
        2,
    )


@pytest.mark.parametrize("cut", [1, 2, 3, 4, 5])
def test_served_merges_whatever_the_chunks(cut: int) -> None:
    reducer = ServedReducer()
    whole = reducer.finalize(reducer.from_chunk(chunk(ROWS)))
    parts = reducer.merge(reducer.from_chunk(chunk(ROWS[:cut])), reducer.from_chunk(chunk(ROWS[cut:])))
    assert reducer.finalize(parts) == whole


def test_before_feeds_only_earlier_records() -> None:
    frame = (
        chunk(ROWS)
        .with_columns(pl.lit(None, pl.Float64).alias(c) for c in ("latency_ms", "confidence", "cpu_percent", "rss_mb"))
        .with_columns(pl.lit(None, pl.String).alias("error_kind"))
    )
    until = T0 + timedelta(minutes=10)
    bounded = Before(OpsReducer(), until)
    assert bounded.needs == OpsReducer().needs
    result = bounded.finalize(bounded.from_chunk(frame))
    assert result.overall.records == 2  # minutes 0 and 5; minute 10 is not before
    assert OpsReducer().finalize(OpsReducer().from_chunk(frame)).overall.records == 6


def test_selector() -> None:
    assert Selector.parse("1.4.0") == Selector(None, "1.4.0")
    assert Selector.parse("imgcls:1.4.0") == Selector("imgcls", "1.4.0")
    assert Selector.parse("imgcls:1.4.0").describe() == "imgcls:1.4.0"
    assert Selector("imgcls", "1").matches("imgcls", "1") and not Selector("imgcls", "1").matches("other", "1")
    assert Selector(None, "1").matches("anything", "1") and not Selector(None, "1").matches("m", "2")
    assert Selector().matches("m", None)


def test_sample_of_values_and_of_buckets() -> None:
    values = pl.Series([3.0, 1.0, 3.0, 2.0, 3.0])
    exact = Sample.of(values)
    assert exact.values.tolist() == [1.0, 2.0, 3.0] and exact.counts.tolist() == [1, 1, 3]
    assert exact.exact and exact.n == 5
    data = np.random.default_rng(1).lognormal(3, 0.5, 1000)
    bucketed = Sample.of(Buckets.of(data))
    keys, counts = log_buckets.count_buckets(data)
    assert not bucketed.exact and bucketed.n == 1000
    assert bucketed.values.tolist() == log_buckets.bucket_values(keys).tolist()
    assert bucketed.counts.tolist() == counts.tolist()
