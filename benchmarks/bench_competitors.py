"""Issue 28: mlmon against its competitors, measured side by side on the same log.

Usage (from the repository root, with mlmon's venv; the competitors live in their own venv,
``/work/bench-venv``, see benchmarks/README.md "Competitors (issue 28)")::

    python benchmarks/bench_competitors.py [--records 1000000] [--runs 3] [--keep]
        [--bench-python /work/bench-venv/bin/python]

Data and reference are ``bench_features.py``'s: ``features16_N.jsonl`` from
``make_logs.py N FILE --features 16 --reference-csv CSV 50000`` (made or reused) and the
profile built from the CSV by ``bench_features.build_reference`` (every run). Then, each in
a fresh process, ``--runs`` times interleaved, median of each measure:

- report side: ``mlmon report FILE -f json``; polars ``scan_ndjson`` with the report's
  aggregates, lazy (``bench_report.py --bare FILE``); DuckDB ``read_json`` + the report in SQL
  (``bench_report.py --duckdb FILE``, with whichever interpreter imports duckdb);
- drift side: ``mlmon drift --reference REF FILE --window 1d -f json`` (16 features);
  ``mlmon check`` with every rule its data allows (``CHECK_CONFIG``) on the same reference
  and window; NannyML 0.13.1 (``competitors/nannyml_drift.py``) and Evidently 0.7.23
  (``competitors/evidently_drift.py``) over the same 16 features, per day, with
  ``--bench-python``. Each reads the JSON-lines log itself: reading counts for all.

Wall time and peak RSS come from ``bench_report.measure`` (start-up included; peak RSS from
GNU time); CPU is user + system time of the child and its descendants
(``resource.getrusage(RUSAGE_CHILDREN)`` around each run). A competitor whose import fails
is skipped with a note. Prints a Markdown table (wall, CPU, peak RSS, mlmon / this), the
issue's goals, and checks: the report figures against the generator's ground truth, the rows
each competitor read. MB is 10**6 bytes. Exit status 0 when every command ran (mlmon's exit 1,
a finding, counts as ran) and the checks passed, else 1; the goals do not set it.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_features as bf  # ensure_data, build_reference, features_key (after the sys.path line)
import bench_report as br  # measure, mlmon_command, check, mlmon_figures, load, git_state

COMPETITORS = HERE / "competitors"
BENCH_PYTHON = "/work/bench-venv/bin/python"

CHECK_CONFIG = """\
[rules.latency_p99]
warning = "200ms"
critical = "500ms"
[rules.error_rate]
warning = "2%"
critical = "5%"
[rules.prediction_drift]
warning = 0.01
critical = 0.25
[rules.confidence_collapse]
warning = 0.05
critical = 0.10
[rules.feature_drift]
warning = 0.005
critical = 0.25
[rules.accuracy]
warning = "90%"
critical = "85%"
[rules.calibration_error]
warning = 0.05
critical = 0.10
[rules.label_coverage]
critical = "50%"
"""
"""Every rule of ``mlmon/verdicts/registry.py`` that this log and reference allow, levels as in
docs/examples/mlmon.toml; ``no_data`` is on by default. The estimate rules (estimated_accuracy,
estimate_gap) need a profile built with ``--actual``, which the CSV has no column for. The
log has no label records, so the label rules read the join and wait (label_coverage fires)."""

REPORT, POLARS, DUCKDB = "mlmon report", "polars scan_ndjson, lazy", "DuckDB read_json + SQL"
DRIFT, CHECK, NANNYML, EVIDENTLY = "mlmon drift", "mlmon check", "NannyML 0.13.1", "Evidently 0.7.23"
BASE = {POLARS: REPORT, DUCKDB: REPORT, CHECK: DRIFT, NANNYML: DRIFT, EVIDENTLY: DRIFT}
"""Each tool's mlmon counterpart, for the ratio column."""
OK_CODES = {REPORT: (0,), DRIFT: (0, 1), CHECK: (0, 1)}


@dataclass
class Sample:
    """One run of one tool."""

    run: br.Run
    cpu: float


@dataclass
class Tool:
    name: str
    cmd: list[str]
    samples: list[Sample] = field(default_factory=list)

    def good(self) -> list[Sample]:
        return [s for s in self.samples if s.run.returncode in OK_CODES.get(self.name, (0,))]

    def median(self, what: str) -> float | None:
        values = [getattr(s.run, what) if what != "cpu" else s.cpu for s in self.good()]
        return statistics.median(values) if values else None


def timed(cmd: list[str], timeout: float) -> Sample:
    """``bench_report.measure`` plus the CPU seconds of the child's whole tree."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    run = br.measure(cmd, timeout=timeout)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return Sample(run, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))


def importable(python: str, module: str, note: bool = True) -> str | None:
    """The module's version when ``python`` imports it, else None (with a note, if ``note``)."""
    code = f"import {module}; print(getattr({module}, '__version__', '?'))"
    try:
        done = subprocess.run([python, "-W", "ignore", "-c", code], capture_output=True, text=True, check=False)
    except OSError as error:
        last = str(error)
    else:
        if done.returncode == 0:
            return done.stdout.strip()
        last = (done.stderr.strip().splitlines() or ["not found"])[-1]
    if note:
        print(f"{module}: skipped ({python}: {last})", flush=True)
    return None


