"""Feature drift (issue 10): ``mlmon drift`` with 16 features against ``mlmon report``, and
against NannyML's univariate drift.

Usage (from the repository root)::

    python benchmarks/bench_features.py [--records 1000000] [--runs 3] [--keep]

1. Makes (or reuses) ``benchmarks/data/features16_N.jsonl``, N records with 16 features
   (``make_logs.py N FILE --features 16``: the 7 features of the default layout plus
   ``aspect_ratio``, ``f_norm``, ``f_lognorm``, ``f_uniform``, ``f_count``, ``f_flag``,
   ``f_score``, ``f_ratio`` and the categorical ``f_region``), with its numpy ground truth
   beside it, and a training CSV of ``--ref-rows`` rows (50,000) drawn from the same
   distributions (``--reference-csv``), ``features16_N.ref_ROWS.csv``. Files are reused
   when the ground truth matches them (records, bytes, 16 features, CSV rows and bytes).
2. Builds the reference profile from the CSV, each run (it takes a few seconds)::

       mlmon reference build CSV -o features16_N.ref_ROWS.json \\
           --proba-cols p_A,p_B,p_C,p_D --features brightness,...,f_region

   naming all 16 features, since by default ``reference build`` profiles only the numeric
   columns and would leave out ``f_region``.
3. Times, each in a fresh process, ``--runs`` times (3) interleaved::

       mlmon report FILE --format json
       mlmon drift --reference PROFILE FILE --format json --window 1d

   with ``benchmarks/bench_report.py``'s ``measure`` (wall time around the subprocess, so
   start-up and imports count; peak RSS from GNU time's ``ru_maxrss``, else psutil polling).
   Files are read warm from the page cache.

It prints a table of the median wall seconds and median peak RSS (and their range), the
ratio drift / report (issue 10: at most 2x) and the ratio of NannyML 0.13.1's univariate
drift to mlmon drift (issue 10: at least 3x). NannyML is not installed here: its figure,
11.0 s and 1.0 GB on 1M records x 16 columns, is the one the issue gives. At another
``--records`` the NannyML time is scaled linearly to that size, which is indicative only.

It also says whether the drift JSON has a top-level ``features`` key, that is whether this
mlmon judges feature drift at all; without it the drift time is that of prediction drift
only, and the benchmark is to be rerun once features are wired. ``report``'s record count,
latency percentiles and error rate are checked against the ground truth.

Files the run generated (log, truth, CSV, profile) are deleted at the end unless ``--keep``;
files it reused are left alone. ``benchmarks/data/`` is git-ignored. MB is 10**6 bytes.
Exit status: 0 when every command ran (drift's exit 1, drift found, counts as ran) and the
report matched the ground truth, else 1; the targets do not set it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_report as br  # measure, mlmon_command, check, ...  (after the sys.path line)
import make_logs

DATA = HERE / "data"
N_FEATURES = 16
FEATURES = make_logs.feature_names(N_FEATURES)
PROBA_COLUMNS = make_logs.PROBA_COLUMNS

NANNYML_SECONDS = 11.0
NANNYML_RSS_MB = 1000.0
NANNYML_RECORDS = 1_000_000
"""NannyML 0.13.1 univariate drift, 1M records x 16 columns: 11.0 s and 1.0 GB (issue 10)."""
DRIFT_VS_REPORT_TARGET = 2.0
"""Issue 10: drift with features takes at most 2x as long as report on the same file."""
NANNYML_SPEEDUP_TARGET = 3.0
"""Issue 10: drift with features is at least 3x faster than NannyML's univariate drift."""

REPORT = "mlmon report"
DRIFT = "mlmon drift"


# --------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------


def _matches(log: Path, truth_path: Path, csv: Path, n: int, ref_rows: int) -> dict | None:
    """The ground truth when the log and the CSV on disk are the ones asked for, else None."""
    if not (log.exists() and truth_path.exists() and csv.exists()):
        return None
    try:
        truth = json.loads(truth_path.read_text())
    except ValueError:
        return None
    ref = truth.get("reference_csv") or {}
    ok = (
        truth.get("records") == n
        and truth.get("bytes") == log.stat().st_size
        and truth.get("features") == list(FEATURES)
        and ref.get("rows") == ref_rows
        and ref.get("bytes") == csv.stat().st_size
    )
    return truth if ok else None


