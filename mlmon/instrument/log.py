"""Write mlmon-format logs from a Python service: one JSON object per line.

This is the "one line to start writing the logs mlmon reads" of docs/architecture.md. It uses the
standard library only (no numpy, no polars), so a service can import it at no cost.

Each line is a JSON object in mlmon's native dialect::

    {"ts": "2026-11-25T10:00:00.123456Z", "event": "inference", "level": "info",
     "model": "imgcls4", "latency_ms": 1.234, "status": "ok", "label": "A",
     "confidence": 0.93}

``ts`` is UTC with microseconds and a ``Z``; ``event`` is ``inference`` (latency, status),
``prediction`` (label, confidence, probabilities) or ``label`` (the true class of an earlier
prediction, by its ``request_id``: :meth:`PredictionLog.label`); fields given to the constructor
(``model=``, ``model_version=``) are added to every record. Records are written one whole
line per ``write`` call under a lock, so threads never interleave partial lines, and each
line reaches the file as soon as it is written (a path is written unbuffered, one system
call per line; a stream is flushed after each line), so ``mlmon report`` sees it at once
and a crash loses at most the line being written. Lines are made as text directly
(``jsonline``), not through a dict and ``json.dumps``: the same bytes, faster.

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

import contextlib
import io
import json
import logging
import os
import random
import sys
import threading
from datetime import datetime
from typing import IO, Any

from mlmon.instrument.jsonline import ENCODE, encoded_name, fields_json, format_ts, json_safe, ts_from_ns, value_json
from mlmon.instrument.sinks import LazyFile, emit_line, write_rest
from mlmon.instrument.timed import ERROR_STATUSES, TimedCall

__all__ = ["PredictionLog", "TimedCall", "format_ts"]

_RESERVED = frozenset({"ts", "event", "level"})
_CALL_FIELDS = frozenset(
    {
        "latency_ms",
        "status",
        "request_id",
        "sample_rate",
        "label",
        "confidence",
        "probabilities",
        "features",
        "error_kind",
    }
)
"""The fields a wrapped call's record may carry (``PredictionLog.call_record``)."""


