"""``mlmon watch`` following a log written at a steady rate, and a simulated week (issue 27: "following a
file written at 20,000 lines a second, the lag stays under one second and CPU and memory are in the
note; memory flat over a simulated week").

Usage (from the repository root)::

    python benchmarks/bench_watch.py [--rate 20000] [--seconds 60] [--reference PATH] [--window 1m]
                                     [--poll-seconds 0.1] [--checkpoint-seconds 5]
                                     [--days 7] [--per-minute 5] [--skip-live] [--skip-week]
                                     [--mlmon-root DIR] [--json PATH]

1. **Live.** ``mlmon watch FILE --state S --listen 127.0.0.1:PORT --from beginning`` runs as a
   process of its own while a writer process appends ``make_logs.py`` records (its generator,
   imported) to FILE at ``--rate`` lines a second, in bursts every 10-50 ms (uniformly drawn),
   each line's timestamp its burst's write time. Every 0.5 s this process scrapes ``/metrics``
   and reads the watcher's CPU time and RSS (psutil). Lag, in seconds of writing: the lines
   written (counted by the writer, read just after the scrape, so never under the truth) less
   ``mlmon_watch_lines_read_total``, over the rate; also ``mlmon_watch_file_behind_bytes``
   (summed over the files; measured at the watcher's last poll) over the bytes written a
   second. Half-way through the writer rotates the file (rename to ``FILE.1``, a new FILE), and
   the lag around that moment is printed apart. At the end the writer stops, the watcher
   catches up, and its line count must equal the lines written; SIGTERM must end it with 0.
2. **Week.** A fresh watcher (``--checkpoint-seconds 0.5``) follows a file that gets
   ``--per-minute`` records a minute for ``--days`` days (timestamps evenly spread over each
   day of 2026-11-09 on, each day written at once): after each day, once the watcher has read
   it all and checkpointed it, the watcher's RSS and the state file's size. "Flat": from day 2
   on, within a few percent.

Both print a table and a one-line JSON summary (``--json PATH`` also writes it there). The
watcher is this environment's ``mlmon``, or with ``--mlmon-root DIR`` the tree unpacked there
(``git archive COMMIT mlmon | tar -x -C DIR``: a fixed commit while the working tree changes).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np
import psutil
from bench_report import baseline_command, mlmon_command
from make_logs import START, draw_block, make_layout, make_tables, render_block
from prometheus_client.parser import text_string_to_metric_families

START_S = START.timestamp()
SAMPLE_EVERY = 0.5
DAY_US = 86_400_000_000


class Records:
    """``make_logs.py`` records at given times, rendered as its generator renders them."""

    def __init__(self, seed: int = 0) -> None:
        self.rng = np.random.default_rng(seed)
        self.layout, self.tables, self.days = make_layout(), make_tables(), {}

    def lines(self, t_us: np.ndarray) -> bytes:
        """One line a timestamp (microseconds since make_logs.START)."""
        block = draw_block(self.rng, len(t_us), 0, 1.0)
        block["t_us"] = t_us.astype(np.int64)
        flat = render_block(self.layout, block, self.tables, self.days).reshape(-1)
        return flat[flat != 0].tobytes()


# --- the writer process ----------------------------------------------------------------------


class Shared:
    """What the writer tells the measuring process (shared memory)."""

    def __init__(self) -> None:
        self.lines = mp.Value("q", 0)
        """Lines written."""
        self.bytes = mp.Value("q", 0)
        """Bytes written."""
        self.rotated_at = mp.Value("d", 0.0)
        """When the file was rotated (Unix seconds; 0 before)."""
        self.burst_max = mp.Value("q", 0)
        """The most lines written at once."""
        self.span = mp.Array("d", 2)
        """When the writer started and stopped writing (monotonic seconds)."""


def writer(path: str, rate: float, seconds: float, shared: Shared, seed: int = 1) -> None:
    """Append ``rate`` lines a second to ``path`` for ``seconds``, in bursts every 10-50 ms (the lines
    due since the start: a late burst catches up); rename it to ``path.1`` and start a new one half-way."""
    records, pick = Records(seed), np.random.default_rng([seed, 1])
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    began = shared.span[0] = time.monotonic()
    rotate_at, written, size = began + seconds / 2, 0, 0
    try:
        while (now := time.monotonic()) - began < seconds:
            if rotate_at and now >= rotate_at:
                os.rename(path, f"{path}.1")
                new = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
                os.close(fd)
                fd, rotate_at = new, 0.0
                shared.rotated_at.value = time.time()
            due = int(rate * (now - began)) - written
            if due > 0:
                data = records.lines(np.full(due, int((time.time() - START_S) * 1e6)))
                os.write(fd, data)
                written, size = written + due, size + len(data)
                with shared.lines.get_lock():
                    shared.lines.value, shared.bytes.value = written, size
                shared.burst_max.value = max(shared.burst_max.value, due)
            time.sleep(float(pick.uniform(0.010, 0.050)))
    finally:
        os.close(fd)
        shared.span[1] = time.monotonic()


# --- the watcher process ---------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Watcher:
    """``mlmon watch`` as a process of its own, in ``workdir`` (no config file found there)."""

    def __init__(self, log: Path, workdir: Path, args: argparse.Namespace, checkpoint_seconds: float = 5.0) -> None:
        self.state = workdir / "watch-state.json"
        self.port = free_port()
        command = baseline_command(args.mlmon_root) if args.mlmon_root else mlmon_command()
        argv = [*command, "watch", str(log), "--state", str(self.state), "--from", "beginning"]
        argv += ["--listen", f"127.0.0.1:{self.port}", "--checkpoint-seconds", str(checkpoint_seconds)]
        argv += args.watch_args
        self.argv = argv
        self.stderr = (workdir / "watch.stderr").open("wb")
        env = {**os.environ, "MLMON_CONFIG": ""}
        self.proc = subprocess.Popen(argv, cwd=workdir, stdout=subprocess.DEVNULL, stderr=self.stderr, env=env)
        self.ps = psutil.Process(self.proc.pid)
        deadline = time.monotonic() + 60
        while self.scrape() is None:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"mlmon watch did not start: {(workdir / 'watch.stderr').read_text()[-2000:]}")
            time.sleep(0.1)

    def scrape(self) -> dict[str, float] | None:
        """Lines read and bytes behind (summed over the files), from /metrics; None when it does not answer."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics", timeout=5) as response:
                text = response.read().decode("utf-8")
        except OSError:
            return None
        got = {"lines": 0.0, "behind": 0.0, "records": 0.0}
        names = {
            "mlmon_watch_lines_read": "lines",
            "mlmon_watch_records": "records",
            "mlmon_watch_file_behind_bytes": "behind",
        }
        for family in text_string_to_metric_families(text):
            if family.name in names:
                got[names[family.name]] = sum(s.value for s in family.samples if not s.name.endswith("_created"))
        return got

    def cpu_seconds(self) -> float:
        times = self.ps.cpu_times()
        return float(times.user + times.system)

    def rss_mb(self) -> float:
        return float(self.ps.memory_info().rss) / 1e6

    def stop(self) -> int:
        """SIGTERM; its exit code."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(30)
        finally:
            self.stderr.close()


def wait_until(what: str, probe, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not probe():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.05)


# --- 1. live -----------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def live(args: argparse.Namespace, workdir: Path) -> dict:
    log = workdir / "app.log"
    log.touch()
    watcher = Watcher(log, workdir, args, checkpoint_seconds=args.checkpoint_seconds)
    print("watcher: mlmon", " ".join(watcher.argv[watcher.argv.index("watch") :]), flush=True)
    shared = Shared()
    proc = mp.get_context("fork").Process(target=writer, args=(str(log), args.rate, args.seconds, shared))
    samples: list[dict] = []
    began, cpu0, rss0 = time.monotonic(), watcher.cpu_seconds(), watcher.rss_mb()
    proc.start()
    last_t, last_cpu, tick = began, cpu0, 0
    while proc.is_alive():
        tick += 1
        time.sleep(max(0.0, began + SAMPLE_EVERY * tick - time.monotonic()))
        got = watcher.scrape()
        written, size = shared.lines.value, shared.bytes.value  # after the scrape: the lag is never under
        now, cpu = time.monotonic(), watcher.cpu_seconds()
        if got is None or shared.span[1] or not shared.span[0]:
            continue  # no answer, or the writer is not writing: the lag is measured while it writes
        bytes_rate = size / max(now - shared.span[0], 1e-9) if size else 1.0
        sample = {"t": now - began, "wall": time.time(), "written": written, "read": got["lines"]}
        sample["lag_s"] = max(0.0, written - got["lines"]) / args.rate
        sample["behind_s"] = got["behind"] / bytes_rate
        sample["cpu_pct"] = 100 * (cpu - last_cpu) / (now - last_t)
        sample["rss_mb"] = watcher.rss_mb()
        samples.append(sample)
        last_t, last_cpu = now, cpu
    proc.join()
    written = shared.lines.value
    wait_until("the watcher to read every line", lambda: (watcher.scrape() or {}).get("lines") == written, 120)
    end = {"written": written, "wrote_for": shared.span[1] - shared.span[0], "rss0": rss0}
    end["caught_up"] = time.monotonic() - shared.span[1]
    end["cpu_s"], end["wall_s"] = watcher.cpu_seconds() - cpu0, time.monotonic() - began
    end["code"] = watcher.stop()
    end["state_kb"] = watcher.state.stat().st_size / 1e3
    return summarize_live(args, samples, shared, end)


def summarize_live(args: argparse.Namespace, samples: list[dict], shared: Shared, end: dict) -> dict:
    """The table of samples and the summary; ``end``: what :func:`live` measured once the writer stopped."""
    lags = [s["lag_s"] for s in samples]
    behind = [s["behind_s"] for s in samples]
    rss = [s["rss_mb"] for s in samples]
    rotated = shared.rotated_at.value
    near = [s["lag_s"] for s in samples if rotated and abs(s["wall"] - rotated) <= 3.0]
    print(f"\n{'t s':>6} {'written':>9} {'read':>9} {'lag s':>6} {'behind s':>8} {'CPU %':>6} {'RSS MB':>7}")
    for s in samples:
        mark = "  <- rotation" if rotated and 0 <= s["wall"] - rotated < SAMPLE_EVERY else ""
        print(
            f"{s['t']:6.1f} {s['written']:9d} {s['read']:9.0f} {s['lag_s']:6.2f} {s['behind_s']:8.2f}"
            f" {s['cpu_pct']:6.1f} {s['rss_mb']:7.1f}{mark}"
        )
    result = {
        "rate_asked": args.rate,
        "rate_written": round(end["written"] / end["wrote_for"], 1),
        "lines": end["written"],
        "bytes": shared.bytes.value,
        "largest_burst": shared.burst_max.value,
        "samples": len(samples),
        "lag_median_s": round(statistics.median(lags), 3),
        "lag_p95_s": round(percentile(lags, 95), 3),
        "lag_max_s": round(max(lags), 3),
        "behind_gauge_median_s": round(statistics.median(behind), 3),
        "behind_gauge_max_s": round(max(behind), 3),
        "lag_max_near_rotation_s": round(max(near), 3) if near else None,
        "lag_under_1s": max(lags) < 1.0,
        "caught_up_after_s": round(end["caught_up"], 2),
        "cpu_pct_of_one_core": round(100 * end["cpu_s"] / end["wall_s"], 1),  # the writer's start to catching up
        "cpu_us_per_line": round(1e6 * end["cpu_s"] / end["written"], 1),
        "cpu_pct_median_sample": round(statistics.median(s["cpu_pct"] for s in samples), 1),
        "rss_mb_start": round(end["rss0"], 1),
        "rss_mb_end": round(rss[-1], 1),
        "rss_mb_max": round(max(rss), 1),
        "state_kb_end": round(end["state_kb"], 1),
        "exit_code_on_sigterm": end["code"],
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    print(f"\nlive: {json.dumps(result)}", flush=True)
    return result


# --- 2. a simulated week -------------------------------------------------------------------------


def week(args: argparse.Namespace, workdir: Path) -> dict:
    log = workdir / "week.log"
    log.touch()
    watcher = Watcher(log, workdir, args, checkpoint_seconds=0.5)
    print("\nwatcher: mlmon", " ".join(watcher.argv[watcher.argv.index("watch") :]), flush=True)
    records, per_day = Records(2), args.per_minute * 1440
    written, rows = 0, []
    print(f"\n{'day':>4} {'lines':>8} {'RSS MB':>7} {'state KB':>9} {'read s':>7}")
    for day in range(args.days):
        t_us = day * DAY_US + (np.arange(per_day, dtype=np.int64) * DAY_US) // per_day
        with log.open("ab") as handle:
            handle.write(records.lines(t_us))
        written += per_day
        began = time.monotonic()
        wait_until(f"day {day + 1} read and checkpointed", lambda n=written: checkpointed(watcher.state) >= n, 300)
        took = time.monotonic() - began
        time.sleep(0.6)  # one more checkpoint interval: the evaluation's pruning is in the state written
        row = {"day": day + 1, "lines": written, "rss_mb": round(watcher.rss_mb(), 1)}
        row["state_kb"] = round(watcher.state.stat().st_size / 1e3, 1)
        rows.append(row)
        print(f"{day + 1:4d} {written:8d} {row['rss_mb']:7.1f} {row['state_kb']:9.1f} {took:7.2f}", flush=True)
    code = watcher.stop()
    later = rows[1:] or rows
    result = {
        "days": rows,
        "rss_spread_from_day_2_pct": spread([r["rss_mb"] for r in later]),
        "state_spread_from_day_2_pct": spread([r["state_kb"] for r in later]),
        "exit_code_on_sigterm": code,
    }
    print(f"\nweek: {json.dumps(result)}", flush=True)
    return result


def checkpointed(state: Path) -> int:
    """The lines the state file's last checkpoint holds (0 before the first)."""
    try:
        return int(json.loads(state.read_bytes())["counters"]["lines"])
    except (FileNotFoundError, json.JSONDecodeError, KeyError):
        return 0


