"""``mlmon drift`` and ``mlmon reference build`` end to end on the sample service."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import numpy as np
import pytest

from mlmon.cli import app
from mlmon.verdicts.findings import Severity
from tests.conftest import REPO, SAMPLE_LOGS, sample_cli

TRAIN_CSV = REPO / "references" / "train.csv"
TRAIN_PROFILE = REPO / "references" / "train.json"
SHIFT_DAY = datetime(2026, 11, 12, tzinfo=UTC)


def test_sample_drift_found_on_the_right_day_and_not_before(sample_drift):
    windows = [w for w in sample_drift.prediction.windows if w.model_version == "1.4.0"]
    assert len(windows) == 7
    assert sample_drift.prediction.first_breach.start == SHIFT_DAY
    for w in windows:
        expected = Severity.CRITICAL if w.start >= SHIFT_DAY else Severity.OK
        assert w.severity is expected, (w.start, w.psi, w.reason)
    # Sunday's canary: 1.5.0's 809 predictions (generate.py --truth), A 55 / B 25 / C 13 / D 7 %,
    # nearer the reference's 40 / 30 / 20 / 10 % than 1.4.0's post-shift shares: drift, not critical
    (canary,) = [w for w in sample_drift.prediction.windows if w.model_version == "1.5.0"]
    assert canary.n == 809 and canary.severity is Severity.WARNING and 0.01 <= canary.psi < 0.25


def test_sample_confidence_collapse_on_the_right_day(sample_drift):
    windows = sample_drift.confidence.windows
    assert sample_drift.confidence.baseline_source == "reference"
    assert sample_drift.confidence.first_collapse.start == SHIFT_DAY
    assert all((w.severity is Severity.CRITICAL) == (w.start >= SHIFT_DAY) for w in windows)
    assert all(w.direction == "down" for w in windows if w.start >= SHIFT_DAY)


def test_committed_profile_is_what_reference_build_makes(runner, tmp_path):
    out = tmp_path / "train.json"
    result = runner.invoke(
        app,
        ["reference", "build", str(TRAIN_CSV), "--proba-cols", "p_A,p_B,p_C,p_D", "--actual", "actual", "-o", str(out)],
    )
    assert result.exit_code == 0, result.output
    built, committed = json.loads(out.read_text()), json.loads(TRAIN_PROFILE.read_text())
    for key in ("created_at", "source"):
        built.pop(key, None), committed.pop(key, None)
    assert built == committed


def test_reference_class_shares_match_the_csv():
    import polars as pl

    labels = pl.read_csv(TRAIN_CSV)["label"].to_numpy()
    values, counts = np.unique(labels, return_counts=True)
    profile = json.loads(TRAIN_PROFILE.read_text())
    for value, count in zip(values, counts):
        assert profile["class_shares"][value] == pytest.approx(count / len(labels))


def test_reference_from_a_known_good_log_window(runner, tmp_path):
    out = tmp_path / "week1.json"
    result = runner.invoke(app, ["reference", "build", str(SAMPLE_LOGS), "--until", "2026-11-12", "-o", str(out)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        app, ["drift", "--reference", str(out), str(SAMPLE_LOGS), "--window", "1d", "--format", "json"]
    )
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    assert payload["prediction_drift"]["first_breach"]["start"] == "2026-11-12T00:00:00Z"


def test_drift_json_schema():
    result = sample_cli(
        "drift", "--reference", "references/train.json", "--window", "1d", "sample_logs/", "--format", "json"
    )
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    assert payload["mlmon_drift_version"] == 2 and payload["status"] == "critical"
    assert len(payload["prediction_drift"]["windows"]) == 8  # 1.4.0's 7 days and the 1.5.0 canary's Sunday
    assert {f["check"] for f in payload["findings"]} == {"prediction_drift", "confidence_collapse", "feature_drift"}
    assert "malformed JSON" in result.stderr


def test_drift_before_the_shift_exits_0(runner):
    result = runner.invoke(
        app, ["drift", "-r", str(TRAIN_PROFILE), str(SAMPLE_LOGS), "--until", "2026-11-12", "--window", "1d"]
    )
    assert result.exit_code == 0, result.output
    assert "no window breached" in result.stdout


def test_raw_training_data_as_reference_and_fail_on(runner):
    args = ["drift", "-r", str(TRAIN_CSV), "--proba-cols", "p_A,p_B,p_C,p_D", str(SAMPLE_LOGS), "--format", "json"]
    whole_week = runner.invoke(app, args)
    # One window over the whole week: half of it shifted, class PSI about 0.16, a warning;
    # the CSV's numeric columns are features too, and the new camera's width is critical.
    assert whole_week.exit_code == 1, whole_week.output
    payload = json.loads(whole_week.stdout)
    assert payload["reference"]["n_rows"] == 5000 and payload["status"] == "critical"
    assert payload["prediction_drift"]["severity"] == "warning" and payload["feature_drift"]["severity"] == "critical"
    before = runner.invoke(app, [*args, "--until", "2026-11-12"])
    assert before.exit_code == 0 and json.loads(before.stdout)["status"] == "ok", before.output


@pytest.mark.parametrize("content", [None, "{not json", '{"mlmon_reference_version": 99}'])
def test_bad_reference_is_exit_2(runner, tmp_path, content):
    path = tmp_path / "ref.json"
    if content is not None:
        path.write_text(content)
    result = runner.invoke(app, ["drift", "-r", str(path), str(SAMPLE_LOGS)])
    assert result.exit_code == 2
    assert result.stderr.startswith("mlmon: error: ") and str(path) in result.stderr


def test_fail_on_warning_and_no_reference(runner):
    no_ref = runner.invoke(app, ["drift", str(SAMPLE_LOGS), "--until", "2026-11-12", "--format", "json"])
    assert no_ref.exit_code == 0
    assert json.loads(no_ref.stdout)["prediction_drift"]["computable"] is False