def feature_kinds(profile: Path) -> dict[str, list[str]]:
    """The 16 features as mlmon judges them: continuous (KS), discrete (a numeric feature with
    value counts in the profile: chi-squared) and categorical (text: chi-squared)."""
    from mlmon.reference.store import load_profile

    kinds: dict[str, list[str]] = {"continuous": [], "discrete": [], "categorical": []}
    for name, feature in load_profile(profile).features.items():
        value_counts = getattr(feature, "value_counts", None)
        kind = "categorical" if value_counts is None else ("discrete" if value_counts else "continuous")
        kinds[kind].append(name)
    return kinds


def plan(log: Path, csv: Path, profile: Path, config: Path, bench_python: str) -> list[Tool]:
    """The tools to time, in the order they run (competitors only when they import)."""
    mlmon = br.mlmon_command()
    me = str(HERE / "bench_report.py")
    tools = [
        Tool(REPORT, [*mlmon, "report", str(log), "--format", "json"]),
        Tool(POLARS, [sys.executable, me, "--bare", str(log), "--engine", "auto"]),
    ]
    duck = next((py for py in (bench_python, sys.executable) if importable(py, "duckdb", py == sys.executable)), None)
    if duck:
        tools.append(Tool(DUCKDB, [duck, me, "--duckdb", str(log)]))
    drift = [*mlmon, "drift", "--reference", str(profile), str(log), "--window", "1d", "--format", "json"]
    tools.append(Tool(DRIFT, drift))
    tools.append(Tool(CHECK, [*mlmon, "check", "--config", str(config), *drift[len(mlmon) + 1 :]]))
    kinds = feature_kinds(profile)
    columns = [f"--{kind}={','.join(names)}" for kind, names in kinds.items()]
    for name, module, script in (
        (NANNYML, "nannyml", "nannyml_drift.py"),
        (EVIDENTLY, "evidently", "evidently_drift.py"),
    ):
        if importable(bench_python, module):
            tools.append(Tool(name, [bench_python, str(COMPETITORS / script), str(log), str(csv), *columns]))
    return tools


def verify(tool: Tool, n: int, truth: dict) -> list[str]:
    """Lines checking the first good run's output: report figures against the ground truth,
    the rows each drift competitor read, what drift and check judged."""
    good = tool.good()
    if not good:
        return [f"  {tool.name}: no run succeeded"]
    out = good[0].run.stdout
    try:
        if tool.name == REPORT:
            return br.check(tool.name, n, br.mlmon_figures(out), truth)
        if tool.name in (POLARS, DUCKDB):
            return br.check(tool.name, n, json.loads(out), truth)
        if tool.name == DRIFT:
            return [f"  {tool.name}: features judged: {bf.features_key(out)}"]
        doc = json.loads(out if tool.name == CHECK else out.strip().splitlines()[-1])
    except (ValueError, KeyError, IndexError) as error:
        return [f"  {n:>9,} {tool.name:<30} MISMATCH unreadable output: {error}"]
    if tool.name == CHECK:
        rules = sorted({r["rule"] for r in doc.get("rules", [])})
        return [f"  {tool.name}: status {doc.get('status')}, {len(rules)} rules judged: {', '.join(rules)}"]
    verdict = "OK" if doc.get("rows") == n else "MISMATCH"
    found = doc.get("alerts", doc.get("drifted"))
    return [
        f"  {n:>9,} {tool.name:<30} rows {verdict:<8} read {doc.get('rows')!r} of {n}; {doc.get('chunks')} "
        f"chunk(s), {doc.get('features')} features, drift found {found}, seconds by phase {doc.get('phases')}"
    ]


def _cell(value: float | None, fmt: str) -> str:
    return "failed" if value is None else format(value, fmt)


def table(tools: list[Tool]) -> list[str]:
    by = {t.name: t for t in tools}
    lines = ["| tool | wall s | CPU s | peak RSS MB | mlmon / this |", "|---|---:|---:|---:|---:|"]
    for t in tools:
        wall = t.median("seconds")
        base = by.get(BASE.get(t.name, ""))
        base_wall = base.median("seconds") if base else None
        ratio = f"{base_wall / wall:.2f}x ({base.name})" if wall and base_wall else ""
        lines.append(
            f"| {t.name} | {_cell(wall, '.2f')} | {_cell(t.median('cpu'), '.2f')} | "
            f"{_cell(t.median('peak_rss_mb'), ',.0f')} | {ratio} |"
        )
    return lines


