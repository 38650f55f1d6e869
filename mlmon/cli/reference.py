"""``mlmon reference build``."""

from __future__ import annotations

from typing import Annotated

import typer

from mlmon.cli.boundary import handle_errors, say_wrote
from mlmon.cli.help import HelpCommand, HelpGroup
from mlmon.cli.options import Field, MaxMalformed, Quiet, Since, Until, ingest_options
from mlmon.cli.progress import stop_progress
from mlmon.units import split_list

reference_app = typer.Typer(
    cls=HelpGroup, help="Reference profiles: what drift compares against.", no_args_is_help=True
)


@reference_app.command("build", cls=HelpCommand)
@handle_errors
def reference_build_command(
    data: Annotated[
        list[str],
        typer.Argument(
            metavar="DATA...",
            help="Training data (CSV, Parquet, JSONL), or logs of a known-good period.",
            show_default=False,
        ),
    ],
    output: Annotated[str, typer.Option("--output", "-o", metavar="FILE", help="Where to write the profile JSON.")],
    label: Annotated[str, typer.Option(metavar="COLUMN", help="Label column.")] = "label",
    confidence: Annotated[
        str | None,
        typer.Option(
            metavar="COLUMN", help="Confidence column (default: 'confidence', else the row max of --proba-cols)."
        ),
    ] = None,
    proba_cols: Annotated[
        str | None, typer.Option(metavar="COLUMN[,COLUMN...]", help="Probability columns, comma-separated.")
    ] = None,
    actual: Annotated[
        str | None,
        typer.Option(
            metavar="COLUMN",
            help=(
                "True-class column of held-out labelled data (not the training set), with --proba-cols: "
                "calibrates the probabilities for estimated performance."
            ),
        ),
    ] = None,
    features: Annotated[
        str | None,
        typer.Option(
            metavar="NAME[,NAME...]",
            help=(
                "Feature columns, comma-separated (default: every other numeric column); with logs, top-level "
                "fields read as features besides the features object."
            ),
        ),
    ] = None,
    from_logs: Annotated[
        bool,
        typer.Option(
            "--from-logs", help="Read DATA as service logs (implied by --since/--until, directories and *.log files)."
        ),
    ] = False,
    since: Since = None,
    until: Until = None,
    field: Field = None,
    max_malformed: MaxMalformed = "5%",
    quiet: Quiet = False,
) -> None:
    """Profile training data or a known-good window of logs into a reference JSON.

    \b
    Examples:
      mlmon reference build train.csv -o references/train.json
      mlmon reference build train.parquet --proba-cols p_A,p_B,p_C -o train.json
      mlmon reference build logs/ --since 14d --until 7d -o last-week.json
      mlmon reference build val.csv --proba-cols p_A,p_B --actual y -o r.json

    Exit codes: 0 the profile was written (a summary line on stderr; none with
    --quiet), 2 usage or input error, or the profile cannot be written.
    """
    from mlmon.api.reference import ReferenceBuildOptions, build_reference

    options = ReferenceBuildOptions(
        label=label,
        confidence=confidence,
        proba_cols=split_list(proba_cols) or None,
        features=split_list(features) or None,
        from_logs=from_logs,
        actual=actual,
        ingest=ingest_options(field, since, until, max_malformed),
    )
    profile = build_reference(data, output, options)
    stop_progress()
    if not quiet:
        shares = "  ".join(f"{k} {v:.1%}" for k, v in profile.class_shares.items())
        calibration = profile.calibration
        calibrated = (
            f"; calibrated on {calibration.rows:,} labelled rows (accuracy {calibration.accuracy:.1%})"
            if calibration is not None
            else ""
        )
        say_wrote(
            output,
            f"{profile.n_rows:,} rows, {len(profile.features)} features"
            + (f"; classes {shares}" if shares else "")
            + calibrated,
        )
