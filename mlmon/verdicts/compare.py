"""Verdicts of ``mlmon compare``: pass, marginal, fail or no data per metric, and overall.

Each metric has a tolerance (Kayenta's allowed increase), in its own units:

* **interval metrics** (latency percentiles, error rate, mean confidence, accuracy): the
  candidate *fails* when the whole 95% interval of its difference lies beyond the
  tolerance (the data show a change larger than allowed), is *marginal* when the
  difference itself lies beyond it and the interval excludes no change (a real change,
  not shown to exceed the tolerance), and *passes* otherwise: a noisy figure that did
  not change, its interval around 0, passes. Latency tolerances are relative to the baseline's percentile (``10%``); the
  others are absolute (an error rate may rise by 0.1 point);
* **distance metrics** (``latency_shape``, ``confidence_shape``: KS distance;
  ``predicted_classes``: PSI): significant (p < :data:`ALPHA`) and at least the tolerance
  fails, significant and at least half of it is marginal: a large sample makes a
  negligible shift significant, so the distance decides, the test only vetoes noise;
* ``agreement`` (shadow traffic): a minimum rate, judged on its Wilson interval as above;
* ``traffic_split`` (only with ``--split``): a sample ratio mismatch (p < :data:`ALPHA`)
  fails when the observed share is off the expected one by more than the tolerance
  (relative), and is marginal when it is off by less;
* ``estimated_accuracy``: an estimate, never proof: marginal at worst.

A metric with fewer than its minimum of values on either side is **no data**, named,
never a pass. Overall: a *critical* metric that fails fails the whole; otherwise a
critical metric with no data makes the whole no data; otherwise any other failure,
marginal or no data makes it marginal; otherwise pass. Accuracy is not critical by
default: during a rollout its labels are usually still on their way (``--critical``).
Defaults and their reasons: ``docs/commands/compare.md``.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mlmon.verdicts.findings import Finding, Levels, Severity, Unknown

if TYPE_CHECKING:
    from mlmon.analyses.compare import Comparison, Effect, SideFigures, Traffic

ALPHA = 0.001
"""Significance level of the distance metrics' tests and of the sample ratio mismatch."""
MIN_SAMPLES = 100
"""Values each side needs for a metric to be judged."""
TAIL_VALUES = 5
"""Values a percentile needs above it: p99 is judged from 500 values on, p95 from 100."""

HIGHER_IS_WORSE, LOWER_IS_WORSE = 1, -1


class Verdict(str, enum.Enum):
    """A metric's (or the whole comparison's) verdict."""

    PASS = "pass"
    MARGINAL = "marginal"
    FAIL = "fail"
    NO_DATA = "no data"


@dataclass(frozen=True)
class MetricRule:
    """How one metric is judged."""

    kind: str
    """``interval``, ``distance``, ``minimum`` or ``estimate``."""
    tolerance: float
    """The default tolerance, in the metric's units (relative for latency)."""
    direction: int = HIGHER_IS_WORSE
    """Which way of the difference is worse."""
    relative: bool = False
    """The tolerance is a share of the baseline's figure."""
    critical: bool = False
    """Its failure fails the whole comparison, by default."""


RULES: dict[str, MetricRule] = {
    "traffic_split": MetricRule("split", 0.2, critical=True),
    "latency_p50": MetricRule("interval", 0.10, relative=True),
    "latency_p95": MetricRule("interval", 0.10, relative=True),
    "latency_p99": MetricRule("interval", 0.10, relative=True, critical=True),
    "latency_shape": MetricRule("distance", 0.2),
    "error_rate": MetricRule("interval", 0.001, critical=True),
    "predicted_classes": MetricRule("distance", 0.2, critical=True),
    "confidence_mean": MetricRule("interval", 0.05, direction=LOWER_IS_WORSE),
    "confidence_shape": MetricRule("distance", 0.2),
    "agreement": MetricRule("minimum", 0.9),
    "accuracy": MetricRule("interval", 0.02, direction=LOWER_IS_WORSE),
    "estimated_accuracy": MetricRule("estimate", 0.02, direction=LOWER_IS_WORSE),
}
"""Every metric ``compare`` judges, in the order it shows them, with its defaults."""


