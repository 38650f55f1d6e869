"""Options shared by several commands, as typed aliases (sqlite-utils' shared decorators),
and their parsers. Cheap to import: polars loads only when an option is parsed."""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from mlmon.errors import UsageError
from mlmon.render import OutputFormat
from mlmon.units import parse_ratio
from mlmon.verdicts.findings import Severity

if TYPE_CHECKING:
    from mlmon.ingest.reader import IngestOptions

Logs = Annotated[list[str], typer.Argument(help="Log files, directories (recursive), globs, or - for stdin.", show_default=False)]
Format = Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")]
Output = Annotated[Optional[str], typer.Option("--output", "-o", help="Write the output to this file (atomically: a temporary file, then a rename) instead of standard output.")]
Window = Annotated[Optional[str], typer.Option(help="Window: a duration (15m, 1h, 1d), a record count (10000), or 'all'.")]
Since = Annotated[Optional[str], typer.Option(help="Only records at or after this time (ISO-8601 or epoch; naive = UTC).")]
Until = Annotated[Optional[str], typer.Option(help="Only records before this time (ISO-8601 or epoch; naive = UTC).")]
Field = Annotated[Optional[list[str]], typer.Option("--field", help="Map a canonical field to a JSON path, e.g. latency_ms=timings.total_ms, or a feature: features.region=ctx.region. Repeatable.")]
MaxMalformed = Annotated[str, typer.Option("--max-malformed", help="Exit 2 when more than this share of lines is unusable.")]
FailOn = Annotated[str, typer.Option("--fail-on", help="Lowest severity that makes the exit code 1: warning or critical.")]


def ingest_options(field: list[str] | None, since: str | None, until: str | None, max_malformed: str, features: tuple[str, ...] = ()) -> IngestOptions:
    from mlmon.ingest.fields import parse_field_options
    from mlmon.ingest.reader import IngestOptions

    return IngestOptions(
        fields=parse_field_options(field),
        since=parse_time_option("--since", since),
        until=parse_time_option("--until", until),
        max_malformed_share=parse_ratio(max_malformed),
        features=features,
    )


def parse_time_option(name: str, value: str | None) -> datetime | None:
    if value is None:
        return None
    import polars as pl

    from mlmon.ingest.timestamps import parse_timestamps

    text = value.strip()
    if re.fullmatch(r"\d{4}-\d\d-\d\d", text):
        text += "T00:00:00"
    parsed = parse_timestamps(pl.Series([text], dtype=pl.String))[0]
    if parsed is None:
        raise UsageError(f"{name} {value!r}: not a timestamp (use ISO-8601 such as 2026-11-12T00:00Z, or epoch seconds)")
    return parsed


def parse_fail_on(value: str) -> Severity:
    try:
        severity = Severity(value.lower())
    except ValueError:
        severity = None
    if severity not in (Severity.WARNING, Severity.CRITICAL):
        raise UsageError(f"--fail-on {value!r}: use warning or critical")
    return severity
