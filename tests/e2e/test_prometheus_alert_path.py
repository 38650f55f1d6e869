"""The Prometheus alert path with the real tools (issue 22): node_exporter's textfile
collector reads mlmon's files, ``promtool check metrics`` is clean on every output, the
documented alerting rules pass ``promtool check rules`` and fire and resolve in ``promtool
test rules`` on series that mlmon runs wrote (the silence alert while the logs stay silent
beyond ``--since`` included), and Alertmanager receives a critical finding and then its
resolution from a real Prometheus.

Each test skips, with a message, when its tool is not installed (``apt-get install
prometheus prometheus-node-exporter prometheus-alertmanager``). The rules are read from
docs/output-formats.md (the block after :data:`MARKER`), so the documentation and the test cannot diverge.
"""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace

import pytest
from prometheus_client.parser import text_string_to_metric_families

from mlmon.api.check import CheckOptions, build_check
from mlmon.api.results import BenchReport
from mlmon.cli import app
from mlmon.render import prometheus
from tests import docs_text
from tests.conftest import REPO, sample_result

MARKER = "<!-- alert rules: tests/e2e/test_prometheus_alert_path.py runs this block -->"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
"""``promtool test rules`` starts its clock at the Unix epoch: the simulated logs are of 1970."""
WHERE = {"instance": "model-1:9100", "job": "node"}
"""The labels a scrape of node_exporter adds to every series."""


def tool(*names: str) -> str:
    """The path of the first of ``names`` installed, else skip the test."""
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    pytest.skip(
        f"{names[0]} is not installed (apt-get install prometheus prometheus-node-exporter prometheus-alertmanager)"
    )


def readme_rules() -> str:
    """The alerting rules as docs/output-formats.md shows them: the YAML block after :data:`MARKER`."""
    return docs_text.block_after(MARKER, "yaml")


# --- mlmon runs, simulated and real ----------------------------------------------------------


def _records(minutes: range, slow: range = range(0), base: datetime = EPOCH) -> list[dict]:
    """Three inference records a minute; 200 ms in the ``slow`` minutes, else 10-12 ms."""
    return [
        {
            "timestamp": (base + timedelta(minutes=m, seconds=s)).isoformat(),
            "event": "inference",
            "latency_ms": 200.0 if m in slow else 10.0 + s / 10,
            "status": "ok",
        }
        for m in minutes
        for s in (0, 20, 40)
    ]


def _runs(tmp_path: Path, records: list[dict], every: int, until: int, since: timedelta, **options) -> dict[int, str]:
    """mlmon check's Prometheus text every ``every`` minutes (cron) up to ``until``, each on
    the log file as it stood then (the records up to that minute), with ``--since`` that
    long before the run and 10-minute windows."""
    path = tmp_path / "app.log"
    out = {}
    for minute in range(every, until + 1, every):
        now = EPOCH + timedelta(minutes=minute)
        path.write_text("".join(json.dumps(r) + "\n" for r in records if datetime.fromisoformat(r["timestamp"]) <= now))
        result = build_check([str(path)], CheckOptions(now=now, window="10m", ingest={"since": now - since}, **options))
        out[minute] = prometheus.render(result)
    return out


def _series(runs: dict[int, str], metric: str, until: int) -> list[dict]:
    """The ``input_series`` a scrape every minute of the file the runs wrote makes for
    ``metric``: each run's value until the next run, nothing before the first; a series a
    run left out goes stale, as Prometheus marks it."""
    values: dict[tuple, dict[int, float]] = {}
    for minute, text in runs.items():
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name == metric:
                    values.setdefault(tuple(sorted(sample.labels.items())), {})[minute] = sample.value
    series = []
    for labels, by_run in values.items():
        tokens, seen = [], False
        for minute in range(until + 1):
            run = max((m for m in runs if m <= minute), default=None)
            if run is not None and run in by_run:
                tokens.append(repr(by_run[run]))
                seen = True
            else:
                tokens.append("stale" if seen and tokens[-1] not in ("stale", "_") else "_")
        names = ",".join(f'{k}="{v}"' for k, v in sorted({**dict(labels), **WHERE}.items()))
        series.append({"series": f"{metric}{{{names}}}", "values": " ".join(tokens)})
    return series


