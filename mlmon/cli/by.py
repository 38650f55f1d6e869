"""``--by`` and the output formats: a format that does not show a run's groups refuses
``--by`` (exit 2, one line naming the format) rather than dropping them silently."""

from __future__ import annotations

from mlmon.cli.delivery import format_for_output
from mlmon.errors import UsageError
from mlmon.render import OutputFormat

REPORT_SHOWS = (OutputFormat.TERMINAL, OutputFormat.JSON)
"""The formats of ``report`` that show the groups (a table, ``by`` and ``groups``)."""


def refuse_hidden_groups(
    by: list[str] | None, output_format: OutputFormat, output: str | None, shown: tuple[OutputFormat, ...]
) -> None:
    """``UsageError`` when ``--by`` is given and the format chosen (``--format``, or the
    ``--output`` file's suffix) is not one of ``shown``."""
    chosen = format_for_output(output_format, output)
    if by and chosen not in shown:
        names = " or ".join(f.value for f in shown)
        raise UsageError(f"--by: --format {chosen.value} does not show groups; use --format {names}")
