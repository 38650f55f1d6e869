"""The timed loop of ``mlmon bench`` and the meters around it (CPU, RSS, percentiles).

Honest timing
-------------
Each call is bracketed by two ``time.perf_counter_ns()`` reads, and both raw readings are
appended to ``array('q')`` buffers; nothing else happens between calls (no
subtraction, no numpy, no logging, no output decoding). Differences, percentiles, label
decoding and ``--log`` writing all happen after the timed phase. ``benchmarks/bench_overhead.py``
measures what this bookkeeping costs against a bare ``session.run`` loop.

Memory
------
The bookkeeping keeps two 8-byte integers per call (``array('q')``, not Python ints in
lists: those take about 80 bytes a call and would show up as tens of MiB of "RSS growth"
over a long run), plus, for ``--log``, the classifier output of each call (about 130 bytes
for the bundled model). That much of the reported RSS growth is mlmon's own: 0.5 MiB for
30,000 calls, or 4 MiB with ``--log``.
"""

from __future__ import annotations

import threading
import time
from array import array
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import cycle, islice
from operator import itemgetter
from pathlib import Path
from typing import Any

import numpy as np

from mlmon.bench.result import LatencyStats

RunFn = Callable[[Any, Mapping[str, np.ndarray]], list]
_MIB = 1024.0 * 1024.0


@dataclass(frozen=True)
class CallTimes:
    """Raw timings of one thread's timed phase."""

    starts_ns: array[int]
    """``perf_counter_ns()`` right before each call (``array('q')``: 8 bytes a call)."""
    ends_ns: array[int]
    """``perf_counter_ns()`` right after each call."""
    kept: list[Any]
    """The output kept from each call (empty unless an output index was asked for)."""


def timed_loop(
    run: RunFn,
    feeds: Sequence[Mapping[str, np.ndarray]],
    *,
    calls: int | None = None,
    deadline_ns: int | None = None,
    keep_output: int | tuple[int, ...] | None = None,
) -> CallTimes:
    """Call ``run(None, feed)`` ``calls`` times, or until ``deadline_ns``, timing each call.

    ``feeds`` are used in turn (``itertools.cycle``). Exactly one of ``calls`` and
    ``deadline_ns`` must be given. With a deadline the loop makes at least one call and
    stops after the first call that ends at or past it. ``keep_output`` keeps
    ``outputs[keep_output]`` of every call (for ``--log`` labels); a tuple of indices keeps
    those outputs, as a tuple when there are several.
    """
    clock = time.perf_counter_ns
    starts = array("q")
    ends = array("q")
    kept: list[Any] = []
    add_start, add_end, keep = starts.append, ends.append, kept.append
    pick = itemgetter(*keep_output) if isinstance(keep_output, tuple) else itemgetter(keep_output or 0)
    if calls is not None:
        if keep_output is None:
            for feed in islice(cycle(feeds), calls):
                t0 = clock()
                run(None, feed)
                t1 = clock()
                add_start(t0)
                add_end(t1)
        else:
            for feed in islice(cycle(feeds), calls):
                t0 = clock()
                out = run(None, feed)
                t1 = clock()
                add_start(t0)
                add_end(t1)
                keep(pick(out))
    elif deadline_ns is not None:
        if keep_output is None:
            for feed in cycle(feeds):
                t0 = clock()
                run(None, feed)
                t1 = clock()
                add_start(t0)
                add_end(t1)
                if t1 >= deadline_ns:
                    break
        else:
            for feed in cycle(feeds):
                t0 = clock()
                out = run(None, feed)
                t1 = clock()
                add_start(t0)
                add_end(t1)
                keep(pick(out))
                if t1 >= deadline_ns:
                    break
    else:
        raise ValueError("give calls or deadline_ns")
    return CallTimes(starts, ends, kept)


