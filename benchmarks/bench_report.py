"""Speed and memory of ``mlmon report`` against a hand-written polars query over the same file.

Usage (from the repository root)::

    python benchmarks/bench_report.py [--sizes 1000000,5000000] [--repeats 2]

For each size N it makes (or reuses) ``benchmarks/data/logs_N.jsonl`` with
``benchmarks/make_logs.py`` (about 510 bytes per record, nested ``features`` and
``probabilities``; the generator writes the numpy ground truth beside it as
``logs_N.jsonl.truth.json``) and then, in the same run and each in a fresh subprocess:

1. **bare polars**: ``pl.scan_ndjson`` plus the report's aggregates written by hand
   (timestamp parsed to datetime, count, latency p50/p95/p99/max/mean with linear
   quantiles, error rate from ``status``, busiest minute, label counts, confidence mean and
   p10, cpu and rss mean/max, no grouping), collected with ``pl.collect_all`` once with the
   default engine (``"auto"``, which is the streaming engine in polars 2) and once with
   ``engine="in-memory"``. Run alone with ``--bare FILE [--engine E]``.
2. ``mlmon report --format json FILE`` (stdout to a file, read afterwards for the
   correctness check).
3. DuckDB, when ``import duckdb`` works in this interpreter; otherwise skipped with a note.

Each child runs under ``/usr/bin/time -f "%e %M"`` (peak RSS of the child: ``ru_maxrss``);
without it, psutil polls the RSS of the child's process tree every 20 ms. Wall time is
measured around the subprocess, so interpreter start-up and imports are included for every
tool. Each measurement is repeated ``--repeats`` times (tools interleaved); the table shows
the best wall time and the largest peak RSS. Files are read warm from the page cache
(they were just written or read); nothing drops caches.

The script prints the table, seconds per million records per tool and size (linearity),
the peak-RSS growth per million records, the targets of the issue (1M: mlmon within 1.5x
bare polars; 5M: peak RSS under 1.5 GB) and a correctness check of mlmon's (and the bare
query's) p50/p95/p99 latency and error rate against the ground truth. MB is 10**6 bytes.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / "data"
MAKE_LOGS = HERE / "make_logs.py"
GNU_TIME = "/usr/bin/time"

RATIO_TARGET = 1.5
RSS_TARGET_MB = 1500.0
REDUCER_RSS_TARGET_MB = 400.0
"""Issue 8: with analyses as reducers, mlmon report's peak RSS at 5M records."""
REL_TOL = 1e-9


# --------------------------------------------------------------------------------------
# The competitors (each runs in a child process)
# --------------------------------------------------------------------------------------


def bare_polars(path: str, engine: str = "auto") -> dict:
    """What a competent user would write by hand: the report's overall aggregates."""
    import polars as pl

    lf = pl.scan_ndjson(path).with_columns(
        pl.col("timestamp")
        .str.to_datetime("%Y-%m-%dT%H:%M:%S%.fZ", time_unit="us")
        .dt.replace_time_zone("UTC")
        .alias("ts")
    )
    lat = pl.col("latency_ms")
    failed = pl.col("status") != "ok"
    main = lf.select(
        pl.len().alias("records"),
        pl.col("ts").min().alias("start"),
        pl.col("ts").max().alias("end"),
        lat.count().alias("latency_count"),
        lat.quantile(0.50, "linear").alias("p50"),
        lat.quantile(0.95, "linear").alias("p95"),
        lat.quantile(0.99, "linear").alias("p99"),
        lat.max().alias("latency_max"),
        lat.mean().alias("latency_mean"),
        failed.sum().alias("errors"),
        failed.mean().alias("error_rate"),
        pl.col("cpu_percent").mean().alias("cpu_mean"),
        pl.col("cpu_percent").max().alias("cpu_max"),
        pl.col("rss_mb").mean().alias("rss_mean"),
        pl.col("rss_mb").max().alias("rss_max"),
        pl.col("confidence").mean().alias("confidence_mean"),
        pl.col("confidence").quantile(0.10, "linear").alias("confidence_p10"),
    )
    peak = (
        lf.group_by(pl.col("ts").dt.truncate("1m").alias("minute"))
        .len()
        .sort("len", "minute", descending=[True, False])
        .head(1)
    )
    labels = lf.filter(pl.col("label").is_not_null()).group_by("label").len().sort("len", descending=True)
    m, p, lab = pl.collect_all([main, peak, labels], engine=engine)
    row = m.row(0, named=True)
    return {
        **{k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in row.items()},
        "peak_rps": p["len"][0] / 60.0 if p.height else 0.0,
        "peak_minute": p["minute"][0].isoformat() if p.height else None,
        "label_counts": dict(zip(lab["label"].to_list(), lab["len"].to_list())),
    }


