"""``compare --by``: the comparison made again within each group of records (each pod's
candidate against that pod's baseline), beside the whole comparison.

The read of each set of logs splits its operational analysis by group
(:class:`~mlmon.analyses.grouped.Grouped`, through :class:`~mlmon.api.reducers.Analyses`);
here each group's two sides are taken out of it as the whole's are (the same selectors,
over the whole comparison's period) and compared and judged with the same policy
(:mod:`mlmon.analyses.compare`, :mod:`mlmon.verdicts.compare`). A group's findings are
scoped ``pod=b 1.5.0 vs 1.4.0``. A group where only one side served (a request or a
prediction; or neither: only other versions, or only label records) is named, not
judged: one unknown finding, ``not compared: no baseline requests or predictions``. The
groups are judged on what their records hold alone: latency, errors, predicted classes,
confidence and the traffic split; accuracy, estimated accuracy and the agreement of
shadow traffic stay the whole comparison's (labels seldom carry the pod of their
prediction).

JSON (:mod:`mlmon.api.compare_payload`), after the whole comparison's keys (which stay as
without ``--by``; ``findings`` holds the groups' too)::

    "by": ["pod"],
    "groups": [{"values": {"pod": "a"}, "scope": "pod=a", "status": "ok", "verdict": "pass",
                "not_compared": null, "baseline": {...}, "candidate": {...},
                "traffic": {...}, "metrics": [...], "classes": [...], "findings": [...]}, ...]

``baseline`` and ``candidate`` are each side's counts in the group (null: it served
nothing there), the other keys the whole comparison's for the group's records; a group
not compared has ``verdict`` null, ``not_compared`` saying why (``no baseline requests
or predictions``), and no ``traffic``, ``metrics`` or ``classes``. Groups are ordered by
value, the group with none last.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mlmon.analyses.compare import compare_sides, side_figures
from mlmon.analyses.compare_sides import Selector, Side, side_of
from mlmon.analyses.group_result import GroupResult
from mlmon.analyses.grouped import GROUPS, MAX_GROUPS, Grouped
from mlmon.errors import UsageError
from mlmon.ingest.groups import GroupValues, group_values
from mlmon.summary.parts import OPS
from mlmon.verdicts.compare import CompareGroup, ComparePolicy, findings, judge, not_compared

if TYPE_CHECKING:
    from mlmon.analyses.composite import ByPart, Composite
    from mlmon.analyses.ops import OpsResult
    from mlmon.analyses.ops_types import OpsState, OpsSummary


@dataclass(frozen=True)
class GroupRead:
    """One ``--by`` group of one read of the logs."""

    by: tuple[str, ...]
    """The ``--by`` items."""
    values: GroupValues
    """The group's value per item."""
    ops: OpsResult
    """Its operational result (summaries per model version)."""
    state: OpsState
    """Its operational state (the latency and confidence values)."""


@dataclass(frozen=True)
class SideOf:
    """How a side is named and which records make it (the whole comparison's)."""

    name: str
    """The side's name, as the whole comparison shows it."""
    selector: Selector
    """Its records: a model version, or every record of its logs."""


def group_reads(reducer: Composite, state: ByPart[object]) -> tuple[GroupRead, ...]:
    """Each group of a read made with ``Analyses(by=...)``, ordered by value (none without
    ``--by``); ``UsageError`` past :data:`~mlmon.analyses.grouped.MAX_GROUPS`."""
    grouped = reducer.parts.get(GROUPS)
    if grouped is None:
        return ()
    assert isinstance(grouped, Grouped)
    split: Any = state[GROUPS]
    done = grouped.finalize(split)  # refuses too many groups
    states = {group_values(key, len(grouped.by)): inner[OPS] for key, inner in split.groups}
    return tuple(GroupRead(g.by, g.values, g.result[OPS], states[g.values]) for g in done)


def compare_groups(
    sides: tuple[SideOf, SideOf],
    reads: tuple[Sequence[GroupRead], Sequence[GroupRead]],
    split: float | None,
    policy: ComparePolicy,
    scope: str,
) -> tuple[GroupResult[CompareGroup], ...]:
    """Each group's comparison (the baseline's groups from ``reads[0]``, the candidate's
    from ``reads[1]``: the same read for two versions of one set of logs), its findings
    scoped ``<group> <scope>``."""
    baseline = {read.values: read for read in reads[0]}
    candidate = {read.values: read for read in reads[1]}
    every = sorted(baseline.keys() | candidate.keys(), key=lambda values: [(v is None, v or "") for v in values])
    if not every:
        return ()
    by = next(iter((*reads[0], *reads[1]))).by
    if len(every) > MAX_GROUPS:
        raise UsageError(
            f"--by {','.join(by)}: over {MAX_GROUPS:,} groups (at least {len(every):,}); "
            "split by a field with fewer values"
        )
    found = []
    for values in every:
        group_scope = f"{GroupResult(by, values, None).scope} {scope}"
        b, c = _side(sides[0], baseline.get(values)), _side(sides[1], candidate.get(values))
        found.append(GroupResult(by, values, _compared(b, c, split, policy, group_scope)))
    return tuple(found)


def _compared(b: Side | None, c: Side | None, split: float | None, policy: ComparePolicy, scope: str) -> CompareGroup:
    if b is None or c is None:
        return not_compared(None if b is None else side_figures(b), None if c is None else side_figures(c), scope)
    comparison = compare_sides(b, c, split)
    judged, verdict = judge(comparison, policy, scope)
    return CompareGroup(side_figures(b), side_figures(c), comparison, judged, verdict, findings(judged, scope))


def _side(side: SideOf, read: GroupRead | None) -> Side | None:
    """The side's records in the group; None when it served nothing there in the compared
    period (no request, no prediction: label records and resource samples alone are not a
    side, as they are not when compare finds when each side served)."""
    if read is None:
        return None
    summary = _summary(side.selector, read.ops)
    if summary is None:
        return None
    found = side_of(side.name, side.selector, summary, read.state, None, None, None)
    return found if found.requests or found.classes else None


def _summary(selector: Selector, ops: OpsResult) -> OpsSummary | None:
    """The group's summary of the side: every record's, or its version's (the whole
    comparison has refused a version that names two models' versions)."""
    if selector.version is None:
        return ops.overall if ops.overall.records else None
    return next((s for s in ops.by_model if s.records and selector.matches(s.model, s.model_version)), None)
