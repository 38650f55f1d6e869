"""``mlmon check``'s rule book: every rule's levels and statistics (:class:`CheckRules`),
built from the config (:func:`rules_from_settings`), and the orchestration that turns one
read's numbers into one outcome per rule and scope (:func:`outcomes_of`)."""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from mlmon.api.drift_inputs import default_required, require_drift_inputs
from mlmon.api.results import DriftReport
from mlmon.config.specs import DRIFT_SHARE
from mlmon.errors import InputError, UsageError
from mlmon.plain import iso_utc
from mlmon.verdicts.alerting import AlertRule, Judged, RuleOutcome, decide, psi_levels
from mlmon.verdicts.check_series import (
    error_series,
    feature_series,
    latency_series,
    no_data_series,
    silence_severity,
    versioned_series,
)
from mlmon.verdicts.findings import Levels, Severity
from mlmon.verdicts.label_rules import (
    ESTIMATE_RULES,
    JOIN_RULES,
    LABEL_RULES,
    MINIMUM_RULES,
    LabelThresholds,
    label_series,
)
from mlmon.verdicts.needs import require_budget_inputs
from mlmon.verdicts.performance import Maturity
from mlmon.verdicts.registry import Check, ConfidenceThresholds, DriftThresholds, FeatureDriftThresholds
from mlmon.verdicts.rules import ExitOn, FiringRule

if TYPE_CHECKING:
    from mlmon.analyses.estimated import EstimatedWindow
    from mlmon.analyses.ops_types import OpsSummary, WindowOps
    from mlmon.analyses.performance import RealizedWindow
    from mlmon.analyses.predictions import PredictionWindow
    from mlmon.config.schema import Settings
    from mlmon.ingest.problems import IngestStats
    from mlmon.reference.profile import ReferenceProfile
    from mlmon.verdicts.feature_drift import FeatureDriftResult
    from mlmon.verdicts.prediction_drift import PredictionDriftResult

_DRIFT, _CONF, _FEATURES = DriftThresholds(), ConfidenceThresholds(), FeatureDriftThresholds()
NO_DATA = "no_data"


@dataclass(frozen=True)
class CheckRules:
    """Every rule of ``mlmon check``. Levels are in each rule's unit: milliseconds
    (``latency_p99``), a fraction (``error_rate``), PSI (the drift rules), an absolute fall
    of mean confidence (``confidence_collapse``), seconds of silence (``no_data``), fractions
    (the label rules: ``accuracy``, ``label_coverage`` and ``estimated_accuracy`` minimums,
    ``calibration_error`` a maximum ECE, ``estimate_gap`` a maximum |estimated - realized|)."""

    latency_p99: AlertRule = AlertRule()
    """p99 latency per window; no levels by default (the service sets its budget)."""
    error_rate: AlertRule = AlertRule()
    """Errors / requests per window; no levels by default."""
    prediction_drift: AlertRule = AlertRule(warning=_DRIFT.warning_psi, critical=_DRIFT.critical_psi)
    """PSI of class shares, significant by BH-adjusted chi-squared."""
    confidence_collapse: AlertRule = AlertRule(critical=_CONF.collapse_drop)
    """Fall of mean confidence from its baseline."""
    feature_drift: AlertRule = AlertRule(warning=_FEATURES.warning_psi, critical=_FEATURES.critical_psi)
    """PSI of each input feature, significant by BH-adjusted KS or chi-squared."""
    no_data: AlertRule = AlertRule()
    """Empty windows are critical; the levels are the age of the last record (seconds)."""
    accuracy: AlertRule = AlertRule()
    """Realized accuracy per mature window, judged on its Wilson interval; minimums, none by default."""
    calibration_error: AlertRule = AlertRule()
    """Expected calibration error per mature window; maximums, none by default."""
    label_coverage: AlertRule = AlertRule()
    """Labelled share of windows old enough (``labels.delay``); minimums, none by default."""
    estimated_accuracy: AlertRule = AlertRule()
    """CBPE's estimated accuracy per window (a calibrated reference); minimums, none by default."""
    estimate_gap: AlertRule = AlertRule()
    """|estimated - realized accuracy| per mature window with an estimate; maximums, none by default."""
    drift: DriftThresholds = _DRIFT
    """Prediction drift's ``alpha`` and ``min_samples`` (its PSI levels come from the rule)."""
    confidence: ConfidenceThresholds = _CONF
    """Confidence's ``min_samples`` and ``low_threshold`` (its levels come from the rule)."""
    features: FeatureDriftThresholds = _FEATURES
    """Feature drift's statistics (its PSI levels come from the rule)."""
    drift_share: float = DRIFT_SHARE.default
    """Share of judged features at a tier for the inputs as a whole to be at it."""
    labels: LabelThresholds = LabelThresholds()
    """The label rules' maturity and ``label_coverage``'s delay (their levels come from the rules)."""

    @property
    def label_rules(self) -> tuple[str, ...]:
        """The label rules that are on and have a level: when any is, check reads the label join."""
        return tuple(name for name in LABEL_RULES if getattr(self, name).enabled and getattr(self, name).has_levels)

    @property
    def reads_labels(self) -> bool:
        """A rule on reads the label join (every label rule but ``estimated_accuracy``)."""
        return any(name in JOIN_RULES for name in self.label_rules)

    @property
    def estimate_rules(self) -> tuple[str, ...]:
        """The rules on CBPE's estimates that are on: check's read adds the estimates."""
        return tuple(name for name in self.label_rules if name in ESTIMATE_RULES)

    @property
    def drift_thresholds(self) -> DriftThresholds:
        warning, critical = psi_levels(self.prediction_drift.warning, self.prediction_drift.critical)
        return replace(self.drift, warning_psi=warning, critical_psi=critical)

    @property
    def confidence_thresholds(self) -> ConfidenceThresholds:
        rule = self.confidence_collapse
        critical = rule.critical if rule.critical is not None else math.inf
        return replace(self.confidence, collapse_drop=critical, warning_drop=rule.warning)

    @property
    def feature_thresholds(self) -> FeatureDriftThresholds:
        warning, critical = psi_levels(self.feature_drift.warning, self.feature_drift.critical)
        return replace(self.features, warning_psi=warning, critical_psi=critical)


