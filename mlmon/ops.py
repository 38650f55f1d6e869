"""Operational analyses: throughput, latency percentiles, error rates, resources and a
prediction summary, overall, per model/version and per window. Pure functions of a canonical
LazyFrame (see ``mlmon.ingest.canonical``); they never read files or print.

Percentiles use numpy's default method (linear interpolation between closest ranks,
``numpy.percentile(..., method="linear")``); polars' ``quantile(q, "linear")`` computes the
same value. Latency statistics cover every record that carries a latency, errors included.
The error rate is errors / requests (see ``is_request``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import polars as pl

from mlmon.windows import WINDOW_COLUMN, WindowSpec, with_window

ERROR_KINDS = ("error", "timeout", "invalid_input", "http_5xx")
GROUP_KEYS = ("model", "model_version")
COLUMNS = ("ts", "model", "model_version", "label", "latency_ms", "error_kind", "is_request", "confidence", "cpu_percent", "rss_mb")
"""The canonical columns these analyses read (``read_logs(..., columns=COLUMNS)``)."""


@dataclass(frozen=True)
class Latency:
    """Latency distribution of the records that carry one, in milliseconds."""

    count: int
    """Records with a usable latency."""
    p50_ms: float | None
    """Median (numpy linear interpolation)."""
    p95_ms: float | None
    """95th percentile."""
    p99_ms: float | None
    """99th percentile: the tail users feel."""
    max_ms: float | None
    """Slowest request."""
    mean_ms: float | None
    """Arithmetic mean (shown for completeness; the tail matters more)."""


@dataclass(frozen=True)
class Errors:
    """Failed requests by kind."""

    requests: int
    """Records that describe a request."""
    errors: int
    """Requests with any error kind."""
    rate: float | None
    """errors / requests; None when there are no requests."""
    by_kind: dict[str, int]
    """Count per kind: error, timeout, invalid_input, http_5xx."""


@dataclass(frozen=True)
class Throughput:
    """Request rate over the scope's time span."""

    requests: int
    """Records that describe a request."""
    span_seconds: float
    """From the first to the last record of the scope."""
    mean_rps: float | None
    """requests / span_seconds; None for a zero span."""
    peak_rps: float
    """Busiest calendar minute's requests divided by 60."""
    peak_minute: datetime | None
    """Start of that minute (UTC)."""


@dataclass(frozen=True)
class Resources:
    """Process CPU and memory, from records that carry them."""

    samples: int
    """Records with cpu_percent or rss_mb."""
    cpu_mean: float | None
    """Mean CPU use, percent."""
    cpu_max: float | None
    """Highest CPU use, percent."""
    rss_mean_mb: float | None
    """Mean resident memory, MiB."""
    rss_max_mb: float | None
    """Highest resident memory, MiB."""


@dataclass(frozen=True)
class Predictions:
    """What the model said: class shares and confidence."""

    count: int
    """Records with a predicted label."""
    class_counts: dict[str, int]
    """Predictions per class, largest first."""
    class_shares: dict[str, float]
    """class_counts / count."""
    confidence_mean: float | None
    """Mean confidence of the predicted class."""
    confidence_p10: float | None
    """10th percentile of confidence (numpy linear): the unsure tail."""


@dataclass(frozen=True)
class OpsSummary:
    """Every operational figure for one scope."""

    scope: str
    """``all``, or ``model version`` for a per-model summary."""
    model: str | None
    """Model name for a per-model summary."""
    model_version: str | None
    """Model version for a per-model summary."""
    records: int
    """Records in the scope, of every kind."""
    start: datetime | None
    """Earliest event time."""
    end: datetime | None
    """Latest event time."""
    throughput: Throughput
    """Request rates."""
    latency: Latency
    """Latency percentiles."""
    errors: Errors
    """Error rate and breakdown."""
    resources: Resources | None
    """CPU and memory, when logged."""
    predictions: Predictions | None
    """Class shares and confidence, when predictions are logged."""


@dataclass(frozen=True)
class WindowOps:
    """The figures that matter over time, for one window."""

    start: datetime
    """Window start (UTC)."""
    records: int
    """Records in the window, of every kind (0: the logs were silent)."""
    requests: int
    """Requests in the window."""
    p99_ms: float | None
    """99th percentile latency."""
    error_rate: float | None
    """errors / requests."""


