"""Time and memory of ``mlmon report`` on hostile inputs (issue 9), each next to a clean
baseline of the same size measured in the same run.

Usage (from the repository root)::

    python benchmarks/bench_hostile.py [--cases newlines,long-line,far-future,far-past,bad-lines]
        [--long-line-mib 256 | --huge] [--newlines-gz-mb 2] [--bad-kinds all] [--repeat 1]
        [--timeout 120] [--mem-gib 4]

Inputs are written to ``benchmarks/data/hostile/`` (ignored by git) and reused when present;
the clean logs come from ``benchmarks/make_logs.py``. The cases:

- ``newlines``: a gzip holding only ``\\n`` (``--newlines-gz-mb`` compressed, about 1,000 times
  that decompressed), against a gzip of clean records of the same compressed size.
- ``long-line``: one valid JSON record without a newline whose ``msg`` holds
  ``--long-line-mib`` MiB (``--huge``: 1 GiB), against the first as many MiB of a clean log.
- ``far-future``: 100,000 clean records plus one in year 9999, with ``--window 1h``,
  against the 100,000 records alone with ``--window 1h``.
- ``far-past``: the same plus one record with ``"ts": -1e10`` (year 1653), ``--window 1ms``.
- ``bad-lines``: 1,000,000 records with 1,000 malformed lines spread through them
  (``make_logs.py --bad-lines --bad-kinds all``: a truncated record, a text line, and four
  kinds of object-shaped line polars rejects), against the same 1,000,000 records clean.
  ``--bad-kinds truncated,text,missing_value`` is make_logs.py's default mix, the one
  measured before issue 28.

Each run is a fresh ``mlmon report --format json`` process (stdout to a scratch file) with
an address-space limit (``RLIMIT_AS``, ``--mem-gib`` plus 2 GiB for thread stacks and
allocator reservations), a file-size limit on its output (``--max-output-mib``), a resident
memory cap (``--mem-gib``, polled every 20 ms from ``/proc``; the child is killed above it) and
a wall-clock timeout. A run that breaks one is reported as ``timed out`` or ``killed: ...``
instead of taking the machine down. Peak RSS is the kernel's ``ru_maxrss`` of the child
(``os.wait4``), CPU time its user plus system time. Compare ratios within one run: the
machine is shared and noisy; ``--repeat N`` runs each pair N times, interleaved, and
reports medians.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_report import DATA, MAKE_LOGS, ROOT, baseline_command, ensure_logs, git_state, load, mlmon_command  # noqa: E402

HOSTILE = DATA / "hostile"
MIB, GIB = 1 << 20, 1 << 30
CASES = ("newlines", "long-line", "far-future", "far-past", "bad-lines")
FAR_FUTURE = b'{"timestamp": "9999-12-31T23:00:00Z", "event": "inference", "latency_ms": 12.0, "status": "ok"}\n'
FAR_PAST = b'{"ts": -1e10, "event": "inference", "latency_ms": 12.0, "status": "ok"}\n'


# --------------------------------------------------------------------------------------
# Running one capped child
# --------------------------------------------------------------------------------------


@dataclass
class Outcome:
    label: str
    seconds: float
    peak_rss_mb: float
    status: str
    """``ok`` (exit 0 or 1), ``exit 2: <first stderr line>``, ``timed out``, ``killed: ...``."""
    records: int | None = None
    cpu_seconds: float = 0.0
    """User plus system CPU time of the child (``os.wait4``): less swayed than the wall
    time by other work on a shared machine."""


def _limits(address_space: int, output: int):
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
        resource.setrlimit(resource.RLIMIT_FSIZE, (output, output))

    return apply


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", "rb") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, IndexError, ValueError):
        return 0


def _status(code: int, stderr: str, killed: str | None, max_output: int) -> str:
    if killed:
        return killed
    first = next((line for line in stderr.splitlines() if line.strip() and "warning" not in line), "")[:200]
    if code < 0:
        name = signal.Signals(-code).name
        if -code == signal.SIGXFSZ:
            return f"killed: report over {max_output // MIB} MiB"
        return f"killed by {name}" + (f" ({first})" if first else "")
    return "ok" if code in (0, 1) else f"exit {code}: {first}"


def run_capped(label: str, cmd: list[str], args: argparse.Namespace) -> Outcome:
    """Run ``cmd`` under the caps; wall time, ``ru_maxrss`` and what became of it."""
    cap = int(args.mem_gib * GIB)
    max_output = args.max_output_mib * MIB
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=ROOT, preexec_fn=_limits(cap + 2 * GIB, max_output))
        killed = None
        while True:
            pid, wstatus, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - t0 > args.timeout:
                killed = f"timed out after {args.timeout:.0f} s"
            elif _rss(proc.pid) > cap:
                killed = f"killed: RSS over {args.mem_gib:g} GiB"
            if killed:
                proc.kill()
                pid, wstatus, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.02)
        seconds = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(wstatus)
        err.seek(0)
        stderr = err.read(64 * 1024).decode(errors="replace")
        out.seek(0)
        records = _records(out) if proc.returncode in (0, 1) and not killed else None
    status = _status(proc.returncode, stderr, killed, max_output)
    cpu = usage.ru_utime + usage.ru_stime
    outcome = Outcome(label, seconds, usage.ru_maxrss * 1024 / 1e6, status, records, cpu)
    print(
        f"  {label:<44} {seconds:8.2f} s {cpu:8.2f} s CPU {outcome.peak_rss_mb:8,.0f} MB  {status}"
        + (f"  ({records:,} records)" if records is not None else "")
        + f"  load {load()}",
        flush=True,
    )
    return outcome


def _records(out) -> int | None:
    try:
        return json.load(out).get("records")
    except (ValueError, AttributeError):
        return None


MLMON: list[str] = []
"""How to start mlmon: this checkout's, or ``--mlmon-root``'s."""


def report(path: Path, *extra: str) -> list[str]:
    return [*MLMON, "report", "--format", "json", *extra, str(path)]


# --------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------


def clean_log(records: int) -> Path:
    """``logs_N.jsonl`` from make_logs.py: reused from benchmarks/data/ when there, else
    made in benchmarks/data/hostile/."""
    shared = DATA / f"logs_{records}.jsonl"
    return ensure_logs(records, DATA if shared.exists() else HOSTILE)[0]


def clean_prefix(dst: Path, nbytes: int) -> Path:
    """The first ``nbytes`` of a clean log, cut after a newline."""
    if dst.exists() and abs(dst.stat().st_size - nbytes) < MIB:
        return dst
    source = clean_log(1_000_000 if nbytes < 500 * MIB else 5_000_000)
    with open(source, "rb") as src, open(dst, "wb") as out:
        left = nbytes
        while left > 0:
            block = src.read(min(left, 8 * MIB))
            if not block:
                break
            out.write(block)
            left -= len(block)
        out.write(src.readline())
    return dst


def newlines_gz(dst: Path, compressed: int) -> Path:
    """A gzip of nothing but newlines, about ``compressed`` bytes."""
    if dst.exists() and abs(dst.stat().st_size - compressed) < compressed // 10:
        return dst
    block = b"\n" * (16 * MIB)
    ratio = len(block) / len(gzip.compress(block, compresslevel=9, mtime=0))
    blocks = max(1, round(compressed * ratio / len(block)))
    with gzip.GzipFile(dst, "wb", compresslevel=9, mtime=0) as f:
        for _ in range(blocks):
            f.write(block)
    return dst


def clean_gz(dst: Path, compressed: int) -> Path:
    """A gzip of clean records, about ``compressed`` bytes."""
    if dst.exists() and abs(dst.stat().st_size - compressed) < compressed // 5:
        return dst
    source = clean_log(100_000)
    head = source.read_bytes()[: 8 * MIB]
    ratio = len(head) / len(gzip.compress(head, mtime=0))
    plain = clean_prefix(HOSTILE / "clean_for_gz.jsonl", int(compressed * ratio))
    with open(plain, "rb") as src, gzip.GzipFile(dst, "wb", mtime=0) as out:
        shutil.copyfileobj(src, out, 8 * MIB)
    plain.unlink()
    return dst


def long_line(dst: Path, mib: int) -> Path:
    """One valid record without a newline, ``mib`` MiB long."""
    if dst.exists() and dst.stat().st_size >= mib * MIB:
        return dst
    with open(dst, "wb") as out:
        out.write(b'{"ts": "2026-11-09T12:00:00Z", "event": "inference", "latency_ms": 5.0, "msg": "')
        chunk = b"x" * MIB
        for _ in range(mib):
            out.write(chunk)
        out.write(b'"}')
    return dst


def with_line(dst: Path, source: Path, line: bytes) -> Path:
    if not dst.exists() or dst.stat().st_size != source.stat().st_size + len(line):
        shutil.copyfile(source, dst)
        with open(dst, "ab") as out:
            out.write(line)
    return dst


DEFAULT_BAD_KINDS = "truncated,text,missing_value"
"""make_logs.py's default mix: its file keeps the name it had before ``--bad-kinds``."""


