"""``mlmon performance`` in every output format (issue 24): Markdown tables per version,
JUnit test cases per window (schema-valid), Prometheus gauges (parsed with
prometheus_client), Nagios plugin line and perfdata, and the HTML section. The logs are made
by hand so each window's accuracy is known; the Wilson intervals are scipy's, and the
formats agree with the JSON document."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from prometheus_client.parser import text_string_to_metric_families
from scipy.stats import binomtest

from mlmon.api.performance import PerformanceOptions, build_performance
from mlmon.render import github, html, junit, markdown, nagios, prometheus
from mlmon.render.performance_parts import window_findings
from tests.render.test_junit_markdown import schema_problems

T0 = datetime(2026, 11, 2, tzinfo=UTC)
PLAN = {
    # version: [(predictions, labelled, correct) per day]
    "1.0": [(100, 80, 72), (100, 60, 45), (100, 10, 9)],
    "2.0": [(100, 100, 50), (100, 0, 0)],
}
"""Day 0 of 1.0: 90% (ok against 80%); day 1: 75% with an interval reaching 80% (warning);
day 2: 10 labels of 100 (waits for 40). 2.0: 50% of 100 (critical), then no label (waits for
50, 51 with the prediction whose labels conflict)."""
ORPHANS, DUPLICATED = 3, 2


def iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def labelled_logs(folder: Path) -> Path:
    """Predictions as :data:`PLAN` says (binary ``cat``/``dog``), their labels a day later in
    another file, :data:`ORPHANS` labels without a prediction, :data:`DUPLICATED` labels
    logged twice, and one prediction of 2.0 on its last day whose two labels disagree."""
    predictions, labels = [], []
    for version, days in PLAN.items():
        for day, (n, labelled, correct) in enumerate(days):
            for i in range(n):
                ts = T0 + timedelta(days=day, minutes=10 * i + (1 if version == "2.0" else 0))
                rid = f"{version}-{day}-{i}"
                label = "cat" if i % 2 else "dog"
                confidence = 0.55 + 0.4 * (i % 10) / 10
                predictions.append(
                    {"ts": iso(ts), "event": "prediction", "request_id": rid, "label": label, "model_version": version}
                    | {"confidence": confidence}
                )
                if i < labelled:
                    actual = label if i < correct else ("dog" if label == "cat" else "cat")
                    labels.append(
                        {"ts": iso(ts + timedelta(days=1)), "event": "label", "request_id": rid, "actual": actual}
                    )
                    if version == "1.0" and day == 0 and i < DUPLICATED:
                        labels.append(dict(labels[-1]))
    last = T0 + timedelta(days=1, hours=23)
    predictions.append(
        {"ts": iso(last), "event": "prediction", "request_id": "torn", "label": "cat"} | {"model_version": "2.0"}
    )
    labels += [{"ts": iso(last), "event": "label", "request_id": "torn", "actual": a} for a in ("cat", "dog")]
    labels += [{"ts": iso(T0), "event": "label", "request_id": f"gone{k}", "actual": "cat"} for k in range(ORPHANS)]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "app.log").write_text("".join(json.dumps(r) + "\n" for r in predictions))
    (folder / "labels.log").write_text("".join(json.dumps(r) + "\n" for r in labels))
    return folder


@pytest.fixture(scope="module")
def logs(tmp_path_factory) -> Path:
    return labelled_logs(tmp_path_factory.mktemp("perf") / "logs")


@pytest.fixture(scope="module")
def judged(logs):
    return build_performance(str(logs), PerformanceOptions(window="1d", min_accuracy="80%"))


@pytest.fixture(scope="module")
def unjudged(logs):
    return build_performance(str(logs), PerformanceOptions(window="1d"))


def wilson(correct: int, n: int) -> tuple[float, float]:
    ci = binomtest(correct, n).proportion_ci(method="wilson")
    return ci.low, ci.high


def test_the_logs_give_the_planned_windows(judged):
    """The fixture is what the tests below assume: accuracies and verdicts by hand."""
    doc = judged.to_dict()
    got = [
        (w["model_version"], w["predictions"], w["labelled"], w["waiting_for"], w["severity"]) for w in doc["windows"]
    ]
    assert got == [
        ("1.0", 100, 80, 0, "ok"),
        ("1.0", 100, 60, 0, "warning"),
        ("1.0", 100, 10, 40, "unknown"),
        ("2.0", 100, 100, 0, "critical"),
        ("2.0", 101, 0, 51, "unknown"),
    ]
    assert [w["accuracy"] for w in doc["windows"][:4]] == pytest.approx([0.9, 0.75, 0.9, 0.5])
    assert (doc["labels"]["orphan_labels"], doc["labels"]["duplicate_labels"]) == (ORPHANS, DUPLICATED)
    assert doc["labels"]["conflicting_labels"] == 2


# --- markdown -------------------------------------------------------------------------------------


def markdown_table(text: str, heading: str) -> list[list[str]]:
    lines = text.splitlines()
    start = lines.index(heading) + 2
    assert lines[start].startswith("| window | preds |") and lines[start + 1].startswith("|---|---:|")
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([c.strip() for c in line.strip()[1:-1].split("|")])
    return rows


def test_markdown_has_a_table_per_version_with_a_row_per_window(judged):
    text = markdown.render(judged)
    assert text.startswith("## mlmon performance: critical\n")
    first = markdown_table(text, "### Realized performance, model version 1.0")
    low, high = wilson(72, 80)
    assert first[0][:7] == ["2026-11-02", "100", "0", "80", "80%", "90.0%", f"{low:.1%}-{high:.1%}"]
    assert [row[-1] for row in first] == ["ok", "warning", "waits for 40"]
    second = markdown_table(text, "### Realized performance, model version 2.0")
    assert [row[-1] for row in second] == ["critical", "waits for 51"]
    assert second[1][5:13] == [""] * 8  # no label: no figure
    assert f"- labels: {judged.counts.label_records:,} records for" in text and "3 with no prediction" in text
    assert text.index("### Realized performance") < text.index("| status | check | scope | finding |")
    finding_rows = [line for line in text.splitlines() if line.startswith("| **critical** | `accuracy`")]
    assert len(finding_rows) == 1 and "model\\_version=2.0" not in finding_rows[0]


def test_markdown_without_a_minimum_says_no_check_ran(unjudged):
    text = markdown.render(unjudged)
    assert text.startswith("## mlmon performance: no checks\n") and "| judged |" in text
    assert text.rstrip().endswith("No checks ran: give a budget, a limit or a reference to check against.")


def test_markdown_in_github_actions_annotates_the_breaches(judged, tmp_path, monkeypatch):
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    written: list[str] = []
    text = markdown.render(judged)
    assert markdown.deliver_beside(judged, text, written.append) == []
    lines = "".join(written).splitlines()
    assert [line.split("::")[1] for line in lines] == [
        "warning title=accuracy (model_version=1.0)",
        "error title=accuracy (model_version=2.0)",
    ]
    assert summary.read_text() == text and github.github_annotations(judged) == lines


# --- junit ----------------------------------------------------------------------------------------


def test_junit_has_a_case_per_version_finding_and_per_window(judged):
    root = ET.fromstring(junit.render(judged).encode())
    assert schema_problems(root) == []
    suite = root.find("testsuite")
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert len(cases) == 2 + 5
    kinds = {name: [c.tag for c in case] for name, case in cases.items()}
    assert kinds["accuracy[model_version=1.0]"] == ["failure"]  # the warning day
    assert kinds["accuracy[model_version=2.0]"] == ["failure"]
    assert kinds["accuracy[model_version=1.0 window=2026-11-02T00:00:00Z]"] == ["system-out"]
    warned = cases["accuracy[model_version=1.0 window=2026-11-03T00:00:00Z]"].find("failure")
    assert warned.get("type") == "warning" and "may be below 80.0%" in warned.get("message")
    skipped = cases["accuracy[model_version=2.0 window=2026-11-03T00:00:00Z]"].find("skipped")
    assert skipped.get("message") == "waits for 51 labels"
    assert cases["accuracy[model_version=1.0 window=2026-11-04T00:00:00Z]"].find("skipped").get("message") == (
        "waits for 40 labels"
    )
    counts = {k: suite.get(k) for k in ("tests", "failures", "errors", "skipped")}
    assert counts == {"tests": "7", "failures": "4", "errors": "0", "skipped": "2"}
    assert suite.find("properties/property[@name='mlmon.status']").get("value") == "critical"


def test_junit_without_a_minimum_has_no_case(unjudged):
    assert window_findings(unjudged) == ()
    root = ET.fromstring(junit.render(unjudged).encode())
    assert root.get("tests") == "0" and schema_problems(root) == []


# --- prometheus -----------------------------------------------------------------------------------


def samples(text: str) -> dict[tuple[str, tuple], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def key(name: str, version: str, window: str) -> tuple[str, tuple]:
    return name, (("model_version", version), ("window", window))


def test_prometheus_gauges_per_version_for_the_last_judged_and_the_last_window(judged):
    text = prometheus.render(judged)
    got = samples(text)
    doc = judged.to_dict()["windows"]
    assert got[key("mlmon_accuracy", "1.0", "last_mature")] == pytest.approx(0.75)
    low, high = wilson(45, 60)
    assert got[key("mlmon_accuracy_lower", "1.0", "last_mature")] == pytest.approx(low, abs=1e-12)
    assert got[key("mlmon_accuracy_upper", "1.0", "last_mature")] == pytest.approx(high, abs=1e-12)
    assert got[key("mlmon_accuracy", "1.0", "last")] == pytest.approx(0.9)  # 9 of 10, not judged yet
    assert got[key("mlmon_labels_waiting", "1.0", "last")] == 40
    assert got[key("mlmon_labels_waiting", "2.0", "last")] == 51
    assert got[key("mlmon_label_coverage", "2.0", "last_mature")] == 1.0
    assert key("mlmon_accuracy", "2.0", "last") not in got  # no label: left out, never NaN
    assert got[key("mlmon_macro_f1", "2.0", "last_mature")] == pytest.approx(doc[3]["macro_f1"])
    assert got[key("mlmon_brier_score", "1.0", "last_mature")] == pytest.approx(doc[1]["brier"])
    assert got[key("mlmon_label_lag_p95_seconds", "1.0", "last_mature")] == pytest.approx(86400.0)
    assert got[key("mlmon_performance_window_start_timestamp_seconds", "2.0", "last")] == (
        (T0 + timedelta(days=1)).timestamp()
    )
    assert got[("mlmon_orphan_labels", ())] == ORPHANS and got[("mlmon_duplicate_labels", ())] == DUPLICATED
    assert got[("mlmon_conflicting_labels", ())] == 2
    status = {k[1]: v for k, v in got.items() if k[0] == "mlmon_rule_status" and v == 1}
    assert status == {
        (("rule", "accuracy"), ("scope", "model_version=1.0"), ("severity", "warning")): 1,
        (("rule", "accuracy"), ("scope", "model_version=2.0"), ("severity", "critical")): 1,
    }
    names = re.findall(r"^# TYPE (\S+) (\S+)$", text, re.M)
    assert len(names) == len({n for n, _ in names}) and {t for _, t in names} == {"gauge"}
    assert all(n in prometheus.HELP for n, _ in names) and "NaN" not in text


# --- nagios ---------------------------------------------------------------------------------------

NUMBER = r"-?[0-9]+(?:\.[0-9]+)?"
LEVEL = rf"(?:{NUMBER}:?)?"
PERF = rf"(?:'(?:[^'=\n]|'')+'|[^'= |\n]+)={NUMBER}%?(?:;{LEVEL}){{0,2}}(?:;(?:{NUMBER})?){{0,2}}"
LINE = re.compile(rf"^MLMON (OK|WARNING|CRITICAL|UNKNOWN) - ([^|\n;]+?) \| ({PERF}(?: {PERF})*)\n$")


def perfdata(text: str) -> dict[str, list[str]]:
    items = re.findall(r"('(?:[^']|'')+'|\S+)=(\S+)", text.split(" | ", 1)[1])
    return {label.strip("'"): value.split(";") for label, value in items}


def test_nagios_line_state_and_perfdata_per_version(judged):
    text = nagios.render(judged)
    match = LINE.match(text)
    assert match and match.group(1) == "CRITICAL" and nagios.exit_code(judged) == 2
    assert match.group(2).startswith("1 critical (and 1 warning): accuracy[model_version=2.0]: accuracy 50.0%")
    perf = perfdata(text)
    high = wilson(45, 60)[1]
    assert perf["accuracy model_version:1.0"] == ["75%", "80:", "", "0", "100"]  # the worst judged window
    assert float(perf["accuracy_upper model_version:1.0"][0].rstrip("%")) == pytest.approx(high * 100, abs=1e-7)
    assert perf["accuracy_upper model_version:1.0"][1:] == ["", "80:", "0", "100"]
    assert perf["accuracy model_version:2.0"][:2] == ["50%", "80:"]
    assert perf["label_coverage model_version:1.0"] == ["10%", "", "", "0", "100"]
    assert perf["label_coverage model_version:2.0"][0] == "0%"


def test_nagios_without_a_minimum_is_unknown_with_the_last_judged_figures(unjudged):
    text = nagios.render(unjudged)
    assert text.startswith(f"MLMON UNKNOWN - {nagios.NO_ACCURACY_CHECK} | ") and nagios.exit_code(unjudged) == 3
    perf = perfdata(text)
    assert perf["accuracy model_version:1.0"] == ["75%", "", "", "0", "100"]
    assert perf["accuracy model_version:2.0"] == ["50%", "", "", "0", "100"]


def test_nagios_minimum_levels_are_ranges_and_others_are_unchanged():
    assert nagios.perf_item("accuracy", 75.0, "%", 80.0, None, 0, 100, minimum=True) == "accuracy=75%;80:;;0;100"
    assert nagios.perf_item("error_rate", 1.5, "%", None, 2.0, 0, 100) == "error_rate=1.5%;;2;0;100"


# --- html -----------------------------------------------------------------------------------------

SVG = "{http://www.w3.org/2000/svg}"


def test_html_has_a_section_per_version_with_the_accuracy_chart_and_band(judged):
    text = html.render(judged)
    root = ET.fromstring(text.split("\n", 1)[1])
    sections = root.findall(".//section[@class='version']")
    assert [s.get("id") for s in sections] == ["performance", "performance-2"]
    assert [s.find("h2").text for s in sections] == [
        "Realized performance, model version 1.0",
        "Realized performance, model version 2.0",
    ]
    svg = sections[0].find(f".//{SVG}svg")
    assert svg.get("aria-label") == "Accuracy per window (model version 1.0)"
    points = [c for c in svg.iter(f"{SVG}circle")]
    assert [c.get("class") for c in points] == ["pt s0", "pt s0", "pt s2"]  # two judged, one waiting
    band = [p for p in svg.iter(f"{SVG}path") if "band" in p.get("class").split()]
    assert len(band) == 1 and band[0].get("d").count("Z") == 1  # one run of three windows
    bound = [e for e in svg.iter(f"{SVG}line") if e.get("class") == "bound"]
    assert len(bound) == 1 and bound[0].find(f"{SVG}title").text == "minimum 80.0%"
    rows = sections[0].findall(".//tbody/tr")
    assert ["".join(td.itertext()) for td in rows[1]][5] == "75.0%"
    assert ["".join(td.itertext()) for td in rows[2]][-1] == "waits for 40"
    assert root.find(".//section[@id='findings']") is not None
    assert '<a href="#performance">' in text


def test_html_band_lies_between_the_interval_ends():
    """The band's top is the interval's high end and its bottom the low end, in chart units."""
    from mlmon.render.html_charts import Band, Series, line_chart

    svg = ET.fromstring(
        line_chart("c", ["a", "b"], [Series("s", [0.5, 0.5])], str, bands=[Band("b", [0.25, None], [0.75, None])])
    )
    d = next(p for p in svg.iter(f"{SVG}path") if "band" in p.get("class")).get("d")
    ys = sorted({float(v) for v in re.findall(r"[ML][-0-9.]+ ([-0-9.]+)", d)})
    plot_h, top = 210 - 26 - 38, 26
    assert ys == pytest.approx([top + plot_h * 0.25, top + plot_h * 0.75], abs=0.06)


# --- CBPE's estimates in every format ---------------------------------------------------------------

EST_DAYS = {"1.0": [(2, 2, 1000, 1000), (6, 6, 1000, 1000), (2, 2, 300, 20)], "2.0": [(2, 2, 1000, 1000)]}
"""version: [(beta a, beta b, predictions, labelled) per day]. 1.0: day 0 like validation,
day 1 a covariate shift to less confident inputs (the estimate falls below the reference's
band: critical), day 2 waits for its labels (an estimate, no gap); 2.0: a concept shift
(a third of the truths flipped), which only the gap sees (warning)."""


def calibrated_story(folder: Path) -> tuple[Path, Path, dict[tuple[str, int], float]]:
    """A perfectly calibrated binary model's validation CSV made into a calibrated reference,
    and logs as :data:`EST_DAYS` says; the realized accuracy of each labelled window by numpy."""
    from typer.testing import CliRunner

    from mlmon.cli import app

    rng = np.random.default_rng(7)
    p = rng.beta(2, 2, 4000)
    truth = rng.random(p.size) < p
    rows = [f"{1 - q:.6f},{q:.6f},{'yes' if q > 0.5 else 'no'},{'yes' if t else 'no'}" for q, t in zip(p, truth)]
    (folder / "validation.csv").write_text("\n".join(["p_no,p_yes,y_pred,y_true", *rows]) + "\n")
    args = ["--label", "y_pred", "--proba-cols", "p_no,p_yes", "--actual", "y_true", "-o", str(folder / "ref.json")]
    done = CliRunner().invoke(app, ["reference", "build", str(folder / "validation.csv"), *args])
    assert done.exit_code == 0, done.stderr
    records, realized = [], {}
    for version, days in EST_DAYS.items():
        for day, (a, b, n, labelled) in enumerate(days):
            q = rng.beta(a, b, n)
            t = rng.random(n) < q
            if version == "2.0":
                t = np.where(rng.random(n) < 1 / 3, ~t, t)
            predicted = q > 0.5
            realized[(version, day)] = float(np.mean(predicted[:labelled] == t[:labelled]))
            for i in range(n):
                ts, rid = T0 + timedelta(days=day, seconds=60 * i), f"{version}-{day}-{i}"
                label = "yes" if predicted[i] else "no"
                records.append(
                    {"ts": iso(ts), "request_id": rid, "label": label, "model_version": version}
                    | {"confidence": max(q[i], 1 - q[i]), "probabilities": {"no": 1 - q[i], "yes": q[i]}}
                )
                if i < labelled:
                    actual = "yes" if t[i] else "no"
                    records.append({"ts": iso(ts + timedelta(days=1)), "request_id": rid, "actual": actual})
    (folder / "app.log").write_text("".join(json.dumps(r) + "\n" for r in records))
    return folder / "app.log", folder / "ref.json", realized


@pytest.fixture(scope="module")
def story(tmp_path_factory):
    return calibrated_story(tmp_path_factory.mktemp("cbpe"))


@pytest.fixture(scope="module")
def estimated(story):
    log, ref, _ = story
    return build_performance(str(log), PerformanceOptions(window="1d", min_accuracy="60%", reference=str(ref)))


def windows_of(report) -> dict[tuple[str, int], dict]:
    """The JSON document's windows by (version, day)."""
    return {
        (w["model_version"], (datetime.fromisoformat(w["start"]) - T0).days): w for w in report.to_dict()["windows"]
    }


