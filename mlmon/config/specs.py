"""The config's options: its top-level keys (each also a flag and ``MLMON_<KEY>``), every
``[rules.NAME]`` table's keys, and the Python API's threshold fields, each one
:class:`~mlmon.options.OptionSpec` (kind, bounds and reason, flag, config key, default) that
the CLI's parsers (``mlmon.cli.options``, ``mlmon.cli.settings``), the config loader
(``mlmon.config.load``) and the options classes (``ReportOptions`` ...) share, and
:func:`parse_rule`, the one reading of a rule's table (the config file's and
``CheckOptions``' rules). The specs themselves and the functions that check with them are
the leaf :mod:`mlmon.options`, which ingest uses too; ``since``/``until``/``now`` are
specified in :mod:`mlmon.ingest.time_options`: reading a timestamp needs polars.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from mlmon.errors import UsageError
from mlmon.options import RATIO, OptionError, OptionSpec, OptionTypeError, check_levels, show_level
from mlmon.units import BadValue, Choice, Count, Duration, Flag, Kind, Latency, Names, Number, Text, wrong_type
from mlmon.verdicts.registry import AccuracyThresholds, ConfidenceThresholds, DriftThresholds, FeatureDriftThresholds
from mlmon.windows import WindowSpec, parse_window


class WindowKind(Kind):
    """``--window``: a duration (``"1h"``, a ``timedelta``), a record count (``"10000"``, an
    int) or the whole range (``"all"``); a ``WindowSpec`` is checked and kept as it is."""

    expected = "a window such as 1h, 10000 or all"

    def from_text(self, text: str) -> WindowSpec:
        try:
            return parse_window(text)
        except UsageError as error:
            raise BadValue(str(error)) from None

    def from_value(self, value: Any) -> WindowSpec:
        if isinstance(value, WindowSpec):
            if value.duration is not None and value.records is not None:
                raise BadValue("a window is a duration or a record count, not both", wrong_type=True)
            if value.duration is not None:
                self.from_value(value.duration)
            if value.records is not None:
                self.from_value(value.records)
            return value
        if isinstance(value, timedelta):
            return WindowSpec(duration=cast(timedelta, Duration().from_value(value)))  # seconds=False: a timedelta
        if isinstance(value, int) and not isinstance(value, bool):
            return self.from_text(str(value))
        raise wrong_type(self.expected, value)


class PathKind(Kind):
    """A file: a string or an ``os.PathLike``."""

    expected = "a path (str or os.PathLike)"

    def from_text(self, text: str) -> str:
        if not text.strip():
            raise BadValue("must not be empty")
        return text

    def from_value(self, value: Any) -> Any:
        if not isinstance(value, os.PathLike):
            raise wrong_type(self.expected, value)
        return value


_DRIFT, _FEATURE, _CONF = DriftThresholds(), FeatureDriftThresholds(), ConfidenceThresholds()
FAIL_ON_VALUES = ("warning", "critical")
EXIT_ON_VALUES = ("last", "any")

LATENCY, DURATION, WINDOW_KIND = Latency(), Duration(), WindowKind()
SILENCE = Duration(numbers=True)
"""``no_data``'s levels: a duration, or a number of seconds (``CheckRules``' unit)."""
ALPHA_KIND = Number(0.0, 1.0, "must be between 0 and 1 (exclusive)", low_open=True, percent=True)
PSI_KIND = Number(0.0, None, "must be 0 or more")
"""A PSI level; ``inf``: never reached (a rule without that tier)."""
BELOW_ONE = Number(0.0, 1.0, "must be at least 0 and below 1", percent=True)
DROP_KIND = Number(0.0, 1.0, "must be at least 0 and below 1 (inf: no collapse tier)", percent=True, inf_ok=True)
SHARE_KIND = Number(0.0, 1.0, "must be above 0 and at most 1", low_open=True, high_open=False, percent=True)

# --- top-level settings: a flag, MLMON_<KEY>, the config file ------------------------------------
REFERENCE = OptionSpec(PathKind(), "--reference", "reference", optional=True)
WINDOW = OptionSpec(WINDOW_KIND, "--window", "window")
MIN_SAMPLES = OptionSpec(Count(1), "--min-samples", "min_samples", _DRIFT.min_samples)
FAIL_ON = OptionSpec(Choice(FAIL_ON_VALUES), "--fail-on", "fail_on", "critical")
MAX_SILENCE = OptionSpec(DURATION, "--max-silence", "max_silence", optional=True)
EXIT_ON = OptionSpec(Choice(EXIT_ON_VALUES), "--exit-on", "exit_on", "last")

TOP_LEVEL: dict[str, OptionSpec] = {
    cast(str, s.config): s for s in (REFERENCE, WINDOW, MIN_SAMPLES, FAIL_ON, MAX_SILENCE, EXIT_ON)
}
"""The config's top-level keys, in ``config show`` order; each may come from a flag or ``MLMON_<KEY>``."""

