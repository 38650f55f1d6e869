"""Find the config file, read it with ``tomllib``, validate every key, and merge it with
flags and the environment into :class:`~mlmon.config.schema.Settings`.

Discovery: from the working directory up to the root, the first directory holding
``mlmon.toml`` (keys at top level) or a ``pyproject.toml`` with a ``[tool.mlmon]`` table;
``mlmon.toml`` wins when both are there. ``--config PATH`` (then ``MLMON_CONFIG``) replaces
the search, and a missing file named there is an error.

Precedence of a top-level setting: flag, then ``MLMON_<KEY>`` (``MLMON_REFERENCE``,
``MLMON_WINDOW``, ``MLMON_MIN_SAMPLES``, ``MLMON_FAIL_ON``, ``MLMON_MAX_SILENCE``,
``MLMON_EXIT_ON``), then the file, then the default. ``[fields]`` and ``[rules.*]`` are
file-only, but ``max_silence`` is ``[rules.no_data]``'s critical level, and from a flag or
``MLMON_MAX_SILENCE`` turns that rule on (a flag wins over ``enabled = false``; the level
flags of ``report`` and ``drift`` do the same, :func:`mlmon.cli.settings.with_level_flags`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from mlmon.config.schema import (
    DEFAULT_SOURCE,
    FIELD_NAME,
    RULES,
    TABLES,
    TOP_LEVEL,
    ConfigFileError,
    RuleSettings,
    Setting,
    Settings,
    as_string,
)
from mlmon.config.specs import MAX_SILENCE, parse_rule
from mlmon.options import OptionSpec, check_levels
from mlmon.units import show_duration

CONFIG_NAME = "mlmon.toml"
PYPROJECT = "pyproject.toml"
CONFIG_ENV = "MLMON_CONFIG"
NO_DATA = "no_data"


@dataclass(frozen=True)
class ConfigFile:
    """A config file's validated contents."""

    path: Path
    """The file."""
    shown: str
    """The file as messages and sources name it: as ``--config`` or ``MLMON_CONFIG`` gave it,
    else relative to the working directory when under it."""
    prefix: str
    """Key-path prefix in messages: ``""`` for mlmon.toml, ``"tool.mlmon."`` for pyproject.toml."""
    table: Mapping[str, Any]
    """The raw mlmon table."""

    @property
    def source(self) -> str:
        return f"file {self.shown}"

    def error(self, key: str, reason: object) -> ConfigFileError:
        return ConfigFileError(f"{self.shown}: {self.prefix}{key}: {reason}")


def env_name(key: str) -> str:
    """The environment variable of top-level ``key``: ``MLMON_MIN_SAMPLES``."""
    return f"MLMON_{key.upper()}"


def _shown(path: Path, cwd: Path) -> str:
    try:
        return str(path.resolve().relative_to(cwd.resolve()))
    except ValueError:
        return str(path)


def _read_toml(path: Path, shown: str) -> dict[str, Any]:
    import tomllib  # only when there is a file to read: a run without one never loads it

    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise ConfigFileError(f"{shown}: invalid TOML: {error}") from None
    except OSError as error:
        raise ConfigFileError(f"{shown}: cannot read the config file: {error.strerror or error}") from None


def _open(path: Path, cwd: Path, explicit: bool, named: str | None = None) -> ConfigFile | None:
    """The mlmon table of ``path``; None for a pyproject.toml without ``[tool.mlmon]``
    (an error when the file was named explicitly). Messages name the file as ``named``
    (``--config``, ``MLMON_CONFIG``: as given, an absolute path absolute), else relative
    to the working directory when under it."""
    shown = named if named is not None else _shown(path, cwd)
    data = _read_toml(path, shown)
    if path.name != PYPROJECT:
        return ConfigFile(path, shown, "", data)
    table = data.get("tool", {}).get("mlmon") if isinstance(data.get("tool"), dict) else None
    if table is None:
        if explicit:
            raise ConfigFileError(f"{shown}: no [tool.mlmon] table")
        return None
    if not isinstance(table, dict):
        raise ConfigFileError(f"{shown}: tool.mlmon: expected a table")
    return ConfigFile(path, shown, "tool.mlmon.", table)


