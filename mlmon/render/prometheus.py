"""Prometheus output: the text exposition format 0.0.4, shaped for node_exporter's textfile
collector (docs/output-formats.md, "Prometheus"). The collector reads every ``*.prom`` file in its
directory on each scrape, so the file must be complete and must follow its rules:

* every metric is named ``mlmon_...`` in base units (seconds, ratios); a gauge, except the
  latency quantiles, which are summaries (below);
* ``# HELP`` and ``# TYPE`` once per metric name, all of its samples together;
* no timestamps (the collector rejects a file that carries them): a time is a value, as in
  ``mlmon_last_record_timestamp_seconds``;
* label values escaped (backslash, double quote, newline);
* a figure that could not be computed is left out rather than written as ``NaN``, so an
  alert on it stays silent instead of comparing against NaN (``absent()`` finds it).

Latency quantiles carry the ``quantile`` label, which the format reserves for summaries (``promtool check metrics``:
a gauge with it is an error), so ``mlmon_latency_seconds`` and ``mlmon_bench_latency_seconds`` are summaries:
the quantile samples (the same series as when they were gauges: queries on ``{quantile="0.99"}`` are unchanged)
and ``_sum`` and ``_count`` of the same latencies (the collector writes ``_sum 0`` and ``_count 0`` for a summary
without them). They cover the run's input, as the quantiles do, so they are not counters across runs: do not
``rate()`` them. No latency: the summary is left out.

Metrics by result type (``mlmon compare``'s: :mod:`mlmon.render.prometheus_compare`):

``mlmon report``
    ``mlmon_latency_seconds{quantile="0.5|0.95|0.99"}`` with ``_sum`` and ``_count``, ``mlmon_error_ratio``,
    ``mlmon_requests``, ``mlmon_last_record_timestamp_seconds`` (the whole input; per model in the JSON output);
    with ``--by`` the first three per group too, a label per item (:mod:`mlmon.render.prometheus_groups`).
``mlmon drift``
    ``mlmon_prediction_psi{model_version}`` and ``mlmon_confidence_mean{model_version}``
    (each version's latest window that could be tested), ``mlmon_feature_drift_psi{feature}``
    (each feature's worst window), ``mlmon_last_prediction_timestamp_seconds``: its own
    name, so that report and drift files never collide in one textfile directory.
``mlmon bench``
    ``mlmon_bench_latency_seconds{batch_size,concurrency,quantile}`` with ``_sum`` and
    ``_count``, and ``mlmon_bench_inferences_per_second{batch_size,concurrency}``.
``mlmon performance``
    per model version (``model_version``) and window (``window="last_mature"``: the latest
    window with the labels to be judged; ``window="last"``: the latest window, judged or not):
    ``mlmon_accuracy`` with ``mlmon_accuracy_lower`` and ``mlmon_accuracy_upper`` (its Wilson
    95% interval), ``mlmon_macro_f1``, ``mlmon_brier_score``, ``mlmon_calibration_error``,
    ``mlmon_roc_auc``, ``mlmon_label_coverage``, ``mlmon_labels_waiting``,
    ``mlmon_label_lag_p95_seconds`` and ``mlmon_performance_window_start_timestamp_seconds``
    (which window that is); over the run, ``mlmon_label_records``, ``mlmon_orphan_labels``,
    ``mlmon_duplicate_labels`` and ``mlmon_conflicting_labels``. Counts recomputed by each
    run, so gauges, not counters. With a calibrated ``--reference`` (CBPE), per version:
    ``mlmon_estimated_accuracy`` with ``mlmon_estimated_accuracy_band_lower`` and ``_upper``
    (the reference's band) of the last window with an estimate (``window="last_estimated"``,
    its start in the timestamp above), and ``mlmon_estimate_gap`` (estimate minus realized
    accuracy) of the last mature window (``window="last_mature"``: a gap needs the labels).
``mlmon check``
    every metric of report and drift above, from its one read, and
    ``mlmon_run_timestamp_seconds``, the time of the run (its ``now``). Its
    ``mlmon_last_record_timestamp_seconds`` is written as long as the input holds a
    record before ``--until``, even when every record is older than ``--since``
    (``IngestStats.last_timestamp``): the logs stopped, and ``time() -
    mlmon_last_record_timestamp_seconds`` must keep growing for the silence alert.
every result
    ``mlmon_rule_status{rule,scope,severity}``: for each finding, 1 on its severity and 0 on
    the other three, so ``mlmon_rule_status{severity="critical"} == 1`` selects breaches.
    Two findings of one rule and scope (not made today) keep the more severe. One series,
    one meaning: ``feature_drift`` with ``scope="all"`` is the rule over all features
    (drift's worst feature; check's verdict when no feature could be judged); check's rule
    on the share of features that drifted (``drift_share``) is ``scope="drifted_share"``.

A model version that is not logged is the empty label value ``model_version=""``.
``--output`` writes the file whole (:func:`mlmon.files.replace_file`: a temporary ``.*.tmp``
beside it, then a rename), so the collector never reads half of it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from mlmon.api.results import BenchReport, CheckReport, CompareReport, DriftReport, PerformanceReport, Report
from mlmon.ingest.problems import latest
from mlmon.render.human import finite
from mlmon.render.prometheus_compare import COMPARE_HELP, compare_section
from mlmon.render.prometheus_groups import group_series
from mlmon.verdicts.findings import Finding, Severity
from mlmon.verdicts.registry import Check

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
"""The exposition format's media type (for anything that serves the text over HTTP)."""

