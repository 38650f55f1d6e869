"""``mlmon compare``'s JSON document (``mlmon_compare_version`` 1), apart from
:mod:`mlmon.api.payloads` for size: the same helpers, one more command."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mlmon.api.groups import by_groups
from mlmon.api.inputs_payload import ingest_payload
from mlmon.plain import to_plain
from mlmon.verdicts.findings import status_of

if TYPE_CHECKING:
    from collections.abc import Sequence

    from mlmon.analyses.compare import Comparison
    from mlmon.analyses.group_result import GroupResult
    from mlmon.api.results import CompareReport
    from mlmon.verdicts.compare import CompareGroup, Judged

COMPARE_SCHEMA_VERSION = 1


def compare_payload(report: CompareReport) -> dict[str, Any]:
    """``verdict`` (pass, marginal, fail, no data), ``period`` (``since`` inclusive,
    ``until`` exclusive), each side's counts, ``traffic`` (the split and its sample ratio
    mismatch test), ``metrics`` (one per metric judged: both sides' figures, the
    difference, its 95% interval, the verdict and why), ``classes`` (each class's shares),
    ``agreement`` (shadow traffic, with the flip matrix; null without) and ``findings``; with
    ``--by``, ``by`` and ``groups`` (:mod:`mlmon.api.compare_groups`)."""
    comparison = report.comparison
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
        "metrics": _metrics(report.judged, comparison),
        "classes": to_plain(comparison.classes),
        "agreement": None if agreement is None else {**to_plain(agreement), "rate": to_plain(agreement.rate)},
        "findings": to_plain(report.findings),
        **compare_groups_payload(report.groups),
    }


def _metrics(judged: Sequence[Judged], comparison: Comparison) -> list[dict[str, Any]]:
    """One entry per metric judged: its verdict and why, and its effect's figures."""
    effects = {e.metric: e for e in comparison.effects}
    return [
        {
            "metric": j.metric,
            "verdict": j.verdict.value,
            "critical": j.critical,
            "tolerance": to_plain(j.tolerance),
            "limit": to_plain(j.limit),
            "reason": j.reason,
            **({k: v for k, v in to_plain(effects[j.metric]).items() if k != "metric"} if j.metric in effects else {}),
        }
        for j in judged
    ]


def compare_groups_payload(groups: Sequence[GroupResult[CompareGroup]]) -> dict[str, Any]:
    """``by`` and ``groups`` (:mod:`mlmon.api.compare_groups`); nothing without groups."""
    return by_groups(groups, _compare_row)


def _compare_row(group: GroupResult[CompareGroup]) -> dict[str, Any]:
    """One group's comparison, or why it was not compared, and its findings."""
    found = group.result
    row: dict[str, Any] = {
        "scope": group.scope,
        "status": status_of(found.findings),
        "verdict": None if found.verdict is None else found.verdict.value,
        "not_compared": found.not_compared,
        "baseline": to_plain(found.baseline),
        "candidate": to_plain(found.candidate),
    }
    if found.comparison is not None:
        traffic = found.comparison.traffic
        row["traffic"] = {**to_plain(traffic), "share": to_plain(traffic.share)}
        row["metrics"] = _metrics(found.judged, found.comparison)
        row["classes"] = to_plain(found.comparison.classes)
    return {**row, "findings": to_plain(found.findings)}