DUCKDB_SQL = """
WITH t AS (
  SELECT latency_ms, status, label, confidence, cpu_percent, rss_mb,
         CAST("timestamp" AS TIMESTAMPTZ) AS ts
  FROM read_json(?, format = 'newline_delimited')
)
SELECT count(*) AS records, min(ts) AS start, max(ts) AS "end",
       count(latency_ms) AS latency_count,
       quantile_cont(latency_ms, 0.5) AS p50, quantile_cont(latency_ms, 0.95) AS p95,
       quantile_cont(latency_ms, 0.99) AS p99, max(latency_ms) AS latency_max,
       avg(latency_ms) AS latency_mean,
       sum(CASE WHEN status <> 'ok' THEN 1 ELSE 0 END) AS errors,
       avg(CASE WHEN status <> 'ok' THEN 1.0 ELSE 0.0 END) AS error_rate,
       avg(cpu_percent) AS cpu_mean, max(cpu_percent) AS cpu_max,
       avg(rss_mb) AS rss_mean, max(rss_mb) AS rss_max,
       avg(confidence) AS confidence_mean, quantile_cont(confidence, 0.1) AS confidence_p10,
       (SELECT count(*) FROM t GROUP BY date_trunc('minute', ts) ORDER BY 1 DESC LIMIT 1) / 60.0
         AS peak_rps
FROM t
"""


def bare_duckdb(path: str) -> dict:
    import duckdb

    con = duckdb.connect()
    if os.environ.get("DUCKDB_THREADS"):
        con.execute(f"SET threads={int(os.environ['DUCKDB_THREADS'])}")
    cur = con.execute(DUCKDB_SQL, [path])
    names = [d[0] for d in cur.description]
    row = dict(zip(names, cur.fetchone()))
    labels = con.execute(
        (
            "SELECT label, count(*) FROM read_json(?, format = 'newline_delimited') "
            "WHERE label IS NOT NULL GROUP BY label ORDER BY 2 DESC"
        ),
        [path],
    ).fetchall()
    row["label_counts"] = dict(labels)
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in row.items()}


def have_duckdb() -> bool:
    try:
        import duckdb  # noqa: F401
    except ImportError:
        return False
    return True


# --------------------------------------------------------------------------------------
# Measuring a child
# --------------------------------------------------------------------------------------


@dataclass
class Run:
    seconds: float
    peak_rss_mb: float
    peak_anon_mb: float | None
    returncode: int
    stdout: str
    stderr: str


def _tree_memory(proc) -> tuple[int, int | None]:
    """(RSS, anonymous RSS or None) in bytes, summed over ``proc`` and its descendants."""
    import psutil

    rss, anon = 0, 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            rss += p.memory_info().rss
            with open(f"/proc/{p.pid}/status", "rb") as f:
                for line in f:
                    if line.startswith(b"RssAnon:"):
                        anon += int(line.split()[1]) * 1024
                        break
        except (psutil.NoSuchProcess, psutil.AccessDenied, FileNotFoundError, ProcessLookupError):
            pass
        except OSError:
            anon = None
    return rss, anon


def _poll_tree(pid: int, stop: threading.Event, out: dict) -> None:
    """Peak RSS and peak anonymous RSS of the process tree, polled every 20 ms.

    Anonymous RSS leaves out file-backed pages: a reader that memory-maps its input (polars'
    ``scan_ndjson``) has the whole file in its RSS, though the kernel can drop those pages.
    """
    import psutil

    try:
        proc = psutil.Process(pid)
    except psutil.NoSuchProcess:
        return
    out.setdefault("rss", 0)
    out.setdefault("anon", 0)
    while not stop.is_set():
        try:
            rss, anon = _tree_memory(proc)
        except psutil.NoSuchProcess:
            break
        out["rss"] = max(out["rss"], rss)
        if anon is None or out["anon"] is None:
            out["anon"] = None
        else:
            out["anon"] = max(out["anon"], anon)
        stop.wait(0.02)


