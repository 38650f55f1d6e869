"""The CLI's strings in :class:`~mlmon.ingest.options.IngestOptions`: ``since``/``until`` as
``--since`` reads them, ``max_malformed_share="5%"``, ``fields=["latency_s=t.total"]`` (``--field``),
``features="region,device"``. Every field goes through its option spec
(:data:`mlmon.options.INGEST_FIELDS`; the times' specs are here, since reading a timestamp
needs polars), so ``IngestOptions`` refuses what the flags refuse, with the same reason.
Cheap to import: polars loads only when a time is parsed."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from mlmon.options import INGEST_FIELDS, OptionError, OptionSpec, OptionTypeError, check_fields
from mlmon.units import BadValue, Duration, Kind, is_duration, is_number, show_number, wrong_type

__all__ = ["NOW", "SINCE", "UNTIL", "Moment", "check_order", "coerce_ingest_options", "parse_moment", "parse_time"]


class Moment(Kind):
    """A point in time: ISO-8601, a date, epoch seconds (naive is UTC), a duration before
    ``now`` (``6h``, what an hourly cron job passes; default: the current time; refused as
    ``--window``'s are), or a ``datetime`` (naive is UTC)."""

    expected = "a time such as 2026-11-12T00:00Z, epoch seconds or 6h (before now)"

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now

    def from_text(self, text: str) -> datetime:
        if is_duration(text):
            try:
                return (self.now or datetime.now(UTC)) - Duration().from_text(text)  # type: ignore[operator]
            except OverflowError:
                raise BadValue(f"invalid duration {text!r}: reaches back before the year 1") from None
        import polars as pl

        from mlmon.ingest.timestamps import parse_timestamps

        value = text.strip()
        if re.fullmatch(r"\d{4}-\d\d-\d\d", value):
            value += "T00:00:00"
        value = re.sub(
            r"^(\d{4}-\d\d-\d\d[T ]\d\d:\d\d)(?=$|Z|[+-]\d\d:?\d\d$)", r"\1:00", value
        )  # minutes without seconds
        parsed = parse_timestamps(pl.Series([value], dtype=pl.String))[0]
        if parsed is None:
            raise BadValue(
                (
                    "not a timestamp (use ISO-8601 such as 2026-11-12T00:00Z, epoch seconds, or a duration before "
                    "now such as 6h)"
                ),
                repr(text),
            )
        return parsed

    def from_value(self, value: Any) -> datetime:
        if isinstance(value, datetime):
            return value.replace(tzinfo=UTC) if value.tzinfo is None else value
        if is_number(value):
            return self.from_text(show_number(value))  # epoch seconds, as the CLI reads them
        raise wrong_type(self.expected, value)


SINCE = OptionSpec(Moment(), "--since", None, None, optional=True)
"""Records at or after this time."""
UNTIL = OptionSpec(Moment(), "--until", None, None, optional=True)
"""Records before this time."""
NOW = OptionSpec(Moment(), None, None, None, optional=True)
"""``CheckOptions.now``: the time of the run (None: the current time)."""


def parse_moment(spec: OptionSpec, value: Any, where: str, now: datetime | None = None) -> datetime | None:
    """``value`` through the time ``spec``, a duration counted back from ``now``."""
    return replace(spec, kind=Moment(now)).parse(value, where)


def parse_time(name: str, value: str, now: datetime | None = None) -> datetime:
    """An absolute time (ISO-8601, a date, epoch seconds; naive is UTC), or a duration such
    as ``6h`` counted back from ``now`` (default: the current time). ``name`` names the
    option in the error message: ``--since 'soon': not a timestamp (...)``."""
    return parse_moment(SINCE, value, name, now)  # type: ignore[return-value]


def check_order(since: datetime | None, until: datetime | None, given: tuple[Any, Any], names: tuple[str, str]) -> None:
    """``UsageError`` when ``since`` is not before ``until``: ``--since '2026-11-14' is not
    before --until '2026-11-12': no time is left between them``."""
    if since is None or until is None or since < until:
        return
    shown = [repr(g) if isinstance(g, str) else t.isoformat() for g, t in zip(given, (since, until))]
    raise OptionError(f"{names[0]} {shown[0]} is not before {names[1]} {shown[1]}: no time is left between them")


def coerce_ingest_options(options: Any) -> None:
    """Parse and check every field of a frozen ``IngestOptions`` in place: the CLI's strings
    and typed values alike, through the fields' specs. Raises ``OptionError`` (a
    ``UsageError`` and a ``ValueError``) naming the field and its flag:
    ``max_malformed_share (--max-malformed) ...``, or ``since`` not before ``until``. A
    ``scheduler`` implies ``engine="dask"``; ``engine`` is checked all the same."""
    now = datetime.now(UTC)
    names = SINCE.named("since"), UNTIL.named("until")
    since = parse_moment(SINCE, options.since, names[0], now)
    until = parse_moment(UNTIL, options.until, names[1], now)
    check_order(since, until, (options.since, options.until), names)
    check_fields(options, INGEST_FIELDS)
    for name, value in (("since", since), ("until", until), ("fields", _fields(options.fields))):
        object.__setattr__(options, name, value)
    if options.scheduler:
        object.__setattr__(options, "engine", "dask")


def _fields(fields: Any) -> dict[str, str]:
    """``--field`` mappings: a dict of name → dotted path, or ``NAME=PATH`` strings."""
    from mlmon.ingest.fields import parse_field_options

    where = "fields (--field)"
    if fields is None:
        return {}
    if isinstance(fields, dict):
        bad = [(k, v) for k, v in fields.items() if not isinstance(k, str) or not isinstance(v, str)]
        if bad:
            raise OptionTypeError(
                f"{where}: expected names and dotted paths as strings, got {bad[0][0]!r}: {bad[0][1]!r}"
            )
        return parse_field_options([f"{k}={v}" for k, v in fields.items()])
    items = [fields] if isinstance(fields, str) else fields
    if not isinstance(items, (list, tuple)) or not all(isinstance(item, str) for item in items):
        raise OptionTypeError(f"{where}: expected NAME=PATH strings or a dict, got {fields!r}")
    return parse_field_options(list(items))
