"""``mlmon compare`` in the terminal, Markdown and JUnit (issue 25). The logs are made by
hand: two versions serving the same twelve hours, the candidate 1.5 times slower (latency
fails, p99 critically), the same error rate and class shares (pass), confidences logged on
too few of the candidate's records (no data), and 300 request ids answered by both sides,
every fifth one with another class (agreement fails). Every number a format shows is
checked against the report's JSON document (``report.to_dict()``) to the digits shown,
the figures themselves against numpy; the flip matrix against the logs."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from mlmon.api.compare import CompareOptions, build_compare
from mlmon.render import junit, markdown, terminal
from tests.render.test_junit_markdown import schema_problems

T0 = datetime(2026, 11, 15, 8, tzinfo=UTC)
N, SHARED, STEP_S = 1000, 300, 43.2
CLASSES = ("bird", "cat", "d|o<g>_x")
"""The third class name holds characters Markdown and HTML would read."""
SLOWER = 1.5


def iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _latencies(seed: int, factor: float) -> np.ndarray:
    return np.round(np.random.default_rng(seed).lognormal(np.log(25), 0.3, N) * factor, 3)


def _records(version: str, latencies: np.ndarray, confident: int, flip: bool) -> list[dict]:
    out = []
    for i in range(N):
        shift = 1 if flip and i < SHARED and i % 5 == 0 else 0
        row = {
            "ts": iso(T0 + timedelta(seconds=i * STEP_S + (1 if version == "1.5.0" else 0))),
            "model": "imgcls",
            "model_version": version,
            "request_id": f"r{i}" if i < SHARED else f"{version}-{i}",
            "latency_ms": float(latencies[i]),
            "status": "error" if i % 100 == 7 else "ok",
            "label": CLASSES[(i + shift) % 3],
        }
        if i < confident:
            row["confidence"] = 0.5 + 0.45 * (i % 10) / 10
        out.append(row)
    return out


def two_version_logs(folder: Path) -> Path:
    """1.4.0 and 1.5.0, :data:`N` requests each over the same twelve hours (see the module
    docstring)."""
    rows = _records("1.4.0", _latencies(25, 1.0), N, False)
    rows += _records("1.5.0", _latencies(26, SLOWER), 50, True)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "app.log").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return folder


SCENARIOS = {
    "fail": {},
    "marginal": {"critical": ("error_rate",), "min_samples": 10},
    "no data": {"critical": ("error_rate", "confidence_mean")},
}
"""Options giving each overall verdict on the same logs (pass: a version against itself)."""


@pytest.fixture(scope="module")
def logs(tmp_path_factory) -> Path:
    return two_version_logs(tmp_path_factory.mktemp("compare") / "logs")


@pytest.fixture(scope="module")
def report(logs):
    return build_compare(str(logs), CompareOptions(baseline="1.4.0", candidate="1.5.0"))


@pytest.fixture(scope="module")
def doc(report) -> dict:
    return report.to_dict()


def metric(doc: dict, name: str) -> dict:
    (found,) = [m for m in doc["metrics"] if m["metric"] == name]
    return found


# --- reading numbers back ---------------------------------------------------------------------------

_NUMBER = re.compile(r"(?<![\w.])([-+]?\d[\d,]*(?:\.\d+)?(?:e-?\d+)?)(?:\s?(ms|µs|%|pts))?")
_SCALE = {"ms": 1.0, "µs": 0.001, "%": 0.01, "pts": 0.01, None: 1.0}


def numbers(text: str) -> list[tuple[float, float]]:
    """Every number in ``text`` as (value in base units: ms, a share, a plain number; half
    of its last digit in the same units). A number without a unit before `` to `` takes the
    next one's (``-0.95 to +0.95 pts``)."""
    found = list(_NUMBER.finditer(text))
    out = []
    for i, match in enumerate(found):
        digits, unit = match.group(1), match.group(2)
        after = found[i + 1] if i + 1 < len(found) else None
        if unit is None and after is not None and text[match.end() : after.start()] == " to ":
            unit = after.group(2)
        mantissa = digits.split("e")[0]
        decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
        value = float(digits.replace(",", "")) * _SCALE[unit]
        half = 0.5 * 10**-decimals * _SCALE[unit] * (10 ** int(digits.split("e")[1]) if "e" in digits else 1)
        out.append((value, half))
    return out