def ensure_data(n: int, ref_rows: int, data: Path) -> tuple[Path, Path, dict, list[Path]]:
    """(log, CSV, ground truth, files generated now)."""
    log = data / f"features16_{n}.jsonl"
    truth_path = log.with_name(log.name + ".truth.json")
    csv = data / f"features16_{n}.ref_{ref_rows}.csv"
    truth = _matches(log, truth_path, csv, n, ref_rows)
    if truth is not None:
        print(f"reusing {log} ({truth['bytes'] / 1e6:,.0f} MB) and {csv}", flush=True)
        return log, csv, truth, []
    print(f"generating {log} ({n:,} records, {N_FEATURES} features) and {csv} ({ref_rows:,} rows) ...", flush=True)
    data.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            str(br.MAKE_LOGS),
            str(n),
            str(log),
            "--features",
            str(N_FEATURES),
            "--reference-csv",
            str(csv),
            str(ref_rows),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    truth = json.loads(truth_path.read_text())
    print(
        (
            f"  generated in {time.perf_counter() - t:.1f} s: {truth['bytes'] / 1e6:,.0f} MB "
            f"({truth['bytes'] / max(n, 1):.0f} B/record)"
        ),
        flush=True,
    )
    return log, csv, truth, [log, truth_path, csv]


def build_reference(csv: Path, profile: Path, timeout: float) -> br.Run:
    cmd = [
        *br.mlmon_command(),
        "reference",
        "build",
        str(csv),
        "-o",
        str(profile),
        "--proba-cols",
        ",".join(PROBA_COLUMNS),
        "--features",
        ",".join(FEATURES),
    ]
    return br.measure(cmd, timeout=timeout)


# --------------------------------------------------------------------------------------
# Reading the results
# --------------------------------------------------------------------------------------


def features_key(stdout: str) -> str:
    """What drift's JSON says about the features (its ``feature_drift`` section), in words."""
    try:
        doc = json.loads(stdout)
    except ValueError as error:
        return f"unreadable drift JSON ({error})"
    if not isinstance(doc, dict):
        return f"drift JSON is a {type(doc).__name__}, not an object"
    section = doc.get("feature_drift")
    if not isinstance(section, dict):
        return f"NO (top-level keys: {', '.join(doc)})"
    if section.get("reason"):
        return f"not judged: {section['reason']}"
    return (
        f"yes: {section.get('features_compared')} features compared, {section.get('drifted')} drifted "
        f"({section.get('critical')} critical, {section.get('warning')} warning, {section.get('unknown')} unknown)"
    )


def median(values: list[float]) -> float:
    return statistics.median(values)


def summary(runs: list[br.Run]) -> dict:
    secs = [r.seconds for r in runs]
    rss = [r.peak_rss_mb for r in runs]
    return {
        "seconds": median(secs),
        "seconds_min": min(secs),
        "seconds_max": max(secs),
        "rss": median(rss),
        "rss_max": max(rss),
    }


def verdict(ok: bool, how_far: str) -> str:
    return "PASS" if ok else f"FAIL ({how_far})"


