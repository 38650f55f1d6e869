"""What the terminal renderers share (:mod:`mlmon.render.terminal` dispatches to
``terminal_report``, ``terminal_drift``, ``terminal_check`` and ``terminal_bench``, which
build on these): the verdict marks and their styles, titles, the rich-to-text conversion,
runs of empty windows folded into one row, the account of what was read, and the table of
findings.

Width: ``COLUMNS`` when set, else the terminal's width on a TTY, else (piped) 200 columns,
so that a pipe or a file gets unwrapped lines (:mod:`mlmon.render.terminal_fit`). Numbers
and times follow :mod:`mlmon.render.human`. Checks, when the width shrinks: the scope folds
under the check; the finding wraps.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rich.console import Console, RenderableType
from rich.text import Text

from mlmon.ingest.problems import IngestStats
from mlmon.render.human import MINUTE, envelopes_line, fmt_time, humane, plural, some_of
from mlmon.render.terminal_fit import PIPED_WIDTH, Col, fit_table, para
from mlmon.verdicts.findings import Finding, Severity

SEVERITY_STYLE = {
    Severity.OK: "green",
    Severity.WARNING: "yellow",
    Severity.CRITICAL: "bold red",
    Severity.UNKNOWN: "magenta",
}
SEVERITY_MARK = {Severity.OK: "ok", Severity.WARNING: "WARN", Severity.CRITICAL: "FAIL", Severity.UNKNOWN: "n/a"}


def to_text(renderables: Iterable[RenderableType], *, color: bool, width: int = PIPED_WIDTH) -> str:
    """Render to a string at ``width`` columns; ANSI styles only when ``color``."""
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width,
        force_terminal=color,
        no_color=not color,
        color_system="standard" if color else None,
        highlight=False,
    )
    for item in renderables:
        console.print(item)
    return "".join(line.rstrip() + "\n" for line in buffer.getvalue().splitlines())


def title(text: str) -> Text:
    """A table's title, on its own line."""
    return Text(text, style="italic")


MIN_EMPTY_RUN = 3
"""Runs of at least this many consecutive empty windows show as one row."""


@dataclass(frozen=True)
class EmptyRun:
    """Consecutive empty windows, shown as one row."""

    count: int
    """How many windows."""
    first: datetime
    """Start of the first."""
    last: datetime
    """Start of the last."""

    def describe(self, precision: int = MINUTE) -> str:
        return f"… {self.count:,} empty windows ({fmt_time(self.first, precision)} to {fmt_time(self.last, precision)})"


def fold_empty_runs(
    rows: Sequence[Any], is_empty: Callable[[Any], bool], group: Callable[[Any], object] = lambda _: None
) -> list[Any]:
    """``rows`` (each with a ``start``) with every run of ``MIN_EMPTY_RUN`` or more
    consecutive empty ones, within one ``group``, replaced by an :class:`EmptyRun`."""
    out: list[Any] = []
    run: list[Any] = []

    def flush() -> None:
        out.extend([EmptyRun(len(run), run[0].start, run[-1].start)] if len(run) >= MIN_EMPTY_RUN else run)
        run.clear()

    for row in rows:
        if run and (not is_empty(row) or group(row) != group(run[0])):
            flush()
        (run if is_empty(row) else out).append(row)
    flush()
    return out


def ingest_lines(
    stats: IngestStats, width: int = PIPED_WIDTH, outside: str = "outside --since/--until"
) -> list[RenderableType]:
    """What was read, skipped and left out, in words; ``outside`` says where the records
    left out by time fell (compare: outside the compared period)."""
    read = f"read {plural(stats.lines, 'line')} from {plural(len(stats.files), 'file')}"
    lines: list[RenderableType] = [para(f"{read}: {plural(stats.records, 'record')}", width, "dim")]
    if unwrapped := envelopes_line(stats):
        lines.append(para(unwrapped, width, "dim"))
    for heading, problems in (("skipped", stats.lines_skipped), ("values not used", stats.values_not_used)):
        if problems:
            lines.append(
                para(f"{heading}: " + ", ".join(f"{n:,} {reason}" for reason, n in problems.items()), width, "yellow")
            )
    lines.extend(para(f"  {example}", width, "dim") for example in stats.examples)
    if stats.outside_time_range:
        lines.append(para(f"{plural(stats.outside_time_range, 'record')} {outside}", width, "dim"))
    if stats.ignored_files:
        ignored = f"ignored {plural(len(stats.ignored_files), 'file')}"
        text = f"{ignored} in directories that do not look like logs: {some_of(stats.ignored_files)}"
        lines.append(para(text, width, "dim"))
    if stats.unreadable_files:
        text = f"skipped {plural(len(stats.unreadable_files), 'unreadable file')}: " + some_of(
            stats.unreadable_files, sep="; "
        )
        lines.append(para(text, width, "yellow"))
    if stats.mlmon_files:
        text = f"skipped {plural(len(stats.mlmon_files), 'mlmon file')} (mlmon's own, not logs): " + some_of(
            stats.mlmon_files, sep="; "
        )
        lines.append(para(text, width, "dim"))
    return lines


def mark(severity: Severity) -> Text:
    """The verdict word of ``severity``, styled."""
    return Text(SEVERITY_MARK[severity], style=SEVERITY_STYLE[severity])


def findings_table(findings: Sequence[Finding], width: int = PIPED_WIDTH) -> list[RenderableType]:
    """The title and table of findings; narrow, the scope folds under the check."""
    cols = [
        Col("status", "left"),
        Col("check", "left"),
        Col("scope", "left", drop=1, fold="check"),
        Col("finding", "left", flex=True, min_width=36),
    ]
    rows: list[list[str | Text]] = [[mark(f.severity), f.check, f.scope, humane(f.message)] for f in findings]
    return [title("Checks"), fit_table(cols, rows, width)]