def assert_shows(text: str, expected: list[float]) -> None:
    """``text`` shows exactly ``expected``, in order, each to the digits it shows."""
    shown = numbers(text)
    assert len(shown) == len(expected), (text, shown, expected)
    for (value, half), want in zip(shown, expected, strict=True):
        assert abs(value - want) <= half * 1.0001 + 1e-12, (text, value, want)


def expected_cells(doc: dict, name: str) -> list[float]:
    """The numbers a metric's row shows: both sides, the difference and its interval (for a
    distance, the distance and its p-value; for agreement, the rate and its interval; with no
    data, each side's count of values)."""
    if name == "agreement":
        a = doc["agreement"]
        return [a["rate"], a["low"], a["high"]]
    m = metric(doc, name)
    if m["verdict"] == "no data":  # too few values: the counts, not figures from them
        return [m["n_baseline"], m["n_candidate"]]
    if m["unit"] in ("psi", "distance"):
        return [m["difference"], m["p_value"]]
    return [m["baseline"], m["candidate"], m["difference"], m["low"], m["high"]]


def test_the_logs_give_the_planned_verdicts(doc, logs):
    verdicts = {m["metric"]: m["verdict"] for m in doc["metrics"]}
    assert verdicts == {
        "latency_p50": "fail",
        "latency_p95": "fail",
        "latency_p99": "fail",
        "latency_shape": "fail",
        "error_rate": "pass",
        "predicted_classes": "pass",
        "confidence_mean": "no data",
        "confidence_shape": "no data",
        "agreement": "fail",
    }
    assert doc["verdict"] == "fail"
    rows = [json.loads(line) for line in (logs / "app.log").read_text().splitlines()]
    since, until = (datetime.fromisoformat(doc["period"][k]) for k in ("since", "until"))
    inside = [r for r in rows if since <= datetime.fromisoformat(r["ts"]) < until]
    for side in ("baseline", "candidate"):
        version = doc[side]["name"].split(":")[1]
        mine = [r for r in inside if r["model_version"] == version]
        latencies = np.array([r["latency_ms"] for r in mine])
        assert metric(doc, "latency_p50")[side] == pytest.approx(np.percentile(latencies, 50))
        assert metric(doc, "latency_p99")[side] == pytest.approx(np.percentile(latencies, 99))
        assert doc[side]["errors"] == sum(r["status"] == "error" for r in mine)
    by_id: dict[str, dict[str, str]] = {}
    for r in inside:
        by_id.setdefault(r["request_id"], {})[r["model_version"]] = r["label"]
    pairs = [(v["1.4.0"], v["1.5.0"]) for v in by_id.values() if len(v) == 2]
    counted = {(b, c): pairs.count((b, c)) for b, c in set(pairs)}
    assert {(b, c): n for b, c, n in doc["agreement"]["flips"]} == counted


# --- terminal ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def text(report) -> str:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COLUMNS", "200")
        return terminal.render(report)


def line_of(text: str, start: str) -> str:
    """The table row that starts with ``start`` (a critical metric's ``*`` after it)."""
    row = re.compile(re.escape(start) + r"\*?\s{2}")
    found = [line for line in text.splitlines() if row.match(line)]
    assert len(found) == 1, (start, found)
    return found[0]


def test_terminal_headline_says_the_verdict_the_sides_and_the_period(text, doc):
    first = text.splitlines()[0]
    assert first == "FAIL: imgcls:1.5.0 against imgcls:1.4.0, 2026-11-15 08:00 to 19:59 UTC"
    assert doc["period"]["since"].startswith("2026-11-15T08:00") and doc["period"]["until"].startswith(
        "2026-11-15T19:59"
    )


