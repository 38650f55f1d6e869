"""``mlmon check --format json``: schema ``mlmon_check_version`` 1 (README, "JSON output").

Top level: ``status`` (the worst verdict; ``unknown`` when no rule could be judged),
``now``, ``window``, ``span`` (``start``/``end`` of the windows, or null), ``exit_on``,
``last_record``, ``inputs`` (as report's), ``rules`` (one object per rule and scope:
``rule``, ``scope``, ``severity`` (the verdict), ``current``, ``worst``, ``message``,
``value``, ``threshold``, ``unknown``, ``for``, ``keep_firing_for``, ``fired`` (window
starts) and ``windows`` (each ``start``, ``raw``, ``effective``, ``held``, ``value``,
``reason``)), ``not_checked`` (``rule``, ``reason``) and ``findings`` (as every command's).
"""

from __future__ import annotations

from typing import Any

from mlmon.api.results import CHECK_SCHEMA_VERSION, CheckReport
from mlmon.plain import to_plain
from mlmon.verdicts.alerting import RuleOutcome
from mlmon.verdicts.findings import Severity, worst


def check_payload(report: CheckReport) -> dict[str, Any]:
    from mlmon.render.json_format import ingest_plain

    known = [f for f in report.findings if f.severity is not Severity.UNKNOWN]
    return {
        "mlmon_check_version": CHECK_SCHEMA_VERSION,
        "status": worst(known).value if known else Severity.UNKNOWN.value,
        "now": to_plain(report.now),
        "window": report.window.describe(),
        "span": None if report.span is None else {"start": to_plain(report.span[0]), "end": to_plain(report.span[1])},
        "exit_on": report.exit_on.value,
        "last_record": to_plain(report.last_record),
        "inputs": ingest_plain(report.ingest),
        "rules": [rule_plain(outcome) for outcome in report.outcomes],
        "not_checked": [{"rule": rule, "reason": why} for rule, why in report.not_checked],
        "findings": to_plain(report.findings),
    }


def rule_plain(outcome: RuleOutcome) -> dict[str, Any]:
    """One rule and scope, with every window."""
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