def bad_lines_log(records: int, bad: int, kinds: str = "all") -> Path:
    tag = "" if kinds == DEFAULT_BAD_KINDS else "_" + kinds.replace(",", "-")
    dst = HOSTILE / f"logs_{records}_bad{bad}{tag}.jsonl"
    if not dst.exists():
        print(f"generating {dst} ...", flush=True)
        subprocess.run(
            [sys.executable, str(MAKE_LOGS), str(records), str(dst), "--bad-lines", str(bad), "--bad-kinds", kinds],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return dst


# --------------------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------------------


def plan(case: str, args: argparse.Namespace) -> tuple[str, list[tuple[str, list[str]]]]:
    """(description, [(label, command)]): the clean baseline first, then the hostile input."""
    if case == "newlines":
        size = int(args.newlines_gz_mb * 1e6)
        hostile = newlines_gz(HOSTILE / f"newlines_{args.newlines_gz_mb:g}MB.gz", size)
        clean = clean_gz(HOSTILE / f"clean_{args.newlines_gz_mb:g}MB.jsonl.gz", size)
        what = f"gzip of newlines, {_mb(hostile)} compressed vs clean gzip {_mb(clean)}"
        return what, [("clean gzip", report(clean)), ("newlines-only gzip", report(hostile))]
    if case == "long-line":
        mib = 1024 if args.huge else args.long_line_mib
        hostile = long_line(HOSTILE / f"long_line_{mib}MiB.json", mib)
        clean = clean_prefix(HOSTILE / f"clean_{mib}MiB.jsonl", mib * MIB)
        return f"one {mib} MiB line vs {_mb(clean)} of clean records", [
            (f"clean {mib} MiB", report(clean)),
            (f"one {mib} MiB line", report(hostile)),
        ]
    base = clean_log(args.far_records)
    if case in ("far-future", "far-past"):
        future = case == "far-future"
        window = "1h" if future else "1ms"
        hostile = with_line(HOSTILE / f"logs_{args.far_records}_{case}.jsonl", base, FAR_FUTURE if future else FAR_PAST)
        year = "year 9999" if future else '"ts": -1e10'
        return f"{args.far_records:,} records + one in {year}, --window {window}", [
            (f"clean --window {window}", report(base, "--window", window)),
            (f"+{year} --window {window}", report(hostile, "--window", window)),
        ]
    clean = clean_log(args.bad_records)
    bad = bad_lines_log(args.bad_records, args.bad_records // 1000, args.bad_kinds)
    return f"{args.bad_records:,} records, clean vs 0.1% malformed lines ({args.bad_kinds})", [
        ("clean", report(clean)),
        (f"{args.bad_records // 1000:,} bad lines", report(bad)),
    ]


def _median(outcomes: list[Outcome]) -> Outcome:
    """One run's outcome from ``--repeat`` runs: median wall and CPU time, the largest peak
    RSS, the first status that is not ok (else ok)."""
    bad = [o.status for o in outcomes if o.status != "ok"]
    return Outcome(
        outcomes[0].label,
        statistics.median(o.seconds for o in outcomes),
        max(o.peak_rss_mb for o in outcomes),
        bad[0] if bad else "ok",
        outcomes[0].records,
        statistics.median(o.cpu_seconds for o in outcomes),
    )


def _mb(path: Path) -> str:
    return f"{path.stat().st_size / 1e6:,.2f} MB"


def print_table(results: list[tuple[str, str, list[Outcome]]]) -> None:
    print()
    print(
        "| case | input | baseline s | baseline peak RSS MB | hostile s | hostile peak RSS MB | time ratio | RSS "
        "ratio | CPU s baseline / hostile (ratio) | hostile outcome |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for case, what, (base, bad) in results:
        cpu = f"{base.cpu_seconds:.2f} / {bad.cpu_seconds:.2f} ({bad.cpu_seconds / max(base.cpu_seconds, 1e-9):.2f}x)"
        print(
            f"| {case} | {what} | {base.seconds:.2f} | {base.peak_rss_mb:,.0f} | {bad.seconds:.2f} | "
            f"{bad.peak_rss_mb:,.0f} | "
            f"{bad.seconds / base.seconds:.1f}x | {bad.peak_rss_mb / base.peak_rss_mb:.1f}x | {cpu} | {bad.status} |"
        )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Time mlmon report on hostile inputs against clean baselines.")
    ap.add_argument("--cases", default=",".join(CASES), help=f"comma-separated: {', '.join(CASES)}")
    ap.add_argument("--newlines-gz-mb", type=float, default=2.0, help="compressed size of the newlines-only gzip")
    ap.add_argument("--long-line-mib", type=int, default=256, help="length of the newline-free line")
    ap.add_argument("--huge", action="store_true", help="make the newline-free line 1 GiB")
    ap.add_argument("--far-records", type=int, default=100_000, help="clean records beside the far-away timestamp")
    ap.add_argument("--bad-records", type=int, default=1_000_000, help="records of the bad-lines case")
    ap.add_argument("--bad-kinds", default="all", help="make_logs.py --bad-kinds of the bad-lines case")
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds before a child is killed")
    ap.add_argument("--mem-gib", type=float, default=4.0, help="resident memory cap per child (address space: +2 GiB)")
    ap.add_argument("--max-output-mib", type=int, default=256, help="largest report a child may write")
    ap.add_argument("--mlmon-root", metavar="DIR", help="time the mlmon of another checkout (e.g. git archive HEAD)")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each pair, interleaved; the table shows medians")
    ap.add_argument("--json", help="also write the measurements here")
    args = ap.parse_args(argv)
    MLMON[:] = baseline_command(args.mlmon_root) if args.mlmon_root else mlmon_command()
    cases = [c.strip() for c in args.cases.split(",") if c.strip()]
    if unknown := set(cases) - set(CASES):
        ap.error(f"unknown cases: {', '.join(sorted(unknown))}")
    HOSTILE.mkdir(parents=True, exist_ok=True)
    started = datetime.now(UTC)
    print(
        (
            f"mlmon hostile-input benchmark, {started:%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, python "
            f"{sys.version.split()[0]}, "
            f"git {git_state()}, mlmon from {args.mlmon_root or 'this checkout'}, timeout {args.timeout:g} s, RSS cap "
            f"{args.mem_gib:g} GiB, load {load()}"
        ),
        flush=True,
    )
    results = []
    for case in cases:
        what, runs = plan(case, args)
        print(f"{case}: {what}", flush=True)
        rounds = [[run_capped(label, cmd, args) for label, cmd in runs] for _ in range(args.repeat)]
        results.append((case, what, [_median([one[i] for one in rounds]) for i in range(len(runs))]))
    print_table(results)
    print(f"load at the end: {load()}")
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "date": started.isoformat(),
                    "git": git_state(),
                    "results": [
                        {"case": c, "input": w, "runs": [asdict(o) for o in outcomes]} for c, w, outcomes in results
                    ],
                },
                indent=2,
            )
        )
    return 0 if all(o.status == "ok" for _, _, outcomes in results for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
