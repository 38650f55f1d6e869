"""``mlmon watch``'s checkpoint: where following stands and the analysis state that matches it,
in one JSON file, written whole or not at all.

The document (``--state FILE``)::

    {"mlmon_watch_checkpoint": 1,
     "positions": {...},      # Follower.positions().to_json(): each file's offset and lines
     "summary": {...},        # the running summary's document (mlmon.summary.files.dumps)
     "alerts": [...],         # AlertState.to_json(): the alerts firing and when last sent
     "counters": {...}}       # Exporter.snapshot(): the live counters

Offsets and state are written together, after a poll whose batches are all merged, so they
always agree: after a crash (even ``kill -9``) the next process resumes from the offsets of the
last checkpoint with the state of exactly the lines before them; the lines read since are read
again, none is counted twice or lost. :func:`save` writes a temporary file beside the target,
flushes it to disk, renames it over the target (atomic on POSIX) and flushes the directory, so
a crash at any moment leaves the previous checkpoint or the new one, never a mix.
:func:`load` refuses a damaged file with one line (exit 2): starting over silently would count
everything again or lose it.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlmon.errors import InputError, MlmonError, OutputError
from mlmon.files import replace_file
from mlmon.summary.files import Summary, dumps, summary_from_document
from mlmon.watch.alerts import AlertState
from mlmon.watch.positions import Positions

VERSION = 1
"""The checkpoint format this mlmon writes and reads."""
VERSION_KEY = "mlmon_watch_checkpoint"
"""The document's first key."""


@dataclass(frozen=True)
class Checkpoint:
    """Everything ``mlmon watch`` needs to resume."""

    positions: Positions
    """Where each followed file stands."""
    summary: Summary
    """The analysis state of exactly the lines before those positions."""
    alerts: AlertState
    """The alerts firing, for ``for``/resend/resolve to carry over."""
    counters: dict[str, Any]
    """The exporter's live counters (:meth:`~mlmon.watch.exporter.Exporter.snapshot`)."""


def checkpoint_text(checkpoint: Checkpoint) -> str:
    """The checkpoint as its JSON document, with a final newline. The summary's document
    (most of it) is written once, by :func:`~mlmon.summary.files.dumps`, and put in whole."""
    document = {
        VERSION_KEY: VERSION,
        "positions": checkpoint.positions.to_json(),
        "alerts": json.loads(checkpoint.alerts.to_json()),
        "counters": checkpoint.counters,
    }
    head = json.dumps(document, allow_nan=False, separators=(",", ":"))
    return f'{head[:-1]},"summary":{dumps(checkpoint.summary).strip()}}}\n'


def save(path: str | os.PathLike[str], checkpoint: Checkpoint) -> None:
    """Write ``checkpoint`` to ``path`` atomically and durably (see the module's docstring).
    ``OutputError`` (one line) when it cannot be written; the previous file is then intact."""
    target = Path(path)
    try:
        replace_file(target, checkpoint_text(checkpoint), 0o600)
        _sync_directory(target.parent)
    except OSError as error:
        raise OutputError(f"{path}: cannot write the watch state: {error.strerror or error}") from None


class Saver:
    """Writes checkpoints to ``path`` on a thread of their own, so following goes on while one
    is written (the parts of a checkpoint are immutable: it is the state when it was taken).
    One at a time: a checkpoint asked for while the last is still being written is not taken
    (the next turn takes a newer one). ``written`` is called after each write; a failed
    write is raised by the next call."""

    def __init__(self, path: str | os.PathLike[str], written: Callable[[], None] = lambda: None) -> None:
        self.path, self.written = path, written
        self._thread: threading.Thread | None = None
        self._error: MlmonError | None = None

    def save(self, take: Callable[[], Checkpoint], *, wait: bool = False) -> bool:
        """Take a checkpoint (``take()``) and write it, unless one is still being written;
        ``wait``: wait for that one, then write this one and wait for it too (the last
        checkpoint, at a stop). Whether one was taken; ``OutputError`` from a failed write."""
        if self._thread is not None and self._thread.is_alive():
            if not wait:
                return False
            self._thread.join()
        self._raise()
        self._thread = threading.Thread(target=self._write, args=(take(),), name="mlmon-checkpoint")
        self._thread.start()
        if wait:
            self._thread.join()
            self._raise()
        return True

    def _write(self, checkpoint: Checkpoint) -> None:
        try:
            save(self.path, checkpoint)
        except MlmonError as error:
            self._error = error
        else:
            self.written()

    def _raise(self) -> None:
        error, self._error = self._error, None
        if error is not None:
            raise error


def load(path: str | os.PathLike[str], resend_seconds: float = 60.0) -> Checkpoint | None:
    """The checkpoint in ``path``; None when there is no such file (a first start).
    ``InputError`` (one line, naming the file) when it cannot be read or is damaged."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: cannot read the watch state: {getattr(error, 'strerror', None) or error}") from None
    try:
        return _parsed(json.loads(text), str(path), resend_seconds)
    except MlmonError as error:
        raise InputError(f"{path}: damaged watch state ({_first_line(error)}); {_ADVICE}") from None
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as error:
        problem = f"{type(error).__name__}: {_first_line(error)}"
        raise InputError(f"{path}: damaged watch state ({problem}); {_ADVICE}") from None


_ADVICE = "restore it, or remove it to start over (lines are then read again as --from says)"


def _parsed(document: object, path: str, resend_seconds: float) -> Checkpoint:
    if not isinstance(document, dict):
        raise ValueError("not a JSON object")
    if document.get(VERSION_KEY) != VERSION:
        raise ValueError(f"version {document.get(VERSION_KEY)!r}, this mlmon reads version {VERSION}")
    counters = document["counters"]
    if not isinstance(counters, dict):
        raise TypeError("counters is not an object")
    return Checkpoint(
        positions=Positions.from_json(document["positions"]),
        summary=summary_from_document(document["summary"], f"{path} (its summary)"),
        alerts=AlertState.from_json(json.dumps(document["alerts"]), resend_seconds),
        counters=counters,
    )


def _sync_directory(directory: Path) -> None:
    """Flush the directory entry of a rename to disk (where the system allows it)."""
    fd = os.open(directory if str(directory) else ".", os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _first_line(error: BaseException) -> str:
    return (str(error).splitlines() or [""])[0][:200]
