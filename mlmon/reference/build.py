"""Profiling a table of training data (or a window's predictions) into a reference profile."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import polars as pl

from mlmon import stats
from mlmon.errors import UsageError
from mlmon.reference.calibration import PROBABILITY_NAME, build_calibration
from mlmon.reference.keys import category_keys, value_keys
from mlmon.reference.profile import (
    DISCRETE_VALUES,
    EDGE_LEVELS,
    LOW_CONFIDENCE,
    OTHER,
    PROFILE_VERSION,
    QUANTILE_LEVELS,
    TOP_K,
    UNCALIBRATED_VERSION,
    CategoricalFeature,
    ConfidenceSummary,
    FeatureProfile,
    NumericFeature,
    ReferenceProfile,
)


def build_profile(
    frame: pl.DataFrame | pl.LazyFrame,
    *,
    label: str | None = "label",
    confidence: str | None = None,
    proba_cols: Sequence[str] | None = None,
    features: Sequence[str] | None = None,
    source: str = "",
    actual: str | None = None,
) -> ReferenceProfile:
    """Profile ``frame``.

    ``label`` names the class column; the default name ``label`` is optional: a table
    without it (input features only) gives a features-only profile, which feature drift
    uses and prediction drift reports as not computable. ``confidence=None`` uses a column
    named ``confidence`` when there is one, else the row maximum of ``proba_cols``.
    ``features=None`` profiles every other numeric or boolean column but the label, the
    confidence and the probability columns; columns that look like class probabilities
    (:func:`probability_like`) are refused there rather than profiled as inputs without a
    word. ``actual`` names the true class column of a labelled table the model did not train
    on: the profile then holds a calibration for estimated performance
    (:func:`~mlmon.reference.calibration.build_calibration`, version 4), which needs
    ``proba_cols`` and the label. Unknown column names raise :class:`~mlmon.errors.UsageError`.
    """
    df = frame.collect() if isinstance(frame, pl.LazyFrame) else frame
    proba = tuple(proba_cols or ())
    if label == DEFAULT_LABEL and label not in df.columns and actual is None:
        label = None
    _require_columns(df, [c for c in (label, confidence, actual, *proba) if c], source)
    if confidence is None and "confidence" in df.columns and "confidence" not in proba:
        confidence = "confidence"
    for name in proba:
        if not df.schema[name].is_numeric():
            raise UsageError(f"probability column {name!r} is not numeric ({df.schema[name]})")
    if features is None:
        used = {label, confidence, actual, *proba}
        features = [c for c, t in df.schema.items() if c not in used and (t.is_numeric() or t == pl.Boolean)]
        _refuse_probabilities(df, features, source)
    if label is None and not features and confidence is None and not proba:
        raise UsageError(
            f"{source or 'the table'}: nothing to profile: no {DEFAULT_LABEL!r} column, no numeric or boolean "
            f"feature columns; columns are: {', '.join(df.columns)}"
        )
    _require_columns(df, features, source)
    calibration = None
    if actual is not None:
        if len(proba) < 2 or label is None:
            raise UsageError("--actual needs --proba-cols (two or more) and --label: the calibration is fitted on them")
        calibration = build_calibration(df, label, actual, proba, source)
    counts = _class_counts(df, label) if label else {}
    total = sum(counts.values())
    return ReferenceProfile(
        source=source,
        n_rows=df.height,
        class_counts=counts,
        class_shares={k: v / total for k, v in counts.items()},
        confidence=_confidence_summary(df, confidence, proba),
        features={name: _feature_profile(df.get_column(name)) for name in features},
        label_column=label,
        confidence_column=confidence,
        proba_columns=proba,
        grid_levels=tuple(stats.GRID_LEVELS),
        calibration=calibration,
        version=UNCALIBRATED_VERSION if calibration is None else PROFILE_VERSION,
    )


DEFAULT_LABEL = "label"
"""The label column's default name; optional, unlike a name given with ``--label``."""


def probability_like(df: pl.DataFrame, columns: Sequence[str]) -> list[str]:
    """The columns among ``columns`` that look like class probabilities: named ``p_X``,
    ``prob_X``, ``proba_X``, ``probability_X`` or ``score_X``, numeric, every finite value in
    [0, 1], and at least two of them."""
    found = []
    for name in columns:
        if not PROBABILITY_NAME.match(name) or not df.schema[name].is_numeric():
            continue
        values = _finite(df.get_column(name))
        if values.size and values.min() >= 0.0 and values.max() <= 1.0:
            found.append(name)
    return found if len(found) >= 2 else []


def _refuse_probabilities(df: pl.DataFrame, features: Sequence[str], source: str) -> None:
    found = probability_like(df, features)
    if found:
        where = f"{source}: " if source else ""
        raise UsageError(
            f"{where}columns {', '.join(found)} look like class probabilities; pass them with --proba-cols "
            f"{','.join(found)} (or name the input features with --features to profile them as inputs)"
        )


