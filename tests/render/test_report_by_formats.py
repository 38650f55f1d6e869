"""``report --by`` in every output format (issue 26): on a two-replica log built with numpy
(``b`` ten times slower, a few records with no replica), each format shows each group's
figures, checked against numpy and parsed where the format is parseable (Markdown's
table, HTML through html.parser, Prometheus through prometheus_client's parser, JUnit
through ElementTree, Nagios' perfdata); without the groups nothing of them is written."""

from __future__ import annotations

import dataclasses
import json
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import numpy as np
import pytest
from prometheus_client.parser import text_string_to_metric_families
from typer.testing import CliRunner

from mlmon.api.report import ReportOptions, build_report
from mlmon.cli import app
from mlmon.ingest.options import IngestOptions
from mlmon.render import OutputFormat, render
from mlmon.render.prometheus_groups import label_names

START = datetime(2026, 11, 20, 9, tzinfo=UTC)
GROUPS = {"a": "a", "b": "b", "(none)": ""}
"""Each group's name in the outputs, and its replica in the log ("": none)."""


def mlmon(*args: str):
    return CliRunner().invoke(app, list(args), env={"MLMON_CONFIG": ""})


@pytest.fixture(scope="module")
def replicas(tmp_path_factory):
    """1,200 requests over about three hours: replica ``a`` ~40 ms, ``b`` ~400 ms, 4% with
    no replica; errors at different rates per replica."""
    rng = np.random.default_rng(26)
    n = 1200
    replica = rng.choice(["a", "b", ""], n, p=[0.6, 0.36, 0.04])
    latency = np.where(replica == "b", rng.gamma(50, 8, n), rng.gamma(64, 0.625, n)).round(3)
    error = rng.random(n) < np.where(replica == "b", 0.08, 0.01)
    lines = []
    for i in range(n):
        record = {"ts": (START + timedelta(seconds=9 * i)).isoformat(), "latency_ms": float(latency[i])}
        record["status"] = "error" if error[i] else "ok"
        if replica[i]:
            record["replica"] = str(replica[i])
        lines.append(json.dumps(record))
    path = tmp_path_factory.mktemp("by") / "fleet.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, replica, latency, error


def truth(replicas, name: str) -> dict[str, float]:
    """numpy's figures of the group ``name``."""
    _, replica, latency, error = replicas
    mine = replica == GROUPS[name]
    values = latency[mine]
    return {
        "n": int(mine.sum()),
        "p50": float(np.percentile(values, 50)),
        "p95": float(np.percentile(values, 95)),
        "p99": float(np.percentile(values, 99)),
        "sum": float(values.sum()),
        "errors": float(error[mine].mean()),
    }


def check_row(row: dict[str, str], expected: dict[str, float]) -> None:
    """A ``By replica`` row (terminal's columns) against numpy."""
    assert int(row["records"].replace(",", "")) == expected["n"]
    assert int(row["requests"].replace(",", "")) == expected["n"]
    for q in ("p50", "p95", "p99"):  # every value here is >= 10 ms: one decimal
        assert float(row[f"{q} ms"].replace(",", "")) == pytest.approx(expected[q], abs=0.05 + 1e-9)
    assert float(row["errors"].rstrip("%")) == pytest.approx(100 * expected["errors"], abs=0.005 + 1e-9)


def test_markdown_tables_each_replica(replicas):
    done = mlmon("report", str(replicas[0]), "--by", "replica", "--format", "markdown")
    assert done.exit_code == 0, done.output
    text = done.stdout[done.stdout.index("### By replica") :]
    table = [line for line in text.splitlines()[2:] if line.startswith("|")]
    headers = [c.strip() for c in table[0].strip("|").split("|")]
    assert headers == ["replica", "records", "requests", "p50 ms", "p95 ms", "p99 ms", "errors"]
    assert table[1] == "|---|---:|---:|---:|---:|---:|---:|"
    rows = [dict(zip(headers, (c.strip() for c in line.strip("|").split("|")), strict=True)) for line in table[2:]]
    assert [r["replica"] for r in rows] == list(GROUPS)
    for row in rows:
        check_row(row, truth(replicas, row["replica"]))


