"""Building blocks of ``--format html``: escaping by default (:class:`Markup` marks the
few strings that are already HTML), tables, severity badges, fact lists, the ingest block
and the findings table. Number formats match the terminal's."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import datetime

from mlmon.ingest.problems import IngestStats
from mlmon.render.html_charts import esc
from mlmon.render.human import envelopes_line, some_of
from mlmon.verdicts.findings import Finding, Severity

MAX_ROWS = 500
"""Rows shown per table; the rest are counted in a last row (a page stays small)."""
MARK = {Severity.OK: "ok", Severity.WARNING: "warning", Severity.CRITICAL: "critical", Severity.UNKNOWN: "unknown"}


class Markup(str):
    """A string that is already HTML: inserted as is. Every other value is escaped."""


def h(value: object) -> str:
    """``value`` as HTML: a :class:`Markup` as is, anything else escaped."""
    return value if isinstance(value, Markup) else esc(value)


def join(parts: Iterable[object]) -> Markup:
    return Markup("".join(h(p) for p in parts))


def tag(name: str, content: object = "", css: str = "", **attrs: str) -> Markup:
    """``<name class=css ...>content</name>``; ``content`` escaped unless Markup."""
    attributes = (f' class="{esc(css)}"' if css else "") + "".join(
        f' {k.rstrip("_").replace("_", "-")}="{esc(v)}"' for k, v in attrs.items()
    )
    return Markup(f"<{name}{attributes}>{h(content)}</{name}>")


def badge(severity: Severity) -> Markup:
    return tag("span", MARK[severity], f"badge sev-{severity.value}")


def sev_class(severity: Severity) -> str:
    return f"sev-{severity.value}"


def table(
    headers: Sequence[str],
    rows: Sequence[Sequence[object]],
    *,
    numeric: Iterable[int] = (),
    css: str = "",
    caption: str = "",
) -> Markup:
    """A table; columns in ``numeric`` align right. Past :data:`MAX_ROWS` rows, a last row
    says how many were left out."""
    right = set(numeric)
    num = ' class="num"'
    head = "".join(f"<th{num if i in right else ''}>{esc(name)}</th>" for i, name in enumerate(headers))
    body = []
    for row in rows[:MAX_ROWS]:
        body.append(
            "<tr>" + "".join(f"<td{num if i in right else ''}>{h(cell)}</td>" for i, cell in enumerate(row)) + "</tr>"
        )
    if len(rows) > MAX_ROWS:
        body.append(
            f'<tr><td colspan="{len(headers)}" class="muted">… {len(rows) - MAX_ROWS:,} more rows (see --format '
            "json)</td></tr>"
        )
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    klass = f' class="{esc(css)}"' if css else ""
    return Markup(f"<table{klass}>{cap}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>")


def facts(items: Sequence[tuple[str, object]]) -> Markup:
    """A definition list of ``(term, value)`` pairs."""
    return Markup('<dl class="facts">' + "".join(f"<dt>{esc(k)}</dt><dd>{h(v)}</dd>" for k, v in items) + "</dl>")


def section(title: str, *parts: object, css: str = "", anchor: str = "") -> Markup:
    ident = (f' class="{esc(css)}"' if css else "") + (f' id="{esc(anchor)}"' if anchor else "")
    return Markup(f"<section{ident}><h2>{esc(title)}</h2>{join(parts)}</section>")


def figure(svg: str, caption: str = "") -> Markup:
    cap = f"<figcaption>{esc(caption)}</figcaption>" if caption else ""
    return Markup(f"<figure>{svg}{cap}</figure>")


def note(text: object, css: str = "muted") -> Markup:
    return tag("p", text, css)


def fmt_ms(value: float | None) -> str:
    return "-" if value is None or not math.isfinite(value) else f"{value:,.1f}"


def fmt_pct(value: float | None, digits: int = 2) -> str:
    return "-" if value is None or not math.isfinite(value) else f"{value:.{digits}%}"


def fmt_num(value: float | None, fmt: str) -> str:
    return "-" if value is None or not math.isfinite(value) else format(value, fmt)


def fmt_time(value: datetime | None) -> str:
    return "-" if value is None else value.strftime("%Y-%m-%d %H:%M")


def tick_labels(starts: Sequence[datetime | None]) -> list[str]:
    """Short x-axis labels: ``11-09`` when every window starts at midnight, else ``11-09 13:00``."""
    midnight = all(s is None or (s.hour, s.minute, s.second) == (0, 0, 0) for s in starts)
    return ["" if s is None else s.strftime("%m-%d" if midnight else "%m-%d %H:%M") for s in starts]


def ingest_block(stats: IngestStats, outside: str = "outside --since/--until") -> Markup:
    """What was read, and what was skipped (with the first few examples); ``outside`` says
    where the records left out by time fell."""
    files = f"{len(stats.files)} file{'s' if len(stats.files) != 1 else ''}"
    parts: list[object] = [note(f"Read {stats.lines:,} lines from {files}: {stats.records:,} records.", "")]
    if unwrapped := envelopes_line(stats):
        parts.append(note(unwrapped[0].upper() + unwrapped[1:] + ".", ""))
    for heading, problems in (("Skipped", stats.lines_skipped), ("Values not used", stats.values_not_used)):
        if problems:
            parts.append(note(f"{heading}: " + ", ".join(f"{n:,} {reason}" for reason, n in problems.items()), "warn"))
    if stats.examples:
        parts.append(tag("ul", join(tag("li", tag("code", str(example))) for example in stats.examples), "examples"))
    if stats.outside_time_range:
        parts.append(note(f"{stats.outside_time_range:,} records {outside}."))
    if stats.ignored_files:
        parts.append(
            note(
                f"Ignored {len(stats.ignored_files)} file(s) in directories that do not look like logs: "
                f"{some_of(stats.ignored_files)}."
            )
        )
    if stats.unreadable_files:
        parts.append(
            note(
                f"Skipped {len(stats.unreadable_files)} unreadable file(s): " + "; ".join(stats.unreadable_files[:3]),
                "warn",
            )
        )
    if stats.mlmon_files:
        parts.append(
            note(
                f"Skipped {len(stats.mlmon_files)} mlmon file(s) (mlmon's own, not logs): "
                f"{some_of(stats.mlmon_files, sep='; ')}."
            )
        )
    return Markup('<div class="ingest">' + join(parts) + "</div>")


def findings_table(findings: Sequence[Finding], title: str = "Checks") -> Markup:
    """One row per finding: status, check, scope, what was found."""
    if not findings:
        return section(
            title, note("No checks ran: give a budget, a limit or a reference to check against."), anchor="findings"
        )
    rows = [(badge(f.severity), tag("code", f.check), f.scope, f.message) for f in findings]
    return section(title, table(("status", "check", "scope", "finding"), rows, css="findings"), anchor="findings")


def tally(severities: Sequence[Severity]) -> str:
    """``6 critical, 7 ok``: counts by severity, worst first."""
    order = (Severity.CRITICAL, Severity.WARNING, Severity.UNKNOWN, Severity.OK)
    return ", ".join(f"{n} {s.value}" for s in order if (n := sum(x is s for x in severities)))
