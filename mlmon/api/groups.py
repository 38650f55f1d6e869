"""``--by``: the results of a run split by where its records came from, and their JSON.

A run read with ``IngestOptions(by=...)`` also analyses each group of records
(:class:`~mlmon.analyses.grouped.Grouped`, through :class:`~mlmon.api.reducers.Analyses`);
here each group's operational summary is taken out, named by its scope (``pod=a``,
``pod=a, revision=r1``; a record with no value is in the group ``pod=(none)``), and
written for the JSON documents.

JSON (``report``; ``check`` writes the same keys, and judges each group's rules under its
scope in ``rules``: ``latency_p99`` and ``error_rate``, and with a reference
``prediction_drift`` and ``confidence_collapse``)::

    "by": ["pod"],
    "groups": [{"values": {"pod": "a"}, "scope": "pod=a", "records": ..., "start": ...,
                "throughput": {...}, "latency": {"count", "p50_ms", "p95_ms", "p99_ms",
                "max_ms", "mean_ms", "percentile_method"}, "errors": {"requests",
                "errors", "rate", "by_kind"}, "resources": ..., "predictions": ...}, ...]

``values`` holds each ``--by`` item's value (``null``: the group's records have none);
the other keys are those of the report's whole-input figures, for the group's records.
Groups are ordered by value, the group with none last.

``drift`` judges each group's predictions as the whole run's (prediction drift and
confidence; data drift stays the whole run's), adds their findings to ``findings`` under
the group's scope (``pod=a``, ``pod=a model_version=1.4.0``), and writes::

    "by": ["pod"],
    "groups": [{"values": {"pod": "a"}, "scope": "pod=a", "status": "ok"}, ...]

(``status``: the worst of the group's findings). Without ``--by`` neither key is written.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from mlmon.analyses.group_result import GroupResult
from mlmon.errors import UsageError
from mlmon.plain import to_plain
from mlmon.verdicts.findings import status_of

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from mlmon.analyses.ops import OpsResult
    from mlmon.analyses.ops_types import OpsSummary
    from mlmon.api.reducers import Analysed
    from mlmon.api.results import DriftReport
    from mlmon.ingest.options import IngestOptions


def refuse_by(ingest: IngestOptions, command: str) -> None:
    """``UsageError`` when ``ingest`` asks for ``--by`` and ``command`` does not split by
    group (only ``report``, ``check``, ``drift`` and ``compare`` do): never a silent whole-run result."""
    if ingest.by:
        items = ",".join(ingest.by)
        raise UsageError(f"--by {items}: mlmon {command} does not split by group (report, check, drift and compare do)")


def group_ops(groups: Sequence[GroupResult[Analysed]]) -> tuple[GroupResult[OpsResult], ...]:
    """Each group's operational result, every summary in it scoped by the group (its
    ``overall`` named ``pod=a``, a model's ``pod=a imgcls 1.4.0``)."""
    split = []
    for group in groups:
        ops = group.result.ops
        assert ops is not None, "the groups carry ops when the run reads them"
        scoped = replace(
            ops,
            overall=replace(ops.overall, scope=group.scope),
            by_model=tuple(replace(m, scope=f"{group.scope} {m.scope}") for m in ops.by_model),
            model_windows=tuple(replace(w, scope=f"{group.scope} {w.scope}") for w in ops.model_windows),
        )
        split.append(GroupResult(group.by, group.values, scoped))
    return tuple(split)


def group_summaries(groups: Sequence[GroupResult[OpsResult]]) -> tuple[GroupResult[OpsSummary], ...]:
    """Each group's whole-input summary (scoped by :func:`group_ops`)."""
    return tuple(GroupResult(group.by, group.values, group.result.overall) for group in groups)


def by_groups(groups: Sequence[GroupResult[Any]], row: Callable[[GroupResult[Any]], dict[str, Any]]) -> dict[str, Any]:
    """``by`` and ``groups`` for a JSON document: each group's ``values`` (field -> value),
    then what ``row`` says of it; nothing without groups."""
    if not groups:
        return {}
    return {
        "by": list(groups[0].by),
        "groups": [{"values": dict(zip(group.by, group.values, strict=True)), **row(group)} for group in groups],
    }


def groups_payload(groups: Sequence[GroupResult[OpsSummary]]) -> dict[str, Any]:
    """``by`` and ``groups`` for a JSON document; nothing without groups."""
    return by_groups(
        groups, lambda group: {k: v for k, v in to_plain(group.result).items() if k not in {"model", "model_version"}}
    )


def drift_groups_payload(groups: Sequence[GroupResult[DriftReport]]) -> dict[str, Any]:
    """``by`` and ``groups`` for ``drift``'s document; nothing without groups."""
    return by_groups(groups, lambda group: {"scope": group.scope, "status": status_of(group.result.findings)})
