"""Command-line interface: parse options, call one library function, render, exit.

Exit codes: 0 nothing at or above ``--fail-on``; 1 a check breached; 2 usage, config or
input error (including "no usable records"). Errors are one line on stderr, never a
traceback.
"""

from __future__ import annotations

import functools
import importlib
import os
import sys
from collections.abc import Callable
from typing import Annotated, Optional

import typer

from mlmon.bench.command import bench_command
from mlmon.cli_options import FailOn, Field, Format, Logs, MaxMalformed, Since, Until, Window, ingest_options, parse_fail_on
from mlmon.errors import MlmonError
from mlmon.findings import Severity, exit_code
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


def finish(report, format: OutputFormat, renderer: str, terminal_module: str, fail_on: Severity) -> None:
    """Render ``report`` with the chosen format's ``renderer`` function, then exit with the
    code its findings earn (renderer modules load lazily: rich is not needed for JSON)."""
    if format is OutputFormat.JSON:
        warn_skipped(report.ingest)
        emit(getattr(importlib.import_module("mlmon.render.json_format"), renderer)(report))
    else:
        emit(getattr(importlib.import_module(terminal_module), renderer)(report, color=use_color()))
    raise typer.Exit(exit_code(report.findings, fail_on))


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
    finish(build_report(logs, options), format, "render_report", "mlmon.render.terminal", severity)


@app.command("drift")
@handle_errors
def drift_command(
    logs: Logs,
    reference: Annotated[Optional[str], typer.Option("--reference", "-r", help="Reference profile JSON, or raw training data (CSV/Parquet/JSONL) profiled on the fly.")] = None,
    window: Window = None,
    format: Format = OutputFormat.TERMINAL,
    min_samples: Annotated[int, typer.Option(help="Windows with fewer predictions read 'insufficient data'.")] = 200,
    alpha: Annotated[float, typer.Option(help="Significance level for chi-squared p after Benjamini-Hochberg.")] = 0.001,
    warning_psi: Annotated[float, typer.Option(help="PSI at or above which a significant shift is a warning.")] = 0.01,
    critical_psi: Annotated[float, typer.Option(help="PSI at or above which a significant shift is critical.")] = 0.25,
    confidence_drop: Annotated[float, typer.Option(help="Fall of mean confidence (absolute) that counts as a collapse.")] = 0.10,
    low_confidence: Annotated[float, typer.Option(help="Threshold for the share of low-confidence predictions.")] = 0.5,
    fail_on: FailOn = "critical",
    label: Annotated[str, typer.Option(help="Label column of raw reference data.")] = "label",
    confidence: Annotated[Optional[str], typer.Option(help="Confidence column of raw reference data.")] = None,
    proba_cols: Annotated[Optional[str], typer.Option(help="Probability columns of raw reference data, comma-separated.")] = None,
    since: Since = None,
    until: Until = None,
    field: Field = None,
    max_malformed: MaxMalformed = "5%",
) -> None:
    """Is the model now saying something different? Class shares against a reference (PSI,
    chi-squared, Jensen-Shannon) and confidence collapse, per window."""
    from mlmon.drift_report import DriftOptions, build_drift_report

    options = DriftOptions(
        reference=reference, reference_label=label, reference_confidence=confidence,
        reference_proba_cols=split_list(proba_cols),
        ingest=ingest_options(field, since, until, max_malformed, with_probabilities=True),
        window=parse_window(window), min_samples=min_samples, alpha=alpha, warning_psi=warning_psi,
        critical_psi=critical_psi, low_confidence=low_confidence, collapse_drop=confidence_drop,
    )
    severity = parse_fail_on(fail_on)
    finish(build_drift_report(logs, options), format, "render_drift", "mlmon.render.terminal_drift", severity)


reference_app = typer.Typer(help="Reference profiles: what drift compares against.", no_args_is_help=True)
app.add_typer(reference_app, name="reference")


@reference_app.command("build")
@handle_errors
def reference_build_command(
    data: Annotated[list[str], typer.Argument(help="Training data (CSV, Parquet, JSONL), or logs of a known-good period.", show_default=False)],
    output: Annotated[str, typer.Option("--output", "-o", help="Where to write the profile JSON.")],
    label: Annotated[str, typer.Option(help="Label column.")] = "label",
    confidence: Annotated[Optional[str], typer.Option(help="Confidence column (default: 'confidence', else the row max of --proba-cols).")] = None,
    proba_cols: Annotated[Optional[str], typer.Option(help="Probability columns, comma-separated.")] = None,
    features: Annotated[Optional[str], typer.Option(help="Feature columns, comma-separated (default: every other numeric column).")] = None,
    from_logs: Annotated[bool, typer.Option("--from-logs", help="Read DATA as service logs (implied by --since/--until, directories and *.log files).")] = False,
    since: Since = None,
    until: Until = None,
    field: Field = None,
    max_malformed: MaxMalformed = "5%",
) -> None:
    """Profile training data or a known-good window of logs into a reference JSON."""
    from mlmon.reference_build import ReferenceBuildOptions, build_reference

    options = ReferenceBuildOptions(
        label=label, confidence=confidence, proba_cols=split_list(proba_cols), features=split_list(features),
        from_logs=from_logs, ingest=ingest_options(field, since, until, max_malformed),
    )
    profile = build_reference(data, output, options)
    shares = "  ".join(f"{k} {v:.1%}" for k, v in profile.class_shares.items())
    typer.echo(f"wrote {output}: {profile.n_rows:,} rows, {len(profile.features)} features; classes {shares}", err=True)


def split_list(value: str | None) -> tuple[str, ...] | None:
    return tuple(part.strip() for part in value.split(",") if part.strip()) if value else None


def main() -> None:
    app()