def test_terminal_sides_side_by_side(text, doc):
    header = next(line for line in text.splitlines() if "baseline imgcls" in line)
    assert header.index("baseline imgcls:1.4.0") < header.index("candidate imgcls:1.5.0")
    b, c = doc["baseline"], doc["candidate"]
    for what in ("records", "requests", "predictions"):
        assert_shows(line_of(text, what).removeprefix(what), [b[what], c[what]])
    errors = line_of(text, "errors").removeprefix("errors")
    assert_shows(errors, [b["errors"], b["errors"] / b["requests"], c["errors"], c["errors"] / c["requests"]])
    share = doc["traffic"]["share"]
    assert_shows(line_of(text, "share of traffic").removeprefix("share of traffic"), [1 - share, share])


@pytest.mark.parametrize(
    "name",
    [
        "latency_p50",
        "latency_p95",
        "latency_p99",
        "latency_shape",
        "error_rate",
        "predicted_classes",
        "confidence_mean",
        "confidence_shape",
        "agreement",
    ],
)
def test_terminal_metric_rows_show_the_reports_numbers_and_verdict(text, doc, name):
    row = line_of(text, name)
    m = metric(doc, name)
    assert row.rstrip().endswith(m["verdict"])
    assert row.startswith(name + ("*" if m["critical"] else " "))
    assert_shows(row.removeprefix(name).removeprefix("*").removesuffix(m["verdict"]), expected_cells(doc, name))


def test_terminal_classes_flips_and_reasons(text, doc):
    shares = text[text.index("Predicted classes") : text.index("Shadow traffic")]
    for c in doc["classes"]:
        row = line_of(shares, c["name"])
        expected = [c["baseline"], c["candidate"], c["candidate"] - c["baseline"], c["low"], c["high"]]
        assert_shows(row.removeprefix(c["name"]), expected)
    lines = text.splitlines()
    head = lines.index(next(line for line in lines if line.startswith("baseline \\ candidate")))
    cols = lines[head].split()[3:]
    assert cols == sorted(CLASSES)
    flips = {(b, c): n for b, c, n in doc["agreement"]["flips"]}
    for line in lines[head + 2 : head + 2 + len(CLASSES)]:
        name, *counts = line.rsplit(None, len(cols))
        assert [int(n) for n in counts] == [flips.get((name, c), 0) for c in cols]
    a = doc["agreement"]
    assert f"{a['agreed']:,} of {a['pairs']:,} requests answered by both" in text
    why = lines[lines.index("Why") + 1 :]
    not_passed = [m for m in doc["metrics"] if m["verdict"] != "pass"]
    assert len(why) == len(not_passed)
    for line, m in zip(why, not_passed, strict=True):
        assert line.startswith(f"{m['metric']} ({m['verdict']}") and line.endswith(m["reason"])
    assert ("critical" in why[2]) and not any("critical" in line for line in why[:2])


def test_terminal_colours_only_when_asked(report):
    assert "\x1b[" not in terminal.render(report, color=False)
    coloured = terminal.render(report, color=True)
    assert "\x1b[1;31mFAIL" in coloured  # the headline in bold red


