"""``mlmon compare --format html`` (issue 25): a self-contained page with the two versions
side by side metric by metric, the differences with their intervals drawn against the
allowed difference, verdict badges, per-class bars side by side and the flip matrix. The
page parses (html.parser and, being well-formed, ElementTree), every number equals the
report's JSON to the digits shown, text from the logs is escaped, and it loads in headless
Chromium with every chart drawn (skipped where Chromium is not installed)."""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest

from mlmon.api.compare import CompareOptions, build_compare
from mlmon.render import html
from tests.conftest import REPO
from tests.render.test_compare_formats import CLASSES, assert_shows, expected_cells, two_version_logs

sys.path.insert(0, str(REPO / "scripts"))
import html_screenshot as browser

SVG = "{http://www.w3.org/2000/svg}"
VOID = {"meta", "br", "hr", "img", "input", "link"}


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    logs = two_version_logs(tmp_path_factory.mktemp("compare-html") / "logs")
    return build_compare(str(logs), CompareOptions(baseline="1.4.0", candidate="1.5.0"))


@pytest.fixture(scope="module")
def page(report) -> str:
    return html.render(report)


@pytest.fixture(scope="module")
def root(page) -> ET.Element:
    return ET.fromstring(page.split("\n", 1)[1])


class Balanced(HTMLParser):
    """Every element html.parser reads is closed in order (void elements aside)."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.wrong: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag, attrs):
        pass

    def handle_endtag(self, tag):
        if not self.open or self.open.pop() != tag:
            self.wrong.append(tag)


def text_of(element: ET.Element) -> str:
    return "".join(element.itertext()).strip()


def section(root: ET.Element, anchor: str) -> ET.Element:
    (found,) = [s for s in root.iter("section") if s.get("id") == anchor]
    return found


def body_rows(table: ET.Element) -> list[list[ET.Element]]:
    return [list(tr) for tr in table.find("tbody")]


def test_the_page_parses_and_links_its_sections(page, root):
    parser = Balanced()
    parser.feed(page)
    assert parser.wrong == [] and parser.open == []
    ids = {s.get("id") for s in root.iter("section")}
    assert {"comparison", "metrics", "classes", "shadow-traffic", "findings"} <= ids
    links = [a.get("href") for a in root.iter("a")]
    assert links[:4] == ["#comparison", "#metrics", "#classes", "#shadow-traffic"]
    assert "<script" not in page and "http://" not in page.replace("http://www.w3.org/2000/svg", "")


def test_the_verdict_and_the_sides_side_by_side(root, report):
    doc = report.to_dict()
    top = section(root, "comparison")
    headline = top.find("p")
    assert text_of(headline) == "fail imgcls:1.5.0 against imgcls:1.4.0, 2026-11-15 08:00 to 19:59 UTC"
    assert headline.find("span").get("class") == "badge sev-critical"
    table = top.find("table")
    assert [text_of(th) for th in table.find("thead/tr")] == ["", "baseline imgcls:1.4.0", "candidate imgcls:1.5.0"]
    rows = {text_of(r[0]): [text_of(c) for c in r[1:]] for r in body_rows(table)}
    for what in ("records", "requests", "predictions"):
        assert rows[what] == [f"{doc['baseline'][what]:,}", f"{doc['candidate'][what]:,}"]


def test_every_metric_side_by_side_with_its_difference_interval_and_badge(root, report):
    doc = report.to_dict()
    table = section(root, "metrics").find("table")
    headers = [text_of(th) for th in table.find("thead/tr")]
    assert headers[:5] == ["metric", "baseline", "candidate", "difference", "95% CI"] and headers[-1] == "verdict"
    rows = body_rows(table)
    assert [text_of(r[0]).rstrip("*") for r in rows] == [m["metric"] for m in doc["metrics"]]
    badge = {"pass": "sev-ok", "marginal": "sev-warning", "fail": "sev-critical", "no data": "sev-unknown"}
    for row, m in zip(rows, doc["metrics"], strict=True):
        assert text_of(row[0]).endswith("*") == m["critical"]
        assert_shows(" ".join(text_of(c) for c in row[1:5]), expected_cells(doc, m["metric"]))
        span = row[-1].find("span")
        assert (text_of(span), span.get("class")) == (m["verdict"], f"badge {badge[m['verdict']]}")
        if m["verdict"] == "no data":  # too few values: no interval to draw
            assert row[5].find(f"{SVG}svg") is None
        elif m.get("unit") in ("ms", "share"):
            plot = row[5].find(f"{SVG}svg")
            (dot,) = plot.iter(f"{SVG}circle")
            (bar,) = [e for e in plot.iter(f"{SVG}line") if e.get("class") == "s0"]
            ends = sorted(float(bar.get(k)) for k in ("x1", "x2"))
            assert ends[0] <= float(dot.get("cx")) <= ends[1]  # the difference lies inside its interval
            bounds = [e for e in plot.iter(f"{SVG}line") if e.get("class") == "bound"]
            assert len(bounds) == (1 if m["limit"] is not None else 0)
            if m["limit"] is not None and m["metric"].startswith("latency"):
                assert float(bounds[0].get("x1")) < ends[0]  # the whole interval beyond the limit: fail


def test_class_shares_as_bars_side_by_side(root, report):
    doc = report.to_dict()
    chart = section(root, "classes").find(f".//{SVG}svg")
    bars = [r for r in chart.iter(f"{SVG}rect") if "bar" in (r.get("class") or "").split()]
    assert len(bars) == 2 * len(doc["classes"])
    top = max(max(c["baseline"], c["candidate"]) for c in doc["classes"])
    for i, c in enumerate(doc["classes"]):
        ref, cur = bars[2 * i], bars[2 * i + 1]
        assert (ref.get("class"), cur.get("class")) == ("bar ref", "bar cur")
        assert float(ref.get("width")) == pytest.approx(300 * c["baseline"] / top, abs=0.05)
        assert float(cur.get("width")) == pytest.approx(300 * c["candidate"] / top, abs=0.05)
        assert text_of(ref.find(f"{SVG}title")) == f"{c['name']}: baseline {c['baseline']:.2%}"
    names = [text_of(r[0]) for r in body_rows(section(root, "classes").find("table"))]
    assert names == sorted(CLASSES)  # the name with < > | read back as text: escaped


def test_flip_matrix_with_agreements_in_bold(root, report):
    doc = report.to_dict()
    table = section(root, "shadow-traffic").find("table")
    cols = [text_of(th) for th in table.find("thead/tr")][1:]
    flips = {(b, c): n for b, c, n in doc["agreement"]["flips"]}
    for row in body_rows(table):
        name = text_of(row[0])
        assert [int(text_of(c)) for c in row[1:]] == [flips.get((name, c), 0) for c in cols]
        bold = [cols[i] for i, c in enumerate(row[1:]) if c.find("b") is not None]
        assert bold == [name]


@pytest.mark.skipif(browser.find_chromium() is None, reason="Chromium not installed")
def test_the_page_renders_in_headless_chromium(page, tmp_path, root):
    path = tmp_path / "compare.html"
    path.write_text(page, encoding="utf-8")
    seen = browser.load(path, browser.find_chromium())
    assert browser.problems(seen) == []
    assert len(seen["svgs"]) == sum(1 for _ in root.iter(f"{SVG}svg")) > 0
    assert seen["resources"] == []
