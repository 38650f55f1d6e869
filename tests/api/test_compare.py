"""``mlmon compare`` and its Python twin, on logs made here: every figure against numpy and
scipy, the common period, the Kayenta cases (variance, bimodal, sparse errors), no data,
and the errors."""

from __future__ import annotations

import json
import math
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from scipy import stats
from typer.testing import CliRunner

from mlmon.api.compare import CompareOptions, build_compare
from mlmon.cli.app import app
from mlmon.errors import InputError, UsageError
from mlmon.verdicts.compare import Verdict

T0 = datetime(2026, 11, 15, 8, tzinfo=UTC)


def records(
    version: str,
    latency: np.ndarray,
    *,
    start: datetime = T0,
    seconds: float = 3600.0,
    errors: int = 0,
    labels: list[str] | None = None,
    confidence: np.ndarray | None = None,
    ids: list[str] | None = None,
    actual: list[str] | None = None,
    model: str = "m",
) -> list[dict]:
    n = latency.size
    times = [start + timedelta(seconds=seconds * i / max(n - 1, 1)) for i in range(n)]
    out = []
    for i in range(n):
        r = {"ts": times[i].isoformat().replace("+00:00", "Z"), "model": model, "model_version": version}
        r["latency_ms"] = round(float(latency[i]), 3)
        r["status"] = "error" if i < errors else "ok"
        if ids is not None:
            r["request_id"] = ids[i]
        if labels is not None:
            r["label"] = labels[i]
            r["confidence"] = round(float(confidence[i]), 4) if confidence is not None else 0.8
        out.append(r)
        if actual is not None and ids is not None:
            out.append({"ts": r["ts"], "request_id": ids[i], "actual": actual[i]})
    return out


def write(path: Path, *groups: list[dict]) -> str:
    rows = sorted((r for g in groups for r in g), key=lambda r: r["ts"])
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(path)


def metrics(report) -> dict[str, dict]:
    return {m["metric"]: m for m in report.to_dict()["metrics"]}


@pytest.fixture(scope="module")
def two(tmp_path_factory: pytest.TempPathFactory):
    """Two versions, 800 and 600 requests over the same hour, with labels and shared ids."""
    rng = np.random.default_rng(7)
    b_lat = np.round(rng.lognormal(np.log(25), 0.35, 800), 1)  # rounded: ties
    c_lat = np.round(rng.lognormal(np.log(25), 0.6, 600), 1)
    classes = np.array(["A", "B", "C"])
    b_lab = list(rng.choice(classes, 800, p=[0.5, 0.3, 0.2]))
    c_lab = list(rng.choice(classes, 600, p=[0.4, 0.3, 0.3]))
    b_conf, c_conf = rng.uniform(0.5, 1.0, 800), rng.uniform(0.45, 0.95, 600)
    b_ids = [f"q{i}" for i in range(800)]
    c_ids = [f"q{i}" for i in range(200, 800)]  # 600 shared requests (shadow)
    truth = list(rng.choice(classes, 800, p=[0.45, 0.3, 0.25]))
    path = tmp_path_factory.mktemp("cmp") / "two.jsonl"
    rows_b = records("1.4.0", b_lat, errors=8, labels=b_lab, confidence=b_conf, ids=b_ids, actual=truth)
    rows_c = records("1.5.0", c_lat, errors=15, labels=c_lab, confidence=c_conf, ids=c_ids)
    write(path, rows_b, rows_c)
    data = {"b_lat": b_lat, "c_lat": c_lat, "b_lab": b_lab, "c_lab": c_lab, "b_conf": b_conf, "c_conf": c_conf}
    data |= {"b_ids": b_ids, "c_ids": c_ids, "truth": truth}
    report = build_compare(str(path), CompareOptions(baseline="1.4.0", candidate="1.5.0"))
    return report, data, str(path)


