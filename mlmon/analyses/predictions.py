"""Predictions per (model version, window): class counts and the confidence summary, as a
reducer over ingest's chunks. Numbers only: the drift statistics on these counts are in
``class_drift``, the verdicts in ``mlmon.verdicts``.

A chunk's predictions become, per (version, window), class counts, first and last times,
entropy sums and the confidence values (``mlmon.analyses.values``: exact numpy-linear p10
needs the values themselves, 8 bytes each, up to a budget; beyond it, log-bucket counts
give p10 within 0.54% and ``share_below`` exact but for the bucket holding the threshold).
Time windows and the whole range are keyed as the chunk is read, so states merge by
concatenation (tables re-aggregated once a state holds more than ``bounds.COMPACT_AT``)
and the records are never kept. Record-count windows (``--window 10000``)
need event-time order across files: their state keeps the prediction rows (``ts``,
version, label, confidence, entropy: 32 bytes each) and keys them at ``finalize``, so
their memory grows with the number of predictions.

Windows are bounded (``mlmon.windows.MAX_WINDOWS``, ``mlmon.analyses.bounds``): time
windows keep their distinct keys and predictions per minute, drop everything else once
they hold too many, and ``finalize`` refuses too many windows from the first prediction's
to the last's (empty ones included, as in ``report``); record windows refuse at
``finalize`` before the rows are sorted.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TypedDict

import polars as pl

from mlmon.analyses.bounds import (
    MINUTE,
    check_time_windows,
    compacted,
    key_set,
    merge_bounded,
    minute_counts,
    window_key,
)
from mlmon.analyses.sums import ordered_sum
from mlmon.analyses.values import GroupKey, ValueState, count_below, exact_budget, mean, percentiles, size, value_state
from mlmon.ingest.needs import Needs
from mlmon.windows import MAX_WINDOWS, WindowSpec, record_window_count, too_many_record_windows

_VERSION, _WINDOW, _CONF, _ENTROPY = "_version", "_window", "_conf", "_entropy"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class PredictionWindow:
    """What the model predicted in one (model version, window)."""

    model_version: str | None
    """Model version the window covers (None: not logged, or ``by_version=False``)."""
    start: datetime
    """Window key: the aligned start for time windows, else the first record's time."""
    end: datetime
    """Time of the window's last prediction."""
    n: int
    """Predictions (records with a label) in the window."""
    class_counts: dict[str, int]
    """Predictions per class."""
    n_confidence: int
    """Predictions with a finite confidence (logged, or the largest logged probability)."""
    confidence_mean: float
    """Mean confidence (nan when ``n_confidence`` is 0)."""
    confidence_p10: float
    """10th percentile of confidence, numpy linear interpolation (nan when none)."""
    share_below: float
    """Share of confident predictions strictly below the low-confidence threshold
    (``PredictionReducer.low_threshold``; nan when none, or no threshold was given)."""
    mean_entropy_bits: float | None
    """Mean entropy (bits) of the normalised probability vectors; None when none logged."""
    percentile_method: str = "exact"
    """What gave ``confidence_p10``: ``exact`` (numpy linear) or ``log_buckets`` (within
    0.54%; ``share_below`` is then exact but for the bucket that holds the threshold)."""


@dataclass(frozen=True)
class PredictionState:
    """Partial state of :class:`PredictionReducer`: tables that merge by concatenation
    (re-aggregated past ``bounds.COMPACT_AT``) and a value state that merges by ``+``."""

    counts: tuple[pl.DataFrame, ...] = ()
    """(version, window, label) → n, first and last time; per chunk."""
    values: ValueState = ValueState()
    """(version, window) → the finite confidences (exact, or log buckets)."""
    entropy: tuple[pl.DataFrame, ...] = ()
    """(version, window) → entropy sum and count."""
    rows: tuple[pl.DataFrame, ...] = ()
    """Record-count windows only: the unkeyed prediction rows."""
    minutes: tuple[pl.DataFrame, ...] = ()
    """Time windows only: minute → predictions, first and last time; per chunk."""
    window_keys: frozenset[int] | None = frozenset()
    """Time windows only: the distinct window starts held (epoch µs); None once over
    ``MAX_WINDOWS``, when every piece but ``minutes`` is dropped."""


