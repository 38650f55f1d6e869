"""JSON output: a stable, documented schema with a version key per command (README, "JSON
output"). Datetimes are ISO-8601 strings in UTC; a value that could not be computed is
``null``. ``status`` is :func:`~mlmon.verdicts.findings.status_of` the findings: ``no
checks`` when there is none (a report without a budget or rule), never a claim of ``ok``.
A result type this module does not know gets ``status`` and ``findings`` only."""

from __future__ import annotations

import json
from typing import Any

from mlmon.api.results import DRIFT_SCHEMA_VERSION, REPORT_SCHEMA_VERSION, BenchReport, CheckReport, DriftReport, Report
from mlmon.ingest.problems import IngestStats
from mlmon.plain import to_plain
from mlmon.render.json_bench import bench_payload
from mlmon.render.json_check import check_payload
from mlmon.render.json_features import feature_drift_payload
from mlmon.verdicts.findings import status_of


def render(result: Any, *, color: bool = False) -> str:
    """The JSON document of ``result``, indented, with a trailing newline."""
    section = _SECTIONS.get(type(result), _findings_only)
    return json.dumps(section(result), indent=2, allow_nan=False) + "\n"


def ingest_plain(stats: IngestStats) -> dict[str, Any]:
    return {
        "files": list(stats.files),
        "ignored_files": list(stats.ignored_files),
        "unreadable_files": list(stats.unreadable_files),
        "mlmon_files": list(stats.mlmon_files),
        "lines": stats.lines,
        "records": stats.records,
        "outside_time_range": stats.outside_time_range,
        "skipped_lines": stats.skipped_lines,
        "lines_skipped": stats.lines_skipped,
        "values_not_used": stats.values_not_used,
        "examples": [str(p) for p in stats.examples],
    }


def _report(report: Report) -> dict[str, Any]:
    return {
        "mlmon_report_version": REPORT_SCHEMA_VERSION,
        "status": status_of(report.findings),
        "records": report.overall.records,
        "inputs": ingest_plain(report.ingest),
        "far_from_rest": to_plain(report.far_from_rest),
        **{k: v for k, v in to_plain(report.overall).items() if k not in {"model", "model_version"}},
        "by_model": to_plain(report.by_model),
        "window": report.window.describe(),
        "windows": to_plain(report.windows),
        "findings": to_plain(report.findings),
    }


def _drift(report: DriftReport) -> dict[str, Any]:
    reference = report.reference
    return {
        "mlmon_drift_version": DRIFT_SCHEMA_VERSION,
        "status": status_of(report.findings),
        "inputs": ingest_plain(report.ingest),
        "reference": None if reference is None else to_plain({
            "source": reference.source, "path": reference.path, "n_rows": reference.n_rows, "class_shares": reference.class_shares,
            "confidence_mean": reference.confidence.mean if reference.confidence else None,
        }),
        "prediction_drift": _judged("prediction_drift", report.prediction, "first_breach"),
        "confidence": _judged("confidence_collapse", report.confidence, "first_collapse"),
        "feature_drift": feature_drift_payload(report.features),
        "findings": to_plain(report.findings),
    }


def _judged(check: str, result: Any, first_key: str) -> dict[str, Any]:
    first = getattr(result, first_key)
    ref = None if first is None else {"model_version": first.model_version, "start": to_plain(first.start), "severity": first.severity.value}
    return {"check": check, "severity": result.severity.value, **to_plain(result), first_key: ref}


def _findings_only(result: Any) -> dict[str, Any]:
    return {"status": status_of(result.findings), "findings": to_plain(result.findings)}


_SECTIONS = {Report: _report, DriftReport: _drift, BenchReport: bench_payload, CheckReport: check_payload}
