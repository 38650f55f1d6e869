"""The ``--p99-budget`` gate: a latency check that CI can fail on."""

from __future__ import annotations

from mlmon.bench.result import BenchResult
from mlmon.findings import Finding, Severity


def check_p99_budget(result: BenchResult, budget_ms: float) -> tuple[Finding, ...]:
    """One finding per configuration: critical when its p99 latency exceeds ``budget_ms``.

    A p99 equal to the budget passes. Feed the findings to :func:`mlmon.findings.exit_code`
    to get 1 on a breach.
    """
    findings = []
    for config in result.configs:
        p99 = config.latency.p99_ms
        over = p99 > budget_ms
        findings.append(Finding(
            check="latency_p99",
            severity=Severity.CRITICAL if over else Severity.OK,
            message=(f"batch {config.batch_size}: p99 {p99:.3f} ms "
                     f"{'over' if over else 'within'} budget {budget_ms:g} ms"),
            value=p99,
            threshold=budget_ms,
            scope=f"batch_size={config.batch_size}",
        ))
    return tuple(findings)
