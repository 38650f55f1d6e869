"""Turn the timestamp strings of every dialect into UTC datetimes, vectorised.

Accepted: ISO-8601 with ``Z``, an offset (``+02:00`` or ``+0200``) or no zone (read as
UTC), ``T`` or space between date and time, ``.`` or ``,`` before the fraction (python's
logging ``asctime``); and epoch numbers or numeric strings, whose unit is read from their
magnitude: below 1e11 seconds, below 1e14 milliseconds, below 1e17 microseconds, else
nanoseconds.

Most files use one format throughout, so the first value's shape picks a direct format;
only values that it does not parse go through the general normaliser.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from polars.expr.whenthen import ChainedThen, Then

_ISO_FORMAT = "%Y-%m-%dT%H:%M:%S%.f%z"
_EPOCH_LIMITS = ((1e11, 1_000_000.0), (1e14, 1_000.0), (1e17, 1.0))
_RFC3339 = "%+"
"""chrono's RFC 3339 (``Z`` or an offset): twice as fast as the spelled-out format."""
_DIRECT = (
    (re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$"), _RFC3339),
    (re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}$"), "%Y-%m-%d %H:%M:%S,%3f"),
    (re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?$"), "%Y-%m-%dT%H:%M:%S%.f"),
)
UTC = pl.Datetime("us", "UTC")


def parse_timestamps(raw: pl.Series) -> pl.Series:
    """``Datetime("us", "UTC")`` values of a string series; null where unparseable."""
    sample = raw.drop_nulls().head(1).to_list()
    fmt = direct_format(sample[0] if sample else None)
    if fmt is None:
        return raw.to_frame("raw").select(parse_timestamp(pl.col("raw"))).to_series()
    return fill_unparsed(raw.to_frame("raw").select(parse_direct(pl.col("raw"), fmt)).to_series(), raw)


def prefix_times(raw: pl.Series) -> pl.Series:
    """A line prefix's or an envelope's times as ``Datetime("us", "UTC")``: datetimes as they
    are (an envelope's fast path gives its epoch times so, not as text to parse again), text
    as :func:`parse_timestamps` reads it."""
    if isinstance(raw.dtype, pl.Datetime):
        zoned = raw.dt.replace_time_zone("UTC") if raw.dtype.time_zone is None else raw.dt.convert_time_zone("UTC")
        return zoned.dt.cast_time_unit("us")
    return parse_timestamps(raw.cast(pl.String))


def direct_format(sample: str | None) -> str | None:
    """The strptime format that parses ``sample`` directly, if it has a common shape."""
    if sample is None:
        return None
    return next((fmt for pattern, fmt in _DIRECT if pattern.match(sample)), None)


def parse_direct(raw: pl.Expr, fmt: str) -> pl.Expr:
    """Parse with one known format (fast); null where a value has another shape. Every
    value differs, so polars' per-value cache would only cost."""
    if fmt == _RFC3339:
        return raw.str.to_datetime(fmt, strict=False, time_unit="us", time_zone="UTC", cache=False)
    return raw.str.to_datetime(fmt, strict=False, time_unit="us", cache=False).dt.replace_time_zone("UTC")


def fill_unparsed(parsed: pl.Series, raw: pl.Series) -> pl.Series:
    """``parsed`` with the values the direct format missed parsed by the general parser."""
    missed = parsed.is_null() & raw.is_not_null()
    if not missed.any():
        return parsed
    rest = raw.filter(missed).to_frame("raw").select(parse_timestamp(pl.col("raw"))).to_series()
    return parsed.scatter(missed.arg_true(), rest)


def parse_timestamp(raw: pl.Expr) -> pl.Expr:
    """The general parser as an expression: every accepted form, row by row."""
    return pl.coalesce(_from_iso(raw), _from_epoch(raw))


def _from_iso(raw: pl.Expr) -> pl.Expr:
    text = raw.str.strip_chars()
    normalized = (
        text.str.replace(r"^(\d{4}-\d\d-\d\d) ", "${1}T")
        .str.replace(r"(T\d\d:\d\d:\d\d),", "${1}.")
        .str.replace(r"[Zz]$", "+00:00")
        .str.replace(r"(T[0-9:.]+)$", "${1}+00:00")
    )
    return normalized.str.to_datetime(_ISO_FORMAT, strict=False, time_unit="us", time_zone="UTC")


def _from_epoch(raw: pl.Expr) -> pl.Expr:
    number = raw.str.strip_chars().cast(pl.Float64, strict=False)
    magnitude = number.abs()
    chain: Then | ChainedThen = pl.when(magnitude < _EPOCH_LIMITS[0][0]).then(number * _EPOCH_LIMITS[0][1])
    for limit, factor in _EPOCH_LIMITS[1:]:
        chain = chain.when(magnitude < limit).then(number * factor)
    micros = chain.otherwise(number / 1_000.0)
    return micros.round(0).cast(pl.Int64, strict=False).cast(UTC)
