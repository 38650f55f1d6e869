"""The sample week's performance story, against the generator's own truth
(``python sample_logs/generate.py --truth``): per day the labelled predictions, the realized
accuracy and the label lag as the generator drew them, and the verdicts the README tells."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from mlmon.cli import app
from tests.conftest import REPO, SAMPLE_LOGS


@pytest.fixture(scope="module")
def story():
    truth = json.loads(
        subprocess.run(
            [sys.executable, str(REPO / "sample_logs" / "generate.py"), "--truth"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )["labels"]
    args = ["performance", str(SAMPLE_LOGS), "-r", str(REPO / "references" / "train.json"), "--window", "1d"]
    done = CliRunner().invoke(app, [*args, "-f", "json"])
    return truth, json.loads(done.stdout), done.exit_code


def test_each_day_is_what_the_generator_drew(story):
    truth, doc, _ = story
    windows = {w["start"][:10]: w for w in doc["windows"]}
    assert set(windows) == set(truth["per_day"])
    for day, drawn in truth["per_day"].items():
        w = windows[day]
        assert (w["predictions"], w["labelled"]) == (drawn["predictions"], drawn["labelled"]), day
        assert w["accuracy"] == pytest.approx(drawn["accuracy_labelled"], abs=5e-5), day
        assert w["lag_p50_s"] / 3600 == pytest.approx(drawn["lag_h_p50"], abs=0.05), day
    assert doc["labels"]["label_records"] == truth["label_records"]
    assert doc["labels"]["orphan_labels"] == truth["orphans"]
    assert doc["labels"]["duplicate_labels"] == truth["duplicates_same_value"]
    assert doc["labels"]["conflicting_ids"] == truth["conflicting"]


def test_the_estimate_falls_on_thursday_and_the_labels_show_the_gap(story):
    _, doc, code = story
    findings = {f["check"]: f for f in doc["findings"]}
    assert code == 1 and findings["estimated_accuracy"]["severity"] == "critical"
    assert "from window 2026-11-12" in findings["estimated_accuracy"]["message"]
    assert findings["estimate_gap"]["severity"] == "warning" and "2026-11-12" in findings["estimate_gap"]["message"]
    by_day = {w["start"][:10]: w for w in doc["windows"]}
    before, thursday = by_day["2026-11-11"], by_day["2026-11-12"]
    assert before["estimated"]["estimated_accuracy"] >= before["estimated"]["accuracy_low"]
    assert thursday["estimated"]["estimated_accuracy"] < thursday["estimated"]["accuracy_low"]
    assert [by_day[d]["waiting_for"] > 0 for d in sorted(by_day)] == [False] * 4 + [True] * 3
