"""Nagios / Icinga plugin output (docs/output-formats.md, "Nagios and Icinga"): one line,

    MLMON <STATE> - <summary> | 'label'=value[UOM];[warn];[crit];[min];[max] ...

following the Nagios plugin development guidelines. STATE is the result's ``status`` (the
JSON's, :func:`~mlmon.verdicts.findings.status_of`) in Nagios's words: OK, WARNING or
CRITICAL from the worst finding that could be judged; UNKNOWN when there are no findings or
every one is unknown (a check that could not be computed says nothing about the service). :func:`nagios_state`
gives the matching exit code, 0/1/2/3, and the CLI exits with it (:func:`exit_code`, this
format's own exit codes, in place of ``--fail-on``'s 0/1).

Errors in this mode (usage, config, input, internal) print :func:`error_output`,
``MLMON UNKNOWN - <the error>``, on standard output and exit 3 (:data:`ERROR_EXIT_CODE`,
UNKNOWN), not the usual 2, which Nagios reads as CRITICAL. NRPE and Nagios show only
standard output: without that line an error reads "NRPE: Unable to read output". The CLI
prints and exits (``mlmon.cli.delivery``); this module says what.

The summary names each finding at the state's severity, ``<rule>[<scope>]: <message>``
(the scope left out for ``all``), separated by `` / ``; with several, their count and the
names come first when the messages do not fit. One line, at most :data:`MAX_SUMMARY`
characters, without ``|`` (it starts the perfdata) and without ``;`` (Nagios turns it into
``:`` when it passes the text on, as its external command file uses ``;`` between fields):
``;`` becomes ``,``.

Performance data, per the guidelines: a label is quoted with single quotes when it holds a
space or a quote, and a quote inside it is doubled; ``=`` (which a label may not hold even
quoted) becomes ``:``. Values are plain decimals (no exponent); UOM is ``s``, ``%`` or
none; empty fields are left empty and trailing semicolons are dropped. ``warn`` and
``crit`` are the rule's two levels whatever the state (as ``check_load -w -c`` prints
them), never the one level a finding happened to be judged against; a rule without a
warning tier leaves ``warn`` empty. Each label has one meaning, whichever command wrote it:

- ``latency_p50/p95/p99`` (seconds) and ``requests`` (report's whole input), ``error_rate``
  (percent, 0 to 100); ``latency_p99`` and ``error_rate`` from check too, for the window
  its verdict reflects;
- ``'<rule> <scope>'`` for every other finding with a value: PSI (``prediction_drift``,
  ``feature_drift feature:NAME``), the fall of mean confidence (``confidence_collapse``);
- ``features_drifted`` (drift): how many input features drifted (warning or worse), from 0
  to the number judged; ``feature_drift_share`` (check): the share of judged features that
  drifted, in percent, against ``drift_share``;
- ``last_record_age`` (check): seconds from the last record read to the run's time, with
  the ``no_data`` rule's levels; written as long as a record was read, even when every
  record is older than ``--since`` (the logs stopped: the age must keep growing).

- ``'accuracy <scope>'`` (``performance``): accuracy in percent of the window the version's
  finding names (its worst judged window; without ``--min-accuracy``, the last judged
  one), ``warn`` the minimum; ``'accuracy_upper <scope>'`` the high end of its Wilson 95%
  interval, ``crit`` the minimum (critical when the whole interval lies below it);
  ``'label_coverage <scope>'`` the labelled share of the version's last window, percent.
  A minimum is written in the guidelines' range form, ``80:`` (alert below 80).
  ``'estimated_accuracy <scope>'`` (``performance --reference`` with a calibration): CBPE's
  estimated accuracy in percent of the window the version's ``estimated_accuracy`` finding
  names (its lowest estimate), ``crit`` the low end of the reference's band (``68.7:``).

``check`` shows the value of the window its verdict reflects (``exit_on = "last"``: the
last judged window; ``"any"``: the worst), so an OK service does not show an old spike.

``compare`` takes its state from the comparison's verdict (pass OK, marginal WARNING, fail
CRITICAL, no data UNKNOWN, whatever the worst finding), names the metrics that failed, were
marginal or had no data, and writes ``'<metric>_difference'`` (candidate minus baseline,
``warn`` the allowed difference in range form), the distances, ``agreement`` and
``traffic_share`` (:mod:`mlmon.render.nagios_compare`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from typing import Any

from mlmon.api.results import CheckReport, CompareReport, DriftReport, PerformanceReport, Report
from mlmon.ingest.problems import latest
from mlmon.verdicts.findings import NO_CHECKS, Finding, Levels, Severity, status_of

STATE_NAMES = ("OK", "WARNING", "CRITICAL", "UNKNOWN")
"""Plugin states by exit code."""

UNKNOWN = 3
"""The plugin's UNKNOWN state."""
ERROR_EXIT_CODE = UNKNOWN
"""The exit code of every error in this format (usage, config, input, internal): UNKNOWN,
where the usual 2 would read as CRITICAL."""
STATE_OF = {Severity.OK: 0, Severity.WARNING: 1, Severity.CRITICAL: 2, Severity.UNKNOWN: UNKNOWN}
SEVERITY_OF = {code: severity for severity, code in STATE_OF.items()}

