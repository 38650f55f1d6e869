"""``mlmon compare`` against ``mlmon report`` on the same records, and the bootstrap's cost
against the number of values (issue 25).

Usage (from the repository root)::

    python benchmarks/bench_compare.py [--log benchmarks/data/logs_1000000.jsonl] [--runs 3]

1. Writes ``<log>.canary.jsonl`` once: the log with every 10th line's ``model_version``
   set to ``1.5.0`` (``sed``), so a canary serves 10% of the requests all along.
2. Runs ``mlmon report CANARY`` and ``mlmon compare CANARY --baseline 1.4.0 --candidate
   1.5.0 --split 10%`` (two reads: when each version served, then every analysis) as
   processes, interleaved, ``--runs`` times each; prints each run's wall time and peak RSS
   (``/usr/bin/time``), the medians and their ratio.
3. Times ``quantile_difference_interval`` (2,000 resamples of p99) for 10^3 to 10^7
   values a side, against ``scipy.stats.bootstrap`` where scipy can (up to 10^4).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from bench_performance import timed  # the same process timing as the label join's benchmark

ROOT = Path(__file__).resolve().parents[1]


def write_canary(log: Path) -> Path:
    out = log.with_suffix(".canary.jsonl")
    if not out.exists():
        with out.open("wb") as sink:
            subprocess.run(
                ["sed", r'0~10 s/"model_version": "1.4.0"/"model_version": "1.5.0"/', str(log)], stdout=sink, check=True
            )
        print(f"wrote {out}", file=sys.stderr)
    return out


def commands(log: Path, runs: int) -> None:
    run_args = {
        "report": ["report", str(log), "-f", "json"],
        "compare": ["compare", str(log), "--baseline", "1.4.0", "--candidate", "1.5.0", "--split", "10%", "-f", "json"],
    }
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in run_args}
    for run in range(runs):
        for name, args in run_args.items():
            wall, rss = timed(args)
            results[name].append((wall, rss))
            print(f"run {run + 1} {name:8s} {wall:6.2f} s  {rss:7.0f} MB")
    medians = {n: (statistics.median(w for w, _ in r), statistics.median(m for _, m in r)) for n, r in results.items()}
    for name, (wall, rss) in medians.items():
        print(f"median {name:8s} {wall:6.2f} s  {rss:7.0f} MB peak RSS")
    print(f"compare / report: {medians['compare'][0] / medians['report'][0]:.2f}x wall")


def bootstrap_cost() -> None:
    from scipy import stats

    from mlmon.stats.bootstrap import quantile_difference_interval

    rng = np.random.default_rng(25)
    for n in (1_000, 10_000, 100_000, 1_000_000, 10_000_000):
        a, b = np.sort(rng.lognormal(3.2, 0.35, n)), np.sort(rng.lognormal(3.2, 0.5, n))
        start = time.perf_counter()
        point, low, high = quantile_difference_interval((a, None), (b, None), 0.99)
        ours = time.perf_counter() - start
        line = f"n={n:>10,} a side: order-statistic bootstrap {ours * 1000:8.1f} ms  [{low:.3f}, {high:.3f}]"
        if n <= 10_000:
            start = time.perf_counter()
            found = stats.bootstrap(
                (b, a),
                lambda x, y, axis: np.quantile(x, 0.99, axis=axis) - np.quantile(y, 0.99, axis=axis),
                n_resamples=2000,
                method="percentile",
                random_state=rng,
            ).confidence_interval
            theirs = time.perf_counter() - start
            line += f"; scipy.stats.bootstrap {theirs * 1000:8.1f} ms  [{found.low:.3f}, {found.high:.3f}]"
        print(line)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--log", type=Path, default=ROOT / "benchmarks" / "data" / "logs_1000000.jsonl")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not args.log.exists():
        raise SystemExit(f"{args.log}: make it with python benchmarks/make_logs.py 1000000 {args.log}")
    commands(write_canary(args.log), args.runs)
    bootstrap_cost()
    return 0


if __name__ == "__main__":
    sys.exit(main())
