"""``mlmon check`` with the label rules (issue 24), end to end: a service whose accuracy falls
on its third day, its labels six hours late in a file of their own; the accuracy rule fires
on day 3 (per-day accuracy against scikit-learn on a plain-Python join, intervals against
scipy's Wilson), exit 1, in every format; a labelling pipeline that stalls fires
label_coverage; and without a label rule's level, check does not read the join at all and
prints what it printed before."""

from __future__ import annotations

import json
import math
import random
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families
from scipy.stats import binomtest
from sklearn.metrics import accuracy_score
from typer.testing import CliRunner

from mlmon.analyses.labels import LabelJoinReducer
from mlmon.api.check import CheckOptions, build_check
from mlmon.cli import app

T0 = datetime(2026, 11, 2, tzinfo=UTC)
DAY = timedelta(days=1)
DAYS = [T0 + d * DAY for d in range(4)]
PER_DAY = 288  # one prediction every five minutes
SCOPE = "model_version=1.0"
RULES = """window = "1d"
[rules.accuracy]
warning = "90%"
critical = "85%"
"""


def iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def z(t: datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    """No config file or MLMON_* variable from the machine running the tests."""
    for name in ("MLMON_CONFIG", "MLMON_WINDOW", "MLMON_REFERENCE", "MLMON_FAIL_ON", "MLMON_EXIT_ON"):
        monkeypatch.delenv(name, raising=False)
    for name in ("MLMON_MAX_SILENCE", "MLMON_MIN_SAMPLES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    """Four days of a three-class model; 90% of predictions labelled six hours later in
    labels.log, right 95% of the time on days 1-2 and 70% on days 3-4; stalled.log holds
    the labels of days 1-2 only. Returns (folder, predictions, truth by id)."""
    folder = tmp_path_factory.mktemp("labels")
    rng = random.Random(24)
    predictions, labels, truth = [], [], {}
    for i in range(4 * PER_DAY):
        ts = T0 + timedelta(minutes=5 * i)
        label = rng.choice("ABC")
        predictions.append(
            {"ts": iso(ts), "event": "prediction", "request_id": f"r{i}", "label": label, "confidence": 0.9,
             "model_version": "1.0", "latency_ms": 20}
        )  # fmt: skip
        if rng.random() < 0.9:
            right = rng.random() < (0.95 if i < 2 * PER_DAY else 0.7)
            actual = label if right else rng.choice([c for c in "ABC" if c != label])
            labels.append(
                {"ts": iso(ts + timedelta(hours=6)), "event": "label", "request_id": f"r{i}", "actual": actual}
            )
            truth[f"r{i}"] = actual
    write = lambda name, rows: (folder / name).write_text("".join(json.dumps(r) + "\n" for r in rows))  # noqa: E731
    write("app.log", predictions)
    write("labels.log", labels)
    write("stalled.log", [r for r in labels if r["ts"] < iso(DAYS[2] + timedelta(hours=6))])
    return folder, predictions, truth


def run(*args: str) -> tuple[int, str]:
    done = CliRunner().invoke(app, ["check", *args])
    return done.exit_code, done.stdout + done.stderr


def config(tmp_path, text: str) -> str:
    path = tmp_path / "mlmon.toml"
    path.write_text(text)
    return str(path)


def by_day(predictions, truth):
    """Per day (by prediction time), the labelled (true, predicted) pairs and the predictions."""
    days: dict[datetime, tuple[list, list, int]] = {d: ([], [], 0) for d in DAYS}
    for p in predictions:
        day = datetime.fromisoformat(p["ts"].replace("Z", "+00:00")).replace(hour=0, minute=0)
        y_true, y_pred, n = days[day]
        if p["request_id"] in truth:
            y_true.append(truth[p["request_id"]])
            y_pred.append(p["label"])
        days[day] = (y_true, y_pred, n + 1)
    return days


def test_accuracy_fires_on_day_three_and_check_exits_1(service, tmp_path):
    folder, predictions, truth = service
    code, out = run(
        str(folder / "app.log"), str(folder / "labels.log"), "--config", config(tmp_path, RULES), "-f", "json"
    )
    assert code == 1, out
    doc = json.loads(out)
    (rule,) = [r for r in doc["rules"] if r["rule"] == "accuracy"]
    assert rule["scope"] == SCOPE and rule["severity"] == "critical"
    assert rule["fired"] == [z(DAYS[2]), z(DAYS[3])]
    windows = rule["windows"]
    assert [w["start"] for w in windows[:4]] == [z(d) for d in DAYS]
    assert [w["raw"] for w in windows] == ["ok", "ok", "critical", "critical", "unknown"]  # day 5: labels only
    for w, (y_true, y_pred, _) in zip(windows, by_day(predictions, truth).values(), strict=False):
        accuracy = accuracy_score(y_true, y_pred)
        assert w["value"] == pytest.approx(accuracy, abs=1e-12)
        correct = round(accuracy * len(y_true))
        ci = binomtest(correct, len(y_true)).proportion_ci(confidence_level=0.95, method="wilson")
        shown = f"accuracy {accuracy:.1%} (95% interval {ci.low:.1%}-{ci.high:.1%}, {len(y_true):,} labels)"
        assert w["reason"].startswith(shown), (w["reason"], shown)
    assert rule["value"] == min(w["value"] for w in windows[2:4]) and rule["threshold"] == 0.85
    assert not [r for r in doc["not_checked"] if r["rule"] in {"accuracy", "calibration_error", "label_coverage"}]
    (finding,) = [f for f in doc["findings"] if f["check"] == "accuracy"]
    assert finding["severity"] == "critical" and finding["scope"] == SCOPE
    code, text = run(str(folder / "app.log"), str(folder / "labels.log"), "--config", config(tmp_path, RULES))
    assert code == 1
    assert re.search(
        r"FAIL +│ accuracy +│ model_version=1\.0 +│ ··CC\? +│ fired in 2 of 5 windows, first at 2026-11-04 00:00",
        text,
    )


def test_every_format_lists_the_label_rules(service, tmp_path):
    folder, predictions, truth = service
    toml = config(tmp_path, RULES + '[rules.label_coverage]\ncritical = "50%"\n')
    logs = (str(folder / "app.log"), str(folder / "labels.log"))
    code, out = run(*logs, "--config", toml, "-f", "prometheus")
    assert code == 1
    status = {
        (s.labels["rule"], s.labels["scope"], s.labels["severity"]): s.value
        for family in text_string_to_metric_families(out)
        if family.name == "mlmon_rule_status"
        for s in family.samples
    }
    assert status[("accuracy", SCOPE, "critical")] == 1 and status[("accuracy", SCOPE, "ok")] == 0
    assert status[("label_coverage", SCOPE, "ok")] == 1
    code, out = run(*logs, "--config", toml, "-f", "nagios")
    assert code == 2 and out.startswith("MLMON CRITICAL - ")
    y_true, y_pred, n = by_day(predictions, truth)[DAYS[3]]  # the last judged window: the verdict's
    shown = re.search(r"'accuracy model_version:1\.0'=([0-9.]+)%;90:;85:;0;100", out)
    assert shown is not None and float(shown.group(1)) == pytest.approx(100 * accuracy_score(y_true, y_pred))
    shown = re.search(r"'label_coverage model_version:1\.0'=([0-9.]+)%;;50:;0;100", out)
    assert shown is not None and float(shown.group(1)) == pytest.approx(100 * len(y_true) / n)
    code, out = run(*logs, "--config", toml, "-f", "junit")
    assert code == 1
    cases = {case.get("name"): case for case in ET.fromstring(out).iter("testcase")}
    assert cases[f"accuracy[{SCOPE}]"].find("failure").get("type") == "critical"
    assert cases[f"label_coverage[{SCOPE}]"].find("failure") is None


def test_a_stalled_labelling_pipeline_fires_label_coverage(service, tmp_path):
    folder, predictions, truth = service
    toml = config(tmp_path, RULES + '[rules.label_coverage]\nwarning = "80%"\ncritical = "50%"\n')
    code, out = run(str(folder / "app.log"), str(folder / "stalled.log"), "--config", toml, "-f", "json")
    assert code == 1, out
    doc = json.loads(out)
    rules = {r["rule"]: r for r in doc["rules"]}
    coverage = rules["label_coverage"]
    days = by_day(predictions, truth)
    expected = [len(days[d][0]) / days[d][2] for d in DAYS[:2]] + [0.0, 0.0]
    assert [w["value"] for w in coverage["windows"]] == pytest.approx(expected)
    assert [w["raw"] for w in coverage["windows"]] == ["ok", "ok", "critical", "critical"]
    assert coverage["severity"] == "critical" and coverage["fired"] == [z(DAYS[2]), z(DAYS[3])]
    assert coverage["windows"][2]["reason"] == "0 of 288 predictions labelled (0.0%): below the 50.0% critical level"
    accuracy = rules["accuracy"]
    waits = max(math.ceil(0.5 * PER_DAY), 30)
    assert [w["raw"] for w in accuracy["windows"]] == ["ok", "ok", "unknown", "unknown"]
    assert accuracy["windows"][3]["reason"] == (
        f"waits for {waits} labels (0 of 288 predictions labelled, 0.0%): not judged yet"
    )
    assert accuracy["severity"] == "ok"  # exit_on last: the last judged window; the stall is label_coverage's


def test_label_coverage_waits_for_the_delay_at_the_time_of_the_run(service):
    folder, _, _ = service
    rules = {"label_coverage": {"critical": "50%"}}
    logs = [str(folder / "app.log"), str(folder / "stalled.log")]
    soon = build_check(logs, CheckOptions(window="1d", rules=rules, now=DAYS[3] + DAY + timedelta(hours=12)))
    (outcome,) = [o for o in soon.outcomes if o.rule == "label_coverage"]
    assert [w.raw.value for w in outcome.windows] == ["ok", "ok", "critical", "unknown"]  # day 4 ended 12h ago
    later = build_check(logs, CheckOptions(window="1d", rules={**rules, "labels": {"delay": "12h"}}, now=soon.now))
    (outcome,) = [o for o in later.outcomes if o.rule == "label_coverage"]
    assert [w.raw.value for w in outcome.windows] == ["ok", "ok", "critical", "critical"]


def test_without_a_label_rules_level_check_reads_no_join_and_prints_what_it_did(service, tmp_path, monkeypatch):
    folder, _, _ = service
    logs = (str(folder / "app.log"), str(folder / "labels.log"))
    plain = config(tmp_path, 'window = "1d"\n')
    before = [run(*logs, "--config", plain, *fmt) for fmt in ((), ("-f", "junit"), ("-f", "markdown"))]

    def refuse(self, records):
        raise AssertionError("the label join was read")

    monkeypatch.setattr(LabelJoinReducer, "from_chunk", refuse)
    (tmp_path / "off").mkdir()
    off = config(
        tmp_path / "off",
        'window = "1d"\n[rules.accuracy]\nmin_labelled = 10\n[rules.calibration_error]\nmin_coverage = "10%"\n'
        '[rules.label_coverage]\ndelay = "2d"\nenabled = false\n',
    )
    after = [run(*logs, "--config", off, *fmt) for fmt in ((), ("-f", "junit"), ("-f", "markdown"))]
    assert after == before
    assert before[0][0] == 0 and "accuracy" not in before[0][1] and "label_coverage" not in before[0][1]
    done = CliRunner().invoke(app, ["check", *logs, "--config", config(tmp_path, RULES)])  # a level: the join is read
    assert "the label join was read" in str(done.exception)