# --- rules: [rules.NAME] in the file; some keys also have a flag ---------------------------------
P99_BUDGET = OptionSpec(LATENCY, "--p99-budget", "rules.latency_p99.critical", optional=True)
P99_WARNING = OptionSpec(LATENCY, None, "rules.latency_p99.warning", optional=True)
MAX_ERROR_RATE = OptionSpec(RATIO, "--max-error-rate", "rules.error_rate.critical", optional=True)
WARNING_ERROR_RATE = OptionSpec(RATIO, None, "rules.error_rate.warning", optional=True)
WARNING_PSI = OptionSpec(PSI_KIND, "--warning-psi", "rules.prediction_drift.warning", _DRIFT.warning_psi)
CRITICAL_PSI = OptionSpec(PSI_KIND, "--critical-psi", "rules.prediction_drift.critical", _DRIFT.critical_psi)
ALPHA = OptionSpec(ALPHA_KIND, "--alpha", "rules.prediction_drift.alpha", _DRIFT.alpha)
DRIFT_MIN_SAMPLES = OptionSpec(Count(1), None, "rules.prediction_drift.min_samples", _DRIFT.min_samples)
CONFIDENCE_DROP = OptionSpec(DROP_KIND, "--confidence-drop", "rules.confidence_collapse.critical", _CONF.collapse_drop)
WARNING_DROP = OptionSpec(DROP_KIND, None, "rules.confidence_collapse.warning", _CONF.warning_drop, optional=True)
LOW_CONFIDENCE = OptionSpec(
    BELOW_ONE, "--low-confidence", "rules.confidence_collapse.low_confidence", _CONF.low_threshold
)
FEATURE_WARNING_PSI = OptionSpec(PSI_KIND, None, "rules.feature_drift.warning", _FEATURE.warning_psi)
FEATURE_CRITICAL_PSI = OptionSpec(PSI_KIND, None, "rules.feature_drift.critical", _FEATURE.critical_psi)
FEATURE_ALPHA = OptionSpec(ALPHA_KIND, None, "rules.feature_drift.alpha", _FEATURE.alpha)
FEATURE_MIN_SAMPLES = OptionSpec(Count(1), None, "rules.feature_drift.min_samples", _FEATURE.min_samples)
DRIFT_SHARE = OptionSpec(SHARE_KIND, None, "rules.feature_drift.drift_share", 0.5)
"""Share of judged features that must drift for the inputs as a whole to drift: Evidently's
``drift_share`` default (``CheckRules.drift_share``)."""
_ACCURACY = AccuracyThresholds()
ACCURACY_WARNING = OptionSpec(RATIO, None, "rules.accuracy.warning", optional=True)
ACCURACY_CRITICAL = OptionSpec(RATIO, None, "rules.accuracy.critical", optional=True)
CALIBRATION_WARNING = OptionSpec(RATIO, None, "rules.calibration_error.warning", optional=True)
CALIBRATION_CRITICAL = OptionSpec(RATIO, None, "rules.calibration_error.critical", optional=True)
LABEL_COVERAGE_WARNING = OptionSpec(RATIO, None, "rules.label_coverage.warning", optional=True)
LABEL_COVERAGE_CRITICAL = OptionSpec(RATIO, None, "rules.label_coverage.critical", optional=True)
LABEL_DELAY = OptionSpec(DURATION, None, "rules.label_coverage.delay", timedelta(days=1))
"""How long after a window ends its labels should have arrived: ``label_coverage`` judges
only windows that ended at least this long before the time of the run."""
ESTIMATED_WARNING = OptionSpec(RATIO, None, "rules.estimated_accuracy.warning", optional=True)
ESTIMATED_CRITICAL = OptionSpec(RATIO, None, "rules.estimated_accuracy.critical", optional=True)
GAP_WARNING = OptionSpec(RATIO, None, "rules.estimate_gap.warning", optional=True)
GAP_CRITICAL = OptionSpec(RATIO, None, "rules.estimate_gap.critical", optional=True)
"""``estimate_gap``'s levels: the largest |estimated - realized accuracy| (a fraction)."""


def maturity_keys(rule: str) -> tuple[tuple[str, OptionSpec], ...]:
    """``min_coverage`` and ``min_labelled`` of a label rule: when a window has enough labels to judge."""
    return (
        ("min_coverage", OptionSpec(RATIO, None, f"rules.{rule}.min_coverage", _ACCURACY.min_coverage)),
        ("min_labelled", OptionSpec(Count(1), None, f"rules.{rule}.min_labelled", _ACCURACY.min_labelled)),
    )