def test_latency_against_numpy_and_scipy(two) -> None:
    report, d, _ = two
    m = metrics(report)
    for q in (50, 95, 99):
        got = m[f"latency_p{q}"]
        b, c = np.percentile(d["b_lat"], q), np.percentile(d["c_lat"], q)
        assert got["baseline"] == pytest.approx(b, abs=1e-9)
        assert got["candidate"] == pytest.approx(c, abs=1e-9)
        assert got["difference"] == pytest.approx(c - b, abs=1e-9)
        assert got["low"] < got["difference"] < got["high"]
    boot = stats.bootstrap(
        (d["c_lat"], d["b_lat"]),
        lambda x, y, axis: np.percentile(x, 50, axis=axis) - np.percentile(y, 50, axis=axis),
        method="percentile",
        n_resamples=4000,
        random_state=np.random.default_rng(1),
    ).confidence_interval
    width = boot.high - boot.low
    assert m["latency_p50"]["low"] == pytest.approx(boot.low, abs=0.15 * width)
    assert m["latency_p50"]["high"] == pytest.approx(boot.high, abs=0.15 * width)
    ks = stats.ks_2samp(d["c_lat"], d["b_lat"])
    assert m["latency_shape"]["difference"] == pytest.approx(ks.statistic, abs=1e-12)


def test_errors_classes_confidence_against_scipy(two) -> None:
    report, d, _ = two
    m = metrics(report)
    assert m["error_rate"]["baseline"] == 8 / 800 and m["error_rate"]["candidate"] == 15 / 600
    assert m["error_rate"]["difference"] == pytest.approx(15 / 600 - 8 / 800)
    names = ["A", "B", "C"]
    b = np.array([d["b_lab"].count(x) for x in names])
    c = np.array([d["c_lab"].count(x) for x in names])
    shares_b, shares_c = b / b.sum(), c / c.sum()
    assert m["predicted_classes"]["difference"] == pytest.approx(
        np.sum((shares_c - shares_b) * np.log(shares_c / shares_b))
    )
    assert m["predicted_classes"]["p_value"] == pytest.approx(
        stats.chi2_contingency(np.vstack([b, c]), correction=False).pvalue, rel=1e-9
    )
    shown = {s["name"]: s for s in report.to_dict()["classes"]}
    assert [shown[x]["candidate"] for x in names] == pytest.approx(list(shares_c))
    conf_b, conf_c = np.round(d["b_conf"], 4), np.round(d["c_conf"], 4)
    welch = stats.ttest_ind(conf_c, conf_b, equal_var=False).confidence_interval(0.95)
    assert m["confidence_mean"]["difference"] == pytest.approx(conf_c.mean() - conf_b.mean(), abs=1e-12)
    assert (m["confidence_mean"]["low"], m["confidence_mean"]["high"]) == pytest.approx(
        (welch.low, welch.high), abs=1e-9
    )
    assert m["confidence_shape"]["difference"] == pytest.approx(stats.ks_2samp(conf_c, conf_b).statistic, abs=1e-12)


def test_agreement_and_flips_by_request_id(two) -> None:
    report, d, _ = two
    base = dict(zip(d["b_ids"], d["b_lab"], strict=True))
    pairs = [(base[i], lab) for i, lab in zip(d["c_ids"], d["c_lab"], strict=True)]
    agreement = report.to_dict()["agreement"]
    assert agreement["pairs"] == 600
    assert agreement["agreed"] == sum(x == y for x, y in pairs)
    assert {(x, y): n for x, y, n in agreement["flips"]} == dict(Counter(pairs))
    assert agreement["low"] < agreement["rate"] < agreement["high"]


def test_accuracy_from_the_labels(two) -> None:
    report, d, _ = two
    m = metrics(report)
    correct = sum(p == t for p, t in zip(d["b_lab"], d["truth"], strict=True))
    assert m["accuracy"]["baseline"] == pytest.approx(correct / 800)
    assert m["accuracy"]["n_baseline"] == 800
    # shadow traffic: the candidate answered q200..q799, whose labels it shares
    truth = dict(zip(d["b_ids"], d["truth"], strict=True))
    shared = sum(p == truth[i] for i, p in zip(d["c_ids"], d["c_lab"], strict=True))
    assert m["accuracy"]["n_candidate"] == 600
    assert m["accuracy"]["candidate"] == pytest.approx(shared / 600)


def test_a_version_against_itself_passes(two) -> None:
    _, _, path = two
    report = build_compare(path, CompareOptions(baseline="1.4.0", candidate="1.4.0", tolerances={}))
    assert report.verdict is Verdict.PASS
    assert all(m["verdict"] == "pass" for m in report.to_dict()["metrics"])


