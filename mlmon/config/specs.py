"""One spec per option: its kind (how text and typed values parse, the bounds, the reason a
bad value gets), its CLI flag, its config key and its default. The CLI's parsers
(``mlmon.cli.options``, ``mlmon.cli.settings``), the config loader (``mlmon.config.load``)
and every options class of the Python API (``ReportOptions`` ...) parse through the same
spec, so they accept the same values and refuse the same ones with the same reason; only
the name in front differs:

    --alpha 1.5: must be between 0 and 1 (exclusive)                         (flag)
    mlmon.toml: rules.prediction_drift.alpha 1.5: must be between 0 and 1 (exclusive)  (file)
    alpha (--alpha) 1.5: must be between 0 and 1 (exclusive)                  (Python field)

The Python API raises :class:`OptionError` (a ``ValueError`` and mlmon's ``UsageError``,
exit 2 at the CLI), or :class:`OptionTypeError` (also a ``TypeError``) for a value of a
type the option never takes or an unknown option name. ``since``/``until``/``now`` are
specified in :mod:`mlmon.ingest.time_options`: reading a timestamp needs polars.
"""

from __future__ import annotations

import difflib
import inspect
import os
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, fields, replace
from datetime import timedelta
from typing import Any, TypeVar

from mlmon.errors import UsageError
from mlmon.units import (
    BadValue, Choice, Count, Duration, Flag, Kind, Latency, Names, Number, Ratio, Text, show_number, type_name, wrong_type,
)
from mlmon.verdicts.registry import ConfidenceThresholds, DriftThresholds, FeatureDriftThresholds
from mlmon.windows import WindowSpec, parse_window

T = TypeVar("T")


class OptionError(UsageError, ValueError):
    """An option's value is refused: the message names the option (the flag, config key or
    field) and the value, and says why. Exit code 2 at the CLI."""


class OptionTypeError(OptionError, TypeError):
    """An option's value is of a type it never takes, or an option name is unknown."""


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
            return WindowSpec(duration=Duration().from_value(value))
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


@dataclass(frozen=True)
class OptionSpec:
    """One option, wherever it is set."""

    kind: Kind
    """How its text and typed values parse, its bounds and its reasons."""
    flag: str | None = None
    """The CLI flag (``--alpha``); None: no flag sets it."""
    config: str | None = None
    """The config key path (``rules.prediction_drift.alpha``); None: not in the config."""
    default: Any = None
    """The default value (None: not set, or set by the code that uses it)."""
    optional: bool = False
    """None is a value (no level, not set): kept as it is instead of meaning the default."""

    def parse(self, value: Any, where: str, error: type[UsageError] | None = None) -> Any:
        """``value`` (the CLI's text or a typed value) as the typed value, or ``error``
        (default :class:`OptionError`, :class:`OptionTypeError` for a wrong type) whose
        message starts with ``where``: ``--alpha 1.5: must be between 0 and 1 (exclusive)``."""
        if value is None and self.optional:
            return None
        try:
            return self.kind.parse(value)
        except BadValue as bad:
            cls = error or (OptionTypeError if bad.wrong_type else OptionError)
            raise cls(bad.message(where)) from None

    def named(self, field: str) -> str:
        """How the Python API names it: the field, then the flag or config key users know
        (``alpha (--alpha)``, ``p99_warning_ms (rules.latency_p99.warning)``)."""
        also = self.flag or self.config
        return f"{field} ({also})" if also and also != field else field


def _spec(kind: Kind, flag: str | None, config: str | None, default: Any = None, optional: bool = False) -> OptionSpec:
    return OptionSpec(kind, flag, config, default, optional)


_DRIFT, _FEATURE, _CONF = DriftThresholds(), FeatureDriftThresholds(), ConfidenceThresholds()
FAIL_ON_VALUES = ("warning", "critical")
EXIT_ON_VALUES = ("last", "any")
ENGINES = ("local", "dask")