class Tables(HTMLParser):
    """The cells of each ``<section id=...>``'s first table, by section id."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.section: str | None = None
        self.cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "section":
            self.section = dict(attrs).get("id")
        elif tag == "tr" and self.section:
            self.tables.setdefault(self.section, []).append([])
        elif tag in ("td", "th") and self.section:
            self.cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None and self.section:
            self.tables[self.section][-1].append("".join(self.cell))
            self.cell = None
        elif tag == "section":
            self.section = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def test_html_page_tables_each_replica(replicas):
    done = mlmon("report", str(replicas[0]), "--by", "replica", "--format", "html")
    assert done.exit_code == 0, done.output
    parser = Tables()
    parser.feed(done.stdout)
    headers, *rows = parser.tables["by-group"]
    assert headers == ["replica", "records", "requests", "p50 ms", "p95 ms", "p99 ms", "errors"]
    assert [r[0] for r in rows] == list(GROUPS)
    for row in rows:
        check_row(dict(zip(headers, row, strict=True)), truth(replicas, row[0]))
    assert '<a href="#by-group">By group</a>' in done.stdout
    assert "<h2>By replica</h2>" in done.stdout


def test_prometheus_labels_each_replica(replicas):
    _, replica, latency, error = replicas
    done = mlmon("report", str(replicas[0]), "--by", "replica", "--format", "prometheus")
    assert done.exit_code == 0, done.output
    parsed = list(text_string_to_metric_families(done.stdout))
    assert len({f.name for f in parsed}) == len(parsed), "a metric name in two blocks"
    found = {(s.name, tuple(sorted(s.labels.items()))): s.value for f in parsed for s in f.samples}
    whole = {"n": latency.size, "p99": float(np.percentile(latency, 99)), "errors": float(error.mean())}
    assert found[("mlmon_latency_seconds", (("quantile", "0.99"),))] == pytest.approx(whole["p99"] / 1000, rel=1e-12)
    assert found[("mlmon_requests", ())] == whole["n"]
    for name in GROUPS:
        expected, where = truth(replicas, name), (("replica", name),)
        for quantile in ("0.5", "0.95", "0.99"):
            key = ("mlmon_latency_seconds", (("quantile", quantile), *where))
            q = {"0.5": "p50", "0.95": "p95", "0.99": "p99"}[quantile]
            assert found[key] == pytest.approx(expected[q] / 1000, rel=1e-12)
        assert found[("mlmon_latency_seconds_sum", where)] == pytest.approx(expected["sum"] / 1000, rel=1e-9)
        assert found[("mlmon_latency_seconds_count", where)] == expected["n"]
        assert found[("mlmon_error_ratio", where)] == pytest.approx(expected["errors"], rel=1e-12)
        assert found[("mlmon_requests", where)] == expected["n"]
    grouped = {labels for (_, labels) in found if any(k == "replica" for k, _ in labels)}
    assert len(grouped) == 3 * 4  # per group: 3 quantiles and the labels of _sum/_count, ratio, requests


def test_prometheus_label_names_follow_its_rules():
    names = label_names(("source.pod", "quantile", "9x", "__a", "source_pod", "le", "k8s-pod"))
    assert names == ("source_pod", "by_quantile", "by_9x", "by___a", "source_pod_2", "by_le", "k8s_pod")
    assert all(re.fullmatch(r"[a-zA-Z_][a-zA-Z0-9_]*", n) and not n.startswith("__") for n in names)


def test_prometheus_with_a_dotted_field_and_a_reserved_name_parses(replicas):
    done = mlmon("report", str(replicas[0]), "--by", "replica", "--by", "quantile", "--format", "prometheus")
    assert done.exit_code == 0, done.output
    families = {f.name: f for f in text_string_to_metric_families(done.stdout)}
    slow = [s for s in families["mlmon_requests"].samples if s.labels.get("replica") == "b"]
    assert [s.labels for s in slow] == [{"replica": "b", "by_quantile": "(none)"}]
    assert slow[0].value == truth(replicas, "b")["n"]


def test_junit_has_a_testcase_per_replica(replicas):
    done = mlmon("report", str(replicas[0]), "--by", "replica", "--format", "junit", "--p99-budget", "100ms")
    assert done.exit_code == 1, done.output
    suite = ET.fromstring(done.stdout).find("testsuite")
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert set(cases) == {"latency_p99[all]", *(f"latency_p99[replica={name}]" for name in GROUPS)}
    for name in GROUPS:
        case, expected = cases[f"latency_p99[replica={name}]"], truth(replicas, name)
        failed = case.find("failure")
        assert (failed is not None) == (expected["p99"] > 100)
        text = (failed if failed is not None else case.find("system-out")).text
        value = float(re.search(r"^value: (\S+)$", text, re.M).group(1))
        assert value == pytest.approx(expected["p99"], rel=1e-5)  # %.6g
    assert cases["latency_p99[replica=b]"].find("failure").get("type") == "critical"


def test_nagios_names_the_slow_replica_with_perfdata_per_replica(replicas):
    done = mlmon("report", str(replicas[0]), "--by", "replica", "--format", "nagios", "--p99-budget", "100ms")
    assert done.exit_code == 2, done.output  # CRITICAL
    line = done.stdout.strip()
    status, perf = line.split(" | ")
    assert status.startswith("MLMON CRITICAL - ") and "latency_p99[replica=b]" in status
    assert "latency_p99[replica=a]" not in status
    items = dict(re.findall(r"('[^']*'|\S+)=(\S+)", perf))
    for name in GROUPS:
        value, warn, crit, low = items[f"'latency_p99 replica:{name}'"].split(";")
        assert value.endswith("s") and (warn, crit, low) == ("", "0.1", "0")
        assert float(value[:-1]) == pytest.approx(truth(replicas, name)["p99"] / 1000, abs=5e-9)


@pytest.mark.parametrize("fmt", ["markdown", "html", "prometheus", "junit", "nagios"])
def test_no_format_refuses_by(replicas, fmt):
    done = mlmon("report", str(replicas[0]), "--by", "replica", "--format", fmt)
    assert done.exit_code == (3 if fmt == "nagios" else 0), done.output  # no check: Nagios' UNKNOWN
    assert done.stderr == ""


@pytest.mark.parametrize("fmt", list(OutputFormat))
def test_the_groups_add_only_their_own_output(replicas, fmt):
    """The report split by replica, its groups and their findings taken away, renders as
    the report read without ``--by``: the groups change nothing else, and nothing of them
    is written when there are none."""
    path = replicas[0]
    split = build_report(path, ReportOptions(ingest=IngestOptions(by=("replica",)), p99_budget="100ms"))
    whole = build_report(path, ReportOptions(p99_budget="100ms"))
    assert split.groups and not whole.groups
    assert [f.scope for f in split.findings][0] == "all" and len(split.findings) == 1 + len(GROUPS)
    unsplit = dataclasses.replace(split, groups=(), findings=whole.findings)
    assert render(unsplit, fmt) == render(whole, fmt)
    assert "replica" not in render(whole, fmt) and "replica" in render(split, fmt)


def test_check_writes_the_groups_figures_too(replicas, tmp_path):
    """check's Prometheus file holds report's figures from its one read: per group too."""
    config = tmp_path / "mlmon.toml"
    config.write_text('[rules.latency_p99]\ncritical = "100ms"\n', encoding="utf-8")
    done = mlmon("check", str(replicas[0]), "--by", "replica", "--config", str(config), "-f", "prometheus")
    assert done.exit_code == 1, done.output
    found = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for f in text_string_to_metric_families(done.stdout)
        for s in f.samples
    }
    for name in GROUPS:
        p99 = found[("mlmon_latency_seconds", (("quantile", "0.99"), ("replica", name)))]
        assert p99 == pytest.approx(truth(replicas, name)["p99"] / 1000, rel=1e-12)
    breach = (("rule", "latency_p99"), ("scope", "replica=b"), ("severity", "critical"))
    assert found[("mlmon_rule_status", breach)] == 1
