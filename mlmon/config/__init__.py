"""Config room: ``mlmon.toml`` or ``[tool.mlmon]`` in ``pyproject.toml`` → frozen settings,
each value carrying its source (flag, environment, file or default).

``specs`` holds the config's option specs (kind, bounds and reason, flag, config key,
default; :mod:`mlmon.options` makes them) and :func:`~mlmon.config.specs.parse_rule`, which
the CLI's parsers and the Python API's options classes use too, so all three accept and
refuse the same values with the same reason; ``schema`` holds the settings' dataclasses;
``load`` finds the file, reads it with ``tomllib`` and merges flags, ``MLMON_*`` variables,
the file and the defaults (:func:`resolve_settings`), each value through its spec. A
leaf-level room: plain Python and tomllib; it may import ``mlmon.errors``, ``mlmon.units``,
``mlmon.options``, ``mlmon.windows`` and ``mlmon.verdicts.registry`` only, never polars,
ingest, api, render or cli.
"""

from __future__ import annotations

from mlmon.config.load import (
    CONFIG_ENV,
    ConfigFile,
    env_name,
    find_config,
    load_settings,
    resolve_settings,
)
from mlmon.config.schema import (
    RULES,
    TOP_LEVEL,
    ConfigFileError,
    RuleSettings,
    Setting,
    Settings,
    settings_lines,
)

__all__ = [
    "CONFIG_ENV",
    "RULES",
    "TOP_LEVEL",
    "ConfigFile",
    "ConfigFileError",
    "RuleSettings",
    "Setting",
    "Settings",
    "env_name",
    "find_config",
    "load_settings",
    "resolve_settings",
    "settings_lines",
]
