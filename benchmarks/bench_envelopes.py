"""Reading logs inside a cloud envelope against reading the same records as plain lines
(issue 26: "reading an envelope costs at most 1.5x reading the same records as plain lines").

Usage (from the repository root)::

    python benchmarks/bench_envelopes.py [--log benchmarks/data/logs_1000000.jsonl] [--records 300000] [--runs 3]

1. Takes the first ``--records`` lines of the log (``make_logs.py`` writes it) as the plain
   file, and writes the same records wrapped as each envelope mlmon reads (those whose
   reader is registered): a GCP LogEntry a line (``jsonPayload``, time and severity lifted
   out as Cloud Logging does), a FireLens record a line (the line as the ``log`` string),
   CloudWatch subscription records of 100 log events a line, an OTLP ``LogsData`` of 100
   records a line, Azure resource logs a line (``properties``), Vercel NDJSON, CRI lines.
2. Runs ``mlmon report FILE -f json`` on each as a process, interleaved, ``--runs`` times;
   prints each run's wall time and peak RSS, the medians and the ratio to the plain file
   (that the records and the report are the same is tests/ingest/test_envelopes.py's job).
3. Times ``build_report(FILE)`` in this process, interleaved, ``--runs`` times (imports done,
   the files in the page cache: the read itself, without a process's start), the best of
   each, and the ratio to the plain file; then the same with every envelope's fast path
   turned off (``--no-fast`` skips that part), so what the fast paths save shows.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path

from bench_performance import timed

from mlmon.ingest.envelopes import envelope_names

ROOT = Path(__file__).resolve().parents[1]
EVENTS_PER_LINE = 100


def _lifted(record: dict) -> tuple[dict, str, str]:
    inner = dict(record)
    ts = inner.pop("timestamp")
    level = inner.pop("level", "info")
    return inner, ts, level


def _ms(ts: str) -> int:
    return int(datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp() * 1000)


def gcp(records: list[dict]) -> Iterator[str]:
    for n, record in enumerate(records):
        inner, ts, level = _lifted(record)
        yield json.dumps(
            {
                "insertId": f"{n:024x}",
                "jsonPayload": inner,
                "logName": "projects/bench/logs/run.googleapis.com%2Fstdout",
                "resource": {"type": "cloud_run_revision", "labels": {"revision_name": f"imgcls-0000{n % 2}"}},
                "severity": level.upper(),
                "timestamp": ts,
            }
        )


def firelens(records: list[dict]) -> Iterator[str]:
    for n, record in enumerate(records):
        yield json.dumps(
            {
                "container_id": "c" * 12,
                "container_name": "imgcls",
                "source": "stdout",
                "log": json.dumps(record),
                "ecs_cluster": "bench",
                "ecs_task_arn": f"arn:aws:ecs:eu-west-1:1:task/bench/{n % 4}",
                "ecs_task_definition": "imgcls:15",
            }
        )


def cloudwatch(records: list[dict]) -> Iterator[str]:
    for start in range(0, len(records), EVENTS_PER_LINE):
        events = [
            {"id": str(start + i), "timestamp": _ms(r["timestamp"]), "message": json.dumps(r)}
            for i, r in enumerate(records[start : start + EVENTS_PER_LINE])
        ]
        yield json.dumps(
            {
                "messageType": "DATA_MESSAGE",
                "owner": "123456789012",
                "logGroup": "/ecs/imgcls",
                "logStream": "imgcls/server/1",
                "subscriptionFilters": ["mlmon"],
                "logEvents": events,
            }
        )


def otlp(records: list[dict]) -> Iterator[str]:
    for start in range(0, len(records), EVENTS_PER_LINE):
        logs = []
        for record in records[start : start + EVENTS_PER_LINE]:
            inner, ts, level = _lifted(record)
            nanos = str(_ms(ts) * 1_000_000)
            logs.append({"timeUnixNano": nanos, "severityText": level, "body": {"stringValue": json.dumps(inner)}})
        resource = {"attributes": [{"key": "k8s.pod.name", "value": {"stringValue": "imgcls-a1b2c"}}]}
        yield json.dumps({"resourceLogs": [{"resource": resource, "scopeLogs": [{"logRecords": logs}]}]})


def azure(records: list[dict]) -> Iterator[str]:
    for record in records:
        inner, ts, _ = _lifted(record)
        yield json.dumps(
            {
                "time": ts,
                "resourceId": "/SUBSCRIPTIONS/0/RESOURCEGROUPS/ML/PROVIDERS/MICROSOFT.WEB/SITES/IMGCLS",
                "category": "AppServiceConsoleLogs",
                "operationName": "Microsoft.Web/sites/log",
                "level": "Informational",
                "properties": inner,
            }
        )


def vercel(records: list[dict]) -> Iterator[str]:
    for n, record in enumerate(records):
        inner, ts, _ = _lifted(record)
        yield json.dumps(
            {
                "id": str(n),
                "deploymentId": "dpl_1",
                "source": "lambda",
                "host": "imgcls.vercel.app",
                "timestamp": _ms(ts),
                "projectId": "prj_1",
                "level": "info",
                "message": json.dumps(inner),
                "type": "stdout",
            }
        )


def cri(records: list[dict]) -> Iterator[str]:
    for record in records:
        yield f"{record['timestamp']} stdout F {json.dumps(record)}"


WRAPPERS: dict[str, Callable[[list[dict]], Iterator[str]]] = {
    "gcp": gcp,
    "firelens": firelens,
    "cloudwatch": cloudwatch,
    "otlp": otlp,
    "azure": azure,
    "vercel": vercel,
    "cri": cri,
}


def write_files(log: Path, count: int) -> dict[str, Path]:
    folder = log.parent / f"envelopes_{count}"
    folder.mkdir(exist_ok=True)
    plain = folder / "plain.jsonl"
    with log.open() as source:
        lines = list(islice(source, count))
    if not plain.exists():
        plain.write_text("".join(lines))
    records = [json.loads(line) for line in lines]
    files = {"plain": plain}
    for name, wrap in WRAPPERS.items():
        if name not in envelope_names():
            print(f"{name}: no reader registered, not measured", file=sys.stderr)
            continue
        path = folder / f"{name}.jsonl"
        if not path.exists():
            path.write_text("".join(line + "\n" for line in wrap(records)))
            print(f"wrote {path}", file=sys.stderr)
        files[name] = path
    return files


def in_process(files: dict[str, Path], runs: int, fast: bool = True) -> dict[str, float]:
    """Best wall time of ``build_report`` per file, in this process."""
    from mlmon.api.report import build_report
    from mlmon.ingest import outcome

    real = outcome.read_fast
    outcome.read_fast = real if fast else (lambda *args: None)
    best: dict[str, float] = {}
    try:
        for _ in range(runs):
            for name, path in files.items():
                start = time.perf_counter()
                build_report(str(path))
                best[name] = min(best.get(name, float("inf")), time.perf_counter() - start)
    finally:
        outcome.read_fast = real
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--log", type=Path, default=ROOT / "benchmarks" / "data" / "logs_1000000.jsonl")
    parser.add_argument("--records", type=int, default=300_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-fast", action="store_true", help="skip the run with the fast paths off")
    args = parser.parse_args()
    files = write_files(args.log, args.records)
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in files}
    for run in range(args.runs):
        for name, path in files.items():
            wall, rss = timed(["report", str(path), "-f", "json"])
            results[name].append((wall, rss))
            print(f"run {run + 1} {name:10s} {wall:6.2f} s  {rss:7.0f} MB")
    plain = statistics.median(w for w, _ in results["plain"])
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {args.records:,} records, median of {args.runs}:")
    for name, runs in results.items():
        wall, rss = statistics.median(w for w, _ in runs), statistics.median(m for _, m in runs)
        print(f"  {name:10s} {wall:6.2f} s  {rss:7.0f} MB peak RSS  {wall / plain:5.2f}x plain")
    modes = [True] if args.no_fast else [True, False]
    timed_in = {fast: in_process(files, args.runs, fast) for fast in modes}
    print(f"in this process (build_report, best of {args.runs}):")
    for name, path in files.items():
        size = path.stat().st_size / 1e6
        cells = [
            f"{timed_in[fast][name]:5.2f} s {timed_in[fast][name] / timed_in[fast]['plain']:4.2f}x" for fast in modes
        ]
        per_mb = timed_in[True][name] / size * 1000
        print(
            f"  {name:10s} {size:6.1f} MB  {per_mb:5.1f} ms/MB  fast paths on: {cells[0]}"
            + (f"  off: {cells[1]}" if len(cells) > 1 else "")
        )


if __name__ == "__main__":
    main()
