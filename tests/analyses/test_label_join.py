"""The label join against a plain-Python join written apart: every prediction keeps its row,
every label is joined or counted, whatever the chunks and the order of the files."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest

from mlmon.analyses.labels import ACTUAL, LabelJoinReducer, id_hashes, repeated_ids
from mlmon.errors import UsageError
from mlmon.windows import parse_window

T0 = datetime(2026, 11, 2, tzinfo=UTC)
SCHEMA = {
    "ts": pl.Datetime("us", "UTC"),
    "label": pl.Categorical(),
    "model_version": pl.Categorical(),
    "confidence": pl.Float64(),
    "request_id": pl.String(),
    "actual": pl.Categorical(),
}


def frame(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=SCHEMA)


def prediction(i: int, rid: str | None, label: str, version: str = "1", actual: str | None = None) -> dict:
    return {
        "ts": T0 + timedelta(hours=i),
        "label": label,
        "model_version": version,
        "confidence": 0.5 + (i % 5) / 10,
        "request_id": rid,
        "actual": actual,
    }


def label(i: int, rid: str | None, actual: str) -> dict:
    return {"ts": T0 + timedelta(hours=i, minutes=30), "request_id": rid, "actual": actual}


def story() -> list[dict]:
    """Hand-made: r1 labelled once, r2 twice alike, r3 conflicting, r4 waiting, an orphan
    r9, a prediction without an id that carries its own truth, one without either, r5
    predicted twice by version 1 and once by version 2."""
    return [
        prediction(0, "r1", "A"),
        prediction(1, "r2", "B"),
        prediction(2, "r3", "A"),
        prediction(3, "r4", "B"),
        prediction(4, None, "A", actual="B"),
        prediction(5, None, "B"),
        prediction(6, "r5", "A"),
        prediction(7, "r5", "A"),
        prediction(8, "r5", "B", version="2"),
        label(10, "r1", "A"),
        label(11, "r2", "A"),
        label(12, "r2", "A"),
        label(13, "r3", "A"),
        label(14, "r3", "B"),
        label(15, "r9", "B"),
        label(16, "r5", "B"),
        label(17, None, "A"),
    ]


def join(records: list[dict], chunks: int = 1, seed: int = 0, **options):
    reducer = LabelJoinReducer(**options)
    shuffled = records[:]
    random.Random(seed).shuffle(shuffled)
    size = max(1, len(shuffled) // chunks)
    states = [reducer.from_chunk(frame(shuffled[at : at + size])) for at in range(0, len(shuffled), size)]
    state = states[0]
    for other in states[1:]:
        state = reducer.merge(state, other)
    return reducer.finalize(state)


def test_the_hand_made_story_is_joined_and_counted():
    done = join(story())
    counts = done.counts
    assert counts.label_records == 9  # eight label records and the inline truth
    assert counts.labels_without_id == 1
    assert counts.labelled_ids == 4  # r1, r2, r9, r5
    assert counts.orphan_labels == 1  # r9
    assert counts.duplicate_labels == 1  # r2's second
    assert (counts.conflicting_ids, counts.conflicting_labels) == (1, 2)  # r3
    assert counts.predictions_without_id == 2
    assert counts.repeated_prediction_ids == 1  # r5 twice by version 1
    rows = done.rows.sort("ts")
    assert rows.height == 9  # a left join: every prediction once
    actual = rows.get_column(ACTUAL).cast(pl.String).to_list()
    assert actual == ["A", "A", None, None, "B", None, "B", "B", "B"]
    lags = rows.get_column("_lag_s").to_list()
    assert lags[0] == pytest.approx(10.5 * 3600) and lags[4] == 0.0 and lags[2] is None


@pytest.mark.parametrize("chunks", [1, 2, 5, 17])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_any_chunking_and_order_gives_the_same_join(chunks, seed):
    whole = join(story())
    parts = join(story(), chunks=chunks, seed=seed)
    assert parts.counts == whole.counts
    key = ["ts", "_version"]
    assert parts.rows.sort(key).equals(whole.rows.sort(key))


def test_random_logs_match_a_plain_python_join():
    rng = random.Random(7)
    records, truth = [], {}
    for i in range(400):
        rid = None if rng.random() < 0.05 else f"id-{rng.randrange(300)}"
        records.append(prediction(i, rid, rng.choice("ABC"), version=rng.choice("12")))
    for i in range(300):
        rid = f"id-{rng.randrange(330)}"
        value = rng.choice("ABC")
        records.append(label(i, rid, value))
        truth.setdefault(rid, []).append(value)
    done = join(records, chunks=7, seed=3)
    agreed = {rid: values[0] for rid, values in truth.items() if len(set(values)) == 1}
    predicted = {r["request_id"] for r in records if "label" in r and r["request_id"]}
    assert done.counts.labelled_ids == len(agreed)
    assert done.counts.conflicting_ids == sum(len(set(v)) > 1 for v in truth.values())
    assert done.counts.orphan_labels == len(set(truth) - predicted)
    assert done.counts.duplicate_labels == sum(len(v) - 1 for rid, v in truth.items() if rid in agreed)
    predictions = [r for r in records if "label" in r]
    seen: set = set()
    repeated = 0
    for r in predictions:
        if r["request_id"] is not None:
            repeated += (r["request_id"], r["model_version"]) in seen
            seen.add((r["request_id"], r["model_version"]))
    assert done.counts.repeated_prediction_ids == repeated > 0
    assert done.counts.predictions_without_id == sum(r["request_id"] is None for r in predictions) > 0
    assert done.counts.conflicting_labels == sum(len(v) for v in truth.values() if len(set(v)) > 1)
    assert done.counts.label_records == sum(len(v) for v in truth.values())
    expected = sorted((r["ts"], r["model_version"], agreed.get(r["request_id"])) for r in predictions)
    got = sorted(done.rows.select("ts", pl.col("_version").cast(pl.String), pl.col(ACTUAL).cast(pl.String)).rows())
    assert got == expected


def plain_repeated(pairs: list[tuple]) -> int:
    """Predictions whose (id, version) came before, ids None left out."""
    with_id = [pair for pair in pairs if pair[0] is not None]
    return len(with_id) - len(set(with_id))


@pytest.mark.parametrize(
    "hashes",
    [
        id_hashes,
        lambda ids: np.zeros(ids.len(), dtype=np.uint64),  # every id collides: all compared by text
        lambda ids: ids.fill_null("").str.len_bytes().cast(pl.UInt64).to_numpy(),  # ids of one length collide
    ],
)
def test_repeated_prediction_ids_are_exact_whatever_the_hashes_share(hashes):
    rng = random.Random(11)
    pairs = [
        (rng.choice([None, *(f"id-{k}" for k in range(rng.randrange(1, 60)))]), rng.choice("12")) for _ in range(300)
    ]
    frame = pl.DataFrame(pairs, schema={"_id": pl.String, "_version": pl.Categorical}, orient="row")
    assert repeated_ids(frame, hashes) == plain_repeated(pairs) > 0
    assert repeated_ids(frame.head(0)) == 0
    assert repeated_ids(pl.DataFrame({"_id": ["x", None, None], "_version": ["1", "1", "1"]})) == 0


def test_a_label_table_merges_like_a_log():
    reducer = LabelJoinReducer()
    logs = reducer.from_chunk(frame([prediction(0, "r1", "A"), prediction(1, "r2", "B")]))
    table = pl.DataFrame(
        {"request_id": ["r1", "r2", "r3"], "actual": ["A", "A", "B"], "ts": [None, None, None]},
        schema={"request_id": pl.String, "actual": pl.Categorical, "ts": pl.Datetime("us", "UTC")},
    )
    done = reducer.finalize(reducer.merge(reducer.labels_state(table), logs))
    assert done.rows.sort("ts").get_column(ACTUAL).cast(pl.String).to_list() == ["A", "A"]
    assert done.counts.orphan_labels == 1 and done.rows.get_column("_lag_s").null_count() == 2


def test_windows_key_predictions_by_their_own_time():
    done = join(story(), window=parse_window("1d"))
    assert done.rows.get_column("_window").unique().to_list() == [int(T0.timestamp() * 1e6)]


def test_record_windows_are_refused():
    with pytest.raises(UsageError, match="time windows"):
        join(story(), window=parse_window("100"))
