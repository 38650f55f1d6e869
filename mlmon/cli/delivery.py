"""Where a rendered result goes and what exit code it earns: standard output or
``--output FILE`` (written atomically), GitHub Actions' step summary and annotations for
``--format markdown``, and Nagios' exit codes for ``--format nagios``."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import typer

from mlmon.errors import OutputError
from mlmon.render import OutputFormat, render
from mlmon.verdicts.findings import Severity, exit_code

NAGIOS_UNKNOWN = 3
"""Nagios' UNKNOWN: the exit code of every error in ``--format nagios``, where 2 would
read as CRITICAL."""


def deliver(result: Any, output_format: OutputFormat, fail_on: Severity, output: str | None, write_stdout: Any, color: bool) -> int:
    """Render ``result`` to ``output`` (or standard output through ``write_stdout``) and
    return the exit code: 0/1 by ``fail_on``, or Nagios' 0/1/2/3 by the worst finding."""
    text = render(result, output_format, color=color and not output)
    if output_format is OutputFormat.MARKDOWN:
        _github(result, text, write_stdout)
    if output:
        write_file_atomically(output, text)
    else:
        write_stdout(text)
    if output_format is OutputFormat.NAGIOS:
        from mlmon.render.nagios import nagios_state

        return nagios_state(result)
    return exit_code(result.findings, fail_on)


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
    """Write ``text`` to a temporary file beside ``path``, then ``os.replace`` it (atomic on
    POSIX), so a reader (node_exporter's textfile collector, a CI step) never sees half a
    file. The temporary name starts with a dot and ends in ``.tmp``: the collector, which
    reads ``*.prom`` only, never picks it up, and it is removed when the write fails. The
    file keeps the mode of the one it replaces (0644 for a new one: node_exporter often runs
    as another user). A device or pipe is written through. ``OutputError`` (exit 2) when
    it cannot be written."""
    target = Path(path)
    try:
        if target.exists() and not target.is_file():
            with open(target, "w", encoding="utf-8") as fh:
                fh.write(text)
            return
        _replace(target, text)
    except OSError as error:
        raise OutputError(f"{target}: cannot write the output: {error.strerror or error}") from None


def _replace(target: Path, text: str) -> None:
    mode = target.stat().st_mode & 0o7777 if target.is_file() else 0o644
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent if str(target.parent) else ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, mode)
        os.replace(temp, target)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise


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

