"""What a config may say: the settings' frozen dataclasses, each value with its source.

Which keys exist, what each accepts and its default are the option specs of
:mod:`mlmon.config.specs` (``TOP_LEVEL``, ``RULES``), shared with the CLI's flags and the
Python API's options classes; ``mlmon.config.load`` parses each value through its spec with
the file and the key path in front of the reason. Plain Python: no polars.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any, Generic, TypeVar

from mlmon.config.specs import EXIT_ON_VALUES, RULES, TOP_LEVEL  # noqa: F401 - RULES re-exported
from mlmon.errors import ConfigError, UsageError
from mlmon.units import show_duration, type_name
from mlmon.windows import WindowSpec

T = TypeVar("T")

EXIT_ON = EXIT_ON_VALUES
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

    def with_rules_on(self, given: Mapping[str, str]) -> Settings:
        """These settings with each rule of ``given`` (rule name → where one of its levels
        was given: ``flag --critical-psi``) on where the file had it off: a flag that sets a
        rule's level wins over the file's ``enabled = false``, as flags win everywhere."""
        rules = tuple(
            replace(r, enabled=Setting(True, given[r.name])) if r.name in given and not r.enabled.value else r
            for r in self.rules
        )
        return replace(self, rules=rules)

    def field_options(self) -> list[str]:
        """``[fields]`` as ``--field`` values (``NAME=PATH``), for ``parse_field_options``."""
        return [f"{name}={setting.value}" for name, setting in self.fields]


# --- validators: see mlmon.config.specs (one spec per option, shared with the CLI and the API) ---


def as_string(raw: Any) -> str:
    if not isinstance(raw, str):
        raise TypeError(f"expected a string, got {type_name(raw)} {raw!r}")
    return raw


FIELD_NAME = re.compile(r"[A-Za-z_][\w.]*")
"""Names accepted on the left of ``[fields]``. ``mlmon.ingest.fields.OVERRIDABLE`` holds the
exact list, but that module imports polars, so the exact check happens when a command
passes :meth:`Settings.field_options` to ``parse_field_options``."""


# --- the schema ------------------------------------------------------------------------------


TABLES = ("fields", "rules")
"""Top-level tables; file-only (no flag or environment variable sets them)."""


def show_value(value: Any) -> str:
    """A setting's value as ``config show`` prints it."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, WindowSpec):
        return "all" if value.is_whole else (str(value.records) if value.records else show_duration(value.duration))  # type: ignore[arg-type]
    if isinstance(value, timedelta):
        return show_duration(value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def settings_lines(settings: Settings) -> list[tuple[str, str, str]]:
    """(name, value, source) for every effective setting, rules included."""
    lines = [("config_file", show_value(settings.config_file), settings.config_source)]
    lines += [(key, show_value(getattr(settings, key).value), getattr(settings, key).source) for key in TOP_LEVEL]
    lines += [(f"fields.{name}", setting.value, setting.source) for name, setting in settings.fields]
    for rule in settings.rules:
        unit = "ms" if rule.name == "latency_p99" else ""
        named = [
            ("enabled", rule.enabled),
            ("warning", rule.warning),
            ("critical", rule.critical),
            ("for", rule.for_windows),
            ("keep_firing_for", rule.keep_firing_for),
            *rule.extras,
        ]
        for key, setting in named:
            shown = show_value(setting.value)
            if unit and key in {"warning", "critical"} and setting.value is not None:
                shown += unit
            lines.append((f"rules.{rule.name}.{key}", shown, setting.source))
    return lines
