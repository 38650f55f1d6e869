"""``mlmon check`` in the terminal: what was read, the run's windows, then one row per rule
and scope with its verdict and a timeline of what fired in each window."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from mlmon.api.results import CheckReport
from mlmon.render.terminal import SEVERITY_MARK, SEVERITY_STYLE, fmt_time, ingest_lines
from mlmon.verdicts.alerting import RuleOutcome, RuleWindow
from mlmon.verdicts.findings import Severity
from mlmon.verdicts.rules import ExitOn

TIMELINE_MARKS = {Severity.OK: "·", Severity.WARNING: "w", Severity.CRITICAL: "C", Severity.UNKNOWN: "?"}
"""One character per window: what fired there (``h``: held by keep_firing_for)."""
HELD_MARK = "h"
MAX_TIMELINE = 48
"""Windows shown per timeline; a longer run shows its last ones after ``…``."""


def timeline(windows: Sequence[RuleWindow]) -> Text:
    """The effective severity of each window, oldest first, styled like the verdicts."""
    shown = list(windows[-MAX_TIMELINE:])
    text = Text("…" if len(windows) > MAX_TIMELINE else "")
    for w in shown:
        mark = HELD_MARK if w.held else TIMELINE_MARKS[w.effective]
        text.append(mark, style=SEVERITY_STYLE[w.effective] if w.effective is not Severity.OK else "dim")
    return text


def check_parts(report: CheckReport) -> list[RenderableType]:
    """The renderables of ``mlmon check``, in order."""
    parts: list[RenderableType] = [Text("mlmon check", style="bold"), *ingest_lines(report.ingest), Text(_run_line(report), style="dim"), Text("")]
    parts.append(rules_table(report.outcomes))
    if report.not_checked:
        parts.append(Text("not checked: " + "; ".join(f"{rule} ({why})" for rule, why in report.not_checked), style="dim"))
    parts.append(Text(_tally(report.outcomes)))
    return parts


def rules_table(outcomes: Sequence[RuleOutcome]) -> Table:
    """One row per rule and scope; features that stayed ok fold into one row."""
    table = Table(title="Rules", title_justify="left", show_edge=False, pad_edge=False)
    for column in ("", "rule", "scope", "windows", "verdict"):
        table.add_column(column, no_wrap=column in {"", "windows"})
    quiet = {
        severity: [o for o in outcomes if o.scope.startswith("feature=") and o.severity is severity and not o.fired]
        for severity in (Severity.OK, Severity.UNKNOWN)
    }
    folded = [o for group in quiet.values() if len(group) > 1 for o in group]
    for outcome in outcomes:
        if outcome in folded:
            continue
        style = SEVERITY_STYLE[outcome.severity]
        table.add_row(Text(SEVERITY_MARK[outcome.severity], style=style), outcome.rule, outcome.scope, timeline(outcome.windows), outcome.message)
    for severity, group in quiet.items():
        if len(group) > 1:
            names = ", ".join(o.scope.removeprefix("feature=") for o in group)
            what = "never fired" if severity is Severity.OK else "never judged (too few values, or none)"
            table.add_row(Text(SEVERITY_MARK[severity], style=SEVERITY_STYLE[severity]), group[0].rule, f"{len(group)} features", "", f"{what}: {names}")
    return table


def _run_line(report: CheckReport) -> str:
    window = report.window.describe()
    span = f" from {fmt_time(report.span[0])} to {fmt_time(report.span[1])} UTC" if report.span else ""
    basis = "the last judged window (firing now)" if report.exit_on is ExitOn.LAST else "any window"
    return f"{window}{span}; verdicts from {basis}; timeline: · ok  w warning  C critical  h held  ? unknown"


def _tally(outcomes: Sequence[RuleOutcome]) -> str:
    counts = {s: sum(1 for o in outcomes if o.severity is s) for s in (Severity.CRITICAL, Severity.WARNING, Severity.OK, Severity.UNKNOWN)}
    return "verdicts: " + ", ".join(f"{n} {s.value}" for s, n in counts.items() if n)
