"""The sample week's performance story, against the generator's own truth
(``python sample_logs/generate.py --truth``): per day the labelled predictions, the realized
accuracy and the label lag as the generator drew them, and the verdicts the README tells."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from mlmon.cli import app
from tests.conftest import REPO, SAMPLE_LOGS, sample_truth


@pytest.fixture(scope="module")
def story():
    truth = sample_truth()["labels"]
    args = ["performance", str(SAMPLE_LOGS), "-r", str(REPO / "references" / "train.json"), "--window", "1d"]
    done = CliRunner().invoke(app, [*args, "-f", "json"])
    return truth, json.loads(done.stdout), done.exit_code


def test_each_day_is_what_the_generator_drew(story):
    truth, doc, _ = story
    windows = {(w["model_version"], w["start"][:10]): w for w in doc["windows"]}
    drawn_days = {(v, day): drawn for v, days in truth["per_version_day"].items() for day, drawn in days.items()}
    assert set(windows) == set(drawn_days)  # 1.4.0 every day, the canary 1.5.0 on Sunday
    for key, drawn in drawn_days.items():
        w = windows[key]
        assert (w["predictions"], w["labelled"]) == (drawn["predictions"], drawn["labelled"]), key
        assert w["accuracy"] == pytest.approx(drawn["accuracy_labelled"], abs=5e-5), key
        assert w["lag_p50_s"] / 3600 == pytest.approx(drawn["lag_h_p50"], abs=0.05), key
    assert doc["labels"]["label_records"] == truth["label_records"]
    assert doc["labels"]["orphan_labels"] == truth["orphans"]
    assert doc["labels"]["duplicate_labels"] == truth["duplicates_same_value"]
    assert doc["labels"]["conflicting_ids"] == truth["conflicting"]


def test_the_estimate_falls_on_thursday_and_the_labels_show_the_gap(story):
    _, doc, code = story
    findings = {(f["check"], f["scope"]): f for f in doc["findings"]}
    estimated = findings[("estimated_accuracy", "model_version=1.4.0")]
    gap = findings[("estimate_gap", "model_version=1.4.0")]
    assert code == 1 and estimated["severity"] == "critical"
    assert "from window 2026-11-12" in estimated["message"]
    assert gap["severity"] == "warning" and "2026-11-12" in gap["message"]
    by_day = {w["start"][:10]: w for w in doc["windows"] if w["model_version"] == "1.4.0"}
    before, thursday = by_day["2026-11-11"], by_day["2026-11-12"]
    assert before["estimated"]["estimated_accuracy"] >= before["estimated"]["accuracy_low"]
    assert thursday["estimated"]["estimated_accuracy"] < thursday["estimated"]["accuracy_low"]
    assert [by_day[d]["waiting_for"] > 0 for d in sorted(by_day)] == [False] * 4 + [True] * 3
    (canary,) = [w for w in doc["windows"] if w["model_version"] == "1.5.0"]
    assert canary["waiting_for"] > 0  # Sunday's canary: 1 of 809 predictions labelled by the week's end