def _require_columns(df: pl.DataFrame, names: Sequence[str], source: str) -> None:
    missing = [n for n in names if n not in df.columns]
    if missing:
        where = f" in {source}" if source else ""
        raise UsageError(
            f"column(s) {', '.join(map(repr, missing))} not found{where}; columns are: {', '.join(df.columns)}"
        )


def _class_counts(df: pl.DataFrame, label: str) -> dict[str, int]:
    table = (
        df.lazy()
        .select(pl.col(label).cast(pl.String).alias("label"))
        .drop_nulls()
        .group_by("label")
        .len()
        .sort("label")
        .collect()
    )
    return dict(zip(table.get_column("label").to_list(), map(int, table.get_column("len").to_list())))


def _finite(series: pl.Series) -> np.ndarray:
    values = series.cast(pl.Float64).drop_nulls().to_numpy()
    return values[np.isfinite(values)]


def _confidence_summary(df: pl.DataFrame, column: str | None, proba: tuple[str, ...]) -> ConfidenceSummary | None:
    if column is None and not proba:
        return None
    probs = df.select(pl.col(c).cast(pl.Float64) for c in proba).drop_nulls().to_numpy() if proba else None
    if column is not None:
        values = _finite(df.get_column(column))
    else:
        values = _finite(df.select(pl.max_horizontal(proba)).to_series())
    p10, p50, p90 = np.quantile(values, [0.1, 0.5, 0.9]) if values.size else (math.nan,) * 3
    entropy = None
    if probs is not None:
        rows = np.atleast_1d(stats.entropy_bits(probs)) if probs.size else np.array([])
        rows = rows[np.isfinite(rows)]
        entropy = float(rows.mean()) if rows.size else math.nan
    return ConfidenceSummary(
        count=int(values.size),
        mean=float(values.mean()) if values.size else math.nan,
        std=float(values.std(ddof=1)) if values.size > 1 else math.nan,
        p10=float(p10),
        p50=float(p50),
        p90=float(p90),
        share_below_0_5=float((values < LOW_CONFIDENCE).mean()) if values.size else math.nan,
        mean_entropy_bits=entropy,
    )


def _feature_profile(series: pl.Series) -> FeatureProfile:
    rows = series.len()
    if not series.dtype.is_numeric():
        return _categorical_profile(series)
    values = _finite(series)
    missing = rows - values.size
    missing_share = missing / rows if rows else 0.0
    if values.size == 0:
        nan = math.nan
        return NumericFeature(
            0, missing_share, nan, nan, nan, nan, {q: nan for q in QUANTILE_LEVELS}, (), (), missing=missing
        )
    ordered = np.sort(values)
    grid = np.quantile(ordered, stats.GRID_LEVELS)
    edges = np.unique(np.quantile(values, EDGE_LEVELS))
    if edges.size == 1:
        edges = np.repeat(edges, 2)
    return NumericFeature(
        count=int(values.size),
        missing_share=missing_share,
        mean=float(values.mean()),
        std=_std(values),
        min=float(values.min()),
        max=float(values.max()),
        quantiles=dict(zip(QUANTILE_LEVELS, map(float, np.quantile(values, QUANTILE_LEVELS)))),
        bin_edges=tuple(map(float, edges)),
        bin_counts=tuple(map(int, stats.bin_counts(values, edges))),
        missing=missing,
        grid=tuple(map(float, grid)),
        grid_counts=tuple(map(int, stats.grid_counts(ordered, grid, is_sorted=True).counts)),
        value_counts=_value_counts(values),
    )


def _std(values: np.ndarray) -> float:
    """Sample std (ddof 1); exactly 0 for a constant, where the float mean leaves a residue
    (5,000 x 1.3333 gives 2e-16) that would make every standardized shift astronomical."""
    if values.size < 2:
        return math.nan
    return 0.0 if values.min() == values.max() else float(values.std(ddof=1))


def _value_counts(values: np.ndarray) -> dict[str, int]:
    """Counts per distinct value, keyed as feature drift keys a window's values
    (:func:`mlmon.reference.keys.value_keys`), when there are at most ``DISCRETE_VALUES``."""
    distinct, counts = np.unique(values + 0.0, return_counts=True)  # + 0.0: -0.0 is 0.0
    if distinct.size > DISCRETE_VALUES:
        return {}
    keys = value_keys(pl.Series(distinct, dtype=pl.Float64)).to_list()
    return dict(zip(keys, map(int, counts)))


def _categorical_profile(series: pl.Series) -> CategoricalFeature:
    rows = series.len()
    text = category_keys(series).drop_nulls()
    table = text.value_counts(name="n").sort(["n", text.name], descending=[True, False])
    names = table.get_column(text.name).to_list()
    counts = list(map(int, table.get_column("n").to_list()))
    category_counts = dict(zip(names[:TOP_K], counts[:TOP_K]))
    if len(names) > TOP_K:
        category_counts[OTHER] = category_counts.get(OTHER, 0) + sum(counts[TOP_K:])
    return CategoricalFeature(
        count=text.len(),
        missing_share=(rows - text.len()) / rows if rows else 0.0,
        category_counts=category_counts,
        missing=rows - text.len(),
    )
