"""``mlmon watch``'s /metrics (issue 27): check's Prometheus text served as written, through
prometheus_client, beside the live counters, scraped over HTTP and parsed by prometheus_client."""

from __future__ import annotations

import contextlib
import json
import re
import socket
import urllib.request

import pytest
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from mlmon.api.check import CheckOptions, build_check
from mlmon.errors import InputError, UsageError
from mlmon.render import prometheus
from mlmon.watch.alerts import DeliveryResult
from mlmon.watch.exporter import HELP, Exporter, parse_listen
from tests.conftest import REPO

ONE_FILE = "sample_logs/replica-a/app.log"
"""One file of the sample week (the whole week takes seconds to check): every kind of figure check writes."""


@pytest.fixture(scope="module")
def check_text() -> str:
    """``check --format prometheus``'s text on one sample file, with the reference and daily windows."""
    with contextlib.chdir(REPO):
        report = build_check(ONE_FILE, CheckOptions(reference="references/train.json", window="1d"))
    return prometheus.render(report)


def scrape(url: str) -> tuple[str, dict]:
    """The content type and the families (name -> family) ``url`` serves."""
    with urllib.request.urlopen(url, timeout=5) as response:
        kind, text = response.headers["Content-Type"], response.read().decode("utf-8")
    return kind, {family.name: family for family in text_string_to_metric_families(text)}


def samples(family) -> dict[tuple, float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value for s in family.samples}


def test_metrics_serves_every_family_of_checks_text_and_the_live_counters(check_text):
    written = {family.name: family for family in text_string_to_metric_families(check_text)}
    assert {"mlmon_latency_seconds", "mlmon_prediction_psi", "mlmon_feature_drift_psi", "mlmon_rule_status"} <= set(
        written
    )
    exporter = Exporter(clock=lambda: 1_000_100.0)
    exporter.publish(check_text)
    exporter.count_lines(120, records=117)
    exporter.count_lines(30, records=30)
    exporter.count_skipped("malformed JSON", 2)
    exporter.count_skipped("malformed JSON")
    exporter.count_skipped("no timestamp")
    exporter.set_files(2)
    exporter.set_behind("/var/log/app.log", 4096)
    exporter.set_behind("/var/log/app.log.1", 0)
    exporter.set_last_record(1_000_000.0)
    exporter.set_last_record(999_000.0)  # older: the newest stays
    exporter.count_checkpoint()
    exporter.count_delivery(DeliveryResult("alertmanager http://am:9093", True, attempts=2, failures=1))
    exporter.count_delivery(DeliveryResult("alertmanager http://am:9093", False, attempts=3, failures=3))
    with exporter.serve("127.0.0.1:0") as server:
        assert server.port > 0 and server.url == f"http://127.0.0.1:{server.port}/metrics"
        kind, served = scrape(server.url)
    assert kind.startswith("text/plain")
    for name, family in written.items():
        assert (served[name].type, served[name].documentation) == (family.type, family.documentation), name
        assert samples(served[name]) == samples(family), name
    live = {name: samples(family) for name, family in served.items() if name.startswith("mlmon_watch_")}
    assert live == {
        "mlmon_watch_lines_read": {("mlmon_watch_lines_read_total", ()): 150.0},
        "mlmon_watch_records": {("mlmon_watch_records_total", ()): 147.0},
        "mlmon_watch_skipped_lines": {
            ("mlmon_watch_skipped_lines_total", (("reason", "malformed JSON"),)): 3.0,
            ("mlmon_watch_skipped_lines_total", (("reason", "no timestamp"),)): 1.0,
        },
        "mlmon_watch_files_followed": {("mlmon_watch_files_followed", ()): 2.0},
        "mlmon_watch_file_behind_bytes": {
            ("mlmon_watch_file_behind_bytes", (("file", "/var/log/app.log"),)): 4096.0,
            ("mlmon_watch_file_behind_bytes", (("file", "/var/log/app.log.1"),)): 0.0,
        },
        "mlmon_watch_last_record_age_seconds": {("mlmon_watch_last_record_age_seconds", ()): 100.0},
        "mlmon_watch_checkpoints": {("mlmon_watch_checkpoints_total", ()): 1.0},
        "mlmon_watch_alert_deliveries": {
            ("mlmon_watch_alert_deliveries_total", (("target", "alertmanager http://am:9093"),)): 1.0
        },
        "mlmon_watch_alert_delivery_failures": {
            ("mlmon_watch_alert_delivery_failures_total", (("target", "alertmanager http://am:9093"),)): 4.0
        },
    }
    assert {served[name].type for name in live} == {"counter", "gauge"}
    assert all(served[name].documentation == HELP[s] for name in live for (s, _) in samples(served[name]))
    assert not any(name.startswith("mlmon_") for name in REGISTRY._names_to_collectors)  # the global one untouched