MAX_SUMMARY = 300
"""Longest summary, in characters (Nagios keeps the first line's text up to 4 KB, but a
pager or a status page shows far less)."""

NO_FINDINGS = "no check was run: give a budget (report, bench) or a reference (drift)"
NO_ACCURACY_CHECK = "no check was run: give --min-accuracy to judge accuracy"
"""The summary of ``mlmon performance`` without findings."""

SEPARATOR = " / "
"""Between two findings in the summary (never ``;``, which Nagios rewrites)."""

UNITS = {
    "latency_p99": (0.001, "s", 0, None),
    "error_rate": (100.0, "%", 0, 100),
    "accuracy": (100.0, "%", 0, 100),
    "accuracy_upper": (100.0, "%", 0, 100),
    "label_coverage": (100.0, "%", 0, 100),
    "estimated_accuracy": (100.0, "%", 0, 100),
    "estimate_gap": (100.0, "%", 0, 100),
    "calibration_error": (100.0, "%", 0, 100),
}
"""Scale, UOM, min and max of finding values (milliseconds to seconds, a ratio to percent);
other checks' values are unitless (PSI, a fall of confidence)."""
MINIMA = frozenset({"accuracy", "accuracy_upper", "label_coverage", "estimated_accuracy"})
"""Values whose levels are minimums: their warn and crit are written ``level:``."""

FEATURE_DRIFT, NO_DATA = "feature_drift", "no_data"
SHARE_LABEL, COUNT_LABEL, AGE_LABEL = "feature_drift_share", "features_drifted", "last_record_age"


def nagios_state(result: Any) -> int:
    """The plugin's exit code: 0 OK, 1 WARNING, 2 CRITICAL by the worst known finding; 3
    UNKNOWN when there are no findings or all are unknown (``compare``: its overall verdict's)."""
    if isinstance(result, CompareReport):
        from mlmon.render.nagios_compare import compare_state

        return compare_state(result)
    status = status_of(tuple(result.findings))
    return STATE_OF[Severity(status)] if status != NO_CHECKS else UNKNOWN


def exit_code(result: Any) -> int:
    """The exit code ``result`` earns in this format, in place of ``--fail-on``'s 0/1: the
    plugin's state (:func:`nagios_state`)."""
    return nagios_state(result)


def render(result: Any, *, color: bool = False) -> str:
    """The plugin output line, with a trailing newline (``color`` is ignored)."""
    state = nagios_state(result)
    text = summary(result.findings, state)
    if isinstance(result, PerformanceReport) and not result.findings:
        text = NO_ACCURACY_CHECK
    if isinstance(result, CompareReport):
        from mlmon.render.nagios_compare import compare_summary

        text = compare_summary(result)
    line = status_line(STATE_NAMES[state], text)
    perf = " ".join(perfdata(result))
    return f"{line} | {perf}\n" if perf else f"{line}\n"


def status_line(state: str, text: str) -> str:
    """``MLMON <STATE> - <text>``, the text made one line (:func:`one_line`)."""
    return f"MLMON {state} - {one_line(text, MAX_SUMMARY)}"


