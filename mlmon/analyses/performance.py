"""Realized performance per (model version, window), from the label join's rows.

Every prediction is in its window's ``predictions``; the labelled ones give the figures,
computed exactly from the joined rows at ``finalize`` (the formulas are in
:mod:`mlmon.stats.performance`, tested against scikit-learn):

* accuracy with its Wilson interval, per-class precision/recall/F1 and macro F1 over the
  classes that occurred or were predicted in the window (scikit-learn's labels), and the
  confusion matrix;
* the Brier score over the labelled rows whose probabilities are known: a vector logged
  with class names (normalised to sum 1), or, for a binary model, the confidence of the
  predicted class (the other class has the rest);
* the expected calibration error on 10 equal-width bins of top-class confidence;
* for a binary model (two classes over the version), ROC AUC of the second class in name
  order (scikit-learn's positive label), exact with ties.

Numbers only: whether a window is mature enough to judge, and what a figure means, are the
verdicts' (:mod:`mlmon.verdicts`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl

from mlmon.analyses.labels import (
    ACTUAL,
    CLASS_SEPARATOR,
    CLASSES,
    CONF,
    PROBS,
    VERSION,
    WINDOW,
    JoinCounts,
    JoinedRows,
)
from mlmon.stats.arrays import Ints
from mlmon.stats.performance import (
    ClassMetrics,
    brier_score,
    calibration_bins,
    class_metrics,
    confusion_matrix,
    ece,
    roc_auc,
    wilson_interval,
)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_TERM, _SCORE, _LAG = "_brier_term", "_positive_score", "_lag_s"


@dataclass(frozen=True)
class ClassScore:
    """One class's figures in a window (scikit-learn's ``zero_division=0``)."""

    label: str
    """The class."""
    support: int
    """Labelled predictions whose true class this is."""
    predicted: int
    """Labelled predictions of this class."""
    precision: float
    """Correct among those predicted this class (0 when none)."""
    recall: float
    """Correct among those truly this class (0 when none)."""
    f1: float
    """Harmonic mean of precision and recall (0 when both are 0)."""


@dataclass(frozen=True)
class RealizedWindow:
    """What the labels say about one (model version, window)."""

    model_version: str | None
    """The version (None: not logged, or versions pooled)."""
    start: datetime
    """Window start (aligned), or the first prediction's time for the whole range."""
    end: datetime
    """Time of the window's last prediction."""
    predictions: int
    """Predictions in the window."""
    without_id: int
    """Of which without a request id (never labelled unless they carried their truth)."""
    labelled: int
    """Of which with a usable label."""
    lag_p50_s: float
    """Median label lag, seconds (numpy linear; nan when no label has a time)."""
    lag_p95_s: float
    """95th percentile of the label lag, seconds."""
    lag_max_s: float
    """Longest label lag, seconds."""
    classes: tuple[str, ...]
    """Classes that occurred or were predicted among the labelled rows, in name order."""
    confusion: tuple[tuple[int, ...], ...]
    """Counts, rows the true class and columns the predicted one, in ``classes`` order."""
    accuracy: float
    """Correct share of the labelled predictions (nan when none)."""
    accuracy_low: float
    """Wilson 95% interval, low end."""
    accuracy_high: float
    """Wilson 95% interval, high end."""
    macro_f1: float
    """Mean F1 over ``classes`` (nan when none)."""
    per_class: tuple[ClassScore, ...]
    """Per-class figures, in ``classes`` order."""
    brier: float
    """Brier score over ``n_brier`` rows (nan when none)."""
    n_brier: int
    """Labelled rows whose probabilities are known."""
    calibration_error: float
    """Expected calibration error over ``n_calibration`` rows (nan when none)."""
    n_calibration: int
    """Labelled rows with a confidence."""
    roc_auc: float | None
    """Binary models only, when both classes occurred (None otherwise)."""

    @property
    def coverage(self) -> float:
        """Labelled share of the predictions."""
        return self.labelled / self.predictions if self.predictions else math.nan


@dataclass(frozen=True)
class RealizedPerformance:
    """The realized performance of a run: windows and what the join counted apart."""

    windows: tuple[RealizedWindow, ...]
    """Per (version, window), versions in first-seen order, then by start."""
    counts: JoinCounts
    """Labels and predictions the join could not use, counted."""


@dataclass(frozen=True)
class _Keyed:
    """A (version, window) key, what every prediction of it gives, and its labelled rows."""

    version: str | None
    """The model version (None: not logged, or pooled)."""
    window: int
    """Epoch microseconds of the window start (0: the whole range)."""
    predictions: int
    """Its predictions."""
    without_id: int
    """Of which without a request id."""
    first: datetime
    """Its first prediction's time."""
    last: datetime
    """Its last prediction's time."""
    n_classes: int
    """Classes its version predicted or was labelled with (0: none)."""
    labelled: pl.DataFrame = field(repr=False)
    """Its labelled rows with their scores, by time."""


