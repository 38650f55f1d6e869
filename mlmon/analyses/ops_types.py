"""Types of the operational analysis: its partial state (:class:`OpsState`, polars tables
and value states, resolvable at run time: a summary's decoder checks each field against
its annotation) and its result types, numbers only (renderers import those for type
checking only, so they load no polars). Percentiles are numpy's default linear
interpolation, exact while the values fit the budget (``mlmon.analyses.values``), else
read from log buckets within 0.54% (``percentile_method``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import polars as pl

from mlmon.analyses.values import ValueState


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
    percentile_method: str = "exact"
    """What gave the percentiles, here and in every window's ``p99_ms``: ``exact`` (numpy
    linear on the values) or ``log_buckets`` (within 0.54%; ``mlmon.stats.log_buckets``)."""


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
    """Request rate over the scope's time span.

    The peak is the highest rate over the windows mlmon can see, like Prometheus'
    ``max_over_time(rate(requests[1m]))``: each calendar minute (its requests / 60 s), and
    the whole span (the mean). So it is never below the mean. The mean wins when the span
    is under a minute (600 requests in 0.4 s: the peak is the mean, 1,500 req/s, not
    600 / 60 = 10) or when traffic bunches in the partial first and last minutes;
    ``peak_bucket_seconds`` says which window gave the peak.
    """

    requests: int
    """Records that describe a request."""
    span_seconds: float
    """From the first to the last record of the scope."""
    mean_rps: float | None
    """requests / span_seconds; None for a zero span."""
    peak_rps: float
    """max(busiest calendar minute's requests / 60, ``mean_rps``); 0.0 without requests."""
    peak_minute: datetime | None
    """Start of the busiest calendar minute (UTC; the earliest of ties), also when the
    whole span gave the peak; None without requests."""
    peak_bucket_seconds: float
    """The length of the window the peak is a rate over: 60.0 (a calendar minute), or
    ``span_seconds`` when the mean over the whole span is higher."""


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
    percentile_method: str = "exact"
    """What gave ``confidence_p10``: ``exact`` or ``log_buckets`` (within 0.54%)."""


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


@dataclass(frozen=True)
class ModelWindows:
    """One model/version's figures per time window, on the same starts as the whole input's
    windows, so the two compare window by window."""

    scope: str
    """The matching per-model :class:`OpsSummary`'s ``scope`` (``model version``)."""
    model: str | None
    """Model name."""
    model_version: str | None
    """Model version."""
    windows: tuple[WindowOps, ...]
    """One per overall window, in order; records=0, requests=0, p99 and error rate None
    where this model/version logged nothing."""


@dataclass(frozen=True)
class OpsState:
    """Partial state of :class:`~mlmon.analyses.ops.OpsReducer`: tables that merge by
    concatenation (re-aggregated past ``bounds.COMPACT_AT``) and value states that merge by ``+``."""

    groups: tuple[pl.DataFrame, ...] = ()
    """(model, version, window, minute) → counts, sums, minima, maxima."""
    classes: tuple[pl.DataFrame, ...] = ()
    """(model, version, label) → predictions."""
    latency: ValueState = ValueState()
    """(model, version, window) → the latency values (exact, or log buckets)."""
    confidence: ValueState = ValueState()
    """(model, version) → the confidence values (exact, or log buckets)."""
    rows: tuple[pl.DataFrame, ...] = ()
    """Record-count windows only: (ts, request, error, latency) per record."""
    minutes: tuple[pl.DataFrame, ...] = ()
    """Time windows only: minute → records, first and last time; per chunk."""
    window_keys: frozenset[int] | None = frozenset()
    """Time windows only: the distinct window starts held (epoch µs); None once over
    ``MAX_WINDOWS``, when every piece but ``minutes`` is dropped."""
