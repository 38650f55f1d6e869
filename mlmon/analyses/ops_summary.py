"""Finalising the operational state into summaries: the whole input and each model/version.

Sums and counts come from the per-minute table (one ``pl.collect_all``, so polars shares
the work), percentiles from the kept values (``mlmon.analyses.values``).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import polars as pl

from mlmon.analyses.ops_types import Errors, Latency, OpsSummary, Predictions, Resources, Throughput
from mlmon.analyses.sums import sum_of
from mlmon.analyses.values import GroupKey, mean, percentiles

if TYPE_CHECKING:
    from mlmon.analyses.ops_types import OpsState

ERROR_KINDS = ("error", "timeout", "invalid_input", "http_5xx")
KEYS = ["model", "model_version"]
_SUMMED = [
    "records",
    "requests",
    "errors",
    *[f"kind_{k}" for k in ERROR_KINDS],
    "latency_count",
    "latency_sum",
    "resource_samples",
    "cpu_count",
    "cpu_sum",
    "rss_count",
    "rss_sum",
    "predictions",
]


def finalize_summaries(state: OpsState) -> tuple[OpsSummary, tuple[OpsSummary, ...]]:
    """The overall summary and one per model/version named in the logs (records that name
    neither are in the overall summary only)."""
    groups, classes = (pl.concat(pieces).lazy() for pieces in (state.groups, state.classes))
    # Rows in one order every run (pieces in input order, each key once per piece), so the
    # float sums, added in row order (mlmon.analyses.sums), are the same every run.
    groups = groups.sort(
        [*(pl.col(key).cast(pl.String) for key in KEYS), "_window", "_minute"], maintain_order=True, nulls_last=True
    )
    named = pl.any_horizontal(pl.col(key).is_not_null() for key in KEYS)
    # Grouped on the categorical codes; only the few result rows become strings.
    as_text = pl.col(*KEYS).cast(pl.String)
    results = pl.collect_all(
        [
            *_queries(groups, classes, []),
            *(query.with_columns(as_text) for query in _queries(groups.filter(named), classes.filter(named), KEYS)),
        ]
    )
    values = _ValueSummaries(state)
    overall = _summaries(results[0], results[1], results[2], values, [])
    return overall[0], tuple(_summaries(results[3], results[4], results[5], values, KEYS))


class _ValueSummaries:
    """Latency percentiles and confidence mean/p10 per scope, from the kept values. When
    one model/version holds every value, its figures are the overall ones (computed once)."""

    def __init__(self, state: OpsState) -> None:
        self.state = state
        self.scopes = {key[:2] for key in state.latency.keys() | state.confidence.keys()}
        self.cache: dict[GroupKey, tuple[dict[str, Any], dict[str, Any]]] = {}

    def of(self, scope: GroupKey | None) -> tuple[dict[str, Any], dict[str, Any]]:
        whole = scope is None or self.scopes == {scope}
        key = ("all",) if whole or scope is None else scope
        if key not in self.cache:
            keep = (lambda k: True) if whole else (lambda k: k[:2] == scope)
            p50, p95, p99 = percentiles(self.state.latency.pool(keep), [50, 95, 99])
            confidence = self.state.confidence.pool(keep)
            (p10,) = percentiles(confidence, [10])
            self.cache[key] = (
                {"p50": p50, "p95": p95, "p99": p99, "method": self.state.latency.method},
                {"confidence_mean": mean(confidence), "confidence_p10": p10, "method": self.state.confidence.method},
            )
        return self.cache[key]


def _queries(groups: pl.LazyFrame, classes: pl.LazyFrame, keys: list[str]) -> list[pl.LazyFrame]:
    def by(frame: pl.LazyFrame, *aggs: pl.Expr) -> pl.LazyFrame:
        return frame.group_by(keys).agg(*aggs) if keys else frame.select(*aggs)

    schema = groups.collect_schema()
    per_minute = groups.group_by(*keys, "_minute").agg(pl.col("requests").sum()).filter(pl.col("requests") > 0)
    busiest = per_minute.sort("requests", "_minute", descending=[True, False])
    return [
        by(
            groups,
            *[sum_of(name, schema[name]) for name in _SUMMED],
            pl.col("start").min(),
            pl.col("end").max(),
            pl.col("latency_max", "cpu_max", "rss_max").max(),
        ),
        busiest.group_by(keys).first() if keys else busiest.head(1),
        classes.group_by(*keys, "label").agg(pl.col("n").sum()).with_columns(pl.col("label").cast(pl.String)),
    ]


def _summaries(
    main: pl.DataFrame, peak: pl.DataFrame, classes: pl.DataFrame, values: _ValueSummaries, keys: list[str]
) -> list[OpsSummary]:
    if keys:
        main = main.sort(keys, nulls_last=True)
        peak, classes = (frame.with_columns(pl.col(keys).fill_null("\0")) for frame in (peak, classes))
        peaks = _index(peak, keys)
    else:
        peaks = {(): peak.row(0, named=True) if peak.height else {}}
    results = []
    for row in main.iter_rows(named=True):
        key = tuple("\0" if row[k] is None else row[k] for k in keys)
        match = pl.all_horizontal([pl.col(k) == v for k, v in zip(keys, key)]) if keys else pl.lit(True)
        counts = classes.filter(match).sort("n", "label", descending=[True, False])
        lat, conf = values.of(tuple(row[k] for k in keys) if keys else None)
        results.append(_to_summary(row, keys, lat, conf, peaks.get(key, {}), counts))
    return results


def _index(frame: pl.DataFrame, keys: list[str]) -> dict[GroupKey, dict[str, Any]]:
    return {tuple(row[k] for k in keys): row for row in frame.iter_rows(named=True)}


def _to_summary(
    row: dict[str, Any],
    keys: list[str],
    lat: dict[str, Any],
    conf: dict[str, Any],
    peak: dict[str, Any],
    counts: pl.DataFrame,
) -> OpsSummary:
    # Every per-model group has a record; the overall one has none when nothing was read.
    span = (row["end"] - row["start"]).total_seconds() if row["start"] is not None else 0.0
    requests, predictions = int(row["requests"]), int(row["predictions"])
    model = row.get("model") if keys else None
    version = row.get("model_version") if keys else None
    class_counts = dict(zip(counts["label"].to_list(), map(int, counts["n"].to_list())))
    return OpsSummary(
        scope="all" if not keys else " ".join(str(v) for v in (model, version) if v is not None),
        model=model,
        model_version=version,
        records=int(row["records"]),
        start=row["start"],
        end=row["end"],
        throughput=throughput(requests, span, peak.get("requests", 0), peak.get("_minute")),
        latency=Latency(
            count=int(row["latency_count"]),
            p50_ms=lat.get("p50"),
            p95_ms=lat.get("p95"),
            p99_ms=lat.get("p99"),
            max_ms=row["latency_max"],
            mean_ms=row["latency_sum"] / row["latency_count"] if row["latency_count"] else None,
            percentile_method=lat.get("method", "exact"),
        ),
        errors=Errors(
            requests=requests,
            errors=int(row["errors"]),
            rate=row["errors"] / requests if requests else None,
            by_kind={name: int(row[f"kind_{name}"]) for name in ERROR_KINDS},
        ),
        resources=_resources(row) if row["resource_samples"] else None,
        predictions=Predictions(
            count=predictions,
            class_counts=class_counts,
            class_shares={label: n / predictions for label, n in class_counts.items()},
            confidence_mean=conf.get("confidence_mean"),
            confidence_p10=conf.get("confidence_p10"),
            percentile_method=conf.get("method", "exact"),
        )
        if predictions
        else None,
    )


def throughput(requests: int, span: float, busiest: int, minute: datetime | None) -> Throughput:
    """Mean and peak request rates (:class:`Throughput`): the peak is the busiest calendar
    minute's rate, or the mean over the whole span when that is higher, so it is never
    below the mean."""
    mean = requests / span if span > 0 else None
    minute_rate = busiest / 60.0
    if mean is not None and mean > minute_rate:
        return Throughput(requests, span, mean, mean, minute, span)
    return Throughput(requests, span, mean, minute_rate, minute, 60.0)


def _resources(row: dict[str, Any]) -> Resources:
    return Resources(
        samples=int(row["resource_samples"]),
        cpu_mean=row["cpu_sum"] / row["cpu_count"] if row["cpu_count"] else None,
        cpu_max=row["cpu_max"],
        rss_mean_mb=row["rss_sum"] / row["rss_count"] if row["rss_count"] else None,
        rss_max_mb=row["rss_max"],
    )
