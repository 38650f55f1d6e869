"""``mlmon performance --reference``: CBPE's estimate per window beside the realized
accuracy; under covariate shift the two agree, under concept shift the labels show a gap
the estimate cannot see, and the gap is a finding."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from typer.testing import CliRunner

from mlmon.cli import app

T0 = datetime(2026, 11, 2, tzinfo=UTC)


def invoke(*args: str):
    done = CliRunner().invoke(app, list(args))
    return done.exit_code, done.stdout, done.stderr


@pytest.fixture(scope="module")
def story(tmp_path_factory):
    """A perfectly calibrated binary model: validation data (p drawn, truth ~ Bernoulli(p))
    for the reference; three days of service logs: day 1 like validation, day 2 a covariate
    shift (more confident inputs, still calibrated), day 3 a concept shift (a third of the
    truths flipped), each prediction labelled the next day."""
    folder = tmp_path_factory.mktemp("cbpe")
    rng = np.random.default_rng(3)
    p = rng.beta(2, 2, 20000)
    truth = rng.random(p.size) < p
    lines = ["p_no,p_yes,y_pred,y_true"] + [
        f"{1 - q:.6f},{q:.6f},{'yes' if q > 0.5 else 'no'},{'yes' if t else 'no'}" for q, t in zip(p, truth)
    ]
    (folder / "validation.csv").write_text("\n".join(lines) + "\n")
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
    records, realized = [], {}
    for day, shape in enumerate([(2, 2), (0.6, 0.6), (2, 2)]):
        q = rng.beta(*shape, 6000)
        t = rng.random(q.size) < q
        if day == 2:
            flip = rng.random(q.size) < 1 / 3
            t = np.where(flip, ~t, t)
        predicted = q > 0.5
        realized[day] = float(np.mean(predicted == t))
        for i in range(q.size):
            ts = T0 + timedelta(days=day, seconds=10 * i)
            rid = f"d{day}-{i}"
            label = "yes" if predicted[i] else "no"
            records.append(
                {
                    "ts": ts.isoformat(),
                    "request_id": rid,
                    "label": label,
                    "confidence": max(q[i], 1 - q[i]),
                    "probabilities": {"no": 1 - q[i], "yes": q[i]},
                }
            )
            records.append(
                {
                    "ts": (ts + timedelta(days=1)).isoformat(),
                    "event": "label",
                    "request_id": rid,
                    "actual": "yes" if t[i] else "no",
                }
            )
    (folder / "app.log").write_text("".join(json.dumps(r) + "\n" for r in records))
    return folder, realized


def test_the_estimate_follows_covariate_shift_and_misses_concept_shift(story):
    folder, realized = story
    code, out, err = invoke(
        "performance", str(folder / "app.log"), "-r", str(folder / "ref.json"), "--window", "1d", "-f", "json"
    )
    doc = json.loads(out)
    windows = sorted(doc["windows"], key=lambda w: w["start"])
    assert [w["accuracy"] for w in windows] == pytest.approx([realized[d] for d in range(3)], abs=1e-12)
    estimates = [w["estimated"]["estimated_accuracy"] for w in windows]
    assert abs(estimates[0] - realized[0]) < 0.015 and abs(estimates[1] - realized[1]) < 0.015
    assert realized[1] - realized[0] > 0.1  # the shift moved accuracy, and the estimate moved with it
    assert estimates[2] - realized[2] > 0.1  # concept shift (a third flipped): the estimate cannot see it
    gap = next(f for f in doc["findings"] if f["check"] == "estimate_gap")
    assert gap["severity"] == "warning" and windows[2]["start"] in gap["message"]
    estimated = next(f for f in doc["findings"] if f["check"] == "estimated_accuracy")
    assert estimated["severity"] == "ok"
    assert code == 0  # a warning is not at --fail-on critical


def test_the_terminal_shows_the_estimate_beside_the_labels(story):
    folder, _ = story
    code, out, _ = invoke(
        "performance", str(folder / "app.log"), "-r", str(folder / "ref.json"), "--window", "1d", "--fail-on", "warning"
    )
    assert code == 1 and "estimate" in out and "band" in out and "estimate_gap" in out


def test_a_reference_without_calibration_is_refused(story, tmp_path):
    folder, _ = story
    plain = tmp_path / "plain.json"
    args = ["--label", "y_pred", "--proba-cols", "p_no,p_yes", "-o", str(plain)]
    assert invoke("reference", "build", str(folder / "validation.csv"), *args)[0] == 0
    code, _, err = invoke("performance", str(folder / "app.log"), "-r", str(plain))
    assert code == 2 and "--actual" in err and str(plain) in err
