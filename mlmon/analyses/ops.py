"""Operational analysis as a reducer: throughput, latency percentiles, error rates, resources
and a prediction summary, overall, per model/version and per window (time windows also per
model/version, ``mlmon.analyses.ops_windows``). Numbers only.

Each chunk becomes a partial state (:class:`OpsState`):

* per (model, version, window, minute): counts, sums, minima and maxima, so every mean,
  rate and the busiest minute follow by addition;
* per (model, version, label): prediction counts;
* the latency values per (model, version, window) and the confidence values per (model,
  version) (:class:`~mlmon.analyses.values.ValueState`): exact while each collection
  holds at most its budget of values (8 bytes each), log-bucket counts beyond it.

States merge piece by piece (associative), and tables are re-aggregated once a state
holds more than ``bounds.COMPACT_AT`` of them, so memory does not grow with the chunk count;
``finalize`` adds the sums up and takes the percentiles. Memory is therefore bounded by
the groups and the value budget, not the records. The exception: record-count windows
(``--window 10000``) need event-time order across files, so their state keeps each
record's time, request and error flags and latency (18 bytes per record), ordered at
``finalize``.

Windows are bounded (``mlmon.windows.MAX_WINDOWS``, ``mlmon.analyses.bounds``): time
windows keep their distinct keys and counts per minute, drop everything else once they
hold too many, and ``finalize`` refuses too many windows (empty ones included) before it
builds any; record windows refuse at ``finalize`` before the rows are sorted.

Percentiles use numpy's default method (linear interpolation between closest ranks,
``numpy.percentile(..., method="linear")``); polars' ``quantile(q, "linear")`` computes the
same value. Over the budget each is read from log buckets, within 0.54% (relative), and
the results say which method gave them (``percentile_method``). Latency statistics
cover every record that carries a latency, errors included.
The error rate is errors / requests (see ``is_request`` in ``mlmon.ingest.canonical``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from mlmon.analyses.bounds import MINUTE, check_time_windows, compacted, key_set, merge_bounded, minute_counts
from mlmon.analyses.ops_summary import ERROR_KINDS, KEYS, finalize_summaries
from mlmon.analyses.ops_types import ModelWindows, OpsState, OpsSummary, WindowOps
from mlmon.analyses.ops_windows import latency_p99s, model_windows, time_windows, window_ops
from mlmon.analyses.sums import ordered_sum
from mlmon.analyses.values import exact_budget, value_state
from mlmon.ingest.needs import Needs
from mlmon.windows import MAX_WINDOWS, FarRecords, WindowSpec, far_records, record_window_count, too_many_record_windows

COLUMNS = (
    "model",
    "model_version",
    "label",
    "latency_ms",
    "error_kind",
    "is_request",
    "confidence",
    "cpu_percent",
    "rss_mb",
)
"""The canonical columns this analysis reads."""


@dataclass(frozen=True)
class OpsResult:
    """Everything the operational analysis found."""

    overall: OpsSummary
    """The whole input."""
    by_model: tuple[OpsSummary, ...]
    """One summary per model/version named in the logs."""
    windows: tuple[WindowOps, ...]
    """p99 and error rate per window (empty for the whole range)."""
    far_from_rest: FarRecords | None = None
    """Records whose time lies far outside the bulk of the data (a clock or parsing bug),
    and the range that leaves them out; None when there are none."""
    model_windows: tuple[ModelWindows, ...] = ()
    """Time windows only: one per model/version, in ``by_model``'s order (same ``scope``),
    each on exactly ``windows``' starts; empty for record-count windows and the whole range."""


