"""mlmon: monitoring for ML services from the JSON-lines logs they already write.

Every command has a Python twin::

    from mlmon import build_report, ReportOptions
    report = build_report("logs/", ReportOptions(window="1d", p99_budget="200ms"))
    report.status, report.to_dict()      # "critical", the JSON --format json prints

Inputs are one path (a file, directory, glob or ``-``) or a sequence of them; options take
the CLI's strings ("1d", "200ms", "1%") as well as typed values.

Exports load on first use, so ``mlmon report`` does not pay for scipy, which only drift needs.
The rooms, from the bottom up: leaves (errors, units, windows, plain) → ingest → stats →
reference → analyses → verdicts → api → render → cli; each package's docstring says what
it owns and what it may import.
"""

from __future__ import annotations

from mlmon.exports import lazy_exports

__version__ = "0.1.0"

_EXPORTS = {
    "DriftOptions": "mlmon.api.drift",
    "build_drift_report": "mlmon.api.drift",
    "DriftReport": "mlmon.api.results",
    "Report": "mlmon.api.results",
    "BenchReport": "mlmon.api.results",
    "CheckReport": "mlmon.api.results",
    "PerformanceReport": "mlmon.api.results",
    "PerformanceOptions": "mlmon.api.performance",
    "build_performance": "mlmon.api.performance",
    "CompareReport": "mlmon.api.results",
    "CompareOptions": "mlmon.api.compare",
    "build_compare": "mlmon.api.compare",
    "CheckOptions": "mlmon.api.check",
    "build_check": "mlmon.api.check",
    "CheckRules": "mlmon.api.check_rules",
    "OptionError": "mlmon.options",
    "OptionTypeError": "mlmon.options",
    "AlertRule": "mlmon.verdicts.alerting",
    "FiringRule": "mlmon.verdicts.rules",
    "SummaryOptions": "mlmon.api.summarize",
    "build_summary": "mlmon.api.summarize",
    "write_summary": "mlmon.api.summarize",
    "ReportOptions": "mlmon.api.report",
    "build_report": "mlmon.api.report",
    "ReferenceBuildOptions": "mlmon.api.reference",
    "build_reference": "mlmon.api.reference",
    "Finding": "mlmon.verdicts.findings",
    "Severity": "mlmon.verdicts.findings",
    "Check": "mlmon.verdicts.registry",
    "IngestOptions": "mlmon.ingest.options",
    "Needs": "mlmon.ingest.needs",
    "read_logs": "mlmon.ingest.reader",
    "reduce_logs": "mlmon.ingest.reader",
    "build_profile": "mlmon.reference.build",
    "load_reference": "mlmon.reference.store",
    "save_profile": "mlmon.reference.store",
    "run_bench": "mlmon.bench.runner",
    "build_bench_report": "mlmon.api.bench",
    "BenchResult": "mlmon.bench.result",
    "PredictionLog": "mlmon.instrument",
    "JsonFormatter": "mlmon.instrument",
    "MonitoredSession": "mlmon.instrument",
    "ResourceMonitor": "mlmon.instrument",
    "monitor": "mlmon.instrument",
}

__all__ = sorted(_EXPORTS)


__getattr__ = lazy_exports(__name__, _EXPORTS)