def realized(joined: JoinedRows, whole_range: bool) -> RealizedPerformance:
    """The figures of every (version, window) of ``joined``; ``whole_range``: the window
    starts at its first prediction. Every prediction is counted in one group-by of its
    window; only the labelled rows are scored and taken apart (a run whose labels have not
    arrived copies none of its predictions)."""
    windows = [_window(keyed, whole_range) for keyed in _groups(joined.rows)]
    first_seen: dict[str | None, datetime] = {}
    for w in windows:
        first_seen[w.model_version] = min(first_seen.get(w.model_version, w.start), w.start)
    order = sorted(
        windows, key=lambda w: (first_seen[w.model_version], w.model_version is None, w.model_version or "", w.start)
    )
    return RealizedPerformance(tuple(order), joined.counts)


def _groups(rows: pl.DataFrame) -> list[_Keyed]:
    """Each (version, window) with its counts over every prediction and its labelled rows
    scored (:func:`_with_scores`), in the order of (version, window, time)."""
    classes = _version_classes(rows)
    totals = (
        rows.select(VERSION, WINDOW, "_has_id", "ts")
        .group_by(VERSION, WINDOW)
        .agg(
            pl.len().alias("_n"),
            (~pl.col("_has_id")).sum().alias("_without_id"),
            pl.col("ts").min().alias("_first"),
            pl.col("ts").max().alias("_last"),
        )
        .with_columns(pl.col(VERSION).cast(pl.String))
        .join(classes.select(VERSION, "_n_classes"), on=VERSION, how="left", nulls_equal=True)
        .sort(VERSION, WINDOW, nulls_last=True)
    )
    labelled = _with_scores(rows.filter(pl.col(ACTUAL).is_not_null()), classes)
    keyed = labelled.sort(VERSION, WINDOW, "ts", nulls_last=True, maintain_order=True)
    parts = {(version, window): part for (version, window), part in keyed.group_by([VERSION, WINDOW])}
    return [
        _Keyed(version, window, n, without, first, last, n_classes or 0, parts.get((version, window), keyed.clear()))
        for version, window, n, without, first, last, n_classes in totals.iter_rows()
    ]


def _version_classes(rows: pl.DataFrame) -> pl.DataFrame:
    """Per version (text): how many classes were predicted or labelled, and the second in
    name order (scikit-learn's positive label of a binary model; null with one class)."""
    pairs = [rows.group_by(VERSION, name).len().select(VERSION, pl.col(name).alias("_c")) for name in ("label", ACTUAL)]
    return (
        pl.concat(pairs)
        .select(pl.col(VERSION).cast(pl.String), pl.col("_c").cast(pl.String))
        .drop_nulls("_c")
        .group_by(VERSION)
        .agg(pl.col("_c").unique().sort().alias("_classes_of_version"))
        .select(
            VERSION,
            pl.col("_classes_of_version").list.len().alias("_n_classes"),
            pl.col("_classes_of_version").list.get(1, null_on_oob=True).alias("_positive"),
        )
    )


def _with_scores(rows: pl.DataFrame, classes: pl.DataFrame) -> pl.DataFrame:
    """Each row's Brier term and binary positive-class score, where its probabilities are
    known: from its named vector, else (binary versions) from its confidence; ``classes``:
    :func:`_version_classes`."""
    rows = rows.with_row_index("_row").with_columns(
        pl.col("label").cast(pl.String), pl.col(ACTUAL).cast(pl.String), pl.col(VERSION).cast(pl.String)
    )
    rows = rows.join(classes, on=VERSION, how="left", nulls_equal=True)  # a few scalars per row, not the list
    binary = pl.col("_n_classes") == 2
    positive = pl.col("_positive")
    vector = _vector_terms(rows)
    rows = rows.join(vector, on="_row", how="left")
    conf = pl.col(CONF).cast(pl.Float64)
    p_actual = pl.when(pl.col("label") == pl.col(ACTUAL)).then(conf).otherwise(1 - conf)
    from_conf = 2 * (1 - p_actual) ** 2  # two classes: (1 - p_a)^2 + (p_other - 0)^2
    p_positive = pl.when(pl.col("label") == positive).then(conf).otherwise(1 - conf)
    return rows.with_columns(
        pl.coalesce("_vector_term", pl.when(binary & conf.is_not_null()).then(from_conf)).alias(_TERM),
        pl.when(binary).then(pl.coalesce("_vector_positive", p_positive)).alias(_SCORE),
        (pl.col("label") == positive).alias("_predicted_positive"),
        (pl.col(ACTUAL) == positive).alias("_actual_positive"),
    )


def _vector_terms(rows: pl.DataFrame) -> pl.DataFrame:
    """Per labelled row with a named vector: its Brier term ``sum p^2 - 2 p_actual + 1`` of
    the normalised vector, and the normalised probability of its version's second class.
    Rows are taken by their list of class names (a service logs one or a few): each list's
    vectors form one numpy matrix."""
    named = rows.filter(pl.col(PROBS).is_not_null() & pl.col(ACTUAL).is_not_null()).select(
        "_row",
        ACTUAL,
        PROBS,
        pl.col(CLASSES).cast(pl.String),
        "_positive",
    )
    parts = [_terms_of(part, tuple(key.split(CLASS_SEPARATOR))) for (key,), part in named.group_by(CLASSES)]
    return pl.concat([pl.DataFrame(schema=_TERMS), *parts], how="vertical_relaxed")


