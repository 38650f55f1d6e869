"""``mlmon watch`` with the real tools (issue 27): a real Prometheus scrapes the watcher's
``/metrics`` and a real Alertmanager receives, then resolves, the alert it sends.

Skipped, with a message, when Prometheus or Alertmanager is not installed (``apt-get install
prometheus prometheus-alertmanager``); the processes are started and stopped by the helpers of
tests/e2e/test_prometheus_alert_path.py.
"""

from __future__ import annotations

import json
import urllib.parse
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.e2e.test_prometheus_alert_path import (  # noqa: F401 - start and webhook are fixtures
    _notification,
    free_port,
    get,
    start,
    tool,
    wait_for,
    webhook,
)
from tests.e2e.test_watch import mlmon
from tests.watch.watch_logs import append

T0 = datetime(2026, 11, 9, tzinfo=UTC)
LABELS = {"alertname": "latency_p99", "severity": "critical", "scope": "all", "service": "mlmon"}
"""The labels mlmon gives the alert (docs/watch.md, "Alerts")."""


def records(first: int, count: int, latency_ms: float) -> bytes:
    """``count`` records 20 s apart from ``first`` * 20 s after :data:`T0`, all at ``latency_ms``."""
    return b"".join(
        json.dumps(
            {
                "timestamp": (T0 + timedelta(seconds=20 * i)).isoformat(),
                "event": "inference",
                "latency_ms": latency_ms,
                "status": "ok",
            }
        ).encode()
        + b"\n"
        for i in range(first, first + count)
    )


def alertmanager(run, tmp_path: Path, hook: str) -> str:
    """A real Alertmanager on a free port, notifying ``hook`` (resolutions too); its base URL."""
    port = free_port()
    route = {"receiver": "hook", "group_by": ["alertname"], "group_wait": "1s", "group_interval": "1s"}
    receivers = [{"name": "hook", "webhook_configs": [{"url": hook, "send_resolved": True}]}]
    config = tmp_path / "alertmanager.yml"  # JSON is YAML
    config.write_text(json.dumps({"route": {**route, "repeat_interval": "1h"}, "receivers": receivers}))
    argv = [
        tool("alertmanager", "prometheus-alertmanager"),
        f"--config.file={config}",
        f"--storage.path={tmp_path / 'am-data'}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--cluster.listen-address=",
    ]
    run("alertmanager", argv, f"http://127.0.0.1:{port}/-/ready")
    return f"http://127.0.0.1:{port}"


def prometheus(run, tmp_path: Path, target: str) -> str:
    """A real Prometheus scraping ``target`` every second as job ``mlmon``; its base URL."""
    port = free_port()
    config = tmp_path / "prometheus.yml"
    scrape = {"job_name": "mlmon", "scrape_interval": "1s", "static_configs": [{"targets": [target]}]}
    config.write_text(json.dumps({"global": {"scrape_interval": "1s"}, "scrape_configs": [scrape]}))
    argv = [
        tool("prometheus"),
        f"--config.file={config}",
        f"--storage.tsdb.path={tmp_path / 'prom-data'}",
        f"--web.listen-address=127.0.0.1:{port}",
    ]
    run("prometheus", argv, f"http://127.0.0.1:{port}/-/ready")
    return f"http://127.0.0.1:{port}"


def query(base: str, promql: str) -> list[dict]:
    """The instant vector Prometheus's ``/api/v1/query`` returns for ``promql``."""
    answer = json.loads(get(f"{base}/api/v1/query?{urllib.parse.urlencode({'query': promql})}"))
    assert answer["status"] == "success", answer
    return answer["data"]["result"]


def scraped(base: str, promql: str, value: float) -> dict | None:
    """The one sample of ``promql`` once Prometheus holds it at ``value``, else None."""
    result = query(base, promql)
    return result[0] if len(result) == 1 and float(result[0]["value"][1]) == value else None


def test_prometheus_scrapes_watch_and_alertmanager_gets_its_alert_then_the_resolution(tmp_path, start, webhook):  # noqa: F811
    """30 records at 200 ms in the 00:00 window against a 100 ms p99 budget: the watcher's first
    evaluation fires latency_p99, Prometheus scrapes the lines read and check's rule gauge, and
    Alertmanager lists the alert with mlmon's labels. 30 records at 10 ms in the 00:10 window
    close it: the evaluation clears the rule, and Alertmanager drops the alert and notifies the
    resolution."""
    tool("prometheus")  # skip before starting anything
    tool("alertmanager", "prometheus-alertmanager")
    hook, received = webhook
    am = alertmanager(start, tmp_path, hook)
    log, config = tmp_path / "app.log", tmp_path / "mlmon.toml"
    log.write_bytes(records(0, 30, 200.0))
    config.write_text('window = "10m"\n\n[rules.latency_p99]\ncritical = "100ms"\n')
    listen = f"127.0.0.1:{free_port()}"
    argv = mlmon("watch", str(log), "--config", str(config), "--state", str(tmp_path / "state.json"))
    argv += ["--from", "beginning", "--listen", listen, "--alertmanager", am, "--poll-seconds", "0.1"]
    start("mlmon-watch", argv, f"http://{listen}/metrics")
    prom = prometheus(start, tmp_path, listen)

    lines = wait_for("lines read in Prometheus", lambda: scraped(prom, "mlmon_watch_lines_read_total", 30), 10)
    assert lines["metric"] == {"__name__": "mlmon_watch_lines_read_total", "instance": listen, "job": "mlmon"}
    critical = 'mlmon_rule_status{rule="latency_p99",scope="all",severity="critical"}'
    assert wait_for("the rule's gauge in Prometheus", lambda: scraped(prom, critical, 1), 10)

    def listed() -> list[dict]:
        return [a for a in json.loads(get(f"{am}/api/v2/alerts")) if a["labels"].get("service") == "mlmon"]

    (alert,) = wait_for("the alert in Alertmanager", listed, 10)
    assert alert["labels"] == LABELS and alert["status"]["state"] == "active"
    assert alert["annotations"]["summary"] == "mlmon latency_p99 is critical (all)"
    assert _notification(received, "firing", "latency_p99", timeout=10)["labels"] == LABELS

    append(log, records(30, 30, 10.0))  # the next window: within the budget
    wait_for("the alert gone from Alertmanager's active alerts", lambda: listed() == [], 10)
    assert _notification(received, "resolved", "latency_p99", timeout=10)["labels"] == LABELS
    assert wait_for("the new lines in Prometheus", lambda: scraped(prom, "mlmon_watch_lines_read_total", 60), 10)
    assert wait_for("the rule cleared in Prometheus", lambda: scraped(prom, critical, 0), 10)
