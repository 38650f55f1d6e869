"""Performance from summaries and from Dask equals one read of the logs: a label summarized
on one host meets its prediction summarized on another."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from mlmon.cli import app

T0 = datetime(2026, 11, 2, tzinfo=UTC)


@pytest.fixture(scope="module")
def hosts(tmp_path_factory):
    """Host a logs predictions of two days; host b logs predictions of the second day and
    the labels of both hosts' first-day predictions (a few conflicting, a few orphaned)."""
    folder = tmp_path_factory.mktemp("hosts")
    rng = random.Random(11)
    a, b = [], []
    for i in range(600):
        ts = T0 + timedelta(minutes=4 * i)
        p = rng.random()
        record = {
            "ts": ts.isoformat(),
            "request_id": f"q{i}",
            "label": "yes" if p > 0.5 else "no",
            "confidence": max(p, 1 - p),
            "model_version": "7",
        }
        (a if i % 2 or i < 360 else b).append(record)
        if i < 360 and rng.random() < 0.9:
            truth = record["label"] if rng.random() < 0.85 else ("no" if record["label"] == "yes" else "yes")
            b.append({"ts": (ts + timedelta(hours=20)).isoformat(), "request_id": f"q{i}", "actual": truth})
            if rng.random() < 0.02:
                b.append({"ts": (ts + timedelta(hours=21)).isoformat(), "request_id": f"q{i}", "actual": "maybe"})
    b += [{"ts": T0.isoformat(), "request_id": f"lost{k}", "actual": "yes"} for k in range(4)]
    for name, records in (("a", a), ("b", b)):
        (folder / f"{name}.log").write_text("".join(json.dumps(r) + "\n" for r in records))
    return folder


def invoke(*args: str) -> tuple[int, str, str]:
    done = CliRunner().invoke(app, list(args))
    return done.exit_code, done.stdout, done.stderr


def performance(*args: str) -> dict:
    code, out, err = invoke("performance", *args, "--window", "1d", "-f", "json", "--min-labelled", "5")
    assert code == 0, err
    doc = json.loads(out)
    return {key: doc[key] for key in ("labels", "windows")}


@pytest.mark.parametrize("summary_window", ["1h", "1d", "all"])
def test_summaries_of_each_host_give_the_figures_of_one_read(hosts, tmp_path, summary_window):
    whole = performance(str(hosts / "a.log"), str(hosts / "b.log"))
    assert whole["labels"]["conflicting_ids"] > 0 and whole["labels"]["orphan_labels"] == 4
    assert any(w["labelled"] for w in whole["windows"])
    for name in ("a", "b"):
        code, _, err = invoke(
            "summarize",
            str(hosts / f"{name}.log"),
            "--labels-join",
            "--window",
            summary_window,
            "-o",
            str(tmp_path / f"{name}.summary.json"),
        )
        assert code == 0, err
    assert performance(str(tmp_path / "b.summary.json"), str(tmp_path / "a.summary.json")) == whole
    assert performance(str(tmp_path / "a.summary.json"), str(hosts / "b.log")) == whole


def test_a_summary_made_without_the_join_is_refused_by_name(hosts, tmp_path):
    target = tmp_path / "plain.summary.json"
    assert invoke("summarize", str(hosts / "a.log"), "-o", str(target))[0] == 0
    code, _, err = invoke("performance", str(target))
    assert code == 2 and str(target) in err and "--labels-join" in err


