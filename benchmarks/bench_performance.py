"""``mlmon performance`` against ``mlmon report`` on the same records, and the join's memory
per waiting prediction (issue 24).

Usage (from the repository root)::

    python benchmarks/bench_performance.py [--log benchmarks/data/logs_1000000.jsonl] [--runs 3]
                                           [--waiting 10000000]

1. Writes ``<log>.labels.jsonl`` once: one label record per prediction of the log (a day
   after it; the predicted class 85% of the time, else another), so 1M predictions meet
   about 1M labels.
2. Runs ``mlmon report LOG LABELS`` and ``mlmon performance LOG LABELS --window 1d`` as
   processes, interleaved, ``--runs`` times each; prints each run's wall time and peak RSS
   (``/usr/bin/time``), then the medians and their ratio.
3. Feeds ``--waiting`` predictions with 16-character request ids and no label through
   ``LabelJoinReducer`` in 1M-row chunks and prints the state's size per prediction
   (``DataFrame.estimated_size``) and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]


def write_labels(log: Path) -> Path:
    out = log.with_suffix(".labels.jsonl")
    if out.exists():
        return out
    rows = (
        pl.scan_ndjson(log, schema={"request_id": pl.String, "label": pl.String, "timestamp": pl.String})
        .filter(pl.col("label").is_not_null())
        .collect()
    )
    rng = np.random.default_rng(24)
    other = pl.Series(rng.choice(["A", "B", "C", "D"], rows.height))
    keep = pl.Series(rng.random(rows.height) < 0.85)
    ts = rows.get_column("timestamp").str.to_datetime(time_zone="UTC") + timedelta(days=1)
    labels = pl.DataFrame(
        {
            "ts": ts.dt.strftime("%Y-%m-%dT%H:%M:%S%.6fZ"),
            "event": "label",
            "request_id": rows.get_column("request_id"),
            "actual": pl.select(pl.when(keep).then(rows.get_column("label")).otherwise(other)).to_series(),
        }
    )
    labels.write_ndjson(out)
    print(f"wrote {labels.height:,} labels to {out}", file=sys.stderr)
    return out


def timed(args: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one mlmon process."""
    start = time.perf_counter()
    done = subprocess.run(
        ["/usr/bin/time", "-f", "%M", str(Path(sys.executable).with_name("mlmon")), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    wall = time.perf_counter() - start
    if done.returncode not in (0, 1) or not done.stdout.startswith("{"):
        raise SystemExit(f"mlmon {' '.join(args)} failed: {done.stderr[-500:]}")
    return wall, int(done.stderr.strip().splitlines()[-1]) / 1024


def compare(log: Path, labels: Path, runs: int) -> None:
    commands = {
        "report": ["report", str(log), str(labels), "-f", "json"],
        "performance": ["performance", str(log), str(labels), "--window", "1d", "-f", "json"],
    }
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for run in range(runs):
        for name, args in commands.items():
            wall, rss = timed(args)
            results[name].append((wall, rss))
            print(f"run {run + 1} {name:12s} {wall:6.2f} s  {rss:7.0f} MB")
    medians = {
        name: (statistics.median(w for w, _ in r), statistics.median(m for _, m in r)) for name, r in results.items()
    }
    for name, (wall, rss) in medians.items():
        print(f"median {name:12s} {wall:6.2f} s  {rss:7.0f} MB peak RSS")
    print(f"performance / report: {medians['performance'][0] / medians['report'][0]:.2f}x wall")


def waiting_memory(n: int) -> None:
    from datetime import UTC, datetime, timedelta

    from mlmon.analyses.labels import LabelJoinReducer

    reducer = LabelJoinReducer()
    rng = np.random.default_rng(7)
    state = None
    chunk = 1_000_000
    start = datetime(2026, 11, 2, tzinfo=UTC)
    for at in range(0, n, chunk):
        size = min(chunk, n - at)
        ids = pl.Series(rng.integers(0, 2**63, size)).cast(pl.String).str.zfill(19).str.slice(3)
        frame = pl.DataFrame(
            {
                "ts": pl.datetime_range(start, start + timedelta(seconds=size - 1), "1s", eager=True),
                "label": pl.Series(rng.choice(["A", "B", "C", "D"], size)).cast(pl.Categorical),
                "model_version": pl.repeat("1.4.0", size, eager=True).cast(pl.Categorical),
                "confidence": rng.random(size),
                "request_id": ids,
            }
        )
        part = reducer.from_chunk(frame)
        state = part if state is None else reducer.merge(state, part)
    assert state is not None
    size = sum(f.estimated_size() for f in state.predictions)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{n:,} waiting predictions (16-character ids): state {size / 2**20:,.0f} MiB = {size / n:.1f} bytes each; "
        f"peak RSS {peak:,.0f} MB"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--log", type=Path, default=ROOT / "benchmarks" / "data" / "logs_1000000.jsonl")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--waiting", type=int, default=10_000_000)
    args = parser.parse_args()
    if not args.log.exists():
        raise SystemExit(f"{args.log}: make it with python benchmarks/make_logs.py 1000000 {args.log}")
    compare(args.log, write_labels(args.log), args.runs)
    if args.waiting:
        waiting_memory(args.waiting)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