def measure(cmd: list[str], timeout: float, env: dict | None = None) -> Run:
    """Wall time and peak RSS of ``cmd`` run in a fresh process; stdout captured to a file.

    Peak RSS comes from GNU time (the kernel's ``ru_maxrss``) when ``/usr/bin/time`` exists,
    else from polling; peak anonymous RSS always comes from polling ``/proc``.
    """
    with tempfile.TemporaryDirectory(prefix="mlmon-bench-") as tmp:
        out_path, err_path, time_path = (Path(tmp) / n for n in ("out", "err", "time"))
        use_time = os.access(GNU_TIME, os.X_OK)
        full = [GNU_TIME, "-f", "%e %M", "-o", str(time_path), *cmd] if use_time else cmd
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            t0 = time.perf_counter()
            proc = subprocess.Popen(full, stdout=out, stderr=err, cwd=ROOT, env=env)
            stop, polled = threading.Event(), {}
            poller = threading.Thread(target=_poll_tree, args=(proc.pid, stop, polled), daemon=True)
            poller.start()
            try:
                rc = proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                rc = proc.wait()
            seconds = time.perf_counter() - t0
            stop.set()
            poller.join()
        peak_bytes = polled.get("rss", 0)
        if use_time:
            text = time_path.read_text().strip().splitlines()
            # GNU time prints "Command exited with non-zero status N" first when rc != 0
            if text:
                peak_bytes = int(text[-1].split()[1]) * 1024
        anon = polled.get("anon")
        return Run(
            seconds=seconds,
            peak_rss_mb=peak_bytes / 1e6,
            peak_anon_mb=anon / 1e6 if anon else None,
            returncode=rc,
            stdout=out_path.read_text(errors="replace"),
            stderr=err_path.read_text(errors="replace"),
        )


# --------------------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------------------


@dataclass
class Result:
    size: int
    bytes: int
    tool: str
    runs: list[Run] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return min(r.seconds for r in self.runs)

    @property
    def peak_rss_mb(self) -> float:
        return max(r.peak_rss_mb for r in self.runs)

    @property
    def peak_anon_mb(self) -> float | None:
        values = [r.peak_anon_mb for r in self.runs]
        return None if any(v is None for v in values) else max(values)


def ensure_logs(n: int, data: Path) -> tuple[Path, dict]:
    path = data / f"logs_{n}.jsonl"
    truth_path = path.with_name(path.name + ".truth.json")
    if path.exists() and truth_path.exists():
        truth = json.loads(truth_path.read_text())
        if truth.get("records") == n and truth.get("bytes") == path.stat().st_size:
            print(f"reusing {path} ({truth['bytes'] / 1e6:,.0f} MB)", flush=True)
            return path, truth
    print(f"generating {path} ...", flush=True)
    data.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, str(MAKE_LOGS), str(n), str(path)], check=True, stdout=subprocess.DEVNULL)
    return path, json.loads(truth_path.read_text())


def mlmon_command() -> list[str]:
    exe = Path(sys.executable).with_name("mlmon")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("mlmon")
    if found:
        return [found]
    return [sys.executable, "-c", "from mlmon.cli import main; main()"]


def baseline_command(root: str) -> list[str]:
    """mlmon from another checkout (e.g. ``git archive <commit> | tar -x -C DIR``), run with
    this interpreter, so one run compares two commits on the same files and load."""
    return [
        sys.executable,
        "-c",
        f"import sys; sys.path.insert(0, {str(Path(root).resolve())!r}); from mlmon.cli import main; main()",
    ]


