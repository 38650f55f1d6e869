"""``mlmon drift``. Threshold defaults come from the check registry; the config file's
``[rules.*]`` sit between a flag and the default (``mlmon.cli.settings``)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from mlmon.cli.boundary import finish, handle_errors
from mlmon.cli.options import Color, ConfigPath, Engine, Scheduler, Features, Field, Format, Logs, MaxMalformed, Output, Quiet, Since, Until, Window, ingest_options
from mlmon.cli.settings import FailOnSetting, command_settings, drift_options_from, fail_on_from, field_options, without_disabled
from mlmon.render import OutputFormat
from mlmon.units import split_list
from mlmon.verdicts.registry import ConfidenceThresholds, DriftThresholds

_DRIFT, _CONF = DriftThresholds(), ConfidenceThresholds()


def _threshold(help: str, default: float, key: str, rule: str) -> object:
    """A threshold flag: None when not given, so the config's rule can set it."""
    return typer.Option(metavar="NUMBER", help=f"{help} (default: {default:g}, or {key} in the config's {rule} rule).", show_default=False)


@handle_errors
def drift_command(
    logs: Logs,
    reference: Annotated[Optional[str], typer.Option("--reference", "-r", metavar="PATH", help="Reference profile JSON, or raw training data (CSV/Parquet/JSONL) profiled on the fly (also reference in the config, relative to the file, MLMON_REFERENCE).")] = None,
    window: Window = None,
    format: Format = OutputFormat.TERMINAL,
    output: Output = None,
    min_samples: Annotated[Optional[int], typer.Option(metavar="N", help=f"Windows with fewer predictions (or values of a feature) read 'insufficient data' (default: {_DRIFT.min_samples}, or min_samples in the config or its rules, MLMON_MIN_SAMPLES).", show_default=False)] = None,
    alpha: Annotated[Optional[float], _threshold("Significance level for chi-squared p after Benjamini-Hochberg", _DRIFT.alpha, "alpha", "prediction_drift")] = None,
    warning_psi: Annotated[Optional[float], _threshold("PSI at or above which a significant shift is a warning", _DRIFT.warning_psi, "warning", "prediction_drift")] = None,
    critical_psi: Annotated[Optional[float], _threshold("PSI at or above which a significant shift is critical", _DRIFT.critical_psi, "critical", "prediction_drift")] = None,
    confidence_drop: Annotated[Optional[float], _threshold("Fall of mean confidence (absolute) that counts as a collapse", _CONF.collapse_drop, "critical", "confidence_collapse")] = None,
    low_confidence: Annotated[Optional[float], _threshold("Threshold for the share of low-confidence predictions", _CONF.low_threshold, "low_confidence", "confidence_collapse")] = None,
    fail_on: FailOnSetting = None,
    label: Annotated[str, typer.Option(metavar="COLUMN", help="Label column of raw reference data.")] = "label",
    confidence: Annotated[Optional[str], typer.Option(metavar="COLUMN", help="Confidence column of raw reference data.")] = None,
    proba_cols: Annotated[Optional[str], typer.Option(metavar="COLUMN[,COLUMN...]", help="Probability columns of raw reference data, comma-separated.")] = None,
    since: Since = None,
    until: Until = None,
    field: Field = None,
    features: Features = None,
    max_malformed: MaxMalformed = "5%",
    config: ConfigPath = None,
    quiet: Quiet = False,
    engine: Engine = None,
    scheduler: Scheduler = None,
    color: Color = None,
) -> None:
    """Is the model now saying something different, or seeing different inputs? Class shares
    against a reference (PSI, chi-squared, Jensen-Shannon), confidence collapse, and data
    drift on every feature the reference profiles, per window.

    Reads reference, window, min_samples, fail_on, the fields table and the
    rules prediction_drift, confidence_collapse and feature_drift from the
    config file; a flag wins over MLMON_*, which wins over the file. A rule
    with enabled = false gives no findings.

    \b
    Examples:
      mlmon drift -r references/train.json logs/ --window 1d
      mlmon drift -r train.csv --proba-cols p_A,p_B logs/    # raw training data, profiled on the fly
      mlmon drift -r train.json val.jsonl --window all --format junit -o drift.xml

    \b
    Exit codes: 0 nothing at or above --fail-on, 1 drift or a confidence collapse,
    2 usage, config, input or reference error. With --format nagios: 0 ok,
    1 warning, 2 critical, 3 unknown, no checks, or an error.
    """
    from mlmon.api.drift import build_drift_report

    settings = command_settings(config, reference=reference, window=window, min_samples=min_samples, fail_on=fail_on)
    ingest = ingest_options(field_options(settings, field), since, until, max_malformed, split_list(features), engine=engine, scheduler=scheduler)
    thresholds = {"alpha": alpha, "warning_psi": warning_psi, "critical_psi": critical_psi, "confidence_drop": confidence_drop, "low_confidence": low_confidence}
    raw = {"reference_label": label, "reference_confidence": confidence, "reference_proba_cols": split_list(proba_cols) or None}
    options = drift_options_from(settings, ingest, reference, thresholds, raw)
    finish(without_disabled(build_drift_report(logs, options), settings), format, fail_on_from(settings), output, color)