def find_config(
    cwd: Path, config_path: str | None = None, env: Mapping[str, str] | None = None
) -> tuple[ConfigFile | None, str]:
    """The config file to read and how it was chosen: ``config_path`` (``--config``), else
    ``MLMON_CONFIG``, else the search upward from ``cwd``."""
    env = os.environ if env is None else env
    for named, how in ((config_path, "flag --config"), (env.get(CONFIG_ENV) or None, f"env {CONFIG_ENV}")):
        if named:
            path = Path(named) if Path(named).is_absolute() else cwd / named
            if not path.is_file():
                raise ConfigFileError(f"{how}: config file {named!r} not found")
            return _open(path, cwd, explicit=True, named=named), how
    for directory in (cwd, *cwd.parents):
        if (directory / CONFIG_NAME).is_file():
            return _open(directory / CONFIG_NAME, cwd, explicit=False), f"found from {cwd}"
        if (directory / PYPROJECT).is_file():
            found = _open(directory / PYPROJECT, cwd, explicit=False)
            if found is not None:
                return found, f"found from {cwd}"
    return None, "none found"


def _validate(file: ConfigFile, key: str, spec: OptionSpec, raw: Any) -> Any:
    """``raw`` through ``spec``; a refusal names the file and the key path."""
    return spec.parse(raw, f"{file.shown}: {file.prefix}{key}", ConfigFileError)


def _top_level(file: ConfigFile | None) -> dict[str, Setting[Any]]:
    """The file's top-level settings, validated; unknown keys are errors."""
    if file is None:
        return {}
    unknown = [k for k in file.table if k not in TOP_LEVEL and k not in TABLES]
    if unknown:
        raise file.error(unknown[0], f"unknown key (known: {', '.join([*TOP_LEVEL, *TABLES])})")
    found: dict[str, Setting[Any]] = {}
    for key, spec in TOP_LEVEL.items():
        if key in file.table:
            value = _validate(file, key, spec, file.table[key])
            if key == "reference":
                value = (file.path.parent / value).resolve()
            found[key] = Setting(value, file.source)
    return found


def _fields(file: ConfigFile | None) -> tuple[tuple[str, Setting[str]], ...]:
    if file is None or "fields" not in file.table:
        return ()
    table = file.table["fields"]
    if not isinstance(table, dict):
        raise file.error("fields", 'expected a table of NAME = "dotted.path"')
    out = []
    for name, raw in table.items():
        if not FIELD_NAME.fullmatch(name):
            raise file.error(f"fields.{name}", "invalid field name")
        try:
            path = as_string(raw)
        except TypeError as error:
            raise file.error(f"fields.{name}", error) from None
        if not path.strip():
            raise file.error(f"fields.{name}", "empty path")
        out.append((name, Setting(path, file.source)))
    return tuple(out)


def _rule(file: ConfigFile | None, name: str, table: Mapping[str, Any]) -> RuleSettings:
    """``[rules.NAME]``, every key parsed by :func:`~mlmon.config.specs.parse_rule` (the
    reading ``CheckOptions``' rules get too); a key the file does not set is the default."""
    where = f"{file.shown}: {file.prefix}rules.{name}" if file is not None else f"rules.{name}"
    values = parse_rule(name, table, where, ConfigFileError)
    got = {
        key: Setting(value, file.source if file is not None and key in table else DEFAULT_SOURCE)
        for key, value in values.items()
    }
    return RuleSettings(
        name,
        got["enabled"],
        got["warning"],
        got["critical"],
        got["for"],
        got["keep_firing_for"],
        tuple((key, got[key]) for key, _ in RULES[name].extras),
    )


def _rules(file: ConfigFile | None) -> tuple[RuleSettings, ...]:
    tables: Mapping[str, Any] = {}
    if file is not None and "rules" in file.table:
        tables = file.table["rules"]
        if not isinstance(tables, dict):
            raise file.error("rules", "expected a table of [rules.NAME] tables")
        for name, table in tables.items():
            if name not in RULES:
                raise file.error(f"rules.{name}", f"unknown rule (known: {', '.join(RULES)})")
            if not isinstance(table, dict):
                raise file.error(f"rules.{name}", "expected a table")
    return tuple(_rule(file, name, tables.get(name, {})) for name in RULES)


def _given(key: str, raw: Any, where: str) -> Any:
    """A flag's or variable's value (the command line's text, or a typed value), parsed
    by its spec; a refusal names the flag or the variable."""
    value = TOP_LEVEL[key].parse(raw, where, ConfigFileError)
    return Path(value) if key == "reference" else value