def _promtool_test(tmp_path: Path, tests: list[dict]) -> subprocess.CompletedProcess:
    rules = tmp_path / "rules.yml"
    rules.write_text(readme_rules())
    spec = tmp_path / "tests.yml"  # JSON is YAML
    spec.write_text(json.dumps({"rule_files": [rules.name], "evaluation_interval": "1m", "tests": tests}, indent=1))
    return subprocess.run(
        [tool("promtool"), "test", "rules", spec.name], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )


def _outputs(tmp_path: Path) -> dict[str, str]:
    """Every kind of mlmon Prometheus text: report, drift, check (with a reference and
    without, and with every record older than --since), bench, and performance."""
    from mlmon.api.performance import PerformanceOptions, build_performance
    from mlmon.bench.timing import latency_stats
    from tests.render.test_performance_formats import labelled_logs

    ref = "references/train.json"
    stopped = tmp_path / "stopped.log"
    stopped.write_text(
        "".join(json.dumps(r) + "\n" for r in _records(range(0, 30), base=datetime(2026, 12, 30, tzinfo=UTC)))
    )
    here = os.getcwd()
    os.chdir(REPO)
    try:
        silent = build_check(
            [str(stopped)], CheckOptions(window="1h", now="2027-01-01T00:00Z", ingest={"since": "2026-12-31T00:00Z"})
        )
        outs = {  # on sample_logs/, once per session
            "report": sample_result("report", p99_budget="80ms", max_error_rate="2%"),  # conftest's sample_report
            "drift": sample_result("drift", reference=ref, window="1d"),
            "check": sample_result("check", reference=ref, window="1d"),
            "check without reference": sample_result("check", window="1h"),
            "check of silent logs": silent,
        }
    finally:
        os.chdir(here)
    configs = tuple(
        SimpleNamespace(
            batch_size=b, concurrency=1, latency=latency_stats([1.0 * b, 2.0 * b, 5.0 * b]), inferences_per_s=9.5
        )
        for b in (1, 8)
    )
    outs["bench"] = BenchReport(SimpleNamespace(configs=configs), None, ())  # type: ignore[arg-type]
    labelled = str(labelled_logs(tmp_path / "labelled"))
    outs["performance"] = build_performance(labelled, PerformanceOptions(window="1d", min_accuracy="80%"))
    return {name: prometheus.render(result) for name, result in outs.items()}


