"""``mlmon watch``'s alerts (issue 27): check's findings as Alertmanager alerts, their state across
evaluations and restarts, and their delivery to Alertmanager's API v2, a webhook and a command,
each failure retried and counted, never raised; and a real Alertmanager receiving and resolving one."""

from __future__ import annotations

import contextlib
import json
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from prometheus_client.parser import text_string_to_metric_families

from mlmon.api.check import CheckOptions, build_check
from mlmon.errors import InputError, UsageError
from mlmon.render import prometheus
from mlmon.verdicts.findings import Finding, Severity
from mlmon.watch.alerts import Alert, AlertState, DeliveryResult, Retry, Target, alerts_from, alerts_of, deliver
from mlmon.watch.exporter import Exporter
from tests.conftest import REPO
from tests.e2e.test_prometheus_alert_path import (  # noqa: F401 - start and webhook are fixtures
    _notification,
    free_port,
    get,
    start,
    tool,
    wait_for,
    webhook,
)

T0 = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)
SLOW = Finding("latency_p99", Severity.CRITICAL, "fired; worst: p99 250 ms > 100 ms", 250.0, 100.0, "all")


def fired(name: str = "latency_p99", severity: str = "critical", scope: str = "all") -> Alert:
    """An alert as :func:`alerts_from` makes it (the state sets its start)."""
    finding = Finding(name, Severity(severity), f"{name} fired", 1.0, 0.5, scope)
    return alerts_from([finding], T0)[0]


# --- alerts from findings ------------------------------------------------------------------


def test_alerts_are_the_firing_findings_labelled_by_rule_severity_and_scope():
    findings = [
        SLOW,
        Finding("error_rate", Severity.OK, "ok in the run", 0.001, 0.02, "all"),
        Finding("no_data", Severity.UNKNOWN, "not judged", None, None, "all"),
        Finding("prediction_drift", Severity.WARNING, "drift 0.1", 0.1, 0.1, "pod=a model_version=1.4.0"),
        Finding("prediction_drift", Severity.CRITICAL, "drift 0.3", 0.3, 0.25, "pod=a model_version=1.4.0"),
        Finding("prediction_drift", Severity.WARNING, "drift 0.2", 0.2, 0.1, "pod=a model_version=1.4.0"),
        Finding("latency_p99", Severity.WARNING, "slow", 90.0, 80.0, "resnet 1.4.0"),
        Finding("feature_drift", Severity.WARNING, "width", 0.2, 0.1, "k8s.pod=b, 2x=c"),
    ]
    alerts = alerts_from(findings, T0, "http://mlmon:9464/metrics")
    assert [a.labels for a in alerts] == [
        (("alertname", "latency_p99"), ("severity", "critical"), ("scope", "all"), ("service", "mlmon")),
        (
            ("alertname", "prediction_drift"),
            ("severity", "critical"),  # the most severe of one rule and scope
            ("scope", "pod=a model_version=1.4.0"),
            ("service", "mlmon"),
            ("pod", "a"),
            ("model_version", "1.4.0"),
        ),
        (("alertname", "latency_p99"), ("severity", "warning"), ("scope", "resnet 1.4.0"), ("service", "mlmon")),
        (
            ("alertname", "feature_drift"),
            ("severity", "warning"),
            ("scope", "k8s.pod=b, 2x=c"),
            ("service", "mlmon"),
            ("k8s_pod", "b"),
            ("_2x", "c"),
        ),
    ]
    assert alerts[1].annotations == (
        ("summary", "mlmon prediction_drift is critical (pod=a model_version=1.4.0)"),
        ("description", "drift 0.3"),
    )
    assert {(a.starts_at, a.ends_at, a.generator_url, a.status) for a in alerts} == {
        (T0, None, "http://mlmon:9464/metrics", "firing")
    }
    assert alerts[0].payload() == {
        "labels": {"alertname": "latency_p99", "severity": "critical", "scope": "all", "service": "mlmon"},
        "annotations": {"summary": "mlmon latency_p99 is critical (all)", "description": SLOW.message},
        "startsAt": "2026-12-07T01:00:00Z",
        "generatorURL": "http://mlmon:9464/metrics",
    }


