"""``compare --by`` (issue 26): on a fleet log built here with numpy, each pod's candidate is
compared with that pod's baseline. Pod ``b``'s candidate predicts other classes (a stale
model on one replica); it is a small share of the traffic, so the whole comparison passes
and only the group finds it. Pod ``c`` holds baseline records only: named, not judged.
Every figure against numpy on the same records; the whole comparison as without ``--by``."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from typer.testing import CliRunner

from mlmon.cli import app

T0 = datetime(2026, 11, 20, 9, tzinfo=UTC)
SIZES = {("a", "1.4.0"): 1500, ("a", "1.5.0"): 1500, ("b", "1.4.0"): 600, ("b", "1.5.0"): 600, ("c", "1.4.0"): 40}
"""Requests per (pod, version)."""
CAT = {"1.4.0": 0.7, "1.5.0": 0.7}
"""The share of ``cat`` per version, on every pod but a shifted ``b``'s candidate (0.3)."""


def mlmon(*args: str):
    return CliRunner().invoke(app, list(args), env={"MLMON_CONFIG": ""})


def fleet(path, shifted: bool) -> dict[tuple[str, str], dict[str, np.ndarray]]:
    """Write the fleet's log; return each (pod, version)'s latencies, labels and times
    (microseconds after T0). Exact class counts (not drawn), so that the shares are what CAT says."""
    rng = np.random.default_rng(2026)
    truth, records = {}, []
    for (pod, version), n in SIZES.items():
        share = 0.3 if shifted and (pod, version) == ("b", "1.5.0") else CAT[version]
        labels = np.array(["cat"] * round(n * share) + ["dog"] * (n - round(n * share)))
        rng.shuffle(labels)
        latency = rng.normal(30, 3, n).round(3)
        micros = rng.integers(0, 3600 * 10**6, n)
        truth[pod, version] = {"latency": latency, "labels": labels, "micros": micros}
        for i in range(n):
            ts = (T0 + timedelta(microseconds=int(micros[i]))).isoformat()
            records.append(
                {"ts": ts, "pod": pod, "model_version": version, "latency_ms": float(latency[i]), "label": labels[i]}
            )
    for i, record in enumerate(records):
        record["request_id"] = f"r{i}"
    records.sort(key=lambda r: r["ts"])
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return truth


@pytest.fixture(scope="module")
def shifted(tmp_path_factory):
    """The fleet with pod b's candidate shifted, and its ``compare --by pod`` document."""
    path = tmp_path_factory.mktemp("fleet") / "fleet.jsonl"
    truth = fleet(path, shifted=True)
    code, document = compare(path, "--by", "pod")
    assert code == 1, document
    return path, truth, document