_TERMS = {"_row": pl.UInt32(), "_vector_term": pl.Float64(), "_vector_positive": pl.Float64()}


def _terms_of(part: pl.DataFrame, classes: tuple[str, ...]) -> pl.DataFrame:
    """The Brier terms and positive-class probabilities of rows that share ``classes``;
    none where the names do not give each probability one class: a repeated key (``"1"``
    and ``"1.0"`` are one class), or a name holding :data:`CLASS_SEPARATOR` (more names
    than probabilities once split). Those rows are scored as rows without a vector."""
    if len(set(classes)) != len(classes) or (part.get_column(PROBS).list.len() != len(classes)).any():
        return pl.DataFrame(schema=_TERMS)
    matrix = part.get_column(PROBS).list.to_array(len(classes)).to_numpy().astype(np.float64)
    total = matrix.sum(axis=1)
    keep = total > 0
    p = matrix[keep] / total[keep, None]
    position = {name: i for i, name in enumerate(classes)}
    at = np.arange(p.shape[0])
    actual = part.get_column(ACTUAL).replace_strict(position, default=-1, return_dtype=pl.Int64).to_numpy()[keep]
    positive = part.get_column("_positive").replace_strict(position, default=-1, return_dtype=pl.Int64)
    positive = positive.to_numpy()[keep]
    p_actual = np.where(actual >= 0, p[at, np.maximum(actual, 0)], 0.0)
    p_positive = np.where(positive >= 0, p[at, np.maximum(positive, 0)], 0.0)
    return pl.DataFrame(
        {
            "_row": part.get_column("_row").filter(pl.Series(keep)),
            "_vector_term": (p * p).sum(axis=1) - 2 * p_actual + 1,
            "_vector_positive": p_positive,
        }
    )


def _window(keyed: _Keyed, whole_range: bool) -> RealizedWindow:
    labelled = keyed.labelled
    classes = tuple(sorted({*labelled.get_column("label").to_list(), *labelled.get_column(ACTUAL).to_list()}))
    actual, predicted = (_indices(labelled.get_column(name), classes) for name in (ACTUAL, "label"))
    matrix = confusion_matrix(actual, predicted, len(classes))
    metrics = class_metrics(matrix)
    correct = int(np.trace(matrix))
    low, high = wilson_interval(correct, labelled.height)
    lags = labelled.get_column(_LAG).drop_nulls().to_numpy()
    p50, p95, top = np.percentile(lags, [50, 95, 100]).tolist() if lags.size else [math.nan] * 3
    terms = labelled.get_column(_TERM).drop_nulls()
    calibrated = labelled.filter(pl.col(CONF).is_not_null() & pl.col(CONF).is_finite())
    bins = calibration_bins(
        np.clip(calibrated.get_column(CONF).cast(pl.Float64).to_numpy(), 0.0, 1.0),
        (calibrated.get_column("label") == calibrated.get_column(ACTUAL)).to_numpy(),
    )
    return RealizedWindow(
        model_version=keyed.version,
        start=keyed.first if whole_range else _EPOCH + timedelta(microseconds=keyed.window),
        end=keyed.last,
        predictions=keyed.predictions,
        without_id=keyed.without_id,
        labelled=labelled.height,
        lag_p50_s=p50,
        lag_p95_s=p95,
        lag_max_s=top,
        classes=classes,
        confusion=tuple(tuple(int(v) for v in row) for row in matrix),
        accuracy=metrics.accuracy,
        accuracy_low=low,
        accuracy_high=high,
        macro_f1=metrics.macro_f1,
        per_class=tuple(
            ClassScore(name, int(metrics.support[i]), int(metrics.predicted[i]), *_three(metrics, i))
            for i, name in enumerate(classes)
        ),
        brier=brier_score(float(terms.sum()), terms.len(), keyed.n_classes) if terms.len() else math.nan,
        n_brier=terms.len(),
        calibration_error=ece(*bins) if calibrated.height else math.nan,
        n_calibration=calibrated.height,
        roc_auc=_auc(labelled),
    )


def _indices(values: pl.Series, classes: tuple[str, ...]) -> Ints:
    """Each value's position in ``classes``."""
    codes: Ints = values.cast(pl.Enum(classes)).to_physical().cast(pl.Int64).to_numpy()
    return codes


def _three(metrics: ClassMetrics, i: int) -> tuple[float, float, float]:
    return float(metrics.precision[i]), float(metrics.recall[i]), float(metrics.f1[i])


def _auc(labelled: pl.DataFrame) -> float | None:
    scored = labelled.filter(pl.col(_SCORE).is_not_null())
    outcomes = scored.get_column("_actual_positive").to_numpy()
    if scored.height == 0 or outcomes.all() or not outcomes.any():
        return None
    return roc_auc(scored.get_column(_SCORE).to_numpy(), outcomes)