def _summary_aggs() -> list[pl.Expr]:
    latency = pl.col("latency_ms")
    kind = pl.col("error_kind").cast(pl.String)
    return [
        pl.len().alias("records"),
        pl.col("ts").min().alias("start"),
        pl.col("ts").max().alias("end"),
        pl.col("is_request").sum().alias("requests"),
        kind.is_not_null().sum().alias("errors"),
        *[(kind == name).sum().alias(f"kind_{name}") for name in ERROR_KINDS],
        latency.count().alias("latency_count"),
        *[latency.quantile(q, "linear").alias(f"p{int(q * 100)}") for q in (0.5, 0.95, 0.99)],
        latency.max().alias("latency_max"),
        latency.mean().alias("latency_mean"),
        (pl.col("cpu_percent").is_not_null() | pl.col("rss_mb").is_not_null()).sum().alias("resource_samples"),
        pl.col("cpu_percent").mean().alias("cpu_mean"),
        pl.col("cpu_percent").max().alias("cpu_max"),
        pl.col("rss_mb").mean().alias("rss_mean"),
        pl.col("rss_mb").max().alias("rss_max"),
        pl.col("label").count().alias("predictions"),
        pl.col("confidence").mean().alias("confidence_mean"),
        pl.col("confidence").quantile(0.1, "linear").alias("confidence_p10"),
    ]


def summarize(frame: pl.LazyFrame, by_model: bool = True) -> tuple[OpsSummary, tuple[OpsSummary, ...]]:
    """The overall summary and, when the logs name models or versions, one per model/version.
    Both run as one batch of queries, so polars shares the scan and works on them at once."""
    keys = list(GROUP_KEYS)
    queries = _summary_queries(frame, [])
    only_group = _only_group(frame, keys) if by_model else None
    if by_model and only_group is None:
        named = frame.filter(pl.any_horizontal(pl.col(key).is_not_null() for key in keys))
        queries += _summary_queries(named, keys)
    results = pl.collect_all(queries)
    overall = _summaries(*results[:3], [])
    if only_group is not None and overall:
        # Every record names the same model and version: its summary is the overall one.
        scope = " ".join(str(v) for v in only_group.values() if v is not None)
        return overall[0], (replace(overall[0], scope=scope, **only_group),)
    groups = _summaries(*results[3:], keys) if by_model else []
    return overall[0], tuple(groups)


def _only_group(frame: pl.LazyFrame, keys: list[str]) -> dict[str, str | None] | None:
    """The model/version every record names, when there is exactly one and no record
    lacks it; None otherwise (no names, several, or some records unnamed)."""
    census = frame.select(
        *[pl.col(key).null_count().alias(f"{key}_nulls") for key in keys],
        *[pl.col(key).drop_nulls().unique().len().alias(f"{key}_unique") for key in keys],
        *[pl.col(key).drop_nulls().first().cast(pl.String).alias(key) for key in keys],
    ).collect().row(0, named=True)
    named = [key for key in keys if census[f"{key}_unique"] == 1 and census[f"{key}_nulls"] == 0]
    absent = [key for key in keys if census[f"{key}_unique"] == 0]
    if not named or len(named) + len(absent) != len(keys):
        return None
    return {key: census[key] if key in named else None for key in keys}


def _summary_queries(frame: pl.LazyFrame, keys: list[str]) -> list[pl.LazyFrame]:
    """Main aggregates, the busiest minute, and class counts: per group of ``keys``. Groups
    are formed on the categorical codes; only the few result rows become strings."""
    as_text = [pl.col(key).cast(pl.String) for key in keys]
    main = frame.group_by(keys).agg(_summary_aggs()).with_columns(*as_text) if keys else frame.select(_summary_aggs())
    per_minute = (
        frame.filter(pl.col("is_request"))
        .group_by([*keys, pl.col("ts").dt.truncate("1m").alias("_minute")])
        .len()
        .sort("len", "_minute", descending=[True, False])
    )
    peaks = per_minute.group_by(keys, maintain_order=True).first().with_columns(*as_text) if keys else per_minute.head(1)
    classes = frame.filter(pl.col("label").is_not_null()).group_by([*keys, "label"]).len().with_columns(*as_text, pl.col("label").cast(pl.String))
    return [main, peaks, classes]


