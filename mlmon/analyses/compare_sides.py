"""The two sides of a comparison (``mlmon compare``), taken from the states one read made.

A side is one model version of a run (``--baseline 1.4.0``: the records of that version)
or every record of one set of logs (``--baseline-logs``). Its numbers come from the
reducers every command uses, unchanged: the operational state (latency and confidence
values, exact up to the budget of :mod:`mlmon.analyses.values` and log buckets beyond,
requests, errors and class counts), the label join's prediction rows (request id and
predicted class, for the agreement of shadow traffic) and, when labels or a calibration
exist, realized and estimated accuracy. Numbers only: :mod:`mlmon.analyses.compare`
compares them, :mod:`mlmon.verdicts.compare` judges.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import polars as pl

from mlmon.analyses.estimated import EstimatedWindow
from mlmon.analyses.labels import ID, VERSION, JoinState
from mlmon.analyses.ops_types import OpsState, OpsSummary
from mlmon.analyses.performance import RealizedWindow
from mlmon.analyses.values import Buckets, GroupKey, Pooled, ValueState
from mlmon.ingest.needs import Needs
from mlmon.stats import log_buckets
from mlmon.stats.arrays import Floats, Ints


@dataclass(frozen=True)
class Selector:
    """Which records make a side: a model version (and model), or every record."""

    model: str | None = None
    """The model's name (None: any model)."""
    version: str | None = None
    """The model version (None: every record of the side's logs)."""

    @classmethod
    def parse(cls, text: str) -> Selector:
        """``1.4.0`` (a version of any model) or ``imgcls:1.4.0``."""
        model, sep, version = text.rpartition(":")
        return cls(model or None, version) if sep else cls(None, text)

    def matches(self, model: str | None, version: str | None) -> bool:
        """True when a (model, version) group belongs to this side."""
        if self.version is None:
            return True
        return version == self.version and (self.model is None or model == self.model)

    def describe(self) -> str:
        """As the user wrote it."""
        return f"{self.model}:{self.version}" if self.model else str(self.version)


@dataclass(frozen=True)
class Sample:
    """A side's values of one kind, as sorted distinct numbers and their counts."""

    values: Floats
    """Distinct values, ascending (bucket representatives beyond the exact budget)."""
    counts: Ints
    """How often each occurred."""
    exact: bool
    """False when the values are log-bucket representatives (within 0.54%)."""

    @property
    def n(self) -> int:
        """Values in the sample."""
        return int(self.counts.sum())

    @classmethod
    def of(cls, pooled: Pooled) -> Sample:
        """From a value state's pooled values (a Series or log buckets)."""
        if isinstance(pooled, Buckets):
            return cls(log_buckets.bucket_values(pooled.keys), pooled.counts.astype(np.int64), False)
        values, counts = np.unique(pooled.to_numpy().astype(np.float64), return_counts=True)
        return cls(values, counts.astype(np.int64), True)


@dataclass(frozen=True)
class Side:
    """What one side served over the compared period."""

    name: str
    """How the side is shown: ``imgcls:1.5.0``, or the logs' name."""
    records: int
    """Records read."""
    requests: int
    """Requests served."""
    errors: int
    """Requests that failed."""
    start: datetime | None
    """First record in the compared period."""
    end: datetime | None
    """Last record in the compared period."""
    latency: Sample
    """Latencies, milliseconds."""
    confidence: Sample
    """Confidence of the predicted class."""
    classes: tuple[tuple[str, int], ...]
    """Predictions per class, in name order."""
    predictions: pl.DataFrame
    """One row per prediction with a request id: ``_id`` and ``label`` (strings)."""
    realized: RealizedWindow | None
    """Accuracy from the labels that arrived (None: no prediction of the side was labelled)."""
    estimate: EstimatedWindow | None
    """CBPE's estimate (None: no calibration given, or nothing to estimate from)."""