def concurrent_loops(
    run: RunFn,
    feeds: Sequence[Mapping[str, np.ndarray]],
    *,
    concurrency: int,
    warmup: int,
    calls: int | None,
    duration_ns: int | None,
    keep_output: int | tuple[int, ...] | None,
    on_start: Callable[[], None] = lambda: None,
) -> tuple[list[CallTimes], int, int]:
    """Run :func:`timed_loop` in ``concurrency`` threads that start together.

    Each thread makes ``warmup`` untimed calls and waits on a barrier; when all are there,
    ``on_start`` runs (to start meters) and the timed phase begins in every thread at once.
    ``calls`` are split between threads (the first ``calls % concurrency`` get one more);
    thread ``i`` starts its turn through ``feeds`` at feed ``i``. Returns the per-thread
    timings and the ``perf_counter_ns`` span of the timed phase (barrier release to the end
    of the last thread). The first exception raised by a thread is re-raised here.
    """
    results: list[CallTimes | None] = [None] * concurrency
    errors: list[BaseException] = []
    start_ns: list[int] = []

    def release() -> None:  # runs once, in the last thread to arrive, before any is released
        on_start()
        start_ns.append(time.perf_counter_ns())

    barrier = threading.Barrier(concurrency, action=release)

    def worker(index: int) -> None:
        shift = index % len(feeds)
        mine_feeds = list(feeds[shift:]) + list(feeds[:shift])
        try:
            for feed in islice(cycle(mine_feeds), warmup):
                run(None, feed)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
            barrier.abort()
            return
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            return
        try:
            if calls is not None:
                mine = calls // concurrency + (1 if index < calls % concurrency else 0)
                results[index] = (
                    timed_loop(run, mine_feeds, calls=mine, keep_output=keep_output)
                    if mine
                    else CallTimes(array("q"), array("q"), [])
                )
            else:
                assert duration_ns is not None, "a timed phase has calls or a duration"
                results[index] = timed_loop(
                    run, mine_feeds, deadline_ns=start_ns[0] + duration_ns, keep_output=keep_output
                )
        except BaseException as exc:
            errors.append(exc)

    threads = [
        threading.Thread(target=worker, args=(i,), name=f"mlmon-bench-{i}", daemon=True) for i in range(concurrency)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    end = time.perf_counter_ns()
    if errors:
        raise errors[0]
    return [r for r in results if r is not None], start_ns[0], end


def latency_stats(latencies_ms: np.ndarray) -> LatencyStats:
    """Count, mean, min, p50, p95, p99 and max of per-call latencies.

    Notes
    -----
    Percentiles use ``numpy.percentile``'s default ``method="linear"``: for sorted
    values :math:`x_0 \\le \\dots \\le x_{n-1}` the q-th percentile is
    :math:`x_{\\lfloor h \\rfloor} + (h - \\lfloor h \\rfloor)(x_{\\lfloor h \\rfloor + 1} -
    x_{\\lfloor h \\rfloor})` with :math:`h = (n - 1) q / 100`.

    References
    ----------
    R. J. Hyndman and Y. Fan, "Sample quantiles in statistical packages", The American
    Statistician 50(4), 1996 (definition 7).
    """
    values = np.asarray(latencies_ms, dtype=np.float64)
    if values.size == 0:
        raise ValueError("no latencies")
    p50, p95, p99 = np.percentile(values, [50, 95, 99])
    return LatencyStats(
        count=int(values.size),
        mean_ms=float(values.mean()),
        min_ms=float(values.min()),
        p50_ms=float(p50),
        p95_ms=float(p95),
        p99_ms=float(p99),
        max_ms=float(values.max()),
    )


class CpuMeter:
    """User and system CPU time of the whole process (all threads) between start and stop."""

    def __init__(self) -> None:
        import psutil

        self._process = psutil.Process()
        self._start = self._process.cpu_times()

    def stop(self) -> tuple[float, float]:
        """(user seconds, system seconds) since construction."""
        end = self._process.cpu_times()
        return end.user - self._start.user, end.system - self._start.system


def rss_mib() -> float:
    """Current resident set size of this process in MiB."""
    import psutil

    return psutil.Process().memory_info().rss / _MIB


_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")


def _vmhwm_mib() -> float | None:
    try:
        for line in _STATUS.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except (OSError, ValueError, IndexError):
        return None
    return None


class PeakRssMeter:
    """Peak resident set size between :meth:`start` and :meth:`stop`.

    On Linux the kernel's high-water mark (``VmHWM``) is reset by writing ``5`` to
    ``/proc/self/clear_refs`` and read back at the end: exact and free. Elsewhere (or when
    the reset is not permitted) a daemon thread samples RSS every ``interval_s``.
    """

    def __init__(self, interval_s: float = 0.01) -> None:
        self.interval_s = interval_s
        self.method = "sampled"
        """``vmhwm`` or ``sampled``, once started."""
        self._peak = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Reset the high-water mark, or start sampling."""
        try:
            _CLEAR_REFS.write_text("5")
            if _vmhwm_mib() is not None:
                self.method = "vmhwm"
                return
        except OSError:
            pass
        self.method = "sampled"
        self._peak = rss_mib()
        self._thread = threading.Thread(target=self._sample, name="mlmon-bench-rss", daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(self.interval_s):
            self._peak = max(self._peak, rss_mib())

    def stop(self) -> float:
        """Peak RSS in MiB since :meth:`start`."""
        if self.method == "vmhwm":
            return _vmhwm_mib() or rss_mib()
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        return max(self._peak, rss_mib())


def durations_ms(times: Sequence[CallTimes]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Merge threads' timings in start order: (start ns, latency ms, order index)."""
    starts = np.concatenate([np.frombuffer(ct.starts_ns, dtype=np.int64) for ct in times])
    ends = np.concatenate([np.frombuffer(ct.ends_ns, dtype=np.int64) for ct in times])
    order = np.argsort(starts, kind="stable")
    return starts[order], (ends[order] - starts[order]) / 1e6, order
