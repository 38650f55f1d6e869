"""Late labels joined to the predictions they judge: a reducer whose state merges across
chunks, files, summaries and Dask partitions, so a label read in next week's file meets
its prediction in this week's.

A chunk gives two narrow tables. *Predictions* (records with a predicted ``label``): the
request id, time, model version, predicted class, confidence and, when logged with class
names, the probability vector. *Labels* (records with an ``actual``): request id, true
class and the label's time. A record with both is a prediction and its own label (lag 0);
without an id it is joined in place. States merge by concatenation (tables concatenated
once a field holds more than ``bounds.COMPACT_AT``); nothing is matched before
``finalize``, because a label read later may conflict with one already matched.

``finalize`` is a left join from the predictions, by request id:

* labels of one id that agree count once (the others are *duplicate labels*); labels of
  one id that disagree are *conflicting*: excluded and counted;
* labels whose id no prediction has are *orphans*: counted;
* predictions without an id can never be labelled: counted per window, and they lower
  coverage;
* an id predicted twice by one model version is counted (*repeated prediction ids*) and
  each of those predictions takes the label; two versions answering one request (shadow
  traffic) each take it.

Memory: a prediction waiting for its label costs its id (16 bytes up to 12 characters,
plus the characters beyond), time (8), version and class (4 each) and confidence (4),
about 36 bytes; a probability vector logged with class names adds 4 bytes per class and 12 for the list.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import numpy.typing as npt
import polars as pl

from mlmon.analyses.bounds import COMPACT_AT, concat_or_empty, window_key
from mlmon.errors import UsageError
from mlmon.ingest.needs import Needs
from mlmon.windows import MAX_WINDOWS, WindowSpec, time_window_count, too_many_time_windows

ID, VERSION, WINDOW, ACTUAL, LABEL_TS = "_id", "_version", "_window", "_actual", "_label_ts"
CONF, PROBS, CLASSES, INLINE = "_conf", "_probs", "_classes", "_inline"
CLASS_SEPARATOR = "\x1f"
"""Joins a vector's class names into one category (a service logs one or a few lists:
4 bytes a prediction instead of a list of categories)."""

_PREDICTION_SCHEMA: dict[str, pl.DataType] = {
    ID: pl.String(),
    "ts": pl.Datetime("us", "UTC"),
    VERSION: pl.Categorical(),
    "label": pl.Categorical(),
    CONF: pl.Float32(),
    PROBS: pl.List(pl.Float32),
    CLASSES: pl.Categorical(),
    INLINE: pl.Categorical(),
}
_LABEL_SCHEMA: dict[str, pl.DataType] = {ID: pl.String(), ACTUAL: pl.Categorical(), LABEL_TS: pl.Datetime("us", "UTC")}


@dataclass(frozen=True)
class JoinCounts:
    """What the join could not use, over the whole run: every label and prediction is either
    joined or counted here."""

    label_records: int
    """Records carrying a true class (log records and table rows)."""
    labels_without_id: int
    """Label records with no request id and no prediction of their own: nothing to join."""
    labelled_ids: int
    """Distinct request ids with a usable label (one value, however often logged)."""
    orphan_labels: int
    """Request ids with a label but no prediction in the input."""
    duplicate_labels: int
    """Label records repeating their id's value (each id counts once)."""
    conflicting_ids: int
    """Request ids whose labels disagree: excluded from every figure."""
    conflicting_labels: int
    """Label records of those ids."""
    predictions_without_id: int
    """Predictions with no request id (never labelled; joined in place when the record
    itself carries the true class)."""
    repeated_prediction_ids: int
    """Predictions whose id the same model version predicted before (each takes the label)."""


@dataclass(frozen=True)
class JoinedRows:
    """The predictions, each with its label when one arrived, keyed by window."""

    rows: pl.DataFrame
    """One row per prediction: ``_version``, ``_window`` (epoch µs of the window start, 0
    for the whole range), ``ts``, ``label``, ``_actual`` (null: not labelled), ``_conf``,
    ``_lag_s`` (label time minus prediction time, seconds; null without both),
    ``_has_id``, ``_probs`` and ``_classes`` (the vector, and its class names joined by
    :data:`CLASS_SEPARATOR`, or null)."""
    counts: JoinCounts
    """What was counted apart."""


@dataclass(frozen=True)
class JoinState:
    """Partial state of :class:`LabelJoinReducer`: tables that merge by concatenation."""

    predictions: tuple[pl.DataFrame, ...] = ()
    """Prediction rows (``_PREDICTION_SCHEMA``)."""
    labels: tuple[pl.DataFrame, ...] = ()
    """Label rows (``_LABEL_SCHEMA``)."""


