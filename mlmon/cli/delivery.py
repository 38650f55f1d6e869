"""Where a rendered result goes and what exit code it earns: standard output or
``--output FILE`` (written atomically, never over an input of the run; a ``.html``/``.htm``
file with no ``--format`` gets HTML), GitHub Actions' step summary and annotations for
``--format markdown``, and Nagios' exit codes for ``--format nagios``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import typer

from mlmon.errors import OutputError
from mlmon.files import file_identity, refuse_overwriting, replace_file
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
    if output:  # again, with the files the run read (a reference from the config, say)
        stats = getattr(result, "ingest", None)
        refuse_overwriting({"--output": output}, [("the input", path) for path in getattr(stats, "files", ())])
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
    a usage error can exit as Nagios' UNKNOWN), the name in any case as ``--format`` reads it."""
    for index, arg in enumerate(args):
        if arg in ("--format", "-f") and index + 1 < len(args) and str(args[index + 1]).lower() == "nagios":
            return True
        if str(arg).lower() in ("--format=nagios", "-fnagios"):
            return True
    return False


OUTPUT_ARGUMENTS = {"output": "--output", "log": "--log"}
"""A command's keyword arguments that name files it writes, with their options."""
INPUT_ARGUMENTS = {"reference": "the reference profile", "model": "the model", "input_file": "the --input file", "config": "the config file"}
"""A command's keyword arguments that name single files it reads, and what they are."""
LOG_ARGUMENTS = ("logs", "data")
"""A command's keyword arguments that name logs: files, directories, globs, ``-``."""


def refuse_overwriting_inputs(arguments: dict[str, Any]) -> None:
    """Before a command reads anything (:func:`mlmon.cli.boundary.handle_errors` calls it
    with the command's arguments): no output (``--output``, bench's ``--log``) may name an
    input of the run or another output, by path, hard link or symbolic link
    (:func:`mlmon.files.refuse_overwriting`; ``UsageError``, exit 2). Inputs are LOGS/DATA
    expanded as the reader expands them (directories, globs, ``-``), ``--reference``,
    bench's model and ``--input``, and ``--config``. A file found in a directory that is one
    of mlmon's own outputs (last run's ``report.json``) is not read, so replacing it is
    allowed; a summary is read, so it is not."""
    outputs = {flag: arguments.get(name) for name, flag in OUTPUT_ARGUMENTS.items()}
    targets = {file_identity(path) for path in outputs.values() if path is not None and str(path) != "-"} - {None}
    if not targets:
        return
    from mlmon.ingest.discovery import files_read  # lazily: it loads the sniffer (lzma, threads), off --help's path

    inputs: list[tuple[str, Any]] = []
    for name in LOG_ARGUMENTS:
        inputs.extend(("the input", path) for path in files_read([str(item) for item in arguments.get(name) or []]))
    inputs.extend((what, arguments[name]) for name, what in INPUT_ARGUMENTS.items() if arguments.get(name) is not None)
    refuse_overwriting(outputs, inputs)


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

