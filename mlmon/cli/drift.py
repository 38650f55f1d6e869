"""``mlmon drift``. Threshold defaults come from the check registry; the config file's
``[rules.*]`` sit between a flag and the default (``mlmon.cli.settings``)."""

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
    Window,
    ingest_options,
)
from mlmon.cli.required import required_checks
from mlmon.cli.settings import (
    FailOnSetting,
    command_settings,
    drift_options_from,
    fail_on_from,
    field_options,
    with_level_flags,
    without_disabled,
)
from mlmon.render import OutputFormat
from mlmon.units import split_list
from mlmon.verdicts.registry import ConfidenceThresholds, DriftThresholds

_DRIFT, _CONF = DriftThresholds(), ConfidenceThresholds()


def _threshold(help: str, default: float, key: str, rule: str) -> object:
    """A threshold flag: None when not given, so the config's rule (``[rules.<rule>]
    <key>``, named in docs/configuration.md) can set it."""
    return typer.Option(metavar="NUMBER", help=f"{help}.", show_default=f"{default:g}")


@handle_errors
def drift_command(
    logs: Logs,
    reference: Annotated[
        str | None,
        typer.Option(
            "--reference",
            "-r",
            metavar="PATH",
            help="Reference profile JSON, or raw training data (CSV/Parquet/JSONL) profiled on the fly.",
        ),
    ] = None,
    window: Window = None,
    format: Format = OutputFormat.TERMINAL,
    output: Output = None,
    min_samples: Annotated[
        str | None,
        typer.Option(
            metavar="N",
            help="Fewer predictions (or values of a feature) in a window read 'insufficient data'.",
            show_default=f"{_DRIFT.min_samples}",
        ),
    ] = None,
    alpha: Annotated[
        str | None,
        _threshold(
            "Significance level of chi-squared p, Benjamini-Hochberg adjusted",
            _DRIFT.alpha,
            "alpha",
            "prediction_drift",
        ),
    ] = None,
    warning_psi: Annotated[
        str | None,
        _threshold("PSI of a significant shift that warns", _DRIFT.warning_psi, "warning", "prediction_drift"),
    ] = None,
    critical_psi: Annotated[
        str | None,
        _threshold("PSI of a significant shift that is critical", _DRIFT.critical_psi, "critical", "prediction_drift"),
    ] = None,
    confidence_drop: Annotated[
        str | None,
        _threshold(
            "Fall of mean confidence that is a collapse", _CONF.collapse_drop, "critical", "confidence_collapse"
        ),
    ] = None,
    low_confidence: Annotated[
        str | None,
        _threshold(
            "Confidence below which a prediction counts as low",
            _CONF.low_threshold,
            "low_confidence",
            "confidence_collapse",
        ),
    ] = None,
    fail_on: FailOnSetting = None,
    label: Annotated[str, typer.Option(metavar="COLUMN", help="Label column of raw reference data.")] = "label",
    confidence: Annotated[
        str | None, typer.Option(metavar="COLUMN", help="Confidence column of raw reference data.")
    ] = None,
    proba_cols: Annotated[
        str | None,
        typer.Option(metavar="COLUMN[,COLUMN...]", help="Probability columns of raw reference data, comma-separated."),
    ] = None,
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
    by: By = None,
    color: Color = None,
) -> None:
    """Is the model now saying something different, or seeing different inputs? Class shares
    against a reference (PSI, chi-squared, Jensen-Shannon), confidence collapse, and data
    drift on every feature the reference profiles, per window.

    \b
    Examples:
      mlmon drift -r references/train.json logs/ --window 1d
      # raw training data, profiled on the fly:
      mlmon drift -r train.csv --proba-cols p_A,p_B logs/ --window 1d
      mlmon drift -r train.json val.jsonl --window all -f junit -o drift.xml

    Exit codes: 0 nothing at or above --fail-on, 1 drift or a confidence collapse, 2 usage,
    config, input or reference error. With --format nagios: 0 ok, 1 warning, 2 critical,
    3 unknown, no checks, or an error.

    The config file sets reference, window, min_samples, fail_on, [fields] and the
    thresholds of the rules prediction_drift, confidence_collapse and feature_drift (one
    with enabled = false gives no findings, unless a flag sets one of its levels); a flag
    wins over MLMON_* (MLMON_REFERENCE, MLMON_WINDOW...), which wins over the file.
    """
    from mlmon.api.drift import build_drift_report

    thresholds = {
        "alpha": alpha,
        "warning_psi": warning_psi,
        "critical_psi": critical_psi,
        "confidence_drop": confidence_drop,
        "low_confidence": low_confidence,
    }
    settings = command_settings(config, reference=reference, window=window, min_samples=min_samples, fail_on=fail_on)
    settings = with_level_flags(settings, thresholds)  # a level flag turns its rule on: flags win over enabled = false
    read = (field_options(settings, field), since, until, max_malformed, split_list(features))
    ingest = ingest_options(*read, engine=engine, scheduler=scheduler, envelope=envelope, by=by)
    raw = {
        "reference_label": label,
        "reference_confidence": confidence,
        "reference_proba_cols": split_list(proba_cols) or None,
    }
    options = drift_options_from(settings, ingest, reference, thresholds, raw)
    required = required_checks(
        settings,
        features_named=bool(ingest.features),
        confidence_flags=confidence_drop is not None or low_confidence is not None,
    )
    finish(
        without_disabled(build_drift_report(logs, options, required=required), settings),
        format,
        fail_on_from(settings),
        output,
        color,
        quiet,
    )