QUANTILES = (("0.5", "p50_ms"), ("0.95", "p95_ms"), ("0.99", "p99_ms"))
"""Latency quantile labels and the fields (milliseconds) they come from."""

HELP = {
    "mlmon_latency_seconds": (
        "Request latency over the whole input of mlmon report or check, seconds: quantiles (numpy linear "
        "interpolation), sum and count."
    ),
    "mlmon_error_ratio": "Errors / requests over the whole input of mlmon report or check (0 to 1).",
    "mlmon_requests": "Requests in the whole input of mlmon report or check.",
    "mlmon_last_record_timestamp_seconds": (
        "Time of the last record read by mlmon report or check (before --until; records older than --since count), "
        "Unix epoch seconds."
    ),
    "mlmon_run_timestamp_seconds": (
        "Time of the mlmon check run that wrote these figures (its now), Unix epoch seconds."
    ),
    "mlmon_prediction_psi": (
        "PSI of predicted class shares against the reference, in the latest window of each model version "
        "with enough predictions to be tested (mlmon drift or check)."
    ),
    "mlmon_confidence_mean": (
        "Mean prediction confidence in the latest window of each model version that has "
        "confidences (mlmon drift or check)."
    ),
    "mlmon_feature_drift_psi": (
        "PSI of each input feature against the reference in its worst window (mlmon drift or check)."
    ),
    "mlmon_last_prediction_timestamp_seconds": (
        "Time of the last prediction read by mlmon drift or check, Unix epoch seconds."
    ),
    "mlmon_bench_latency_seconds": (
        "Latency of single inference calls per configuration (mlmon bench), seconds: quantiles, sum and count."
    ),
    "mlmon_bench_inferences_per_second": "Inference calls per second per configuration (mlmon bench).",
    "mlmon_accuracy": "Realized accuracy (0 to 1) of a model version in a window (mlmon performance).",
    "mlmon_accuracy_lower": "Low end of the Wilson 95% interval of mlmon_accuracy (mlmon performance).",
    "mlmon_accuracy_upper": "High end of the Wilson 95% interval of mlmon_accuracy (mlmon performance).",
    "mlmon_macro_f1": "Macro F1 (0 to 1) of a model version in a window (mlmon performance).",
    "mlmon_brier_score": (
        "Brier score of the labelled predictions with known probabilities (0 best, 2 worst; mlmon performance)."
    ),
    "mlmon_calibration_error": (
        "Expected calibration error on 10 equal-width bins of top-class confidence (0 to 1; mlmon performance)."
    ),
    "mlmon_roc_auc": "ROC AUC of a binary model version in a window (mlmon performance).",
    "mlmon_label_coverage": "Labelled share (0 to 1) of a window's predictions (mlmon performance).",
    "mlmon_labels_waiting": "Labels a window still needs before it is judged (0: judged; mlmon performance).",
    "mlmon_label_lag_p95_seconds": (
        "95th percentile of label time minus prediction time in a window, seconds (mlmon performance)."
    ),
    "mlmon_performance_window_start_timestamp_seconds": (
        "Start of the window (last_mature or last) that the performance figures with the same labels describe, "
        "Unix epoch seconds (mlmon performance)."
    ),
    "mlmon_estimated_accuracy": (
        "CBPE's estimated accuracy (0 to 1) of a model version in a window (mlmon performance)."
    ),
    "mlmon_estimated_accuracy_band_lower": (
        "Low end of the reference's band of estimated accuracy, its chunks' mean - 3 sd (mlmon performance)."
    ),
    "mlmon_estimated_accuracy_band_upper": (
        "High end of the reference's band of estimated accuracy, its chunks' mean + 3 sd (mlmon performance)."
    ),
    "mlmon_estimate_gap": "Estimated minus realized accuracy of a judged window (mlmon performance).",
    "mlmon_label_records": "Records carrying a true class, from logs and label tables (mlmon performance).",
    "mlmon_orphan_labels": "Request ids with a label but no prediction in the input (mlmon performance).",
    "mlmon_duplicate_labels": "Label records repeating their id's value, counted once (mlmon performance).",
    "mlmon_conflicting_labels": (
        "Label records of request ids whose labels disagree, excluded from every figure (mlmon performance)."
    ),
    "mlmon_rule_status": (
        "1 for the severity a check (rule) concluded for a scope, 0 for the other three "
        "(ok, warning, critical, unknown)."
    ),
    **COMPARE_HELP,
}
"""The HELP text of every metric, one per name whatever the command: the textfile collector
merges families across files and refuses one name with two HELP texts."""

