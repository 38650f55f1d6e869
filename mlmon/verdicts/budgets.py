"""The one budget rule: a value over its level breaches it. Used by ``report`` (p99 latency,
error rate), ``check`` (the same, per window) and ``bench`` (p99 latency per
configuration). Two levels, as Prometheus alerting rules with a ``severity`` label: over the
critical level is critical, else over the warning level is a warning. A value equal to a
level passes it; a value that could not be computed is unknown, never ok. Either level may
be None (that tier is not checked); with neither, every computed value is ok."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol

from mlmon.verdicts.findings import Finding, Levels, Severity
from mlmon.verdicts.registry import Check


def budget_severity(value: float | None, critical: float | None, warning: float | None = None) -> Severity:
    """Critical when ``value > critical``, else warning when ``value > warning``, else ok;
    unknown when ``value`` is None."""
    if value is None:
        return Severity.UNKNOWN
    if critical is not None and value > critical:
        return Severity.CRITICAL
    if warning is not None and value > warning:
        return Severity.WARNING
    return Severity.OK


def budget_finding(
    check: Check,
    value: float | None,
    limit: float | None,
    scope: str,
    text: str,
    missing: str,
    warning: float | None = None,
    show: Callable[[float], str] = "{:g}".format,
) -> Finding:
    """The finding of :func:`budget_severity`; unknown (with ``missing`` as the message)
    when there is no value. ``text`` is the message, with ``{value}`` and a ``{verb}`` slot
    that reads ``over`` or ``within``, and a ``{level}`` slot naming the level compared
    against (``show`` formats it). The finding's threshold is the level breached, else
    the lowest level checked; its ``levels`` are both."""
    severity = budget_severity(value, limit, warning)
    checked = limit if severity is Severity.CRITICAL or warning is None else warning
    if value is None:
        return Finding(check.value, Severity.UNKNOWN, missing, None, checked, scope, levels=Levels(warning, limit))
    level = _level_text(severity, limit, warning, show)
    message = text.format(value=value, verb="within" if severity is Severity.OK else "over", level=level)
    return Finding(check.value, severity, message, value, checked, scope, levels=Levels(warning, limit))


def _level_text(severity: Severity, critical: float | None, warning: float | None, show: Callable[[float], str]) -> str:
    if severity is Severity.CRITICAL or warning is None:
        named = f"{show(critical)}" if critical is not None else "no"
        return named if warning is None else f"{named} critical level"
    if critical is None:
        return f"{show(warning)} warning level"
    if severity is Severity.WARNING:
        return f"{show(warning)} warning level (critical {show(critical)})"
    return f"{show(warning)} warning level"


def p99_finding(
    p99_ms: float | None,
    budget_ms: float | None,
    scope: str,
    what: str = "p99 latency",
    warning_ms: float | None = None,
) -> Finding:
    """``latency_p99``: p99 in milliseconds against its budget (critical) and an optional
    warning level; three decimals under a 10 ms level, one from there, so the value reads
    as precisely as the level."""
    smallest = min(level for level in (budget_ms, warning_ms, 1e9) if level is not None)
    value = f"{what} {{value:.{3 if smallest < 10 else 1}f}} ms is {{verb}} the {{level}}"
    text, show = (value + " ms budget", "{:g}".format) if warning_ms is None else (value, "{:g} ms".format)
    return budget_finding(
        Check.LATENCY_P99,
        p99_ms,
        budget_ms,
        scope,
        text,
        "no latency values to check against the p99 budget",
        warning_ms,
        show,
    )


def error_rate_finding(
    rate: float | None, errors: int, requests: int, limit: float | None, scope: str, warning: float | None = None
) -> Finding:
    """``error_rate``: errors / requests against its limit (critical) and an optional warning level."""
    noun = "limit" if warning is None else ""
    text = f"error rate {{value:.2%}} ({errors:,} of {requests:,} requests) is {{verb}} the {{level}} {noun}".rstrip()
    return budget_finding(
        Check.ERROR_RATE, rate, limit, scope, text, "no requests to compute an error rate", warning, "{:.2%}".format
    )


class _Latency(Protocol):
    @property
    def p99_ms(self) -> float: ...


class BenchConfig(Protocol):
    """What the bench budget reads of one configuration's result (``bench.result.ConfigResult``)."""

    @property
    def batch_size(self) -> int: ...

    @property
    def latency(self) -> _Latency: ...


def bench_findings(configs: Iterable[BenchConfig], budget_ms: float) -> tuple[Finding, ...]:
    """``mlmon bench --p99-budget``: one finding per configuration (``batch_size=N``)."""
    return tuple(
        p99_finding(
            c.latency.p99_ms, budget_ms, f"batch_size={c.batch_size}", what=f"batch {c.batch_size}: p99 latency"
        )
        for c in configs
    )