@dataclass(frozen=True)
class LabelJoinReducer:
    """Join labels to predictions by request id; windows by prediction time."""

    window: WindowSpec = field(default_factory=WindowSpec)
    """Time windows or the whole range (record-count windows are refused at ``finalize``)."""
    by_version: bool = True
    """Keep model versions apart."""
    needs: Needs = Needs(
        ("label", "model_version", "confidence", "probabilities", "probability_classes", "request_id", "actual")
    )
    """The columns read."""

    def from_chunk(self, records: pl.DataFrame) -> JoinState:
        lf = _with_missing(records.lazy())
        ident = pl.col("request_id").cast(pl.String)
        ident = pl.when(ident.str.len_bytes() > 0).then(ident)
        probs = pl.col("probabilities").cast(pl.List(pl.Float64))
        conf = pl.coalesce(pl.col("confidence").cast(pl.Float64), probs.list.max())
        named = pl.col("probability_classes").list.len() == probs.list.len()
        version = pl.col("model_version").cast(pl.Categorical) if self.by_version else pl.lit(None, pl.Categorical)
        predictions, labels = pl.collect_all(
            [
                lf.filter(pl.col("label").is_not_null()).select(
                    ident.alias(ID),
                    "ts",
                    version.alias(VERSION),
                    pl.col("label").cast(pl.Categorical),
                    pl.when(conf.is_finite()).then(conf).cast(pl.Float32).alias(CONF),
                    pl.when(named).then(probs).cast(pl.List(pl.Float32)).alias(PROBS),
                    pl.when(named)
                    .then(pl.col("probability_classes").list.join(CLASS_SEPARATOR))
                    .cast(pl.Categorical)
                    .alias(CLASSES),
                    pl.when(ident.is_null()).then(pl.col("actual")).cast(pl.Categorical).alias(INLINE),
                ),
                lf.filter(pl.col("actual").is_not_null() & (ident.is_not_null() | pl.col("label").is_null())).select(
                    ident.alias(ID), pl.col("actual").cast(pl.Categorical).alias(ACTUAL), pl.col("ts").alias(LABEL_TS)
                ),
            ]
        )
        return JoinState((predictions,), (labels,))

    def labels_state(self, table: pl.DataFrame) -> JoinState:
        """The state of a label table (``request_id``, ``actual``, ``ts``; a null time is a
        label of unknown lag): merged with the logs' state like any other."""
        rows = table.lazy().select(
            pl.col("request_id").cast(pl.String).alias(ID),
            pl.col("actual").cast(pl.Categorical).alias(ACTUAL),
            pl.col("ts").cast(pl.Datetime("us", "UTC")).alias(LABEL_TS),
        )
        return JoinState(labels=(rows.filter(pl.col(ACTUAL).is_not_null()).collect(),))

    def merge(self, left: JoinState, right: JoinState) -> JoinState:
        return JoinState(_compact(left.predictions + right.predictions), _compact(left.labels + right.labels))

    def finalize(self, state: JoinState) -> JoinedRows:
        """The left join; ``UsageError`` for record-count windows or over ``MAX_WINDOWS``.

        The predictions' columns are kept as they are, chunks included (no copy of the
        probability vectors): each prediction's label and label time come from a join of
        the ids alone, made only when some label has an id."""
        predictions = concat_or_empty(state.predictions, _PREDICTION_SCHEMA)
        every_label = concat_or_empty(state.labels, _LABEL_SCHEMA)
        labels = every_label.filter(pl.col(ID).is_not_null())
        self._check_windows(predictions)
        per_id = labels.group_by(ID).agg(
            pl.len().alias("_records"),
            pl.col(ACTUAL).n_unique().alias("_values"),
            pl.col(ACTUAL).first(),
            pl.col(LABEL_TS).min(),
        )
        agreed = per_id.filter(pl.col("_values") == 1)
        conflicting = per_id.filter(pl.col("_values") > 1)
        looked, matched_ids = _looked_up(predictions.get_column(ID), per_id)
        actual, label_ts = (pl.col(name) if looked else pl.lit(None, dtype) for name, dtype in _FOUND.items())
        joined = predictions.with_columns(looked).with_columns(
            pl.coalesce(actual, INLINE).alias(ACTUAL),
            pl.col(ID).is_not_null().alias("_has_id"),
            pl.when(actual.is_null() & pl.col(INLINE).is_not_null())
            .then(pl.lit(0.0))
            .otherwise((label_ts - pl.col("ts")).dt.total_microseconds() / 1e6)
            .alias("_lag_s"),
            window_key(self.window).alias(WINDOW),
        )
        counts = JoinCounts(
            label_records=every_label.height + int(predictions.get_column(INLINE).is_not_null().sum()),
            labels_without_id=every_label.height - labels.height,
            labelled_ids=agreed.height,
            orphan_labels=per_id.height - matched_ids,
            duplicate_labels=int((agreed.get_column("_records") - 1).sum()),
            conflicting_ids=conflicting.height,
            conflicting_labels=int(conflicting.get_column("_records").sum()),
            predictions_without_id=int(predictions.get_column(ID).is_null().sum()),
            repeated_prediction_ids=repeated_ids(predictions),
        )
        return JoinedRows(joined.drop(ID, INLINE, *(column.name for column in looked)), counts)

    def _check_windows(self, predictions: pl.DataFrame) -> None:
        if self.window.records is not None:
            raise UsageError("--window: performance is judged on time windows (e.g. 1d) or the whole range")
        every = self.window.duration
        first, last = predictions.get_column("ts").min(), predictions.get_column("ts").max()
        if every is None or not isinstance(first, datetime) or not isinstance(last, datetime):
            return
        if time_window_count(every, first, last) > MAX_WINDOWS:
            minutes = predictions.group_by(pl.col("ts").dt.truncate("1m")).len()
            raise too_many_time_windows(self.window, first, last, list(minutes.iter_rows()))


