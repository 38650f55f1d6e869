"""``mlmon check`` with the estimate rules (issue 24), end to end: a perfectly calibrated
binary model and a reference built with ``--actual``; four days of logs, each prediction
labelled an hour later: day 1 like the reference, day 2 a covariate shift (more confident,
still calibrated), day 3 a concept shift (a third of the truths flipped), day 4 the
confidence collapses (still calibrated). ``estimated_accuracy`` fires on day 4 alone and
``estimate_gap`` on day 3 alone (oracles: numpy's mean top probability and accuracy on
the generated data); a day without probabilities is unknown; off, check does not read the
estimates and prints what it printed before; on without a calibrated reference, or over a
summary, exit 2 with one line."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from typer.testing import CliRunner

from mlmon.analyses.estimated import EstimateReducer
from mlmon.analyses.labels import LabelJoinReducer
from mlmon.api.check import CheckOptions, build_check
from mlmon.cli import app
from mlmon.errors import UsageError

T0 = datetime(2026, 11, 2, tzinfo=UTC)
DAYS = [T0 + timedelta(days=d) for d in range(4)]
PER_DAY = 3000
SCOPE = "model_version=1.0"
QUIET = """window = "1d"
[rules.prediction_drift]
enabled = false
[rules.confidence_collapse]
enabled = false
[rules.feature_drift]
enabled = false
"""
ESTIMATED = '[rules.estimated_accuracy]\nwarning = "66%"\ncritical = "62%"\n'
GAP = '[rules.estimate_gap]\nwarning = "6%"\ncritical = "10%"\n'


def z(t: datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


def invoke(*args: str) -> tuple[int, str, str]:
    done = CliRunner().invoke(app, list(args))
    return done.exit_code, done.stdout, done.stderr


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
    """(folder, per day: (mean top probability, realized accuracy)); the folder holds
    ref.json (calibrated), plain.json (no calibration), app.log, and blind.log (app.log
    with day 2's probabilities left out)."""
    folder = tmp_path_factory.mktemp("estimates")
    rng = np.random.default_rng(24)
    p = rng.beta(2, 2, 20000)
    truth = rng.random(p.size) < p
    lines = ["p_no,p_yes,y_pred,y_true"] + [
        f"{1 - q:.6f},{q:.6f},{'yes' if q > 0.5 else 'no'},{'yes' if t else 'no'}" for q, t in zip(p, truth)
    ]
    (folder / "validation.csv").write_text("\n".join(lines) + "\n")
    build = ["reference", "build", str(folder / "validation.csv"), "--label", "y_pred", "--proba-cols", "p_no,p_yes"]
    assert invoke(*build, "--actual", "y_true", "-o", str(folder / "ref.json"))[0] == 0
    assert invoke(*build, "-o", str(folder / "plain.json"))[0] == 0
    records, oracle = [], {}
    for day, shape in enumerate([(2, 2), (0.6, 0.6), (2, 2), (20, 20)]):
        q = rng.beta(*shape, PER_DAY)
        t = rng.random(q.size) < q
        if day == 2:
            t = np.where(rng.random(q.size) < 1 / 3, ~t, t)
        predicted = q > 0.5
        oracle[DAYS[day]] = (float(np.mean(np.maximum(q, 1 - q))), float(np.mean(predicted == t)))
        for i in range(q.size):
            ts = DAYS[day] + timedelta(seconds=20 * i)
            rid = f"d{day}-{i}"
            records.append(
                {
                    "ts": z(ts), "request_id": rid, "label": "yes" if predicted[i] else "no", "model_version": "1.0",
                    "confidence": max(q[i], 1 - q[i]), "probabilities": {"no": 1 - q[i], "yes": q[i]},
                }
            )  # fmt: skip
            actual = "yes" if t[i] else "no"
            records.append({"ts": z(ts + timedelta(hours=1)), "event": "label", "request_id": rid, "actual": actual})
    write = lambda name, rows: (folder / name).write_text("".join(json.dumps(r) + "\n" for r in rows))  # noqa: E731
    write("app.log", records)
    blind = [{k: v for k, v in r.items() if k != "probabilities" or r["ts"][:10] != "2026-11-03"} for r in records]
    write("blind.log", blind)
    return folder, oracle


def check(folder, tmp_path, rules: str, *args: str, log: str = "app.log") -> tuple[int, str, str]:
    path = tmp_path / "mlmon.toml"
    path.write_text(QUIET + rules)
    return invoke("check", str(folder / log), "-r", str(folder / "ref.json"), "--config", str(path), *args)


def rules_of(out: str) -> dict[str, dict]:
    return {r["rule"]: r for r in json.loads(out)["rules"]}


def test_estimated_accuracy_fires_on_the_day_the_confidence_collapses(service, tmp_path, monkeypatch):
    folder, oracle = service

    def refuse(self, records):
        raise AssertionError("the label join was read")

    monkeypatch.setattr(LabelJoinReducer, "from_chunk", refuse)  # the estimate alone needs no label
    code, out, err = check(folder, tmp_path, ESTIMATED, "-f", "json")
    assert code == 1, err
    rule = rules_of(out)["estimated_accuracy"]
    assert rule["scope"] == SCOPE and rule["severity"] == "critical" and rule["fired"] == [z(DAYS[3])]
    assert [w["start"] for w in rule["windows"]] == [z(d) for d in DAYS]
    assert [w["raw"] for w in rule["windows"]] == ["ok", "ok", "ok", "critical"]
    for w, (top, _) in zip(rule["windows"], oracle.values(), strict=True):
        assert w["value"] == pytest.approx(top, abs=0.015)  # calibrated: the estimate is the mean top probability
    assert oracle[DAYS[3]][0] < 0.6 < 0.66 < min(top for top, _ in list(oracle.values())[:3])
    assert "is below the 62.0% critical level" in rule["windows"][3]["reason"]
    assert "the reference's band" in rule["windows"][3]["reason"]
    code, text, _ = check(folder, tmp_path, ESTIMATED)
    assert code == 1 and "estimated_accuracy" in text
    assert check(folder, tmp_path, "")[0] == 0  # the same logs, the rule off: nothing fires


def test_estimate_gap_fires_on_the_concept_shift_and_not_on_the_covariate_shift(service, tmp_path):
    folder, oracle = service
    code, out, err = check(folder, tmp_path, GAP, "-f", "json", "--exit-on", "any")
    assert code == 1, err
    rule = rules_of(out)["estimate_gap"]
    assert [w["raw"] for w in rule["windows"]] == ["ok", "ok", "critical", "ok"]
    assert rule["fired"] == [z(DAYS[2])]
    for w, (top, accuracy) in zip(rule["windows"], oracle.values(), strict=True):
        assert w["value"] == pytest.approx(abs(top - accuracy), abs=0.015)
    assert oracle[DAYS[1]][1] - oracle[DAYS[0]][1] > 0.1  # the covariate shift moved accuracy; no gap opened
    reason = rule["windows"][2]["reason"]
    assert reason.startswith(f"realized accuracy {oracle[DAYS[2]][1]:.1%} ({PER_DAY:,} labels) against the estimate")
    assert "(the band and the labels allow" in reason and reason.endswith("is over the 10.0% critical level")
    assert check(folder, tmp_path, GAP, "--exit-on", "last")[0] == 0  # day 4 closes the gap: not firing now


def test_a_day_without_probabilities_has_no_estimate_and_is_unknown(service, tmp_path):
    folder, _ = service
    code, out, err = check(folder, tmp_path, ESTIMATED + GAP, "-f", "json", log="blind.log")
    assert code == 1, err
    rules = rules_of(out)
    why = f"no estimate: probabilities not logged for {PER_DAY:,} of {PER_DAY:,} predictions"
    for name, raw in (("estimated_accuracy", ["ok", "unknown", "ok", "critical"]), ("estimate_gap", None)):
        windows = rules[name]["windows"]
        assert windows[1]["raw"] == "unknown" and windows[1]["reason"] == why and windows[1]["value"] is None
        assert raw is None or [w["raw"] for w in windows] == raw


def test_without_an_estimate_rules_level_check_reads_no_estimate_and_prints_what_it_did(service, tmp_path, monkeypatch):
    folder, _ = service
    formats = ((), ("-f", "junit"), ("-f", "markdown"))
    before = [check(folder, tmp_path, "", *fmt) for fmt in formats]

    def refuse(self, records):
        raise AssertionError("the estimates were read")

    monkeypatch.setattr(EstimateReducer, "from_chunk", refuse)
    off = "[rules.estimated_accuracy]\nfor = 2\n[rules.estimate_gap]\nenabled = false\nmin_labelled = 10\n"
    after = [check(folder, tmp_path, off, *fmt) for fmt in formats]
    assert after == before
    assert before[0][0] == 0 and "estimate" not in before[0][1]
    done = CliRunner().invoke(app, ["check", str(folder / "app.log"), "-r", str(folder / "ref.json")])
    assert done.exit_code == 0  # no rule on: no estimate read
    path = tmp_path / "on.toml"
    path.write_text(QUIET + ESTIMATED)
    done = CliRunner().invoke(
        app, ["check", str(folder / "app.log"), "-r", str(folder / "ref.json"), "--config", str(path)]
    )
    assert "the estimates were read" in str(done.exception)


def test_an_estimate_rule_without_a_calibrated_reference_is_one_line_exit_2(service, tmp_path):
    folder, _ = service
    path = tmp_path / "mlmon.toml"
    path.write_text(QUIET + GAP)
    code, out, err = invoke("check", str(folder / "app.log"), "-r", str(folder / "plain.json"), "--config", str(path))
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1, err
    assert "rule estimate_gap" in err and "no calibration" in err and "--actual" in err and "plain.json" in err
    code, out, err = invoke("check", str(folder / "app.log"), "--config", str(path))
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert "rule estimate_gap: CBPE needs a reference with a calibration: give --reference" in err and "--actual" in err
    with pytest.raises(UsageError, match="^rules estimated_accuracy and estimate_gap: CBPE needs"):
        build_check(
            str(folder / "app.log"),
            CheckOptions(rules={"estimated_accuracy": {"critical": 0.5}, "estimate_gap": {"critical": 0.1}}),
        )


def test_a_summary_without_estimates_is_refused_and_one_with_them_judges_as_the_logs(service, tmp_path):
    folder, _ = service
    reference = str(folder / "ref.json")
    path = tmp_path / "mlmon.toml"
    path.write_text(QUIET + ESTIMATED)
    plain = tmp_path / "plain.summary.json"
    assert invoke("summarize", str(folder / "app.log"), "--window", "1d", "-o", str(plain))[0] == 0
    code, _, err = invoke("check", str(plain), "-r", reference, "--config", str(path))
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert "holds no CBPE estimates" in err and "--actual" in err
    summary = tmp_path / "day.summary.json"
    made = invoke("summarize", str(folder / "app.log"), "--window", "1d", "-r", reference, "-o", str(summary))
    assert made[0] == 0, made[2]
    args = ["-r", reference, "--config", str(path), "--window", "1d", "-f", "json"]
    from_logs = invoke("check", str(folder / "app.log"), *args)
    from_summary = invoke("check", str(summary), *args)
    assert from_summary[0] == from_logs[0]
    rules = [json.loads(done[1])["rules"] for done in (from_logs, from_summary)]
    assert rules[0] == rules[1]
