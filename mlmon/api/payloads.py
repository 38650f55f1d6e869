"""The JSON documents of the commands' results, as plain Python: one payload builder per
result type, and the schema version each document carries (docs/output-formats.md, "JSON").

A result's ``to_dict()`` is its builder's payload and ``to_json()`` that payload as text
(:func:`json_text`); ``--format json`` prints the same text (:mod:`mlmon.render.json_format`
only serialises). Datetimes are ISO-8601 strings in UTC; a value that could not be computed
is ``null``. ``status`` is :func:`~mlmon.verdicts.findings.status_of` the findings: ``no
checks`` when there is none (a report without a budget or rule), never a claim of ``ok``. A
result type without a builder of its own gets ``status`` and ``findings`` only
(:func:`findings_payload`). The result types are imported for type checking only:
:mod:`mlmon.api.results` imports the builders.

``mlmon check`` (``mlmon_check_version`` 1): ``status`` (the worst verdict; ``unknown`` when
no rule could be judged), ``now``, ``window``, ``span`` (``start``/``end`` of the windows, or
null), ``exit_on``, ``last_record``, ``inputs`` (as report's), ``rules`` (one object per rule
and scope: ``rule``, ``scope``, ``severity`` (the verdict), ``current``, ``worst``,
``message``, ``value``, ``threshold``, ``unknown``, ``for``, ``keep_firing_for``, ``fired``
(window starts) and ``windows`` (each ``start``, ``raw``, ``effective``, ``held``,
``value``, ``reason``)), ``not_checked`` (``rule``, ``reason``) and ``findings`` (as every
command's).

``mlmon bench`` (``mlmon_bench_version`` 1, also under ``version``, its first name)::

    {"mlmon_bench_version": 1, "version": 1, "tool": "mlmon bench",
     "status": "ok" | "critical" | "no checks" (no --p99-budget), "percentile_method": "linear",
     "model": {"path", "name", "bundled", "size_bytes", "load_time_ms", "providers",
               "graph_optimization", "intra_op_threads", "rss_after_load_mib", "labels",
               "inputs": [{"name", "type", "shape"}], "outputs": [...]},
     "run": {"warmup", "iterations", "duration_s", "seed", "input_source", "log_path",
             "log_records", "predictions_from"},
     "configurations": [{"batch_size", "concurrency", "input_shapes": {name: [dims]},
         "calls", "wall_s",
         "latency": {"count", "mean_ms", "min_ms", "p50_ms", "p95_ms", "p99_ms", "max_ms"},
         "throughput": {"inferences_per_s", "samples_per_s"},
         "cpu": {"time_s", "user_s", "system_s", "per_inference_ms", "utilization"},
         "memory": {"rss_start_mib", "rss_end_mib", "rss_growth_mib", "peak_rss_mib",
                    "peak_rss_method"}}],
     "budget": null | {"p99_ms", "passed", "breaches": [{"batch_size", "p99_ms"}]}}

``mlmon bench A.onnx B.onnx`` adds ``"ab"``: ``b`` (B's ``model`` and ``configurations``;
``model``/``configurations`` above are A's; in both, ``wall_s`` is the time in the model's
own calls and ``cpu``/``memory`` the whole process's), ``confidence_level``,
``differences`` (per batch size: ``p50_diff_ms``, ``p99_diff_ms`` (B - A) and ``mean_ratio``
(B / A), each ``{"value", "low", "high"}``, ``pairs``, ``resamples``, ``verdict``,
``per_sample_ms`` of ``a`` and ``b``), ``agreement`` (``rows``, ``classifier``, ``source``,
``top1_agree``, ``top1_share``, ``top1_low``, ``top1_high``, ``max_abs_proba_diff``,
``mean_kl``, ``output_max_abs_diff``, ``kl_epsilon``), ``decision`` and ``notes``.

Shapes keep dynamic dimensions as their names (strings) or null. ``predictions_from`` (null
without ``--log``) names the output(s) the log's labels and confidences were read from, or
says why there are none (``none: not a classifier``, ``none: --no-predictions``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from mlmon.api.groups import drift_groups_payload, groups_payload
from mlmon.api.inputs_payload import ingest_payload
from mlmon.plain import to_plain
from mlmon.verdicts.findings import Finding, Severity, status_of, worst
from mlmon.verdicts.registry import Check

if TYPE_CHECKING:
    from mlmon.api.results import BenchReport, CheckReport, DriftReport, PerformanceReport, Report
    from mlmon.bench.ab_result import ABResult
    from mlmon.bench.result import ConfigResult, ModelInfo
    from mlmon.verdicts.alerting import RuleOutcome
    from mlmon.verdicts.feature_drift import FeatureDriftResult, FeatureOutcome, FeatureVerdict

REPORT_SCHEMA_VERSION = 2
"""``mlmon_report_version`` of ``mlmon report``'s document; bumped on any incompatible change."""
DRIFT_SCHEMA_VERSION = 2
"""``mlmon_drift_version`` of ``mlmon drift``'s document."""
CHECK_SCHEMA_VERSION = 1
"""``mlmon_check_version`` of ``mlmon check``'s document."""
BENCH_SCHEMA_VERSION = 1
PERFORMANCE_SCHEMA_VERSION = 1
"""``mlmon_bench_version`` (and ``version``) of ``mlmon bench``'s document."""