def test_the_alerts_of_a_real_check_are_its_firing_rule_status_series():
    """Oracle: the ``mlmon_rule_status`` samples at 1 with severity warning or critical in check's
    Prometheus text are the alerts (rule, scope, severity), one each."""
    with contextlib.chdir(REPO):
        report = build_check(
            "sample_logs/replica-a/app.log", CheckOptions(reference="references/train.json", window="1d")
        )
    firing = {
        (s.labels["rule"], s.labels["scope"], s.labels["severity"])
        for family in text_string_to_metric_families(prometheus.render(report))
        for s in family.samples
        if s.name == "mlmon_rule_status" and s.value == 1 and s.labels["severity"] in ("warning", "critical")
    }
    alerts = alerts_of(report)
    assert firing and len(alerts) == len(firing)
    labels = [dict(a.labels) for a in alerts]
    assert {(lb["alertname"], lb["scope"], lb["severity"]) for lb in labels} == firing
    assert {a.starts_at for a in alerts} == {report.now}


# --- the state across evaluations ------------------------------------------------------------


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def sent(due: tuple[Alert, ...]) -> list[tuple[str, str, datetime, datetime | None]]:
    return [(dict(a.labels)["alertname"], dict(a.labels)["severity"], a.starts_at, a.ends_at) for a in due]


def test_alert_state_starts_resends_resolves_and_forgets():
    """Hand-worked: resend every 60 s; a fires at 0 s, b joins at 70 s, a clears at 90 s, b at 100 s."""
    a, b = fired("latency_p99"), fired("error_rate", "warning")
    state = AlertState()
    steps = [
        (0, [a], [("latency_p99", "critical", at(0), None)]),
        (30, [a], []),
        (60, [a], [("latency_p99", "critical", at(0), None)]),
        (70, [a, b], [("error_rate", "warning", at(70), None)]),
        (90, [b], [("latency_p99", "critical", at(0), at(90))]),
        (100, [], [("error_rate", "warning", at(70), at(100))]),
        (200, [], []),
    ]
    for seconds, firing, expected in steps:
        state, due = state.step(firing, at(seconds))
        assert sent(due) == expected, seconds
    assert state.tracked == ()


def test_a_change_of_severity_resolves_one_alert_and_starts_the_other():
    state, _ = AlertState().step([fired(severity="warning")], at(0))
    state, due = state.step([fired(severity="critical")], at(10))
    assert sent(due) == [
        ("latency_p99", "warning", at(0), at(10)),
        ("latency_p99", "critical", at(10), None),
    ]


def test_the_state_survives_a_restart_through_json():
    annotated = Alert(fired().labels, fired().annotations, T0, None, "http://x/")
    state, _ = AlertState(resend_seconds=60).step([annotated, fired("error_rate")], at(0))
    state, _ = state.step([annotated, fired("error_rate")], at(60))
    restored = AlertState.from_json(json.loads(json.dumps(state.to_json())), resend_seconds=60)
    assert restored == state
    restored, due = restored.step([annotated], at(119))
    assert sent(due) == [("error_rate", "critical", at(0), at(119))]  # a's resend is due at 120 s, not before
    _, due = restored.step([annotated], at(120))
    assert sent(due) == [("latency_p99", "critical", at(0), None)] and due[0].generator_url == "http://x/"
    alert = '{"labels": {"a": "b"}, "annotations": {}, "startsAt": "%s"}'
    for bad in (
        "",
        "{}",
        '[{"alert": {}}]',
        f'[{{"alert": {alert % "x"}}}]',
        f'[{{"alert": {alert % "2026-12-07T01:00:00"}}}]',
    ):
        with pytest.raises(InputError, match="^the checkpoint's alert state is unusable: [^\n]+$"):
            AlertState.from_json(bad)


# --- delivery ------------------------------------------------------------------------------


class Recorder(BaseHTTPRequestHandler):
    """Records each POST (path and JSON body) and answers the next status of ``statuses`` (then 200)."""

    requests: list
    statuses: list
    delay: float = 0.0

    def do_POST(self) -> None:  # noqa: N802 - the http.server name
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.requests.append((self.path, self.headers["Content-Type"], json.loads(body)))
        time.sleep(self.delay)
        status = self.statuses.pop(0) if self.statuses else 200
        self.send_response(status)
        self.end_headers()
        self.wfile.write(b"broken" if status >= 400 else b"")

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator:
    """``receiver(*statuses, delay=0)``: a recording HTTP server on a free port; its base URL and requests."""
    servers = []

    def make(*statuses: int, delay: float = 0.0) -> tuple[str, list]:
        handler = type("R", (Recorder,), {"requests": [], "statuses": list(statuses), "delay": delay})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}", handler.requests

    yield make
    for server in servers:
        server.shutdown()
        server.server_close()


