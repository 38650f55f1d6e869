"""``mlmon report``."""

from __future__ import annotations

from typing import Annotated

import typer

from mlmon.cli.boundary import finish, handle_errors
from mlmon.cli.options import (
    By,
    Color,
    ConfigPath,
    Engine,
    EnvelopeOption,
    Field,
    Format,
    Logs,
    MaxMalformed,
    Output,
    Quiet,
    Scheduler,
    Since,
    Until,
    Window,
    ingest_options,
)
from mlmon.cli.settings import FailOnSetting, command_settings, fail_on_from, field_options, report_options_from
from mlmon.render import OutputFormat


@handle_errors
def report_command(
    logs: Logs,
    format: Format = OutputFormat.TERMINAL,
    output: Output = None,
    window: Window = None,
    p99_budget: Annotated[
        str | None,
        typer.Option(
            metavar="LATENCY",
            help="Exit 1 when p99 latency exceeds this, e.g. 200ms or 0.2s (config: rules.latency_p99).",
        ),
    ] = None,
    max_error_rate: Annotated[
        str | None,
        typer.Option(
            metavar="RATE", help="Exit 1 when the error rate exceeds this, e.g. 1% or 0.01 (config: rules.error_rate)."
        ),
    ] = None,
    fail_on: FailOnSetting = None,
    since: Since = None,
    until: Until = None,
    field: Field = None,
    max_malformed: MaxMalformed = "5%",
    config: ConfigPath = None,
    quiet: Quiet = False,
    engine: Engine = None,
    scheduler: Scheduler = None,
    envelope: EnvelopeOption = None,
    by: By = None,
    color: Color = None,
) -> None:
    """How is my service doing? Throughput, latency percentiles, errors, resources and
    predictions from JSON-lines logs.

    \b
    Examples:
      mlmon report logs/
      # the last day, hour by hour:
      mlmon report logs/ --window 1h --since 1d
      mlmon report logs/ --p99-budget 200ms --max-error-rate 1% || page-someone

    Exit codes: 0 nothing at or above --fail-on, 1 a budget breached, 2 usage, config or
    input error. With --format nagios: 0 ok, 1 warning, 2 critical, 3 unknown, no checks,
    or an error.

    The config file sets window, fail_on, [fields] and the rules latency_p99 and
    error_rate (one with enabled = false is checked only when its flag is given); a flag
    wins over MLMON_WINDOW and MLMON_FAIL_ON, which win over the file.
    """
    from mlmon.api.report import build_report

    settings = command_settings(config, window=window, fail_on=fail_on)
    ingest = ingest_options(
        field_options(settings, field),
        since,
        until,
        max_malformed,
        engine=engine,
        scheduler=scheduler,
        by=by,
        envelope=envelope,
    )
    options = report_options_from(settings, ingest, p99_budget, max_error_rate)
    finish(build_report(logs, options), format, fail_on_from(settings), output, color, quiet)