TYPES = {"mlmon_latency_seconds": "summary", "mlmon_bench_latency_seconds": "summary"}
"""Metrics that are not gauges: the latency quantiles (the ``quantile`` label is a summary's)."""

SHARE_SCOPE = "drifted_share"
"""The scope check's share-of-features rule is written under (its findings say ``all``)."""

SEVERITIES = (Severity.OK, Severity.WARNING, Severity.CRITICAL, Severity.UNKNOWN)


class Exposition:
    """Samples grouped by metric name, written in the order names were first added."""

    def __init__(self) -> None:
        self._samples: dict[str, list[str]] = {}

    def add(self, name: str, value: float | None, labels: dict[str, str] | None = None, suffix: str = "") -> None:
        """One sample of ``name`` (which must have a :data:`HELP` text), written as
        ``name + suffix`` (a summary's ``_sum`` and ``_count``); a missing, NaN or infinite
        ``value`` is left out."""
        if name not in HELP:
            raise KeyError(f"no HELP text for {name}")
        text = format_value(value)
        if text is None:
            return
        pairs = ",".join(f'{key}="{escape_label_value(str(v))}"' for key, v in (labels or {}).items())
        sample = name + suffix
        self._samples.setdefault(name, []).append(f"{sample}{{{pairs}}} {text}" if pairs else f"{sample} {text}")

    def text(self) -> str:
        """The exposition text: HELP, TYPE and samples per name; a newline at the end."""
        lines: list[str] = []
        for name, samples in self._samples.items():
            lines += [f"# HELP {name} {escape_help(HELP[name])}", f"# TYPE {name} {TYPES.get(name, 'gauge')}", *samples]
        return "".join(line + "\n" for line in lines)


def render(result: Any, *, color: bool = False) -> str:
    """``result`` in the text exposition format (``color`` is ignored)."""
    out = Exposition()
    section = _SECTIONS.get(type(result))
    if section is not None:
        section(result, out)
    rule_status(series_findings(result), out)
    return out.text()