def test_alertmanager_gets_the_api_v2_alerts_firing_then_resolved(receiver):
    url, requests = receiver()
    state, due = AlertState().step([fired()], at(0))
    naps: list[float] = []
    assert deliver(due, [Target.alertmanager(url + "/")], sleep=naps.append) == (
        DeliveryResult(f"alertmanager {url}/", True, 1, 0),
    )
    state, due = state.step([], at(90.5))
    deliver(due, [Target.alertmanager(url)], sleep=naps.append)
    labels = {"alertname": "latency_p99", "severity": "critical", "scope": "all", "service": "mlmon"}
    annotations = {"summary": "mlmon latency_p99 is critical (all)", "description": "latency_p99 fired"}
    assert requests == [
        (
            "/api/v2/alerts",
            "application/json",
            [{"labels": labels, "annotations": annotations, "startsAt": "2026-12-07T01:00:00Z"}],
        ),
        (
            "/api/v2/alerts",
            "application/json",
            [
                {
                    "labels": labels,
                    "annotations": annotations,
                    "startsAt": "2026-12-07T01:00:00Z",
                    "endsAt": "2026-12-07T01:01:30.500000Z",
                }
            ],
        ),
    ]
    assert naps == [] and deliver((), [Target.alertmanager(url)]) == ()  # nothing to send: nothing sent


def test_the_webhook_gets_alertmanagers_notification_document(receiver):
    url, requests = receiver()
    state, _ = AlertState().step([fired(), fired("error_rate", "warning")], at(0))
    _, due = state.step([fired()], at(5))
    deliver(due, [Target.webhook(url + "/hook")])
    ((path, _, document),) = requests
    assert path == "/hook"
    assert document == {
        "version": "4",
        "groupKey": "mlmon",
        "truncatedAlerts": 0,
        "status": "resolved",
        "receiver": "mlmon",
        "groupLabels": {},
        "commonLabels": {"alertname": "error_rate", "severity": "warning", "scope": "all", "service": "mlmon"},
        "commonAnnotations": {"summary": "mlmon error_rate is warning (all)", "description": "error_rate fired"},
        "externalURL": "",
        "alerts": [
            {
                "status": "resolved",
                "labels": {"alertname": "error_rate", "severity": "warning", "scope": "all", "service": "mlmon"},
                "annotations": {"summary": "mlmon error_rate is warning (all)", "description": "error_rate fired"},
                "startsAt": "2026-12-07T01:00:00Z",
                "endsAt": "2026-12-07T01:00:05Z",
                "generatorURL": "",
            }
        ],
    }


def test_a_failed_attempt_is_retried_after_the_backoff_and_counted(receiver):
    url, requests = receiver(500)
    naps: list[float] = []
    (result,) = deliver([fired()], [Target.alertmanager(url)], sleep=naps.append)
    assert result == DeliveryResult(f"alertmanager {url}", True, attempts=2, failures=1)
    assert naps == [0.5] and len(requests) == 2 and requests[0] == requests[1]
    exporter = Exporter()
    exporter.count_delivery(result)
    assert exporter.snapshot()["deliveries"] == {result.target: 1}
    assert exporter.snapshot()["delivery_failures"] == {result.target: 1}
    url, _ = receiver(503, 502, 500, 500)
    (result,) = deliver([fired()], [Target.webhook(url)], Retry(attempts=4, first_delay=1, max_delay=3), naps.append)
    assert result == DeliveryResult(f"webhook {url}", False, 4, 4, "HTTP 500: broken")
    assert naps == [0.5, 1, 2, 3]


def test_a_refused_connection_or_a_timeout_fails_without_raising(receiver):
    naps: list[float] = []
    closed = f"http://127.0.0.1:{free_port()}"
    slow, _ = receiver(delay=1.0)
    refused, timed_out = deliver(
        [fired()], [Target.alertmanager(closed), Target.webhook(slow, timeout=0.2)], Retry(attempts=2), naps.append
    )
    assert (refused.delivered, refused.attempts, refused.failures) == (False, 2, 2)
    assert "refused" in (refused.error or "").lower()
    assert (timed_out.delivered, timed_out.failures) == (False, 2) and "timed out" in (timed_out.error or "")
    assert naps == [0.5, 0.5]