NO_DATA_WARNING = OptionSpec(SILENCE, None, "rules.no_data.warning", optional=True)
NO_DATA_CRITICAL = OptionSpec(SILENCE, None, "rules.no_data.critical", optional=True)
"""``max_silence`` (``--max-silence``), when set, replaces it."""


@dataclass(frozen=True)
class RuleSpec:
    """What ``[rules.NAME]`` accepts: its two levels and its extra keys."""

    warning: OptionSpec
    """The warning level (in the rule's unit)."""
    critical: OptionSpec
    """The critical level."""
    extras: tuple[tuple[str, OptionSpec], ...] = ()
    """(key, spec) of the rule's extra keys, in ``config show`` order."""
    minimum: bool = False
    """The levels are minimums (a value below one breaches it): the warning level may not
    lie below the critical one."""


RULES: dict[str, RuleSpec] = {
    "latency_p99": RuleSpec(P99_WARNING, P99_BUDGET),
    "error_rate": RuleSpec(WARNING_ERROR_RATE, MAX_ERROR_RATE),
    "prediction_drift": RuleSpec(WARNING_PSI, CRITICAL_PSI, (("alpha", ALPHA), ("min_samples", DRIFT_MIN_SAMPLES))),
    "confidence_collapse": RuleSpec(WARNING_DROP, CONFIDENCE_DROP, (("low_confidence", LOW_CONFIDENCE),)),
    "feature_drift": RuleSpec(
        FEATURE_WARNING_PSI,
        FEATURE_CRITICAL_PSI,
        (("alpha", FEATURE_ALPHA), ("min_samples", FEATURE_MIN_SAMPLES), ("drift_share", DRIFT_SHARE)),
    ),
    "no_data": RuleSpec(NO_DATA_WARNING, NO_DATA_CRITICAL),
    "accuracy": RuleSpec(ACCURACY_WARNING, ACCURACY_CRITICAL, maturity_keys("accuracy"), minimum=True),
    "calibration_error": RuleSpec(CALIBRATION_WARNING, CALIBRATION_CRITICAL, maturity_keys("calibration_error")),
    "label_coverage": RuleSpec(
        LABEL_COVERAGE_WARNING, LABEL_COVERAGE_CRITICAL, (("delay", LABEL_DELAY),), minimum=True
    ),
    "estimated_accuracy": RuleSpec(ESTIMATED_WARNING, ESTIMATED_CRITICAL, minimum=True),
    "estimate_gap": RuleSpec(GAP_WARNING, GAP_CRITICAL, maturity_keys("estimate_gap")),
}
"""Every rule a config may set, with its unit and defaults (``mlmon.verdicts.registry``):
latency_p99 in ms (``"200ms"``, ``"0.2s"`` or a number of ms), error_rate a fraction
(``"1%"``), prediction_drift and feature_drift PSI (feature_drift's ``drift_share``: the
share of judged features at a tier for the inputs as a whole to be at it, Evidently's 0.5),
confidence_collapse an absolute fall of mean confidence, no_data a silence (duration)
after which the logs count as stopped; the label rules (issue 24, off until a level is
set): accuracy and label_coverage minimum fractions, calibration_error a maximum ECE;
with a calibrated reference (CBPE): estimated_accuracy minimum fractions, estimate_gap a
maximum |estimated - realized accuracy|."""


LEVELS = ("warning", "critical")
"""A rule's two levels, lowest first."""
COMMON_KEYS = ("enabled", *LEVELS, "for", "keep_firing_for")
"""Keys every ``[rules.NAME]`` accepts, before its extras."""


def rule_keys(name: str) -> dict[str, OptionSpec]:
    """Every key of ``[rules.NAME]`` with its spec: ``enabled``, ``warning``, ``critical``,
    ``for``, ``keep_firing_for``, then the rule's extras."""
    spec, where = RULES[name], f"rules.{name}"
    return {
        "enabled": OptionSpec(Flag(), None, f"{where}.enabled", True),
        "warning": spec.warning,
        "critical": spec.critical,
        "for": OptionSpec(Count(1), None, f"{where}.for", 1),
        "keep_firing_for": OptionSpec(Count(0), None, f"{where}.keep_firing_for", 0),
        **dict(spec.extras),
    }