def test_same_time_only(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    base = records("1", rng.lognormal(3, 0.3, 1200), seconds=12 * 3600)
    cand = records("2", rng.lognormal(3, 0.3, 300), start=T0 + timedelta(hours=6), seconds=2 * 3600)
    path = write(tmp_path / "l.jsonl", base, cand)
    report = build_compare(path, CompareOptions(baseline="1", candidate="2"))
    first, last = cand[0]["ts"], cand[-1]["ts"]
    inside = sum(first <= r["ts"] <= last for r in base)
    assert report.baseline.requests == inside
    assert report.candidate.requests == 300
    assert report.period[0].isoformat().replace("+00:00", "Z") == first
    assert report.period[1] - timedelta(microseconds=1) == datetime.fromisoformat(last)


def test_sparse_errors_against_none_do_not_pass(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    path = write(
        tmp_path / "e.jsonl",
        records("1", rng.lognormal(3, 0.3, 3000)),
        records("2", rng.lognormal(3, 0.3, 300), errors=3),
    )
    m = metrics(build_compare(path, CompareOptions(baseline="1", candidate="2")))
    assert m["error_rate"]["baseline"] == 0.0
    assert m["error_rate"]["verdict"] == "fail"
    one = write(
        tmp_path / "one.jsonl",
        records("1", rng.lognormal(3, 0.3, 3000)),
        records("2", rng.lognormal(3, 0.3, 300), errors=1),
    )
    assert metrics(build_compare(one, CompareOptions(baseline="1", candidate="2")))["error_rate"]["verdict"] != "pass"


def test_a_rise_of_variance_with_the_same_median_is_seen(tmp_path: Path) -> None:
    """Kayenta issue 780: the canary's spread doubles, its median does not move."""
    rng = np.random.default_rng(5)
    path = write(
        tmp_path / "v.jsonl",
        records("1", rng.lognormal(np.log(25), 0.25, 4000)),
        records("2", rng.lognormal(np.log(25), 0.75, 4000)),
    )
    m = metrics(build_compare(path, CompareOptions(baseline="1", candidate="2")))
    assert m["latency_p50"]["verdict"] == "pass"
    assert m["latency_p99"]["verdict"] == "fail"
    assert m["latency_shape"]["verdict"] in ("marginal", "fail")


def test_a_bimodal_canary_is_seen(tmp_path: Path) -> None:
    """Kayenta issue 426: a fifth of the canary's requests take three times as long."""
    rng = np.random.default_rng(6)
    slow = np.where(rng.random(4000) < 0.2, 3.0, 1.0)
    path = write(
        tmp_path / "b.jsonl",
        records("1", rng.lognormal(np.log(25), 0.2, 4000)),
        records("2", rng.lognormal(np.log(25), 0.2, 4000) * slow),
    )
    m = metrics(build_compare(path, CompareOptions(baseline="1", candidate="2")))
    assert m["latency_shape"]["verdict"] in ("marginal", "fail")
    assert m["latency_p50"]["verdict"] == "pass"
    assert m["latency_p95"]["verdict"] == "fail" and m["latency_p99"]["verdict"] == "fail"


def test_too_little_data_is_no_data_and_exit_2(tmp_path: Path) -> None:
    rng = np.random.default_rng(8)
    path = write(
        tmp_path / "s.jsonl", records("1", rng.lognormal(3, 0.3, 2000)), records("2", rng.lognormal(3, 0.3, 60))
    )
    report = build_compare(path, CompareOptions(baseline="1", candidate="2"))
    assert report.verdict is Verdict.NO_DATA
    assert metrics(report)["latency_p50"]["reason"].startswith("the candidate has 60 latencies")
    result = CliRunner().invoke(app, ["compare", path, "--baseline", "1", "--candidate", "2"])
    assert result.exit_code == 2, result.output
    lowered = CliRunner().invoke(app, ["compare", path, "--baseline", "1", "--candidate", "2", "--min-samples", "50"])
    assert lowered.exit_code == 2  # p99 still needs 500 values
    assert "latency_p99" in lowered.output


def test_exit_codes(tmp_path: Path) -> None:
    rng = np.random.default_rng(9)
    base = records("1", rng.lognormal(np.log(25), 0.3, 3000))
    path = write(tmp_path / "x.jsonl", base, records("2", rng.lognormal(np.log(40), 0.3, 3000)))
    args = ["compare", path, "--baseline", "1", "--candidate", "2"]
    assert CliRunner().invoke(app, args).exit_code == 1
    same = write(tmp_path / "y.jsonl", base, records("2", rng.lognormal(np.log(25), 0.3, 3000)))
    assert CliRunner().invoke(app, ["compare", same, "--baseline", "1", "--candidate", "2"]).exit_code == 0
    # p50 +10.5%: only non-critical p50/p95 fail -> marginal; exit 1 with --fail-on warning
    near = write(tmp_path / "z.jsonl", base, records("2", rng.lognormal(np.log(25) + 0.25, 0.3, 3000)))
    marginal = ["compare", near, "--baseline", "1", "--candidate", "2", "--critical", "error_rate"]
    assert build_compare(near, CompareOptions(baseline="1", candidate="2", critical=("error_rate",))).verdict is (
        Verdict.MARGINAL
    )
    assert CliRunner().invoke(app, marginal).exit_code == 0
    assert CliRunner().invoke(app, [*marginal, "--fail-on", "warning"]).exit_code == 1


def test_split_mismatch(tmp_path: Path) -> None:
    rng = np.random.default_rng(10)
    path = write(
        tmp_path / "m.jsonl", records("1", rng.lognormal(3, 0.3, 2700)), records("2", rng.lognormal(3, 0.3, 300))
    )
    m = metrics(build_compare(path, CompareOptions(baseline="1", candidate="2", split="30%")))
    assert m["traffic_split"]["verdict"] == "fail"
    observed = stats.chisquare([300, 2700], [0.3 * 3000, 0.7 * 3000]).pvalue
    report = build_compare(path, CompareOptions(baseline="1", candidate="2", split=0.1))
    assert metrics(report)["traffic_split"]["verdict"] == "pass"
    assert report.to_dict()["traffic"]["share"] == 0.1
    assert observed < 1e-10


def test_two_sets_of_logs(tmp_path: Path) -> None:
    rng = np.random.default_rng(11)
    lat = rng.lognormal(3, 0.3, 4000)
    rows = records("1", lat)
    pick = rng.random(len(rows)) < 0.5
    a = write(tmp_path / "a.jsonl", [r for r, k in zip(rows, pick, strict=True) if k])
    b = write(tmp_path / "b.jsonl", [r for r, k in zip(rows, pick, strict=True) if not k])
    report = build_compare((), CompareOptions(baseline_logs=(a,), candidate_logs=(b,)))
    assert report.baseline.requests + report.candidate.requests <= 4000
    assert report.verdict is Verdict.PASS
    assert report.baseline.name == a


@pytest.mark.parametrize(
    ("options", "error", "text"),
    [
        ({"baseline": "1"}, UsageError, "give --baseline and --candidate"),
        (
            {"baseline": "1", "candidate": "9"},
            InputError,
            "no request or prediction of 9 in the logs; they hold m:1 (1,000 requests), m:2 (10 requests)",
        ),
        ({"baseline_logs": ("x",)}, UsageError, "give both --baseline-logs and --candidate-logs"),
        ({"baseline": "1", "candidate": "2", "split": 1.0}, UsageError, "strictly between 0 and 1"),
        ({"baseline": "1", "candidate": "2", "critical": ("p99",)}, UsageError, "unknown metric 'p99'"),
        (
            {"baseline": "1", "candidate": "2", "tolerances": {"latency_p99": "x"}},
            UsageError,
            "--tolerance latency_p99",
        ),
    ],
)
def test_refusals(tmp_path: Path, options: dict, error: type, text: str) -> None:
    rng = np.random.default_rng(12)
    path = write(
        tmp_path / "r.jsonl", records("1", rng.lognormal(3, 0.3, 1000)), records("2", rng.lognormal(3, 0.3, 10))
    )
    with pytest.raises(error, match=None) as raised:
        build_compare(path, CompareOptions(**options))
    assert text in str(raised.value)


def test_ambiguous_version_and_no_common_period(tmp_path: Path) -> None:
    rng = np.random.default_rng(13)
    both = write(
        tmp_path / "amb.jsonl",
        records("1", rng.lognormal(3, 0.3, 200), model="a"),
        records("1", rng.lognormal(3, 0.3, 200), model="b"),
        records("2", rng.lognormal(3, 0.3, 200), model="a"),
    )
    with pytest.raises(UsageError, match="give model:version"):
        build_compare(both, CompareOptions(baseline="1", candidate="2"))
    assert build_compare(both, CompareOptions(baseline="a:1", candidate="a:2", min_samples=50)).baseline.name == "a:1"
    apart = write(
        tmp_path / "apart.jsonl",
        records("1", rng.lognormal(3, 0.3, 200)),
        records("2", rng.lognormal(3, 0.3, 200), start=T0 + timedelta(hours=2)),
    )
    with pytest.raises(InputError, match="no common period to compare"):
        build_compare(apart, CompareOptions(baseline="1", candidate="2"))


def test_cli_errors_are_one_line(tmp_path: Path) -> None:
    rng = np.random.default_rng(14)
    path = write(
        tmp_path / "c.jsonl", records("1", rng.lognormal(3, 0.3, 300)), records("2", rng.lognormal(3, 0.3, 300))
    )
    for args in (
        ["compare", path, "--baseline", "1", "--candidate", "2", "--tolerance", "latency_p99"],
        ["compare", "-", "--baseline", "1", "--candidate", "2"],
        ["compare", path, "--baseline", "1", "--candidate", "7"],
    ):
        result = CliRunner().invoke(app, args, input="")
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output
        assert len([line for line in result.output.splitlines() if line.startswith("mlmon: error")]) == 1


def test_nan_free_json(two) -> None:
    report, _, _ = two
    text = report.to_json()
    assert "NaN" not in text and math.isfinite(json.loads(text)["metrics"][0]["difference"])


def test_labels_from_a_table(tmp_path: Path) -> None:
    rng = np.random.default_rng(15)
    n = 300
    labels_b = list(rng.choice(["A", "B"], n))
    labels_c = list(rng.choice(["A", "B"], n))
    ids_b, ids_c = [f"b{i}" for i in range(n)], [f"c{i}" for i in range(n)]
    path = write(
        tmp_path / "t.jsonl",
        records("1", rng.lognormal(3, 0.3, n), labels=labels_b, ids=ids_b),
        records("2", rng.lognormal(3, 0.3, n), labels=labels_c, ids=ids_c),
    )
    truth = {**dict(zip(ids_b, rng.choice(["A", "B"], n), strict=True)), **dict(zip(ids_c, labels_c, strict=True))}
    table = tmp_path / "truth.csv"
    table.write_text("request_id,actual\n" + "".join(f"{k},{v}\n" for k, v in truth.items()))
    options = CompareOptions(baseline="1", candidate="2", labels=(str(table),))
    m = metrics(build_compare(path, options))["accuracy"]
    correct_b = sum(truth[i] == p for i, p in zip(ids_b, labels_b, strict=True))
    assert (m["n_baseline"], m["n_candidate"]) == (n, n)
    assert m["baseline"] == pytest.approx(correct_b / n) and m["candidate"] == 1.0
    assert m["verdict"] == "pass"  # the candidate is right every time


def test_summaries_are_refused(tmp_path: Path) -> None:
    from mlmon import build_summary, write_summary

    rng = np.random.default_rng(16)
    path = write(
        tmp_path / "s.jsonl", records("1", rng.lognormal(3, 0.3, 200)), records("2", rng.lognormal(3, 0.3, 200))
    )
    summary = tmp_path / "s.summary.json"
    write_summary(build_summary(path), summary)
    with pytest.raises(InputError, match="compare reads logs, not summaries"):
        build_compare(str(summary), CompareOptions(baseline="1", candidate="2"))


def test_two_sets_of_logs_with_a_version_each(tmp_path: Path) -> None:
    """--baseline-logs with --baseline: the version among those logs, the others left out."""
    rng = np.random.default_rng(17)
    base = write(
        tmp_path / "a.jsonl",
        records("1", rng.lognormal(3, 0.3, 600), errors=6),
        records("0", rng.lognormal(5, 0.3, 600)),  # another version in the baseline's logs
    )
    cand = write(tmp_path / "b.jsonl", records("2", rng.lognormal(3, 0.3, 600), errors=6))
    report = build_compare((), CompareOptions(baseline_logs=(base,), candidate_logs=(cand,), baseline="1"))
    assert report.baseline.name == "m:1" and report.baseline.requests == 600
    assert report.candidate.name == cand and report.candidate.requests == 600
    assert metrics(report)["latency_p50"]["verdict"] == "pass"  # version 0's slow requests are not the baseline's