def rules_from_settings(settings: Settings) -> CheckRules:
    """The rule book a config describes (``mlmon.config``), every value already validated;
    ``max_silence`` is already ``[rules.no_data]``'s critical level there (and, from a flag
    or ``MLMON_MAX_SILENCE``, has turned the rule on: ``mlmon.config.load``)."""

    def rule(name: str, scale: float = 1.0) -> AlertRule:
        r = settings.rule(name)
        levels = [None if s.value is None else _scaled(s.value, scale) for s in (r.warning, r.critical)]
        return AlertRule(
            r.enabled.value, levels[0], levels[1], FiringRule(r.for_windows.value, r.keep_firing_for.value)
        )

    no_data = rule(NO_DATA)
    drift, conf, feat = (settings.rule(n) for n in ("prediction_drift", "confidence_collapse", "feature_drift"))
    accuracy, calibration = settings.rule("accuracy"), settings.rule("calibration_error")
    gap = settings.rule("estimate_gap")
    return CheckRules(
        latency_p99=rule("latency_p99"),
        error_rate=rule("error_rate"),
        prediction_drift=rule("prediction_drift"),
        confidence_collapse=rule("confidence_collapse"),
        feature_drift=rule("feature_drift"),
        no_data=no_data,
        drift=replace(_DRIFT, alpha=drift.extra("alpha"), min_samples=drift.extra("min_samples")),
        confidence=replace(_CONF, low_threshold=conf.extra("low_confidence"), min_samples=drift.extra("min_samples")),
        features=replace(_FEATURES, alpha=feat.extra("alpha"), min_samples=feat.extra("min_samples")),
        drift_share=feat.extra("drift_share"),
        accuracy=rule("accuracy"),
        calibration_error=rule("calibration_error"),
        label_coverage=rule("label_coverage"),
        estimated_accuracy=rule("estimated_accuracy"),
        estimate_gap=rule("estimate_gap"),
        labels=LabelThresholds(
            Maturity(accuracy.extra("min_coverage"), accuracy.extra("min_labelled")),
            Maturity(calibration.extra("min_coverage"), calibration.extra("min_labelled")),
            settings.rule("label_coverage").extra("delay"),
            Maturity(gap.extra("min_coverage"), gap.extra("min_labelled")),
        ),
    )


def _scaled(value: Any, scale: float) -> float:
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value) * scale


