"""The CLI's strings in :class:`~mlmon.ingest.reader.IngestOptions`: ``since``/``until`` as
``--since`` reads them, ``max_malformed_share="5%"``, ``fields=["latency_s=t.total"]`` (``--field``),
``features="region,device"``. Cheap to import: polars loads only when a time is parsed."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from mlmon.errors import UsageError
from mlmon.units import parse_duration, parse_ratio, split_list

ENGINES = ("local", "dask")
"""Where a read runs (``IngestOptions.engine``)."""
RELATIVE_TIME = re.compile(r"\s*\d+(?:\.\d+)?\s*(ms|s|sec|m|min|h|d|w)\s*", re.IGNORECASE)
"""A duration before now (``6h``, ``30m``, ``2d``): what an hourly cron job passes."""


def parse_time(name: str, value: str, now: datetime | None = None) -> datetime:
    """An absolute time (ISO-8601, a date, epoch seconds; naive is UTC), or a duration such
    as ``6h`` counted back from ``now`` (default: the current time). ``name`` names the
    option in the error message."""
    if RELATIVE_TIME.fullmatch(value):
        try:
            return (now or datetime.now(UTC)) - parse_duration(value)
        except UsageError as error:
            raise UsageError(f"{name} {value!r}: {error}") from None
    import polars as pl

    from mlmon.ingest.timestamps import parse_timestamps

    text = value.strip()
    if re.fullmatch(r"\d{4}-\d\d-\d\d", text):
        text += "T00:00:00"
    text = re.sub(r"^(\d{4}-\d\d-\d\d[T ]\d\d:\d\d)(?=$|Z|[+-]\d\d:?\d\d$)", r"\1:00", text)  # minutes without seconds
    parsed = parse_timestamps(pl.Series([text], dtype=pl.String))[0]
    if parsed is None:
        raise UsageError(f"{name} {value!r}: not a timestamp (use ISO-8601 such as 2026-11-12T00:00Z, epoch seconds, or a duration before now such as 6h)")
    return parsed


def as_utc(value: datetime | str | None, name: str, now: datetime | None = None) -> datetime | None:
    """``value`` as a timezone-aware datetime: strings parse as ``--since`` does, naive
    datetimes are UTC."""
    if isinstance(value, str):
        return parse_time(name, value, now)
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def parse_engine(value: str) -> str:
    """``value`` if it names an engine (``ENGINES``); ``UsageError`` otherwise."""
    if value not in ENGINES:
        raise UsageError(f"invalid engine {value!r}: use one of {', '.join(ENGINES)}")
    return value


def coerce_ingest_options(options: Any) -> None:
    """Turn the CLI's strings in a frozen ``IngestOptions`` into typed values, in place.
    Raises ``UsageError`` for a bad value, or for ``since`` not before ``until`` when either
    was a string (as ``--since``/``--until`` do)."""
    now = datetime.now(UTC)
    given = options.since, options.until
    since, until = as_utc(options.since, "since", now), as_utc(options.until, "until", now)
    strings = isinstance(given[0], str) or isinstance(given[1], str)
    if strings and since is not None and until is not None and since >= until:
        raise UsageError(f"since {given[0]!r} is not before until {given[1]!r}: no time is left between them")
    fields = options.fields
    if not isinstance(fields, dict):
        from mlmon.ingest.fields import parse_field_options

        fields = parse_field_options([fields] if isinstance(fields, str) else list(fields))
    features = options.features if isinstance(options.features, tuple) else split_list(options.features)
    share = options.max_malformed_share
    values = {
        "since": since, "until": until, "fields": fields, "features": features,
        "max_malformed_share": parse_ratio(share) if isinstance(share, str) else share,
    }
    engine = "dask" if options.scheduler else parse_engine(options.engine)
    for name, value in {**values, "engine": engine}.items():
        object.__setattr__(options, name, value)