def within(document: dict, side: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """A side's values in the document's compared period only."""
    return in_period([datetime.fromisoformat(document["period"][k]) for k in ("since", "until")], side)


def in_period(period: list[datetime], side: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """A side's values in ``[since, until)`` only."""
    since, until = ((t - T0) // timedelta(microseconds=1) for t in period)
    keep = (side["micros"] >= since) & (side["micros"] < until)
    return {name: values[keep] for name, values in side.items()}


def compare(path, *extra: str):
    done = mlmon("compare", str(path), "--baseline", "1.4.0", "--candidate", "1.5.0", "-f", "json", *extra)
    return done.exit_code, json.loads(done.stdout) if done.stdout.startswith("{") else done.output


def psi(base: np.ndarray, cand: np.ndarray) -> float:
    """PSI of the candidate's class shares against the baseline's, by hand."""
    b = np.array([(base == k).mean() for k in ("cat", "dog")])
    c = np.array([(cand == k).mean() for k in ("cat", "dog")])
    return float(np.sum((c - b) * np.log(c / b)))


def test_the_shifted_pod_fails_alone(shifted):
    _, truth, document = shifted
    assert document["verdict"] == "pass"  # the whole passes: the exit code is pod b's
    assert document["by"] == ["pod"]
    groups = {g["scope"]: g for g in document["groups"]}
    assert list(groups) == ["pod=a", "pod=b", "pod=c"]
    assert groups["pod=a"]["verdict"] == "pass" and groups["pod=a"]["status"] == "ok"
    assert groups["pod=b"]["verdict"] == "fail" and groups["pod=b"]["status"] == "critical"
    b_metrics = {m["metric"]: m for m in groups["pod=b"]["metrics"]}
    assert b_metrics["predicted_classes"]["verdict"] == "fail"
    assert b_metrics["predicted_classes"]["difference"] == pytest.approx(
        psi(within(document, truth["b", "1.4.0"])["labels"], within(document, truth["b", "1.5.0"])["labels"]), rel=1e-9
    )
    breached = [f for f in document["findings"] if f["severity"] in ("warning", "critical")]
    assert [(f["check"], f["scope"]) for f in breached] == [("predicted_classes", "pod=b 1.5.0 vs 1.4.0")]


@pytest.mark.parametrize("pod", ["a", "b"])
def test_each_group_equals_numpy(shifted, pod):
    _, truth, document = shifted
    group = next(g for g in document["groups"] if g["values"] == {"pod": pod})
    base, cand = within(document, truth[pod, "1.4.0"]), within(document, truth[pod, "1.5.0"])
    assert group["baseline"]["records"] == base["latency"].size == group["traffic"]["baseline"]
    assert group["candidate"]["records"] == cand["latency"].size == group["traffic"]["candidate"]
    metrics = {m["metric"]: m for m in group["metrics"]}
    for q in (50, 95, 99):
        m = metrics[f"latency_p{q}"]
        b, c = np.percentile(base["latency"], q), np.percentile(cand["latency"], q)
        assert m["baseline"] == pytest.approx(b, rel=1e-12)
        assert m["candidate"] == pytest.approx(c, rel=1e-12)
        assert m["difference"] == pytest.approx(c - b, rel=1e-9, abs=1e-12)
    shares = {s["name"]: (s["baseline"], s["candidate"]) for s in group["classes"]}
    assert shares["cat"] == pytest.approx(((base["labels"] == "cat").mean(), (cand["labels"] == "cat").mean()))


def test_a_pod_with_one_side_is_named_not_judged(tmp_path):
    """No shift anywhere: every compared group passes, so the exit code is 0 although pod
    ``c`` (baseline only) and the labels that name no pod (a group that served nothing)
    could not be compared."""
    path = tmp_path / "fleet.jsonl"
    fleet(path, shifted=False)
    with path.open("a", encoding="utf-8") as out:
        for i in range(5):
            ts = (T0 + timedelta(minutes=30 + i)).isoformat()
            out.write(json.dumps({"ts": ts, "request_id": f"r{i}", "model_version": "1.5.0", "actual": "cat"}) + "\n")
    code, document = compare(path, "--by", "pod")
    assert code == 0, document
    labels = document["groups"][-1]
    assert labels["scope"] == "pod=(none)" and labels["verdict"] is None
    assert labels["not_compared"] == "no baseline and no candidate requests or predictions"
    c = next(g for g in document["groups"] if g["scope"] == "pod=c")
    assert c["verdict"] is None and c["not_compared"] == "no candidate requests or predictions"
    assert c["baseline"]["records"] == SIZES["c", "1.4.0"] and c["candidate"] is None
    assert "metrics" not in c and c["status"] == "unknown"
    (finding,) = [f for f in document["findings"] if f["scope"].startswith("pod=c")]
    assert finding["severity"] == "unknown" and finding["check"] == "comparison"
    assert finding["message"] == "not compared: no candidate requests or predictions (40 baseline records)"
    assert document["status"] == "ok"


def test_the_whole_is_the_comparison_without_by(shifted):
    path, _, split = shifted
    code_plain, plain = compare(path)
    assert code_plain == 0
    assert {k: v for k, v in split.items() if k not in ("by", "groups", "findings", "status")} == {
        k: v for k, v in plain.items() if k not in ("findings", "status")
    }
    assert split["findings"][: len(plain["findings"])] == plain["findings"]
    assert all(f["scope"].startswith("pod=") for f in split["findings"][len(plain["findings"]) :])


def test_two_sets_of_logs_split_alike(shifted, tmp_path):
    """``--baseline-logs``/``--candidate-logs``: each pod's groups from both reads, paired
    by value; the figures equal those of one log holding both versions."""
    path, _, one = shifted
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    sides = {}
    for version in ("1.4.0", "1.5.0"):
        sides[version] = tmp_path / f"{version}.jsonl"
        sides[version].write_text("".join(x for x in lines if f'"{version}"' in x), encoding="utf-8")
    args = ["--baseline-logs", str(sides["1.4.0"]), "--candidate-logs", str(sides["1.5.0"]), "-f", "json"]
    done = mlmon("compare", *args, "--by", "pod")
    assert done.exit_code == 1, done.output
    two = {g["scope"]: g for g in json.loads(done.stdout)["groups"]}
    for group in one["groups"]:
        other = two[group["scope"]]
        assert other["verdict"] == group["verdict"] and other.get("metrics") == group.get("metrics")
    assert two["pod=c"]["not_compared"] == "no candidate requests or predictions"


def test_over_a_thousand_groups_is_refused(shifted):
    path, _, _ = shifted
    code, output = compare(path, "--by", "request_id")
    assert code == 2
    assert "over 1,000 groups" in output and "Traceback" not in output


@pytest.mark.parametrize(
    ("verdicts", "expected"),
    [
        (("pass", None, "marginal"), "marginal"),
        (("marginal", "no data", "pass"), "no data"),
        (("no data", "fail"), "fail"),
        (("pass", None), "pass"),
        ((None,), "no data"),
    ],
)
def test_the_exit_code_reads_the_worst_verdict(verdicts, expected):
    """Fail, then no data, then marginal, then pass; a group not compared (None) counts for nothing."""
    from mlmon.verdicts.compare import Verdict, worst

    assert worst(None if v is None else Verdict(v) for v in verdicts) is Verdict(expected)
