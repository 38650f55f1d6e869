"""Options shared by several commands, as typed aliases (sqlite-utils' shared decorators),
and their parsers. Cheap to import: polars loads only when an option is parsed."""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from mlmon.options import ENGINE, ENGINES, ENVELOPE, ENVELOPES, MAX_MALFORMED, SCHEDULER
from mlmon.render import OutputFormat

if TYPE_CHECKING:
    from mlmon.ingest.options import IngestOptions
    from mlmon.options import OptionSpec


class ColorMode(str, enum.Enum):
    """``--color``: ANSI colours ``auto`` (a terminal, and no ``NO_COLOR``), ``always`` or
    ``never`` (``mlmon.cli.boundary.use_color``)."""

    AUTO = "auto"
    ALWAYS = "always"
    NEVER = "never"


def complete_choices(*values: str) -> Callable[[str], list[str]]:
    """Shell completion for a string option with fixed choices."""
    return lambda incomplete: [v for v in values if v.startswith(incomplete)]


Logs = Annotated[
    list[str],
    typer.Argument(
        metavar="LOGS...", help="Log files, directories (recursive), globs, or - for stdin.", show_default=False
    ),
]
Format = Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")]
Output = Annotated[
    str | None,
    typer.Option(
        "--output",
        "-o",
        metavar="FILE",
        help="Write to this file (whole: a temporary file, then a rename) instead of standard output.",
    ),
]
Window = Annotated[
    str | None,
    typer.Option(metavar="DURATION|N|all", help="Window: a duration (15m, 1h, 1d), a record count (10000), or 'all'."),
]
Since = Annotated[
    str | None,
    typer.Option(
        metavar="TIME", help="Only records at or after TIME: ISO-8601 or epoch (naive = UTC), or a duration ago (6h)."
    ),
]
Until = Annotated[str | None, typer.Option(metavar="TIME", help="Only records before TIME (as --since).")]
ConfigPath = Annotated[
    str | None,
    typer.Option(
        "--config",
        metavar="PATH",
        help="This config file, not mlmon.toml or [tool.mlmon] found from here (also MLMON_CONFIG).",
    ),
]
LabelTables = Annotated[
    list[str] | None,
    typer.Option(
        "--labels",
        metavar="FILE",
        help="A table of true classes (CSV, Parquet or JSON lines) with request id and truth columns (repeatable).",
    ),
]
"""``--labels`` of ``performance`` and ``compare``: label tables joined to the predictions."""
Field = Annotated[
    list[str] | None,
    typer.Option(
        "--field",
        metavar="NAME=PATH",
        help="A field's JSON path: latency_ms=t.total_ms.",
    ),
]
MaxMalformed = Annotated[
    str,
    typer.Option(
        "--max-malformed",
        metavar="SHARE",
        help="Exit 2 when more than this share of lines is unusable, e.g. 5% or 0.05.",
    ),
]
Features = Annotated[
    str | None,
    typer.Option(
        "--features",
        metavar="NAME[,NAME...]",
        help="Top-level fields also read as features.",
    ),
]
Color = Annotated[
    ColorMode | None,
    typer.Option(
        "--color",
        case_sensitive=False,
        show_default=False,
        help="ANSI colours: auto (a terminal, unless NO_COLOR is set), always or never.",
    ),
]
Engine = Annotated[
    str | None,
    typer.Option(
        "--engine",
        metavar="|".join(ENGINES),
        autocompletion=complete_choices(*ENGINES),
        help='Reduce the logs here (local) or on Dask (pip install "mlmon[dask]"); same results.',
    ),
]
Scheduler = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        metavar="ADDRESS",
        help="A Dask scheduler (tcp://10.0.0.5:8786; implies --engine dask).",
    ),
]
By = Annotated[
    list[str] | None,
    typer.Option(
        "--by",
        metavar="FIELD",
        help="Split by a field (source.pod, kubernetes.pod_name) or pod, revision, host, ... (repeatable).",
    ),
]
"""``--by`` of ``report``, ``check``, ``drift`` and ``compare``: the records split by where they came from
(``IngestOptions.by``)."""
EnvelopeOption = Annotated[
    str | None,
    typer.Option(
        "--envelope",
        metavar="NAME",
        autocompletion=complete_choices(*ENVELOPES),
        help="Cloud export: auto (per file), none, gcp, cloudwatch, otlp, azure, cri, ...",
    ),
]
"""``--envelope``: the cloud or collector envelope of the logs (``IngestOptions.envelope``)."""
Quiet = Annotated[
    bool,
    typer.Option(
        "--quiet", "-q", help="No progress display or 'wrote FILE' line on stderr (warnings and errors still show)."
    ),
]


def parse_flag(spec: OptionSpec, value: str | None) -> Any:
    """A flag's text through its option spec (None: not given): the CLI, the config file and
    the options classes read it alike; a refusal names the flag, ``--alpha 1.5: ...``."""
    return None if value is None else spec.parse(value, spec.flag or "")


def ingest_options(
    field: list[str] | None,
    since: str | None,
    until: str | None,
    max_malformed: str,
    features: tuple[str, ...] = (),
    now: datetime | None = None,
    engine: str | None = None,
    scheduler: str | None = None,
    by: list[str] | None = None,
    envelope: str | None = None,
) -> IngestOptions:
    """The ingest options of the shared flags; a relative ``--since``/``--until`` counts back
    from ``now`` (default: the current time)."""
    from mlmon.ingest.fields import parse_field_options
    from mlmon.ingest.options import IngestOptions
    from mlmon.ingest.time_options import check_order

    now = now or datetime.now(UTC)
    start, end = parse_time_option("--since", since, now), parse_time_option("--until", until, now)
    check_order(start, end, (since, until), ("--since", "--until"))
    return IngestOptions(
        fields=parse_field_options(field),
        since=start,
        until=end,
        max_malformed_share=parse_flag(MAX_MALFORMED, max_malformed),
        features=features,
        engine=parse_flag(ENGINE, engine),
        scheduler=parse_flag(SCHEDULER, scheduler),
        by=tuple(by or ()),
        envelope=parse_flag(ENVELOPE, envelope),
    )


def parse_time_option(name: str, value: str | None, now: datetime | None = None) -> datetime | None:
    """An absolute time (ISO-8601, a date, epoch seconds; naive is UTC), or a duration such
    as ``6h`` counted back from ``now`` (default: the current time); None stays None."""
    from mlmon.ingest.time_options import parse_time

    return None if value is None else parse_time(name, value, now)