# --- processes -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(what: str, probe, timeout: float = 30.0, every: float = 0.2):
    """``probe()``'s first true value within ``timeout`` seconds, else fail naming ``what``."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = probe()
        except OSError:
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(every)


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode("utf-8")


@pytest.fixture
def start(tmp_path) -> Iterator:
    """``start(name, argv, ready_url)``: a process whose output goes to a log file in
    ``tmp_path``, ready once ``ready_url`` answers; stopped (by its id) when the test ends."""
    procs: list[tuple[subprocess.Popen, Path]] = []

    def run(name: str, argv: list[str], ready_url: str) -> subprocess.Popen:
        log = tmp_path / f"{name}.log"
        proc = subprocess.Popen(argv, stdout=log.open("wb"), stderr=subprocess.STDOUT, cwd=tmp_path)
        procs.append((proc, log))

        def ready():
            if proc.poll() is not None:
                pytest.fail(f"{name} exited with {proc.returncode}: {log.read_text()[-2000:]}")
            return get(ready_url)

        wait_for(f"{name} at {ready_url}", ready)
        return proc

    yield run
    for proc, _ in procs:
        proc.terminate()
    for proc, _ in procs:
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def node_exporter(start, directory: Path) -> str:
    """Start node_exporter with only its textfile collector on ``directory``; its /metrics URL."""
    port = free_port()
    argv = [
        tool("node_exporter", "prometheus-node-exporter"),
        f"--web.listen-address=127.0.0.1:{port}",
        "--collector.disable-defaults",
        "--collector.textfile",
        f"--collector.textfile.directory={directory}",
    ]
    url = f"http://127.0.0.1:{port}/metrics"
    start("node_exporter", argv, url)
    return url


def mlmon_to_file(args: list[str], out: Path, cwd: Path = REPO) -> int:
    """The real CLI writing ``--format prometheus -q -o out`` (as from cron); its exit code."""
    from typer.testing import CliRunner

    here = os.getcwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(
            app, [*args, "--format", "prometheus", "-q", "-o", str(out)], env={"MLMON_CONFIG": ""}
        )
    finally:
        os.chdir(here)
    assert result.exit_code in (0, 1), result.output
    return result.exit_code


# --- the tests -----------------------------------------------------------------------------


def test_promtool_check_metrics_is_clean_on_every_mlmon_output(tmp_path):
    promtool = tool("promtool")
    for name, text in _outputs(tmp_path).items():
        assert text, name
        result = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, text=True, timeout=30)
        assert result.returncode == 0 and not result.stdout.strip() and not result.stderr.strip(), (
            name,
            result.stdout,
            result.stderr,
        )


def test_node_exporter_textfile_collector_reads_every_mlmon_file(tmp_path, start):
    """report and drift files side by side, then a check file alone (it replaces both, as the
    README says): node_textfile_scrape_error 0 and mlmon's samples as written."""
    tool("node_exporter", "prometheus-node-exporter")
    directory = tmp_path / "textfile"
    directory.mkdir()
    report, drift, check = directory / "mlmon-report.prom", directory / "mlmon-drift.prom", directory / "mlmon.prom"
    mlmon_to_file(["report", "sample_logs/", "--p99-budget", "80ms", "--max-error-rate", "0.02"], report)
    mlmon_to_file(["drift", "sample_logs/", "--reference", "references/train.json", "--window", "1d"], drift)
    url = node_exporter(start, directory)
    for files in ((report, drift), (check,)):
        if files == (check,):
            report.unlink()
            drift.unlink()
            mlmon_to_file(["check", "sample_logs/", "--reference", "references/train.json", "--window", "1d"], check)
        scraped = {f.name: f for f in text_string_to_metric_families(get(url))}
        assert scraped["node_textfile_scrape_error"].samples[0].value == 0, files
        mtimes = {s.labels["file"] for s in scraped["node_textfile_mtime_seconds"].samples}
        assert {Path(f).name for f in mtimes} == {f.name for f in files}
        written = [s for f in files for fam in text_string_to_metric_families(f.read_text()) for s in fam.samples]
        got = {
            (s.name, tuple(sorted(s.labels.items()))): s.value
            for fam in scraped.values()
            if fam.name.startswith("mlmon_")
            for s in fam.samples
        }
        assert {(s.name, tuple(sorted(s.labels.items()))): s.value for s in written} == got
        assert scraped["mlmon_latency_seconds"].type == "summary"  # the quantile label is a summary's