# --------------------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> int:
    import polars as pl

    n, runs = args.records, args.runs
    started = datetime.now(UTC)
    print(
        (
            f"mlmon feature drift benchmark (issue 10), {started:%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, python "
            f"{sys.version.split()[0]}, polars {pl.__version__}, git {br.git_state()}, peak RSS via "
            f"{'GNU time' if os.access(br.GNU_TIME, os.X_OK) else 'psutil polling (20 ms)'}, load {br.load()}"
        ),
        flush=True,
    )
    data = Path(args.data_dir)
    log, csv, truth, generated = ensure_data(n, args.ref_rows, data)
    profile = csv.with_suffix(".json")
    failed = False
    try:
        built = build_reference(csv, profile, args.timeout)
        generated.append(profile)
        print(
            (
                f"reference build: {built.seconds:.2f} s, {built.peak_rss_mb:,.0f} MB peak RSS, "
                f"exit {built.returncode}: {built.stderr.strip()[-300:]}"
            ),
            flush=True,
        )
        if built.returncode != 0 or not profile.exists():
            print("reference build failed: nothing to time", file=sys.stderr)
            return 1

        commands = {
            REPORT: [*br.mlmon_command(), "report", str(log), "--format", "json"],
            DRIFT: [
                *br.mlmon_command(),
                "drift",
                "--reference",
                str(profile),
                str(log),
                "--format",
                "json",
                "--window",
                args.window,
            ],
        }
        measured: dict[str, list[br.Run]] = {name: [] for name in commands}
        checks: list[str] = []
        feature_note = "not seen (drift never succeeded)"
        loads = [f"before: {br.load()}"]
        for rep in range(runs):
            for name, cmd in commands.items():
                r = br.measure(cmd, timeout=args.timeout)
                measured[name].append(r)
                ok_codes = (0, 1) if name == DRIFT else (0,)
                status = "" if r.returncode in ok_codes else f" EXIT {r.returncode}: {r.stderr.strip()[-300:]}"
                print(
                    (
                        f"  rep {rep + 1} {name:<13} {r.seconds:7.2f} s {r.peak_rss_mb:7.0f} MB peak RSS  "
                        f"exit {r.returncode}  load {br.load()}{status}"
                    ),
                    flush=True,
                )
                if r.returncode not in ok_codes:
                    failed = True
                    continue
                if rep == 0 and name == REPORT:
                    try:
                        checks += br.check(REPORT, n, br.mlmon_figures(r.stdout), truth)
                    except (ValueError, KeyError) as error:
                        checks.append(f"  {n:>9,} {REPORT:<30} MISMATCH unreadable output: {error}")
                if rep == 0 and name == DRIFT:
                    feature_note = features_key(r.stdout)
        loads.append(f"after: {br.load()}")
    finally:
        if not args.keep:
            for path in generated:
                path.unlink(missing_ok=True)
        elif generated:
            print(f"kept: {', '.join(str(p) for p in generated)}")

    good = {
        name: [r for r in rs if r.returncode in ((0, 1) if name == DRIFT else (0,))] for name, rs in measured.items()
    }
    stats = {name: summary(rs) for name, rs in good.items() if rs}
    nanny_s = NANNYML_SECONDS * n / NANNYML_RECORDS
    nanny_rss = NANNYML_RSS_MB  # not scaled: indicative at other sizes
    scaled = n != NANNYML_RECORDS

    print()
    print(
        f"{n:,} records x {N_FEATURES} features, {truth['bytes'] / 1e6:,.0f} MB; reference "
        f"{args.ref_rows:,} rows; --window {args.window}; median of {runs} run(s)"
    )
    print()
    print(
        "| command | wall s (median) | wall s (min-max) | peak RSS MB (median) | peak RSS MB (max) "
        "| / mlmon report | NannyML s / this |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    rep_s = stats.get(REPORT, {}).get("seconds")
    for name in commands:
        s = stats.get(name)
        if not s:
            print(f"| {name} | failed | | | | | |")
            continue
        ratio = f"{s['seconds'] / rep_s:.2f}x" if rep_s else "n/a"
        print(
            f"| {name} | {s['seconds']:.2f} | {s['seconds_min']:.2f}-{s['seconds_max']:.2f} | "
            f"{s['rss']:,.0f} | {s['rss_max']:,.0f} | {ratio} | {nanny_s / s['seconds']:.2f}x |"
        )
    print(
        f"| NannyML 0.13.1 univariate (issue's figure{', scaled linearly' if scaled else ''}) | "
        f"{nanny_s:.2f} | | {nanny_rss:,.0f} | | "
        f"{f'{nanny_s / rep_s:.2f}x' if rep_s else 'n/a'} | 1.00x |"
    )
    print()
    print(f'drift JSON has a top-level "features" key: {feature_note}')
    if not feature_note.startswith("yes"):
        print(
            "  -> this mlmon does not judge feature drift yet: the drift time is prediction drift "
            "only. Rerun once features are wired."
        )
    print("Targets (issue 10):")
    d = stats.get(DRIFT)
    if d and rep_s:
        ratio = d["seconds"] / rep_s
        print(
            f"  drift / report: {d['seconds']:.2f} s / {rep_s:.2f} s = {ratio:.2f}x; target <= "
            f"{DRIFT_VS_REPORT_TARGET:g}x: "
            f"{verdict(ratio <= DRIFT_VS_REPORT_TARGET, f'by {ratio / DRIFT_VS_REPORT_TARGET:.2f}x')}"
        )
    if d:
        speedup = nanny_s / d["seconds"]
        note = (
            (
                f" (NannyML's 1M figure scaled to {n:,} records: indicative only, mlmon's "
                f"start-up weighs more at small sizes)"
            )
            if scaled
            else ""
        )
        print(
            f"  vs NannyML: {nanny_s:.2f} s / {d['seconds']:.2f} s = {speedup:.2f}x faster; target >= "
            f"{NANNYML_SPEEDUP_TARGET:g}x: "
            f"{verdict(speedup >= NANNYML_SPEEDUP_TARGET, f'{speedup:.2f}x < {NANNYML_SPEEDUP_TARGET:g}x')}{note}"
        )
        print(
            f"  peak RSS: drift {d['rss']:,.0f} MB (max {d['rss_max']:,.0f}) vs NannyML "
            f"{NANNYML_RSS_MB:,.0f} MB at 1M = {d['rss'] / NANNYML_RSS_MB:.2f}x (no target)"
        )
    print("Correctness of mlmon report against the ground truth:")
    for line in checks:
        print(line)
    print("Load average (1, 5, 15 min):")
    for line in loads:
        print(f"  {line}")

    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "date": started.isoformat(),
                    "cpus": os.cpu_count(),
                    "git": br.git_state(),
                    "records": n,
                    "bytes": truth["bytes"],
                    "features": list(FEATURES),
                    "reference_rows": args.ref_rows,
                    "window": args.window,
                    "drift_features_key": feature_note,
                    "nannyml": {"seconds_1m": NANNYML_SECONDS, "rss_mb_1m": NANNYML_RSS_MB},
                    "runs": {
                        name: [
                            {"seconds": r.seconds, "peak_rss_mb": r.peak_rss_mb, "returncode": r.returncode} for r in rs
                        ]
                        for name, rs in measured.items()
                    },
                    "load": loads,
                    "checks": checks,
                },
                indent=2,
            )
            + "\n"
        )
    return 1 if failed or any("MISMATCH" in c for c in checks) else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Time mlmon drift with 16 features against mlmon report.")
    ap.add_argument(
        "--records",
        type=lambda s: int(s.replace("_", "")),
        default=1_000_000,
        help="records in the log (default 1,000,000, the issue's size)",
    )
    ap.add_argument("--runs", type=int, default=3, help="runs per command, interleaved (median)")
    ap.add_argument("--keep", action="store_true", help="keep the files generated under --data-dir for the next run")
    ap.add_argument(
        "--ref-rows",
        type=lambda s: int(s.replace("_", "")),
        default=50_000,
        help="rows of the training CSV (default 50,000)",
    )
    ap.add_argument("--window", default="1d", help="drift --window (default 1d)")
    ap.add_argument("--data-dir", default=str(DATA), help="where the generated files live")
    ap.add_argument("--timeout", type=float, default=900.0, help="seconds before a child is killed")
    ap.add_argument("--json", help="also write the raw measurements here")
    args = ap.parse_args(argv)
    if args.records <= 0 or args.runs <= 0 or args.ref_rows <= 0:
        ap.error("--records, --runs and --ref-rows must be > 0")
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