def error_output(message: str) -> str:
    """The plugin output of an error (usage, config, input, internal): ``MLMON UNKNOWN -
    <message>``, one line and a newline, for standard output; the exit code is 3."""
    return status_line(STATE_NAMES[UNKNOWN], message or "error") + "\n"


def summary(findings: Sequence[Finding], state: int) -> str:
    """The findings at ``state``'s severity, each as ``rule[scope]: message``; with several,
    their count first and, when the messages do not fit, every name before them; the number
    of warnings besides a critical state. One line, no ``|`` or ``;``."""
    severity = SEVERITY_OF[state]
    shown = [f for f in findings if f.severity is severity]
    if not shown:
        return NO_FINDINGS
    lesser = sum(1 for f in findings if f.severity is Severity.WARNING) if severity is Severity.CRITICAL else 0
    head = f"{len(shown)} {severity.value}" if len(shown) > 1 or lesser else ""
    head += f" (and {lesser} warning)" if lesser else ""
    head += ": " if head else ""
    body = SEPARATOR.join(f"{finding_name(f)}: {f.message}" for f in shown)
    if len(shown) > 1 and len(one_line(head + body, 10**9)) > MAX_SUMMARY:
        body = ", ".join(finding_name(f) for f in shown) + SEPARATOR + body
    return one_line(head + body, MAX_SUMMARY)


def finding_name(finding: Finding) -> str:
    """``rule`` for the scope ``all``, else ``rule[scope]`` (as JUnit names its test cases)."""
    return finding.check if finding.scope == "all" else f"{finding.check}[{finding.scope}]"


def one_line(text: str, limit: int) -> str:
    """``text`` without line breaks, ``|`` (it starts the perfdata: ``/``) or ``;`` (Nagios
    rewrites it: ``,``), whitespace runs collapsed, cut to ``limit`` characters with ``...``."""
    text = re.sub(r"\s+", " ", text.replace("|", "/").replace(";", ",")).strip()
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


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


def perf_item(
    label: str,
    value: float,
    uom: str = "",
    warn: float | None = None,
    crit: float | None = None,
    low: float | None = None,
    high: float | None = None,
    minimum: bool = False,
) -> str:
    """``label=value[UOM];warn;crit;min;max`` with trailing empty fields dropped; ``minimum``:
    warn and crit are lower bounds, written in the range form ``level:``."""
    levels = [perf_number(v) for v in (warn, crit)]
    if minimum:
        levels = [f"{level}:" if level else "" for level in levels]
    fields = [perf_number(value) + uom, *levels, *(perf_number(v) for v in (low, high))]
    while fields and fields[-1] == "":
        fields.pop()
    return f"{perf_label(label)}={';'.join(fields)}"


def perfdata(result: Any) -> list[str]:
    """The perfdata items of ``result`` (the labels in the module docstring)."""
    if isinstance(result, CheckReport):
        return _check(result)
    if isinstance(result, PerformanceReport):
        return _performance(result)
    if isinstance(result, CompareReport):
        from mlmon.render.nagios_compare import compare_perfdata

        return compare_perfdata(result, perf_item, perf_number)
    findings = list(result.findings)
    items: list[str] = []
    if isinstance(result, Report):
        items += _report(result, findings)
        findings = [f for f in findings if f.scope != "all"]
    if isinstance(result, DriftReport):
        findings = [f for f in findings if not (f.check == FEATURE_DRIFT and f.scope == "all")]
    items += [item for item in (_finding_item(f.check, f.scope, f.value, f.levels) for f in findings) if item]
    if isinstance(result, DriftReport):
        items += _features_drifted(result)
    return items


def _report(report: Report, findings: Iterable[Finding]) -> list[str]:
    levels = {f.check: f.levels for f in findings if f.scope == "all"}
    latency, errors = report.overall.latency, report.overall.errors
    items = []
    for name in ("p50", "p95", "p99"):
        value = getattr(latency, f"{name}_ms")
        if value is None:
            continue
        if name == "p99":
            items.append(_finding_item("latency_p99", "all", value, levels.get("latency_p99")))
        else:
            items.append(perf_item(f"latency_{name}", value / 1000, "s", None, None, 0))
    if errors.rate is not None:
        items.append(_finding_item("error_rate", "all", errors.rate, levels.get("error_rate")))
    items.append(perf_item("requests", errors.requests, "", None, None, 0))
    return [item for item in items if item]


