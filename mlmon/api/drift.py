"""``mlmon drift``'s Python twin: prediction drift and confidence trend against a reference.

For example::

    build_drift_report("logs/", DriftOptions(reference="references/train.json", window="1d"))
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import polars as pl

from mlmon.analyses.class_drift import class_drift
from mlmon.analyses.group_result import GroupResult
from mlmon.analyses.predictions import PredictionWindow
from mlmon.api.coerce import Inputs, as_inputs, check_fields, check_levels, options_of
from mlmon.api.drift_inputs import default_required, require_drift_inputs
from mlmon.api.feature_drift import feature_result
from mlmon.api.inputs import open_inputs
from mlmon.api.reducers import Analysed, Analyses, analyse, analyse_records
from mlmon.api.results import DriftReport
from mlmon.config.specs import (
    ALPHA,
    BY_VERSION,
    CONFIDENCE_COLUMN,
    CONFIDENCE_DROP,
    CRITICAL_PSI,
    FEATURE_THRESHOLDS,
    LABEL,
    LOW_CONFIDENCE,
    MIN_SAMPLES,
    PROBA_COLS,
    REFERENCE,
    WARNING_DROP,
    WARNING_PSI,
    WINDOW,
)
from mlmon.ingest.options import IngestOptions
from mlmon.ingest.problems import IngestStats
from mlmon.reference.profile import ReferenceProfile
from mlmon.reference.store import load_reference
from mlmon.verdicts.confidence import confidence_findings, judge_confidence
from mlmon.verdicts.feature_drift import FeatureDriftResult, feature_drift_findings
from mlmon.verdicts.needs import not_found_reason
from mlmon.verdicts.prediction_drift import judge_prediction_drift, prediction_drift_findings
from mlmon.verdicts.registry import ConfidenceThresholds, DriftThresholds, FeatureDriftThresholds
from mlmon.windows import WHOLE_BY_DEFAULT, WindowSpec

_DRIFT, _CONF, _FEATURES = DriftThresholds(), ConfidenceThresholds(), FeatureDriftThresholds()


@dataclass(frozen=True)
class DriftOptions:
    """What to compare and how strictly. Threshold defaults come from the check registry."""

    reference: str | Path | None = None
    """A profile JSON, or raw training data (CSV/Parquet/JSONL) profiled on the fly."""
    reference_label: str = "label"
    """Label column of raw reference data."""
    reference_confidence: str | None = None
    """Confidence column of raw reference data (default: ``confidence``, else row max of the probabilities)."""
    reference_proba_cols: tuple[str, ...] | None = None
    """Probability columns of raw reference data (``"p_A,p_B"`` or a list)."""
    ingest: IngestOptions = field(default_factory=IngestOptions)
    """How to read the logs (the analysis asks for the columns it needs itself)."""
    window: WindowSpec = WHOLE_BY_DEFAULT
    """Windows to judge separately. A string such as ``"1d"`` or ``"10000"`` is parsed. Not
    set: the whole range, or the windows of the summaries read."""
    min_samples: int = _DRIFT.min_samples
    """Windows with fewer predictions read "insufficient data", never drift."""
    alpha: float = _DRIFT.alpha
    """Significance level for chi-squared p-values after Benjamini-Hochberg."""
    warning_psi: float = _DRIFT.warning_psi
    """PSI at or above which a significant shift is a warning."""
    critical_psi: float = _DRIFT.critical_psi
    """PSI at or above which a significant shift is critical."""
    low_confidence: float = _CONF.low_threshold
    """Confidence below this counts towards the "share below" column."""
    collapse_drop: float = _CONF.collapse_drop
    """A fall of mean confidence beyond this (absolute) is a collapse (``math.inf``: never)."""
    warning_drop: float | None = _CONF.warning_drop
    """A fall of mean confidence beyond this (absolute) is a warning (None: no warning tier)."""
    by_version: bool = True
    """Judge each model version separately."""
    features: FeatureDriftThresholds = _FEATURES
    """The data-drift rule (features are judged whenever the reference profiles some)."""

    def __post_init__(self) -> None:
        """Parse and check every field as the CLI does, through its option spec
        (:mod:`mlmon.config.specs`): ``window="1d"``, ``min_samples="200"``,
        ``alpha="0.1%"``, ``critical_psi="0.25"`` and typed values alike; ``ingest`` and
        ``features`` may be dicts. ``OptionError`` (a ``ValueError``) names the field and
        its flag: ``alpha (--alpha) 1.5: must be between 0 and 1 (exclusive)``. A warning
        level above its critical one (PSI, the fall of confidence, the features' PSI) is
        refused, as the config file refuses it."""
        object.__setattr__(self, "ingest", options_of(IngestOptions, self.ingest, "ingest"))
        features = options_of(FeatureDriftThresholds, self.features, "features")
        object.__setattr__(self, "features", check_fields(features, FEATURE_THRESHOLDS, "features.", copy=True))
        check_fields(self, DRIFT_OPTIONS)
        pairs = (
            (self, "", DRIFT_OPTIONS, "warning_psi", "critical_psi"),
            (self, "", DRIFT_OPTIONS, "warning_drop", "collapse_drop"),
            (self.features, "features.", FEATURE_THRESHOLDS, "warning_psi", "critical_psi"),
        )
        for owner, prefix, specs, warning, critical in pairs:  # as the config file's [rules.*]
            names = (specs[warning].named(prefix + warning), specs[critical].named(prefix + critical))
            check_levels(getattr(owner, warning), getattr(owner, critical), names=names)


DRIFT_OPTIONS = {
    "reference": REFERENCE,
    "reference_label": LABEL,
    "reference_confidence": CONFIDENCE_COLUMN,
    "reference_proba_cols": PROBA_COLS,
    "window": WINDOW,
    "min_samples": MIN_SAMPLES,
    "alpha": ALPHA,
    "warning_psi": WARNING_PSI,
    "critical_psi": CRITICAL_PSI,
    "low_confidence": LOW_CONFIDENCE,
    "collapse_drop": CONFIDENCE_DROP,
    "warning_drop": WARNING_DROP,
    "by_version": BY_VERSION,
}
"""``DriftOptions``' fields and their specs (the flags of ``mlmon drift``, the keys of
``[rules.prediction_drift]`` and ``[rules.confidence_collapse]``)."""


def build_drift_report(
    inputs: Inputs, options: DriftOptions | None = None, *, required: Collection[str] | None = None
) -> DriftReport:
    """Read the reference and the logs (a path, directory, glob or ``-``, or a sequence of
    them) and judge every window. Raises ``MlmonError``: ``MissingFieldError`` when a
    comparison in ``required`` (check names; None: feature drift with ``--features``) has
    no field to compare in any record, or the logs carry neither a label nor input
    features for a reference with class shares (``mlmon.api.drift_inputs``);
    ``ReferenceMismatchError`` when the reference shares no class and no feature with the logs."""
    options = options_of(DriftOptions, options)
    run = open_inputs(as_inputs(inputs), options.ingest)
    options = replace(options, window=run.window(options.window))
    reference = _load(options)
    # with class shares but no feature read: do the logs carry inputs all the same? (require_drift_inputs)
    carry = reference is not None and bool(reference.class_shares)
    asked_for = replace(prediction_analyses(options), reference=reference, note_inputs=carry, by=options.ingest.by)
    found = analyse(run, asked_for)
    features = feature_result(found.features, reference, options.features)
    asked = default_required(bool(options.ingest.features)) if required is None else required
    require_drift_inputs(reference, found.predictions, features, found.stats, asked, something=True)
    report = judge_drift(found.predictions, reference, options, found.stats, features)
    return _with_groups(report, found.groups, reference, options)


def _with_groups(
    report: DriftReport,
    groups: Sequence[GroupResult[Analysed]],
    reference: ReferenceProfile | None,
    options: DriftOptions,
) -> DriftReport:
    """``report`` with ``--by``'s groups judged as the whole run is (prediction drift and
    confidence; data drift is the whole run's), their findings added under the group's
    scope (``pod=a``, ``pod=a model_version=1.4.0``)."""
    if not groups:
        return report
    judged = tuple(
        GroupResult(g.by, g.values, judge_drift(g.result.predictions, reference, options, report.ingest))
        for g in groups
    )
    scoped = tuple(
        replace(f, scope=g.scope if f.scope == "all" else f"{g.scope} {f.scope}")
        for g in judged
        for f in g.result.findings
    )
    return replace(report, findings=(*report.findings, *scoped), groups=judged)


def drift_of_records(
    records: pl.DataFrame, reference: ReferenceProfile | None, options: DriftOptions | None = None
) -> DriftReport:
    """The same report for canonical records already in memory (``ts``, ``label`` and
    optionally ``model_version``, ``confidence``, ``probabilities``): one chunk's worth."""
    options = options_of(DriftOptions, options)
    stats = IngestStats((), (), records.height, records.height, 0, {}, ())
    windows = analyse_records(records, prediction_analyses(options), stats).predictions
    return judge_drift(windows, reference, options, stats)


