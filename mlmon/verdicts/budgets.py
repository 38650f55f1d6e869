"""The one budget rule: a value over its limit is critical. Used by ``report`` (p99 latency,
error rate) and ``bench`` (p99 latency per configuration). A value equal to its limit passes;
a value that could not be computed is unknown, never ok."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mlmon.verdicts.findings import Finding, Severity
from mlmon.verdicts.registry import Check


def budget_finding(check: Check, value: float | None, limit: float, scope: str, text: str, missing: str) -> Finding:
    """Critical when ``value > limit``, ok otherwise; unknown (with ``missing`` as the
    message) when there is no value. ``text`` is the message, with ``{value}`` and a
    ``{verb}`` slot that reads ``over`` or ``within``."""
    if value is None:
        return Finding(check.value, Severity.UNKNOWN, missing, None, limit, scope)
    breached = value > limit
    message = text.format(value=value, verb="over" if breached else "within")
    return Finding(check.value, Severity.CRITICAL if breached else Severity.OK, message, value, limit, scope)


def p99_finding(p99_ms: float | None, budget_ms: float, scope: str, what: str = "p99 latency") -> Finding:
    """``latency_p99``: p99 in milliseconds against its budget; three decimals under a
    10 ms budget, one from there, so the value reads as precisely as the budget."""
    digits = 3 if budget_ms < 10 else 1
    text = f"{what} {{value:.{digits}f}} ms is {{verb}} the {budget_ms:g} ms budget"
    return budget_finding(Check.LATENCY_P99, p99_ms, budget_ms, scope, text, "no latency values to check against the p99 budget")


def error_rate_finding(rate: float | None, errors: int, requests: int, limit: float, scope: str) -> Finding:
    """``error_rate``: errors / requests against its limit."""
    text = f"error rate {{value:.2%}} ({errors:,} of {requests:,} requests) is {{verb}} the {limit:.2%} limit"
    return budget_finding(Check.ERROR_RATE, rate, limit, scope, text, "no requests to compute an error rate")


def bench_findings(configs: Iterable[Any], budget_ms: float) -> tuple[Finding, ...]:
    """``mlmon bench --p99-budget``: one finding per configuration (``batch_size=N``)."""
    return tuple(
        p99_finding(c.latency.p99_ms, budget_ms, f"batch_size={c.batch_size}", what=f"batch {c.batch_size}: p99 latency")
        for c in configs
    )
