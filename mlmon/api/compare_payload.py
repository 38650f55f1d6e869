"""``mlmon compare``'s JSON document (``mlmon_compare_version`` 1), apart from
:mod:`mlmon.api.payloads` for size: the same helpers, one more command."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mlmon.api.inputs_payload import ingest_payload
from mlmon.plain import to_plain
from mlmon.verdicts.findings import status_of

if TYPE_CHECKING:
    from mlmon.api.results import CompareReport

COMPARE_SCHEMA_VERSION = 1


def compare_payload(report: CompareReport) -> dict[str, Any]:
    """``verdict`` (pass, marginal, fail, no data), ``period`` (``since`` inclusive,
    ``until`` exclusive), each side's counts, ``traffic`` (the split and its sample ratio
    mismatch test), ``metrics`` (one per metric judged: both sides' figures, the
    difference, its 95% interval, the verdict and why), ``classes`` (each class's shares),
    ``agreement`` (shadow traffic, with the flip matrix; null without) and ``findings``."""
    comparison = report.comparison
    effects = {e.metric: e for e in comparison.effects}
    agreement = comparison.agreement
    return {
        "mlmon_compare_version": COMPARE_SCHEMA_VERSION,
        "status": status_of(report.findings),
        "verdict": report.verdict.value,
        "inputs": ingest_payload(report.ingest),
        "period": {"since": to_plain(report.period[0]), "until": to_plain(report.period[1])},
        "baseline": to_plain(report.baseline),
        "candidate": to_plain(report.candidate),
        "traffic": {**to_plain(comparison.traffic), "share": to_plain(comparison.traffic.share)},
        "metrics": [
            {
                "metric": j.metric,
                "verdict": j.verdict.value,
                "critical": j.critical,
                "tolerance": to_plain(j.tolerance),
                "limit": to_plain(j.limit),
                "reason": j.reason,
                **(
                    {k: v for k, v in to_plain(effects[j.metric]).items() if k != "metric"}
                    if j.metric in effects
                    else {}
                ),
            }
            for j in report.judged
        ],
        "classes": to_plain(comparison.classes),
        "agreement": None if agreement is None else {**to_plain(agreement), "rate": to_plain(agreement.rate)},
        "findings": to_plain(report.findings),
    }
