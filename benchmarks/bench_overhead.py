"""How much does ``mlmon bench``'s timing loop cost compared with a bare ``session.run`` loop?

Same process, same session, same model (the bundled ``imgcls4.onnx`` unless ``--model``),
same input feed. Three measurements:

1. **Wall time per call**, bare loop versus mlmon's ``timed_loop`` (the exact function
   ``mlmon bench`` runs), in interleaved rounds (bare, mlmon, bare, mlmon, ...; the order
   within a pair alternates) so that drift in machine load hits both alike. The overhead is
   the median over rounds of the paired difference, relative to the bare loop's median
   time per call; the spread (interquartile range of the paired differences) is printed so
   noise is visible, not hidden.
2. The same with ``keep_output`` (the loop ``mlmon bench --log`` runs).
3. **Bookkeeping alone**: the two loops around a no-op ``run`` function, which isolates
   what mlmon adds per call (two ``perf_counter_ns`` reads and two list appends) from
   onnxruntime's noise.

The bare loop is ``for _ in range(n): session.run(None, feed)``, timed as a whole.

Usage::

    python benchmarks/bench_overhead.py                 # bundled model, mlmon's defaults
    python benchmarks/bench_overhead.py --threads 1 --rounds 60 --calls 500
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mlmon.bench.inputs import synthetic_feeds  # noqa: E402
from mlmon.bench.options import GraphOptimization  # noqa: E402
from mlmon.bench.session import bundled_model_path, load_session, tensor_specs  # noqa: E402
from mlmon.bench.timing import timed_loop  # noqa: E402


def bare_loop(run, feed, calls: int) -> int:
    """Nanoseconds for ``calls`` bare ``run(None, feed)`` calls."""
    t0 = time.perf_counter_ns()
    for _ in range(calls):
        run(None, feed)
    return time.perf_counter_ns() - t0


def mlmon_loop(run, feed, calls: int, keep_output: int | None = None) -> int:
    """Nanoseconds for ``calls`` calls through mlmon's timed loop."""
    t0 = time.perf_counter_ns()
    timed_loop(run, [feed], calls=calls, keep_output=keep_output)
    return time.perf_counter_ns() - t0


def paired(run, feed, calls: int, rounds: int, keep_output: int | None) -> dict[str, float]:
    """Interleaved rounds; per-call times in µs and the paired overhead."""
    bare, mlmon = [], []
    for i in range(rounds):
        order = (0, 1) if i % 2 == 0 else (1, 0)
        for which in order:
            if which == 0:
                bare.append(bare_loop(run, feed, calls) / calls / 1000)
            else:
                mlmon.append(mlmon_loop(run, feed, calls, keep_output) / calls / 1000)
    diffs = np.array(mlmon) - np.array(bare)
    base = statistics.median(bare)
    q1, q3 = np.percentile(diffs, [25, 75])
    return {
        "bare_us": base,
        "mlmon_us": statistics.median(mlmon),
        "overhead_us": float(np.median(diffs)),
        "overhead_pct": 100 * float(np.median(diffs)) / base,
        "iqr_lo_pct": 100 * q1 / base,
        "iqr_hi_pct": 100 * q3 / base,
    }


def noop_cost(calls: int = 200_000, rounds: int = 9) -> tuple[float, float]:
    """(bare ns/call, mlmon ns/call) around a no-op run function; best of ``rounds``."""

    def noop(names, feed):
        return None

    bare = min(bare_loop(noop, None, calls) for _ in range(rounds)) / calls
    mine = min(mlmon_loop(noop, None, calls) for _ in range(rounds)) / calls
    return bare, mine


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=bundled_model_path())
    parser.add_argument("--batch-size", type=int, default=1)
    parser.add_argument("--threads", type=int, default=0, help="intra-op threads (0: onnxruntime default)")
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--calls", type=int, default=500, help="calls per round and loop")
    args = parser.parse_args(argv)

    session, _ = load_session(args.model, ["CPUExecutionProvider"], args.threads, GraphOptimization.ALL)
    feed = synthetic_feeds(tensor_specs(session.get_inputs()), args.batch_size, {}, seed=0)[0]
    run = session.run
    for _ in range(200):  # warm up
        run(None, feed)

    print(
        f"model {args.model.name}, batch {args.batch_size}, intra-op threads "
        f"{args.threads or 'default'}, {args.rounds} interleaved rounds x {args.calls} calls per loop"
    )
    for label, keep in (("mlmon bench", None), ("mlmon bench --log", 0)):
        r = paired(run, feed, args.calls, args.rounds, keep)
        print(
            f"{label:18s} bare {r['bare_us']:8.2f} us/call  mlmon {r['mlmon_us']:8.2f} us/call  "
            f"overhead {r['overhead_us']:+.3f} us = {r['overhead_pct']:+.2f}% "
            f"(IQR of paired rounds {r['iqr_lo_pct']:+.2f}% .. {r['iqr_hi_pct']:+.2f}%)"
        )
    bare_ns, mine_ns = noop_cost()
    print(
        f"bookkeeping alone (no-op run): bare loop {bare_ns:.0f} ns/call, mlmon loop {mine_ns:.0f} ns/call, "
        f"mlmon adds {mine_ns - bare_ns:.0f} ns/call"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