RATIO, LATENCY, DURATION, WINDOW_KIND = Ratio(), Latency(), Duration(), WindowKind()
ALPHA_KIND = Number(0.0, 1.0, "must be between 0 and 1 (exclusive)", low_open=True, percent=True)
PSI_KIND = Number(0.0, None, "must be 0 or more")
"""A PSI level; ``inf``: never reached (a rule without that tier)."""
BELOW_ONE = Number(0.0, 1.0, "must be at least 0 and below 1", percent=True)
DROP_KIND = Number(0.0, 1.0, "must be at least 0 and below 1 (inf: no collapse tier)", percent=True, inf_ok=True)
SHARE_KIND = Number(0.0, 1.0, "must be above 0 and at most 1", low_open=True, high_open=False, percent=True)
FRACTION = Number(0.0, 1.0, "must be between 0 and 1", high_open=False, percent=True)
POSITIVE = Number(0.0, None, "must be above 0", low_open=True)

# --- top-level settings: a flag, MLMON_<KEY>, the config file ------------------------------------
REFERENCE = _spec(PathKind(), "--reference", "reference", optional=True)
WINDOW = _spec(WINDOW_KIND, "--window", "window")
MIN_SAMPLES = _spec(Count(1), "--min-samples", "min_samples", _DRIFT.min_samples)
FAIL_ON = _spec(Choice(FAIL_ON_VALUES), "--fail-on", "fail_on", "critical")
MAX_SILENCE = _spec(DURATION, "--max-silence", "max_silence", optional=True)
EXIT_ON = _spec(Choice(EXIT_ON_VALUES), "--exit-on", "exit_on", "last")

TOP_LEVEL: dict[str, OptionSpec] = {s.config: s for s in (REFERENCE, WINDOW, MIN_SAMPLES, FAIL_ON, MAX_SILENCE, EXIT_ON)}  # type: ignore[misc]
"""The config's top-level keys, in ``config show`` order; each may come from a flag or ``MLMON_<KEY>``."""

# --- rules: [rules.NAME] in the file; some keys also have a flag ---------------------------------
P99_BUDGET = _spec(LATENCY, "--p99-budget", "rules.latency_p99.critical", optional=True)
P99_WARNING = _spec(LATENCY, None, "rules.latency_p99.warning", optional=True)
MAX_ERROR_RATE = _spec(RATIO, "--max-error-rate", "rules.error_rate.critical", optional=True)
WARNING_ERROR_RATE = _spec(RATIO, None, "rules.error_rate.warning", optional=True)
WARNING_PSI = _spec(PSI_KIND, "--warning-psi", "rules.prediction_drift.warning", _DRIFT.warning_psi)
CRITICAL_PSI = _spec(PSI_KIND, "--critical-psi", "rules.prediction_drift.critical", _DRIFT.critical_psi)
ALPHA = _spec(ALPHA_KIND, "--alpha", "rules.prediction_drift.alpha", _DRIFT.alpha)
DRIFT_MIN_SAMPLES = _spec(Count(1), None, "rules.prediction_drift.min_samples", _DRIFT.min_samples)
CONFIDENCE_DROP = _spec(DROP_KIND, "--confidence-drop", "rules.confidence_collapse.critical", _CONF.collapse_drop)
WARNING_DROP = _spec(DROP_KIND, None, "rules.confidence_collapse.warning", _CONF.warning_drop, optional=True)
LOW_CONFIDENCE = _spec(BELOW_ONE, "--low-confidence", "rules.confidence_collapse.low_confidence", _CONF.low_threshold)
FEATURE_WARNING_PSI = _spec(PSI_KIND, None, "rules.feature_drift.warning", _FEATURE.warning_psi)
FEATURE_CRITICAL_PSI = _spec(PSI_KIND, None, "rules.feature_drift.critical", _FEATURE.critical_psi)
FEATURE_ALPHA = _spec(ALPHA_KIND, None, "rules.feature_drift.alpha", _FEATURE.alpha)
FEATURE_MIN_SAMPLES = _spec(Count(1), None, "rules.feature_drift.min_samples", _FEATURE.min_samples)
DRIFT_SHARE = _spec(SHARE_KIND, None, "rules.feature_drift.drift_share", 0.5)
NO_DATA_WARNING = _spec(DURATION, None, "rules.no_data.warning", optional=True)
NO_DATA_CRITICAL = _spec(DURATION, None, "rules.no_data.critical", optional=True)
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