@dataclass(frozen=True)
class ComparePolicy:
    """The tolerances, the critical metrics and the data each side needs."""

    tolerances: Mapping[str, float] = field(default_factory=dict)
    """Metric -> tolerance, overriding :data:`RULES`' defaults."""
    critical: frozenset[str] | None = None
    """The critical metrics (None: :data:`RULES`' defaults)."""
    min_samples: int = MIN_SAMPLES
    """Values each side needs per metric (percentiles need more: :data:`TAIL_VALUES`)."""

    def tolerance(self, metric: str) -> float:
        """The metric's tolerance."""
        return self.tolerances.get(metric, RULES[metric].tolerance)

    def is_critical(self, metric: str) -> bool:
        """True when the metric's failure fails the whole."""
        return RULES[metric].critical if self.critical is None else metric in self.critical

    def needed(self, metric: str) -> int:
        """Values each side needs for ``metric``."""
        if metric.startswith("latency_p"):
            q = float(metric.removeprefix("latency_p")) / 100
            return max(self.min_samples, math.ceil(TAIL_VALUES / (1 - q) - 1e-9))
        return self.min_samples


@dataclass(frozen=True)
class Judged:
    """One metric's verdict."""

    metric: str
    """The metric."""
    verdict: Verdict
    """pass, marginal, fail or no data."""
    critical: bool
    """Whether its failure fails the whole."""
    tolerance: float
    """The tolerance it was judged with (in the metric's units; relative for latency)."""
    limit: float
    """The tolerance in the difference's units (latency: the share of the baseline's
    figure, in ms; agreement: the minimum rate), nan when it could not be set."""
    reason: str
    """Why, in words with the numbers."""


def judge(comparison: Comparison, policy: ComparePolicy, scope: str) -> tuple[tuple[Judged, ...], Verdict]:
    """Each metric's verdict, in :data:`RULES`' order, and the overall one."""
    judged: list[Judged] = []
    if comparison.traffic.expected is not None:
        judged.append(_split(comparison.traffic, policy))
    effects = {effect.metric: effect for effect in comparison.effects}
    for metric in RULES:
        if metric in effects:
            judged.append(_judge_effect(effects[metric], policy))
        elif metric == "agreement" and comparison.agreement is not None:
            judged.append(_agreement(comparison, policy))
    return tuple(judged), overall(judged)


def overall(judged: list[Judged] | tuple[Judged, ...]) -> Verdict:
    """A critical metric that fails fails the whole; then a critical metric with no data
    makes it no data; then any other failure, marginal or no data makes it marginal (never
    a pass); otherwise pass. No metric at all: no data."""
    if any(j.verdict is Verdict.FAIL and j.critical for j in judged):
        return Verdict.FAIL
    if not judged or any(j.verdict is Verdict.NO_DATA and j.critical for j in judged):
        return Verdict.NO_DATA
    if any(j.verdict is not Verdict.PASS for j in judged):
        return Verdict.MARGINAL
    return Verdict.PASS


EXIT_ORDER = (Verdict.FAIL, Verdict.NO_DATA, Verdict.MARGINAL, Verdict.PASS)
"""Verdicts from worst to best, as the exit code ranks them (fail 1, no data 2, marginal 1
with ``--fail-on warning``, pass 0)."""
NOT_COMPARED = "comparison"
"""The check of a ``--by`` group's finding when the group holds only one side's records."""


@dataclass(frozen=True)
class CompareGroup:
    """One ``--by`` group's comparison: the group's baseline records against its
    candidate records over the whole comparison's period; or, when only one side served
    there, named and not judged."""

    baseline: SideFigures | None
    """The baseline's counts in the group (None: no baseline request or prediction)."""
    candidate: SideFigures | None
    """The candidate's, likewise."""
    comparison: Comparison | None
    """Every metric measured (None: not compared)."""
    judged: tuple[Judged, ...]
    """Each metric's verdict (empty: not compared)."""
    verdict: Verdict | None
    """The group's verdict (None: not compared: never a pass, never a breach)."""
    findings: tuple[Finding, ...]
    """Its findings, scoped ``pod=b 1.5.0 vs 1.4.0``; not compared: one unknown finding
    naming the missing side."""

    @property
    def not_compared(self) -> str | None:
        """Why the group was not compared (``no baseline requests or predictions``), or None."""
        if self.verdict is not None:
            return None
        missing = [name for name, side in (("baseline", self.baseline), ("candidate", self.candidate)) if side is None]
        return f"no {' and no '.join(missing)} requests or predictions"


