"""What a config may say: the settings' frozen dataclasses, each value with its source, and
the validators that turn TOML, environment and flag values into typed ones.

Every validator raises ``ValueError`` (or ``TypeError``) with a short reason; ``mlmon.config.load`` adds the
key path and the file and raises :class:`ConfigFileError`. Plain Python: no polars.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Generic, TypeVar

from mlmon.errors import ConfigError, MlmonError, UsageError
from mlmon.units import parse_duration, parse_latency_ms, parse_ratio
from mlmon.verdicts.registry import (
    ConfidenceThresholds,
    DriftThresholds,
    FeatureDriftThresholds,
)
from mlmon.windows import WindowSpec, parse_window

T = TypeVar("T")

FAIL_ON = ("warning", "critical")
"""Values of ``fail_on``: the lowest severity that makes the exit code 1."""
EXIT_ON = ("last", "any")
"""Values of ``exit_on``; the same as ``mlmon.verdicts.rules.ExitOn``'s."""
DEFAULT_SOURCE = "default"


class ConfigFileError(UsageError, ConfigError):
    """A config file, an ``MLMON_*`` variable or a flag holds an invalid value; the message
    names the file (or variable, or flag) and the key path. Exit code 2."""


@dataclass(frozen=True)
class Setting(Generic[T]):
    """One effective setting and where it came from."""

    value: T
    """The typed value (a ``Path``, ``WindowSpec``, ``timedelta``, number, string, or None)."""
    source: str
    """``flag``, ``env MLMON_X``, ``file PATH`` or ``default``."""


@dataclass(frozen=True)
class RuleSettings:
    """One ``[rules.NAME]`` table, every key resolved (file, else default)."""

    name: str
    """The rule: a ``Check`` name (``latency_p99`` ...) or ``no_data``."""
    enabled: Setting[bool]
    """False: the rule is not evaluated."""
    warning: Setting[Any]
    """Warning level in the rule's unit (ms, fraction, PSI, confidence drop, timedelta); None: no warning tier."""
    critical: Setting[Any]
    """Critical level in the same unit; None: no critical tier."""
    for_windows: Setting[int]
    """``for``: consecutive breaching windows before a tier fires (at least 1)."""
    keep_firing_for: Setting[int]
    """Windows a firing tier stays firing after it clears (at least 0)."""
    extras: tuple[tuple[str, Setting[Any]], ...] = ()
    """Per-rule extras (``alpha``, ``min_samples``, ``low_confidence``), in schema order."""

    def extra(self, key: str) -> Any:
        """The value of extra ``key``."""
        return dict(self.extras)[key].value


@dataclass(frozen=True)
class Settings:
    """Every effective setting. Top-level ones come from a flag, then the environment, then
    the config file, then the default; ``fields`` and ``rules`` come from the file only."""

    config_file: Path | None
    """The config file read; None when none was found."""
    reference: Setting[Path | None]
    """Reference profile; a file's path is resolved relative to the file's directory."""
    window: Setting[WindowSpec | None]
    """Window spec; None: each command's own default."""
    min_samples: Setting[int]
    """Fewer samples in a window: ``insufficient data``."""
    fail_on: Setting[str]
    """``warning`` or ``critical``: the lowest severity that makes the exit code 1."""
    max_silence: Setting[timedelta | None]
    """A last record older than this is critical (the logs stopped); None: not checked."""
    exit_on: Setting[str]
    """``last`` (firing now, cron) or ``any`` (fired anywhere, CI); see ``ExitOn``."""
    fields: tuple[tuple[str, Setting[str]], ...]
    """``[fields]``: canonical name → dotted JSON path, as ``--field NAME=PATH`` takes."""
    rules: tuple[RuleSettings, ...]
    """Every rule, in :data:`RULES` order."""
    config_source: str = "none found"
    """How the file was chosen: ``flag --config``, ``env MLMON_CONFIG``, ``found from CWD`` or ``none found``."""

    def rule(self, name: str) -> RuleSettings:
        """The settings of rule ``name``."""
        return next(r for r in self.rules if r.name == name)

    def field_options(self) -> list[str]:
        """``[fields]`` as ``--field`` values (``NAME=PATH``), for ``parse_field_options``."""
        return [f"{name}={setting.value}" for name, setting in self.fields]


