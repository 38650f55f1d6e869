"""One spec per option: its kind (how text and typed values parse, the bounds, the reason a
bad value gets; :mod:`mlmon.units`), its CLI flag, its config key and its default, and the
functions that check options with them. A leaf, beside ``units`` and ``windows``: plain
Python, importing only ``mlmon.errors`` and ``mlmon.units``, so every room may use it
(ingest's options are here; the config's top-level keys and rules are
:mod:`mlmon.config.specs`, the times' :mod:`mlmon.ingest.time_options`, bench's
:mod:`mlmon.bench.options`).

The CLI's parsers, the config loader and every options class of the Python API parse
through the same spec, so they accept the same values and refuse the same ones with the
same reason; only the name in front differs:

    --alpha 1.5: must be between 0 and 1 (exclusive)                         (flag)
    mlmon.toml: rules.prediction_drift.alpha 1.5: must be between 0 and 1 (exclusive)  (file)
    alpha (--alpha) 1.5: must be between 0 and 1 (exclusive)                  (Python field)

The Python API raises :class:`OptionError` (a ``ValueError`` and mlmon's ``UsageError``,
exit 2 at the CLI), or :class:`OptionTypeError` (also a ``TypeError``) for a value of a
type the option never takes or an unknown option name.
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, fields, replace
from datetime import timedelta
from typing import Any, TypeVar

from mlmon.errors import UsageError
from mlmon.units import BadValue, Choice, Count, Flag, Kind, Names, Ratio, Text, show_duration, show_number, type_name

T = TypeVar("T")


class OptionError(UsageError, ValueError):
    """An option's value is refused: the message names the option (the flag, config key or
    field) and the value, and says why. Exit code 2 at the CLI."""


class OptionTypeError(OptionError, TypeError):
    """An option's value is of a type it never takes, or an option name is unknown."""


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
        message starts with ``where``: ``--alpha 1.5: must be between 0 and 1 (exclusive)``.
        None is the default (kept as None when the spec is ``optional``)."""
        if value is None:
            return None if self.optional else self.default
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


# --- ingest: IngestOptions' fields and the shared flags ---------------------------------------------

ENGINES = ("local", "dask")
"""Where chunks are reduced (``--engine``)."""
RATIO = Ratio()
MAX_MALFORMED = OptionSpec(RATIO, "--max-malformed", None, 0.05)
ENGINE = OptionSpec(Choice(ENGINES, noun="engine"), "--engine", None, "local")
SCHEDULER = OptionSpec(Text(non_empty=True), "--scheduler", None, optional=True)
FEATURES = OptionSpec(Names(), "--features", None, ())
ENVELOPES = ("auto", "none", "gcp", "cloudwatch", "otlp", "azure", "cri", "firelens", "vercel", "heroku")
"""``--envelope``: how a log file's lines are wrapped (``mlmon.ingest.envelopes``); ``auto``
decides per file from its first bytes, ``none`` reads every file as plain records."""
ENVELOPE = OptionSpec(Choice(ENVELOPES, noun="envelope"), "--envelope", None, "auto")
BY = OptionSpec(Names(), "--by", None, ())
"""``--by``: fields (dotted paths or shortcuts such as ``pod``) a run is split by."""
CHUNK_BYTES = OptionSpec(Count(1), None, None)
ALLOW_NO_RECORDS = OptionSpec(Flag(), None, None, False)
INGEST_FIELDS: dict[str, OptionSpec] = {
    "features": FEATURES,
    "max_malformed_share": MAX_MALFORMED,
    "chunk_bytes": CHUNK_BYTES,
    "allow_no_records": ALLOW_NO_RECORDS,
    "engine": ENGINE,
    "scheduler": SCHEDULER,
    "envelope": ENVELOPE,
    "by": BY,
}
"""``IngestOptions``' fields and their specs, but ``fields`` (``--field``, read by
``mlmon.ingest.fields``) and the times (``mlmon.ingest.time_options``, which needs polars)."""


# --- options classes ------------------------------------------------------------------------------


def check_fields(options: T, specs: Mapping[str, OptionSpec], prefix: str = "", *, copy: bool = False) -> T:
    """Parse every field of the frozen dataclass ``options`` named in ``specs``: the CLI's
    text and typed values alike; None means the field's default (kept as None where the
    spec is optional). In place (from ``__post_init__``), or ``copy``: a copy with the
    parsed values (a thresholds class the caller gave). Raises :class:`OptionError` naming
    ``prefix`` and the field: ``alpha (--alpha) 1.5: ...``, ``features.alpha ...``."""
    defaults = {f.name: f for f in fields(options)}  # type: ignore[arg-type]
    parsed = {}
    for name, spec in specs.items():
        value = getattr(options, name)
        if value is None and not spec.optional:
            value = _default(defaults[name])
        parsed[name] = spec.parse(value, spec.named(prefix + name))
    if copy:
        changed = any(parsed[n] is not getattr(options, n) for n in parsed)
        return replace(options, **parsed) if changed else options  # type: ignore[type-var]
    for name, value in parsed.items():
        object.__setattr__(options, name, value)
    return options


def _default(field: Any) -> Any:
    if field.default is not MISSING:
        return field.default
    return field.default_factory() if field.default_factory is not MISSING else None


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
        raise OptionTypeError(
            f"{where}: expected {cls.__name__} or a dict of its options, got {type_name(value)} {shown}"
        )
    known = list(inspect.signature(cls).parameters)
    for key in value:
        if key not in known:
            close = difflib.get_close_matches(str(key), known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise OptionTypeError(
                f"{where}: {cls.__name__} has no option {key!r}{hint}; its options: {', '.join(known)}"
            )
    return cls(**value)


# --- two-tier rules -----------------------------------------------------------------------------


def show_level(value: Any) -> str:
    """A level as messages show it: ``0.25``, ``inf``, ``15m``."""
    if isinstance(value, timedelta):
        return show_duration(value)
    return show_number(value) if isinstance(value, (int, float)) else str(value)


def check_levels(
    warning: Any,
    critical: Any,
    where: str = "",
    *,
    names: tuple[str, str] = ("warning", "critical"),
    shown: tuple[str | None, str | None] = (None, None),
    error: type[UsageError] = OptionError,
) -> None:
    """The one rule of every warning/critical pair (a ``[rules.NAME]`` table, the drift
    flags, ``DriftOptions``, ``CheckOptions``' rules): the warning level may equal the
    critical one (no warning tier of its own) but not exceed it. None: no level, nothing
    to compare. One message everywhere, each level named as the user set it and shown as
    given (``shown``; default: the value)::

        mlmon.toml: rules.latency_p99: warning 300ms exceeds critical 200ms
        --warning-psi 0.01 (default) exceeds --critical-psi 0.005
        warning_psi (--warning-psi) 0.3 exceeds critical_psi (--critical-psi) 0.2
    """
    if warning is None or critical is None or not warning > critical:
        return
    texts = [given or show_level(value) for given, value in zip(shown, (warning, critical))]
    prefix = f"{where}: " if where else ""
    raise error(f"{prefix}{names[0]} {texts[0]} exceeds {names[1]} {texts[1]}")
