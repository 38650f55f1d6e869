"""The ``--log`` file of ``mlmon bench``: checked before the model loads, written through
:mod:`mlmon.instrument` after each configuration's timed phase. Whatever goes wrong with it
(a directory, a parent that cannot be made, no permission, a full disk) is one
:class:`~mlmon.errors.OutputError` line, never a traceback."""

from __future__ import annotations

import errno
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from mlmon.errors import OutputError, UsageError


def log_error(path: Path, exc: OSError) -> OutputError:
    """A one-line error for ``exc`` raised while opening or writing ``path``."""
    if exc.errno in (errno.EEXIST, errno.ENOTDIR):
        why = "a parent of it is not a directory"
    elif exc.errno == errno.EISDIR:
        why = "it is a directory"
    else:
        why = exc.strerror or str(exc)
    return OutputError(f"cannot write --log {path}: {why}")


def refuse_existing_log(path: Path) -> None:
    """The CLI's guard: ``--log`` names a file that exists (a regular file; a device such as
    ``/dev/null`` is written through, never replaced), and ``--force`` was not given.
    Raises :class:`~mlmon.errors.UsageError` (exit 2) before anything is timed."""
    try:
        exists = Path(path).is_file()
    except OSError:
        return  # check_log_path reports what is wrong with it
    if exists:
        raise UsageError(f"--log {path}: the file exists; add --force to replace it")


def check_log_path(path: Path) -> None:
    """Fail before any timing when ``path`` cannot be opened for writing. Missing parent
    directories are created, as the log writer would; the file is opened for appending
    (its contents untouched) and removed again when this check created it. A full disk
    (``/dev/full``) only shows on the first write, after the first configuration."""
    existed = os.path.lexists(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8"):
            pass
    except OSError as exc:
        raise log_error(path, exc) from None
    if not existed:
        path.unlink(missing_ok=True)


class _Sink:
    """The file under the :class:`~mlmon.instrument.PredictionLog`: it keeps the first
    ``OSError`` instead of raising it (the log would swallow it, as a service's must), so
    :class:`LogWriter` reports it as one line and stops."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(path, "w", buffering=1, encoding="utf-8")  # noqa: SIM115 - closed by close()
        self.error: OSError | None = None

    def write(self, text: str) -> int:
        if self.error is None:
            try:
                return self._file.write(text)
            except OSError as exc:
                self.error = exc
        return 0

    def flush(self) -> None:
        if self.error is None:
            try:
                self._file.flush()
            except OSError as exc:
                self.error = exc

    def close(self) -> None:
        self._file.close()


class LogWriter:
    """Writes one ``inference`` record per timed call through :mod:`mlmon.instrument`."""

    def __init__(self, path: Path, model_name: str) -> None:
        from mlmon.instrument import PredictionLog

        self.path = path
        self._failed = False
        try:
            self._sink = _Sink(path)
        except OSError as exc:
            raise log_error(path, exc) from None
        self._log = PredictionLog(self._sink, model=model_name)  # type: ignore[arg-type]
        # One reading of both clocks converts perf_counter_ns stamps to wall-clock time.
        self._wall_ns = time.time_ns()
        self._perf_ns = time.perf_counter_ns()

    def write(
        self,
        starts_ns: np.ndarray,
        latencies_ms: np.ndarray,
        batch_size: int,
        labels: Sequence[str],
        confidences: Sequence[float | None],
    ) -> None:
        """One record per call; ``labels``/``confidences`` (empty: none) are per call too,
        a None confidence leaves the key out."""
        offset = self._wall_ns - self._perf_ns
        inference = self._log.inference
        for i, (start, latency) in enumerate(zip(starts_ns.tolist(), latencies_ms.tolist())):
            extra: dict[str, Any] = {}
            if labels:
                extra["label"] = labels[i]
                if confidences[i] is not None:
                    extra["confidence"] = round(float(confidences[i]), 6)  # type: ignore[arg-type]
            inference(latency, "ok", ts=start + offset, batch_size=batch_size, **extra)
            if self._sink.error is not None:
                self._failed = True
                raise log_error(self.path, self._sink.error)

    @property
    def records(self) -> int:
        return self._log.records_written

    def close(self) -> None:
        """Close the file; a failure already reported by :meth:`write` is not raised again."""
        self._log.close()
        try:
            self._sink.close()
        except OSError as exc:
            if not self._failed:
                raise log_error(self.path, exc) from None
