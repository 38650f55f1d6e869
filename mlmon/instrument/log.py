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

Monitoring never breaks the service: a failure inside the writer (disk full, a closed
file, a value whose ``str`` raises) is swallowed and counted in ``failures``, and the first
one is reported once on stderr. Exceptions from the service's own code are never caught.

The target may also be a ``logging.Handler`` (``RotatingFileHandler``,
``WatchedFileHandler``): each line then goes through ``handler.handle``, so the handler
rotates the file, and ``mlmon report logs/`` reads the rotated set (``app.jsonl.1`` ...).

Example (one call, one record: latency, status and the prediction together)::

    from mlmon.instrument import PredictionLog

    log = PredictionLog("logs/predictions.jsonl", model="fraud", model_version="3")
    with log.timed(request_id=request_id) as call:   # writes one "inference" record
        probabilities = model.predict(x)
        call.update(label=top_label, confidence=top_probability)
"""

from __future__ import annotations

import io
import json
import logging
import logging.handlers
import os
import random
import sys
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


_ENCODE = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode
"""One encoder for every record (``json.dumps`` with options builds a new one per call)."""
_PLAIN = (str, int, bool)
_ENCODE_STR = json.encoder.encode_basestring  # the C version, as ensure_ascii=False uses
_FLOAT_REPR = float.__repr__
_INT_REPR = int.__repr__
_second_cache: list[Any] = [None, ""]


def _ts_from_ns(ns: int) -> str:
    """``format_ts`` of an epoch in nanoseconds, with the text of the current second cached."""
    second, rest = divmod(ns, 1_000_000_000)
    cache = _second_cache
    if cache[0] != second:
        cache[1] = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        cache[0] = second
    return f"{cache[1]}.{rest // 1000:06d}Z"


_NAMES: dict[str, str] = {}


def _encoded(name: str) -> str:
    """The JSON text of an event or level name, cached (a service uses a handful)."""
    text = _NAMES.get(name)
    if text is None:
        text = _ENCODE(name)
        if len(_NAMES) < 256:
            _NAMES[name] = text
    return text


def _value_json(value: Any) -> str:
    """The JSON text of one field's value: plain values directly, others via ``_json_safe``."""
    kind = type(value)
    if kind is str:
        return _ENCODE_STR(value)
    if kind is float:
        return _FLOAT_REPR(value) if value - value == 0.0 else "null"
    if kind is int:
        return _INT_REPR(value)
    if value is None or kind is bool:
        return "null" if value is None else ("true" if value else "false")
    return _ENCODE(_json_safe(value))


def _safe_field(value: Any) -> Any:
    """``_json_safe`` with a fast path for the plain values most fields hold."""
    kind = type(value)
    if kind in _PLAIN or value is None or (kind is float and value - value == 0.0):
        return value
    return _json_safe(value)


