"""Where a rendered result goes and what exit code it earns: standard output or
``--output FILE`` (written atomically; a ``.html``/``.htm`` file with no ``--format`` gets
HTML), GitHub Actions' step summary and annotations for ``--format markdown``, and Nagios'
exit codes for ``--format nagios``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import typer

from mlmon.errors import OutputError
from mlmon.files import replace_file
from mlmon.render import OutputFormat, render
from mlmon.render.nagios import UNKNOWN, nagios_state
from mlmon.verdicts.findings import Severity, exit_code

HTML_SUFFIXES = (".html", ".htm")
"""``--output`` names with these endings get ``--format html`` when no format was chosen."""

NAGIOS_UNKNOWN = UNKNOWN
"""Nagios' UNKNOWN: the exit code of every error in ``--format nagios``, where 2 would
read as CRITICAL."""


def deliver(result: Any, output_format: OutputFormat, fail_on: Severity, output: str | None, write_stdout: Any, color: bool) -> int:
    """Render ``result`` to ``output`` (or standard output through ``write_stdout``) and
    return the exit code: 0/1 by ``fail_on``, or Nagios' 0/1/2/3 by the worst finding."""
    output_format = format_for_output(output_format, output)
    text = render(result, output_format, color=color and not output)
    if output_format is OutputFormat.MARKDOWN:
        _github(result, text, write_stdout)
    if output:
        write_file_atomically(output, text)
    else:
        write_stdout(text)
    if output_format is OutputFormat.NAGIOS:
        return nagios_state(result)
    return exit_code(result.findings, fail_on)


def format_for_output(output_format: OutputFormat, output: str | None) -> OutputFormat:
    """HTML for ``--output report.html`` (or ``.htm``) when the format is the default
    terminal; ``output_format`` otherwise."""
    if output_format is OutputFormat.TERMINAL and output and output.lower().endswith(HTML_SUFFIXES):
        return OutputFormat.HTML
    return output_format


def error_exit_code(output_format: object, default: int) -> int:
    """The exit code of an error: Nagios' UNKNOWN in ``--format nagios``, else ``default``."""
    return NAGIOS_UNKNOWN if output_format in (OutputFormat.NAGIOS, "nagios") else default


def asks_for_nagios(args: list[str]) -> bool:
    """Whether a command line asks for ``--format nagios`` (read before click parses it, so
    a usage error can exit as Nagios' UNKNOWN)."""
    for index, arg in enumerate(args):
        if arg in ("--format", "-f") and index + 1 < len(args) and args[index + 1] == "nagios":
            return True
        if arg in ("--format=nagios", "-fnagios"):
            return True
    return False


def write_file_atomically(path: str, text: str) -> None:
    """Write ``text`` to ``path`` whole (:func:`mlmon.files.replace_file`), so a reader
    (node_exporter's textfile collector, a CI step) never sees half a file; a new file is
    0644 (node_exporter often runs as another user). ``OutputError`` (exit 2) when it
    cannot be written."""
    target = Path(path)
    try:
        replace_file(target, text, 0o644)
    except OSError as error:
        raise OutputError(f"{target}: cannot write the output: {error.strerror or error}") from None


def _github(result: Any, text: str, write_stdout: Any) -> None:
    """In GitHub Actions: annotations on standard output (where the runner reads workflow
    commands), and the markdown appended to ``$GITHUB_STEP_SUMMARY`` when it is set."""
    from mlmon.render.markdown import append_step_summary, github_annotations

    if os.environ.get("GITHUB_ACTIONS") == "true":
        lines = github_annotations(result)
        if lines:
            write_stdout("\n".join(lines) + "\n")
    summary = os.environ.get("GITHUB_STEP_SUMMARY", "").strip()
    if summary:
        outcome = append_step_summary(text, summary)
        if outcome:
            typer.echo(f"mlmon: warning: {outcome}", err=True)