def test_publish_replaces_the_whole_set_and_bad_text_keeps_the_previous_one(check_text):
    exporter = Exporter()
    exporter.publish(check_text)
    exporter.publish("# TYPE mlmon_requests gauge\nmlmon_requests 7\n")
    collected = {family.name: samples(family) for family in exporter.registry.collect()}
    assert collected["mlmon_requests"] == {("mlmon_requests", ()): 7.0}
    assert "mlmon_rule_status" not in collected and "mlmon_watch_records" in collected
    with pytest.raises(InputError, match="not Prometheus text"):
        exporter.publish("mlmon_requests{oops 1\n")
    assert {family.name: samples(family) for family in exporter.registry.collect()}["mlmon_requests"] == {
        ("mlmon_requests", ()): 7.0
    }
    forgotten = Exporter()
    forgotten.set_behind("a.log", 10)
    forgotten.forget_file("a.log")
    assert samples(next(f for f in forgotten.registry.collect() if f.name == "mlmon_watch_file_behind_bytes")) == {}


def test_counters_carry_over_a_restart_through_the_snapshot():
    first = Exporter(clock=lambda: 50.0)
    first.count_lines(10, records=9)
    first.count_skipped("malformed JSON")
    first.count_checkpoint()
    first.count_delivery(DeliveryResult("webhook http://hook/", True, 1, 0))
    first.set_files(3)
    first.set_behind("app.log", 5)
    first.set_last_record(20.0)
    saved = json.loads(json.dumps(first.snapshot()))  # as the checkpoint stores it
    second = Exporter(snapshot=saved, clock=lambda: 70.0)
    second.count_lines(5, records=5)
    second.count_skipped("malformed JSON", 2)
    second.count_delivery(DeliveryResult("webhook http://hook/", False, 2, 2))
    assert second.snapshot() == {
        "version": 1,
        "lines": 15,
        "records": 14,
        "checkpoints": 1,
        "skipped": {"malformed JSON": 3},
        "deliveries": {"webhook http://hook/": 1},
        "delivery_failures": {"webhook http://hook/": 2},
        "last_record": 20.0,
    }
    collected = {family.name: samples(family) for family in second.registry.collect()}
    assert collected["mlmon_watch_files_followed"] == {("mlmon_watch_files_followed", ()): 0.0}  # now, not saved
    assert collected["mlmon_watch_file_behind_bytes"] == {}
    assert collected["mlmon_watch_last_record_age_seconds"] == {("mlmon_watch_last_record_age_seconds", ()): 50.0}
    assert "mlmon_watch_last_record_age_seconds" not in {
        f.name for f in Exporter().registry.collect() if f.samples
    }  # no record yet: no age


@pytest.mark.parametrize(
    "snapshot",
    [{}, {"version": 2}, {"version": 1, "lines": -1}, {"version": 1, "lines": "3"}, ["not", "a", "dict"]],
    ids=["empty", "version", "negative", "text", "list"],
)
def test_an_unusable_snapshot_is_a_one_line_input_error(snapshot):
    good = Exporter().snapshot()
    bad = {**good, **snapshot} if isinstance(snapshot, dict) and snapshot else snapshot
    with pytest.raises(InputError, match="^the checkpoint's exporter counters are unusable: [^\n]+$"):
        Exporter(snapshot=bad)


def test_listen_addresses():
    assert parse_listen("127.0.0.1:9464") == ("127.0.0.1", 9464)
    assert parse_listen("[::1]:0") == ("::1", 0)
    assert parse_listen(":9464") == ("0.0.0.0", 9464)
    for bad in ("9464", "127.0.0.1:", "127.0.0.1:http", "127.0.0.1:70000", "[::1:9464", "host:-1", ""):
        with pytest.raises(UsageError, match=r"^--listen '.*': expected HOST:PORT, such as 127\.0\.0\.1:9464$"):
            parse_listen(bad)


def test_a_port_in_use_or_an_address_not_here_is_a_usage_error():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(UsageError, match=f"^--listen 127.0.0.1:{port}: cannot listen there: [^\n]+$"):
            Exporter().serve(f"127.0.0.1:{port}")
    with pytest.raises(UsageError, match="^--listen 192.0.2.1:0: cannot listen there: [^\n]+$"):
        Exporter().serve("192.0.2.1:0")  # TEST-NET-1: an address of no interface here


def test_the_docs_list_every_live_metric():
    """docs/watch.md's table of live metrics names each metric of :data:`HELP`, with its type, and no other."""
    rows = re.findall(r"^\| `(mlmon_watch_\w+)` \| (counter|gauge) \|", (REPO / "docs" / "watch.md").read_text(), re.M)
    assert dict(rows) == {name: "counter" if name.endswith("_total") else "gauge" for name in HELP}
