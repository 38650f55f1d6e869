"""The CLI boundary: errors become one line on stderr and exit code 2; a result is rendered
and its findings become the exit code. The only place exit codes are made. With ``--format
nagios`` every error (usage, config, input, internal) is also the plugin's status line on
stdout, ``MLMON UNKNOWN - <reason>``, and exit code 3 (:func:`say_error`)."""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import typer

try:  # typer 0.2x bundles its own click
    from typer import _click as click
except ImportError:  # pragma: no cover - older typer depends on click
    import click  # type: ignore[no-redef]

from mlmon.cli.color import use_color
from mlmon.cli.delivery import (
    asked_format,
    deliver,
    error_exit_code,
    error_output,
    format_for_output,
    refuse_overwriting_inputs,
)
from mlmon.cli.help import HelpGroup, similar_options
from mlmon.cli.progress import progress_shown, progress_wanted, stop_progress
from mlmon.errors import MlmonError, OutputError
from mlmon.render import OutputFormat
from mlmon.verdicts.findings import Severity


def run_guarded(app: Callable[[], Any]) -> None:
    """The entry point's last guard: an exception nothing else expected becomes one line,
    ``mlmon: internal error: ...``, and exit 2, never 1 (1 means a check breached).
    ``MLMON_DEBUG=1`` lets the traceback through. Tests drive ``app`` directly and see the
    real exception. Ctrl-C is exit 130 (``mlmon.cli`` handles SIGINT first thing)."""
    try:
        app()
    except KeyboardInterrupt:
        click.echo("mlmon: interrupted", err=True)
        sys.exit(130)
    except Exception as error:
        if os.environ.get("MLMON_DEBUG"):
            raise
        what = (str(error).strip().splitlines() or [""])[0][:300]
        asked = asked_format(sys.argv[1:])
        say_error(f"{type(error).__name__}: {what} (set MLMON_DEBUG=1 for the traceback)", asked, "internal error")
        sys.exit(error_exit_code(asked, 2))


class MlmonGroup(HelpGroup):
    """Typer's group, with click's usage errors as ``mlmon: error: ...`` and exit code 2
    instead of a boxed panel (an unknown option with the ones it may mean:
    :func:`mlmon.cli.help.similar_options`), help that shows metavars
    (:mod:`mlmon.cli.help`), and a reader that goes away (``mlmon --help | head -1``) no
    error: exit 0, as for a report (:func:`write_stdout`)."""

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        with _reader_may_leave():
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx: Any) -> Any:
        with _reader_may_leave():
            return super().invoke(ctx)

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        try:
            code = super().main(
                args, prog_name, complete_var, standalone_mode=False, windows_expand_args=windows_expand_args, **extra
            )
        except click.exceptions.UsageError as error:
            if isinstance(error, click.exceptions.NoSuchOption):
                _suggest(error)
            hint = f" (see '{error.ctx.command_path} --help')" if error.ctx is not None else ""
            asked = asked_format(list(args) if args is not None else sys.argv[1:])
            say_error(f"{error.format_message()}{hint}", asked)
            code = error_exit_code(asked, 2)
        except (typer.Abort, KeyboardInterrupt):
            click.echo("mlmon: interrupted", err=True)
            code = 130
        if standalone_mode:
            sys.exit(code or 0)
        return code


@contextlib.contextmanager
def _reader_may_leave() -> Iterator[None]:
    """Help, ``--version`` or a line of ``config show`` that meets a closed pipe ends the run
    quietly with exit 0 (click would exit 1, which means a breach)."""
    try:
        yield
    except BrokenPipeError:
        silence_stdout()
        raise typer.Exit(0) from None


def _suggest(error: Any) -> None:
    """Put the options the user may have meant into ``error``'s message."""
    ctx = error.ctx
    known = (
        []
        if ctx is None
        else [name for param in ctx.command.get_params(ctx) for name in (*param.opts, *param.secondary_opts)]
    )
    found = similar_options(error.option_name, known)
    error.possibilities = None
    if found:
        error.message = f"{error.message} (did you mean {' or '.join(found)}?)"
    elif ctx is not None and ctx.parent is not None:
        group, parent = ctx.parent.command, ctx.parent
        owners = [
            name
            for name in getattr(group, "list_commands", lambda _: [])(parent)
            if any(error.option_name in param.opts for param in getattr(group.get_command(parent, name), "params", []))
        ]
        if owners:
            error.message = f"{error.message} ({error.option_name} is an option of {', '.join(owners)})"


