"""``mlmon watch``: follow the logs as they grow, serve /metrics, send alerts."""

from __future__ import annotations

from typing import Annotated

import typer

from mlmon.cli.boundary import finish, handle_errors
from mlmon.cli.options import (
    ConfigPath,
    EnvelopeOption,
    Features,
    Field,
    Format,
    MaxMalformed,
    Quiet,
    ingest_options,
    parse_flag,
)
from mlmon.cli.settings import fail_on_from, field_options
from mlmon.render import OutputFormat
from mlmon.units import split_list


def _option(flag: str, metavar: str, help: str, *short: str) -> typer.models.OptionInfo:
    return typer.Option(flag, *short, metavar=metavar, help=help)


@handle_errors
def watch_command(
    logs: Annotated[
        list[str],
        typer.Argument(metavar="LOGS...", help="Log files, directories or globs to follow.", show_default=False),
    ],
    config: ConfigPath = None,
    reference: Annotated[
        str | None, _option("--reference", "PATH", "Reference profile for prediction and feature drift.", "-r")
    ] = None,
    window: Annotated[
        str | None, _option("--window", "DURATION|all", "Window the rules judge (config: window; default 1h).")
    ] = None,
    state: Annotated[
        str | None,
        _option("--state", "FILE", "Checkpoint file: resumed from, written every few seconds and on SIGTERM."),
    ] = None,
    start: Annotated[
        str | None,
        _option("--from", "end|beginning", "Where files are read from on a first start, with no state (default end)."),
    ] = None,
    listen: Annotated[str | None, _option("--listen", "HOST:PORT", "Serve /metrics here (127.0.0.1:9464).")] = None,
    alertmanager: Annotated[str | None, _option("--alertmanager", "URL", "Send alerts to Alertmanager.")] = None,
    webhook: Annotated[str | None, _option("--webhook", "URL", "POST alerts to this URL.")] = None,
    alert_command: Annotated[
        str | None, _option("--alert-command", "CMD", "Run CMD with the alerts' JSON on stdin.")
    ] = None,
    poll_seconds: Annotated[str | None, _option("--poll-seconds", "SECONDS", "Seconds between polls (1).")] = None,
    checkpoint_seconds: Annotated[
        str | None, _option("--checkpoint-seconds", "SECONDS", "Seconds between checkpoints (5).")
    ] = None,
    once: Annotated[bool, typer.Option("--once", help="Read what is there, evaluate once, exit as check.")] = False,
    format: Format = OutputFormat.TERMINAL,
    field: Field = None,
    features: Features = None,
    max_malformed: MaxMalformed = "5%",
    envelope: EnvelopeOption = None,
    quiet: Quiet = False,
) -> None:
    """Follow the logs as they grow (rotation, truncation, compression), serve check's
    gauges and live counters on /metrics, and send alerts when a rule fires, evaluating the
    rules at every window close. State survives restarts (--state).

    \b
    Examples:
      mlmon watch /var/log/app/ -r train.json --state /var/lib/mlmon/watch.json
      mlmon watch app.log --state w.json --alertmanager http://127.0.0.1:9093
      mlmon watch app.log --once --format json      # cron or CI: check's exit code

    Exit codes: 0 stopped by SIGTERM or SIGINT (state written); with --once 0 no rule at or
    above --fail-on, 1 a rule breached; 2 usage, config, input or state file error.
    """
    from mlmon.api.check import DEFAULT_WINDOW, CheckOptions
    from mlmon.api.check_rules import rules_from_settings
    from mlmon.api.watch import CHECKPOINT_SECONDS, POLL_SECONDS, WatchOptions
    from mlmon.config import load_settings
    from mlmon.watch.run import run_watch

    flags = {"reference": reference, "window": window}

    def check_options() -> CheckOptions:
        settings = load_settings(flags, config)
        fields = field_options(settings, field)
        ingest = ingest_options(fields, None, None, max_malformed, split_list(features), envelope=envelope)
        window_value = settings.window.value or DEFAULT_WINDOW
        rules = rules_from_settings(settings)
        return CheckOptions(ingest=ingest, window=window_value, reference=settings.reference.value, rules=rules)

    options = WatchOptions(
        check=check_options(),
        state=state,
        start=start,
        listen=listen,
        alertmanager=alertmanager,
        webhook=webhook,
        alert_command=alert_command,
        poll_seconds=parse_flag(POLL_SECONDS, poll_seconds),
        checkpoint_seconds=parse_flag(CHECKPOINT_SECONDS, checkpoint_seconds),
        once=once,
    )
    report = run_watch(logs, options, reload=check_options)
    if once and report is not None:
        finish(report, format, fail_on_from(load_settings(flags, config)), None, None, quiet)
    raise typer.Exit(0)
