"""``mlmon check`` in the terminal: what was read, the run's windows, then one row per rule
and scope with its verdict and a timeline of what fired in each window.

Columns as the width shrinks: the scope folds under the rule, then the timeline does; the
verdict wraps. A timeline has one mark per window up to :func:`timeline_budget` marks (48
at 200 columns, fewer when narrow); a longer run has one mark per bucket of windows, the
bucket's worst."""

from __future__ import annotations

import math
from collections.abc import Sequence

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from mlmon.api.results import CheckReport
from mlmon.render.human import fmt_time, humane, plural
from mlmon.render.terminal_fit import PIPED_WIDTH, Col, fit_table, para
from mlmon.render.terminal_parts import SEVERITY_STYLE, ingest_lines, mark
from mlmon.verdicts.alerting import RuleOutcome, RuleWindow
from mlmon.verdicts.findings import Severity
from mlmon.verdicts.rules import ExitOn

TIMELINE_MARKS = {Severity.OK: "·", Severity.WARNING: "w", Severity.CRITICAL: "C", Severity.UNKNOWN: "?"}
"""One character per window: what fired there (``h``: held by keep_firing_for)."""
HELD_MARK = "h"
MAX_TIMELINE = 48
"""The most marks in a timeline."""


def timeline_budget(width: int) -> int:
    """Marks a timeline may have at ``width`` columns: a quarter of the width, 7 to 48."""
    return max(7, min(MAX_TIMELINE, width // 4))


def timeline(windows: Sequence[RuleWindow], budget: int = MAX_TIMELINE) -> Text:
    """The effective severity of each window, oldest first, styled like the verdicts;
    beyond ``budget`` windows, one mark per bucket of consecutive windows, its worst
    (held when the worst window of the bucket is held)."""
    per = max(1, math.ceil(len(windows) / budget))
    text = Text()
    for i in range(0, len(windows), per):
        w = max(windows[i : i + per], key=lambda w: (w.effective.rank, not w.held))
        mark_ = HELD_MARK if w.held else TIMELINE_MARKS[w.effective]
        text.append(mark_, style=SEVERITY_STYLE[w.effective] if w.effective is not Severity.OK else "dim")
    return text


def check_parts(report: CheckReport, width: int = PIPED_WIDTH) -> list[RenderableType]:
    """The renderables of ``mlmon check``, in order."""
    budget = timeline_budget(width)
    parts: list[RenderableType] = [
        Text("mlmon check", style="bold"),
        *ingest_lines(report.ingest, width),
        *_run_lines(report, budget, width),
        Text(""),
    ]
    parts += [Text("Rules", style="italic"), rules_table(report.outcomes, width, budget)]
    if report.not_checked:
        parts.append(
            para("not checked: " + "; ".join(f"{rule} ({why})" for rule, why in report.not_checked), width, "dim")
        )
    parts.append(para(_tally(report.outcomes), width))
    return parts


def rules_table(outcomes: Sequence[RuleOutcome], width: int = PIPED_WIDTH, budget: int = MAX_TIMELINE) -> Table:
    """One row per rule and scope; features that stayed ok fold into one row."""
    cols = [
        Col("status", "left"),
        Col("rule", "left"),
        Col("scope", "left", drop=1, fold="rule"),
        Col("windows", "left", drop=2, fold="rule"),
        Col("verdict", "left", flex=True, min_width=36),
    ]
    quiet = {
        severity: [o for o in outcomes if o.scope.startswith("feature=") and o.severity is severity and not o.fired]
        for severity in (Severity.OK, Severity.UNKNOWN)
    }
    folded = [o for group in quiet.values() if len(group) > 1 for o in group]
    rows: list[list[str | Text]] = []
    for outcome in outcomes:
        if outcome in folded:
            continue
        rows.append(
            [
                mark(outcome.severity),
                outcome.rule,
                outcome.scope,
                timeline(outcome.windows, budget),
                humane(outcome.message),
            ]
        )
    for severity, group in quiet.items():
        if len(group) > 1:
            names = ", ".join(o.scope.removeprefix("feature=") for o in group)
            what = "never fired" if severity is Severity.OK else "never judged (too few values, or none)"
            rows.append([mark(severity), group[0].rule, plural(len(group), "feature"), "", f"{what}: {names}"])
    return fit_table(cols, rows, width)


def _run_lines(report: CheckReport, budget: int, width: int) -> list[Text]:
    window = report.window.describe()
    span = f" from {fmt_time(report.span[0])} to {fmt_time(report.span[1])} UTC" if report.span else ""
    basis = "the last judged window (firing now)" if report.exit_on is ExitOn.LAST else "any window"
    longest = max((len(o.windows) for o in report.outcomes), default=0)
    per = math.ceil(longest / budget) if longest > budget else 1
    bucket = f"; one mark per {per:,} windows, the worst" if per > 1 else ""
    return [
        para(f"{window}{span}; verdicts from {basis}", width, "dim"),
        para(f"timeline: · ok  w warning  C critical  h held  ? unknown{bucket}", width, "dim"),
    ]


def _tally(outcomes: Sequence[RuleOutcome]) -> str:
    counts = {
        s: sum(1 for o in outcomes if o.severity is s)
        for s in (Severity.CRITICAL, Severity.WARNING, Severity.OK, Severity.UNKNOWN)
    }
    return "verdicts: " + ", ".join(f"{n} {s.value}" for s, n in counts.items() if n)
