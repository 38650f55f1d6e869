"""Options shared by several commands, as typed aliases (sqlite-utils' shared decorators),
and their parsers. Cheap to import: polars loads only when an option is parsed."""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Annotated, Optional, TypeVar

import typer

from mlmon.errors import UsageError
from mlmon.render import OutputFormat
from mlmon.units import parse_ratio

if TYPE_CHECKING:
    from mlmon.ingest.reader import IngestOptions

class ColorMode(str, enum.Enum):
    """``--color``: ANSI colours ``auto`` (a terminal, and no ``NO_COLOR``), ``always`` or
    ``never`` (``mlmon.cli.boundary.use_color``)."""

    AUTO = "auto"
    ALWAYS = "always"
    NEVER = "never"


def complete_choices(*values: str) -> Callable[[str], list[str]]:
    """Shell completion for a string option with fixed choices."""
    return lambda incomplete: [v for v in values if v.startswith(incomplete)]


Logs = Annotated[list[str], typer.Argument(metavar="LOGS...", help="Log files, directories (recursive), globs, or - for stdin.", show_default=False)]
Format = Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")]
Output = Annotated[Optional[str], typer.Option("--output", "-o", metavar="FILE", help="Write the output to this file (atomically: a temporary file, then a rename) instead of standard output.")]
Window = Annotated[Optional[str], typer.Option(metavar="DURATION|N|all", help="Window: a duration (15m, 1h, 1d), a record count (10000), or 'all'.")]
Since = Annotated[Optional[str], typer.Option(metavar="TIME", help="Only records at or after this time: ISO-8601 or epoch (naive = UTC), or a duration before now such as 6h.")]
Until = Annotated[Optional[str], typer.Option(metavar="TIME", help="Only records before this time: ISO-8601 or epoch (naive = UTC), or a duration before now such as 10m.")]
ConfigPath = Annotated[Optional[str], typer.Option("--config", metavar="PATH", help="Read this config file instead of searching for mlmon.toml or \\[tool.mlmon] from the working directory (also MLMON_CONFIG).")]
Field = Annotated[Optional[list[str]], typer.Option("--field", metavar="NAME=PATH", help="Map a canonical field to a JSON path, e.g. latency_ms=timings.total_ms, or a feature: features.region=ctx.region. Repeatable.")]
MaxMalformed = Annotated[str, typer.Option("--max-malformed", metavar="SHARE", help="Exit 2 when more than this share of lines is unusable, e.g. 5% or 0.05.")]
FailOn = Annotated[str, typer.Option("--fail-on", metavar="warning|critical", autocompletion=complete_choices("warning", "critical"), help="Lowest severity that makes the exit code 1: warning or critical.")]
Features = Annotated[Optional[str], typer.Option("--features", metavar="NAME[,NAME...]", help="Top-level log fields to read as input features too, comma-separated (the features object is always read).")]
Color = Annotated[Optional[ColorMode], typer.Option("--color", case_sensitive=False, show_default=False, help="ANSI colours: auto (when standard output is a terminal and NO_COLOR is unset or empty; FORCE_COLOR forces them), always or never. Also before the command: mlmon --color never report ...")]
Engine = Annotated[Optional[str], typer.Option("--engine", metavar="local|dask", autocompletion=complete_choices("local", "dask"), help="Where the logs are reduced: local (this machine's cores, the default) or dask (a Dask cluster: --scheduler, else a local one; pip install \"mlmon[dask]\"). Same results either way.")]
Scheduler = Annotated[Optional[str], typer.Option("--scheduler", metavar="ADDRESS", help="A running Dask scheduler, e.g. tcp://10.0.0.5:8786 (implies --engine dask). Workers must see the log files at the same paths.")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress display on stderr (shown only on a terminal, for runs over a second, with --format terminal). Warnings and errors still show.")]

T = TypeVar("T")


def parse_option(name: str, value: str, parse: Callable[[str], T]) -> T:
    """``parse(value)``, with the option's name in front of a ``UsageError`` that does not
    say it already (``--max-malformed: invalid ratio '7x': ...``)."""
    try:
        return parse(value)
    except UsageError as error:
        if str(error).startswith(name):
            raise
        raise UsageError(f"{name}: {error}") from None


def ingest_options(
    field: list[str] | None, since: str | None, until: str | None, max_malformed: str, features: tuple[str, ...] = (),
    now: datetime | None = None, engine: str | None = None, scheduler: str | None = None,
) -> IngestOptions:
    """The ingest options of the shared flags; a relative ``--since``/``--until`` counts back
    from ``now`` (default: the current time)."""
    from mlmon.ingest.fields import parse_field_options
    from mlmon.ingest.reader import IngestOptions
    from mlmon.ingest.time_options import parse_engine

    now = now or datetime.now(timezone.utc)
    start, end = parse_time_option("--since", since, now), parse_time_option("--until", until, now)
    if start is not None and end is not None and start >= end:
        raise UsageError(f"--since {since!r} is not before --until {until!r}: no time is left between them")
    return IngestOptions(
        fields=parse_field_options(field),
        since=start,
        until=end,
        max_malformed_share=parse_option("--max-malformed", max_malformed, parse_ratio),
        features=features,
        engine=parse_option("--engine", engine or "local", parse_engine),
        scheduler=scheduler,
    )


def parse_time_option(name: str, value: str | None, now: datetime | None = None) -> datetime | None:
    """An absolute time (ISO-8601, a date, epoch seconds; naive is UTC), or a duration such
    as ``6h`` counted back from ``now`` (default: the current time); None stays None."""
    from mlmon.ingest.time_options import parse_time

    return None if value is None else parse_time(name, value, now)