def not_compared(baseline: SideFigures | None, candidate: SideFigures | None, scope: str) -> CompareGroup:
    """A group where one side (or neither) served: named by one unknown finding (missing
    input: never a pass, never a breach), not judged."""
    group = CompareGroup(baseline, candidate, None, (), None, ())
    held = baseline or candidate
    count = f" ({held.records:,} {'baseline' if held is baseline else 'candidate'} records)" if held else ""
    message = f"not compared: {group.not_compared}{count}"
    finding = Finding(NOT_COMPARED, Severity.UNKNOWN, message, scope=scope, unknown=Unknown.MISSING_INPUT)
    return CompareGroup(baseline, candidate, None, (), None, (finding,))


def worst(verdicts: Iterable[Verdict | None]) -> Verdict:
    """The worst verdict by :data:`EXIT_ORDER` (a group not compared, None, is left out):
    the whole comparison's and its ``--by`` groups' together set the exit code."""
    found = {v for v in verdicts if v is not None}
    return next((v for v in EXIT_ORDER if v in found), Verdict.NO_DATA)


def findings(judged: tuple[Judged, ...], scope: str) -> tuple[Finding, ...]:
    """One finding per metric: pass ok, marginal a warning, a failure critical when the
    metric is (a warning otherwise: it makes the whole marginal), no data unknown."""
    return tuple(_finding(j, scope) for j in judged)


def _finding(j: Judged, scope: str) -> Finding:
    severity = {
        Verdict.PASS: Severity.OK,
        Verdict.MARGINAL: Severity.WARNING,
        Verdict.FAIL: Severity.CRITICAL if j.critical else Severity.WARNING,
        Verdict.NO_DATA: Severity.UNKNOWN,
    }[j.verdict]
    unknown = Unknown.MISSING_INPUT if j.verdict is Verdict.NO_DATA else None
    limit = None if math.isnan(j.limit) else j.limit
    return Finding(
        j.metric, severity, f"{j.verdict.value}: {j.reason}", None, limit, scope, unknown, Levels(critical=limit)
    )


def _judge_effect(effect: Effect, policy: ComparePolicy) -> Judged:
    rule, metric = RULES[effect.metric], effect.metric
    tolerance, critical = policy.tolerance(metric), policy.is_critical(metric)
    needed = policy.needed(metric)
    short = _short_side(effect, needed)
    if short is not None:
        return Judged(metric, Verdict.NO_DATA, critical, tolerance, math.nan, short)
    if rule.kind == "distance":
        return _distance(effect, tolerance, critical)
    limit = rule.direction * (tolerance * effect.baseline if rule.relative else tolerance)
    if not (math.isfinite(effect.difference) and math.isfinite(limit)):
        missing = [
            name for name, v in (("baseline", effect.baseline), ("candidate", effect.candidate)) if math.isnan(v)
        ]
        reason = f"no figure for the {' and the '.join(missing)}" if missing else "the difference could not be computed"
        return Judged(metric, Verdict.NO_DATA, critical, tolerance, limit, effect.note or reason)
    verdict = _beyond(effect.difference, effect.low, effect.high, limit, rule.direction)
    if rule.kind == "estimate" and verdict is Verdict.FAIL:
        verdict = Verdict.MARGINAL
    return Judged(metric, verdict, critical, tolerance, limit, _interval_reason(effect, limit))


def _beyond(difference: float, low: float, high: float, limit: float, direction: int, level: float = 0.0) -> Verdict:
    """Fail when the whole interval lies beyond the limit; marginal when the difference
    does and the interval lies wholly on the worse side of ``level`` (no change: 0), so a
    noisy figure that did not change, its interval around 0, passes; pass otherwise."""
    worse_end = low if direction == HIGHER_IS_WORSE else high
    if math.isfinite(worse_end) and direction * worse_end > direction * limit:
        return Verdict.FAIL
    if direction * difference <= direction * limit:
        return Verdict.PASS
    return Verdict.PASS if math.isfinite(worse_end) and direction * worse_end <= direction * level else Verdict.MARGINAL


