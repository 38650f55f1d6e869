"""``mlmon performance``."""

from __future__ import annotations

from typing import Annotated

import typer

from mlmon.cli.boundary import finish, handle_errors
from mlmon.cli.options import (
    Color,
    ConfigPath,
    Engine,
    EnvelopeOption,
    Field,
    Format,
    LabelTables,
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
from mlmon.cli.settings import FailOnSetting, command_settings, fail_on_from, field_options, window_from
from mlmon.render import OutputFormat


@handle_errors
def performance_command(
    logs: Logs,
    labels: LabelTables = None,
    reference: Annotated[
        str | None,
        typer.Option(
            "--reference",
            "-r",
            metavar="PATH",
            help="A reference built with --actual (a calibration): estimate accuracy per window before labels arrive.",
        ),
    ] = None,
    window: Window = None,
    min_accuracy: Annotated[
        str | None,
        typer.Option(metavar="RATE", help="Judge accuracy against this minimum, e.g. 90% or 0.9."),
    ] = None,
    min_coverage: Annotated[
        str | None,
        typer.Option(metavar="RATE", help="Labelled share a window needs before it is judged.", show_default="50%"),
    ] = None,
    min_labelled: Annotated[
        str | None,
        typer.Option(metavar="N", help="Labels a window needs before it is judged.", show_default="30"),
    ] = None,
    format: Format = OutputFormat.TERMINAL,
    output: Output = None,
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
    color: Color = None,
) -> None:
    """Is the model right? Accuracy, F1, calibration and label lag per window, from the
    labels that arrived (label records in the logs, or --labels tables) joined to the
    predictions by request id.

    \b
    Examples:
      mlmon performance logs/ --window 1d
      mlmon performance logs/ --labels labels.csv --field actual=truth
      mlmon performance logs/ --window 1d --min-accuracy 90% || page-someone
      mlmon performance logs/ -r ref.json --window 1d

    A window is judged once --min-coverage of its predictions and at least --min-labelled
    of them are labelled; before that it shows its figures and the labels it waits for.
    Accuracy is critical when its whole 95% interval lies below --min-accuracy, a warning
    when only the estimate does.

    With --reference (built with --actual), CBPE estimates accuracy from the calibrated
    probabilities: critical below the reference's band; a warning when the labels, once
    there, disagree with the estimate beyond the band (the model's calibration no longer
    holds).

    Exit codes: 0 nothing at or above --fail-on, 1 accuracy (realized or estimated) below
    its minimum or band, 2 usage, config or input error.
    """
    from mlmon.api.performance import PerformanceOptions, build_performance

    settings = command_settings(config, reference=reference, window=window, fail_on=fail_on)
    ingest = ingest_options(
        field_options(settings, field),
        since,
        until,
        max_malformed,
        engine=engine,
        scheduler=scheduler,
        envelope=envelope,
    )
    options = PerformanceOptions(
        ingest=ingest,
        window=window_from(settings),
        labels=tuple(labels or ()),
        reference=settings.reference.value,
        min_accuracy=min_accuracy,  # type: ignore[arg-type]  # parsed by the options' specs
        **{
            name: value
            for name, value in (("min_coverage", min_coverage), ("min_labelled", min_labelled))
            if value is not None
        },  # type: ignore[arg-type]
    )
    finish(build_performance(logs, options), format, fail_on_from(settings), output, color, quiet)
