"""How mlmon scales with cores: a sweep of core counts and sizes, each tool pinned to T
cores, against a bare polars scan (and DuckDB when it is installed), in the same run.

Usage (from the repository root)::

    python benchmarks/bench_report.py --cores 2,4,8,16 --sizes 1000000,5000000 [--repeats 3]
    python benchmarks/bench_cores.py  --cores 2,4,8,16 --sizes 1000000,5000000 [--repeats 3]
        [--baseline DIR] [--concat] [--drift-features] [--json OUT]

Each tool runs as its own process under ``taskset -c 0-(T-1)`` with
``POLARS_MAX_THREADS=T`` (DuckDB: ``SET threads=T`` through ``DUCKDB_THREADS``), the method
of issue 14. Core counts above ``os.cpu_count()`` are skipped with a note. Tools are
interleaved within a repeat, and each figure is the **median** of the repeats (wall time,
interpreter start-up included); peak RSS is the largest of the repeats (GNU time's
``ru_maxrss``). Every ratio in the output compares two tools measured in the same run.

``--concat`` makes sizes above 1M by concatenating copies of the 1M file (seconds instead
of a minute per 5M on the generator; the timestamps repeat, so it is for speed and memory
only: the numpy ground truth is not checked for those sizes). ``--drift-features`` also
times ``mlmon drift`` with the 16-feature file and its reference (``make_logs.py
--features 16 --reference-csv``, profile built by ``mlmon reference build``) at the first
size. ``--baseline DIR`` also times ``mlmon report`` from another checkout (``git archive
<commit> | tar -x -C DIR``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_report as br  # noqa: E402

FEATURE_NAMES = (
    "brightness,contrast,width,height,exposure_ms,iso,temperature_c,aspect_ratio,f_norm,f_lognorm,"
    "f_uniform,f_count,f_flag,f_score,f_ratio,f_region"
)
REPORT, BARE, DUCK, BASE, DRIFT = (
    "mlmon report",
    "bare polars",
    "duckdb",
    "baseline report",
    "mlmon drift (16 features)",
)


@dataclass
class Cell:
    """The runs of one tool at one size and core count."""

    size: int
    cores: int
    tool: str
    runs: list[br.Run] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return statistics.median(r.seconds for r in self.runs)

    @property
    def peak_rss_mb(self) -> float:
        return max(r.peak_rss_mb for r in self.runs)


def pinned(cores: int, cmd: list[str]) -> list[str]:
    return ["taskset", "-c", f"0-{cores - 1}", *cmd]


def logs_of_size(n: int, data: Path, concat: bool) -> Path:
    """The log file of ``n`` records: generated, or ``n / 1M`` copies of the 1M file."""
    if not concat or n <= 1_000_000 or n % 1_000_000:
        return br.ensure_logs(n, data)[0]
    one = br.ensure_logs(1_000_000, data)[0]
    path = data / f"concat_{n}.jsonl"
    if not path.exists() or path.stat().st_size != one.stat().st_size * (n // 1_000_000):
        print(f"concatenating {n // 1_000_000} copies of {one.name} into {path.name} ...", flush=True)
        with open(path, "wb") as out:
            for _ in range(n // 1_000_000):
                with open(one, "rb") as src:
                    shutil.copyfileobj(src, out, 16 << 20)
    return path


def feature_logs(n: int, data: Path) -> tuple[Path, Path]:
    """The 16-feature log of ``n`` records and the reference profile built from its CSV."""
    path = data / f"features16_{n}.jsonl"
    csv = data / f"features16_{n}.ref_50000.csv"
    ref = data / f"features16_{n}.ref_50000.json"
    if not (path.exists() and csv.exists()):
        print(f"generating {path.name} with its reference CSV ...", flush=True)
        subprocess.run(
            [
                sys.executable,
                str(br.MAKE_LOGS),
                str(n),
                str(path),
                "--features",
                "16",
                "--reference-csv",
                str(csv),
                "50000",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    if not ref.exists():
        subprocess.run(
            [
                *br.mlmon_command(),
                "reference",
                "build",
                str(csv),
                "-o",
                str(ref),
                "--proba-cols",
                "p_A,p_B,p_C,p_D",
                "--features",
                FEATURE_NAMES,
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return path, ref


def plan(args: argparse.Namespace) -> dict[str, callable]:
    me = str(HERE / "bench_report.py")
    tools = {
        BARE: lambda f: [sys.executable, me, "--bare", str(f), "--engine", "auto"],
        REPORT: lambda f: [*br.mlmon_command(), "report", "--format", "json", str(f)],
    }
    if args.baseline:
        tools[BASE] = lambda f: [*br.baseline_command(args.baseline), "report", "--format", "json", str(f)]
    if br.have_duckdb():
        tools[DUCK] = lambda f: [sys.executable, me, "--duckdb", str(f)]
    return tools


def run_sweep(args: argparse.Namespace) -> int:
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    wanted = [int(c) for c in args.cores.split(",") if c.strip()]
    cores = [c for c in wanted if c <= (os.cpu_count() or 1)]
    import polars as pl

    print(
        (
            f"core sweep, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, "
            f"python {sys.version.split()[0]}, "
            f"polars {pl.__version__}, git {br.git_state()}, cores {cores}"
        )
        + (
            f" (skipped {sorted(set(wanted) - set(cores))}: more than this machine has)"
            if set(wanted) - set(cores)
            else ""
        ),
        flush=True,
    )
    tools, cells, failed = plan(args), [], False
    data = Path(args.data_dir)
    for n in sizes:
        path = logs_of_size(n, data, args.concat)
        extra = {}
        if args.drift_features and n == sizes[0]:
            fpath, ref = feature_logs(n, data)
            extra[DRIFT] = (
                fpath,
                [
                    *br.mlmon_command(),
                    "drift",
                    "--reference",
                    str(ref),
                    "--window",
                    "1h",
                    "--format",
                    "json",
                    str(fpath),
                ],
            )
        for t in cores:
            env = {**os.environ, "POLARS_MAX_THREADS": str(t), "DUCKDB_THREADS": str(t)}
            row = {name: Cell(n, t, name) for name in [*tools, *extra]}
            for _ in range(args.repeats):
                commands = {name: make(path) for name, make in tools.items()} | {
                    name: cmd for name, (_, cmd) in extra.items()
                }
                for name, cmd in commands.items():
                    run = br.measure(pinned(t, cmd), timeout=args.timeout, env=env)
                    row[name].runs.append(run)
                    if run.returncode not in (0, 1):
                        failed = True
                        print(f"  EXIT {run.returncode} {name}: {run.stderr.strip()[-300:]}", flush=True)
                    print(
                        (
                            f"  {n:>11,} {t:>2} cores {name:<26} {run.seconds:7.2f} s {run.peak_rss_mb:7.0f} MB  load "
                            f"{br.load()}"
                        ),
                        flush=True,
                    )
            cells += row.values()
    print_sweep(cells, sizes, cores)
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                [
                    {
                        "size": c.size,
                        "cores": c.cores,
                        "tool": c.tool,
                        "seconds": [r.seconds for r in c.runs],
                        "peak_rss_mb": [r.peak_rss_mb for r in c.runs],
                    }
                    for c in cells
                ],
                indent=1,
            )
        )
    return 1 if failed else 0


def print_sweep(cells: list[Cell], sizes: list[int], cores: list[int]) -> None:
    at = {(c.size, c.cores, c.tool): c for c in cells}
    tools = list(dict.fromkeys(c.tool for c in cells))
    others = [t for t in tools if t not in (REPORT, BARE)]
    print()
    print(
        "| records | cores | mlmon report s | bare polars s | report / bare | "
        + " | ".join(f"{t} s" for t in others)
        + " | report peak RSS MB | "
        + " | ".join(f"{t} RSS MB" for t in others if t != DUCK)
        + " |"
    )
    print(
        "|---:|---:|---:|---:|---:|" + "---:|" * len(others) + "---:|" + "---:|" * len([t for t in others if t != DUCK])
    )
    for n in sizes:
        for t in cores:
            r, b = at.get((n, t, REPORT)), at.get((n, t, BARE))
            if not (r and b):
                continue
            other_s = [f"{at[(n, t, o)].seconds:.2f}" if (n, t, o) in at else "" for o in others]
            other_m = [f"{at[(n, t, o)].peak_rss_mb:,.0f}" if (n, t, o) in at else "" for o in others if o != DUCK]
            print(
                f"| {n:,} | {t} | {r.seconds:.2f} | {b.seconds:.2f} | {r.seconds / b.seconds:.2f}x | "
                + " | ".join(other_s)
                + f" | {r.peak_rss_mb:,.0f} | "
                + " | ".join(other_m)
                + " |"
            )
    print("\nSpeed-up from the fewest to the most cores (median seconds):")
    for n in sizes:
        for tool in tools:
            series = [at[(n, t, tool)].seconds for t in cores if (n, t, tool) in at]
            if len(series) > 1:
                print(
                    f"  {n:>11,} {tool:<26} "
                    + "  ".join(f"{s:.2f}" for s in series)
                    + f"   ({series[0] / series[-1]:.2f}x)"
                )
    print(
        "\nTargets (issue 14): report no slower than the bare polars scan at every core count; peak RSS under 500 MB:"
    )
    for c in cells:
        if c.tool in (REPORT, DRIFT):
            b = at.get((c.size, c.cores, BARE))
            speed = (
                ""
                if c.tool != REPORT or b is None
                else f"{'PASS' if c.seconds <= b.seconds else 'FAIL'} time ({c.seconds / b.seconds:.2f}x), "
            )
            print(
                f"  {c.size:>11,} {c.cores:>2} cores {c.tool:<26} {speed}{'PASS' if c.peak_rss_mb < 500 else 'FAIL'} "
                f"memory ({c.peak_rss_mb:,.0f} MB)"
            )


def add_arguments(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--concat", action="store_true", help="sizes over 1M: copies of the 1M file")
    ap.add_argument("--drift-features", action="store_true", help="also time drift with 16 features at the first size")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="mlmon report against bare polars at several core counts.")
    ap.add_argument("--cores", default="2,4,8,16")
    ap.add_argument("--sizes", default="1000000,5000000")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--data-dir", default=str(br.DATA))
    ap.add_argument("--timeout", type=float, default=900.0)
    ap.add_argument("--baseline", metavar="DIR")
    ap.add_argument("--json")
    add_arguments(ap)
    return run_sweep(ap.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