def goals(tools: list[Tool]) -> list[str]:
    wall = {t.name: t.median("seconds") for t in tools}
    rows = (
        (REPORT, POLARS, "<=", 1.0, "mlmon report / polars lazy report"),
        (REPORT, DUCKDB, "<=", 1.0, "mlmon report / DuckDB (stretch)"),
        (NANNYML, DRIFT, ">=", 3.0, "NannyML / mlmon drift"),
        (EVIDENTLY, DRIFT, ">=", 10.0, "Evidently / mlmon drift"),
        (CHECK, DRIFT, "<=", 1.1, "mlmon check / mlmon drift"),
    )
    lines = []
    for top, bottom, op, target, label in rows:
        a, b = wall.get(top), wall.get(bottom)
        if not (a and b):
            lines.append(f"  {label}: not measured")
            continue
        ratio = a / b
        met = ratio <= target if op == "<=" else ratio >= target
        lines.append(
            f"  {label}: {a:.2f} s / {b:.2f} s = {ratio:.2f}x; goal {op} {target:g}x: {'MET' if met else 'NOT MET'}"
        )
    return lines


def measure_all(tools: list[Tool], runs: int, timeout: float) -> bool:
    """Runs every tool ``runs`` times, interleaved; False when a run failed."""
    ok = True
    for rep in range(runs):
        for t in tools:
            s = timed(t.cmd, timeout)
            t.samples.append(s)
            failed = s.run.returncode not in OK_CODES.get(t.name, (0,))
            note = f" EXIT {s.run.returncode}: {s.run.stderr.strip()[-300:]}" if failed else ""
            ok &= not failed
            print(
                f"  rep {rep + 1} {t.name:<26} {s.run.seconds:7.2f} s wall {s.cpu:7.2f} s CPU "
                f"{s.run.peak_rss_mb:7.0f} MB  exit {s.run.returncode}  load {br.load()}{note}",
                flush=True,
            )
    return ok


def run(args: argparse.Namespace) -> int:
    n = args.records
    started = datetime.now(UTC)
    print(
        f"mlmon against competitors (issue 28), {started:%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, python "
        f"{sys.version.split()[0]}, git {br.git_state()}, competitors' python {args.bench_python}, load {br.load()}",
        flush=True,
    )
    log, csv, truth, generated = bf.ensure_data(n, args.ref_rows, Path(args.data_dir))
    profile = csv.with_suffix(".json")
    try:
        built = bf.build_reference(csv, profile, args.timeout)
        generated.append(profile)
        if built.returncode != 0:
            print(f"reference build failed: {built.stderr.strip()[-300:]}", file=sys.stderr)
            return 1
        with tempfile.TemporaryDirectory(prefix="mlmon-competitors-") as tmp:
            config = Path(tmp) / "mlmon.toml"
            config.write_text(CHECK_CONFIG)
            tools = plan(log, csv, profile, config, args.bench_python)
            loads = [f"before: {br.load()}"]
            ok = measure_all(tools, args.runs, args.timeout)
            loads.append(f"after: {br.load()}")
    finally:
        if not args.keep:
            for path in generated:
                path.unlink(missing_ok=True)
    checks = [line for t in tools for line in verify(t, n, truth)]
    print(f"\n{n:,} records x 16 features, {truth['bytes'] / 1e6:,.0f} MB; reference {args.ref_rows:,} rows;")
    print(f"--window 1d; median of {args.runs} run(s); load average (1, 5, 15 min) {'; '.join(loads)}\n")
    print("\n".join(table(tools)))
    print("Goals (issue 28):", *goals(tools), "Checks:", *checks, sep="\n")
    if args.json:
        raw = {
            t.name: [{"seconds": s.run.seconds, "cpu": s.cpu, "peak_rss_mb": s.run.peak_rss_mb} for s in t.samples]
            for t in tools
        }
        doc = {"date": started.isoformat(), "git": br.git_state(), "records": n, "load": loads, "runs": raw}
        Path(args.json).write_text(json.dumps(doc, indent=2) + "\n")
    return 0 if ok and not any("MISMATCH" in c for c in checks) else 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    number = lambda s: int(s.replace("_", ""))  # noqa: E731
    ap.add_argument("--records", type=number, default=1_000_000, help="records in the log (default 1,000,000)")
    ap.add_argument("--runs", type=int, default=3, help="runs per tool, interleaved (median)")
    ap.add_argument("--ref-rows", type=number, default=50_000, help="rows of the training CSV (default 50,000)")
    ap.add_argument("--bench-python", default=BENCH_PYTHON, help=f"the competitors' interpreter ({BENCH_PYTHON})")
    ap.add_argument("--keep", action="store_true", help="keep the files generated under --data-dir")
    ap.add_argument("--data-dir", default=str(bf.DATA), help="where the generated files live")
    ap.add_argument("--timeout", type=float, default=900.0, help="seconds before a child is killed")
    ap.add_argument("--json", help="also write the raw measurements here")
    args = ap.parse_args(argv)
    if args.records <= 0 or args.runs <= 0 or args.ref_rows <= 0:
        ap.error("--records, --runs and --ref-rows must be > 0")
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
