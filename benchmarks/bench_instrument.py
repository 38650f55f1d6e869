"""Per-call overhead of ``mlmon.instrument``: what monitoring adds to one model call.

Each case times ``calls`` calls of a no-op model (so only mlmon's own work is measured)
and is repeated in interleaved rounds; the figure is the median over rounds of
(case − bare) per call, in microseconds. Records go to a real file in a temporary
directory (line-buffered: one ``write`` system call per record), as in a service.

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

Usage::

    python benchmarks/bench_instrument.py [--calls 20000] [--rounds 15]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import tempfile
import time
from pathlib import Path

from mlmon.instrument import JsonFormatter, PredictionLog, monitor

NAMES = ["A", "B", "C", "D"]
PROBS = [0.1, 0.2, 0.6, 0.1]


def cases(folder: Path) -> dict:
    import numpy as np

    from mlmon.instrument.summaries import image_summary

    image = np.random.default_rng(0).random((3, 64, 64), dtype=np.float32)
    log = PredictionLog(folder / "a.jsonl", model="imgcls4", model_version="1")
    sampled = PredictionLog(folder / "b.jsonl", sample_rate=0.01)

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
        logger.info("inference", extra={"latency_ms": (time.perf_counter() - t0) * 1e3, "label": "C", "confidence": 0.6})

    tab = {"a": 1.0, "b": 2.0, "c": 3.0, "d": "eu"}
    return {
        "bare": (model, None),
        "monitor": (monitor(log, class_names=NAMES)(model), None),
        "monitor+tabular": (monitor(log, class_names=NAMES, features=lambda x: tab)(model), None),
        "monitor+image": (monitor(log, class_names=NAMES, features=image_summary)(model), image),
        "monitor (sampled out)": (monitor(sampled, class_names=NAMES)(model), None),
        "timed": (timed, None),
        "logging+JsonFormatter": (via_logging, None),
    }


def per_call_us(function, arg, calls: int) -> float:
    t0 = time.perf_counter()
    for _ in range(calls):
        function(arg)
    return (time.perf_counter() - t0) / calls * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        table = cases(Path(folder))
        times = {name: [] for name in table}
        for _ in range(args.rounds):
            for name, (function, arg) in table.items():
                times[name].append(per_call_us(function, arg, args.calls))
    print(f"{'case':<24} {'median µs/call':>15} {'overhead µs':>12}")
    for name, samples in times.items():
        extra = [case - bare for case, bare in zip(samples, times["bare"])]
        print(f"{name:<24} {statistics.median(samples):>15.2f} {statistics.median(extra):>12.2f}")


if __name__ == "__main__":
    main()