@dataclass(frozen=True)
class PredictionReducer:
    """Reduce canonical records to :class:`PredictionWindow` rows per version and window."""

    window: WindowSpec = field(default_factory=WindowSpec)
    """How records are windowed."""
    by_version: bool = True
    """Judge each model version separately."""
    needs: Needs = Needs(("label", "model_version", "confidence", "probabilities"))
    """The columns read: probabilities give the entropy and a confidence when none is logged."""
    exact_values: int = field(default_factory=exact_budget)
    """Confidences kept exactly; beyond, log buckets."""
    low_threshold: float | None = None
    """Confidence strictly below this counts in each window's ``share_below`` (``drift``'s
    ``--low-confidence``); None: not counted (``share_below`` is nan). Only ``finalize``
    reads it: states made with any threshold merge."""

    def from_chunk(self, records: pl.DataFrame) -> PredictionState:
        rows = prediction_rows(records, self.by_version)
        if self.window.records is not None:
            return PredictionState(rows=(rows.collect(),))
        keyed = rows.with_columns(window_key(self.window).alias(_WINDOW))
        if self.window.duration is None:
            return _state(keyed, self.exact_values)
        keyed = keyed.collect().lazy()
        minutes, keys = pl.collect_all([minute_counts(keyed), keyed.select(_WINDOW)])
        window_keys = key_set(keys.get_column(_WINDOW))
        if window_keys is None:
            return PredictionState(minutes=(minutes,), window_keys=None)
        return dataclasses.replace(_state(keyed, self.exact_values), minutes=(minutes,), window_keys=window_keys)

    def merge(self, left: PredictionState, right: PredictionState) -> PredictionState:
        return compacted(merge_bounded(left, right), _TABLE_KEYS)

    def finalize(self, state: PredictionState) -> tuple[PredictionWindow, ...]:
        """Windows ordered by model version (first seen first), then start. ``UsageError``
        when the windows would number over ``MAX_WINDOWS``."""
        check_time_windows(self.window, state.minutes, state.window_keys is None)
        if self.window.records is not None:
            rows = _concat(state.rows, prediction_rows(_EMPTY_RECORDS, self.by_version).collect())
            per_version = rows.group_by(_VERSION).len().get_column("len").to_list()
            windows = sum(record_window_count(n, self.window.records) for n in per_version)
            if windows > MAX_WINDOWS:
                raise too_many_record_windows(self.window, rows.height, "prediction", windows)
            keyed = (
                rows.lazy()
                .sort("ts", maintain_order=True)
                .with_columns(
                    (pl.int_range(pl.len(), dtype=pl.Int64).over(_VERSION) // self.window.records).alias(_WINDOW)
                )
            )
            state = _state(keyed, self.exact_values)
        return _windows(state, self.low_threshold, keep_first_ts=self.window.duration is None)


def prediction_rows(records: pl.DataFrame, by_version: bool = True) -> pl.LazyFrame:
    """Predictions only, as the narrow rows these analyses need: ``ts``, ``label``, version,
    confidence (the top probability when no confidence is logged) and entropy in bits."""
    lf = records.lazy()
    schema = lf.collect_schema()
    missing = {
        "model_version": pl.lit(None, dtype=pl.Categorical),
        "confidence": pl.lit(None, dtype=pl.Float64),
        "probabilities": pl.lit(None, dtype=pl.List(pl.Float64)),
    }
    lf = lf.with_columns(expr.alias(name) for name, expr in missing.items() if name not in schema)
    probs = pl.col("probabilities").cast(pl.List(pl.Float64))
    conf = pl.coalesce(pl.col("confidence").cast(pl.Float64), probs.list.max())
    total = probs.list.sum()
    raw = probs.list.eval(pl.when(pl.element() > 0).then(-pl.element() * pl.element().log(2)).otherwise(0.0)).list.sum()
    version = pl.col("model_version").cast(pl.Categorical) if by_version else pl.lit(None, dtype=pl.Categorical)
    return lf.filter(pl.col("label").is_not_null()).select(
        "ts",
        pl.col("label").cast(pl.Categorical),
        version.alias(_VERSION),
        pl.when(conf.is_finite()).then(conf).alias(_CONF),
        # H(p / s) = H_raw(p) / s + log2 s, for s = sum(p) > 0
        pl.when(total > 0).then(raw / total + total.log(2)).alias(_ENTROPY),
    )


def _state(keyed: pl.LazyFrame, budget: int) -> PredictionState:
    """Class counts, confidence values and entropy sums per (version, window)."""
    keys = [_VERSION, _WINDOW]
    counts, entropy, values = pl.collect_all(
        [
            keyed.group_by(*keys, "label").agg(
                pl.len().alias("n"), pl.col("ts").min().alias("first"), pl.col("ts").max().alias("last")
            ),
            keyed.group_by(keys).agg(ordered_sum(_ENTROPY).alias("sum"), pl.col(_ENTROPY).count().alias("count")),
            keyed.select(*keys, _CONF),
        ]
    )
    return PredictionState((counts,), value_state(values, keys, _CONF, counts, budget), (entropy,))


def _windows(state: PredictionState, low_threshold: float | None, keep_first_ts: bool) -> tuple[PredictionWindow, ...]:
    keys = [_VERSION, _WINDOW]
    counts = _concat(state.counts, _EMPTY_COUNTS)
    meta, classes, entropy = pl.collect_all(
        [
            counts.lazy().group_by(keys).agg(pl.col("n").sum(), pl.col("first").min(), pl.col("last").max()),
            counts.lazy()
            .group_by(*keys, "label")
            .agg(pl.col("n").sum())
            .sort(pl.col("label").cast(pl.String)),  # classes in name order, every run
            _concat(state.entropy, _EMPTY_ENTROPY).lazy().group_by(keys).agg(ordered_sum("sum"), pl.col("count").sum()),
        ]
    )
    per_class: dict[GroupKey, dict[str, int]] = {}
    for version, key, label, n in classes.iter_rows():
        per_class.setdefault((version, key), {})[label] = int(n)
    conf_rows = _confidence(state.values, low_threshold)
    entropy_rows = {(v, k): (s, c) for v, k, s, c in entropy.iter_rows()}
    out = []
    for version, key, n, first, last in meta.iter_rows():
        c = conf_rows.get((version, key), {"n_conf": 0, "mean": None, "p10": None, "below": 0})
        e_sum, e_count = entropy_rows.get((version, key), (0.0, 0))
        n_conf = int(c["n_conf"])
        out.append(
            PredictionWindow(
                model_version=version,
                start=first if keep_first_ts else _EPOCH + timedelta(microseconds=key),
                end=last,
                n=int(n),
                class_counts=per_class.get((version, key), {}),
                n_confidence=n_conf,
                confidence_mean=_float(c["mean"]) if n_conf else math.nan,
                confidence_p10=_float(c["p10"]),
                share_below=c["below"] / n_conf if n_conf and c["below"] is not None else math.nan,
                mean_entropy_bits=e_sum / e_count if e_count else None,
                percentile_method=state.values.method,
            )
        )
    first_seen: dict[str | None, datetime] = {}
    for w in out:
        first_seen[w.model_version] = min(first_seen.get(w.model_version, w.start), w.start)
    return tuple(
        sorted(
            out,
            key=lambda w: (first_seen[w.model_version], w.model_version is not None, w.model_version or "", w.start),
        )
    )


class _Confidence(TypedDict):
    n_conf: int
    mean: float | None
    p10: float | None
    below: int | None


def _confidence(values: ValueState, low_threshold: float | None) -> dict[GroupKey, _Confidence]:
    """Count, mean, p10 (numpy linear) and count below ``low_threshold`` (None: not
    counted) per (version, window)."""
    out: dict[GroupKey, _Confidence] = {}
    for key, conf in values.groups().items():
        (p10,) = percentiles(conf, [10])
        below = None if low_threshold is None else count_below(conf, low_threshold)
        out[key] = {"n_conf": size(conf), "mean": mean(conf), "p10": p10, "below": below}
    return out


def _float(value: float | None) -> float:
    return math.nan if value is None else float(value)


def _concat(pieces: tuple[pl.DataFrame, ...], empty: pl.DataFrame) -> pl.DataFrame:
    return pl.concat(pieces, how="vertical") if pieces else empty


_TABLE_KEYS = {"counts": [_VERSION, _WINDOW, "label"], "entropy": [_VERSION, _WINDOW], "minutes": [MINUTE]}
"""The key columns of the state's tables, for ``bounds.compacted``."""
_TS = pl.Datetime("us", "UTC")
_EMPTY_RECORDS = pl.DataFrame(schema={"ts": _TS, "label": pl.Categorical})
_EMPTY_COUNTS = pl.DataFrame(
    schema={
        _VERSION: pl.Categorical,
        _WINDOW: pl.Int64,
        "label": pl.Categorical,
        "n": pl.UInt32,
        "first": _TS,
        "last": _TS,
    }
)
_EMPTY_ENTROPY = pl.DataFrame(
    schema={_VERSION: pl.Categorical, _WINDOW: pl.Int64, "sum": pl.Float64, "count": pl.UInt32}
)
