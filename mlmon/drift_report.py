"""``mlmon drift``: prediction drift and confidence trend against a reference profile.

The Python twin of the command::

    build_drift_report(["logs/"], DriftOptions(reference="references/train.json", window=parse_window("1d")))
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from mlmon.drift import (
    COLUMNS,
    ConfidenceTrendResult,
    PredictionDriftResult,
    confidence_trend,
    prediction_drift,
    prediction_records,
)
from mlmon.findings import Finding
from mlmon.ingest import IngestOptions, IngestStats, read_logs
from mlmon.reference import ReferenceProfile, load_reference
from mlmon.windows import WindowSpec

DRIFT_SCHEMA_VERSION = 1


@dataclass(frozen=True)
class DriftOptions:
    """What to compare and how strictly."""

    reference: str | Path | None = None
    """A profile JSON, or raw training data (CSV/Parquet/JSONL) profiled on the fly."""
    reference_label: str = "label"
    """Label column of raw reference data."""
    reference_confidence: str | None = None
    """Confidence column of raw reference data (default: ``confidence``, else row max of the probabilities)."""
    reference_proba_cols: tuple[str, ...] | None = None
    """Probability columns of raw reference data."""
    ingest: IngestOptions = field(default_factory=lambda: IngestOptions(with_probabilities=True))
    """How to read the logs (probabilities are read for the entropy)."""
    window: WindowSpec = field(default_factory=WindowSpec)
    """Windows to judge separately."""
    min_samples: int = 200
    """Windows with fewer predictions read "insufficient data", never drift."""
    alpha: float = 0.001
    """Significance level for chi-squared p-values after Benjamini-Hochberg."""
    warning_psi: float = 0.01
    """PSI at or above which a significant shift is a warning."""
    critical_psi: float = 0.25
    """PSI at or above which a significant shift is critical."""
    low_confidence: float = 0.5
    """Confidence below this counts towards the "share below" column."""
    collapse_drop: float = 0.10
    """A fall of mean confidence beyond this (absolute) is a collapse."""


@dataclass(frozen=True)
class DriftReport:
    """Everything ``mlmon drift`` shows."""

    ingest: IngestStats
    """What was read and skipped."""
    reference: ReferenceProfile | None
    """The profile compared against (None: no reference given)."""
    prediction: PredictionDriftResult
    """Class shares against the reference, per version and window."""
    confidence: ConfidenceTrendResult
    """Confidence per window and collapse against the baseline."""
    findings: tuple[Finding, ...]
    """One finding per check and model version."""


def build_drift_report(inputs: list[str] | tuple[str, ...], options: DriftOptions | None = None) -> DriftReport:
    """Read the reference and the logs and judge every window. Raises ``MlmonError``."""
    options = options or DriftOptions()
    reference = None
    if options.reference is not None:
        reference = load_reference(
            options.reference,
            label=options.reference_label,
            confidence=options.reference_confidence,
            proba_cols=list(options.reference_proba_cols) if options.reference_proba_cols else None,
        )
    logs = read_logs(inputs, options.ingest, columns=COLUMNS, per_chunk=prediction_records)
    prediction = prediction_drift(
        logs.frame, reference, options.window, min_samples=options.min_samples, alpha=options.alpha,
        warning_psi=options.warning_psi, critical_psi=options.critical_psi,
    )
    confidence = confidence_trend(
        logs.frame, reference, options.window, low_threshold=options.low_confidence,
        collapse_drop=options.collapse_drop, min_samples=options.min_samples,
    )
    findings = (*prediction.findings(), *confidence.findings())
    return DriftReport(ingest=logs.stats, reference=reference, prediction=prediction, confidence=confidence, findings=findings)