# --- validators: raw value -> typed value, or ValueError with a short reason ---------------


def _reason(error: MlmonError) -> ValueError:
    return ValueError(str(error))


def as_string(raw: Any) -> str:
    if not isinstance(raw, str):
        raise TypeError(f"expected a string, got {_kind(raw)} {raw!r}")
    return raw


def as_bool(raw: Any) -> bool:
    if isinstance(raw, str) and raw.strip().lower() in {"true", "false", "1", "0", "yes", "no"}:
        return raw.strip().lower() in {"true", "1", "yes"}
    if not isinstance(raw, bool):
        raise TypeError(f"expected true or false, got {_kind(raw)} {raw!r}")
    return raw


def as_int(least: int) -> Callable[[Any], int]:
    def check(raw: Any) -> int:
        if isinstance(raw, str) and re.fullmatch(r"\s*-?\d+\s*", raw):
            raw = int(raw)
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise TypeError(f"expected a whole number, got {_kind(raw)} {raw!r}")
        if raw < least:
            raise ValueError(f"must be at least {least}, got {raw}")
        return raw

    return check


def as_number(low: float = 0.0, high: float | None = None, open_low: bool = False) -> Callable[[Any], float]:
    def check(raw: Any) -> float:
        if isinstance(raw, str):
            try:
                raw = float(raw)
            except ValueError:
                raise ValueError(f"expected a number, got {raw!r}") from None
        if isinstance(raw, bool) or not isinstance(raw, (int, float)):
            raise TypeError(f"expected a number, got {_kind(raw)} {raw!r}")
        if raw < low or (open_low and raw == low) or (high is not None and raw >= high):
            bounds = f"{'above' if open_low else 'at least'} {low:g}" + (f" and below {high:g}" if high is not None else "")
            raise ValueError(f"must be {bounds}, got {raw:g}")
        return float(raw)

    return check


def as_choice(choices: tuple[str, ...]) -> Callable[[Any], str]:
    def check(raw: Any) -> str:
        value = as_string(raw).strip().lower()
        if value not in choices:
            raise ValueError(f"expected {' or '.join(repr(c) for c in choices)}, got {raw!r}")
        return value

    return check


def as_duration(raw: Any) -> timedelta:
    if isinstance(raw, timedelta):
        return raw
    try:
        return parse_duration(as_string(raw))
    except MlmonError as error:
        raise _reason(error) from None


def as_latency_ms(raw: Any) -> float:
    """``"200ms"``, ``"0.2s"``, or a bare number of milliseconds."""
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return as_number()(raw)
    try:
        return parse_latency_ms(as_string(raw))
    except MlmonError as error:
        raise _reason(error) from None


def as_ratio(raw: Any) -> float:
    """``"1%"`` or a fraction such as ``0.01``."""
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        raw = str(raw)
    try:
        return parse_ratio(as_string(raw))
    except MlmonError as error:
        raise _reason(error) from None


def as_window(raw: Any) -> WindowSpec:
    """``"1h"``, ``"all"`` or a record count (a TOML integer or a string)."""
    if isinstance(raw, WindowSpec):
        return raw
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = str(raw)
    try:
        return parse_window(as_string(raw))
    except MlmonError as error:
        raise _reason(error) from None


FIELD_NAME = re.compile(r"[A-Za-z_][\w.]*")
"""Names accepted on the left of ``[fields]``. ``mlmon.ingest.fields.OVERRIDABLE`` holds the
exact list, but that module imports polars, so the exact check happens when a command
passes :meth:`Settings.field_options` to ``parse_field_options``."""


def _kind(raw: Any) -> str:
    return {bool: "a boolean", int: "an integer", float: "a number", str: "a string", list: "an array", dict: "a table"}.get(type(raw), type(raw).__name__)


# --- the schema ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleSpec:
    """What ``[rules.NAME]`` accepts."""

    level: Callable[[Any], Any]
    """Validator of ``warning`` and ``critical``."""
    warning: Any
    """Default warning level."""
    critical: Any
    """Default critical level."""
    extras: tuple[tuple[str, Callable[[Any], Any], Any], ...] = ()
    """(key, validator, default) of the rule's extra keys."""


