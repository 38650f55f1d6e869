"""Write mlmon-format logs from a Python service: one JSON object per line.

This is the "one line to start writing the logs mlmon reads" of DESIGN.md §1. It uses the
standard library only (no numpy, no polars), so a service can import it at no cost.

Each line is a JSON object in mlmon's native dialect::

    {"ts": "2026-11-25T10:00:00.123456Z", "event": "inference", "level": "info",
     "model": "imgcls4", "latency_ms": 1.234, "status": "ok", "label": "A",
     "confidence": 0.93}

``ts`` is UTC with microseconds and a ``Z``; ``event`` is ``inference`` (latency, status)
or ``prediction`` (label, confidence, probabilities); fields given to the constructor
(``model=``, ``model_version=``) are added to every record. Records are written one whole
line per ``write`` call under a lock, so threads never interleave partial lines, and each
line is flushed as soon as it is written (line-buffered), so ``mlmon report`` sees it at
once and a crash loses at most the line being written.

Values are made JSON-safe: numpy scalars and arrays become numbers and lists, datetimes
become ISO strings, and non-finite floats (NaN, inf) become ``null`` so that every line
stays valid JSON. Logging never raises for an odd value: anything else becomes ``str(x)``.

Example::

    from mlmon.instrument import PredictionLog

    log = PredictionLog("logs/predictions.jsonl", model="fraud", model_version="3")
    with log.timed(request_id=request_id) as call:   # writes an "inference" record
        probabilities = model.predict(x)
        call.update(label=top_label, confidence=top_probability)
    log.prediction(label=top_label, confidence=top_probability)   # or a separate record
"""

from __future__ import annotations

import io
import json
import os
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import IO, Any, Iterator

from mlmon.plain import to_plain

__all__ = ["PredictionLog", "TimedCall", "format_ts"]

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_ERROR_STATUSES = frozenset({"error", "timeout", "invalid_input"})
_RESERVED = frozenset({"ts", "event", "level"})