@dataclass(frozen=True)
class OpsReducer:
    """Reduce canonical records to an :class:`OpsResult`."""

    window: WindowSpec = field(default_factory=WindowSpec)
    """Per-window breakdown (whole range: none)."""
    needs: Needs = Needs(COLUMNS)
    """The columns read."""
    exact_values: int = field(default_factory=exact_budget)
    """Latencies (and, separately, confidences) kept exactly; beyond, log buckets."""

    def from_chunk(self, records: pl.DataFrame) -> OpsState:
        keyed = records.with_columns(_window_key(self.window).alias("_window"))
        lf = keyed.lazy()
        queries = [
            lf.group_by(*KEYS, "_window", pl.col("ts").dt.truncate("1m").alias(MINUTE)).agg(_sums()),
            lf.filter(pl.col("label").is_not_null()).group_by(*KEYS, "label").agg(pl.len().alias("n")),
        ]
        if self.window.records is not None:
            queries.append(
                lf.select("ts", "is_request", pl.col("error_kind").is_not_null().alias("is_error"), "latency_ms")
            )
        groups, classes, *rows = pl.collect_all(queries)
        kept_minutes: tuple[pl.DataFrame, ...] = ()
        window_keys: frozenset[int] | None = frozenset()
        if self.window.duration is not None:
            keys = key_set(groups.get_column("_window").dt.epoch("us"))
            minutes = minute_counts(groups.lazy(), "start", "records").collect()
            if keys is None:
                return OpsState(minutes=(minutes,), window_keys=None)
            kept_minutes, window_keys = (minutes,), keys
        latency = value_state(keyed, [*KEYS, "_window"], "latency_ms", groups, self.exact_values)
        confidence = value_state(keyed, KEYS, "confidence", groups, self.exact_values)
        return OpsState((groups,), (classes,), latency, confidence, tuple(rows), kept_minutes, window_keys)

    def merge(self, left: OpsState, right: OpsState) -> OpsState:
        return compacted(merge_bounded(left, right), _TABLE_KEYS)

    def finalize(self, state: OpsState) -> OpsResult:
        """The result; ``UsageError`` when the windows would number over ``MAX_WINDOWS``."""
        check_time_windows(self.window, state.minutes, state.window_keys is None)
        if self.window.records is not None:
            records = sum(rows.height for rows in state.rows)
            if record_window_count(records, self.window.records) > MAX_WINDOWS:
                raise too_many_record_windows(self.window, records)
        overall, by_model = finalize_summaries(state)
        windows, per_model = self._windows(state, by_model)
        return OpsResult(overall, by_model, windows, _far_from_rest(state), per_model)

    def _windows(
        self, state: OpsState, by_model: tuple[OpsSummary, ...]
    ) -> tuple[tuple[WindowOps, ...], tuple[ModelWindows, ...]]:
        """The overall windows and, for time windows, each model/version's on the same starts."""
        if self.window.records is not None:
            return window_ops(_record_windows(pl.concat(state.rows), self.window.records).iter_rows(named=True)), ()
        if self.window.duration is None:  # the whole range
            return (), ()
        by_window, by_key = latency_p99s(state.latency)
        table = time_windows(state, self.window.duration, by_window)
        return window_ops(table.iter_rows(named=True)), model_windows(state, by_model, table["_start"], by_key)


_TABLE_KEYS = {"groups": [*KEYS, "_window", MINUTE], "classes": [*KEYS, "label"], "minutes": [MINUTE]}
"""The key columns of the state's tables, for ``bounds.compacted``."""


def _sums() -> list[pl.Expr]:
    latency, cpu, rss, kind = pl.col("latency_ms"), pl.col("cpu_percent"), pl.col("rss_mb"), pl.col("error_kind")
    return [
        pl.len().alias("records"),
        pl.col("ts").min().alias("start"),
        pl.col("ts").max().alias("end"),
        pl.col("is_request").sum().alias("requests"),
        kind.is_not_null().sum().alias("errors"),
        *[(kind == name).sum().alias(f"kind_{name}") for name in ERROR_KINDS],
        latency.count().alias("latency_count"),
        ordered_sum(latency).alias("latency_sum"),
        latency.max().alias("latency_max"),
        (cpu.is_not_null() | rss.is_not_null()).sum().alias("resource_samples"),
        cpu.count().alias("cpu_count"),
        ordered_sum(cpu).alias("cpu_sum"),
        cpu.max().alias("cpu_max"),
        rss.count().alias("rss_count"),
        ordered_sum(rss).alias("rss_sum"),
        rss.max().alias("rss_max"),
        pl.col("label").count().alias("predictions"),
    ]


def _far_from_rest(state: OpsState) -> FarRecords | None:
    """Far-away records, from the records per calendar minute."""
    if not state.groups:
        return None
    minutes = (
        pl.concat([g.select(MINUTE, "records") for g in state.groups]).group_by(MINUTE).agg(pl.col("records").sum())
    )
    return far_records(list(minutes.iter_rows()))


def _window_key(window: WindowSpec) -> pl.Expr:
    """Each record's time window start, aligned to the Unix epoch; null otherwise."""
    return pl.col("ts").dt.truncate(window.every) if window.every else pl.lit(None, dtype=pl.Datetime("us", "UTC"))


def _record_windows(rows: pl.DataFrame, size: int) -> pl.DataFrame:
    """Consecutive windows of ``size`` records in event-time order, keyed by the time of
    their first record."""
    index = pl.int_range(pl.len(), dtype=pl.Int64) // size
    return (
        rows.lazy()
        .sort("ts", maintain_order=True)
        .with_columns(pl.col("ts").first().over(index).alias("_start"))
        .group_by("_start")
        .agg(
            pl.len().alias("records"),
            pl.col("is_request").sum().alias("requests"),
            pl.col("latency_ms").quantile(0.99, "linear").alias("p99"),
            pl.col("is_error").sum().alias("errors"),
        )
        .sort("_start")
        .collect()
    )
