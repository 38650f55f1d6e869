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
