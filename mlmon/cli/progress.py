"""Progress on stderr while a command reads its input: bytes read out of the total, records,
and the rates, with rich's progress display.

Shown only where a person watches: stderr is a terminal (and ``TERM`` is not ``dumb``), the
output format is ``terminal`` (never ``json``, ``junit``, ...), and ``--quiet`` was not
given. It appears once a run has taken :data:`DELAY_S` seconds, so quick runs never flash
it, and it is transient: stopped, it leaves nothing behind, before the report is written
or an error is printed, and on Ctrl-C. Ingest reports through
:mod:`mlmon.ingest.progress`; this module only draws. Cheap to import: rich loads when the
display first appears.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from mlmon.ingest.progress import observing

DELAY_S = 1.0
"""Seconds a read runs before the display appears."""

_ACTIVE: ContextVar[ProgressDisplay | None] = ContextVar("mlmon_progress_display", default=None)


class ProgressDisplay:
    """An ingest observer (``display(bytes_done, bytes_total, records)``) that draws a
    transient rich progress bar on ``console`` (default: stderr) once ``delay`` seconds
    (default :data:`DELAY_S`) have passed since it was made: bytes read of the total, the
    byte rate, records and records per second."""

    def __init__(
        self,
        console: Any = None,
        delay: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        color: bool = True,
    ) -> None:
        self.console, self.clock, self.color = console, clock, color
        self.delay = DELAY_S if delay is None else delay
        self.began = clock()
        self.progress: Any = None
        self.task: Any = None
        self.stopped = False

    def __call__(self, done: int, total: int | None, records: int) -> None:
        if self.stopped:
            return
        now = self.clock()
        if self.progress is None:
            if now - self.began < self.delay:
                return
            self._start()
        elapsed = max(now - self.began, 1e-9)
        self.progress.update(
            self.task, completed=done, total=total, records=f"{records:,} records ({records / elapsed:,.0f}/s)"
        )

    def _start(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

        console = self.console or Console(stderr=True, no_color=not self.color or None)
        self.progress = Progress(
            TextColumn("reading"),
            BarColumn(bar_width=12),
            DownloadColumn(),
            TransferSpeedColumn(),
            TextColumn("{task.fields[records]}"),
            console=console,
            transient=True,
            redirect_stdout=False,
            redirect_stderr=False,
            refresh_per_second=4,
        )
        self.task = self.progress.add_task("reading", total=None, records="")
        self.progress.start()

    def stop(self) -> None:
        """Remove the display (a no-op when it never appeared); later reports are ignored."""
        self.stopped = True
        if self.progress is not None:
            progress, self.progress = self.progress, None
            progress.stop()


def progress_wanted(quiet: bool, output_format: Any = None, stream: Any = None) -> bool:
    """Whether a run shows progress: not ``--quiet``, a terminal format (or a command with
    no ``--format``), and ``stream`` (default: stderr) a terminal that is not ``dumb``."""
    stream = sys.stderr if stream is None else stream
    if quiet or (output_format is not None and output_format != "terminal"):  # OutputFormat is a str enum
        return False
    try:
        return bool(stream.isatty()) and os.environ.get("TERM") != "dumb"
    except (AttributeError, ValueError, OSError):
        return False


@contextmanager
def progress_shown(wanted: bool, color: bool = True) -> Iterator[None]:
    """Show progress for every read inside the ``with`` block when ``wanted``; the display is
    stopped when the block ends, however it ends (an error, Ctrl-C)."""
    if not wanted:
        yield
        return
    display = ProgressDisplay(color=color)
    token = _ACTIVE.set(display)
    try:
        with observing(display):
            yield
    finally:
        display.stop()
        _ACTIVE.reset(token)


def stop_progress() -> None:
    """Stop the display of the current run, if any: before the report is written."""
    display = _ACTIVE.get()
    if display is not None:
        display.stop()