def test_terminal_narrow_keeps_difference_interval_and_verdict(report, doc, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    narrow = terminal.render(report)
    assert max(len(line) for line in narrow.splitlines()) <= 80
    row = line_of(narrow, "latency_p99")
    m = metric(doc, "latency_p99")
    assert_shows(
        row.removeprefix("latency_p99*").removesuffix("fail"), [m["baseline"], m["candidate"], m["difference"]]
    )
    below = narrow.splitlines()[narrow.splitlines().index(row) + 1]
    assert_shows(below, [m["low"], m["high"]])


def test_terminal_a_version_against_itself_passes_every_metric(logs):
    same = build_compare(str(logs), CompareOptions(baseline="1.4.0", candidate="1.4.0"))
    out = terminal.render(same)
    assert out.startswith("PASS: imgcls:1.4.0 against imgcls:1.4.0")
    assert "Why" not in out.splitlines()


# --- markdown ----------------------------------------------------------------------------------------


def md_rows(text: str, heading: str) -> list[list[str]]:
    """The cells of the table under ``heading`` (``None``: the first table)."""
    lines = text.splitlines()
    start = lines.index(heading) if heading else 0
    table = []
    for line in lines[start:]:
        if line.startswith("|"):
            table.append(line)
        elif table:
            break
    cells = [re.split(r"(?<!\\)\|", row.strip())[1:-1] for row in table]
    return [[c.strip() for c in row] for row in cells[2:]]


def test_markdown_verdict_on_top_and_tables_with_the_reports_numbers(report, doc):
    text = markdown.render(report)
    lines = text.splitlines()
    assert lines[0] == "## mlmon compare: critical"
    assert lines[2] == "**FAIL**: imgcls:1.5.0 against imgcls:1.4.0, 2026-11-15 08:00 to 19:59 UTC"
    sides = {row[0]: row[1:] for row in md_rows(text, None)}
    assert sides["records"] == [f"{doc['baseline']['records']:,}", f"{doc['candidate']['records']:,}"]
    rows = md_rows(text, "### Metrics")
    assert [r[0].replace("\\*", "") for r in rows] == [m["metric"] for m in doc["metrics"]]
    for row, m in zip(rows, doc["metrics"], strict=True):
        assert row[-1] == (m["verdict"] if m["verdict"] == "pass" else f"**{m['verdict']}**")
        assert row[0].endswith("\\*") == m["critical"]
        assert_shows(" ".join(row[1:-1]), expected_cells(doc, m["metric"]))
    classes = md_rows(text, "### Predicted classes")
    assert [r[0] for r in classes] == ["bird", "cat", "d\\|o\\<g>\\_x"]  # escaped: no new column, no tag
    flips = md_rows(text, "### Shadow traffic")
    assert [r[0] for r in flips] == [r[0] for r in classes]
    assert sum(int(n) for r in flips for n in r[1:]) == doc["agreement"]["pairs"]
    why = lines[lines.index("### Why") + 2 :]
    assert len([w for w in why if w.startswith("- ")]) == sum(m["verdict"] != "pass" for m in doc["metrics"])


# --- junit -------------------------------------------------------------------------------------------


def test_junit_a_case_per_metric_failures_and_skips(report, doc):
    root = ET.fromstring(junit.render(report).split("\n", 1)[1])
    assert schema_problems(root) == []
    suite = root.find("testsuite")
    assert suite.get("name") == "mlmon compare"
    cases = suite.findall("testcase")
    assert [c.get("classname") for c in cases] == [f"mlmon.{m['metric']}" for m in doc["metrics"]]
    kinds = {"pass": None, "fail": "failure", "marginal": "failure", "no data": "skipped"}
    for case, m in zip(cases, doc["metrics"], strict=True):
        assert case.get("name") == f"{m['metric']}[imgcls:1.5.0 vs imgcls:1.4.0]"
        kind = kinds[m["verdict"]]
        outcome = [child.tag for child in case if child.tag != "system-out"]
        assert outcome == ([kind] if kind else [])
        if kind == "failure":
            assert case.find("failure").get("type") == ("critical" if m["critical"] else "warning")
        body = "".join(case.itertext())
        value = doc["agreement"]["rate"] if m["metric"] == "agreement" else m["difference"]
        if m["verdict"] == "no data":  # too few values: no figure shown
            assert "value:" not in body
        elif value is not None:
            assert f"value: {value:.6g}" in body
    assert (suite.get("failures"), suite.get("skipped"), suite.get("tests")) == ("5", "2", "9")


def test_an_expected_split_adds_the_traffic_row(logs, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    split = build_compare(str(logs), CompareOptions(baseline="1.4.0", candidate="1.5.0", split="40%"))
    doc, text = split.to_dict(), terminal.render(split)
    t, m = doc["traffic"], metric(doc, "traffic_split")
    assert m["critical"] and m["verdict"] == "fail"  # 50% served, 40% expected, thousands of requests
    row = line_of(text, "traffic_split").removeprefix("traffic_split*").removesuffix(m["verdict"])
    assert_shows(row, [1 - t["share"], t["share"], t["share"] - t["expected"], t["p_value"]])
    assert line_of(text, "share of traffic").endswith("(expected 40.00%)")
    assert f"| traffic_split\\* | {1 - t['share']:.2%} | {t['share']:.2%} |" in markdown.render(split)
