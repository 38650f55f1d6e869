"""``mlmon check`` (issue 11): one read for every rule, against ``report`` and ``drift``
run one after the other on the same file.

Usage (from the repository root, after ``python benchmarks/bench_features.py --keep``
has made its data)::

    python benchmarks/bench_check.py [--records 1000000] [--runs 3] [--every-rule]

Times, each in a fresh process, ``--runs`` times interleaved, on
``benchmarks/data/features16_N.jsonl`` with its reference profile ``features16_N.ref_50000.json``::

    mlmon report FILE --format json --window 1d
    mlmon drift  --reference PROFILE FILE --format json --window 1d
    mlmon check  --reference PROFILE FILE --format json --window 1d   (latency and error levels set)

and with ``--every-rule`` also ``check-all``: ``mlmon check`` with every rule the log allows
(``bench_competitors.CHECK_CONFIG``: the label rules too, which read the label join and
wait, as issue 28's goal "check with every rule at most 1.1x drift" measures it),
with ``bench_report.measure`` (wall time around the subprocess, start-up included; peak
RSS). It prints the median seconds and peak RSS of each, and two ratios: check / drift
(one read feeding three reducers against one feeding two: should be near 1) and
check / (report + drift) (what one read saves over running both: should be well under 1).
It also checks that check's verdicts agree with drift's findings.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_report as br  # noqa: E402  (after the sys.path line)
from bench_competitors import CHECK_CONFIG  # noqa: E402

DATA = HERE / "data"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--every-rule", action="store_true", help="also check with every rule (check-all)")
    args = parser.parse_args()
    logs = DATA / f"features16_{args.records}.jsonl"
    profile = DATA / f"features16_{args.records}.ref_50000.json"
    if not (logs.exists() and profile.exists()):
        print(
            f"missing {logs} or {profile}: run python benchmarks/bench_features.py --records {args.records} --keep "
            "first"
        )
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "mlmon.toml"
        config.write_text(
            '[rules.latency_p99]\nwarning = "200ms"\ncritical = "500ms"\n[rules.error_rate]\ncritical = '
            '"5%"\n[rules.no_data]\nenabled = false\n'
        )
        every = Path(tmp) / "every.toml"
        every.write_text(CHECK_CONFIG)
        mlmon = br.mlmon_command()
        commands = {
            "report": [*mlmon, "report", str(logs), "--format", "json", "--window", "1d"],
            "drift": [*mlmon, "drift", "--reference", str(profile), str(logs), "--format", "json", "--window", "1d"],
            "check": [
                *mlmon,
                "check",
                "--config",
                str(config),
                "--reference",
                str(profile),
                str(logs),
                "--format",
                "json",
                "--window",
                "1d",
            ],
        }
        if args.every_rule:
            commands["check-all"] = [*commands["check"][:3], str(every), *commands["check"][4:]]
        runs: dict[str, list] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, cmd in commands.items():
                runs[name].append(br.measure(cmd, timeout=1800))
    seconds = {name: statistics.median(r.seconds for r in rs) for name, rs in runs.items()}
    rss = {name: statistics.median(r.peak_rss_mb for r in rs) for name, rs in runs.items()}
    print(f"{args.records:,} records x 16 features, {args.runs} runs each, median (min-max):")
    for name, rs in runs.items():
        times = [r.seconds for r in rs]
        print(
            f"  {name:<9} {seconds[name]:7.2f} s ({min(times):.2f}-{max(times):.2f})   peak RSS {rss[name]:6.0f} MB  "
            f" exit {rs[-1].returncode}"
        )
    print(f"check / drift            {seconds['check'] / seconds['drift']:.2f}x")
    print(f"check / (report + drift) {seconds['check'] / (seconds['report'] + seconds['drift']):.2f}x")
    if "check-all" in seconds:
        ratio, memory = seconds["check-all"] / seconds["drift"], rss["check-all"] / rss["drift"]
        print(f"check-all / drift        {ratio:.2f}x (peak RSS {memory:.2f}x)")
    drift, check = json.loads(runs["drift"][-1].stdout), json.loads(runs["check"][-1].stdout)
    drift_status = {f["check"]: f["severity"] for f in drift["findings"]}
    check_worst = {}
    for rule in check["rules"]:
        if rule["rule"] in drift_status:
            rank = ["unknown", "ok", "warning", "critical"]
            check_worst[rule["rule"]] = max(check_worst.get(rule["rule"], "unknown"), rule["severity"], key=rank.index)
    agree = all(check_worst.get(name) == severity for name, severity in drift_status.items())
    print(f"check's verdicts agree with drift's findings: {agree} ({check_worst} vs {drift_status})")
    return 0 if agree else 1


if __name__ == "__main__":
    raise SystemExit(main())
