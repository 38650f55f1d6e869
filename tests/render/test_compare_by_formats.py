"""``compare --by`` in every output format (issue 26), on the fleet of
``tests/e2e/test_compare_by.py`` (pod ``b``'s candidate predicts other classes; pod ``c``
holds baseline records only): the ``By pod`` table of the terminal, Markdown and HTML
(each side's records, the headline differences against numpy, the verdict), the groups'
findings in JUnit and Nagios, the compare families labelled per pod in Prometheus; the
report without its groups renders as the comparison without ``--by``."""

from __future__ import annotations

import dataclasses
import math
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from prometheus_client.parser import text_string_to_metric_families

from mlmon.api.compare import CompareOptions, build_compare
from mlmon.ingest.options import IngestOptions
from mlmon.render import OutputFormat, render
from mlmon.render.compare_groups import by_headers, by_rows
from mlmon.render.compare_parts import difference
from tests.e2e.test_compare_by import fleet, in_period
from tests.render.test_report_by_formats import Tables

HEADERS = ["pod", "baseline", "candidate", "p95 diff", "p99 diff", "errors diff", "PSI", "verdict"]


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """(split, whole, truth): the fleet compared with and without ``--by pod``."""
    path = tmp_path_factory.mktemp("fleet") / "fleet.jsonl"
    truth = fleet(path, shifted=True)
    options = {"baseline": "1.4.0", "candidate": "1.5.0"}
    split = build_compare(str(path), CompareOptions(ingest=IngestOptions(by=("pod",)), **options))
    whole = build_compare(str(path), CompareOptions(**options))
    return split, whole, truth


def expected_row(report, pod: str) -> dict[str, str]:
    """A group's row worked out from its figures (records as counted; PSI to 3 places)."""
    group = next(g.result for g in report.groups if g.values == (pod,))
    effects = {e.metric: e for e in group.comparison.effects}
    return {
        "baseline": f"{group.baseline.records:,}",
        "candidate": f"{group.candidate.records:,}",
        "PSI": f"{effects['predicted_classes'].difference:.3f}",
        "verdict": group.verdict.value,
    }


def test_the_rows_hold_each_group(reports):
    split, _, _ = reports
    assert by_headers(split) == HEADERS
    rows = {row[0]: dict(zip(HEADERS, row, strict=True)) for row in by_rows(split)}
    assert list(rows) == ["a", "b", "c"]
    for pod in ("a", "b"):
        assert {k: rows[pod][k] for k in ("baseline", "candidate", "PSI", "verdict")} == expected_row(split, pod)
        assert rows[pod]["errors diff"] == "0.00 pts"  # no errors on either side
    assert rows["b"]["verdict"] == "fail" and rows["a"]["verdict"] == "pass"
    assert rows["c"] == {
        **dict.fromkeys(HEADERS, "-"),
        "pod": "c",
        "baseline": "40",
        "candidate": "0",
        "verdict": "not compared: no candidate",
    }


def test_the_psi_cell_is_numpys(reports):
    """Pod b's PSI from its records in the compared period, by hand."""
    split, _, truth = reports
    shares = []
    for version in ("1.4.0", "1.5.0"):
        labels = in_period(list(split.period), truth["b", version])["labels"]
        shares.append(np.array([(labels == k).mean() for k in ("cat", "dog")]))
    b, c = shares
    row = next(r for r in by_rows(split) if r[0] == "b")
    assert row[HEADERS.index("PSI")] == f"{float(np.sum((c - b) * np.log(c / b))):.3f}"


@pytest.mark.parametrize("pod", ["a", "b"])
def test_the_latency_cells_are_numpys(reports, pod):
    """p95 and p99 differences of the pod's records in the period, by numpy, written as
    every compare table writes a difference."""
    split, _, truth = reports
    base, cand = (in_period(list(split.period), truth[pod, v])["latency"] for v in ("1.4.0", "1.5.0"))
    row = dict(zip(HEADERS, next(r for r in by_rows(split) if r[0] == pod), strict=True))
    for q in (95, 99):
        expected = float(np.percentile(cand, q) - np.percentile(base, q))
        assert row[f"p{q} diff"] == difference(expected, "ms")