def resolve_settings(
    flags: Mapping[str, Any], env: Mapping[str, str], cwd: Path, config_path: str | None = None
) -> Settings:
    """Every effective setting: ``flags`` (top-level key → value; None means not given), then
    ``env`` (``MLMON_<KEY>``), then the config file found from ``cwd`` (or ``config_path``,
    or ``MLMON_CONFIG``), then the defaults. Raises ``ConfigFileError`` naming the file, the
    key path and what is wrong."""
    unknown = [k for k in flags if k not in TOP_LEVEL]
    if unknown:
        raise ConfigFileError(f"unknown setting {unknown[0]!r} (known: {', '.join(TOP_LEVEL)})")
    cwd = Path(cwd).resolve()
    file, how = find_config(cwd, config_path, env)
    from_file = _top_level(file)
    chosen: dict[str, Setting[Any]] = {}
    for key, spec in TOP_LEVEL.items():
        if flags.get(key) is not None:
            chosen[key] = Setting(_given(key, flags[key], spec.flag or key), "flag")
        elif env.get(env_name(key)):
            chosen[key] = Setting(_given(key, env[env_name(key)], f"env {env_name(key)}"), f"env {env_name(key)}")
        else:
            chosen[key] = from_file.get(key, Setting(spec.default, DEFAULT_SOURCE))
    rules = _with_max_silence(_with_min_samples(_rules(file), chosen["min_samples"]), chosen["max_silence"], file)
    return Settings(
        config_file=file.path if file else None,
        fields=_fields(file),
        rules=rules,
        config_source=how if file else "none found",
        **chosen,
    )


def _with_min_samples(rules: tuple[RuleSettings, ...], top: Setting[int]) -> tuple[RuleSettings, ...]:
    """Each rule's ``min_samples``: a flag or ``MLMON_MIN_SAMPLES`` wins; else the rule's own
    key in the file (the more specific); else the top-level setting (file or default)."""
    given = top.source == "flag" or top.source.startswith("env ")
    out = []
    for rule in rules:
        extras = tuple(
            (key, top if key == "min_samples" and (given or setting.source == DEFAULT_SOURCE) else setting)
            for key, setting in rule.extras
        )
        out.append(replace(rule, extras=extras))
    return tuple(out)


def _with_max_silence(
    rules: tuple[RuleSettings, ...], silence: Setting[Any], file: ConfigFile | None
) -> tuple[RuleSettings, ...]:
    """``[rules.no_data]`` with ``max_silence``, when set, as its ``critical`` level. Given
    by ``--max-silence`` or ``MLMON_MAX_SILENCE``, it also turns the rule on: a flag (or a
    variable) wins over the file, ``enabled = false`` included. Set in the same file as
    ``enabled = false``, the file contradicts itself: refused, naming both keys. A
    ``warning`` above it is refused, naming where each level was set."""
    if silence.value is None:
        return rules
    rule = next(r for r in rules if r.name == NO_DATA)
    if file is not None and silence.source == file.source:
        name = str(MAX_SILENCE.config)
        if not rule.enabled.value:
            raise file.error(
                name,
                (
                    f"{show_duration(silence.value)} turns the no_data rule on, but "
                    f"{file.prefix}rules.no_data.enabled = false in the same file: remove one (a --max-silence flag "
                    "would win over the file)"
                ),
            )
    else:
        name = silence.source.removeprefix("env ") if silence.source.startswith("env ") else str(MAX_SILENCE.flag)
        if not rule.enabled.value:
            rule = replace(rule, enabled=Setting(True, f"flag {name}" if silence.source == "flag" else silence.source))
    if rule.warning.value is not None and file is not None:
        check_levels(
            rule.warning.value,
            silence.value,
            names=(f"{file.shown}: {file.prefix}rules.no_data.warning", name),
            error=ConfigFileError,
        )
    rule = replace(rule, critical=Setting(silence.value, silence.source))
    return tuple(rule if r.name == NO_DATA else r for r in rules)


def load_settings(flags: Mapping[str, Any] | None = None, config_path: str | None = None) -> Settings:
    """:func:`resolve_settings` with this process's environment and working directory."""
    return resolve_settings(flags or {}, os.environ, Path.cwd(), config_path)