def outcomes_of(
    rules: CheckRules,
    op_windows: Sequence[tuple[str, Sequence[WindowOps]]],
    drift: DriftReport,
    starts: tuple[datetime | None, ...],
    options: Any,
    span: tuple[datetime, datetime] | None,
    last: datetime | None,
    now: datetime,
    realized: Sequence[RealizedWindow] | None = None,
    estimates: Sequence[EstimatedWindow] = (),
    group_drift: Sequence[tuple[str, DriftReport]] = (),
) -> tuple[tuple[RuleOutcome, ...], tuple[tuple[str, str], ...]]:
    """One outcome per rule and scope, in rule order, and the rules not evaluated (why).
    ``op_windows``: (scope, windows) of the whole input first, then of each model;
    ``realized``: the realized performance windows (None: the label join was not read);
    ``estimates``: CBPE's windows (empty: no estimate rule is on); ``group_drift``: (scope,
    drift) per ``--by`` group, whose prediction drift and confidence follow the run's."""
    exit_on, out, skipped = options.exit_on, [], []
    for name, rule in (("latency_p99", rules.latency_p99), ("error_rate", rules.error_rate)):
        if not rule.enabled or not rule.has_levels:
            skipped.append(
                (
                    name,
                    "disabled"
                    if not rule.enabled
                    else f"no level set: [rules.{name}] critical or warning in the config",
                )
            )
            continue
        series = latency_series if name == "latency_p99" else error_series
        show = "{:.1f} ms".format if name == "latency_p99" else "{:.2%}".format
        for scope, windows in op_windows:
            out.append(decide(name, scope, series(windows, starts, rule, scope), rule, exit_on, show))
    out += _drift_outcomes(rules, drift, starts, exit_on, skipped)
    out += _group_drift_outcomes(rules, group_drift, starts, exit_on)
    if rules.no_data.enabled:
        every = options.window.duration
        judged = no_data_series(op_windows[0][1], starts, every, span)
        out.append(_no_data(judged, rules.no_data, last, now, exit_on))
    else:
        skipped.append((NO_DATA, "disabled"))
    label_windows = (realized or (), estimates)
    out += _label_outcomes(rules, label_windows, starts, options.window.duration, now, exit_on, skipped)
    return tuple(out), tuple(skipped)


def _label_outcomes(
    rules: CheckRules,
    windows: tuple[Sequence[RealizedWindow], Sequence[EstimatedWindow]],
    starts: tuple[datetime | None, ...],
    every: Any,
    now: datetime,
    exit_on: Any,
    skipped: list,
) -> list[RuleOutcome]:
    """The label rules with a level set (the others say nothing: a run without them is as
    before issue 24); one outcome per version scope, unknown for ``all`` without predictions."""
    out: list[RuleOutcome] = []
    for name in LABEL_RULES:
        rule: AlertRule = getattr(rules, name)
        if not rule.has_levels:
            continue
        if not rule.enabled:
            skipped.append((name, "disabled"))
            continue
        show = "{:.3f}".format if name not in MINIMUM_RULES else "{:.1%}".format
        series = label_series(name, windows[0], starts, rule, rules.labels, now, every, windows[1])
        if not series:
            series = {"all": [Judged(None, Severity.UNKNOWN, None, "no predictions in the logs")]}
        for scope, judged in series.items():
            out.append(decide(name, scope, judged, rule, exit_on, show, minimum=name in MINIMUM_RULES))
    return out


def require_estimate_inputs(rules: CheckRules, reference: ReferenceProfile | None, source: object) -> None:
    """Exit 2, one line, for an estimate rule on without a reference (``UsageError``) or
    with one that has no calibration (``InputError``): CBPE needs a reference built from
    held-out labelled data with ``--actual``."""
    names = rules.estimate_rules
    if not names:
        return
    which = f"rule{'s' if len(names) > 1 else ''} {' and '.join(names)}"
    build = "mlmon reference build VALIDATION.csv --label ... --proba-cols ... --actual COLUMN"
    if reference is None:
        raise UsageError(
            f"{which}: CBPE needs a reference with a calibration: give --reference (config: reference) "
            f"built with {build}"
        )
    if reference.calibration is None:
        raise InputError(
            f"{source}: {which}: the reference has no calibration, so nothing can be estimated: build "
            f"it from held-out labelled data with {build}"
        )


def require_rule_inputs(
    rules: CheckRules,
    overall: OpsSummary,
    reference: ReferenceProfile | None,
    windows: Sequence[PredictionWindow],
    features: FeatureDriftResult | None,
    stats: IngestStats,
    required: Collection[str] | None,
    features_named: bool,
) -> None:
    """Exit 2 (``MissingFieldError``, ``ReferenceMismatchError``) for a configured rule that
    cannot be computed at all: a budget rule with levels whose field is in no record, or a
    drift comparison asked for (``required``; None: feature drift with ``--features``
    (``features_named``) while its rule is on) that has nothing to compare, or a reference
    that shares nothing with the logs. A budget rule without levels, or off, is not a
    gate: it is listed as not checked; a drift rule left at its defaults is judged where
    the logs allow, unknown where they do not (the CLI requires those whose levels the
    config sets, ``mlmon.cli.required``)."""
    latency, errors = rules.latency_p99, rules.error_rate
    require_budget_inputs(
        stats,
        overall,
        "rule latency_p99" if latency.enabled and latency.has_levels else None,
        "rule error_rate" if errors.enabled and errors.has_levels else None,
    )
    if required is None:
        required = default_required(features_named, rules.feature_drift.enabled)
    require_drift_inputs(reference, windows, features, stats, required)