def format_ts(ts: "datetime | float | int | None" = None) -> str:
    """Format a time as mlmon's ``ts``: ISO-8601 UTC with microseconds and ``Z``.

    ``ts`` may be None (now), an aware or naive datetime (naive is taken as UTC), or an
    epoch number whose unit follows from its magnitude, as mlmon's ingest reads them:
    below 1e11 seconds, below 1e14 milliseconds, below 1e17 microseconds, else nanoseconds
    (``time.time()`` and ``time.time_ns()`` both work).
    """
    if ts is None:
        return _ts_from_ns(time.time_ns())
    if type(ts) is int and 10**17 <= ts < 253402300800 * 10**9:  # nanoseconds, the common case
        return _ts_from_ns(ts)
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
    sample_rate
        The share of calls that :meth:`timed` and the wrappers log (1.0, the default, logs
        every call). Sampled records carry ``sample_rate``; see :meth:`sampled`.
    **static_fields
        Fields added to every record, e.g. ``model="imgcls4"``, ``model_version="3"``.
    """

    def __init__(self, target: "str | os.PathLike[str] | IO[str] | logging.Handler", *,
                 append: bool = True, sample_rate: float = 1.0, **static_fields: Any) -> None:
        if not 0.0 < sample_rate <= 1.0:
            raise ValueError(f"sample_rate must be in (0, 1], got {sample_rate!r}")
        bad = _RESERVED & static_fields.keys()
        if bad:
            raise ValueError(f"reserved field names cannot be static fields: {sorted(bad)}")
        self._handler = target if isinstance(target, logging.Handler) else None
        if self._handler is not None:
            self._stream = io.StringIO()  # unused: lines go to the handler
            self._owns_stream = False
        elif isinstance(target, (str, os.PathLike)):
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
        self._static_json = (", " + _ENCODE(self._static)[1:-1]) if self._static else ""
        self._lock = threading.Lock()
        self.sample_rate = float(sample_rate)
        """The share of calls logged by :meth:`timed` and the wrappers."""
        self.records_written = 0
        """How many records this log has written."""
        self.failures = 0
        """How many records could not be written (the first is reported on stderr)."""

    def sampled(self) -> bool:
        """Whether to log this call: always at ``sample_rate=1``, else with that chance.

        Whole calls are sampled (a call's records are all written or none), errors too, so
        rates, shares, percentiles and feature distributions stay unbiased; counts and
        throughput are those of the logged calls, i.e. about ``sample_rate`` times the
        service's. mlmon does not scale them: divide by ``sample_rate`` to estimate totals.
        """
        return self.sample_rate >= 1.0 or random.random() < self.sample_rate

    # -- writing ---------------------------------------------------------------------------

    def write(self, event: str, *, level: str = "info",
              ts: "datetime | float | int | None" = None, **fields: Any) -> None:
        """Write one record: ``ts``, ``event``, ``level``, static fields, then ``fields``.

        Never raises: a failure is counted in ``failures`` (see the class docstring).
        """
        try:
            line = self._line(event, level, ts, fields)
            if self._handler is not None:
                self._emit(line[:-1], level)
                with self._lock:
                    self.records_written += 1
                return
            with self._lock:
                self._stream.write(line)
                if not self._owns_stream:
                    self._stream.flush()
                self.records_written += 1
        except Exception as exc:  # noqa: BLE001 - monitoring must never break the service
            self._failed(exc)

    def _line(self, event: str, level: str, ts: Any, fields: dict[str, Any]) -> str:
        """The record's JSON line; the static fields are encoded once, at construction."""
        head = f'{{"ts": "{format_ts(ts)}", "event": {_encoded(event)}, "level": {_encoded(level)}'
        if not fields:
            return f"{head}{self._static_json}}}\n"
        if self._static.keys().isdisjoint(fields) and _RESERVED.isdisjoint(fields):
            body = ", ".join([f"{_encoded(key)}: {_value_json(value)}" for key, value in fields.items()])
            return f"{head}{self._static_json}, {body}}}\n"
        record: dict[str, Any] = {"ts": format_ts(ts), "event": event, "level": level, **self._static}
        record.update((key, _safe_field(value)) for key, value in fields.items() if key not in _RESERVED)
        return _ENCODE(record) + "\n"

    def _emit(self, line: str, level: str) -> None:
        """Hand one line to the handler; its own errors are raised, not printed."""
        number = logging.getLevelName(level.upper())
        record = logging.LogRecord("mlmon.instrument", number if isinstance(number, int) else logging.INFO,
                                   __file__, 0, line, None, None)
        handler = self._handler
        assert handler is not None
        if handler.filter(record):
            handler.acquire()
            try:
                handler.emit(record) if not isinstance(handler, logging.StreamHandler) else self._emit_stream(handler, record)
            finally:
                handler.release()

    @staticmethod
    def _emit_stream(handler: logging.StreamHandler, record: logging.LogRecord) -> None:
        """A stream or file handler's ``emit`` without its formatter (the line is already
        JSON) or ``handleError`` (a traceback per failure): rotate if due, write, flush;
        errors reach ``write``, which counts them."""
        if isinstance(handler, logging.handlers.BaseRotatingHandler) and handler.shouldRollover(record):
            handler.doRollover()
        if isinstance(handler, logging.handlers.WatchedFileHandler):
            handler.reopenIfNeeded()
        if handler.stream is None and isinstance(handler, logging.FileHandler):
            handler.stream = handler._open()
        handler.stream.write(record.getMessage() + handler.terminator)  # already the JSON line
        handler.stream.flush()

    def _failed(self, exc: BaseException) -> None:
        with self._lock:
            self.failures += 1
            first = self.failures == 1
        if first:
            try:
                sys.stderr.write(f"mlmon.instrument: could not write a log record ({type(exc).__name__}: {exc}); "
                                 "the service goes on, and later failures are only counted (PredictionLog.failures)\n")
            except Exception:  # noqa: BLE001 - stderr itself may be gone
                pass

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
        if not self.sampled():
            yield call
            return
        if self.sample_rate < 1.0:
            call.fields["sample_rate"] = self.sample_rate
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
        """Close the file (a stream or handler passed in is flushed, not closed)."""
        with self._lock:
            try:
                if self._handler is not None:
                    self._handler.flush()
                elif self._owns_stream:
                    self._stream.close()
                else:
                    self._stream.flush()
            except (OSError, ValueError, io.UnsupportedOperation):
                pass

    def __enter__(self) -> "PredictionLog":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
