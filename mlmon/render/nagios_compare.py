"""``mlmon compare`` as a Nagios / Icinga plugin (:mod:`mlmon.render.nagios` calls these):
the state from the comparison's overall verdict (with ``--by``, the worst of the whole's
and the groups'), not from the worst finding (pass OK 0,
marginal WARNING 1, fail CRITICAL 2, no data UNKNOWN 3: no data beside a marginal metric is
still UNKNOWN); the summary names the metrics that failed, were marginal or had no data;
perfdata per metric, in the labelling rules of :mod:`mlmon.render.nagios`:

- ``<metric>_difference`` for the interval metrics (``latency_p50/p95/p99`` in seconds,
  ``error_rate``, ``confidence_mean``, ``accuracy``, ``estimated_accuracy`` in percentage
  points, ``%``): candidate minus baseline, ``warn`` the allowed difference in range form
  (``~:0.0051`` alerts above it; ``-5:`` below it, for the metrics where lower is worse),
  ``crit`` empty: a failure needs the whole 95% interval beyond, which the state says;
- ``latency_shape``, ``confidence_shape`` (KS distance) and ``predicted_classes`` (PSI):
  ``warn`` half the tolerance, ``crit`` the tolerance, min 0 (they alert only when the
  test is significant too);
- ``agreement`` (percent of shared requests answered alike), ``warn`` the minimum
  (``90:``), 0 to 100; ``traffic_share``: the candidate's share of requests, percent.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from mlmon.api.results import CompareReport
from mlmon.render.compare_parts import failing, period_text
from mlmon.verdicts.compare import LOWER_IS_WORSE, RULES, Judged, Verdict, worst

STATE = {Verdict.PASS: 0, Verdict.MARGINAL: 1, Verdict.FAIL: 2, Verdict.NO_DATA: 3}
"""The plugin state of each overall verdict."""
SCALE = {"ms": (0.001, "s"), "share": (100.0, "%")}
"""Interval metrics' perfdata unit: milliseconds to seconds, shares to percent (points)."""


def compare_state(report: CompareReport) -> int:
    """The plugin state of the overall verdict (with ``--by``: the worst of the whole
    comparison's and its groups')."""
    return STATE[worst((report.verdict, *(group.result.verdict for group in report.groups)))]


def compare_summary(report: CompareReport) -> str:
    """``<candidate> against <baseline> (<period>): fail: latency_p99 (critical), ... / no
    data: ...``, or every metric passing; with ``--by``, then `` / by pod: pod=b fail, pod=c
    not compared`` naming each group that did not pass."""
    text = _whole_summary(report)
    if not report.groups:
        return text
    named = [
        f"{g.scope} {'not compared' if g.result.verdict is None else g.result.verdict.value}"
        for g in report.groups
        if g.result.verdict is not Verdict.PASS
    ]
    return f"{text} / by {','.join(report.groups[0].by)}: {', '.join(named) or 'every group passed'}"


def _whole_summary(report: CompareReport) -> str:
    head = f"{report.candidate.name} against {report.baseline.name} ({period_text(report)})"
    groups = []
    for verdict in (Verdict.FAIL, Verdict.MARGINAL, Verdict.NO_DATA):
        found = failing(report, verdict)
        if found:
            groups.append(f"{verdict.value}: " + ", ".join(_name(j) for j in found))
    if not groups:
        n = len(report.judged)
        return f"{head}: {'every one of the' if n > 1 else 'the'} {n} metric{'s' if n > 1 else ''} passed"
    return f"{head}: " + " / ".join(groups)


def compare_perfdata(
    report: CompareReport, perf_item: Callable[[str, float, str], str], perf_number: Callable[[float | None], str]
) -> list[str]:
    """One item per metric judged (not no data) with a finite figure (the labels in the
    module docstring), made
    with :mod:`mlmon.render.nagios`' ``perf_item`` and ``perf_number`` (passed in: that
    module imports this one)."""
    effects = {e.metric: e for e in report.comparison.effects}
    comparison = report.comparison
    items: list[tuple[str, float, str, str, str, float | None, float | None]] = []
    for j in report.judged:
        if j.verdict is Verdict.NO_DATA:  # a figure from too few values is no measurement
            continue
        if j.metric == "agreement" and comparison.agreement is not None:
            level = f"{perf_number(j.limit * 100)}:"
            items.append(("agreement", comparison.agreement.rate * 100, "%", level, "", 0.0, 100.0))
        elif j.metric == "traffic_split":
            items.append(("traffic_share", comparison.traffic.share * 100, "%", "", "", 0.0, 100.0))
        elif j.metric in effects and RULES[j.metric].kind == "distance":
            d = effects[j.metric].difference
            items.append((j.metric, d, "", perf_number(j.tolerance / 2), perf_number(j.tolerance), 0.0, None))
        elif j.metric in effects:
            effect = effects[j.metric]
            scale, uom = SCALE.get(effect.unit, (1.0, ""))
            limit = perf_number(j.limit * scale)
            level = "" if not limit else f"{limit}:" if RULES[j.metric].direction == LOWER_IS_WORSE else f"~:{limit}"
            items.append((f"{j.metric}_difference", effect.difference * scale, uom, level, "", None, None))
    out = []
    for label, value, uom, warn, crit, low, high in items:
        if math.isfinite(value):
            fields = [perf_item(label, value, uom), warn, crit, perf_number(low), perf_number(high)]
            while fields[-1] == "":
                fields.pop()
            out.append(";".join(fields))
    return out


def _name(judged: Judged) -> str:
    return judged.metric + (" (critical)" if judged.critical else "")