def test_the_estimated_story_gives_the_planned_verdicts(estimated, story):
    """What the tests below assume: the realized accuracies are numpy's, day 1 of 1.0 is
    estimated below the band, 2.0's gap is a warning, day 2 of 1.0 has an estimate and no gap."""
    _, _, realized = story
    got = windows_of(estimated)
    for (version, day), accuracy in realized.items():
        assert got[(version, day)]["accuracy"] == pytest.approx(accuracy, abs=1e-12)
    e = got[("1.0", 1)]["estimated"]
    assert e["estimated_accuracy"] < e["accuracy_low"]
    assert got[("1.0", 2)]["waiting_for"] > 0 and got[("1.0", 2)]["gap"] is None
    assert got[("1.0", 2)]["estimated"]["estimated_accuracy"] == pytest.approx(0.75, abs=0.06)  # Beta(2, 2): E max
    severities = {(f.check, f.scope): f.severity.value for f in estimated.findings}
    assert severities[("estimated_accuracy", "model_version=1.0")] == "critical"
    assert severities[("estimate_gap", "model_version=2.0")] == "warning"


def test_markdown_and_html_tables_have_estimate_band_and_gap(estimated, story):
    _, _, realized = story
    got = windows_of(estimated)
    table = markdown_table(markdown.render(estimated), "### Realized performance, model version 1.0")
    lines = markdown.render(estimated).splitlines()
    header = lines[lines.index("### Realized performance, model version 1.0") + 2]
    assert header.endswith("| lag p95 | estimate | band | gap | state |")
    for day, row in enumerate(table):
        e = got[("1.0", day)]["estimated"]
        assert row[13:15] == [f"{e['estimated_accuracy']:.1%}", f"{e['accuracy_low']:.1%}-{e['accuracy_high']:.1%}"]
    gap = got[("1.0", 0)]["estimated"]["estimated_accuracy"] - realized[("1.0", 0)]
    assert table[0][15] == f"{gap * 100:+.1f} pt" and table[2][15] == ""  # no gap while waiting for labels
    root = ET.fromstring(html.render(estimated).split("\n", 1)[1])
    section = root.find(".//section[@id='performance']")
    heads = ["".join(th.itertext()) for th in section.findall(".//thead/tr/th")]
    assert heads[-4:] == ["estimate", "band", "gap", "state"]
    cells = [["".join(td.itertext()) for td in tr] for tr in section.findall(".//tbody/tr")]
    assert [c[13:16] for c in cells] == [r[13:16] for r in table]