class PredictionLog:
    """A thread-safe writer of mlmon-format JSON-lines records, one line per record.

    Parameters
    ----------
    target
        A path (created if absent, parent directories too) or an open text stream such as
        ``sys.stdout``. A path is opened at the first record, so a service that fails
        before it logs anything (a model that does not load) leaves no empty file behind;
        a path that cannot be opened then is a write failure like any other (see
        ``failures``). A stream is flushed after every line and is not closed by
        :meth:`close`.
    append
        For a path: add to an existing file (the default) or, when False, replace it (at
        the first record).
    sample_rate
        The share of calls that :meth:`timed` and the wrappers log (1.0, the default, logs
        every call). Sampled records carry ``sample_rate``; see :meth:`sampled`.
    **static_fields
        Fields added to every record, e.g. ``model="imgcls4"``, ``model_version="3"``.
    """

    def __init__(
        self,
        target: str | os.PathLike[str] | IO[str] | logging.Handler,
        *,
        append: bool = True,
        sample_rate: float = 1.0,
        **static_fields: Any,
    ) -> None:
        if not 0.0 < sample_rate <= 1.0:
            raise ValueError(f"sample_rate must be in (0, 1], got {sample_rate!r}")
        bad = _RESERVED & static_fields.keys()
        if bad:
            raise ValueError(f"reserved field names cannot be static fields: {sorted(bad)}")
        self._handler = target if isinstance(target, logging.Handler) else None
        self._stream: Any = target
        self._owns_stream = isinstance(target, (str, os.PathLike))
        if self._handler is not None:
            self._stream = io.StringIO()  # unused: lines go to the handler
        elif self._owns_stream:
            self._stream = LazyFile(self, os.fspath(target), "ab" if append else "wb")  # type: ignore[arg-type]
        self._static = json_safe(static_fields)
        self._static_json = (", " + ENCODE(self._static)[1:-1]) if self._static else ""
        self._call_heads = tuple(
            f'", "event": "inference", "level": "{level}"{self._static_json}, "latency_ms": '
            for level in ("info", "error")
        )
        self._static_clash = not _CALL_FIELDS.isdisjoint(self._static)
        self._heads: dict[tuple[str, str], str] = {}
        self._taken = _RESERVED | self._static.keys()  # field names that need the merging path
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

    def write(
        self, event: str, *, level: str = "info", ts: datetime | float | int | None = None, **fields: Any
    ) -> None:
        """Write one record: ``ts``, ``event``, ``level``, static fields, then ``fields``.

        Never raises: a failure is counted in ``failures`` (see the class docstring).
        """
        self.record(event, level, ts, fields)

    def record(self, event: str, level: str, ts: datetime | float | int | None, fields: dict[str, Any]) -> None:
        """:meth:`write` with the fields as one dict (no keyword packing); never raises."""
        try:
            self._put(self._line(event, level, ts, fields), level)
        except Exception as exc:  # noqa: BLE001 - monitoring must never break the service
            self._failed(exc)

    def call_record(
        self,
        started_ns: int,
        latency_ms: float,
        status: str,
        request_id: Any,
        top: tuple[Any, Any] | None = None,
        features: Any = None,
        error_kind: str | None = None,
        probabilities: str | None = None,
    ) -> None:
        """Write one wrapped call's ``inference`` record, formatted directly (the hot path of
        ``monitor``); the line is the one :meth:`inference` writes for the same fields:
        ``latency_ms``, ``status``, ``request_id``, ``sample_rate`` (when below 1),
        ``label`` and ``confidence`` (``top``), ``probabilities`` (given as its JSON text,
        ``jsonline.vector_json``), ``features`` and ``error_kind`` when given. Never raises."""
        try:
            level_error = status in ERROR_STATUSES
            if self._static_clash:  # a static field of the same name: the general path orders it
                self.record(
                    "inference",
                    "error" if level_error else "info",
                    started_ns,
                    _call_fields(
                        latency_ms, status, request_id, self.sample_rate, top, probabilities, features, error_kind
                    ),
                )
                return
            rest = "" if self.sample_rate >= 1.0 else ', "sample_rate": ' + value_json(self.sample_rate)
            if top is not None:
                rest += f', "label": {value_json(top[0])}, "confidence": {value_json(top[1])}'
            if probabilities is not None:
                rest += ', "probabilities": ' + probabilities
            if features:
                rest += ', "features": ' + value_json(features)
            if error_kind is not None:
                rest += ', "error_kind": ' + value_json(error_kind)
            latency = f"{latency_ms:.6f}" if latency_ms - latency_ms == 0.0 else "null"  # to the ns, cheaper than repr
            self._put(
                (
                    f'{{"ts": "{ts_from_ns(started_ns)}{self._call_heads[level_error]}{latency}, "status": '
                    f'{encoded_name(status)}, "request_id": {value_json(request_id)}{rest}}}\n'
                ),
                "error" if level_error else "info",
            )
        except Exception as exc:  # noqa: BLE001 - monitoring must never break the service
            self._failed(exc)

    def _line(self, event: str, level: str, ts: Any, fields: dict[str, Any]) -> str:
        """The record's JSON line; the static fields are encoded once, at construction."""
        head = self._heads.get((event, level)) or self._head(event, level)
        if fields and not self._taken.isdisjoint(fields):
            fields = {key: value for key, value in {**self._static, **fields}.items() if key not in _RESERVED}
            head = self._head(event, level, with_static=False)  # static fields merged into fields, in order
        return f'{{"ts": "{format_ts(ts)}{head}{fields_json(fields)}}}\n'

    def _head(self, event: str, level: str, with_static: bool = True) -> str:
        """The text between ``ts`` and the fields: event, level and the static fields."""
        head = f'", "event": {encoded_name(event)}, "level": {encoded_name(level)}'
        if not with_static:
            return head
        head += self._static_json
        if len(self._heads) < 256 and type(event) is str and type(level) is str:
            self._heads[(event, level)] = head
        return head

    def _put(self, line: str, level: str) -> None:
        """Write one whole line under the lock and count it; raises what the target raises."""
        if self._handler is not None:
            emit_line(self._handler, line[:-1], level)
            with self._lock:
                self.records_written += 1
            return
        data = line.encode("utf-8") if self._owns_stream else line
        lock = self._lock
        lock.acquire()
        try:
            written = self._stream.write(data)
            if self._owns_stream:
                if written != len(data):
                    write_rest(self._stream, data, written)
            else:
                self._stream.flush()
            self.records_written += 1
        finally:
            lock.release()

    def _failed(self, exc: BaseException) -> None:
        with self._lock:
            self.failures += 1
            first = self.failures == 1
        if first:
            with contextlib.suppress(Exception):  # stderr itself may be gone
                sys.stderr.write(
                    f"mlmon.instrument: could not write a log record ({type(exc).__name__}: {exc}); "
                    "the service goes on, and later failures are only counted (PredictionLog.failures)\n"
                )

    def inference(
        self,
        latency_ms: float,
        status: str = "ok",
        *,
        ts: datetime | float | int | None = None,
        level: str | None = None,
        **fields: Any,
    ) -> None:
        """Write an ``inference`` record: how long one call took and whether it failed.

        ``level`` defaults to ``error`` for the error statuses (``error``, ``timeout``,
        ``invalid_input``) and ``info`` otherwise.
        """
        if level is None:
            level = "error" if status in ERROR_STATUSES else "info"
        self.record("inference", level, ts, {"latency_ms": latency_ms, "status": status, **fields})

    def prediction(
        self,
        label: Any,
        confidence: float | None = None,
        probabilities: Any = None,
        *,
        ts: datetime | float | int | None = None,
        **fields: Any,
    ) -> None:
        """Write a ``prediction`` record: the predicted label and its confidence.

        ``probabilities`` (a list, a dict of label to probability, or a numpy array) is
        written only when given.
        """
        extra: dict[str, Any] = {"label": label}
        if confidence is not None:
            extra["confidence"] = confidence
        if probabilities is not None:
            extra["probabilities"] = probabilities
        self.record("prediction", "info", ts, {**extra, **fields})

    def label(
        self, request_id: str | int, actual: Any, *, ts: datetime | float | int | None = None, **fields: Any
    ) -> None:
        """Write a ``label`` record: the true class (``actual``) of the prediction logged
        with ``request_id``, known later; mlmon joins the two by the id (``mlmon performance``).

        ``ts`` (default: now) is when the truth became known, so mlmon can report the label
        lag. ``actual`` keeps its JSON type (``True`` is ``true``, ``numpy.int64(1)`` is
        ``1``): write it as the prediction's ``label`` is written. Like every record, a write
        failure is counted, never raised; a missing ``request_id`` (None, blank text) or
        ``actual`` (None) is a mistake in the calling code, raised at once as ``ValueError``
        (a label without them could never be joined).
        """
        if request_id is None or (isinstance(request_id, str) and not request_id.strip()):
            raise ValueError(f"log.label needs the prediction's request id, got {request_id!r}")
        if isinstance(request_id, (dict, list, tuple, set)):
            raise ValueError(f"a request id is text or a whole number, got {type(request_id).__name__}")
        if actual is None:
            raise ValueError(f"log.label needs the true class (actual) of request {request_id!r}, got None")
        self.record("label", "info", ts, {"request_id": request_id, "actual": actual, **fields})

    def timed(self, **fields: Any) -> TimedCall:
        """Time the ``with`` block and write an ``inference`` record when it ends.

        The record's ``ts`` is the start of the block. If the block raises, the record has
        ``status="error"``, ``level="error"`` and ``error_kind`` (the exception class name),
        and the exception propagates unchanged.
        """
        rate = self.sample_rate
        if rate >= 1.0:
            return TimedCall(fields, self)
        if random.random() >= rate:  # sampled out: see sampled()
            return TimedCall(fields)
        fields["sample_rate"] = rate
        return TimedCall(fields, self)

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

    def __enter__(self) -> PredictionLog:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _call_fields(
    latency_ms: float,
    status: str,
    request_id: Any,
    sample_rate: float,
    top: Any,
    probabilities: str | None,
    features: Any,
    error_kind: str | None,
) -> dict[str, Any]:
    """The fields of a wrapped call's record, in the order ``call_record`` writes them."""
    fields: dict[str, Any] = {"latency_ms": latency_ms, "status": status, "request_id": request_id}
    if sample_rate < 1.0:
        fields["sample_rate"] = sample_rate
    if top is not None:
        fields["label"], fields["confidence"] = top
    if probabilities is not None:
        fields["probabilities"] = json.loads(probabilities)  # its text again, once re-encoded: the same bytes
    if features:
        fields["features"] = features
    if error_kind is not None:
        fields["error_kind"] = error_kind
    return fields