def parse_rule(
    name: str,
    table: Mapping[str, Any],
    where: str,
    error: type[UsageError] | None = None,
    *,
    extras: bool = True,
) -> dict[str, Any]:
    """The values of ``[rules.NAME]`` given as ``table`` (the config file's table, or one of
    ``CheckOptions``' rules as one), key by key in :func:`rule_keys` order: each through its
    spec, ``WHERE.KEY`` in front of a refusal (``where``: ``mlmon.toml: rules.latency_p99``,
    ``rules.latency_p99``); a key ``table`` lacks takes its default, and None for a level is
    no level (no tier). An unknown key is refused, and so is a warning level above the
    critical one (:func:`~mlmon.options.check_levels`, each level shown as given, a default
    one marked). ``extras`` False: the keys every rule has only (``CheckRules`` holds the
    statistics elsewhere). ``error``: the class raised (default :class:`OptionError`, or
    :class:`OptionTypeError` for a wrong type or an unknown key)."""
    keys = rule_keys(name)
    if not extras:
        keys = {key: keys[key] for key in COMMON_KEYS}
    unknown = [key for key in table if key not in keys]
    if unknown:
        raise (error or OptionTypeError)(f"{where}.{unknown[0]}: unknown key (known: {', '.join(keys)})")
    values: dict[str, Any] = {}
    for key, spec in keys.items():
        if key not in table:
            values[key] = spec.default
        elif key in LEVELS and table[key] is None:
            values[key] = None
        else:
            values[key] = spec.parse(table[key], f"{where}.{key}", error)
    shown = [
        _shown(table.get(key), values[key]) if key in table else f"{show_level(values[key])} (default)"
        for key in LEVELS
    ]
    low, high = (1, 0) if RULES[name].minimum else (0, 1)  # minimums: critical may not exceed warning
    names = (LEVELS[low], LEVELS[high])
    shown_as = (shown[low], shown[high])
    check_levels(values[names[0]], values[names[1]], where, names=names, shown=shown_as, error=error or OptionError)
    return values


def _shown(given: Any, value: Any) -> str:
    """A level as the user wrote it (``"300ms"``), else as parsed (``900`` as ``15m``)."""
    return given.strip() if isinstance(given, str) else show_level(value)


# --- the commands' own options and the threshold classes' fields -------------------------------------
BY_VERSION = OptionSpec(Flag(), None, None, True)
LABELS_JOIN = OptionSpec(Flag(), "--labels-join", None, False)
LABEL = OptionSpec(Text(non_empty=True), "--label", None, "label")
REFERENCE_LABEL = OptionSpec(Text(non_empty=True), "--label", None, "label", optional=True)
"""``reference build``'s label column (None: for the code that reads the table to decide)."""
CONFIDENCE_COLUMN = OptionSpec(Text(non_empty=True), "--confidence", None, optional=True)
PROBA_COLS = OptionSpec(Names(), "--proba-cols", None, optional=True)
REFERENCE_ACTUAL = OptionSpec(Text(non_empty=True), "--actual", None, optional=True)
"""``reference build``'s true-class column: with it the profile holds a calibration (CBPE)."""
FEATURE_COLUMNS = OptionSpec(Names(), "--features", None, optional=True)
FROM_LOGS = OptionSpec(Flag(), "--from-logs", None, False)

FEATURE_THRESHOLDS: dict[str, OptionSpec] = {
    "min_samples": FEATURE_MIN_SAMPLES,
    "alpha": FEATURE_ALPHA,
    "warning_psi": FEATURE_WARNING_PSI,
    "critical_psi": FEATURE_CRITICAL_PSI,
    "warning_wasserstein": OptionSpec(Number(0.0, None, "must be 0 or more"), None, None, _FEATURE.warning_wasserstein),
    "warning_missing": OptionSpec(RATIO, None, None, _FEATURE.warning_missing),
    "critical_missing": OptionSpec(RATIO, None, None, _FEATURE.critical_missing),
    "epsilon": OptionSpec(
        Number(0.0, 1.0, "must be between 0 and 1 (exclusive)", low_open=True), None, None, _FEATURE.epsilon
    ),
}
"""``FeatureDriftThresholds``' fields (``DriftOptions.features``, ``CheckRules.features``)."""
DRIFT_THRESHOLDS: dict[str, OptionSpec] = {
    "min_samples": DRIFT_MIN_SAMPLES,
    "alpha": ALPHA,
    "warning_psi": WARNING_PSI,
    "critical_psi": CRITICAL_PSI,
    "epsilon": FEATURE_THRESHOLDS["epsilon"],
}
"""``DriftThresholds``' fields (``CheckRules.drift``)."""
CONFIDENCE_THRESHOLDS: dict[str, OptionSpec] = {
    "min_samples": DRIFT_MIN_SAMPLES,
    "low_threshold": LOW_CONFIDENCE,
    "collapse_drop": CONFIDENCE_DROP,
    "warning_drop": WARNING_DROP,
}
"""``ConfidenceThresholds``' fields (``CheckRules.confidence``)."""
