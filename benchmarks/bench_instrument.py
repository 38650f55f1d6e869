"""Per-call overhead of ``mlmon.instrument``: what monitoring adds to one model call.

Each case times ``calls`` calls of a no-op model (so only mlmon's own work is measured)
and is repeated in interleaved rounds; the figure is the median over rounds of
(case − bare) per call, in microseconds. Records go to a real file in a temporary
directory (one ``write`` system call per record), as in a service.

Cases:

- ``bare``: the undecorated function.
- ``monitor``: ``@monitor(log, class_names=...)`` on a function returning 4 probabilities
  (latency, status, request id, label, confidence: one record).
- ``monitor+tabular``: the same with a 4-feature ``features=`` summary.
- ``monitor+image``: the same with ``summaries.image_summary`` of a 3x64x64 float32 image.
- ``monitor (sampled out)``: ``sample_rate=0.01``, the cost of a call that is not logged.
- ``timed``: ``with log.timed() as call: call.update(label=..., confidence=...)``.
- ``logging+JsonFormatter``: ``logger.info("inference", extra={...})`` through a
  ``FileHandler`` with :class:`JsonFormatter` (the plain-logging route).

The breakdown of ``monitor`` times its parts alone: ``call_record`` (the record ``monitor``
writes: formatting it and the ``write`` system call), ``record to /dev/null`` (the same
without a real file), ``top_class`` (label and confidence from 4 probabilities), and
``log.inference`` (the public writer, the same 5 fields as keywords); the wrapper itself
(clocks, request id, calls) is ``monitor`` minus ``call_record`` minus ``top_class``.

``--cpu`` times with the thread's CPU time (``time.thread_time``) instead of the wall
clock: on a shared machine it leaves out the time the benchmark waits for a core, which
otherwise dominates the spread. The load average is printed before and after.

Usage::

    python benchmarks/bench_instrument.py [--calls 20000] [--rounds 15] [--cpu]
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import tempfile
import time
from pathlib import Path

from mlmon.instrument import JsonFormatter, PredictionLog, monitor, top_class

NAMES = ["A", "B", "C", "D"]
PROBS = [0.1, 0.2, 0.6, 0.1]


def cases(folder: Path) -> dict:
    import numpy as np

    from mlmon.instrument.summaries import image_summary

    image = np.random.default_rng(0).random((3, 64, 64), dtype=np.float32)
    log = PredictionLog(folder / "a.jsonl", model="imgcls4", model_version="1")
    sampled = PredictionLog(folder / "b.jsonl", sample_rate=0.01)
    null = PredictionLog(os.devnull, model="imgcls4", model_version="1")

    def model(x=None):
        return PROBS

    handler = logging.FileHandler(folder / "c.jsonl")
    handler.setFormatter(JsonFormatter(model="imgcls4"))
    logger = logging.getLogger("bench_instrument")
    logger.handlers[:] = [handler]
    logger.propagate, logger.level = False, logging.INFO

    def timed(x=None):
        with log.timed() as call:
            call.update(label="C", confidence=0.6)

    def via_logging(x=None):
        t0 = time.perf_counter()
        model(x)
        logger.info(
            "inference", extra={"latency_ms": (time.perf_counter() - t0) * 1e3, "label": "C", "confidence": 0.6}
        )

    started = time.time_ns()
    tab = {"a": 1.0, "b": 2.0, "c": 3.0, "d": "eu"}
    return {
        "bare": (model, None),
        "monitor": (monitor(log, class_names=NAMES)(model), None),
        "monitor+tabular": (monitor(log, class_names=NAMES, features=lambda x: tab)(model), None),
        "monitor+image": (monitor(log, class_names=NAMES, features=image_summary)(model), image),
        "monitor (sampled out)": (monitor(sampled, class_names=NAMES)(model), None),
        "timed": (timed, None),
        "logging+JsonFormatter": (via_logging, None),
        "part: call_record": (lambda x: log.call_record(started, 0.012345, "ok", "5f3a9c1e-1", ("C", 0.6)), None),
        "part: record to /dev/null": (
            lambda x: null.call_record(started, 0.012345, "ok", "5f3a9c1e-1", ("C", 0.6)),
            None,
        ),
        "part: top_class": (lambda x: top_class(PROBS, NAMES), None),
        "part: log.inference": (
            lambda x: log.inference(0.012345, "ok", request_id="5f3a9c1e-1", label="C", confidence=0.6),
            None,
        ),
    }


def per_call_us(function, arg, calls: int, clock) -> float:
    t0 = clock()
    for _ in range(calls):
        function(arg)
    return (clock() - t0) / calls * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--cpu", action="store_true", help="time with the thread's CPU time, not the wall clock")
    args = parser.parse_args()
    clock = time.thread_time if args.cpu else time.perf_counter
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as folder:
        table = cases(Path(folder))
        times = {name: [] for name in table}
        for _ in range(args.rounds):
            for name, (function, arg) in table.items():
                times[name].append(per_call_us(function, arg, args.calls, clock))
    print(
        f"clock: {'thread CPU time' if args.cpu else 'wall'}; load average before "
        f"{load_before[0]:.1f}, after {os.getloadavg()[0]:.1f}; {args.rounds} rounds of {args.calls} calls"
    )
    print(f"{'case':<26} {'median µs/call':>15} {'overhead µs':>12}")
    medians = {}
    for name, samples in times.items():
        extra = [case - bare for case, bare in zip(samples, times["bare"])]
        medians[name] = statistics.median(extra)
        print(f"{name:<26} {statistics.median(samples):>15.2f} {medians[name]:>12.2f}")
    wrapper = medians["monitor"] - medians["part: call_record"] - medians["part: top_class"]
    print(f"{'part: wrapper (by diff.)':<26} {'':>15} {wrapper:>12.2f}")


if __name__ == "__main__":
    main()
