"""What the formats of ``mlmon compare`` show alike (plain Python): the verdict in words and
the headline, each side's counts side by side, one row per metric judged (both sides'
figures, the difference, its 95% interval, the verdict), the per-class shares, the flip
matrix of shadow traffic, and the reasons of every metric that did not pass. The terminal,
Markdown and HTML read these, so a figure reads the same in each.

Figures by unit: latency ``25.6 ms`` (µs under 1 ms), shares in percent with two decimals,
share differences in percentage points (``+0.12 pts``), PSI and KS distances with three
decimals and their p-value where the 95% interval would be (a test, not an interval).
``agreement`` has no per-side figure: its rate and Wilson interval stand in the difference
columns; ``traffic_split`` shows the candidate's share and its distance from the expected
share, with the sample ratio mismatch p-value."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from mlmon.api.results import CompareReport
from mlmon.render.human import DAY, MINUTE, fmt_fixed, fmt_latency, fmt_p, fmt_pct, fmt_time
from mlmon.verdicts.compare import Judged, Verdict
from mlmon.verdicts.findings import Finding, Severity

if TYPE_CHECKING:
    from mlmon.analyses.compare import Agreement, Comparison, Effect

VERDICT_WORD = {Verdict.PASS: "PASS", Verdict.MARGINAL: "MARGINAL", Verdict.FAIL: "FAIL", Verdict.NO_DATA: "NO DATA"}
"""The overall verdict as the headline says it."""
VERDICT_SEVERITY = {
    Verdict.PASS: Severity.OK,
    Verdict.MARGINAL: Severity.WARNING,
    Verdict.FAIL: Severity.CRITICAL,
    Verdict.NO_DATA: Severity.UNKNOWN,
}
"""The severity whose colour (terminal) or badge (HTML) a verdict takes."""
METRIC_HEADERS = ("metric", "baseline", "candidate", "difference", "95% CI", "verdict")
"""The columns of the metrics table (a distance metric's test p-value stands under ``95% CI``)."""
CLASS_HEADERS = ("class", "baseline", "candidate", "difference", "95% CI")
"""The columns of the per-class shares table."""
CRITICAL_MARK = "*"
"""After a critical metric's name."""
CRITICAL_NOTE = "*: critical: its failure fails the whole comparison"
"""The note under the metrics table."""


@dataclass(frozen=True)
class MetricRow:
    """One metric as the tables show it."""

    metric: str
    """The metric's name."""
    verdict: Verdict
    """Its verdict."""
    critical: bool
    """Whether its failure fails the whole."""
    baseline: str
    """The baseline's figure (empty: the metric has none per side)."""
    candidate: str
    """The candidate's figure."""
    difference: str
    """Candidate minus baseline (the distance, the rate, the share for the metrics without one)."""
    interval: str
    """The difference's 95% interval, or the test's ``p=...``; empty when neither."""
    reason: str
    """Why the verdict, in words with the numbers."""

    @property
    def name(self) -> str:
        """The metric, with :data:`CRITICAL_MARK` when critical."""
        return self.metric + (CRITICAL_MARK if self.critical else "")

    def cells(self) -> list[str]:
        """Under :data:`METRIC_HEADERS`."""
        return [self.name, self.baseline, self.candidate, self.difference, self.interval, self.verdict.value]


OUTSIDE = "before the compared period (or after --until)"
"""Where compare's records left out by time fell: before the common period's start (the
records after its end are read, for the labels of its predictions), or after ``--until``."""


def period_text(report: CompareReport) -> str:
    """``2026-11-15 08:00 to 19:59 UTC`` (the end's date again when it is another day)."""
    since, until = report.period
    end = fmt_time(until, MINUTE)
    if fmt_time(since, DAY) == fmt_time(until, DAY):
        end = end.split(" ", 1)[1]
    return f"{fmt_time(since, MINUTE)} to {end} UTC"


def headline(report: CompareReport) -> str:
    """``FAIL: 1.5.0 against 1.4.0, 2026-11-15 08:00 to 19:59 UTC``."""
    return (
        f"{VERDICT_WORD[report.verdict]}: {report.candidate.name} against {report.baseline.name}, {period_text(report)}"
    )


def side_rows(report: CompareReport) -> list[list[str]]:
    """(what, baseline, candidate) rows: records, requests, share of traffic, errors,
    predictions, when each served."""
    b, c, traffic = report.baseline, report.candidate, report.comparison.traffic
    share = traffic.share
    rows = [
        ["records", f"{b.records:,}", f"{c.records:,}"],
        ["requests", f"{b.requests:,}", f"{c.requests:,}"],
        ["share of traffic", fmt_pct(1 - share if math.isfinite(share) else None), fmt_pct(share)],
        ["errors", _count_rate(b.errors, b.requests), _count_rate(c.errors, c.requests)],
        ["predictions", f"{b.predictions:,}", f"{c.predictions:,}"],
        ["first record", fmt_time(b.start), fmt_time(c.start)],
        ["last record", fmt_time(b.end), fmt_time(c.end)],
    ]
    if traffic.expected is not None:
        rows[2][2] += f" (expected {fmt_pct(traffic.expected)})"
    return rows


def metric_rows(report: CompareReport) -> list[MetricRow]:
    """One row per metric judged, in the verdicts' order."""
    effects = {e.metric: e for e in report.comparison.effects}
    rows = []
    for j in report.judged:
        if j.metric in effects and j.verdict is Verdict.NO_DATA:  # too few values: counts, not figures
            e = effects[j.metric]
            cells = (f"n={e.n_baseline:,}", f"n={e.n_candidate:,}", "-", "")
        else:
            cells = _effect_cells(effects[j.metric]) if j.metric in effects else _other_cells(report, j)
        rows.append(MetricRow(j.metric, j.verdict, j.critical, *cells, j.reason))
    return rows


def reasons(report: CompareReport) -> list[str]:
    """``metric (verdict, critical): why`` for every metric that did not pass."""
    return [
        f"{j.metric} ({j.verdict.value}{', critical' if j.critical else ''}): {j.reason}"
        for j in report.judged
        if j.verdict is not Verdict.PASS
    ]


def failing(report: CompareReport, verdict: Verdict = Verdict.FAIL) -> list[Judged]:
    """The metrics with ``verdict``, critical ones first."""
    found = [j for j in report.judged if j.verdict is verdict]
    return sorted(found, key=lambda j: not j.critical)


def class_rows(report: CompareReport) -> list[list[str]]:
    """Under :data:`CLASS_HEADERS`: each class's share on both sides, the difference in
    points and its Newcombe interval."""
    return [
        [
            s.name,
            fmt_pct(s.baseline),
            fmt_pct(s.candidate),
            points(s.candidate - s.baseline),
            interval(s.low, s.high, "share"),
        ]
        for s in report.comparison.classes
    ]


def agreement_line(agreement: Agreement) -> str:
    """The shadow traffic in one sentence."""
    return (
        f"{agreement.agreed:,} of {agreement.pairs:,} requests answered by both got the same class: "
        f"{fmt_pct(agreement.rate, 1)} (95% CI {fmt_pct(agreement.low, 1)} to {fmt_pct(agreement.high, 1)})"
    )


def flip_matrix(agreement: Agreement) -> tuple[list[str], list[list[str]]]:
    """(the candidate's classes, rows): one row per baseline class, its name then the
    requests of each candidate class (``0`` where none); the diagonal agreed."""
    rows_of = sorted({b for b, _, _ in agreement.flips})
    cols = sorted({c for _, c, _ in agreement.flips})
    counts = {(b, c): n for b, c, n in agreement.flips}
    return cols, [[b, *(f"{counts.get((b, c), 0):,}" for c in cols)] for b in rows_of]


def figure(value: float, unit: str) -> str:
    """A side's figure: ``25.6 ms`` or ``1.00%``; empty when there is none."""
    if not math.isfinite(value):
        return ""
    return fmt_latency(value) if unit == "ms" else fmt_pct(value)


def difference(value: float, unit: str) -> str:
    """A difference: ``+12.4 ms``, ``-0.05 pts``, a distance ``0.503``; ``-`` when none."""
    if not math.isfinite(value):
        return "-"
    if unit == "ms":
        sign = "+" if value > 0 else "-" if value < 0 else ""
        return sign + fmt_latency(abs(value))
    return points(value) if unit == "share" else fmt_fixed(value, 3)


def interval(low: float, high: float, unit: str) -> str:
    """A difference's interval: ``+11.4 ms to +13.5 ms``, ``-0.95 to +0.95 pts``; empty
    when it has none."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return ""
    if unit == "share":
        return f"{points(low, unit=False)} to {points(high)}"
    return f"{difference(low, unit)} to {difference(high, unit)}"


def points(share: float, unit: bool = True) -> str:
    """A difference of shares in percentage points: ``+0.12 pts``."""
    text = fmt_fixed(share * 100, 2, signed=True)
    return f"{text} pts" if unit else text


def _effect_cells(effect: Effect) -> tuple[str, str, str, str]:
    unit = effect.unit
    if unit in ("psi", "distance"):
        name = "PSI" if unit == "psi" else "KS"
        p = "" if not math.isfinite(effect.p_value) else f"p={fmt_p(effect.p_value)}"
        return "", "", f"{name} {difference(effect.difference, unit)}", p
    both = interval(effect.low, effect.high, unit)
    return figure(effect.baseline, unit), figure(effect.candidate, unit), difference(effect.difference, unit), both


def _other_cells(report: CompareReport, judged: Judged) -> tuple[str, str, str, str]:
    """``agreement``: its rate and Wilson interval; ``traffic_split``: the candidate's share
    against the expected one, and the sample ratio mismatch p-value."""
    comparison = report.comparison
    if judged.metric == "agreement" and comparison.agreement is not None:
        a = comparison.agreement
        return "", "", f"{fmt_pct(a.rate, 1)} agree", f"{fmt_pct(a.low, 1)} to {fmt_pct(a.high, 1)}"
    traffic = comparison.traffic
    if judged.metric == "traffic_split" and traffic.expected is not None:
        share = traffic.share
        off = points(share - traffic.expected) + " from expected" if math.isfinite(share) else "-"
        p = "" if not math.isfinite(traffic.p_value) else f"p={fmt_p(traffic.p_value)}"
        return fmt_pct(1 - share), fmt_pct(share), off, p
    return "", "", "-", ""


def _count_rate(count: int, total: int) -> str:
    return f"{count:,} ({fmt_pct(count / total)})" if total else f"{count:,}"


def findings_with_figures(report: CompareReport) -> tuple[Finding, ...]:
    """The report's findings with each metric's figure as the value (the difference; the
    distance; the agreement rate; the candidate's share of traffic), as JUnit shows them
    beside the threshold; a ``--by`` group's findings with the group's figures."""
    whole = f"{report.candidate.name} vs {report.baseline.name}"
    by_scope = {whole: _figures(report.comparison, report.judged)}
    for group in report.groups:
        if group.result.comparison is not None:
            by_scope[f"{group.scope} {whole}"] = _figures(group.result.comparison, group.result.judged)
    found = []
    for f in report.findings:
        value = by_scope.get(f.scope, {}).get(f.check, math.nan)
        found.append(replace(f, value=value) if math.isfinite(value) else f)
    return tuple(found)


def _figures(comparison: Comparison, judged: tuple[Judged, ...]) -> dict[str, float]:
    """Each metric's figure (none for a metric with too few values: no measurement)."""
    values = {e.metric: e.difference for e in comparison.effects}
    if comparison.agreement is not None:
        values["agreement"] = comparison.agreement.rate
    values["traffic_split"] = comparison.traffic.share
    for j in judged:
        if j.verdict is Verdict.NO_DATA:
            values.pop(j.metric, None)
    return values