def tools(include_duckdb: bool, baseline: str | None = None) -> dict[str, callable]:
    me = str(Path(__file__).resolve())
    table = {
        "bare polars (auto=streaming)": lambda f: [sys.executable, me, "--bare", str(f), "--engine", "auto"],
        "bare polars (in-memory)": lambda f: [sys.executable, me, "--bare", str(f), "--engine", "in-memory"],
        "mlmon report": lambda f: [*mlmon_command(), "report", "--format", "json", str(f)],
        DRIFT: lambda f: [
            *mlmon_command(),
            "drift",
            "--reference",
            str(REFERENCE),
            "--window",
            "100000",
            "--format",
            "json",
            str(f),
        ],
    }
    if baseline:
        table[BASE_REPORT] = lambda f: [*baseline_command(baseline), "report", "--format", "json", str(f)]
        table[BASE_DRIFT] = lambda f: [
            *baseline_command(baseline),
            "drift",
            "--reference",
            str(REFERENCE),
            "--window",
            "100000",
            "--format",
            "json",
            str(f),
        ]
    if include_duckdb:
        table["duckdb"] = lambda f: [sys.executable, me, "--duckdb", str(f)]
    return table


BARE = "bare polars (auto=streaming)"
MLMON = "mlmon report"
DRIFT = "mlmon drift"
BASE_REPORT = "baseline report"
BASE_DRIFT = "baseline drift"
REFERENCE = Path(__file__).resolve().parent.parent / "references" / "train.json"
DRIFT_RATIO_TARGET = 1.5
"""Issue 3: drift over 1M records takes at most 1.5x as long as mlmon report on them."""


def close(a, b) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(float(a), float(b), rel_tol=REL_TOL, abs_tol=1e-12)


def check(tool: str, size: int, got: dict, truth: dict) -> list[str]:
    """OK/MISMATCH lines comparing p50/p95/p99 latency, error rate and record count."""
    lat = truth["latency_ms"]
    pairs = [
        ("records", got.get("records"), truth["records"]),
        ("latency p50", got.get("p50"), lat["p50"]),
        ("latency p95", got.get("p95"), lat["p95"]),
        ("latency p99", got.get("p99"), lat["p99"]),
        ("error rate", got.get("error_rate"), truth["error_rate"]),
    ]
    lines = []
    for name, g, t in pairs:
        verdict = "OK" if close(g, t) else "MISMATCH"
        lines.append(f"  {size:>9,} {tool:<30} {name:<12} {verdict:<8} got {g!r}  truth {t!r}")
    return lines


def mlmon_figures(stdout: str) -> dict:
    doc = json.loads(stdout)
    return {
        "records": doc["records"],
        "p50": doc["latency"]["p50_ms"],
        "p95": doc["latency"]["p95_ms"],
        "p99": doc["latency"]["p99_ms"],
        "error_rate": doc["errors"]["rate"],
    }


def _mb(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f}"


