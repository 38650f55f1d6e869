"""``mlmon performance`` end to end: logs written as a service would, labels in their own
file and in a CSV, figures equal to scikit-learn's on a plain-Python join, honest exit codes."""

from __future__ import annotations

import json
import random
import re
from datetime import UTC, datetime, timedelta

import pytest
from sklearn import metrics
from typer.testing import CliRunner

from mlmon.api.performance import PerformanceOptions, build_performance
from mlmon.cli import app

T0 = datetime(2026, 11, 2, tzinfo=UTC)


def iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    """Three days of a binary model's predictions (ids as numbers for a tenth of them),
    labels a day later in another file (some twice, a few conflicting, some orphans), and
    a CSV with more labels; returns (folder, truth by id, predictions)."""
    folder = tmp_path_factory.mktemp("perf")
    rng = random.Random(5)
    predictions, label_lines, csv_rows, truth = [], [], ["request_id,actual"], {}
    for i in range(1200):
        rid: int | str = i if i % 10 == 0 else f"r{i}"
        p = rng.random()
        label = 1 if p > 0.5 else 0
        ts = T0 + timedelta(minutes=3 * i)
        predictions.append(
            {
                "ts": iso(ts),
                "event": "prediction",
                "request_id": rid,
                "label": label,
                "confidence": max(p, 1 - p),
                "model_version": "2.0" if i % 3 else "1.0",
            }
        )
        actual = label if rng.random() < 0.8 else 1 - label
        if rng.random() < 0.7:
            label_lines.append(
                {"ts": iso(ts + timedelta(days=1)), "event": "label", "request_id": str(rid), "actual": actual}
            )
            truth.setdefault(str(rid), []).append(actual)
            if rng.random() < 0.02:
                label_lines.append(
                    {"ts": iso(ts + timedelta(days=1)), "event": "label", "request_id": str(rid), "actual": 1 - actual}
                )
                truth[str(rid)].append(1 - actual)
        elif rng.random() < 0.3:
            csv_rows.append(f"{rid},{actual}.0")  # as pandas writes a float column
            truth.setdefault(str(rid), []).append(actual)
    for k in range(7):
        label_lines.append({"ts": iso(T0), "event": "label", "request_id": f"gone{k}", "actual": 1})
    (folder / "app.log").write_text("".join(json.dumps(r) + "\n" for r in predictions))
    (folder / "labels.log").write_text("".join(json.dumps(r) + "\n" for r in label_lines))
    (folder / "labels.csv").write_text("\n".join(csv_rows) + "\n")
    return folder, truth, predictions


def run(*args: str) -> tuple[int, str, str]:
    done = CliRunner().invoke(app, ["performance", *args])
    return done.exit_code, done.stdout, done.stderr


def test_every_window_equals_scikit_learn(service):
    folder, truth, predictions = service
    code, out, _ = run(
        str(folder / "labels.log"),
        str(folder / "app.log"),
        "--labels",
        str(folder / "labels.csv"),
        "--window",
        "1d",
        "-f",
        "json",
    )
    assert code == 0
    doc = json.loads(out)
    agreed = {rid: v[0] for rid, v in truth.items() if len(set(v)) == 1}
    assert doc["labels"]["conflicting_ids"] == sum(len(set(v)) > 1 for v in truth.values()) > 0
    assert doc["labels"]["orphan_labels"] == 7
    for w in doc["windows"]:
        rows = [p for p in predictions if p["model_version"] == w["model_version"] and p["ts"][:10] == w["start"][:10]]
        joined = [
            (agreed[str(p["request_id"])], p["label"], p["confidence"]) for p in rows if str(p["request_id"]) in agreed
        ]
        y, pred = [str(a) for a, _, _ in joined], [str(b) for _, b, _ in joined]
        assert (w["predictions"], w["labelled"]) == (len(rows), len(joined))
        assert w["accuracy"] == pytest.approx(metrics.accuracy_score(y, pred), abs=1e-12)
        assert w["macro_f1"] == pytest.approx(metrics.f1_score(y, pred, average="macro", zero_division=0), abs=1e-12)
        assert w["confusion"] == metrics.confusion_matrix(y, pred, labels=w["classes"]).tolist()
        score = [c if b == 1 else 1 - c for _, b, c in joined]
        assert w["roc_auc"] == pytest.approx(metrics.roc_auc_score([a == 1 for a, _, _ in joined], score), abs=1e-6)
        assert w["brier"] == pytest.approx(metrics.brier_score_loss([a == 1 for a, _, _ in joined], score), abs=1e-6)


def test_the_python_twin_gives_the_same_document(service):
    folder, _, _ = service
    _, out, _ = run(str(folder), "--window", "1d", "-f", "json", "--labels", str(folder / "labels.csv"))
    twin = build_performance(str(folder), PerformanceOptions(window="1d", labels=str(folder / "labels.csv")))
    assert twin.to_dict() == json.loads(out)


@pytest.mark.parametrize(("minimum", "code", "status"), [("99%", 1, "critical"), ("50%", 0, "ok")])
def test_accuracy_below_the_minimum_exits_1(service, minimum, code, status):
    folder, _, _ = service
    got, out, _ = run(str(folder), "--window", "1d", "--min-accuracy", minimum, "-f", "json")
    assert (got, json.loads(out)["status"]) == (code, status)


def test_no_mature_window_is_unknown_never_a_pass(service):
    folder, _, _ = service
    code, out, _ = run(str(folder / "app.log"), "--min-accuracy", "90%", "-f", "json")
    doc = json.loads(out)
    assert code == 0 and doc["status"] == "unknown"
    assert all(w["labelled"] == 0 and w["waiting_for"] > 0 for w in doc["windows"])


def test_the_terminal_says_what_each_window_waits_for(service):
    folder, _, _ = service
    code, out, _ = run(str(folder / "app.log"), "--window", "1d")
    assert code == 0 and len(re.findall(r"waits for [\d,]+\n", out)) == 6  # two versions, three days


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--min-accuracy", "150%"], "--min-accuracy"),
        (["--labels", "missing.csv"], "missing.csv: no such file"),
        (["--window", "500"], "time windows"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(service, args, message):
    folder, _, _ = service
    code, _, err = run(str(folder / "app.log"), *args)
    assert code == 2 and message in err and "Traceback" not in err


def test_a_label_table_without_a_truth_column_names_the_file(service, tmp_path):
    folder, _, _ = service
    table = tmp_path / "t.csv"
    table.write_text("request_id,score\nr1,3\n")
    code, _, err = run(str(folder / "app.log"), "--labels", str(table))
    assert code == 2 and str(table) in err and "--field actual=" in err


def test_logs_without_predictions_are_exit_2(tmp_path):
    log = tmp_path / "ops.log"
    log.write_text('{"ts": "2026-11-02T00:00:00Z", "latency_ms": 3}\n')
    code, _, err = run(str(log))
    assert code == 2 and "no prediction" in err