def json_text(payload: dict[str, Any]) -> str:
    """``payload`` as the JSON text every command prints: indented, strict (no NaN), with a
    trailing newline."""
    return json.dumps(payload, indent=2, allow_nan=False) + "\n"


def findings_payload(result: Any) -> dict[str, Any]:
    """Any result that carries findings: its ``status`` and ``findings`` only."""
    return {"status": status_of(result.findings), "findings": to_plain(result.findings)}


def report_payload(report: Report) -> dict[str, Any]:
    """``mlmon report``'s document."""
    return {
        "mlmon_report_version": REPORT_SCHEMA_VERSION,
        "status": status_of(report.findings),
        "records": report.overall.records,
        "inputs": ingest_payload(report.ingest),
        "far_from_rest": to_plain(report.far_from_rest),
        **{k: v for k, v in to_plain(report.overall).items() if k not in {"model", "model_version"}},
        "by_model": to_plain(report.by_model),
        **groups_payload(report.groups),
        "window": report.window.describe(),
        "windows": to_plain(report.windows),
        "findings": to_plain(report.findings),
    }


def drift_payload(report: DriftReport) -> dict[str, Any]:
    """``mlmon drift``'s document."""
    reference = report.reference
    return {
        "mlmon_drift_version": DRIFT_SCHEMA_VERSION,
        "status": status_of(report.findings),
        "inputs": ingest_payload(report.ingest),
        "reference": None
        if reference is None
        else to_plain(
            {
                "source": reference.source,
                "path": reference.path,
                "n_rows": reference.n_rows,
                "class_shares": reference.class_shares,
                "confidence_mean": reference.confidence.mean if reference.confidence else None,
            }
        ),
        "prediction_drift": _judged("prediction_drift", report.prediction, "first_breach"),
        "confidence": _judged("confidence_collapse", report.confidence, "first_collapse"),
        "feature_drift": feature_drift_payload(report.features),
        **drift_groups_payload(report.groups),
        "findings": to_plain(report.findings),
    }


def _judged(check: str, result: Any, first_key: str) -> dict[str, Any]:
    first = getattr(result, first_key)
    ref = (
        None
        if first is None
        else {"model_version": first.model_version, "start": to_plain(first.start), "severity": first.severity.value}
    )
    return {"check": check, "severity": result.severity.value, **to_plain(result), first_key: ref}


def feature_drift_payload(result: FeatureDriftResult | None) -> dict[str, Any] | None:
    """Drift's ``feature_drift``: the dataset counts, features ranked by drift with their
    summaries, and every (feature, window) verdict. None when the inputs were not read."""
    if result is None:
        return None
    from mlmon.verdicts.feature_drift import feature_drift_findings  # drift's and check's: report never loads it

    return {
        "check": Check.FEATURE_DRIFT.value,
        "severity": feature_drift_findings(result)[0].severity.value,
        "reason": result.reason,
        "whole_range": result.whole_range,
        "features_compared": len(result.features),
        "drifted": result.count(Severity.WARNING) + result.count(Severity.CRITICAL),
        "critical": result.count(Severity.CRITICAL),
        "warning": result.count(Severity.WARNING),
        "unknown": result.count(Severity.UNKNOWN),
        "only_in_logs": dict(result.only_in_logs),
        "only_in_reference": list(result.only_in_reference),
        "features": [_feature(outcome) for outcome in result.features],
        "windows": [_feature_window(verdict) for verdict in result.verdicts],
        "thresholds": to_plain(result.thresholds),
    }