def test_the_command_gets_the_document_on_stdin_and_its_exit_status_counts(tmp_path):
    out = tmp_path / "received.json"
    script = tmp_path / "hook.py"
    script.write_text("import sys\nopen(sys.argv[1], 'w').write(sys.stdin.read())\nsys.exit(int(sys.argv[2]))\n")
    python = sys.executable
    (ok,) = deliver([fired()], [Target.command(f"{python} {script} {out} 0")])
    assert ok == DeliveryResult(f"command {python}", True, 1, 0)
    document = json.loads(out.read_text())
    assert document["status"] == "firing" and document["alerts"][0]["endsAt"] == "0001-01-01T00:00:00Z"
    assert document["alerts"][0]["labels"]["alertname"] == "latency_p99"
    naps: list[float] = []
    (failing,) = deliver([fired()], [Target.command(f"{python} {script} {out} 3")], Retry(attempts=2), naps.append)
    assert (failing.delivered, failing.failures, failing.error) == (False, 2, "exit status 3")
    sleeper = Target.command(f"{python} -c 'import time; time.sleep(5)'", timeout=0.3)
    (slow,) = deliver([fired()], [sleeper], Retry(attempts=1))
    assert (slow.delivered, slow.failures, slow.error) == (False, 1, "timed out after 0.3 s")
    (missing,) = deliver([fired()], [Target.command(str(tmp_path / "no-such-command"))], Retry(attempts=1))
    assert not missing.delivered and "No such file" in (missing.error or "")


def test_targets_refuse_what_is_not_one():
    for make, bad in ((Target.alertmanager, "alertmanager:9093"), (Target.webhook, "ftp://x/"), (Target.webhook, "")):
        with pytest.raises(UsageError, match="expected an http:// or https:// URL$"):
            make(bad)
    for line in ("", "  ", "echo 'unclosed"):
        with pytest.raises(UsageError, match="^alert command"):
            Target.command(line)
    assert Target.alertmanager("https://user:secret@am.example:9093/").name == "alertmanager https://am.example:9093/"


# --- a real Alertmanager -------------------------------------------------------------------


def test_a_real_alertmanager_receives_then_resolves_an_alert(tmp_path, start, webhook):  # noqa: F811
    """Alertmanager (its webhook receiver a local server) gets the firing alert through the API v2
    (seen in ``GET /api/v2/alerts`` and notified as firing), then its resolution (gone from the
    active alerts, notified as resolved)."""
    am_bin = tool("alertmanager", "prometheus-alertmanager")
    hook, received = webhook
    port = free_port()
    config = tmp_path / "alertmanager.yml"
    route = {"receiver": "hook", "group_by": ["alertname"], "group_wait": "1s", "group_interval": "1s"}
    receivers = [{"name": "hook", "webhook_configs": [{"url": hook, "send_resolved": True}]}]
    config.write_text(json.dumps({"route": {**route, "repeat_interval": "1h"}, "receivers": receivers}))
    base = f"http://127.0.0.1:{port}"
    argv = [
        am_bin,
        f"--config.file={config}",
        f"--storage.path={tmp_path / 'am'}",
        f"--web.listen-address=127.0.0.1:{port}",
    ]
    start("alertmanager", [*argv, "--cluster.listen-address="], f"{base}/-/ready")
    target = Target.alertmanager(base)
    now = datetime.now(UTC).replace(microsecond=0)
    state, due = AlertState().step([fired()], now)
    assert deliver(due, [target])[0].delivered

    def listed() -> list[dict]:
        return [a for a in json.loads(get(f"{base}/api/v2/alerts")) if a["labels"].get("service") == "mlmon"]

    (active,) = wait_for("the alert in GET /api/v2/alerts", listed, timeout=5)
    assert active["labels"] == dict(due[0].labels) and active["status"]["state"] == "active"
    assert datetime.fromisoformat(active["startsAt"]) == now
    assert _notification(received, "firing", "latency_p99", timeout=5)["labels"] == dict(due[0].labels)
    _, due = state.step([], now + timedelta(seconds=1))
    assert deliver(due, [target])[0].delivered
    wait_for("the alert gone from the active ones", lambda: listed() == [], timeout=5)
    resolved = _notification(received, "resolved", "latency_p99", timeout=5)
    assert datetime.fromisoformat(resolved["endsAt"]) == now + timedelta(seconds=1)
    with urllib.request.urlopen(f"{base}/api/v2/alerts?active=false&silenced=false&inhibited=false") as response:
        assert json.loads(response.read()) == []
