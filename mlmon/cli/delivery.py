"""Where a rendered result goes and what exit code it earns: standard output or
``--output FILE`` (written atomically, never over an input of the run; a ``.html``/``.htm``
file with no ``--format`` gets HTML), and whatever else the format's module owns
(:mod:`mlmon.render`: its own exit codes, as Nagios' plugin states; the exit code and the
standard output of an error; outputs besides its text, as GitHub Actions' annotations and
step summary for markdown). Nothing here knows one format from another but HTML's file
names."""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType
from typing import Any

import typer

from mlmon.errors import OutputError
from mlmon.files import file_identity, refuse_overwriting, replace_file
from mlmon.render import OutputFormat, render
from mlmon.verdicts.findings import Severity, exit_code

HTML_SUFFIXES = (".html", ".htm")
"""``--output`` names with these endings get ``--format html`` when no format was chosen."""


def deliver(
    result: Any, output_format: OutputFormat, fail_on: Severity, output: str | None, write_stdout: Any, color: bool
) -> int:
    """Render ``result`` to ``output`` (or standard output through ``write_stdout``), with
    what the format delivers besides, and return the exit code: the format's own where it
    has one (Nagios' 0/1/2/3 by the worst finding), else 0/1 by ``fail_on``."""
    output_format = format_for_output(output_format, output)
    if output:  # again, with the files the run read (a reference from the config, say)
        stats = getattr(result, "ingest", None)
        refuse_overwriting({"--output": output}, [("the input", path) for path in getattr(stats, "files", ())])
    text = render(result, output_format, color=color and not output)
    module = _module(output_format)
    beside = getattr(module, "deliver_beside", None)
    for warning in beside(result, text, write_stdout) if beside is not None else ():
        typer.echo(f"mlmon: warning: {warning}", err=True)
    if output:
        write_file_atomically(output, text)
    else:
        write_stdout(text)
    own = getattr(module, "exit_code", None)
    if own is not None:
        return own(result)
    earned = getattr(result, "exit_code", None)  # a result with codes of its own (compare's no data: 2)
    return earned(fail_on) if earned is not None else exit_code(result.findings, fail_on)


def format_for_output(output_format: OutputFormat, output: str | None) -> OutputFormat:
    """HTML for ``--output report.html`` (or ``.htm``) when the format is the default
    terminal; ``output_format`` otherwise."""
    if output_format is OutputFormat.TERMINAL and output and output.lower().endswith(HTML_SUFFIXES):
        return OutputFormat.HTML
    return output_format


def error_exit_code(output_format: object, default: int) -> int:
    """The exit code of an error in ``output_format`` (an :class:`OutputFormat`, its name, or
    None): the format's ``ERROR_EXIT_CODE`` where it has one (Nagios' UNKNOWN), else ``default``."""
    return getattr(_module(output_format), "ERROR_EXIT_CODE", default)


def error_output(output_format: object, message: str) -> str | None:
    """What an error prints on standard output in ``output_format``, besides its line on
    stderr (Nagios' ``MLMON UNKNOWN - ...``); None for a format that prints nothing."""
    say = getattr(_module(output_format), "error_output", None)
    return say(message) if say is not None else None


def asked_format(args: list[str]) -> OutputFormat | None:
    """The ``--format`` a command line asks for, read before click parses it (so a usage
    error can exit and print as that format's errors do): the last ``--format NAME``,
    ``--format=NAME``, ``-f NAME`` or ``-fNAME``, the name in any case as ``--format`` reads
    it; None when there is none, or it names no format."""
    asked = None
    for index, arg in enumerate(map(str, args)):
        lowered = arg.lower()
        if arg in ("--format", "-f"):
            asked = str(args[index + 1]) if index + 1 < len(args) else None
        elif lowered.startswith("--format="):
            asked = arg[len("--format=") :]
        elif lowered.startswith("-f") and not lowered.startswith("--") and len(arg) > 2:
            asked = arg[2:]
    return _format(asked)


OUTPUT_ARGUMENTS = {"output": "--output", "log": "--log"}
"""A command's keyword arguments that name files it writes, with their options."""
INPUT_ARGUMENTS = {
    "reference": "the reference profile",
    "model": "the model",
    "input_file": "the --input file",
    "config": "the config file",
}
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


def _format(value: object) -> OutputFormat | None:
    """``value`` (an :class:`OutputFormat` or its name, in any case) as a format; None when
    it is none."""
    try:
        return OutputFormat(str(value.value if isinstance(value, OutputFormat) else value).lower())
    except ValueError:
        return None


def _module(output_format: object) -> ModuleType | None:
    """The module of ``output_format`` (see :func:`_format`), loaded; None for no format."""
    chosen = _format(output_format)
    return None if chosen is None else importlib.import_module(chosen.module)