def _summaries(main_df: pl.DataFrame, peak_df: pl.DataFrame, class_df: pl.DataFrame, keys: list[str]) -> list[OpsSummary]:
    if not keys and main_df["records"][0] == 0:
        return []
    results = []
    for row in main_df.sort(keys, nulls_last=True).iter_rows(named=True) if keys else main_df.iter_rows(named=True):
        match = pl.all_horizontal([pl.col(k).eq_missing(row[k]) for k in keys]) if keys else pl.lit(True)
        peak = peak_df.filter(match)
        counts = class_df.filter(match).sort("len", "label", descending=[True, False])
        results.append(_to_summary(row, keys, peak, counts))
    return results


def _to_summary(row: dict, keys: list[str], peak: pl.DataFrame, counts: pl.DataFrame) -> OpsSummary:
    span = (row["end"] - row["start"]).total_seconds() if row["start"] is not None else 0.0
    requests = int(row["requests"])
    model = row.get("model") if keys else None
    version = row.get("model_version") if keys else None
    class_counts = dict(zip(counts["label"].to_list(), counts["len"].to_list()))
    predictions = int(row["predictions"])
    return OpsSummary(
        scope="all" if not keys else " ".join(str(v) for v in (model, version) if v is not None),
        model=model,
        model_version=version,
        records=int(row["records"]),
        start=row["start"],
        end=row["end"],
        throughput=Throughput(
            requests=requests,
            span_seconds=span,
            mean_rps=requests / span if span > 0 else None,
            peak_rps=(peak["len"][0] / 60.0) if peak.height else 0.0,
            peak_minute=peak["_minute"][0] if peak.height else None,
        ),
        latency=Latency(
            count=int(row["latency_count"]),
            p50_ms=row["p50"],
            p95_ms=row["p95"],
            p99_ms=row["p99"],
            max_ms=row["latency_max"],
            mean_ms=row["latency_mean"],
        ),
        errors=Errors(
            requests=requests,
            errors=int(row["errors"]),
            rate=row["errors"] / requests if requests else None,
            by_kind={name: int(row[f"kind_{name}"]) for name in ERROR_KINDS},
        ),
        resources=Resources(
            samples=int(row["resource_samples"]),
            cpu_mean=row["cpu_mean"],
            cpu_max=row["cpu_max"],
            rss_mean_mb=row["rss_mean"],
            rss_max_mb=row["rss_max"],
        ) if row["resource_samples"] else None,
        predictions=Predictions(
            count=predictions,
            class_counts=class_counts,
            class_shares={label: n / predictions for label, n in class_counts.items()},
            confidence_mean=row["confidence_mean"],
            confidence_p10=row["confidence_p10"],
        ) if predictions else None,
    )


def windows(frame: pl.LazyFrame, spec: WindowSpec) -> tuple[WindowOps, ...]:
    """p99 and error rate per window. Time windows with no records at all are included
    with zero records, so a silent stretch of logs shows up instead of vanishing."""
    if spec.is_whole:
        return ()
    latency = pl.col("latency_ms")
    table = (
        with_window(frame, spec)
        .group_by(WINDOW_COLUMN)
        .agg(
            pl.len().alias("records"),
            pl.col("is_request").sum().alias("requests"),
            latency.quantile(0.99, "linear").alias("p99"),
            pl.col("error_kind").is_not_null().sum().alias("errors"),
        )
        .sort(WINDOW_COLUMN)
        .collect()
    )
    if spec.duration is not None and table.height:
        table = _fill_gaps(table, spec.duration)
    return tuple(
        WindowOps(
            start=row[WINDOW_COLUMN],
            records=int(row["records"]),
            requests=int(row["requests"]),
            p99_ms=row["p99"],
            error_rate=row["errors"] / row["requests"] if row["requests"] else None,
        )
        for row in table.iter_rows(named=True)
    )


def _fill_gaps(table: pl.DataFrame, every: timedelta) -> pl.DataFrame:
    starts = pl.datetime_range(table[WINDOW_COLUMN].min(), table[WINDOW_COLUMN].max(), every, time_unit="us", time_zone="UTC", eager=True)
    full = pl.DataFrame({WINDOW_COLUMN: starts})
    return full.join(table, on=WINDOW_COLUMN, how="left").with_columns(
        pl.col("records").fill_null(0), pl.col("requests").fill_null(0), pl.col("errors").fill_null(0)
    )