def _feature(outcome: FeatureOutcome) -> dict[str, Any]:
    summary = outcome.summary
    return {
        "name": outcome.feature,
        "section": outcome.section,
        "kind": outcome.kind,
        "severity": outcome.severity.value,
        "first_drifted": to_plain(outcome.first_drifted),
        "worst_window": _feature_window(outcome.worst),
        "reference": _distribution(summary.reference),
        "current": _distribution(summary.current),
        "histogram": to_plain(
            {"bins": summary.bars.labels, "reference": summary.bars.reference, "current": summary.bars.current}
        ),
    }


def _distribution(d: Any) -> dict[str, Any]:
    p5, p50, p95 = d.quantiles
    return to_plain(
        {"n": d.n, "missing_share": d.missing_share, "mean": d.mean, "std": d.std, "p5": p5, "p50": p50, "p95": p95}
    )


def _feature_window(v: FeatureVerdict) -> dict[str, Any]:
    d = v.drift
    return to_plain(
        {
            "feature": v.feature,
            "start": v.window,
            "severity": v.severity.value,
            "reason": v.reason,
            "n": d.n,
            "psi": d.psi,
            "p_value": d.p_value,
            "p_adjusted": v.p_adjusted,
            "ks": None if d.ks is None else {"low": d.ks.low, "high": d.ks.high},
            "wasserstein_sd": None
            if d.wasserstein_sd is None
            else {"value": d.wasserstein_sd.value, "bound": d.wasserstein_sd.bound},
            "mean_shift_sd": d.mean_shift_sd,
            "std_ratio": d.std_ratio,
            "js_distance": d.js_distance,
            "outside_share": d.outside_share,
            "unseen": d.unseen,
            "missing_share": d.missing_share,
            "reference_missing_share": d.reference_missing_share,
            "missing_p_adjusted": v.missing_p_adjusted,
        }
    )


def check_payload(report: CheckReport) -> dict[str, Any]:
    """``mlmon check``'s document (see the module docstring for the schema)."""
    known = [f for f in report.findings if f.severity is not Severity.UNKNOWN]
    return {
        "mlmon_check_version": CHECK_SCHEMA_VERSION,
        "status": worst(known).value if known else Severity.UNKNOWN.value,
        "now": to_plain(report.now),
        "window": report.window.describe(),
        "span": None if report.span is None else {"start": to_plain(report.span[0]), "end": to_plain(report.span[1])},
        "exit_on": report.exit_on.value,
        "last_record": to_plain(report.last_record),
        "inputs": ingest_payload(report.ingest),
        "rules": [rule_payload(outcome) for outcome in report.outcomes],
        "not_checked": [{"rule": rule, "reason": why} for rule, why in report.not_checked],
        **groups_payload(report.report.groups),
        "findings": to_plain(report.findings),
    }


def rule_payload(outcome: RuleOutcome) -> dict[str, Any]:
    """One rule and scope of ``check``, with every window."""
    return {
        "rule": outcome.rule,
        "scope": outcome.scope,
        "severity": outcome.severity.value,
        "current": outcome.current.value,
        "worst": outcome.worst.value,
        "message": outcome.message,
        "value": to_plain(outcome.value),
        "threshold": to_plain(outcome.threshold),
        "unknown": to_plain(outcome.unknown),
        "for": outcome.firing.for_windows,
        "keep_firing_for": outcome.firing.keep_firing_for,
        "fired": to_plain(outcome.fired),
        "windows": to_plain(outcome.windows),
    }


def bench_payload(report: BenchReport) -> dict[str, Any]:
    """``mlmon bench``'s document (see the module docstring for the schema)."""
    from mlmon.bench.result import PERCENTILE_METHOD

    result, findings, budget_ms = report.result, report.findings, report.budget_ms
    model = _model(result.model)
    document = {
        "mlmon_bench_version": BENCH_SCHEMA_VERSION,
        "version": BENCH_SCHEMA_VERSION,
        "tool": "mlmon bench",
        "status": status_of(findings),
        "percentile_method": PERCENTILE_METHOD,
        "model": model,
        "run": {
            "warmup": result.warmup,
            "iterations": result.iterations,
            "duration_s": result.duration_s,
            "seed": result.seed,
            "input_source": result.input_source,
            "log_path": result.log_path,
            "log_records": result.log_records,
            "predictions_from": result.prediction_source,
        },
        "configurations": [_configuration(c) for c in result.configs],
        "budget": _budget(findings, budget_ms),
    }
    return document if report.ab is None else {**document, "ab": _ab(report.ab)}