def escape_label_value(value: str) -> str:
    """A label value as the format wants it: ``\\`` ``"`` and newline escaped."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def escape_help(text: str) -> str:
    """HELP text escapes ``\\`` and newline only."""
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def format_value(value: float | None) -> str | None:
    """A sample value (Go's ParseFloat reads Python's ``repr``), or None when missing or not finite."""
    if value is None:
        return None
    if isinstance(value, int):  # bool too
        return str(int(value))
    value = float(value)
    return repr(value) if math.isfinite(value) else None


def epoch_seconds(moment: datetime | None) -> float | None:
    """Unix time of ``moment`` (a naive datetime is taken as UTC)."""
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def seconds(ms: float | None) -> float | None:
    return None if ms is None else ms / 1000.0


def latency_summary(out: Exposition, name: str, latency: Any, labels: dict[str, str] | None = None) -> None:
    """The summary ``name`` of ``latency`` (``count``, ``mean_ms`` and the quantile fields of
    :data:`QUANTILES`, in milliseconds): its quantiles, ``_sum`` and ``_count`` in seconds;
    nothing when it holds no latency."""
    if not latency.count:
        return
    for quantile, field_name in QUANTILES:
        out.add(name, seconds(getattr(latency, field_name)), {**(labels or {}), "quantile": quantile})
    total = None if latency.mean_ms is None else latency.mean_ms * latency.count / 1000.0
    out.add(name, total, labels, suffix="_sum")
    out.add(name, latency.count, labels, suffix="_count")


def _report(report: Report, out: Exposition) -> None:
    latency_summary(out, "mlmon_latency_seconds", report.overall.latency)
    out.add("mlmon_error_ratio", report.overall.errors.rate)
    out.add("mlmon_requests", report.overall.errors.requests)
    last = latest(report.ingest.last_timestamp, report.overall.end)  # records in memory: no account of a read
    out.add("mlmon_last_record_timestamp_seconds", epoch_seconds(last))
    group_series(report.groups, out, latency_summary)


def _drift(report: DriftReport, out: Exposition) -> None:
    for version, window in _latest(w for w in report.prediction.windows if finite(w.psi)).items():
        out.add("mlmon_prediction_psi", window.psi, {"model_version": version})
    for version, window in _latest(w for w in report.confidence.windows if w.n > 0 and finite(w.mean)).items():
        out.add("mlmon_confidence_mean", window.mean, {"model_version": version})
    if report.features is not None:
        for outcome in report.features.features:
            out.add("mlmon_feature_drift_psi", outcome.worst.drift.psi, {"feature": outcome.feature})
    ends = [w.end for w in report.prediction.windows] + [w.end for w in report.confidence.windows]
    seconds = [s for s in map(epoch_seconds, ends) if s is not None]
    out.add("mlmon_last_prediction_timestamp_seconds", max(seconds, default=None))


def _check(report: CheckReport, out: Exposition) -> None:
    """The figures of report and drift from check's one read; mlmon_rule_status carries the verdicts."""
    _report(report.report, out)
    _drift(report.drift, out)
    out.add("mlmon_run_timestamp_seconds", epoch_seconds(report.now))


PERFORMANCE_FIGURES = (
    ("mlmon_accuracy", "accuracy"),
    ("mlmon_accuracy_lower", "accuracy_low"),
    ("mlmon_accuracy_upper", "accuracy_high"),
    ("mlmon_macro_f1", "macro_f1"),
    ("mlmon_brier_score", "brier"),
    ("mlmon_calibration_error", "calibration_error"),
    ("mlmon_roc_auc", "roc_auc"),
    ("mlmon_label_coverage", "coverage"),
    ("mlmon_label_lag_p95_seconds", "lag_p95_s"),
)
"""Per-window metrics of ``mlmon performance`` and the :class:`RealizedWindow` field of each."""
LABEL_COUNTS = (
    ("mlmon_label_records", "label_records"),
    ("mlmon_orphan_labels", "orphan_labels"),
    ("mlmon_duplicate_labels", "duplicate_labels"),
    ("mlmon_conflicting_labels", "conflicting_labels"),
)
"""Run-wide metrics of ``mlmon performance`` and the :class:`JoinCounts` field of each."""
ESTIMATE_FIGURES = (
    ("mlmon_estimated_accuracy", "estimated_accuracy"),
    ("mlmon_estimated_accuracy_band_lower", "accuracy_low"),
    ("mlmon_estimated_accuracy_band_upper", "accuracy_high"),
)
"""CBPE's metrics of ``mlmon performance`` and the :class:`EstimatedWindow` field of each."""