def prediction_analyses(options: DriftOptions) -> Analyses:
    """The predictions ``drift`` reads, with ``options``' windows and low-confidence level."""
    return Analyses(
        options.window,
        predictions=True,
        by_version=options.by_version,
        low_confidence=options.low_confidence,
    )


def judge_drift(
    windows: tuple[PredictionWindow, ...],
    reference: ReferenceProfile | None,
    options: DriftOptions,
    stats: IngestStats,
    features: FeatureDriftResult | None = None,
) -> DriftReport:
    """Statistics per window against ``reference``, then the checks' verdicts (data drift's
    are made already: ``features``; None when the inputs were not read)."""
    shares = dict(reference.class_shares) if reference is not None else {}
    thresholds = DriftThresholds(options.min_samples, options.alpha, options.warning_psi, options.critical_psi)
    reason = None
    if reference is None:
        reason = "no reference profile (prediction drift compares class shares with one: use --reference)"
    elif not shares:
        reason = f"the reference profile ({reference.source or 'unnamed'}) has no class shares"
    elif not any(w.n for w in windows):
        reason = _outside_range(stats) or not_found_reason(stats, "label")
    drifts = [class_drift(w, shares, thresholds.epsilon) for w in windows]
    text = options.window.describe()
    prediction = judge_prediction_drift(windows, drifts, shares, reason, thresholds, text)
    conf_thresholds = ConfidenceThresholds(
        options.min_samples, options.low_confidence, options.collapse_drop, options.warning_drop
    )
    confidence = judge_confidence(windows, _reference_mean(reference), conf_thresholds, text)
    if not confidence.computable and _outside_range(stats):
        confidence = replace(confidence, reason=_outside_range(stats))
    elif (
        not confidence.computable
        and any(w.n for w in windows)
        and not stats.fields_found & {"confidence", "probabilities"}
    ):
        confidence = replace(confidence, reason=f"{confidence.reason}; {not_found_reason(stats, 'confidence')}")
    findings = (
        *prediction_drift_findings(prediction),
        *confidence_findings(confidence),
        *(feature_drift_findings(features) if features else ()),
    )
    return DriftReport(stats, reference, prediction, confidence, findings, features)


def _outside_range(stats: IngestStats) -> str | None:
    """Why nothing could be judged when every record lay outside ``--since``/``--until``
    (the logs have records, just none in the range), else None."""
    if stats.records or not stats.outside_time_range:
        return None
    return f"no record inside --since/--until ({stats.outside_time_range:,} outside it)"


def _load(options: DriftOptions) -> ReferenceProfile | None:
    if options.reference is None:
        return None
    proba = list(options.reference_proba_cols) if options.reference_proba_cols else None
    return load_reference(
        options.reference, label=options.reference_label, confidence=options.reference_confidence, proba_cols=proba
    )


def _reference_mean(reference: ReferenceProfile | None) -> float | None:
    summary = reference.confidence if reference is not None else None
    if summary is None or summary.count == 0 or not math.isfinite(summary.mean):
        return None
    return summary.mean
