"""``mlmon compare``'s gauges in the Prometheus text format (:mod:`mlmon.render.prometheus`
writes them, with its rules: base units, HELP and TYPE once per name, escaped labels, a
figure that could not be computed left out).

Every series carries ``baseline`` and ``candidate`` (the sides' names, ``1.4.0`` or
``imgcls:1.5.0``), so that two comparisons' files in one textfile directory never collide:

* ``mlmon_compare_difference{metric}`` (not for a metric with no data): candidate minus
  baseline, latency in seconds, shares (error rate, mean confidence, accuracy) as ratios; for ``latency_shape`` and
  ``confidence_shape`` the KS distance, for ``predicted_classes`` the PSI;
* ``mlmon_compare_difference_lower`` and ``_upper``: its 95% interval (the interval metrics);
* ``mlmon_compare_agreement``, ``_lower`` and ``_upper``: the share of the requests both
  sides answered that got the same class, with its Wilson 95% interval (shadow traffic);
* ``mlmon_compare_verdict{metric}``: 0 pass, 1 marginal, 2 fail, 3 no data, per metric
  judged, and ``metric="all"`` for the whole comparison.

With ``--by``, each group compared writes the same families again after the whole's, with
one label per ``--by`` item as :mod:`mlmon.render.prometheus_groups` names them
(``mlmon_compare_verdict{metric="all",baseline="1.4.0",candidate="1.5.0",pod="b"}``; an
item named ``metric``, ``baseline`` or ``candidate`` is labelled ``by_metric``...); a group
not compared writes none.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from mlmon.analyses.group_result import NO_VALUE
from mlmon.api.results import CompareReport
from mlmon.verdicts.compare import Verdict

if TYPE_CHECKING:
    from mlmon.analyses.compare import Comparison
    from mlmon.verdicts.compare import Judged


class Exposition(Protocol):
    """What :class:`mlmon.render.prometheus.Exposition` offers a section (named here, not
    imported: that module imports this one)."""

    def add(self, name: str, value: float | None, labels: dict[str, str] | None = None, suffix: str = "") -> None:
        """One sample of ``name``."""


VERDICT_VALUE = {Verdict.PASS: 0, Verdict.MARGINAL: 1, Verdict.FAIL: 2, Verdict.NO_DATA: 3}
"""``mlmon_compare_verdict``'s value of each verdict."""
OVERALL = "all"
"""The ``metric`` label of the whole comparison's verdict."""
TAKEN = frozenset({"metric", "baseline", "candidate"})
"""Label names the compare families use themselves: a ``--by`` item named so gets ``by_``."""
SCALE = {"ms": 0.001}
"""Metric units that are not base units: milliseconds to seconds."""

COMPARE_HELP = {
    "mlmon_compare_difference": (
        "Candidate minus baseline over the period both served (mlmon compare): latency in seconds, shares as "
        "ratios; the KS distance for *_shape, the PSI for predicted_classes."
    ),
    "mlmon_compare_difference_lower": "Low end of the 95% interval of mlmon_compare_difference (mlmon compare).",
    "mlmon_compare_difference_upper": "High end of the 95% interval of mlmon_compare_difference (mlmon compare).",
    "mlmon_compare_agreement": (
        "Share (0 to 1) of the requests both sides answered that got the same class (mlmon compare)."
    ),
    "mlmon_compare_agreement_lower": "Low end of the Wilson 95% interval of mlmon_compare_agreement (mlmon compare).",
    "mlmon_compare_agreement_upper": "High end of the Wilson 95% interval of mlmon_compare_agreement (mlmon compare).",
    "mlmon_compare_verdict": (
        'Verdict of a metric of mlmon compare, metric="all" the whole comparison: 0 pass, 1 marginal, 2 fail, '
        "3 no data."
    ),
}
"""HELP texts (:data:`mlmon.render.prometheus.HELP` holds them with the others)."""


def compare_section(report: CompareReport, out: Exposition) -> None:
    """The comparison's gauges (the module docstring), then each ``--by`` group's."""
    sides = {"baseline": report.baseline.name, "candidate": report.candidate.name}
    _gauges(report.comparison, report.judged, report.verdict, sides, out)
    if not report.groups:
        return
    from mlmon.render.prometheus_groups import label_names  # it imports this module

    names = [f"by_{n}" if n in TAKEN else n for n in label_names(report.groups[0].by)]
    for group in report.groups:
        found = group.result
        if found.comparison is None or found.verdict is None:  # not compared: nothing measured
            continue
        labels = {name: NO_VALUE if v is None else v for name, v in zip(names, group.values, strict=True)}
        _gauges(found.comparison, found.judged, found.verdict, {**sides, **labels}, out)


def _gauges(
    comparison: Comparison, judged: tuple[Judged, ...], verdict: Verdict, labels: dict[str, str], out: Exposition
) -> None:
    """One comparison's differences, agreement and verdicts, each labelled ``labels``."""
    effects = {e.metric: e for e in comparison.effects}
    for name, attribute in (("", "difference"), ("_lower", "low"), ("_upper", "high")):
        for j in judged:
            effect = effects.get(j.metric)
            if effect is not None and j.verdict is not Verdict.NO_DATA:  # too few values: no measurement
                value = getattr(effect, attribute) * SCALE.get(effect.unit, 1.0)
                out.add(f"mlmon_compare_difference{name}", value, {"metric": j.metric, **labels})
    agreement = comparison.agreement
    if agreement is not None:
        for name, value in (("", agreement.rate), ("_lower", agreement.low), ("_upper", agreement.high)):
            out.add(f"mlmon_compare_agreement{name}", value, labels)
    for j in judged:
        out.add("mlmon_compare_verdict", VERDICT_VALUE[j.verdict], {"metric": j.metric, **labels})
    out.add("mlmon_compare_verdict", VERDICT_VALUE[verdict], {"metric": OVERALL, **labels})