def _performance(report: PerformanceReport, out: Exposition) -> None:
    """Per version, the last judged window and the last window (and CBPE's figures of the last
    estimated one, the gap of the last judged one); then the join's counts."""
    from mlmon.render.performance_parts import by_version, last_estimated, last_mature, last_window

    picked = [
        (version, kind, judged)
        for version, windows in by_version(report).items()
        for kind, judged in (("last_mature", last_mature(windows)), ("last", last_window(windows)))
        if judged is not None
    ]
    for name, attribute in PERFORMANCE_FIGURES:
        for version, kind, judged in picked:
            out.add(name, getattr(judged.window, attribute), {"model_version": version or "", "window": kind})
    for version, kind, judged in picked:
        out.add("mlmon_labels_waiting", judged.waiting_for, {"model_version": version or "", "window": kind})
    groups = by_version(report).items()
    estimated = [(v, "last_estimated", j) for v, windows in groups if (j := last_estimated(windows)) is not None]
    for version, kind, judged in [*picked, *estimated]:
        where = {"model_version": version or "", "window": kind}
        out.add("mlmon_performance_window_start_timestamp_seconds", epoch_seconds(judged.window.start), where)
    for name, attribute in ESTIMATE_FIGURES:
        for version, kind, judged in estimated:
            out.add(name, getattr(judged.estimate, attribute), {"model_version": version or "", "window": kind})
    for version, kind, judged in picked:
        if kind == "last_mature":
            out.add("mlmon_estimate_gap", judged.gap, {"model_version": version or "", "window": kind})
    for name, attribute in LABEL_COUNTS:
        out.add(name, getattr(report.counts, attribute))


def _bench(report: BenchReport, out: Exposition) -> None:
    for config in report.result.configs:
        where = {"batch_size": str(config.batch_size), "concurrency": str(config.concurrency)}
        latency_summary(out, "mlmon_bench_latency_seconds", config.latency, where)
    for config in report.result.configs:
        where = {"batch_size": str(config.batch_size), "concurrency": str(config.concurrency)}
        out.add("mlmon_bench_inferences_per_second", config.inferences_per_s, where)


def series_findings(result: Any) -> tuple[Finding, ...]:
    """``result``'s findings as their ``mlmon_rule_status`` series: check's share-of-features
    finding (scope ``all`` beside the per-feature ones, ``feature=NAME``) under
    :data:`SHARE_SCOPE`, so ``feature_drift{scope="all"}`` means one thing in drift and check."""
    findings = tuple(result.findings)
    feature = Check.FEATURE_DRIFT.value
    if not isinstance(result, CheckReport) or not any(
        f.check == feature and f.scope.startswith("feature=") for f in findings
    ):
        return findings
    return tuple(replace(f, scope=SHARE_SCOPE) if f.check == feature and f.scope == "all" else f for f in findings)


def rule_status(findings: Iterable[Finding], out: Exposition) -> None:
    """``mlmon_rule_status``: four samples per (rule, scope), the more severe finding kept."""
    kept: dict[tuple[str, str], Severity] = {}
    for finding in findings:
        key = (finding.check, finding.scope)
        if key not in kept or finding.severity.rank > kept[key].rank:
            kept[key] = finding.severity
    for (rule, scope), severity in kept.items():
        for candidate in SEVERITIES:
            out.add(
                "mlmon_rule_status",
                int(candidate is severity),
                {"rule": rule, "scope": scope, "severity": candidate.value},
            )


def _latest(windows: Iterable[Any]) -> dict[str, Any]:
    """Each model version's latest window (by start); an unlogged version is ``""``."""
    found: dict[str, Any] = {}
    for window in windows:
        version = window.model_version or ""
        if version not in found or window.start > found[version].start:
            found[version] = window
    return found


_SECTIONS: dict[type, Callable[[Any, Exposition], None]] = {
    Report: _report,
    DriftReport: _drift,
    BenchReport: _bench,
    CheckReport: _check,
    PerformanceReport: _performance,
    CompareReport: compare_section,
}
