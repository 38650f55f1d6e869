"""Nagios / Icinga plugin output (README, "Nagios and Icinga"): one line,

    MLMON <STATE> - <summary> | 'label'=value[UOM];[warn];[crit];[min];[max] ...

following the Nagios plugin development guidelines. STATE comes from the worst finding:
OK, WARNING or CRITICAL; UNKNOWN when there are no findings or every one is unknown (a
check that could not be computed says nothing about the service). :func:`nagios_state`
gives the matching exit code, 0/1/2/3, and the CLI exits with it.

Exit codes in this mode: a usage error or unreadable input must exit 3 (UNKNOWN), not the
usual 2, because Nagios reads 2 as CRITICAL. The CLI does that; this module only renders.

The summary is the messages of the findings at the state's severity (a scope other than
``all`` in front), one line, at most :data:`MAX_SUMMARY` characters, without ``|``.

Performance data, per the guidelines: a label is quoted with single quotes when it holds a
space or a quote, and a quote inside it is doubled; ``=`` (which a label may not hold even
quoted) becomes ``:``. Values are plain decimals (no exponent); UOM is ``s``, ``%`` or
none; an empty warn or crit is left empty and trailing semicolons are dropped. A report
gives ``latency_p50/p95/p99`` (seconds; the p99 budget as crit), ``error_rate`` (percent;
the limit as crit) and ``requests``; every other finding with a value gives
``'<check>[ <scope>]'=<value>;;<threshold>``: the budgets and the drift bounds that
findings carry are critical bounds, so the threshold goes in the crit slot.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from typing import Any

from mlmon.api.results import Report
from mlmon.verdicts.findings import Finding, Severity

STATE_NAMES = ("OK", "WARNING", "CRITICAL", "UNKNOWN")
"""Plugin states by exit code."""

UNKNOWN = 3
STATE_OF = {Severity.OK: 0, Severity.WARNING: 1, Severity.CRITICAL: 2, Severity.UNKNOWN: UNKNOWN}
SEVERITY_OF = {code: severity for severity, code in STATE_OF.items()}

MAX_SUMMARY = 300
"""Longest summary, in characters (Nagios keeps the first line's text up to 4 KB, but a
pager or a status page shows far less)."""

NO_FINDINGS = "no check was run: give a budget (report, bench) or a reference (drift)"

UNITS = {"latency_p99": (0.001, "s"), "error_rate": (100.0, "%")}
"""Scale and UOM of finding values (milliseconds to seconds, a ratio to percent); other
checks' values are unitless (PSI, a fall of confidence, a count)."""


def nagios_state(result: Any) -> int:
    """The plugin's exit code: 0 OK, 1 WARNING, 2 CRITICAL by the worst known finding; 3
    UNKNOWN when there are no findings or all are unknown."""
    known = [STATE_OF[f.severity] for f in result.findings if f.severity is not Severity.UNKNOWN]
    return max(known, default=UNKNOWN)


def render(result: Any, *, color: bool = False) -> str:
    """The plugin output line, with a trailing newline (``color`` is ignored)."""
    state = nagios_state(result)
    line = f"MLMON {STATE_NAMES[state]} - {summary(result.findings, state)}"
    perf = " ".join(perfdata(result))
    return f"{line} | {perf}\n" if perf else f"{line}\n"


def summary(findings: Sequence[Finding], state: int) -> str:
    """The messages of the findings at ``state``'s severity, counted when several, with
    the number of lesser findings that are not ok; one line, no ``|``."""
    severity = SEVERITY_OF[state]
    shown = [f for f in findings if f.severity is severity]
    if not shown:
        return NO_FINDINGS
    text = "; ".join(_scoped(f) for f in shown)
    if len(shown) > 1:
        text = f"{len(shown)} {severity.value}: {text}"
    lesser = sum(1 for f in findings if f.severity is Severity.WARNING) if severity is Severity.CRITICAL else 0
    if lesser:
        text += f" (and {lesser} warning)"
    return one_line(text, MAX_SUMMARY)


def one_line(text: str, limit: int) -> str:
    """``text`` without line breaks or ``|`` (it starts the perfdata), whitespace runs
    collapsed, cut to ``limit`` characters with ``...``."""
    text = re.sub(r"\s+", " ", text.replace("|", "/")).strip()
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def _scoped(finding: Finding) -> str:
    return finding.message if finding.scope == "all" else f"{finding.scope}: {finding.message}"


def perf_label(label: str) -> str:
    """A perfdata label: ``=`` becomes ``:``, other whitespace and ``|`` a space; quoted
    in single quotes when it holds a space or a quote, each quote doubled."""
    label = re.sub(r"[\s|]", " ", label.replace("=", ":"))
    if " " in label or "'" in label:
        return "'" + label.replace("'", "''") + "'"
    return label


def perf_number(value: float | None) -> str:
    """A plain decimal, ten significant digits and nine decimals at most, no exponent
    (``[-0-9.]`` only); empty for a missing or non-finite value."""
    if isinstance(value, int):
        return str(int(value))
    if value is None or not math.isfinite(value):
        return ""
    text = f"{float(f'{value:.10g}'):.9f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def perf_item(label: str, value: float, uom: str = "", warn: float | None = None, crit: float | None = None,
              low: float | None = None, high: float | None = None) -> str:
    """``label=value[UOM];warn;crit;min;max`` with trailing empty fields dropped."""
    fields = [perf_number(value) + uom, *(perf_number(v) for v in (warn, crit, low, high))]
    while fields and fields[-1] == "":
        fields.pop()
    return f"{perf_label(label)}={';'.join(fields)}"


def perfdata(result: Any) -> list[str]:
    """The perfdata items of ``result``: a report's figures, then every finding's value."""
    findings = list(result.findings)
    items: list[str] = []
    if isinstance(result, Report):
        items += _report(result, findings)
        findings = [f for f in findings if f.scope != "all"]
    return items + [item for item in (_finding_item(f) for f in findings) if item]


def _report(report: Report, findings: Iterable[Finding]) -> list[str]:
    limits = {f.check: f.threshold for f in findings if f.scope == "all"}
    latency, errors = report.overall.latency, report.overall.errors
    items = []
    for name in ("p50", "p95", "p99"):
        value = getattr(latency, f"{name}_ms")
        crit = limits.get("latency_p99") if name == "p99" else None
        if value is not None:
            items.append(perf_item(f"latency_{name}", value / 1000, "s", None, _scaled(crit, 0.001), 0))
    if errors.rate is not None:
        items.append(perf_item("error_rate", errors.rate * 100, "%", None, _scaled(limits.get("error_rate"), 100.0), 0, 100))
    items.append(perf_item("requests", errors.requests, "", None, None, 0))
    return items


def _finding_item(finding: Finding) -> str | None:
    if finding.value is None or not math.isfinite(finding.value):
        return None
    scale, uom = UNITS.get(finding.check, (1.0, ""))
    label = finding.check if finding.scope == "all" else f"{finding.check} {finding.scope}"
    return perf_item(label, finding.value * scale, uom, None, _scaled(finding.threshold, scale))


def _scaled(value: float | None, scale: float) -> float | None:
    return None if value is None else value * scale