def _distance(effect: Effect, tolerance: float, critical: bool) -> Judged:
    d, p = effect.difference, effect.p_value
    if not (math.isfinite(d) and math.isfinite(p)):
        return Judged(effect.metric, Verdict.NO_DATA, critical, tolerance, tolerance, "the test could not be computed")
    if p >= ALPHA:
        verdict = Verdict.PASS
    else:
        verdict = Verdict.FAIL if d >= tolerance else Verdict.MARGINAL if d >= tolerance / 2 else Verdict.PASS
    name = "PSI" if effect.unit == "psi" else "KS distance"
    reason = f"{name} {d:.3f} (p={_p(p)}); fails at {tolerance:g}, marginal at {tolerance / 2:g} when p < {ALPHA:g}"
    return Judged(effect.metric, verdict, critical, tolerance, tolerance, reason)


def _agreement(comparison: Comparison, policy: ComparePolicy) -> Judged:
    found = comparison.agreement
    assert found is not None
    minimum, critical = policy.tolerance("agreement"), policy.is_critical("agreement")
    if found.pairs < policy.min_samples:
        reason = f"{found.pairs:,} requests answered by both, {policy.min_samples:,} needed"
        return Judged("agreement", Verdict.NO_DATA, critical, minimum, minimum, reason)
    verdict = _beyond(found.rate, found.low, found.high, minimum, LOWER_IS_WORSE, level=1.0)
    reason = (
        f"{found.rate:.1%} of {found.pairs:,} shared requests answered alike (95% CI {found.low:.1%} to "
        f"{found.high:.1%}), minimum {minimum:.1%}"
    )
    return Judged("agreement", verdict, critical, minimum, minimum, reason)


def _split(traffic: Traffic, policy: ComparePolicy) -> Judged:
    tolerance, critical = policy.tolerance("traffic_split"), policy.is_critical("traffic_split")
    expected = traffic.expected
    assert expected is not None
    total = traffic.baseline + traffic.candidate
    if total < policy.min_samples:
        reason = f"{total:,} requests in the common period, {policy.min_samples:,} needed"
        return Judged("traffic_split", Verdict.NO_DATA, critical, tolerance, math.nan, reason)
    off = abs(traffic.share / expected - 1)
    verdict = Verdict.PASS
    if traffic.p_value < ALPHA:
        verdict = Verdict.FAIL if off > tolerance else Verdict.MARGINAL
    reason = (
        f"the candidate served {traffic.share:.2%} of {total:,} requests, {expected:.2%} expected (sample ratio "
        f"mismatch p={_p(traffic.p_value)}; fails when p < {ALPHA:g} and off by more than {tolerance:.0%})"
    )
    return Judged("traffic_split", verdict, critical, tolerance, expected, reason)


def _short_side(effect: Effect, needed: int) -> str | None:
    """Why a side has too few values, or None."""
    short = [
        (name, n) for name, n in (("baseline", effect.n_baseline), ("candidate", effect.n_candidate)) if n < needed
    ]
    if not short:
        return None
    listed = " and ".join(f"the {name} has {n:,}" for name, n in short)
    return f"{listed} {_what(effect.metric)}, {needed:,} needed on each side"


def _what(metric: str) -> str:
    if metric.startswith("latency"):
        return "latencies"
    if metric == "error_rate":
        return "requests"
    if metric.startswith("confidence"):
        return "confidences"
    if metric == "predicted_classes":
        return "predictions"
    return "labelled predictions" if metric == "accuracy" else "estimated predictions"


def _interval_reason(effect: Effect, limit: float) -> str:
    unit = effect.unit
    interval = f", 95% CI {_d(effect.low, unit)} to {_d(effect.high, unit)}" if math.isfinite(effect.low) else ""
    return (
        f"{_v(effect.candidate, unit)} against {_v(effect.baseline, unit)} ({_d(effect.difference, unit)}{interval}); "
        f"allowed {_d(limit, unit)}"
    )


def _v(value: float, unit: str) -> str:
    if not math.isfinite(value):
        return "n/a"
    return f"{value:.3g} ms" if unit == "ms" else f"{value:.2%}"


def _d(value: float, unit: str) -> str:
    if not math.isfinite(value):
        return "n/a"
    return f"{value:+.3g} ms" if unit == "ms" else f"{value * 100:+.2f} pts"


def _p(p: float) -> str:
    return "n/a" if not math.isfinite(p) else f"{p:.2g}"