def _model(info: ModelInfo) -> dict[str, Any]:
    model = asdict(info)
    for key in ("inputs", "outputs"):
        model[key] = [{"name": t["name"], "type": t["type"], "shape": list(t["shape"])} for t in model[key]]
    return {**model, "providers": list(info.providers), "labels": list(info.labels)}


def _ab(ab: ABResult) -> dict[str, Any]:
    """The ``ab`` section of an A/B run: model B, its configurations, the comparison."""
    from mlmon.bench.ab_result import CONFIDENCE_LEVEL, KL_EPSILON

    per_sample = {c.batch_size: c.per_sample_ms for c in ab.a.configs}
    differences = [
        {**to_plain(d), "verdict": d.verdict, "per_sample_ms": {"a": per_sample[d.batch_size], "b": c.per_sample_ms}}
        for d, c in zip(ab.differences, ab.b.configs)
    ]
    return {
        "b": {"model": _model(ab.b.model), "configurations": [_configuration(c) for c in ab.b.configs]},
        "confidence_level": CONFIDENCE_LEVEL,
        "differences": differences,
        "agreement": {**to_plain(ab.agreement), "kl_epsilon": KL_EPSILON},
        "decision": ab.decision,
        "notes": list(ab.notes),
    }


def _budget(findings: Sequence[Finding], budget_ms: float | None) -> dict[str, Any] | None:
    if budget_ms is None:
        return None
    breaches = [f for f in findings if f.severity is Severity.CRITICAL]
    return {
        "p99_ms": budget_ms,
        "passed": not breaches,
        "breaches": [{"batch_size": int(f.scope.partition("=")[2]), "p99_ms": f.value} for f in breaches],
    }


def _configuration(c: ConfigResult) -> dict[str, Any]:
    return {
        "batch_size": c.batch_size,
        "concurrency": c.concurrency,
        "input_shapes": {name: list(shape) for name, shape in c.input_shapes},
        "calls": c.calls,
        "wall_s": c.wall_s,
        "latency": asdict(c.latency),
        "throughput": {"inferences_per_s": c.inferences_per_s, "samples_per_s": c.samples_per_s},
        "cpu": {
            "time_s": c.cpu_time_s,
            "user_s": c.cpu_user_s,
            "system_s": c.cpu_system_s,
            "per_inference_ms": c.cpu_per_inference_ms,
            "utilization": c.cpu_utilization,
        },
        "memory": {
            "rss_start_mib": c.rss_start_mib,
            "rss_end_mib": c.rss_end_mib,
            "rss_growth_mib": c.rss_growth_mib,
            "peak_rss_mib": c.peak_rss_mib,
            "peak_rss_method": c.peak_rss_method,
        },
    }


def performance_payload(report: PerformanceReport) -> dict[str, Any]:
    """``mlmon performance``'s document (``mlmon_performance_version`` 1): ``windows`` (one
    per version and window: counts, ``coverage``, ``waiting_for``, ``severity``, label lag,
    accuracy with its interval, macro F1, Brier, calibration error, ROC AUC, ``classes``,
    ``confusion`` and ``per_class``), ``labels`` (what the join counted apart) and
    ``label_tables`` (each table's rows and skipped rows by reason)."""
    return {
        "mlmon_performance_version": PERFORMANCE_SCHEMA_VERSION,
        "status": status_of(report.findings),
        "inputs": ingest_payload(report.ingest),
        "window": report.window.describe(),
        "maturity": to_plain(report.maturity),
        "labels": to_plain(report.counts),
        "label_tables": [
            {
                "file": str(t.frame.get_column("source")[0]) if t.frame.height else None,
                "rows": t.rows,
                "labels": t.frame.height,
                "skipped": dict(t.skipped),
            }
            for t in report.label_tables
        ],
        "windows": [
            {
                **to_plain(j.window),
                "coverage": to_plain(j.window.coverage),
                "waiting_for": j.waiting_for,
                "severity": j.severity.value,
                "estimated": to_plain(j.estimate),
                "gap": to_plain(j.gap),
            }
            for j in report.windows
        ],
        "findings": to_plain(report.findings),
    }
