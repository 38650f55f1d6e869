"""``mlmon drift``. Threshold defaults come from the check registry."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from mlmon.cli.boundary import finish, handle_errors
from mlmon.cli.options import FailOn, Field, Format, Logs, Output, MaxMalformed, Since, Until, Window, ingest_options, parse_fail_on
from mlmon.render import OutputFormat
from mlmon.units import split_list
from mlmon.verdicts.registry import ConfidenceThresholds, DriftThresholds
from mlmon.windows import parse_window

_DRIFT, _CONF = DriftThresholds(), ConfidenceThresholds()


@handle_errors
def drift_command(
    logs: Logs,
    reference: Annotated[Optional[str], typer.Option("--reference", "-r", help="Reference profile JSON, or raw training data (CSV/Parquet/JSONL) profiled on the fly.")] = None,
    window: Window = None,
    format: Format = OutputFormat.TERMINAL,
    output: Output = None,
    min_samples: Annotated[int, typer.Option(help="Windows with fewer predictions read 'insufficient data'.")] = _DRIFT.min_samples,
    alpha: Annotated[float, typer.Option(help="Significance level for chi-squared p after Benjamini-Hochberg.")] = _DRIFT.alpha,
    warning_psi: Annotated[float, typer.Option(help="PSI at or above which a significant shift is a warning.")] = _DRIFT.warning_psi,
    critical_psi: Annotated[float, typer.Option(help="PSI at or above which a significant shift is critical.")] = _DRIFT.critical_psi,
    confidence_drop: Annotated[float, typer.Option(help="Fall of mean confidence (absolute) that counts as a collapse.")] = _CONF.collapse_drop,
    low_confidence: Annotated[float, typer.Option(help="Threshold for the share of low-confidence predictions.")] = _CONF.low_threshold,
    fail_on: FailOn = "critical",
    label: Annotated[str, typer.Option(help="Label column of raw reference data.")] = "label",
    confidence: Annotated[Optional[str], typer.Option(help="Confidence column of raw reference data.")] = None,
    proba_cols: Annotated[Optional[str], typer.Option(help="Probability columns of raw reference data, comma-separated.")] = None,
    since: Since = None,
    until: Until = None,
    field: Field = None,
    features: Annotated[Optional[str], typer.Option("--features", help="Top-level log fields to read as input features too, comma-separated (the features object is always read).")] = None,
    max_malformed: MaxMalformed = "5%",
) -> None:
    """Is the model now saying something different, or seeing different inputs? Class shares
    against a reference (PSI, chi-squared, Jensen-Shannon), confidence collapse, and data
    drift on every feature the reference profiles, per window."""
    from mlmon.api.drift import DriftOptions, build_drift_report

    options = DriftOptions(
        reference=reference, reference_label=label, reference_confidence=confidence,
        reference_proba_cols=split_list(proba_cols) or None,
        ingest=ingest_options(field, since, until, max_malformed, split_list(features)),
        window=parse_window(window), min_samples=min_samples, alpha=alpha, warning_psi=warning_psi,
        critical_psi=critical_psi, low_confidence=low_confidence, collapse_drop=confidence_drop,
    )
    severity = parse_fail_on(fail_on)
    finish(build_drift_report(logs, options), format, severity, output)