def handle_errors(command: Callable) -> Callable:
    """Turn an ``MlmonError`` into ``mlmon: error: ...`` on stderr and exit code 2 (3,
    Nagios' UNKNOWN, with ``--format nagios``). While the command runs, its reads show
    progress on stderr where :func:`mlmon.cli.progress.progress_wanted` says so (a
    command without ``--quiet`` never shows it); the display is gone before any error."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        chosen = kwargs.get("format", kwargs.get("output_format"))
        wanted = "quiet" in kwargs and progress_wanted(kwargs["quiet"], chosen)
        try:
            refuse_overwriting_inputs(kwargs)  # before anything is read
            with progress_shown(wanted, color=wanted and use_color(kwargs.get("color"), sys.stderr)):
                return command(*args, **kwargs)
        except MlmonError as error:
            say_error(str(error), chosen)
            raise typer.Exit(error_exit_code(chosen, error.exit_code)) from None

    return wrapper


def say_error(message: str, output_format: object = None, kind: str = "error") -> None:
    """``mlmon: <kind>: <message>`` on stderr, and on stdout what an error prints in
    ``output_format`` (:func:`mlmon.cli.delivery.error_output`): with ``--format nagios`` the
    plugin's status line, the same words after the state: ``MLMON UNKNOWN - <kind>:
    <message>``, made one line (:func:`mlmon.render.nagios.error_output`). NRPE and Nagios
    show only stdout, and an empty one reads "NRPE: Unable to read output". A stdout that
    cannot be written is left alone: stderr has said it."""
    typer.echo(f"mlmon: {kind}: {message}", err=True)
    text = error_output(output_format, f"{kind}: {message}")
    if text is None:
        return
    with contextlib.suppress(OutputError):
        write_stdout(text)


def finish(
    result: Any,
    output_format: OutputFormat,
    fail_on: Severity = Severity.CRITICAL,
    output: str | None = None,
    color: str | None = None,
    quiet: bool = False,
) -> None:
    """Render ``result`` on stdout or to ``output``, then exit with the code its findings
    earn (``mlmon.cli.delivery``). Machine formats get the skipped-line summary on stderr,
    so stdout stays parseable. ``color``: the command's ``--color`` (see :func:`use_color`).
    The progress display, if any, is removed first. A file written to ``output`` is said
    on stderr (:func:`say_wrote`), unless ``quiet``."""
    stop_progress()
    chosen = format_for_output(output_format, output)
    stats = getattr(result, "ingest", None)
    if chosen.is_machine and stats is not None:
        _warn_skipped(stats)
    code = deliver(result, output_format, fail_on, output, write_stdout, use_color(color))
    if output and not quiet:
        say_wrote(output, chosen.value)
    raise typer.Exit(code)


def say_wrote(path: str, details: str = "") -> None:
    """``mlmon: wrote PATH (SIZE): details`` on stderr, the line of every command that
    writes a file (:func:`mlmon.render.human.wrote_line`)."""
    from mlmon.render.human import wrote_line

    try:
        size: int | None = os.path.getsize(path)
    except OSError:
        size = None
    typer.echo(wrote_line(path, size, details), err=True)


def _warn_skipped(stats: Any) -> None:
    for heading, problems in (("skipped", stats.lines_skipped), ("values not used", stats.values_not_used)):
        if problems:
            parts = ", ".join(f"{n:,} {reason}" for reason, n in problems.items())
            first = next((f" (first: {p})" for p in stats.examples if p.reason in problems), "")
            typer.echo(f"mlmon: warning: {heading}: {parts}{first}", err=True)
    if stats.unreadable_files:
        typer.echo(
            (
                f"mlmon: warning: skipped {len(stats.unreadable_files)} unreadable file(s): "
                f"{'; '.join(stats.unreadable_files[:3])}"
            ),
            err=True,
        )


def write_stdout(text: str) -> None:
    """Write the report. A reader that went away (``| head``) is not an error: the rest is
    dropped quietly and the exit code still says what the checks found. Characters the
    terminal's encoding lacks are replaced, never a crash. A closed stdout or a full disk
    is an ``OutputError`` (exit 2)."""
    stream = sys.stdout
    if stream is None:
        raise OutputError("cannot write the report: standard output is closed")
    if hasattr(stream, "reconfigure"):
        stream.reconfigure(errors="replace")
    try:
        stream.write(text)
        stream.flush()
    except BrokenPipeError:
        silence_stdout()
    except OSError as error:
        raise OutputError(f"cannot write the report to standard output: {error.strerror or error}") from None


def silence_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's final flush does not complain about
    a closed pipe (the recipe in Python's signal documentation)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
    finally:
        os.close(devnull)