def test_html_draws_the_estimate_as_a_second_line_with_the_reference_band(estimated):
    """Each window's estimate is a point of the green line at its height in chart units; the
    reference's band spans its two ends."""
    from mlmon.render.html_charts import BOTTOM, TOP, nice_top

    got = windows_of(estimated)
    root = ET.fromstring(html.render(estimated).split("\n", 1)[1])
    svg = root.find(f".//section[@id='performance']//{SVG}svg")
    values = [got[("1.0", d)] for d in range(3)]
    highest = max(
        [w["accuracy_high"] for w in values]
        + [w["estimated"][k] for w in values for k in ("estimated_accuracy", "accuracy_high")]
    )
    top, plot_h = nice_top(highest), 210 - TOP - BOTTOM

    def y(v: float) -> float:
        return TOP + plot_h - plot_h * v / top

    points = [float(c.get("cy")) for c in svg.iter(f"{SVG}circle") if c.get("class") == "pt s3"]
    assert points == pytest.approx([y(w["estimated"]["estimated_accuracy"]) for w in values], abs=0.06)
    band = next(p for p in svg.iter(f"{SVG}path") if p.get("class") == "band s3")
    ys = sorted({float(v) for v in re.findall(r"[ML][-0-9.]+ ([-0-9.]+)", band.get("d"))})
    e = values[0]["estimated"]
    assert ys == pytest.approx([y(e["accuracy_high"]), y(e["accuracy_low"])], abs=0.06)
    legend = [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "legend"]
    assert "estimated accuracy (CBPE)" in legend


