"""Options shared by several commands, as typed aliases (sqlite-utils' shared decorators),
and their parsers. Cheap to import: polars loads only when an option is parsed."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from mlmon.errors import UsageError
from mlmon.render import OutputFormat
from mlmon.units import parse_duration, parse_ratio
from mlmon.verdicts.findings import Severity

if TYPE_CHECKING:
    from mlmon.ingest.reader import IngestOptions

Logs = Annotated[list[str], typer.Argument(help="Log files, directories (recursive), globs, or - for stdin.", show_default=False)]
Format = Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")]
Output = Annotated[Optional[str], typer.Option("--output", "-o", help="Write the output to this file (atomically: a temporary file, then a rename) instead of standard output.")]
Window = Annotated[Optional[str], typer.Option(help="Window: a duration (15m, 1h, 1d), a record count (10000), or 'all'.")]
Since = Annotated[Optional[str], typer.Option(help="Only records at or after this time: ISO-8601 or epoch (naive = UTC), or a duration before now such as 6h.")]
Until = Annotated[Optional[str], typer.Option(help="Only records before this time: ISO-8601 or epoch (naive = UTC), or a duration before now such as 10m.")]
ConfigPath = Annotated[Optional[str], typer.Option("--config", help="Read this config file instead of searching for mlmon.toml or \\[tool.mlmon] from the working directory (also MLMON_CONFIG).")]
Field = Annotated[Optional[list[str]], typer.Option("--field", help="Map a canonical field to a JSON path, e.g. latency_ms=timings.total_ms, or a feature: features.region=ctx.region. Repeatable.")]
MaxMalformed = Annotated[str, typer.Option("--max-malformed", help="Exit 2 when more than this share of lines is unusable.")]
FailOn = Annotated[str, typer.Option("--fail-on", help="Lowest severity that makes the exit code 1: warning or critical.")]


def ingest_options(
    field: list[str] | None, since: str | None, until: str | None, max_malformed: str, features: tuple[str, ...] = (),
    now: datetime | None = None,
) -> IngestOptions:
    """The ingest options of the shared flags; a relative ``--since``/``--until`` counts back
    from ``now`` (default: the current time)."""
    from mlmon.ingest.fields import parse_field_options
    from mlmon.ingest.reader import IngestOptions

    now = now or datetime.now(timezone.utc)
    start, end = parse_time_option("--since", since, now), parse_time_option("--until", until, now)
    if start is not None and end is not None and start >= end:
        raise UsageError(f"--since {since!r} is not before --until {until!r}: no time is left between them")
    return IngestOptions(
        fields=parse_field_options(field),
        since=start,
        until=end,
        max_malformed_share=parse_ratio(max_malformed),
        features=features,
    )


RELATIVE_TIME = re.compile(r"\s*\d+(?:\.\d+)?\s*(ms|s|sec|m|min|h|d|w)\s*", re.IGNORECASE)
"""A duration before now (``6h``, ``30m``, ``2d``): what an hourly cron job passes."""


def parse_time_option(name: str, value: str | None, now: datetime | None = None) -> datetime | None:
    """An absolute time (ISO-8601, a date, epoch seconds; naive is UTC), or a duration such
    as ``6h`` counted back from ``now`` (default: the current time)."""
    if value is None:
        return None
    if RELATIVE_TIME.fullmatch(value):
        try:
            return (now or datetime.now(timezone.utc)) - parse_duration(value)
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


def parse_fail_on(value: str) -> Severity:
    try:
        severity = Severity(value.lower())
    except ValueError:
        severity = None
    if severity not in (Severity.WARNING, Severity.CRITICAL):
        raise UsageError(f"--fail-on {value!r}: use warning or critical")
    return severity