def test_terminal_and_markdown_table_each_pod(reports):
    split, _, _ = reports
    text = render(split, OutputFormat.TERMINAL)
    table = text[text.index("By pod") :]
    lines = {line.split()[0]: line for line in table.splitlines()[3:6]}
    assert list(lines) == ["a", "b", "c"]
    assert lines["b"].rstrip().endswith("fail") and "not compared: no candidate" in lines["c"]
    assert "Worst of the whole comparison and its groups: FAIL (pod=b)" in text
    assert "pod=b: predicted_classes (fail, critical): PSI" in text
    md = render(split, OutputFormat.MARKDOWN)
    rows = [line for line in md[md.index("### By pod") :].splitlines()[2:] if line.startswith("|")]
    assert [c.strip() for c in rows[0].strip("|").split("|")] == HEADERS
    cells = {r.split("|")[1].strip(): [c.strip() for c in r.strip("|").split("|")] for r in rows[2:]}
    assert cells["b"][-1] == "**fail**" and cells["a"][-1] == "pass"
    assert cells["b"][HEADERS.index("PSI")] == expected_row(split, "b")["PSI"]


def test_html_tables_each_pod(reports):
    split, _, _ = reports
    page = render(split, OutputFormat.HTML)
    parser = Tables()
    parser.feed(page)
    headers, *rows = parser.tables["by-group"]
    assert headers == HEADERS
    assert [r[0] for r in rows] == ["a", "b", "c"]
    assert rows[1][-1] == "fail" and rows[2][-1] == "not compared: no candidate"
    assert '<a href="#by-group">By group</a>' in page and "<h2>By pod</h2>" in page


def test_junit_and_nagios_carry_the_groups_findings(reports):
    split, _, _ = reports
    suite = ET.fromstring(render(split, OutputFormat.JUNIT)).find("testsuite")
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    failed = cases["predicted_classes[pod=b 1.5.0 vs 1.4.0]"].find("failure")
    assert failed is not None and failed.get("type") == "critical"
    value = float(re.search(r"^value: (\S+)$", failed.text, re.M).group(1))
    assert value == pytest.approx(float(expected_row(split, "b")["PSI"]), abs=5e-4)  # the group's, not the whole's
    assert cases["predicted_classes[pod=a 1.5.0 vs 1.4.0]"].find("failure") is None
    assert cases["comparison[pod=c 1.5.0 vs 1.4.0]"].find("skipped") is not None
    line = render(split, OutputFormat.NAGIOS)
    assert line.startswith("MLMON CRITICAL - ")  # the whole passes; pod b fails
    assert " / by pod: pod=b fail, pod=c not compared |" in line


def test_prometheus_labels_each_compared_pod(reports):
    split, _, _ = reports
    families = list(text_string_to_metric_families(render(split, OutputFormat.PROMETHEUS)))
    assert len({f.name for f in families}) == len(families), "a metric name in two blocks"
    found = {(s.name, tuple(sorted(s.labels.items()))): s.value for f in families for s in f.samples}
    sides = (("baseline", "1.4.0"), ("candidate", "1.5.0"))

    def verdict(*labels):
        return found[("mlmon_compare_verdict", tuple(sorted((("metric", "all"), *sides, *labels))))]

    assert verdict() == 0 and verdict(("pod", "a")) == 0 and verdict(("pod", "b")) == 2
    assert not any(("pod", "c") in labels for _, labels in found)  # not compared: nothing measured
    group = next(g.result for g in split.groups if g.values == ("b",))
    p95 = next(e for e in group.comparison.effects if e.metric == "latency_p95")
    key = ("mlmon_compare_difference", tuple(sorted((("metric", "latency_p95"), *sides, ("pod", "b")))))
    assert found[key] == pytest.approx(p95.difference / 1000, rel=1e-12)
    assert math.isfinite(found[key])


@pytest.mark.parametrize("fmt", list(OutputFormat))
def test_the_groups_add_only_their_own_output(reports, fmt):
    """Without its groups and their findings, the split comparison renders as the one
    read without ``--by``."""
    split, whole, _ = reports
    assert split.groups and not whole.groups
    unsplit = dataclasses.replace(split, groups=(), findings=whole.findings)
    assert render(unsplit, fmt) == render(whole, fmt)
    assert "pod" not in render(whole, fmt) and "pod" in render(split, fmt)