def test_html_without_estimates_has_no_estimate_line(judged):
    text = html.render(judged)
    assert "pt s3" not in text and "band s3" not in text and '<th class="num">estimate</th>' not in text


def test_prometheus_estimate_gauges_per_version(estimated, story):
    _, _, realized = story
    got, doc = samples(prometheus.render(estimated)), windows_of(estimated)
    last = doc[("1.0", 2)]["estimated"]  # the last window with an estimate, not judged yet
    assert got[key("mlmon_estimated_accuracy", "1.0", "last_estimated")] == last["estimated_accuracy"]
    assert got[key("mlmon_estimated_accuracy_band_lower", "1.0", "last_estimated")] == last["accuracy_low"]
    assert got[key("mlmon_estimated_accuracy_band_upper", "1.0", "last_estimated")] == last["accuracy_high"]
    assert got[key("mlmon_performance_window_start_timestamp_seconds", "1.0", "last_estimated")] == (
        (T0 + timedelta(days=2)).timestamp()
    )
    gap = doc[("1.0", 1)]["estimated"]["estimated_accuracy"] - realized[("1.0", 1)]
    assert got[key("mlmon_estimate_gap", "1.0", "last_mature")] == pytest.approx(gap, abs=1e-12)
    gap2 = doc[("2.0", 0)]["estimated"]["estimated_accuracy"] - realized[("2.0", 0)]
    assert got[key("mlmon_estimate_gap", "2.0", "last_mature")] == pytest.approx(gap2, abs=1e-12) and gap2 > 0.1
    assert not any(k[0] == "mlmon_estimate_gap" and ("window", "last_estimated") in k[1] for k in got)
    status = {k[1] for k, v in got.items() if k[0] == "mlmon_rule_status" and v == 1}
    assert (("rule", "estimated_accuracy"), ("scope", "model_version=1.0"), ("severity", "critical")) in status


