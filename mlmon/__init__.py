"""mlmon: monitoring for ML services from the JSON-lines logs they already write.

Every command has a Python twin::

    from mlmon import build_report, ReportOptions
    report = build_report(["logs/"], ReportOptions(p99_budget_ms=200))

Exports load on first use, so ``mlmon report`` does not pay for scipy, which only drift needs.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "DriftOptions": "mlmon.drift_report",
    "DriftReport": "mlmon.drift_report",
    "build_drift_report": "mlmon.drift_report",
    "Finding": "mlmon.findings",
    "Severity": "mlmon.findings",
    "IngestOptions": "mlmon.ingest",
    "read_logs": "mlmon.ingest",
    "build_profile": "mlmon.reference",
    "load_reference": "mlmon.reference",
    "save_profile": "mlmon.reference",
    "ReferenceBuildOptions": "mlmon.reference_build",
    "build_reference": "mlmon.reference_build",
    "Report": "mlmon.report",
    "ReportOptions": "mlmon.report",
    "build_report": "mlmon.report",
    "run_bench": "mlmon.bench.runner",
    "BenchResult": "mlmon.bench.result",
    "PredictionLog": "mlmon.instrument",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'mlmon' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