_DRIFT, _FEATURE, _CONFIDENCE = DriftThresholds(), FeatureDriftThresholds(), ConfidenceThresholds()
_ALPHA = as_number(0.0, 1.0, open_low=True)
_PSI = as_number()

RULES: dict[str, RuleSpec] = {
    "latency_p99": RuleSpec(as_latency_ms, None, None),
    "error_rate": RuleSpec(as_ratio, None, None),
    "prediction_drift": RuleSpec(
        _PSI, _DRIFT.warning_psi, _DRIFT.critical_psi,
        (("alpha", _ALPHA, _DRIFT.alpha), ("min_samples", as_int(1), _DRIFT.min_samples)),
    ),
    "confidence_collapse": RuleSpec(
        as_number(0.0, 1.0), None, _CONFIDENCE.collapse_drop,
        (("low_confidence", as_number(0.0, 1.0), _CONFIDENCE.low_threshold),),
    ),
    "feature_drift": RuleSpec(
        _PSI, _FEATURE.warning_psi, _FEATURE.critical_psi,
        (("alpha", _ALPHA, _FEATURE.alpha), ("min_samples", as_int(1), _FEATURE.min_samples),
         ("drift_share", as_number(0.0, 1.0 + 1e-12, open_low=True), 0.5)),
    ),
    "no_data": RuleSpec(as_duration, None, None),
}
"""Every rule a config may set, with its unit and defaults (``mlmon.verdicts.registry``):
latency_p99 in ms (durations such as ``"200ms"``), error_rate a fraction (``"1%"``),
prediction_drift and feature_drift PSI (feature_drift's ``drift_share``: the share of
judged features at a tier for the inputs as a whole to be at it, Evidently's 0.5),
confidence_collapse an absolute fall of mean confidence, no_data a silence (duration)
after which the logs count as stopped."""

RULE_COMMON = ("enabled", "warning", "critical", "for", "keep_firing_for")
"""Keys every rule accepts, before its extras."""

TOP_LEVEL: dict[str, tuple[Callable[[Any], Any], Any]] = {
    "reference": (as_string, None),
    "window": (as_window, None),
    "min_samples": (as_int(1), _DRIFT.min_samples),
    "fail_on": (as_choice(FAIL_ON), "critical"),
    "max_silence": (as_duration, None),
    "exit_on": (as_choice(EXIT_ON), "last"),
}
"""Top-level keys: (validator, default). Each may also come from a flag or ``MLMON_<KEY>``."""

TABLES = ("fields", "rules")
"""Top-level tables; file-only (no flag or environment variable sets them)."""


def show_value(value: Any) -> str:
    """A setting's value as ``config show`` prints it."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, WindowSpec):
        return "all" if value.is_whole else (str(value.records) if value.records else _show_duration(value.duration))
    if isinstance(value, timedelta):
        return _show_duration(value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _show_duration(value: timedelta | None) -> str:
    micros = int(value / timedelta(microseconds=1)) if value is not None else 0
    for unit, size in (("w", 604800_000_000), ("d", 86400_000_000), ("h", 3600_000_000), ("m", 60_000_000), ("s", 1_000_000), ("ms", 1000)):
        if micros % size == 0:
            return f"{micros // size}{unit}"
    return f"{micros}us"


def settings_lines(settings: Settings) -> list[tuple[str, str, str]]:
    """(name, value, source) for every effective setting, rules included."""
    lines = [("config_file", show_value(settings.config_file), settings.config_source)]
    lines += [(key, show_value(getattr(settings, key).value), getattr(settings, key).source) for key in TOP_LEVEL]
    lines += [(f"fields.{name}", setting.value, setting.source) for name, setting in settings.fields]
    for rule in settings.rules:
        unit = "ms" if rule.name == "latency_p99" else ""
        named = [("enabled", rule.enabled), ("warning", rule.warning), ("critical", rule.critical),
                 ("for", rule.for_windows), ("keep_firing_for", rule.keep_firing_for), *rule.extras]
        for key, setting in named:
            shown = show_value(setting.value)
            if unit and key in {"warning", "critical"} and setting.value is not None:
                shown += unit
            lines.append((f"rules.{rule.name}.{key}", shown, setting.source))
    return lines
