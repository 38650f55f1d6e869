"""``mlmon check``: every configured rule in one pass, one verdict per rule and scope."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from mlmon.cli.boundary import finish, handle_errors
from mlmon.cli.options import (
    By,
    Color,
    ConfigPath,
    Engine,
    EnvelopeOption,
    Features,
    Field,
    Format,
    Logs,
    MaxMalformed,
    Output,
    Quiet,
    Scheduler,
    Since,
    Until,
    ingest_options,
)
from mlmon.cli.required import required_checks
from mlmon.cli.settings import ExitOnSetting, FailOnSetting, fail_on_from, field_options
from mlmon.render import OutputFormat
from mlmon.units import split_list


@handle_errors
def check_command(
    logs: Logs,
    config: ConfigPath = None,
    reference: Annotated[
        str | None,
        typer.Option(
            "--reference",
            "-r",
            metavar="PATH",
            help="Reference profile for prediction and feature drift (config: reference).",
        ),
    ] = None,
    window: Annotated[
        str | None,
        typer.Option(
            metavar="DURATION|all",
            help="Window the rules judge and for counts: 15m, 1h, 1d, or all (config: window; default 1h).",
        ),
    ] = None,
    since: Since = None,
    until: Until = None,
    format: Format = OutputFormat.TERMINAL,
    output: Output = None,
    fail_on: FailOnSetting = None,
    exit_on: ExitOnSetting = None,
    max_silence: Annotated[
        str | None,
        typer.Option(
            "--max-silence",
            metavar="DURATION",
            help=(
                "Critical when the last record is older than this at the time of the run, e.g. 15m; turns the "
                "no_data rule on, whatever the file says (config: max_silence)."
            ),
        ),
    ] = None,
    min_samples: Annotated[
        str | None,
        typer.Option(
            metavar="N",
            help="Fewer predictions or feature values in a window: unknown (config: min_samples; default 200).",
        ),
    ] = None,
    field: Field = None,
    features: Features = None,
    max_malformed: MaxMalformed = "5%",
    quiet: Quiet = False,
    engine: Engine = None,
    scheduler: Scheduler = None,
    envelope: EnvelopeOption = None,
    by: By = None,
    color: Color = None,
) -> None:
    """Is anything wrong that someone should act on? Every rule in the config (p99 budget,
    error rate, prediction drift, confidence collapse, data drift, no data; on late labels
    accuracy, calibration error and label coverage; with a calibrated reference estimated
    accuracy and the estimate's gap) over one read, with for / keep_firing_for
    persistence; exit 1 on a breach.

    \b
    Examples:
      # hourly cron: is a rule firing now?
      mlmon check logs/ --since 6h --window 1h
      mlmon check val.jsonl -r train.json --exit-on any -f junit -o mlmon.xml
      mlmon check logs/ --format prometheus -o /var/lib/node_exporter/mlmon.prom

    Exit codes: 0 no rule at or above --fail-on, 1 a rule breached, 2 usage, config or
    input error. With --format nagios: 0 ok, 1 warning, 2 critical, 3 unknown or an error.
    """
    from mlmon.api.check import DEFAULT_WINDOW, CheckOptions, build_check
    from mlmon.api.check_rules import rules_from_settings
    from mlmon.config import load_settings

    now = datetime.now(UTC)
    flags = {
        "reference": reference,
        "window": window,
        "min_samples": min_samples,
        "fail_on": fail_on,
        "max_silence": max_silence,
        "exit_on": exit_on,
    }
    settings = load_settings(flags, config)
    fields = field_options(settings, field)
    options = CheckOptions(
        ingest=ingest_options(
            fields,
            since,
            until,
            max_malformed,
            split_list(features),
            now=now,
            engine=engine,
            scheduler=scheduler,
            envelope=envelope,
            by=by,
        ),
        window=settings.window.value or DEFAULT_WINDOW,
        reference=settings.reference.value,
        rules=rules_from_settings(settings),
        exit_on=settings.exit_on.value,
        now=now,
    )
    required = required_checks(settings, features_named=bool(options.ingest.features))
    finish(build_check(logs, options, required=required), format, fail_on_from(settings), output, color, quiet)
