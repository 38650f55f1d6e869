"""``--by`` on the command line: report and check split by where records came from, the
envelopes' own ``source.<name>`` keys read through their readers, and nothing changed
without ``--by`` (every format shows report's groups: tests/render/test_report_by_formats.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from typer.testing import CliRunner

from mlmon.cli import app
from mlmon.ingest.envelopes import envelopes
from tests.conftest import REPO

ENVELOPES = REPO / "tests" / "ingest" / "envelopes"
START = datetime(2026, 11, 20, 9, tzinfo=UTC)


def mlmon(*args: str):
    return CliRunner().invoke(app, list(args), env={"MLMON_CONFIG": ""})


@pytest.fixture
def pods_log(tmp_path):
    """Two pods over two hours, ``slow`` ten times slower; a few records with no pod."""
    rng = np.random.default_rng(11)
    n = 900
    pod = rng.choice(["fast", "slow", ""], n, p=[0.6, 0.37, 0.03])
    latency = np.where(pod == "slow", rng.normal(300, 30, n), rng.normal(30, 3, n)).round(2)
    lines = []
    for i in range(n):
        record = {
            "ts": (START + timedelta(seconds=8 * i)).isoformat(),
            "latency_ms": float(latency[i]),
            "status": "ok",
        }
        if pod[i]:
            record["kubernetes"] = {"pod_name": str(pod[i])}
        lines.append(json.dumps(record))
    path = tmp_path / "pods.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, pod, latency


def test_report_json_separates_the_slow_pod(pods_log):
    path, pod, latency = pods_log
    done = mlmon("report", str(path), "--by", "pod", "--format", "json", "--p99-budget", "100ms")
    assert done.exit_code == 1, done.output
    document = json.loads(done.stdout)
    assert document["by"] == ["pod"]
    groups = {g["scope"]: g for g in document["groups"]}
    assert list(groups) == ["pod=fast", "pod=slow", "pod=(none)"]
    for name, value in (("fast", "fast"), ("slow", "slow"), ("(none)", "")):
        group, mine = groups[f"pod={name}"], latency[pod == value]
        assert group["values"] == {"pod": value or None}
        assert group["records"] == mine.size
        assert group["latency"]["p99_ms"] == pytest.approx(np.percentile(mine, 99), rel=1e-12)
    findings = {f["scope"]: f["severity"] for f in document["findings"]}
    assert findings["pod=slow"] == "critical" and findings["pod=fast"] == "ok"


def test_report_terminal_shows_a_row_per_pod(pods_log):
    path, pod, latency = pods_log
    done = mlmon("report", str(path), "--by", "pod")
    assert done.exit_code == 0, done.output
    table = done.stdout[done.stdout.index("By pod") :]
    rows = {line.split("│")[0].strip(): line for line in table.splitlines()[3:] if "│" in line}
    assert list(rows) == ["fast", "slow", "(none)"]
    slow_p99 = np.percentile(latency[pod == "slow"], 99)
    assert f"{slow_p99:.1f}" in rows["slow"]


def test_without_by_nothing_is_added(pods_log):
    path, _, _ = pods_log
    document = json.loads(mlmon("report", str(path), "--format", "json").stdout)
    assert "by" not in document and "groups" not in document
    assert "By pod" not in mlmon("report", str(path)).stdout


def test_check_judges_each_pod(pods_log, tmp_path):
    path, _, _ = pods_log
    config = tmp_path / "mlmon.toml"
    config.write_text('[rules.latency_p99]\ncritical = "100ms"\n', encoding="utf-8")
    done = mlmon("check", str(path), "--by", "pod", "--config", str(config), "--window", "1h", "-f", "json")
    assert done.exit_code == 1, done.output
    rules = {(r["rule"], r["scope"]): r["severity"] for r in json.loads(done.stdout)["rules"]}
    assert rules[("latency_p99", "pod=slow")] == "critical"
    assert rules[("latency_p99", "pod=fast")] == "ok"
    assert ("latency_p99", "pod=(none)") in rules
    fast_only = mlmon("check", str(path), "--by", "pod", "--config", str(config), "--since", "2026-11-20T11:00")
    assert fast_only.exit_code in (0, 1)


def test_summaries_hold_no_groups(pods_log, tmp_path):
    path, _, _ = pods_log
    summary = tmp_path / "pods.summary.json"
    assert mlmon("summarize", str(path), "-o", str(summary), "--quiet").exit_code == 0
    done = mlmon("report", str(summary), "--by", "pod")
    assert done.exit_code == 2
    assert "--by pod: summary files hold no groups" in done.stderr


FIXTURES = sorted(path for path in ENVELOPES.rglob("*.expected.json") if "by" in json.loads(path.read_text()))


@pytest.mark.parametrize("expected_path", FIXTURES, ids=lambda p: str(p.relative_to(ENVELOPES)))
def test_envelope_fixtures_group_by_their_source_keys(expected_path):
    """The fixture itself, read through its envelope: the ``source.<name>`` keys the
    reader gives are what ``--by`` reads."""
    expected = json.loads(expected_path.read_text())
    if expected["envelope"] not in {envelope.name for envelope in envelopes().values()}:
        pytest.skip(f"envelope not readable yet: {expected['envelope']}")
    ((by, groups),) = expected["by"].items()
    done = mlmon("report", str(ENVELOPES / expected["fixture"]), "--by", by, "--format", "json")
    assert done.exit_code == 0, done.output
    got = {g["values"][by]: g for g in json.loads(done.stdout)["groups"]}
    assert set(got) == set(groups)
    for value, want in groups.items():
        assert got[value]["records"] == want["records"]
        assert got[value]["errors"]["requests"] == want["requests"]
        assert got[value]["errors"]["errors"] == want["errors"]
        assert got[value]["latency"]["mean_ms"] == pytest.approx(want["latency_ms_mean"], rel=1e-12)
        assert got[value]["latency"]["p50_ms"] == pytest.approx(np.percentile(want["latency_ms"], 50), rel=1e-12)


@pytest.fixture
def replicas_log(tmp_path):
    """Two replicas: ``new`` predicts the reference's class shares, ``stale`` (an old
    model) mostly ``A``."""
    rng = np.random.default_rng(5)
    lines = []
    for i in range(2000):
        replica = "stale" if i % 2 else "new"
        shares = [0.85, 0.05, 0.05, 0.05] if replica == "stale" else [0.3922, 0.306, 0.2002, 0.1016]
        lines.append(
            json.dumps(
                {
                    "ts": (START + timedelta(seconds=i)).isoformat(),
                    "event": "prediction",
                    "label": str(rng.choice(list("ABCD"), p=shares)),
                    "confidence": round(float(rng.uniform(0.6, 1.0)), 3),
                    "source.host": replica,
                }
            )
        )
    path = tmp_path / "replicas.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_drift_finds_the_replica_with_a_stale_model(replicas_log):
    reference = str(REPO / "references" / "train.json")
    done = mlmon("drift", str(replicas_log), "-r", reference, "--window", "all", "--by", "host", "-f", "json")
    assert done.exit_code == 1, done.output
    document = json.loads(done.stdout)
    assert document["by"] == ["host"]
    assert [(g["scope"], g["status"]) for g in document["groups"]] == [("host=new", "ok"), ("host=stale", "critical")]
    drift = {f["scope"]: f for f in document["findings"] if f["check"] == "prediction_drift"}
    assert drift["host=stale"]["severity"] == "critical" and drift["host=new"]["severity"] == "ok"
    stale = [json.loads(line)["label"] for line in replicas_log.read_text().splitlines()[1::2]]
    shares = json.loads((REPO / "references" / "train.json").read_text())["class_shares"]
    observed = np.array([stale.count(c) / len(stale) for c in "ABCD"])
    expected = np.array([shares[c] for c in "ABCD"])
    psi = float(np.sum((observed - expected) * np.log(observed / expected)))
    assert drift["host=stale"]["value"] == pytest.approx(psi, rel=1e-6)
    plain = json.loads(mlmon("drift", str(replicas_log), "-r", reference, "--window", "all", "-f", "json").stdout)
    assert "by" not in plain and "groups" not in plain
    assert document["findings"][: len(plain["findings"])] == plain["findings"]


@pytest.mark.parametrize(
    ("command", "build", "make"),
    [
        ("performance", "mlmon.api.performance:build_performance", "mlmon.api.performance:PerformanceOptions"),
        ("summarize", "mlmon.api.summarize:build_summary", "mlmon.api.summarize:SummaryOptions"),
    ],
)
def test_commands_that_do_not_split_refuse_by(pods_log, command, build, make):
    """Never a whole-run result that looks split: the Python twins refuse ``by``."""
    import importlib

    from mlmon.errors import UsageError

    def load(name):
        module, attr = name.split(":")
        return getattr(importlib.import_module(module), attr)

    path, _, _ = pods_log
    with pytest.raises(UsageError, match=rf"^--by pod: mlmon {command} does not split by group"):
        load(build)(str(path), load(make)(ingest={"by": "pod"}))


def test_reference_build_refuses_by(pods_log, tmp_path):
    from mlmon.api.reference import ReferenceBuildOptions, build_reference
    from mlmon.errors import UsageError

    path, _, _ = pods_log
    with pytest.raises(UsageError, match=r"^--by pod: mlmon reference build does not split by group"):
        build_reference(str(path), tmp_path / "ref.json", ReferenceBuildOptions(ingest={"by": "pod"}))


def test_an_item_no_record_has_is_named(pods_log):
    path, _, _ = pods_log
    done = mlmon("report", str(path), "--by", "pod", "--by", "zone")
    assert done.exit_code == 0, done.output
    assert "By pod, zone" in done.stdout
    assert "no record has zone: a misspelt --by?" in done.stdout
    assert "no record has" not in mlmon("report", str(path), "--by", "pod").stdout


def test_check_judges_prediction_drift_per_replica(replicas_log, tmp_path):
    config = tmp_path / "mlmon.toml"
    config.write_text("[rules.feature_drift]\nenabled = false\n", encoding="utf-8")
    reference = str(REPO / "references" / "train.json")
    args = ("check", str(replicas_log), "-r", reference, "--window", "all", "--config", str(config), "-f", "json")
    done = mlmon(*args, "--by", "host")
    assert done.exit_code == 1, done.output
    rules = {(r["rule"], r["scope"]): r for r in json.loads(done.stdout)["rules"]}
    assert rules[("prediction_drift", "host=stale")]["severity"] == "critical"
    assert rules[("prediction_drift", "host=new")]["severity"] == "ok"
    drift = mlmon("drift", str(replicas_log), "-r", reference, "--window", "all", "--by", "host", "-f", "json")
    value = {f["scope"]: f["value"] for f in json.loads(drift.stdout)["findings"] if f["check"] == "prediction_drift"}
    assert rules[("prediction_drift", "host=stale")]["value"] == pytest.approx(value["host=stale"], rel=1e-12)
    assert not any(scope.startswith("host=") for rule, scope in rules if rule == "feature_drift")
    whole = {(r["rule"], r["scope"]) for r in json.loads(mlmon(*args).stdout)["rules"]}
    assert whole == {key for key in rules if not key[1].startswith("host=")}


def test_check_json_carries_the_groups_figures(pods_log, tmp_path):
    path, pod, latency = pods_log
    config = tmp_path / "mlmon.toml"
    config.write_text('[rules.latency_p99]\ncritical = "100ms"\n', encoding="utf-8")
    args = ("check", str(path), "--config", str(config), "--window", "1h", "-f", "json")
    document = json.loads(mlmon(*args, "--by", "pod").stdout)
    assert document["by"] == ["pod"]
    slow = next(g for g in document["groups"] if g["values"] == {"pod": "slow"})
    assert slow["latency"]["p95_ms"] == pytest.approx(np.percentile(latency[pod == "slow"], 95), rel=1e-12)
    assert "groups" not in json.loads(mlmon(*args).stdout)
