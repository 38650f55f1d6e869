"""Issue 21 §2d: a reference that does not describe the logs.

No class and no feature in common over the whole run: exit 2, one line naming both sides
(``ReferenceMismatchError`` from the Python twins). A partial overlap is said in every
output: the reference's classes no record shows and the logs' classes the reference lacks
(JSON keys ``only_in_reference`` / ``only_in_logs`` next to the features' own), counted by
hand here. A class missing from one window only is drift, judged as such, not a mismatch.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mlmon.api.check import CheckOptions, build_check
from mlmon.api.drift import DriftOptions, build_drift_report
from mlmon.cli import app
from mlmon.errors import InputError, ReferenceMismatchError

T0 = datetime(2026, 11, 10, tzinfo=UTC)


@pytest.fixture
def reference(tmp_path) -> Path:
    """400 training rows: classes A, B, C (200, 100, 100), one numeric feature x."""
    path = tmp_path / "train.csv"
    rows = ["label,confidence,x"] + [f"{'A' if i < 200 else 'B' if i < 300 else 'C'},0.9,{i % 17}" for i in range(400)]
    path.write_text("\n".join(rows) + "\n")
    return path


def _logs(write_lines, name: str, labels: list[str], features: dict | None = None, per_day: int | None = None) -> Path:
    per_day = per_day or len(labels)
    lines = []
    for i, label in enumerate(labels):
        ts = T0 + timedelta(days=i // per_day, seconds=i % per_day)
        record = {"ts": ts.isoformat(), "label": label, "confidence": 0.9}
        if features is not None:
            record["features"] = features
        lines.append(record)
    return write_lines(name, lines)


def _error_line(result) -> str:
    lines = [line for line in result.output.splitlines() if line.startswith("mlmon: error:")]
    assert len(lines) == 1, result.output
    return lines[0]


def test_no_class_and_no_feature_in_common_is_exit_2(runner, write_lines, reference):
    logs = _logs(write_lines, "other.log", ["cat", "dog"] * 150, features={"y": 1.5})
    result = runner.invoke(app, ["drift", "-r", str(reference), str(logs)])
    assert result.exit_code == 2
    line = _error_line(result)
    assert "the reference does not describe these logs: no class or feature in common" in line
    assert (
        "(reference classes: A, B, C; classes in the logs: cat, dog; reference features: x; features in the logs: y)"
        in line
    )
    with pytest.raises(ReferenceMismatchError):
        build_drift_report(str(logs), DriftOptions(reference=str(reference)))
    with pytest.raises(ReferenceMismatchError):
        build_check(str(logs), CheckOptions(reference=str(reference), window="all"))
    assert issubclass(ReferenceMismatchError, InputError)


def test_disjoint_classes_and_no_features_in_the_logs_is_exit_2(runner, write_lines, reference):
    logs = _logs(write_lines, "other.log", ["cat"] * 10)
    result = runner.invoke(app, ["drift", "-r", str(reference), str(logs), "--format", "json"])
    assert result.exit_code == 2 and result.stdout == ""
    assert "features in the logs: none" in _error_line(result)


def test_a_shared_feature_is_enough_overlap(runner, write_lines, reference):
    logs = _logs(write_lines, "f.log", ["cat"] * 10, features={"x": 3})
    result = runner.invoke(app, ["drift", "-r", str(reference), str(logs), "--format", "json"])
    assert result.exit_code != 2, result.output
    prediction = json.loads(result.stdout)["prediction_drift"]
    assert prediction["only_in_reference"] == ["A", "B", "C"] and prediction["only_in_logs"] == {"cat": 10}


def test_a_partial_overlap_is_said_in_every_output(runner, write_lines, reference):
    # day 1: A x 150, B x 150; day 2: A x 100, B x 100, Z x 100 (hand counts: Z 100, C never)
    labels = ["A", "B"] * 150 + ["A", "B", "Z"] * 100
    logs = _logs(write_lines, "partial.log", labels, features={"x": 4}, per_day=300)
    args = ["drift", "-r", str(reference), str(logs), "--window", "1d"]
    payload = json.loads(runner.invoke(app, [*args, "--format", "json"]).stdout)
    assert payload["prediction_drift"]["only_in_reference"] == ["C"]
    assert payload["prediction_drift"]["only_in_logs"] == {"Z": 100}
    assert payload["feature_drift"]["only_in_reference"] == [] and payload["feature_drift"]["only_in_logs"] == {}
    terminal = " ".join(runner.invoke(app, args).output.split())
    assert "classes in the reference that no record shows: C" in terminal
    assert "classes in the logs that the reference lacks: Z (100 predictions)" in terminal
    markdown = runner.invoke(app, [*args, "--format", "markdown"]).output
    assert "- classes in the reference that no record shows: C" in markdown
    assert "- classes in the logs that the reference lacks: Z (100 predictions)" in markdown
    html = runner.invoke(app, [*args, "--format", "html"]).output
    assert "Classes in the reference that no record shows: C" in html and "Z (100 predictions)" in html


def test_features_on_one_side_are_said_alike_in_every_output(runner, write_lines, tmp_path):
    train = tmp_path / "train2.csv"
    train.write_text("label,x,w\n" + "".join(f"A,{i % 5},{i % 3}\n" for i in range(50)))
    lines = _logs(write_lines, "x.log", ["A"] * 20, features={"x": 1, "v": 2}).read_text().splitlines()
    once = json.loads(lines[0])
    once["features"]["u"] = 3  # one value of u, in the first record only (hand count)
    logs = write_lines("xu.log", [json.dumps(once), *lines[1:]])
    args = ["drift", "-r", str(train), str(logs)]
    markdown = runner.invoke(app, [*args, "--format", "markdown"]).output
    assert "- features in the reference that no record shows: w" in markdown
    assert "- features in the logs that the reference lacks: v (20 values), u (1 value)" in markdown
    terminal = " ".join(runner.invoke(app, args).output.split())
    assert "features in the reference that no record shows: w" in terminal
    assert "features in the logs that the reference lacks: v (20 values), u (1 value)" in terminal
    html = runner.invoke(app, [*args, "--format", "html"]).output
    assert "Features in the reference that no record shows: w" in html
    assert "Features in the logs that the reference lacks: v (20 values), u (1 value)" in html


def test_a_long_list_of_names_shows_the_first_ten_then_how_many_more():
    from mlmon.render.human import overlap_lines

    names = [f"c{i:02d}" for i in range(13)]
    lines = overlap_lines("classes", names, {"z": 1, **{f"y{i}": 2 for i in range(10)}}, "prediction")
    assert lines[0] == "classes in the reference that no record shows: " + ", ".join(names[:10]) + " and 3 more"
    # eleven names: all shown, since "and 1 more" would save nothing (render.human.some_of)
    assert lines[1] == "classes in the logs that the reference lacks: z (1 prediction), " + ", ".join(
        f"y{i} (2 predictions)" for i in range(10)
    )


def test_a_class_missing_from_one_window_is_drift_not_a_mismatch(runner, write_lines, reference):
    """Day 1 predicts only A (the model collapsed); day 2 predicts A, B and C: every class
    shows somewhere in the run, so nothing is listed, and day 1 is judged as drift."""
    labels = ["A"] * 300 + ["A", "A", "B", "C"] * 75
    logs = _logs(write_lines, "collapse.log", labels, features={"x": 4}, per_day=300)
    result = runner.invoke(app, ["drift", "-r", str(reference), str(logs), "--window", "1d", "--format", "json"])
    assert result.exit_code == 1, result.output
    payload = json.loads(result.stdout)["prediction_drift"]
    assert payload["only_in_reference"] == [] and payload["only_in_logs"] == {}
    first = payload["windows"][0]
    assert first["severity"] == "critical" and [c["count"] for c in first["classes"]] == [300, 0, 0]


def test_a_whole_run_on_one_reference_class_is_listed_and_still_judged(runner, write_lines, reference):
    logs = _logs(write_lines, "one.log", ["A"] * 300, features={"x": 4})
    result = runner.invoke(app, ["drift", "-r", str(reference), str(logs), "--format", "json"])
    assert result.exit_code == 1, result.output
    payload = json.loads(result.stdout)["prediction_drift"]
    assert payload["only_in_reference"] == ["B", "C"] and payload["severity"] == "critical"