RULES: dict[str, RuleSpec] = {
    "latency_p99": RuleSpec(P99_WARNING, P99_BUDGET),
    "error_rate": RuleSpec(WARNING_ERROR_RATE, MAX_ERROR_RATE),
    "prediction_drift": RuleSpec(WARNING_PSI, CRITICAL_PSI, (("alpha", ALPHA), ("min_samples", DRIFT_MIN_SAMPLES))),
    "confidence_collapse": RuleSpec(WARNING_DROP, CONFIDENCE_DROP, (("low_confidence", LOW_CONFIDENCE),)),
    "feature_drift": RuleSpec(
        FEATURE_WARNING_PSI, FEATURE_CRITICAL_PSI,
        (("alpha", FEATURE_ALPHA), ("min_samples", FEATURE_MIN_SAMPLES), ("drift_share", DRIFT_SHARE)),
    ),
    "no_data": RuleSpec(NO_DATA_WARNING, NO_DATA_CRITICAL),
}
"""Every rule a config may set, with its unit and defaults (``mlmon.verdicts.registry``):
latency_p99 in ms (``"200ms"``, ``"0.2s"`` or a number of ms), error_rate a fraction
(``"1%"``), prediction_drift and feature_drift PSI (feature_drift's ``drift_share``: the
share of judged features at a tier for the inputs as a whole to be at it, Evidently's 0.5),
confidence_collapse an absolute fall of mean confidence, no_data a silence (duration)
after which the logs count as stopped."""


def rule_keys(name: str) -> dict[str, OptionSpec]:
    """Every key of ``[rules.NAME]`` with its spec: ``enabled``, ``warning``, ``critical``,
    ``for``, ``keep_firing_for``, then the rule's extras."""
    spec, where = RULES[name], f"rules.{name}"
    return {
        "enabled": _spec(Flag(), None, f"{where}.enabled", True), "warning": spec.warning, "critical": spec.critical,
        "for": _spec(Count(1), None, f"{where}.for", 1), "keep_firing_for": _spec(Count(0), None, f"{where}.keep_firing_for", 0),
        **dict(spec.extras),
    }


# --- ingest, and the commands' own options ----------------------------------------------------------
MAX_MALFORMED = _spec(RATIO, "--max-malformed", None, 0.05)
ENGINE = _spec(Choice(ENGINES, noun="engine"), "--engine", None, "local")
SCHEDULER = _spec(Text(non_empty=True), "--scheduler", None, optional=True)
FEATURES = _spec(Names(), "--features", None, ())
CHUNK_BYTES = _spec(Count(1), None, None)
ALLOW_NO_RECORDS = _spec(Flag(), None, None, False)
BY_VERSION = _spec(Flag(), None, None, True)
LABEL = _spec(Text(non_empty=True), "--label", None, "label")
REFERENCE_LABEL = _spec(Text(non_empty=True), "--label", None, "label", optional=True)
"""``reference build``'s label column (None: for the code that reads the table to decide)."""
CONFIDENCE_COLUMN = _spec(Text(non_empty=True), "--confidence", None, optional=True)
PROBA_COLS = _spec(Names(), "--proba-cols", None, optional=True)
FEATURE_COLUMNS = _spec(Names(), "--features", None, optional=True)
FROM_LOGS = _spec(Flag(), "--from-logs", None, False)