def git_state() -> str:
    """Commit of the working tree and whether mlmon/ has uncommitted changes."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", "mlmon"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + (" (tracked files in mlmon/ modified)" if dirty else "")


def load() -> str:
    return "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def run_benchmark(args: argparse.Namespace) -> int:
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    duck = have_duckdb()
    plan = tools(duck, args.baseline)
    started = datetime.now(UTC)
    import polars as pl

    print(
        (
            f"mlmon report benchmark, {started:%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, "
            f"python {sys.version.split()[0]}, polars {pl.__version__}, git {git_state()}, "
            f"peak RSS via {'GNU time' if os.access(GNU_TIME, os.X_OK) else 'psutil polling (20 ms)'}"
        ),
        flush=True,
    )
    if not duck:
        print("duckdb: skipped (not installed in this interpreter)", flush=True)
    results: list[Result] = []
    checks: list[str] = []
    loads: list[str] = [f"start {load()}"]
    failed = False
    for n in sizes:
        path, truth = ensure_logs(n, Path(args.data_dir))
        loads.append(f"{n:,} records, before: {load()}")
        per_tool = {name: Result(n, truth["bytes"], name) for name in plan}
        for rep in range(args.repeats):
            for name, make in plan.items():
                run = measure(make(path), timeout=args.timeout)
                per_tool[name].runs.append(run)
                status = "" if run.returncode == 0 else f" EXIT {run.returncode}: {run.stderr.strip()[-300:]}"
                print(
                    (
                        f"  {n:>9,} rep {rep + 1} {name:<30} {run.seconds:7.2f} s {run.peak_rss_mb:8.0f} MB RSS "
                        f"{_mb(run.peak_anon_mb):>6} MB anon "
                        f"load {load()}{status}"
                    ),
                    flush=True,
                )
                if rep == 0 and run.returncode == 0 and name not in (DRIFT, BASE_DRIFT):
                    try:
                        got = mlmon_figures(run.stdout) if name in (MLMON, BASE_REPORT) else json.loads(run.stdout)
                        checks += check(name, n, got, truth)
                    except (ValueError, KeyError) as error:
                        checks.append(f"  {n:>9,} {name:<30} MISMATCH unreadable output: {error}")
                if run.returncode != 0 and not (
                    name in (MLMON, DRIFT, BASE_REPORT, BASE_DRIFT) and run.returncode == 1
                ):
                    failed = True
        results += per_tool.values()
        loads.append(f"{n:,} records, after: {load()}")
    print_report(results, checks, loads, sizes)
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "date": started.isoformat(),
                    "cpus": os.cpu_count(),
                    "git": git_state(),
                    "load": loads,
                    "results": [
                        {
                            "size": r.size,
                            "bytes": r.bytes,
                            "tool": r.tool,
                            "seconds": [x.seconds for x in r.runs],
                            "peak_rss_mb": [x.peak_rss_mb for x in r.runs],
                            "peak_anon_mb": [x.peak_anon_mb for x in r.runs],
                        }
                        for r in results
                    ],
                    "checks": checks,
                },
                indent=2,
            )
        )
    return 1 if failed or any("MISMATCH" in c for c in checks) else 0


def print_report(results: list[Result], checks: list[str], loads: list[str], sizes: list[int]) -> None:
    best = {(r.size, r.tool): r for r in results}
    print()
    print("| records | file MB | tool | seconds | peak RSS MB | peak anon MB | records/s | s per 1M | mlmon / this |")
    print("|---:|---:|---|---:|---:|---:|---:|---:|---:|")
    for r in results:
        mlmon = best.get((r.size, MLMON))
        ratio = f"{mlmon.seconds / r.seconds:.2f}x" if mlmon and r.tool not in (MLMON, DRIFT, BASE_DRIFT) else ""
        print(
            f"| {r.size:,} | {r.bytes / 1e6:,.0f} | {r.tool} | {r.seconds:.2f} | {r.peak_rss_mb:,.0f} | "
            f"{_mb(r.peak_anon_mb)} | "
            f"{r.size / r.seconds:,.0f} | {r.seconds / (r.size / 1e6):.2f} | {ratio} |"
        )
    print()
    print("Linearity (seconds per million records, smallest -> largest size; 1.00 is linear):")
    tools_seen = list(dict.fromkeys(r.tool for r in results))
    for tool in tools_seen:
        per = [best[(n, tool)].seconds / (n / 1e6) for n in sizes if (n, tool) in best]
        growth = per[-1] / per[0] if per and per[0] else float("nan")
        print(f"  {tool:<30} " + "  ".join(f"{p:.2f}" for p in per) + f"   ({growth:.2f}x)")
    if len(sizes) > 1:
        print("Memory growth per million records (largest vs smallest size), RSS / anonymous RSS:")
        lo, hi = sizes[0], sizes[-1]
        for tool in tools_seen:
            a, b = best.get((lo, tool)), best.get((hi, tool))
            if a and b:
                slope = (b.peak_rss_mb - a.peak_rss_mb) / ((hi - lo) / 1e6)
                anon = ""
                if a.peak_anon_mb is not None and b.peak_anon_mb is not None:
                    anon_slope = (b.peak_anon_mb - a.peak_anon_mb) / ((hi - lo) / 1e6)
                    anon = f" / {anon_slope:.0f} MB ({anon_slope:.0f} bytes/record)"
                print(f"  {tool:<30} {slope:6.0f} MB ({slope:.0f} bytes/record){anon}")
    print("Targets:")
    for n in sizes:
        m, b = best.get((n, MLMON)), best.get((n, BARE))
        if m and b:
            ratio = m.seconds / b.seconds
            fastest = min((r for r in results if r.size == n and r.tool.startswith("bare")), key=lambda r: r.seconds)
            verdict = "PASS" if ratio <= RATIO_TARGET else f"FAIL (by {ratio / RATIO_TARGET:.2f}x)"
            print(
                f"  {n:>9,} time: mlmon {m.seconds:.2f} s = {ratio:.2f}x {BARE} ({b.seconds:.2f} s), "
                f"{m.seconds / fastest.seconds:.2f}x fastest bare ({fastest.tool}); "
                f"target <= {RATIO_TARGET}x: {verdict}"
            )
        d = best.get((n, DRIFT))
        if m and d:
            ratio = d.seconds / m.seconds
            verdict = "PASS" if ratio <= DRIFT_RATIO_TARGET else f"FAIL (by {ratio / DRIFT_RATIO_TARGET:.2f}x)"
            print(
                f"  {n:>9,} drift: mlmon drift {d.seconds:.2f} s = {ratio:.2f}x mlmon report; target <= "
                f"{DRIFT_RATIO_TARGET}x: {verdict}"
            )
        if m:
            verdict = "PASS" if m.peak_rss_mb < RSS_TARGET_MB else f"FAIL (by {m.peak_rss_mb - RSS_TARGET_MB:,.0f} MB)"
            print(
                f"  {n:>9,} memory: mlmon peak RSS {m.peak_rss_mb:,.0f} MB; target < {RSS_TARGET_MB:,.0f} MB: {verdict}"
            )
            if n >= 5_000_000:
                verdict = "PASS" if m.peak_rss_mb < REDUCER_RSS_TARGET_MB else "FAIL"
                print(
                    f"  {n:>9,} memory (issue 8, reducers): peak RSS {m.peak_rss_mb:,.0f} MB; target < "
                    f"{REDUCER_RSS_TARGET_MB:,.0f} MB: {verdict}"
                )
        for new, old in ((MLMON, BASE_REPORT), (DRIFT, BASE_DRIFT)):
            a, b = best.get((n, new)), best.get((n, old))
            if a and b:
                print(
                    f"  {n:>9,} vs baseline: {new} {a.seconds:.2f} s / {b.seconds:.2f} s = "
                    f"{a.seconds / b.seconds:.2f}x time, "
                    f"{a.peak_rss_mb:,.0f} / {b.peak_rss_mb:,.0f} MB = {a.peak_rss_mb / b.peak_rss_mb:.2f}x peak RSS"
                )
    print("Correctness against the numpy ground truth (OUT.truth.json):")
    for line in checks:
        print(line)
    print("Load average (1, 5, 15 min):")
    for line in loads + [f"end {load()}"]:
        print(f"  {line}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Time mlmon report against bare polars on generated logs.")
    ap.add_argument("--sizes", default="1000000,5000000", help="comma-separated record counts")
    ap.add_argument("--repeats", type=int, default=2, help="runs per tool and size (best time, max RSS)")
    ap.add_argument("--data-dir", default=str(DATA), help="where the generated logs live")
    ap.add_argument("--timeout", type=float, default=900.0, help="seconds before a child is killed")
    ap.add_argument("--json", help="also write the raw measurements here")
    ap.add_argument("--baseline", metavar="DIR", help="also time report and drift of the mlmon checkout in DIR")
    ap.add_argument("--bare", metavar="FILE", help="(child mode) run the bare polars query on FILE")
    ap.add_argument("--engine", default="auto", help="(child mode) polars engine for --bare")
    ap.add_argument("--duckdb", metavar="FILE", help="(child mode) run the DuckDB query on FILE")
    ap.add_argument(
        "--cores", help="core sweep (benchmarks/bench_cores.py): comma-separated core counts, e.g. 2,4,8,16"
    )
    import bench_cores

    bench_cores.add_arguments(ap)
    args = ap.parse_args(argv)
    if args.cores:
        return bench_cores.run_sweep(args)
    if args.bare:
        json.dump(bare_polars(args.bare, args.engine), sys.stdout, default=str)
        return 0
    if args.duckdb:
        json.dump(bare_duckdb(args.duckdb), sys.stdout, default=str)
        return 0
    return run_benchmark(args)


if __name__ == "__main__":
    sys.exit(main())