def test_dask_gives_the_figures_of_one_read(hosts):
    pytest.importorskip("distributed")
    whole = performance(str(hosts / "a.log"), str(hosts / "b.log"))
    assert performance(str(hosts / "a.log"), str(hosts / "b.log"), "--engine", "dask") == whole


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory):
    """A calibrated binary reference and two hosts' logs with probability objects: host a
    the predictions of two days, host b the labels of both days and a third day's
    predictions."""
    folder = tmp_path_factory.mktemp("calibrated")
    rng = random.Random(4)
    rows = ["p_no,p_yes,y_pred,y_true"]
    for _ in range(3000):
        q = rng.betavariate(2, 2)
        rows.append(f"{1 - q:.6f},{q:.6f},{'yes' if q > 0.5 else 'no'},{'yes' if rng.random() < q else 'no'}")
    (folder / "validation.csv").write_text("\n".join(rows) + "\n")
    code, _, err = invoke(
        "reference",
        "build",
        str(folder / "validation.csv"),
        "--label",
        "y_pred",
        "--proba-cols",
        "p_no,p_yes",
        "--actual",
        "y_true",
        "-o",
        str(folder / "ref.json"),
    )
    assert code == 0, err
    a, b = [], []
    for i in range(900):
        ts = T0 + timedelta(minutes=4 * i)
        q = rng.betavariate(2, 2)
        record = {
            "ts": ts.isoformat(),
            "request_id": f"c{i}",
            "label": "yes" if q > 0.5 else "no",
            "probabilities": {"no": 1 - q, "yes": q},
        }
        (a if i < 720 else b).append(record)
        b.append(
            {
                "ts": (ts + timedelta(hours=6)).isoformat(),
                "request_id": f"c{i}",
                "actual": "yes" if rng.random() < q else "no",
            }
        )
    for name, records in (("a", a), ("b", b)):
        (folder / f"{name}.log").write_text("".join(json.dumps(r) + "\n" for r in records))
    return folder


@pytest.mark.parametrize("summary_window", ["1h", "1d"])
def test_estimates_from_summaries_are_those_of_one_read(calibrated, tmp_path, summary_window):
    folder = calibrated
    reference = str(folder / "ref.json")
    whole = performance(str(folder / "a.log"), str(folder / "b.log"), "-r", reference)
    assert all(w["estimated"]["unknown"] is None for w in whole["windows"])
    for name in ("a", "b"):
        code, _, err = invoke(
            "summarize",
            str(folder / f"{name}.log"),
            "--labels-join",
            "-r",
            reference,
            "--window",
            summary_window,
            "-o",
            str(tmp_path / f"{name}.summary.json"),
        )
        assert code == 0, err
    parts = performance(str(tmp_path / "a.summary.json"), str(tmp_path / "b.summary.json"), "-r", reference)
    assert parts == whole


def test_a_summary_made_with_another_calibration_is_refused(calibrated, tmp_path):
    folder = calibrated
    other = tmp_path / "other.json"
    table = (folder / "validation.csv").read_text().splitlines()
    (tmp_path / "other.csv").write_text("\n".join(table[:1500]) + "\n")
    args = ["--label", "y_pred", "--proba-cols", "p_no,p_yes", "--actual", "y_true", "-o", str(other)]
    assert invoke("reference", "build", str(tmp_path / "other.csv"), *args)[0] == 0
    summary = tmp_path / "a.summary.json"
    assert invoke("summarize", str(folder / "a.log"), "--labels-join", "-r", str(other), "-o", str(summary))[0] == 0
    code, _, err = invoke("performance", str(summary), "-r", str(folder / "ref.json"))
    assert code == 2 and str(summary) in err and "another reference's calibration" in err
    plain = tmp_path / "plain.summary.json"
    assert invoke("summarize", str(folder / "a.log"), "--labels-join", "-o", str(plain))[0] == 0
    code, _, err = invoke("performance", str(plain), "-r", str(folder / "ref.json"))
    assert code == 2 and "holds no CBPE estimates" in err


def test_estimates_on_dask_are_those_of_one_read(calibrated):
    pytest.importorskip("distributed")
    logs = [str(calibrated / "a.log"), str(calibrated / "b.log")]
    reference = ["-r", str(calibrated / "ref.json")]
    assert performance(*logs, *reference, "--engine", "dask") == performance(*logs, *reference)