FEATURE_THRESHOLDS: dict[str, OptionSpec] = {
    "min_samples": FEATURE_MIN_SAMPLES, "alpha": FEATURE_ALPHA, "warning_psi": FEATURE_WARNING_PSI,
    "critical_psi": FEATURE_CRITICAL_PSI,
    "warning_wasserstein": _spec(Number(0.0, None, "must be 0 or more"), None, None, _FEATURE.warning_wasserstein),
    "warning_missing": _spec(FRACTION, None, None, _FEATURE.warning_missing),
    "critical_missing": _spec(FRACTION, None, None, _FEATURE.critical_missing),
    "epsilon": _spec(Number(0.0, 1.0, "must be between 0 and 1 (exclusive)", low_open=True), None, None, _FEATURE.epsilon),
}
"""``FeatureDriftThresholds``' fields (``DriftOptions.features``, ``CheckRules.features``)."""
DRIFT_THRESHOLDS: dict[str, OptionSpec] = {
    "min_samples": DRIFT_MIN_SAMPLES, "alpha": ALPHA, "warning_psi": WARNING_PSI, "critical_psi": CRITICAL_PSI,
    "epsilon": FEATURE_THRESHOLDS["epsilon"],
}
"""``DriftThresholds``' fields (``CheckRules.drift``)."""
CONFIDENCE_THRESHOLDS: dict[str, OptionSpec] = {
    "min_samples": DRIFT_MIN_SAMPLES, "low_threshold": LOW_CONFIDENCE, "collapse_drop": CONFIDENCE_DROP,
    "warning_drop": WARNING_DROP,
}
"""``ConfidenceThresholds``' fields (``CheckRules.confidence``)."""


# --- options classes ------------------------------------------------------------------------------


def check_fields(options: Any, specs: Mapping[str, OptionSpec], prefix: str = "") -> None:
    """Parse every field of the frozen dataclass ``options`` named in ``specs``, in place:
    the CLI's text and typed values alike; None means the field's default unless the spec
    is optional. Raises :class:`OptionError` naming the field (``alpha (--alpha) 1.5: ...``)."""
    defaults = {f.name: f for f in fields(options)}
    for name, spec in specs.items():
        value = getattr(options, name)
        if value is None and not spec.optional:
            value = _default(defaults[name])
        object.__setattr__(options, name, spec.parse(value, spec.named(prefix + name)))


def _default(field: Any) -> Any:
    if field.default is not MISSING:
        return field.default
    return field.default_factory() if field.default_factory is not MISSING else None


def checked(value: T, specs: Mapping[str, OptionSpec], prefix: str) -> T:
    """A copy of the frozen dataclass ``value`` (a thresholds class) with every field in
    ``specs`` parsed and checked; messages name ``prefix.field``."""
    parsed = {name: spec.parse(getattr(value, name), spec.named(f"{prefix}.{name}")) for name, spec in specs.items()}
    return replace(value, **parsed) if any(parsed[n] is not getattr(value, n) for n in parsed) else value  # type: ignore[type-var]


def options_of(cls: type[T], value: Any, where: str = "options") -> T:
    """``value`` as a ``cls``: None is ``cls()``, a ``cls`` stays itself, a mapping is
    ``cls(**mapping)`` (``build_report(logs, {"window": "1d"})``); an unknown key, or any
    other type, is :class:`OptionTypeError` naming the options ``cls`` takes."""
    if value is None:
        return cls()
    if isinstance(value, cls):
        return value
    if not isinstance(value, Mapping):
        shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
        raise OptionTypeError(f"{where}: expected {cls.__name__} or a dict of its options, got {type_name(value)} {shown}")
    known = list(inspect.signature(cls).parameters)
    for key in value:
        if key not in known:
            close = difflib.get_close_matches(str(key), known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise OptionTypeError(f"{where}: {cls.__name__} has no option {key!r}{hint}; its options: {', '.join(known)}")
    return cls(**value)



def check_levels(warning: float | None, critical: float | None, warning_name: str, critical_name: str) -> None:
    """:class:`OptionError` when the critical level is below the warning level, as the CLI
    says it: ``--critical-psi 0.2 is below --warning-psi 0.3: critical must be at or above warning``."""
    if warning is not None and critical is not None and critical < warning:
        raise OptionError(
            f"{critical_name} {show_number(critical)} is below {warning_name} {show_number(warning)}: critical must be at or above warning"
        )