def _drift_outcomes(
    rules: CheckRules, drift: DriftReport, starts: tuple, exit_on: Any, skipped: list
) -> list[RuleOutcome]:
    out: list[RuleOutcome] = []
    checks = (
        (Check.PREDICTION_DRIFT.value, rules.prediction_drift, drift.prediction, "psi", "{:.4f}".format),
        (Check.CONFIDENCE_COLLAPSE.value, rules.confidence_collapse, drift.confidence, "fall", "{:.3f}".format),
    )
    for name, rule, result, value, show in checks:
        if not rule.enabled:
            skipped.append((name, "disabled"))
        elif not result.computable or not result.windows:
            reason = result.reason or "no predictions in the logs"
            if name == Check.PREDICTION_DRIFT.value and _no_prediction(cast("PredictionDriftResult", result)):
                reason = f"no predictions in the logs ({result.reason})"
            out.append(decide(name, "all", [Judged(None, Severity.UNKNOWN, None, reason)], rule, exit_on))
        else:
            missing = "no predictions of this version in this window"
            for scope, judged in versioned_series(result.windows, starts, value, missing).items():
                out.append(decide(name, scope, judged, rule, exit_on, show))
    name, rule, features = Check.FEATURE_DRIFT.value, rules.feature_drift, drift.features
    if not rule.enabled:
        skipped.append((name, "disabled"))
    elif features is None or features.reason is not None:
        reason = features.reason if features is not None and features.reason is not None else "inputs not read"
        out.append(decide(name, "all", [Judged(None, Severity.UNKNOWN, None, reason)], rule, exit_on))
    else:
        for scope, judged in feature_series(features, starts, rules.drift_share).items():
            share_rule = (
                rule if scope != "all" else replace(rule, warning=rules.drift_share, critical=rules.drift_share)
            )
            out.append(
                decide(name, scope, judged, share_rule, exit_on, "{:.4f}".format if scope != "all" else "{:.0%}".format)
            )
    return out


def _group_drift_outcomes(
    rules: CheckRules, group_drift: Sequence[tuple[str, DriftReport]], starts: tuple, exit_on: Any
) -> list[RuleOutcome]:
    """Prediction drift and confidence per ``--by`` group, under the group's scope
    (``pod=a``, ``pod=a model_version=1.4.0``); data drift stays the run's."""
    quiet = replace(rules, feature_drift=replace(rules.feature_drift, enabled=False))
    return [
        replace(outcome, scope=scope if outcome.scope == "all" else f"{scope} {outcome.scope}")
        for scope, drift in group_drift
        for outcome in _drift_outcomes(quiet, drift, starts, exit_on, [])
    ]


def _no_prediction(result: PredictionDriftResult) -> bool:
    """Prediction drift had a reference with class shares and no prediction at all to
    compare with it: its reason says which field no record carries
    (``mlmon.api.drift.judge_drift``); any other reason is the reference's."""
    return result.reason is not None and bool(result.reference_shares) and not result.windows


def _no_data(judged: list[Judged], rule: AlertRule, last: datetime | None, now: datetime, exit_on: Any) -> RuleOutcome:
    """Empty windows through persistence, then the silence at ``now`` on top."""
    if not judged:
        judged = [Judged(None, Severity.CRITICAL, 0.0, "no records at all in the run's range")]
    outcome = decide(NO_DATA, "all", judged, replace(rule, warning=None, critical=None), exit_on)
    empty = [j for j in judged if j.severity is Severity.CRITICAL]
    if empty:
        first = "the whole run" if empty[0].start is None else iso_utc(empty[0].start)
        text = f"{len(empty)} of {len(judged)} window(s) hold no record, first from {first}"
        if outcome.fired and exit_on is ExitOn.LAST and len(judged) > 1:
            text += (
                "; firing now" if outcome.current.rank >= Severity.WARNING.rank else "; not firing now (records again)"
            )
    else:
        text = f"records in every window ({len(judged)})"
    outcome = replace(outcome, message=text)
    silence, why = silence_severity(last, now, rule)
    if silence is Severity.UNKNOWN:
        return outcome
    severity = max(outcome.severity, silence, key=lambda s: s.rank)
    threshold = rule.critical if silence is Severity.CRITICAL or rule.warning is None else rule.warning
    value = (now - last).total_seconds() if last is not None else None
    levels = Levels(rule.warning, rule.critical)
    return replace(
        outcome,
        severity=severity,
        message=f"{outcome.message}; {why}",
        value=value,
        threshold=threshold,
        unknown=None,
        levels=levels,
    )
