"""The ``with`` block of :meth:`PredictionLog.timed <mlmon.instrument.log.PredictionLog.timed>`:
it times the block and writes one ``inference`` record when the block ends."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mlmon.instrument.log import PredictionLog

__all__ = ["ERROR_STATUSES", "TimedCall"]

ERROR_STATUSES = frozenset({"error", "timeout", "invalid_input"})
"""The statuses logged at level ``error``."""


class TimedCall:
    """What :meth:`PredictionLog.timed` returns: times its ``with`` block, and ``update``
    adds fields to the record written when the block ends."""

    def __init__(self, fields: dict[str, Any], log: PredictionLog | None = None) -> None:
        self.fields = fields
        """Fields the inference record will carry; ``update`` adds to them."""
        self.status = "ok"
        """Status to log; set it to ``"timeout"`` or ``"invalid_input"`` when apt."""
        self._log = log  # None when the call is sampled out
        self._started_ns = self._t0 = 0

    def update(self, **fields: Any) -> None:
        """Add fields (``label=``, ``confidence=``, ``batch_size=`` ...) to the record."""
        self.fields.update(fields)

    def __enter__(self) -> TimedCall:
        self._started_ns = time.time_ns()
        self._t0 = time.perf_counter_ns()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: object, traceback: object) -> None:
        latency_ms = (time.perf_counter_ns() - self._t0) / 1e6
        log = self._log
        if log is None:
            return
        status = self.status
        if kind is not None:
            status = "error"
            self.fields.setdefault("error_kind", kind.__name__)
        level = "error" if status in ERROR_STATUSES else "info"
        log.record("inference", level, self._started_ns, {"latency_ms": latency_ms, "status": status, **self.fields})