def spread(values: list[float]) -> float:
    """(max - min) / min, in percent."""
    return round(100 * (max(values) - min(values)) / min(values), 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=20_000, help="lines a second (default 20000)")
    parser.add_argument("--seconds", type=float, default=60, help="how long the writer writes (default 60)")
    parser.add_argument("--reference", help="a reference profile for the watcher (-r), drift analyses on")
    parser.add_argument("--window", default="1m", help="the watcher's --window (default 1m: windows close)")
    parser.add_argument("--poll-seconds", default="0.1", help="the watcher's --poll-seconds (default 0.1)")
    parser.add_argument("--checkpoint-seconds", type=float, default=5.0, help="the watcher's (default 5, mlmon's)")
    parser.add_argument("--days", type=int, default=7, help="days of the simulated week (default 7)")
    parser.add_argument("--per-minute", type=int, default=5, help="records a minute in the week (default 5)")
    parser.add_argument("--week-window", default="1h", help="the watcher's --window in the week (default 1h)")
    parser.add_argument("--mlmon-root", help="run the watcher from this tree (see above)")
    parser.add_argument("--skip-live", action="store_true")
    parser.add_argument("--skip-week", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the results there")
    args = parser.parse_args(argv)
    common = ["--poll-seconds", args.poll_seconds]
    if args.reference:
        common += ["--reference", str(Path(args.reference).resolve())]
    results: dict = {"python": sys.version.split()[0], "cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="bench-watch-") as tmp:
        if not args.skip_live:
            (Path(tmp) / "live").mkdir()
            args.watch_args = [*common, "--window", args.window]
            results["live"] = live(args, Path(tmp) / "live")
        if not args.skip_week:
            (Path(tmp) / "week").mkdir()
            args.watch_args = [*common, "--window", args.week_window]
            results["week"] = week(args, Path(tmp) / "week")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
