"""JSON output: a stable, documented schema with a version key (see README, "JSON output").

Datetimes are ISO-8601 strings in UTC; a value that could not be computed is ``null``.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import math
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from mlmon.findings import worst
from mlmon.ingest import IngestStats
from mlmon.report import REPORT_SCHEMA_VERSION, Report

if TYPE_CHECKING:  # drift imports scipy, which the report does not need
    from mlmon.drift_report import DriftReport


def to_plain(value: Any) -> Any:
    """Dataclasses, enums and datetimes as JSON-safe plain data; NaN becomes None."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def ingest_plain(stats: IngestStats) -> dict[str, Any]:
    return {
        "files": list(stats.files),
        "ignored_files": list(stats.ignored_files),
        "lines": stats.lines,
        "records": stats.records,
        "outside_time_range": stats.outside_time_range,
        "skipped": dict(stats.skipped),
        "skipped_lines": stats.skipped_lines,
        "examples": [str(p) for p in stats.examples],
    }


def render_report(report: Report) -> str:
    findings = [to_plain(f) for f in report.findings]
    payload = {
        "mlmon_report_version": REPORT_SCHEMA_VERSION,
        "status": _status(report),
        "records": report.overall.records,
        "inputs": ingest_plain(report.ingest),
        **{k: v for k, v in to_plain(report.overall).items() if k not in {"model", "model_version"}},
        "by_model": [to_plain(s) for s in report.by_model],
        "window": report.window.describe(),
        "windows": [to_plain(w) for w in report.windows],
        "findings": findings,
    }
    return json.dumps(payload, indent=2, allow_nan=False) + "\n"


def _status(report: Report | DriftReport) -> str:
    return worst(report.findings).value


def render_drift(report: DriftReport) -> str:
    from mlmon.drift_report import DRIFT_SCHEMA_VERSION

    reference = report.reference
    payload = {
        "mlmon_drift_version": DRIFT_SCHEMA_VERSION,
        "status": _status(report),
        "inputs": ingest_plain(report.ingest),
        "reference": None if reference is None else {
            "source": reference.source, "n_rows": reference.n_rows, "class_shares": reference.class_shares,
            "confidence_mean": reference.confidence.mean if reference.confidence else None,
        },
        "prediction_drift": report.prediction.to_dict(),
        "confidence": report.confidence.to_dict(),
        "findings": [to_plain(f) for f in report.findings],
    }
    return json.dumps(payload, indent=2, allow_nan=False) + "\n"
