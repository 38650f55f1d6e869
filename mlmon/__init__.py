"""mlmon: monitoring for ML services from the JSON-lines logs they already write.

Every command has a Python twin::

    from mlmon import build_report, ReportOptions
    report = build_report(["logs/"], ReportOptions(p99_budget_ms=200))
"""

from mlmon.drift_report import DriftOptions, DriftReport, build_drift_report
from mlmon.findings import Finding, Severity
from mlmon.ingest import IngestOptions, read_logs
from mlmon.reference import build_profile, load_reference, save_profile
from mlmon.reference_build import ReferenceBuildOptions, build_reference
from mlmon.report import Report, ReportOptions, build_report

__version__ = "0.1.0"

__all__ = [
    "DriftOptions", "DriftReport", "Finding", "IngestOptions", "ReferenceBuildOptions", "Report", "ReportOptions",
    "Severity", "build_drift_report", "build_profile", "build_reference", "build_report", "load_reference",
    "read_logs", "save_profile",
]
