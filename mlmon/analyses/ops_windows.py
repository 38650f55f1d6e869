"""Time windows of the operational analysis: records, requests, p99 and error rate per window
for the whole input and for each model/version, every scope on the same window starts.

Counts come from the per-minute sums; p99 from the latency values kept per (model, version,
window) (exact, or log buckets: ``mlmon.analyses.values``), taken once per key. A window
whose values all lie under one model/version key reuses that key's p99 for the whole
input (the usual single-model log costs nothing more).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

import polars as pl

from mlmon.analyses.ops_summary import KEYS
from mlmon.analyses.ops_types import ModelWindows, OpsSummary, WindowOps
from mlmon.analyses.values import GroupKey, ValueState, percentiles, pool_by

if TYPE_CHECKING:
    from mlmon.analyses.ops_types import OpsState

COUNTS = ["records", "requests", "errors"]


def latency_p99s(latency: ValueState) -> tuple[dict[object, float | None], dict[GroupKey, float | None]]:
    """p99 per window start over every record, and per (model, version, window) for the
    keys that name a model or a version."""
    groups = latency.groups()
    by_key = {
        key: percentiles(values, [99])[0] for key, values in groups.items() if key[0] is not None or key[1] is not None
    }
    keys_by_window: dict[object, list[GroupKey]] = {}
    for key in groups:
        keys_by_window.setdefault(key[2], []).append(key)
    single = {keys[0][2]: by_key[keys[0]] for keys in keys_by_window.values() if len(keys) == 1 and keys[0] in by_key}
    several = {key: values for key, values in groups.items() if key[2] not in single}
    pooled = pool_by(latency, lambda key: key[2], several)
    return {**single, **{start: percentiles(values, [99])[0] for start, values in pooled.items()}}, by_key


def time_windows(state: OpsState, every: timedelta, p99: dict[object, float | None]) -> pl.DataFrame:
    """Per time window (``_start``): records, requests, errors from the sums and ``p99``;
    windows with no records at all are filled in with zeros, so a silent stretch shows."""
    counts = pl.concat(state.groups).group_by("_window").agg(pl.col(COUNTS).sum())
    p99_table = pl.DataFrame(
        {"_window": list(p99), "p99": list(p99.values())},
        schema={"_window": counts.schema["_window"], "p99": pl.Float64},
    )
    table = counts.join(p99_table, on="_window", how="left").sort("_window")
    if table.height:
        first, last = (
            cast(datetime, table["_window"].min()),
            cast(datetime, table["_window"].max()),
        )  # a Datetime column
        starts = pl.datetime_range(first, last, every, time_unit="us", time_zone="UTC", eager=True)
        table = (
            pl.DataFrame({"_window": starts})
            .join(table, on="_window", how="left")
            .with_columns(pl.col(COUNTS).fill_null(0))
        )
    return table.rename({"_window": "_start"})


def window_ops(rows: Iterable[dict[str, Any]]) -> tuple[WindowOps, ...]:
    """Rows with ``_start``, records, requests, errors and p99 as :class:`WindowOps`."""
    return tuple(
        WindowOps(
            start=row["_start"],
            records=int(row["records"]),
            requests=int(row["requests"]),
            p99_ms=row["p99"],
            error_rate=row["errors"] / row["requests"] if row["requests"] else None,
        )
        for row in rows
    )


def model_windows(
    state: OpsState, by_model: tuple[OpsSummary, ...], starts: pl.Series, p99: dict[GroupKey, float | None]
) -> tuple[ModelWindows, ...]:
    """One :class:`ModelWindows` per ``by_model`` summary, in its order, each with a window
    per start of ``starts`` (the overall windows'); ``p99`` per (model, version, window)."""
    if not by_model or starts.len() == 0:
        return ()
    named = pl.any_horizontal(pl.col(key).is_not_null() for key in KEYS)
    counts = (
        pl.concat(state.groups)
        .lazy()
        .filter(named)
        .group_by(*KEYS, "_window")
        .agg(pl.col(COUNTS).sum())
        .with_columns(pl.col(*KEYS).cast(pl.String))
    )
    scopes = pl.LazyFrame(
        {
            "_scope": range(len(by_model)),
            "model": [s.model for s in by_model],
            "model_version": [s.model_version for s in by_model],
        },
        schema={"_scope": pl.Int64, "model": pl.String, "model_version": pl.String},
    )
    grid = scopes.join(pl.LazyFrame({"_window": starts}), how="cross")
    table = (
        grid.join(counts, on=[*KEYS, "_window"], how="left", nulls_equal=True)
        .with_columns(pl.col(COUNTS).fill_null(0))
        .sort("_scope", "_window")
        .collect()
    )
    rows = [
        {**row, "_start": row["_window"], "p99": p99.get((row["model"], row["model_version"], row["_window"]))}
        for row in table.iter_rows(named=True)
    ]
    n = starts.len()
    return tuple(
        ModelWindows(
            scope=s.scope, model=s.model, model_version=s.model_version, windows=window_ops(rows[i * n : (i + 1) * n])
        )
        for i, s in enumerate(by_model)
    )