def side_of(
    name: str,
    selector: Selector,
    summary: OpsSummary,
    ops: OpsState,
    join: JoinState | None,
    realized: RealizedWindow | None,
    estimate: EstimatedWindow | None,
) -> Side:
    """One side, from its summary, the run's operational state and the label join's rows."""
    scope = (summary.model, summary.model_version)

    def keep(key: GroupKey) -> bool:
        return selector.version is None or tuple(key[:2]) == scope

    predictions = summary.predictions
    classes = tuple(sorted(predictions.class_counts.items())) if predictions is not None else ()
    return Side(
        name=name,
        records=summary.records,
        requests=summary.errors.requests,
        errors=summary.errors.errors,
        start=summary.start,
        end=summary.end,
        latency=_sample(ops.latency, keep),
        confidence=_sample(ops.confidence, keep),
        classes=classes,
        predictions=_predictions(join, selector),
        realized=realized,
        estimate=estimate,
    )


def _sample(state: ValueState, keep: object) -> Sample:
    if not state.keys():
        return Sample(np.empty(0), np.empty(0, dtype=np.int64), True)
    return Sample.of(state.pool(keep))  # type: ignore[arg-type]


def _predictions(join: JoinState | None, selector: Selector) -> pl.DataFrame:
    """The side's predictions that carry a request id (the label join's rows hold the
    version only: a model name in the selector is not checked here)."""
    empty = pl.DataFrame(schema={ID: pl.String, "label": pl.String})
    if join is None or not join.predictions:
        return empty
    rows = pl.concat([part.select(ID, VERSION, "label") for part in join.predictions], how="vertical_relaxed")
    rows = rows.filter(pl.col(ID).is_not_null())
    if selector.version is not None:
        rows = rows.filter(pl.col(VERSION).cast(pl.String) == selector.version)
    return rows.select(ID, pl.col("label").cast(pl.String))


@dataclass(frozen=True)
class Served:
    """When one model version served: its first and last request or prediction."""

    model: str | None
    """The model's name (None: not logged)."""
    version: str | None
    """The version (None: not logged)."""
    start: datetime
    """Its first request or prediction."""
    end: datetime
    """Its last one."""
    records: int
    """Requests and predictions counted."""


_SPAN_SCHEMA = {
    "model": pl.String,
    "model_version": pl.String,
    "start": pl.Datetime("us", "UTC"),
    "end": pl.Datetime("us", "UTC"),
    "n": pl.UInt32,
}


@dataclass(frozen=True)
class ServedReducer:
    """When each (model, version) served, from the records that are requests or
    predictions only: a label record that arrives hours later, or a resource sample, does
    not stretch a version's time."""

    needs: Needs = Needs(("model", "model_version", "is_request", "label"))
    """The columns read."""

    def from_chunk(self, records: pl.DataFrame) -> pl.DataFrame:
        served = records.lazy().filter(pl.col("is_request") | pl.col("label").is_not_null())
        return self._spans(
            served.select(pl.col("model", "model_version").cast(pl.String), pl.col("ts").alias("start"), "ts")
            .rename({"ts": "end"})
            .with_columns(pl.lit(1, pl.UInt32).alias("n"))
        )

    def merge(self, left: pl.DataFrame, right: pl.DataFrame) -> pl.DataFrame:
        return self._spans(pl.concat([left, right]).lazy())

    def finalize(self, state: pl.DataFrame) -> tuple[Served, ...]:
        """One span per (model, version), by first request (then by name, unlogged last)."""
        rows = state.sort("start", "model", "model_version", nulls_last=True).iter_rows(named=True)
        return tuple(Served(r["model"], r["model_version"], r["start"], r["end"], r["n"]) for r in rows)

    @staticmethod
    def _spans(frame: pl.LazyFrame) -> pl.DataFrame:
        keys = ["model", "model_version"]
        spans = frame.group_by(keys).agg(pl.col("start").min(), pl.col("end").max(), pl.col("n").sum())
        return spans.collect().cast(_SPAN_SCHEMA).sort(keys, nulls_last=True)  # type: ignore[arg-type]