def _check(report: CheckReport) -> list[str]:
    """One item per rule and scope with the value of the window the verdict reflects, the
    share of drifted features under its own label, and the age of the last record."""
    items = []
    silence: Levels | None = None
    for outcome in report.outcomes:
        if outcome.rule == NO_DATA:
            silence = outcome.levels
            continue
        value = verdict_value(outcome, getattr(report.exit_on, "value", report.exit_on))
        if outcome.rule == FEATURE_DRIFT and outcome.scope == "all":
            share = _scaled_levels(outcome.levels, 100.0)
            items.append(None if value is None else perf_item(SHARE_LABEL, value * 100, "%", *share, 0, 100))
        else:
            items.append(_finding_item(outcome.rule, outcome.scope, value, outcome.levels))
    last = latest(report.last_record, getattr(report.ingest, "last_timestamp", None))  # older than --since too
    if last is not None:
        age = (report.now - last).total_seconds()
        items.append(perf_item(AGE_LABEL, age, "s", *_scaled_levels(silence, 1.0), 0))
    return [item for item in items if item]


def _performance(report: PerformanceReport) -> list[str]:
    """Per version: accuracy and the high end of its interval in the window its verdict
    names, against the minimum; the labelled share of its last window; the lowest estimated
    accuracy, against the reference's band."""
    from mlmon.render.performance_parts import by_version, last_window, minimum, verdict_value_window
    from mlmon.verdicts.registry import Check
    from mlmon.verdicts.scopes import scope

    items = []
    for version, windows in by_version(report).items():
        where, low = scope(version), minimum(report, version)
        judged = verdict_value_window(report, version)
        if judged is not None:
            items.append(_finding_item("accuracy", where, judged.window.accuracy, Levels(low, None)))
            items.append(_finding_item("accuracy_upper", where, judged.window.accuracy_high, Levels(None, low)))
        last = last_window(windows)
        if last is not None:
            items.append(_finding_item("label_coverage", where, last.window.coverage, None))
        estimated = [f for f in report.findings if f.check == Check.ESTIMATED_ACCURACY.value and f.scope == where]
        for f in estimated:
            items.append(_finding_item(f.check, where, f.value, Levels(None, f.threshold)))
    return [item for item in items if item]


def verdict_value(outcome: Any, exit_on: str) -> float | None:
    """The value of the window a check verdict reflects: the last judged one for
    ``exit_on = "last"``, the worst (the outcome's value) for ``"any"``."""
    if exit_on == "last":
        judged = [w.value for w in outcome.windows if w.raw is not Severity.UNKNOWN and w.value is not None]
        if judged:
            return judged[-1]
    return outcome.value


def _features_drifted(drift: DriftReport) -> list[str]:
    features = drift.features
    if features is None or features.reason is not None:
        return []
    judged = [f for f in features.features if f.severity is not Severity.UNKNOWN]
    if not judged:
        return []
    drifted = sum(1 for f in judged if f.severity.rank >= Severity.WARNING.rank)
    return [perf_item(COUNT_LABEL, drifted, "", None, None, 0, len(judged))]


def _finding_item(check: str, scope: str, value: float | None, levels: Levels | None) -> str | None:
    if value is None or not math.isfinite(value):
        return None
    scale, uom, low, high = UNITS.get(check, (1.0, "", None, None))
    label = check if scope == "all" else f"{check} {scope}"
    return perf_item(label, value * scale, uom, *_scaled_levels(levels, scale), low, high, check in MINIMA)


def _scaled_levels(levels: Levels | None, scale: float) -> tuple[float | None, float | None]:
    """(warn, crit) in the perfdata's unit; empty for a level the rule does not set."""
    if levels is None:
        return None, None
    return tuple(None if v is None else v * scale for v in (levels.warning, levels.critical))  # type: ignore[return-value]