def test_prometheus_estimates_pass_promtool(estimated, tmp_path):
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool not installed")
    path = tmp_path / "perf.prom"
    path.write_text(prometheus.render(estimated))
    done = subprocess.run([promtool, "check", "metrics"], stdin=path.open(), capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_nagios_estimated_accuracy_perfdata_against_the_band(estimated):
    doc = windows_of(estimated)
    perf = perfdata(nagios.render(estimated))
    lowest = min(doc[("1.0", d)]["estimated"]["estimated_accuracy"] for d in range(3))
    value, warn, crit, low, high = perf["estimated_accuracy model_version:1.0"]
    assert float(value.rstrip("%")) == pytest.approx(lowest * 100, abs=1e-7) and value.endswith("%")
    band_low = doc[("1.0", 0)]["estimated"]["accuracy_low"]
    assert warn == "" and float(crit.rstrip(":")) == pytest.approx(band_low * 100, abs=1e-7) and crit.endswith(":")
    assert (low, high) == ("0", "100")
    assert float(value.rstrip("%")) < float(crit.rstrip(":"))  # below the band: the critical the state says
    assert LINE.match(nagios.render(estimated)).group(1) == "CRITICAL"


def test_junit_has_the_estimate_findings_as_cases(estimated):
    root = ET.fromstring(junit.render(estimated).encode())
    assert schema_problems(root) == []
    cases = {c.get("name"): [child.tag for child in c] for c in root.iter("testcase")}
    assert cases["estimated_accuracy[model_version=1.0]"] == ["failure"]
    assert cases["estimate_gap[model_version=2.0]"] == ["failure"]
    assert cases["estimated_accuracy[model_version=2.0]"] == ["system-out"]
    failed = root.find(".//testcase[@name='estimate_gap[model_version=2.0]']/failure")
    assert failed.get("type") == "warning" and "concept drift" in failed.get("message")


def test_terminal_and_the_other_formats_share_one_labels_line(judged):
    from mlmon.render import performance_parts, terminal_performance
    from mlmon.render.terminal_fit import PIPED_WIDTH
    from mlmon.render.terminal_parts import to_text

    assert terminal_performance.labels_line is performance_parts.labels_line
    text = to_text(terminal_performance.performance_parts(judged, PIPED_WIDTH), color=False, width=PIPED_WIDTH)
    assert performance_parts.labels_line(judged) in text
