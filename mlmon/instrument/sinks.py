"""Where a :class:`~mlmon.instrument.log.PredictionLog`'s lines go: a path opened at the
first record, a short write finished, a logging handler's stream written directly."""

from __future__ import annotations

import logging
import logging.handlers
import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mlmon.instrument.log import PredictionLog


class LazyFile:
    """A log path until its first record: then the file is opened (its directories made),
    unbuffered so that each line is one ``write``, and it replaces this stand-in as the
    log's stream. Called under the log's lock."""

    def __init__(self, log: PredictionLog, path: str, mode: str) -> None:
        self._log, self.path, self._mode = log, path, mode
        self.closed = False

    def write(self, data: bytes) -> int | None:
        if self.closed:
            raise ValueError(f"write to a closed log: {self.path}")
        directory = os.path.dirname(self.path)
        if directory:
            os.makedirs(directory, exist_ok=True)
        stream = open(self.path, self._mode, buffering=0)  # noqa: SIM115 - the log keeps it open; one write() per line
        self._log._stream = stream
        return stream.write(data)

    def close(self) -> None:
        self.closed = True


def write_rest(stream: Any, data: bytes | str, written: int | None) -> None:
    """Finish a short write (rare: a signal, or a disk filling up mid-line)."""
    done = written or 0
    while done < len(data):
        more = stream.write(data[done:])
        if not more:
            raise OSError(f"short write: {done} of {len(data)} bytes")
        done += more


def emit_to_stream(handler: logging.StreamHandler, record: logging.LogRecord) -> None:
    """A stream or file handler's ``emit`` without its formatter (the line is already
    JSON) or ``handleError`` (a traceback per failure): rotate if due, write, flush;
    errors reach ``write``, which counts them."""
    if isinstance(handler, logging.handlers.BaseRotatingHandler):
        # BaseRotatingHandler.emit calls both on every subclass; the stubs declare them on the stdlib two only.
        rotating: Any = handler
        if rotating.shouldRollover(record):
            rotating.doRollover()
    if isinstance(handler, logging.handlers.WatchedFileHandler):
        handler.reopenIfNeeded()
    if handler.stream is None and isinstance(handler, logging.FileHandler):
        handler.stream = handler._open()
    handler.stream.write(record.getMessage() + handler.terminator)  # already the JSON line
    handler.stream.flush()


def emit_line(handler: logging.Handler, line: str, level: str) -> None:
    """Hand one line (without its newline) to a logging handler at ``level``; the handler's
    own errors are raised, not printed."""
    number = logging.getLevelName(level.upper())
    record = logging.LogRecord(
        "mlmon.instrument", number if isinstance(number, int) else logging.INFO, __file__, 0, line, None, None
    )
    if handler.filter(record):
        handler.acquire()
        try:
            if isinstance(handler, logging.StreamHandler):
                emit_to_stream(handler, record)
            else:
                handler.emit(record)
        finally:
            handler.release()
