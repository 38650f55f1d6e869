"""Data drift from logs end to end: the sample week's camera change, the statistics of the
whole pipeline against scipy and numpy on the raw values, and every way a reference and
the logs can disagree about which features exist."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest
import scipy.stats
from scipy.spatial.distance import jensenshannon

from mlmon.api.drift import DriftOptions, build_drift_report
from mlmon.reference.build import build_profile
from mlmon.reference.store import save_profile
from mlmon.verdicts.findings import Severity
from tests.conftest import REPO, SAMPLE_LOGS, sample_cli

START = datetime(2026, 11, 9, tzinfo=UTC)


@pytest.fixture(scope="module")
def sample_week(sample_drift):
    """drift on sample_logs/ against references/train.json by day (built once per session)."""
    return sample_drift


def test_the_new_camera_is_critical_resolution_and_aspect_drift_on_its_day(sample_week):
    result = sample_week.features
    camera = {"width", "height", "aspect_ratio"}
    by_name = {f.feature: f for f in result.features}
    assert {name for name, f in by_name.items() if f.severity is Severity.CRITICAL} == camera
    thursday = datetime(2026, 11, 12, tzinfo=UTC)
    assert all(by_name[name].first_drifted == thursday for name in camera)
    before = [v for v in result.verdicts if v.feature in camera and v.window < thursday]
    # the same constant in the reference and in the window: identical, so ok (p = 1, PSI 0)
    assert len(before) == 9 and {(v.severity, v.reason, v.drift.p_value, v.drift.psi) for v in before} == {
        (Severity.OK, "not significant (p_BH 1 >= 0.001); PSI 0.0000", 1.0, 0.0)
    }
    assert all(by_name[name].section == "image" for name in ("brightness", "contrast", *camera))
    assert by_name["aspect_ratio"].summary.bars.labels == ("1.3333", "1.7778")  # width / height, not height / width


def test_the_features_that_did_not_move_stay_quiet_in_every_window(sample_week):
    quiet = [v for v in sample_week.features.verdicts if v.feature not in {"width", "height", "aspect_ratio"}]
    assert len(quiet) == 5 * 7
    assert {v.severity for v in quiet} == {Severity.OK}
    assert sample_week.features.only_in_logs == {} and sample_week.features.only_in_reference == ()


def _write_logs(path, rows: list[dict], every_s: float = 1.0) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for i, features in enumerate(rows):
            ts = (START + timedelta(seconds=i * every_s)).isoformat().replace("+00:00", "Z")
            fh.write(json.dumps({"ts": ts, "event": "inference", "features": features}) + "\n")


def _reference(tmp_path, columns: dict[str, object]):
    profile = build_profile(pl.DataFrame(columns), label=None, features=list(columns))
    path = tmp_path / "ref.json"
    save_profile(profile, path)
    return path, profile


def test_ks_and_wasserstein_through_the_pipeline_agree_with_scipy_within_the_stated_bound(tmp_path):
    rng = np.random.default_rng(5)
    reference_values = rng.lognormal(1.0, 0.6, 20_000)
    current = rng.lognormal(1.1, 0.55, 6_000)
    ref_path, _ = _reference(tmp_path, {"x": reference_values})
    _write_logs(tmp_path / "a.log", [{"x": float(v)} for v in current])
    drift = (
        build_drift_report([str(tmp_path / "a.log")], DriftOptions(reference=str(ref_path))).features.verdicts[0].drift
    )
    d = scipy.stats.ks_2samp(reference_values, current).statistic
    assert drift.ks.low - 1e-12 <= d <= drift.ks.high + 1e-12
    assert drift.ks.high - drift.ks.low <= 0.0101
    w1 = scipy.stats.wasserstein_distance(reference_values, current) / reference_values.std(ddof=1)
    assert abs(drift.wasserstein_sd.value - w1) <= drift.wasserstein_sd.bound + 1e-12
    assert drift.mean_shift_sd == pytest.approx(
        (current.mean() - reference_values.mean()) / reference_values.std(ddof=1)
    )
    assert drift.std_ratio == pytest.approx(current.std(ddof=1) / reference_values.std(ddof=1))


def test_categorical_psi_js_and_chi_squared_agree_with_numpy_and_scipy(tmp_path):
    reference_values = ["a"] * 500 + ["b"] * 300 + ["c"] * 200
    current = ["a"] * 200 + ["b"] * 250 + ["c"] * 150 + ["d"] * 100
    ref_path, _ = _reference(tmp_path, {"region": reference_values})
    _write_logs(tmp_path / "a.log", [{"region": v} for v in current])
    drift = (
        build_drift_report([str(tmp_path / "a.log")], DriftOptions(reference=str(ref_path))).features.verdicts[0].drift
    )
    ref = np.array([0.5, 0.3, 0.2, 0.0])
    cur = np.array([200, 250, 150, 100]) / 700
    floored = np.maximum(ref, 1e-4) / np.maximum(ref, 1e-4).sum()
    assert drift.psi == pytest.approx(float(np.sum((cur - floored) * np.log(cur / floored))))
    assert drift.js_distance == pytest.approx(jensenshannon(ref, cur, base=2))
    assert drift.p_value == pytest.approx(scipy.stats.chisquare(cur * 700, floored * 700).pvalue)
    assert drift.unseen == {"d": pytest.approx(100 / 700)}


def test_features_on_one_side_only_are_listed(tmp_path):
    ref_path, _ = _reference(tmp_path, {"x": np.arange(1000.0), "gone": np.arange(1000.0)})
    _write_logs(tmp_path / "a.log", [{"x": float(i), "camera": "c1"} for i in range(300)])
    result = build_drift_report([str(tmp_path / "a.log")], DriftOptions(reference=str(ref_path))).features
    assert result.only_in_logs == {"camera": 300}
    assert result.only_in_reference == ("gone",)


def test_a_feature_that_vanished_from_the_records_that_carry_inputs_is_a_critical_loss(tmp_path):
    ref_path, _ = _reference(tmp_path, {"x": np.arange(1000.0), "y": np.arange(1000.0)})
    _write_logs(tmp_path / "a.log", [{"x": float(i)} for i in range(1000)])
    by_name = {
        f.feature: f
        for f in build_drift_report([str(tmp_path / "a.log")], DriftOptions(reference=str(ref_path))).features.features
    }
    assert by_name["y"].severity is Severity.CRITICAL and by_name["y"].worst.reason.startswith("missing share 100.0%")
    assert by_name["x"].severity is Severity.OK


@pytest.mark.parametrize(
    "case, reason",
    [
        ("no reference", "no reference profile"),
        ("version 1", "is version 1, without quantile grids"),
        ("no features logged", "the logs carry no inputs"),
    ],
)
def test_why_data_drift_was_not_computed_is_said(tmp_path, case, reason):
    _write_logs(tmp_path / "a.log", [{"x": 1.0}] * 10)
    reference = None
    if case == "version 1":
        reference = str(REPO / "tests" / "golden" / "profile_v1.json")
    elif case == "no features logged":
        reference, _ = _reference(tmp_path, {"x": np.arange(1000.0)})
        (tmp_path / "a.log").write_text(json.dumps({"ts": "2026-11-09T00:00:00Z", "latency_ms": 3}) + "\n")
    report = build_drift_report([str(tmp_path / "a.log")], DriftOptions(reference=reference))
    assert reason in report.features.reason
    finding = next(f for f in report.findings if f.check == "feature_drift")
    assert finding.severity is Severity.UNKNOWN and reason in finding.message


def test_record_count_windows_judge_features_over_the_whole_range_and_say_so(tmp_path):
    ref_path, _ = _reference(tmp_path, {"x": np.arange(1000.0)})
    _write_logs(tmp_path / "a.log", [{"x": float(i)} for i in range(600)])
    result = build_drift_report([str(tmp_path / "a.log")], DriftOptions(reference=str(ref_path), window="200")).features
    assert result.whole_range and len(result.verdicts) == 1


def test_json_and_terminal_show_the_dataset_line_the_ranking_and_the_movers():
    args = ["drift", "--reference", "references/train.json", "--window", "1d", "sample_logs/"]
    payload = json.loads(sample_cli(*args, "--format", "json").stdout)["feature_drift"]
    assert (payload["features_compared"], payload["drifted"], payload["critical"], payload["warning"]) == (8, 3, 3, 0)
    top = payload["features"][0]
    assert (
        top["severity"] == "critical" and top["first_drifted"] == "2026-11-12T00:00:00Z" and top["section"] == "image"
    )
    assert set(top["reference"]) == {"n", "missing_share", "mean", "std", "p5", "p50", "p95"}
    assert math.isclose(sum(top["histogram"]["current"]), 1.0)
    assert len(payload["windows"]) == 8 * 7
    text = sample_cli(*args).stdout
    assert "Data drift: 3 of 8 features drifted (3 critical, 0 warning)" in text
    assert "Image inputs" in text and "Tabular inputs" in text
    assert "width (discrete, critical from 2026-11-12)" in text


def test_feature_states_merge_the_same_whatever_the_chunking(tmp_path):
    """The reducer's merge is addition: 64 KiB chunks (many per window, windows split across
    chunks) give the numbers of one chunk per file."""
    from mlmon.ingest.options import IngestOptions

    reference = str(REPO / "references" / "train.json")
    logs = [str(SAMPLE_LOGS / "replica-a" / "app.log.3.gz"), str(SAMPLE_LOGS / "replica-a" / "app.log.4.gz")]
    whole = build_drift_report(logs, DriftOptions(reference=reference, window="6h")).features
    small = build_drift_report(
        logs, DriftOptions(reference=reference, window="6h", ingest=IngestOptions(chunk_bytes=64 * 1024))
    ).features
    assert len(whole.verdicts) == len(small.verdicts) == 8 * 8
    for a, b in zip(whole.verdicts, small.verdicts):
        assert (a.feature, a.window, a.severity, a.drift.n) == (b.feature, b.window, b.severity, b.drift.n)
        assert a.drift.psi == pytest.approx(b.drift.psi, rel=1e-9, nan_ok=True)
        assert a.drift.mean_shift_sd == pytest.approx(b.drift.mean_shift_sd, rel=1e-9, abs=1e-12, nan_ok=True)


def test_windows_over_the_bound_are_refused_and_their_states_dropped(tmp_path, monkeypatch):
    import mlmon.analyses.feature_windows as feature_windows
    from mlmon.errors import UsageError
    from mlmon.windows import parse_window

    monkeypatch.setattr(feature_windows, "MAX_WINDOWS", 3)
    _, profile = _reference(tmp_path, {"x": np.arange(1000.0)})
    reducer = feature_windows.FeatureReducer(profile.features, parse_window("1h"))
    hours = [START + timedelta(hours=h) for h in range(4)]

    def chunk(times):
        return pl.DataFrame({"ts": times, "feature:x": [1.0] * len(times), "has_features": [True] * len(times)})

    three = reducer.from_chunk(chunk(hours[:3]))
    assert not three.over and len(reducer.finalize(three).windows) == 3
    assert reducer.from_chunk(chunk(hours)).over  # one chunk over the bound
    merged = reducer.merge(three, reducer.from_chunk(chunk(hours[3:])))  # or two chunks together
    assert merged.over and merged.states == {}
    with pytest.raises(UsageError, match="over 3 "):
        reducer.finalize(merged)
    empty = reducer.from_chunk(pl.DataFrame({"ts": hours[:1]}))  # no inputs in the chunk
    assert reducer.merge(empty, three).rows == three.rows


def test_keys_the_reference_lacks_are_counted_over_every_file(tmp_path):
    ref_path, _ = _reference(tmp_path, {"x": np.arange(1000.0)})
    for name in ("a.log", "b.log"):
        _write_logs(tmp_path / name, [{"x": float(i), "camera": "c1"} for i in range(250)])
    result = build_drift_report(
        [str(tmp_path / "a.log"), str(tmp_path / "b.log")], DriftOptions(reference=str(ref_path))
    ).features
    assert result.only_in_logs == {"camera": 500}


def test_two_reducers_read_every_column_when_either_needs_all_of_them():
    from mlmon.analyses.composite import Composite
    from mlmon.analyses.ops import OpsReducer
    from mlmon.analyses.predictions import PredictionReducer

    class Everything:
        needs = None

    assert Composite({"p": PredictionReducer(), "e": Everything()}).needs is None
    assert Composite({"e": Everything(), "p": PredictionReducer()}).needs is None
    assert set(Composite({"p": PredictionReducer(), "o": OpsReducer()}).needs.columns) >= {"label", "latency_ms"}