def test_readme_alert_rules_pass_promtool_check_rules(tmp_path):
    rules = tmp_path / "mlmon-rules.yml"
    rules.write_text(readme_rules())
    result = subprocess.run(
        [tool("promtool"), "check", "rules", str(rules)], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS: 4 rules found" in result.stdout


def _alert(name: str, at: str, *alerts: dict) -> dict:
    return {"eval_time": at, "alertname": name, "exp_alerts": list(alerts)}


def test_readme_alerts_fire_and_resolve_as_the_readme_says(tmp_path):
    """``promtool test rules`` on what mlmon wrote, run every 5 or 10 minutes and scraped every
    minute. Silence: records until 00:59:40, none for three hours, again from 04:00; check
    runs with --since 2h, so from 02:00 on every record is older than --since.
    MlmonLogsSilent fires once the last record is over an hour old (02:00) and keeps firing
    while the logs stay silent (03:20, long after every record left --since), and resolves
    at the first run that reads a record again (04:00). Critical: 200 ms requests from 00:30
    to 01:00 against a 100 ms p99 critical level in 10-minute windows; runs at 00:35 to
    01:00 see the slow window (the one at 01:00 judges 00:50-01:00), the run at 01:05 the
    window after it: MlmonCheckCritical is pending at 00:40 (for: 10m), fires at 00:45, and
    resolves at 01:05."""
    tool("promtool")  # before the runs: skip at once where it is not installed
    silent = _runs(
        tmp_path, [*_records(range(0, 60)), *_records(range(240, 300))], every=10, until=300, since=timedelta(hours=2)
    )
    assert "mlmon_last_record_timestamp_seconds" in silent[200]  # every record older than --since: still written
    slow = _runs(
        tmp_path,
        _records(range(0, 120), slow=range(30, 60)),
        every=5,
        until=120,
        since=timedelta(hours=1),
        rules={"latency_p99": {"critical": "100ms"}},
    )
    critical = {"rule": "latency_p99", "scope": "all", "severity": "critical", **WHERE}
    summary = {"summary": "mlmon latency_p99 is critical on model-1:9100 (all)"}
    quiet = {"summary": "no log record for over an hour on model-1:9100"}
    warning_series = (
        f'mlmon_rule_status{{instance="{WHERE["instance"]}",job="node",'
        'rule="error_rate",scope="all",severity="warning"}'
    )
    mtime = (
        'node_textfile_mtime_seconds{file="/var/lib/node_exporter/textfile_collector/mlmon.prom",'
        'instance="model-1:9100",job="node"}'
    )
    # the cron job writes the file every 5 minutes until 01:00, then stops until 02:00
    mtimes = (
        " ".join(str(60 * (m - m % 5)) for m in range(0, 61))
        + " "
        + " ".join(["3600"] * 59)
        + " "
        + " ".join(str(60 * (m - m % 5)) for m in range(120, 151))
    )
    silence = {
        "interval": "1m",
        "input_series": _series(silent, "mlmon_last_record_timestamp_seconds", 300),
        "alert_rule_test": [
            _alert("MlmonLogsSilent", "100m"),
            _alert("MlmonLogsSilent", "119m"),
            _alert("MlmonLogsSilent", "120m", {"exp_labels": WHERE, "exp_annotations": quiet}),
            _alert("MlmonLogsSilent", "200m", {"exp_labels": WHERE, "exp_annotations": quiet}),
            _alert("MlmonLogsSilent", "239m", {"exp_labels": WHERE, "exp_annotations": quiet}),
            _alert("MlmonLogsSilent", "240m"),
            _alert("MlmonLogsSilent", "290m"),
        ],
    }
    breach = {
        "interval": "1m",
        "input_series": _series(slow, "mlmon_rule_status", 120),
        "alert_rule_test": [
            _alert("MlmonCheckCritical", "34m"),
            _alert("MlmonCheckCritical", "40m"),
            _alert("MlmonCheckCritical", "45m", {"exp_labels": critical, "exp_annotations": summary}),
            _alert("MlmonCheckCritical", "64m", {"exp_labels": critical, "exp_annotations": summary}),
            _alert("MlmonCheckCritical", "65m"),
            _alert("MlmonCheckWarning", "64m"),
        ],
    }
    staleness = {
        "interval": "1m",
        "input_series": [
            {"series": warning_series, "values": "0x9 1x39 0x20"},
            {"series": mtime, "values": mtimes},
        ],
        "alert_rule_test": [
            _alert("MlmonCheckWarning", "39m"),
            _alert(
                "MlmonCheckWarning",
                "40m",
                {"exp_labels": {"rule": "error_rate", "scope": "all", "severity": "warning", **WHERE}},
            ),
            _alert(
                "MlmonCheckWarning",
                "49m",
                {"exp_labels": {"rule": "error_rate", "scope": "all", "severity": "warning", **WHERE}},
            ),
            _alert("MlmonCheckWarning", "50m"),
            _alert("MlmonNotRunning", "90m"),
            _alert(
                "MlmonNotRunning",
                "91m",
                {"exp_labels": {"file": "/var/lib/node_exporter/textfile_collector/mlmon.prom", **WHERE}},
            ),
            _alert(
                "MlmonNotRunning",
                "119m",
                {"exp_labels": {"file": "/var/lib/node_exporter/textfile_collector/mlmon.prom", **WHERE}},
            ),
            _alert("MlmonNotRunning", "120m"),
        ],
    }
    result = _promtool_test(tmp_path, [silence, breach, staleness])
    assert result.returncode == 0, result.stdout + result.stderr


# --- Alertmanager -------------------------------------------------------------------------


class _Hook(BaseHTTPRequestHandler):
    received: queue.Queue

    def do_POST(self) -> None:  # noqa: N802 - the http.server name
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.received.put(json.loads(body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def webhook() -> Iterator[tuple[str, queue.Queue]]:
    """A webhook receiver on a free port: every POST's JSON lands in the queue."""
    received: queue.Queue = queue.Queue()
    handler = type("Hook", (_Hook,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", received
    server.shutdown()
    server.server_close()


def _notification(received: queue.Queue, status: str, alertname: str, timeout: float = 30.0) -> dict:
    """The first webhook notification with an ``alertname`` alert in ``status``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            message = received.get(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            break
        for alert in message["alerts"]:
            if alert["labels"].get("alertname") == alertname and alert["status"] == status:
                return alert
    pytest.fail(f"no {status} {alertname} notification reached the webhook in {timeout:.0f} s")


def test_alertmanager_receives_a_critical_finding_and_its_resolution(tmp_path, start, webhook):
    """mlmon check writes a critical latency_p99 to the textfile directory; node_exporter,
    Prometheus (the documented rules, ``for`` shortened to 1 s) and Alertmanager deliver it to
    a webhook; the next run is ok, and the resolution is delivered too."""
    prom_bin, am_bin = tool("prometheus"), tool("alertmanager", "prometheus-alertmanager")
    tool("node_exporter", "prometheus-node-exporter")
    url, received = webhook
    directory = tmp_path / "textfile"
    directory.mkdir()
    now = datetime.now(UTC).replace(microsecond=0)
    logs = tmp_path / "app.log"
    logs.write_text(
        "".join(
            json.dumps(r) + "\n" for r in _records(range(0, 20), slow=range(0, 20), base=now - timedelta(minutes=20))
        )
    )
    config = tmp_path / "mlmon.toml"
    config.write_text('[rules.latency_p99]\ncritical = "100ms"\n')
    check = ["check", str(logs), "--config", str(config), "--since", "1h", "--window", "10m"]
    assert mlmon_to_file(check, directory / "mlmon.prom", tmp_path) == 1
    exporter = node_exporter(start, directory)

    am_port, prom_port = free_port(), free_port()
    am_config = tmp_path / "alertmanager.yml"
    am_config.write_text(
        json.dumps(
            {
                "route": {
                    "receiver": "hook",
                    "group_by": ["alertname", "rule", "scope"],
                    "group_wait": "1s",
                    "group_interval": "1s",
                    "repeat_interval": "1h",
                },
                "receivers": [{"name": "hook", "webhook_configs": [{"url": url, "send_resolved": True}]}],
            }
        )
    )
    start(
        "alertmanager",
        [
            am_bin,
            f"--config.file={am_config}",
            f"--storage.path={tmp_path / 'am-data'}",
            f"--web.listen-address=127.0.0.1:{am_port}",
            "--cluster.listen-address=",
        ],
        f"http://127.0.0.1:{am_port}/-/ready",
    )
    rules = tmp_path / "rules.yml"
    rules.write_text(re.sub(r"for: \d+[smh]", "for: 1s", readme_rules()))
    prom_config = tmp_path / "prometheus.yml"
    prom_config.write_text(
        json.dumps(
            {
                "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
                "rule_files": [str(rules)],
                "alerting": {"alertmanagers": [{"static_configs": [{"targets": [f"127.0.0.1:{am_port}"]}]}]},
                "scrape_configs": [{"job_name": "node", "static_configs": [{"targets": [exporter.split("/")[2]]}]}],
            }
        )
    )
    start(
        "prometheus",
        [
            prom_bin,
            f"--config.file={prom_config}",
            f"--storage.tsdb.path={tmp_path / 'prom-data'}",
            f"--web.listen-address=127.0.0.1:{prom_port}",
            "--rules.alert.resend-delay=1s",
        ],
        f"http://127.0.0.1:{prom_port}/-/ready",
    )

    firing = _notification(received, "firing", "MlmonCheckCritical")
    assert (
        firing["labels"]["rule"] == "latency_p99"
        and firing["labels"]["scope"] == "all"
        and firing["labels"]["severity"] == "critical"
    )
    assert firing["annotations"]["summary"] == f"mlmon latency_p99 is critical on {exporter.split('/')[2]} (all)"
    config.write_text('[rules.latency_p99]\ncritical = "1s"\n')  # the next run: within the level
    assert mlmon_to_file(check, directory / "mlmon.prom", tmp_path) == 0
    resolved = _notification(received, "resolved", "MlmonCheckCritical")
    assert resolved["labels"] == firing["labels"]
