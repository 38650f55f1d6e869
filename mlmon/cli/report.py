"""``mlmon report``."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from mlmon.cli.boundary import finish, handle_errors
from mlmon.cli.options import FailOn, Field, Format, Logs, Output, MaxMalformed, Since, Until, Window, ingest_options, parse_fail_on
from mlmon.render import OutputFormat
from mlmon.units import parse_latency_ms, parse_ratio
from mlmon.windows import parse_window


@handle_errors
def report_command(
    logs: Logs,
    format: Format = OutputFormat.TERMINAL,
    output: Output = None,
    window: Window = None,
    p99_budget: Annotated[Optional[str], typer.Option(help="Fail (exit 1) when p99 latency exceeds this, e.g. 200ms or 0.2s.")] = None,
    max_error_rate: Annotated[Optional[str], typer.Option(help="Fail (exit 1) when the error rate exceeds this, e.g. 1% or 0.01.")] = None,
    fail_on: FailOn = "critical",
    since: Since = None,
    until: Until = None,
    field: Field = None,
    max_malformed: MaxMalformed = "5%",
) -> None:
    """How is my service doing? Throughput, latency percentiles, errors, resources and
    predictions from JSON-lines logs."""
    from mlmon.api.report import ReportOptions, build_report

    options = ReportOptions(
        ingest=ingest_options(field, since, until, max_malformed),
        window=parse_window(window),
        p99_budget_ms=parse_latency_ms(p99_budget) if p99_budget else None,
        max_error_rate=parse_ratio(max_error_rate) if max_error_rate else None,
    )
    severity = parse_fail_on(fail_on)
    finish(build_report(logs, options), format, severity, output)
