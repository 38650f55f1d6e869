"""Command-line interface: parse options, call one library function, render, exit.

Exit codes: 0 nothing at or above ``--fail-on``; 1 a check breached; 2 usage, config or
input error (including "no usable records"). Errors are one line on stderr, never a
traceback.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import Annotated, Optional

import typer

from mlmon.bench.command import bench_command
from mlmon.cli_options import FailOn, Field, Format, Logs, MaxMalformed, Since, Until, Window, ingest_options, parse_fail_on
from mlmon.errors import MlmonError
from mlmon.findings import exit_code
from mlmon.ingest import IngestStats
from mlmon.render import OutputFormat
from mlmon.units import parse_latency_ms, parse_ratio
from mlmon.windows import parse_window

app = typer.Typer(
    name="mlmon",
    help="Monitoring for ML services from the JSON-lines logs they already write.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("bench")(bench_command)


def handle_errors(command: Callable) -> Callable:
    """Turn an ``MlmonError`` into ``mlmon: error: ...`` on stderr and exit code 2."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except MlmonError as error:
            typer.echo(f"mlmon: error: {error}", err=True)
            raise typer.Exit(error.exit_code) from None

    return wrapper


def use_color() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def emit(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def warn_skipped(stats: IngestStats) -> None:
    """Diagnostics on stderr, for machine formats whose stdout must stay parseable."""
    if stats.skipped:
        parts = ", ".join(f"{n:,} {reason}" for reason, n in stats.skipped.items())
        first = f" (first: {stats.examples[0]})" if stats.examples else ""
        typer.echo(f"mlmon: warning: skipped {parts}{first}", err=True)


@app.command("report")
@handle_errors
def report_command(
    logs: Logs,
    format: Format = OutputFormat.TERMINAL,
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
    from mlmon.report import ReportOptions, build_report

    options = ReportOptions(
        ingest=ingest_options(field, since, until, max_malformed),
        window=parse_window(window),
        p99_budget_ms=parse_latency_ms(p99_budget) if p99_budget else None,
        max_error_rate=parse_ratio(max_error_rate) if max_error_rate else None,
    )
    severity = parse_fail_on(fail_on)
    report = build_report(logs, options)
    if format is OutputFormat.JSON:
        from mlmon.render.json_format import render_report

        warn_skipped(report.ingest)
        emit(render_report(report))
    else:
        from mlmon.render.terminal import render_report

        emit(render_report(report, color=use_color()))
    raise typer.Exit(exit_code(report.findings, severity))


def main() -> None:
    app()