def format_ts(ts: "datetime | float | int | None" = None) -> str:
    """Format a time as mlmon's ``ts``: ISO-8601 UTC with microseconds and ``Z``.

    ``ts`` may be None (now), an aware or naive datetime (naive is taken as UTC), or an
    epoch number whose unit follows from its magnitude, as mlmon's ingest reads them:
    below 1e11 seconds, below 1e14 milliseconds, below 1e17 microseconds, else nanoseconds
    (``time.time()`` and ``time.time_ns()`` both work).
    """
    if ts is None:
        ts = time.time_ns()
    if isinstance(ts, datetime):
        moment = ts.replace(tzinfo=timezone.utc) if ts.tzinfo is None else ts.astimezone(timezone.utc)
    else:
        size = abs(ts)
        if isinstance(ts, int):
            micros = (ts * 1_000_000 if size < 10**11 else ts * 1000 if size < 10**14
                      else ts if size < 10**17 else ts // 1000)
        else:
            scale = 1e6 if size < 1e11 else 1e3 if size < 1e14 else 1.0 if size < 1e17 else 1e-3
            micros = round(float(ts) * scale)
        moment = _EPOCH + timedelta(microseconds=micros)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _json_safe(value: Any) -> Any:
    """``value`` as strict-JSON plain data, datetimes as mlmon's ``ts``."""
    return to_plain(value, format_ts)


class TimedCall:
    """Handle yielded by :meth:`PredictionLog.timed`: add fields to the pending record."""

    def __init__(self, fields: dict[str, Any]) -> None:
        self.fields = fields
        """Fields the inference record will carry; ``update`` adds to them."""
        self.status = "ok"
        """Status to log; set it to ``"timeout"`` or ``"invalid_input"`` when apt."""

    def update(self, **fields: Any) -> None:
        """Add fields (``label=``, ``confidence=``, ``batch_size=`` ...) to the record."""
        self.fields.update(fields)


class PredictionLog:
    """A thread-safe, line-buffered writer of mlmon-format JSON-lines records.

    Parameters
    ----------
    target
        A path (created if absent, parent directories too) or an open text stream such as
        ``sys.stdout``. A stream is flushed after every line and is not closed by
        :meth:`close`.
    append
        For a path: add to an existing file (the default) or, when False, truncate it.
    **static_fields
        Fields added to every record, e.g. ``model="imgcls4"``, ``model_version="3"``.
    """

    def __init__(self, target: "str | os.PathLike[str] | IO[str]", *, append: bool = True,
                 **static_fields: Any) -> None:
        bad = _RESERVED & static_fields.keys()
        if bad:
            raise ValueError(f"reserved field names cannot be static fields: {sorted(bad)}")
        if isinstance(target, (str, os.PathLike)):
            path = os.fspath(target)
            parent = os.path.dirname(path)
            if parent:
                os.makedirs(parent, exist_ok=True)
            self._stream: IO[str] = open(path, "a" if append else "w", buffering=1,
                                               encoding="utf-8")
            self._owns_stream = True
        else:
            self._stream = target
            self._owns_stream = False
        self._static = _json_safe(static_fields)
        self._lock = threading.Lock()
        self.records_written = 0
        """How many records this log has written."""

    # -- writing ---------------------------------------------------------------------------

    def write(self, event: str, *, level: str = "info",
              ts: "datetime | float | int | None" = None, **fields: Any) -> None:
        """Write one record: ``ts``, ``event``, ``level``, static fields, then ``fields``."""
        record: dict[str, Any] = {"ts": format_ts(ts), "event": event, "level": level}
        record.update(self._static)
        for key, value in fields.items():
            if key not in _RESERVED:
                record[key] = _json_safe(value)
        line = json.dumps(record, ensure_ascii=False, allow_nan=False) + "\n"
        with self._lock:
            self._stream.write(line)
            if not self._owns_stream:
                self._stream.flush()
            self.records_written += 1

    def inference(self, latency_ms: float, status: str = "ok", *,
                  ts: "datetime | float | int | None" = None, level: str | None = None,
                  **fields: Any) -> None:
        """Write an ``inference`` record: how long one call took and whether it failed.

        ``level`` defaults to ``error`` for the error statuses (``error``, ``timeout``,
        ``invalid_input``) and ``info`` otherwise.
        """
        if level is None:
            level = "error" if status in _ERROR_STATUSES else "info"
        self.write("inference", level=level, ts=ts, latency_ms=latency_ms, status=status,
                   **fields)

    def prediction(self, label: Any, confidence: float | None = None,
                   probabilities: Any = None, *, ts: "datetime | float | int | None" = None,
                   **fields: Any) -> None:
        """Write a ``prediction`` record: the predicted label and its confidence.

        ``probabilities`` (a list, a dict of label to probability, or a numpy array) is
        written only when given.
        """
        extra: dict[str, Any] = {"label": label}
        if confidence is not None:
            extra["confidence"] = confidence
        if probabilities is not None:
            extra["probabilities"] = probabilities
        self.write("prediction", ts=ts, **extra, **fields)

    @contextmanager
    def timed(self, **fields: Any) -> Iterator[TimedCall]:
        """Time the ``with`` block and write an ``inference`` record when it ends.

        The record's ``ts`` is the start of the block. If the block raises, the record has
        ``status="error"``, ``level="error"`` and ``error_kind`` (the exception class name),
        and the exception propagates unchanged.
        """
        call = TimedCall(dict(fields))
        started_ns = time.time_ns()
        t0 = time.perf_counter_ns()
        try:
            yield call
        except BaseException as exc:
            latency_ms = (time.perf_counter_ns() - t0) / 1e6
            call.fields.setdefault("error_kind", type(exc).__name__)
            self.inference(latency_ms, "error", ts=started_ns, **call.fields)
            raise
        latency_ms = (time.perf_counter_ns() - t0) / 1e6
        self.inference(latency_ms, call.status, ts=started_ns, **call.fields)

    # -- lifetime --------------------------------------------------------------------------

    def close(self) -> None:
        """Close the file (a stream passed in is flushed, not closed)."""
        with self._lock:
            if self._owns_stream:
                self._stream.close()
            else:
                try:
                    self._stream.flush()
                except (ValueError, io.UnsupportedOperation):
                    pass

    def __enter__(self) -> "PredictionLog":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
