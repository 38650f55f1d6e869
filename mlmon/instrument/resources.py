"""Resource records: process RSS and CPU% every N seconds, from a daemon thread.

``ResourceMonitor(log, interval_s=10).start()`` writes ``{"event": "resources",
"cpu_percent": ..., "rss_mb": ...}`` records, which ``mlmon report`` reads. Standard library
only: RSS is the current resident set from ``/proc/self/statm`` (Linux), else the peak
from ``resource.getrusage`` (macOS, BSD); CPU% is the process's CPU time (user + system,
all threads) over wall time since the last sample, so it can pass 100 on several cores.
``stop()`` (or leaving the ``with`` block) ends the thread at once and writes no more.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from typing import Any

from mlmon.instrument.log import PredictionLog

__all__ = ["ResourceMonitor", "rss_mb"]

_MIB = 1024.0 * 1024.0


def rss_mb() -> float | None:
    """This process's resident memory in MiB, or None when it cannot be read."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / _MIB
    except (OSError, ValueError, IndexError):
        pass
    try:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / _MIB if sys.platform == "darwin" else peak / 1024.0  # bytes on macOS, KiB elsewhere
    except (ImportError, OSError, ValueError):
        return None


class ResourceMonitor:
    """Write a ``resources`` record to ``log`` every ``interval_s`` seconds (daemon thread)."""

    def __init__(self, log: PredictionLog, interval_s: float = 10.0, **fields: Any) -> None:
        if interval_s <= 0:
            raise ValueError(f"interval_s must be positive, got {interval_s!r}")
        self.log = log
        self.interval_s = float(interval_s)
        self.fields = fields
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last = (time.monotonic(), time.process_time())

    def sample(self) -> dict[str, float | None]:
        """CPU% since the last sample and RSS now, and write them as one record."""
        wall, cpu = time.monotonic(), time.process_time()
        last_wall, last_cpu = self._last
        self._last = (wall, cpu)
        percent = 100.0 * (cpu - last_cpu) / (wall - last_wall) if wall > last_wall else None
        values = {"cpu_percent": None if percent is None else round(percent, 2), "rss_mb": rss_mb()}
        measured: dict[str, Any] = {k: v for k, v in values.items() if v is not None}
        self.log.write("resources", **measured, **self.fields)
        return values

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            with contextlib.suppress(Exception):  # monitoring never breaks the service
                self.sample()

    def start(self) -> ResourceMonitor:
        """Start the thread (once); returns self."""
        if self._thread is None:
            self._last = (time.monotonic(), time.process_time())
            self._thread = threading.Thread(target=self._loop, name="mlmon-resources", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float | None = 5.0) -> None:
        """Stop the thread and wait for it (up to ``timeout`` seconds)."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def __enter__(self) -> ResourceMonitor:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
