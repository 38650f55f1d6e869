"""``mlmon summarize``: every analysis' partial state of a read, in a file that ``report``,
``drift`` and ``check`` merge with other summaries and logs."""

from __future__ import annotations

from typing import Annotated

import typer

from mlmon.cli.boundary import handle_errors, write_stdout
from mlmon.cli.options import (
    ConfigPath,
    Engine,
    EnvelopeOption,
    Features,
    Field,
    Logs,
    MaxMalformed,
    Quiet,
    Scheduler,
    Since,
    Until,
    ingest_options,
)
from mlmon.cli.progress import stop_progress
from mlmon.cli.settings import command_settings, field_options
from mlmon.units import split_list


@handle_errors
def summarize_command(
    logs: Logs,
    output: Annotated[
        str,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help=(
                "Write the summary to this file (atomically: a temporary file, then a rename), or - for "
                "standard output."
            ),
            show_default=False,
        ),
    ],
    window: Annotated[
        str | None,
        typer.Option(
            metavar="DURATION|all",
            help=(
                "Windows of the states: 15m, 1h, 1d, or all; report, drift and check take them, or roll them up "
                "into a --window that is a whole multiple of them, or all (config: window; default 1h, check's; "
                "summaries alone: theirs)."
            ),
        ),
    ] = None,
    reference: Annotated[
        str | None,
        typer.Option(
            "--reference",
            "-r",
            metavar="PATH",
            help=(
                "Reference profile whose features are counted, for drift and check's data drift (config: reference; "
                "none: no feature states)."
            ),
        ),
    ] = None,
    labels_join: Annotated[
        bool,
        typer.Option(
            "--labels-join",
            help=(
                "Also keep what mlmon performance joins: every prediction's request id and time and every label "
                "(about 36 bytes a prediction)."
            ),
        ),
    ] = False,
    since: Since = None,
    until: Until = None,
    field: Field = None,
    features: Features = None,
    max_malformed: MaxMalformed = "5%",
    config: ConfigPath = None,
    quiet: Quiet = False,
    engine: Engine = None,
    scheduler: Scheduler = None,
    envelope: EnvelopeOption = None,
) -> None:
    """Summarize logs into a small file that report, drift and check merge with other
    summaries and logs: one summary per host, merged centrally, gives the report of all
    the logs.

    Each analysis' partial state (counts, sums, the values exact percentiles need; no
    record) is kept per window.

    \b
    Examples:
      mlmon summarize logs/ --since 1h -o /srv/mlmon/$(hostname).summary.json
      mlmon summarize logs/ -o - | ssh central 'cat > host-a.summary.json'
      # then, centrally, every host's summary merged:
      mlmon check /srv/mlmon/ -r train.json

    Exit codes: 0 written, 2 usage, config or input error.
    """
    from mlmon.api.check import DEFAULT_WINDOW
    from mlmon.api.summarize import SummaryOptions, build_summary, summary_json, write_summary
    from mlmon.render.terminal_summary import summary_line

    settings = command_settings(config, reference=reference, window=window)
    ingest = ingest_options(
        field_options(settings, field),
        since,
        until,
        max_malformed,
        split_list(features),
        engine=engine,
        scheduler=scheduler,
        envelope=envelope,
    )
    options = SummaryOptions(
        ingest=ingest,
        window=settings.window.value or DEFAULT_WINDOW,
        reference=settings.reference.value,
        labels_join=labels_join,
    )
    summary = build_summary(logs, options)
    stop_progress()
    if output == "-":
        text = summary_json(summary)
        write_stdout(text)
        size = len(text.encode())
    else:
        size = write_summary(summary, output)
    if not quiet:
        typer.echo(summary_line(summary, output, size), err=True)