def _with_missing(lf: pl.LazyFrame) -> pl.LazyFrame:
    """``lf`` with every column the reducer reads, null where the chunk has none."""
    schema = lf.collect_schema()
    missing = {
        "label": pl.Categorical(),
        "model_version": pl.Categorical(),
        "confidence": pl.Float64(),
        "probabilities": pl.List(pl.Float64),
        "probability_classes": pl.List(pl.String),
        "request_id": pl.String(),
        "actual": pl.Categorical(),
    }
    absent = {name: dtype for name, dtype in missing.items() if name not in schema}
    return lf.with_columns(pl.lit(None, dtype=dtype).alias(name) for name, dtype in absent.items())


_FOUND = {"_found": _LABEL_SCHEMA[ACTUAL], "_found_ts": _LABEL_SCHEMA[LABEL_TS]}
"""A prediction's agreed label and first label time, while the join adds them."""


def _looked_up(ids: pl.Series, per_id: pl.DataFrame) -> tuple[list[pl.Series], int]:
    """Each prediction's agreed label and first label time (null: none, or conflicting), in
    the predictions' order, as :data:`_FOUND`'s columns, and how many of ``per_id``'s ids
    some prediction has. No columns when no label has an id: a column of nulls would cost
    a copy of every prediction (polars aligns the frame's chunks to it)."""
    if per_id.height == 0:
        return [], 0
    looked = ids.to_frame(ID).join(per_id, on=ID, how="left", maintain_order="left")
    matched: int = looked.filter(pl.col("_values").is_not_null()).get_column(ID).n_unique()
    agreed = pl.col("_values") == 1
    found = looked.select(
        pl.when(agreed).then(pl.col(name)).alias(alias) for alias, name in zip(_FOUND, (ACTUAL, LABEL_TS))
    )
    return found.get_columns(), matched


def id_hashes(ids: pl.Series) -> npt.NDArray[np.uint64]:
    """polars' 64-bit hash of each id (equal ids hash alike; distinct ones may too; a null
    hashes to some number)."""
    hashes: npt.NDArray[np.uint64] = ids.hash(_SEED).to_numpy()
    return hashes


_SEED = 0x6D6C6D6F6E


def repeated_ids(predictions: pl.DataFrame, hash_ids: Callable[[pl.Series], npt.NDArray[np.uint64]] = id_hashes) -> int:
    """Predictions (``_id``, ``_version``) whose id the same version predicted before.

    Exact without putting a million ids in a hash table: an id whose hash no other id
    shares is distinct (one sort of the hashes finds them), so only the rows of shared
    hashes are compared by their text and counted by (id, version). Nothing is copied but
    the hashes and those rows."""
    ids = predictions.get_column(ID)
    present = ids.is_not_null().to_numpy()
    keys = hash_ids(ids)
    ordered = np.sort(keys[present])
    shared = ordered[1:][ordered[1:] == ordered[:-1]]
    if shared.size == 0:
        return 0
    candidates = predictions.filter(pl.Series(present & np.isin(keys, shared)))
    distinct: int = candidates.select(pl.struct(ID, VERSION).n_unique()).item()
    return candidates.height - distinct


def _compact(tables: tuple[pl.DataFrame, ...]) -> tuple[pl.DataFrame, ...]:
    """One table once a field holds more than ``COMPACT_AT`` (concatenation is associative)."""
    return (pl.concat(tables, how="vertical", rechunk=False),) if len(tables) > COMPACT_AT else tables
