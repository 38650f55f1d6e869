"""Prediction drift and confidence trend on seeded synthetic prediction logs."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest
from scipy import stats as sps
from scipy.spatial.distance import jensenshannon

from mlmon.api.drift import DriftOptions, drift_of_records
from mlmon.reference import ConfidenceSummary, ReferenceProfile, build_profile
from mlmon.render import OutputFormat, render
from mlmon.verdicts.confidence import confidence_findings
from mlmon.verdicts.findings import Severity, exit_code
from mlmon.verdicts.prediction_drift import INSUFFICIENT_DATA, prediction_drift_findings
from mlmon.windows import WindowSpec, parse_window

CLASSES = np.array(["A", "B", "C", "D"])
REF_P = np.array([0.4, 0.3, 0.2, 0.1])
SHIFTED_P = np.array([0.34, 0.36, 0.2, 0.1])  # B 30% -> 36%, taken from A: PSI = 0.0207
T0 = datetime(2024, 5, 1, tzinfo=UTC)


def logs(
    n: int,
    p=REF_P,
    *,
    seed: int = 0,
    start: datetime = T0,
    step_s: float = 1.0,
    conf=(8.0, 2.0),
    version: str | None = None,
    probabilities: bool = False,
) -> pl.DataFrame:
    """``n`` prediction records drawn from class shares ``p``, one every ``step_s`` seconds."""
    rng = np.random.default_rng(seed)
    labels = np.asarray(CLASSES[: len(p)])[rng.choice(len(p), size=n, p=p)]
    micros = int(start.timestamp()) * 1_000_000 + (np.arange(n) * step_s * 1e6).astype("int64")
    columns = {
        "ts": pl.Series("ts", micros).cast(pl.Datetime("us", "UTC")),
        "label": labels,
        "confidence": rng.beta(*conf, size=n),
        "model_version": pl.Series([version] * n, dtype=pl.String),
    }
    if probabilities:
        columns["probabilities"] = pl.Series(rng.dirichlet([4, 3, 2, 1], size=n).tolist(), dtype=pl.List(pl.Float64))
    return pl.DataFrame(columns)


def profile(shares=REF_P, mean_confidence: float | None = 0.8) -> ReferenceProfile:
    """A reference with exact class shares (no sampling noise)."""
    conf = None if mean_confidence is None else ConfidenceSummary(100_000, mean_confidence, 0.1, 0.6, 0.8, 0.9, 0.02)
    return ReferenceProfile(
        source="test",
        n_rows=100_000,
        class_counts={c: int(s * 100_000) for c, s in zip(CLASSES, shares)},
        class_shares={c: float(s) for c, s in zip(CLASSES, shares)},
        confidence=conf,
    )


class drift:
    """The frame-level entry points these tests use: one in-memory chunk through the
    drift reducer and the verdicts (``mlmon.api.drift.drift_of_records``)."""

    DRIFT_CHECK, COLLAPSE_CHECK, INSUFFICIENT_DATA = "prediction_drift", "confidence_collapse", INSUFFICIENT_DATA

    @staticmethod
    def report(frame, reference, window, low_threshold=0.5, **options):
        records = frame.collect() if isinstance(frame, pl.LazyFrame) else frame
        return drift_of_records(
            records, reference, DriftOptions(window=window, low_confidence=low_threshold, **options)
        )

    @staticmethod
    def prediction_drift(frame, reference, window, **options):
        return drift.report(frame, reference, window, **options).prediction

    @staticmethod
    def confidence_trend(frame, reference, window, **options):
        return drift.report(frame, reference, window, **options).confidence

    @staticmethod
    def findings(prediction, trend):
        return [*prediction_drift_findings(prediction), *confidence_findings(trend)]


def json_sections(frame, reference, window) -> dict:
    """The drift JSON document of ``frame``, parsed back."""
    return json.loads(render(drift.report(frame, reference, window), OutputFormat.JSON))


def concat(*frames: pl.DataFrame) -> pl.DataFrame:
    """Frames one after the other in time."""
    out, start = [], T0
    for frame in frames:
        shift = start - frame["ts"].min()
        out.append(frame.with_columns(pl.col("ts") + shift))
        start = out[-1]["ts"].max() + timedelta(seconds=1)
    return pl.concat(out, how="diagonal_relaxed")


# --------------------------------------------------------------------------- the two acceptance tests


def test_stationary_logs_never_flag():
    frame = logs(1_000_000, seed=11)
    result = drift.prediction_drift(frame, profile(), parse_window("1000"))
    assert len(result.windows) == 1000
    assert all(w.n == 1000 for w in result.windows)
    assert all(w.severity is Severity.OK for w in result.windows)
    assert result.severity is Severity.OK
    assert result.first_breach is None
    # the significance gate matters: PSI alone would cross 0.01 in some stationary windows
    assert max(w.psi for w in result.windows) > 0.01
    trend = drift.confidence_trend(frame, profile(), parse_window("1000"))
    assert trend.severity is Severity.OK
    assert exit_code(drift.findings(result, trend)) == 0


def test_subtle_shift_every_window_after_change_is_warning():
    before = logs(10 * 6000, seed=21)
    after = logs(20 * 6000, SHIFTED_P, seed=22)
    result = drift.prediction_drift(concat(before, after), profile(), parse_window("6000"))
    assert len(result.windows) == 30
    assert [w.severity for w in result.windows[:10]] == [Severity.OK] * 10
    assert [w.severity for w in result.windows[10:]] == [Severity.WARNING] * 20
    assert result.first_breach == result.windows[10]
    psis = [w.psi for w in result.windows[10:]]
    assert np.mean(psis) == pytest.approx(0.0207, abs=0.003)
    assert result.severity is Severity.WARNING
    findings = prediction_drift_findings(result)
    assert [f.severity for f in findings] == [Severity.WARNING]
    assert exit_code(findings) == 0
    assert exit_code(findings, fail_on=Severity.WARNING) == 1


# --------------------------------------------------------------------------- statistics per window


def test_window_statistics_match_scipy():
    frame = concat(logs(3000, seed=1), logs(3000, SHIFTED_P, seed=2), logs(3000, [0.25, 0.3, 0.25, 0.2], seed=3))
    result = drift.prediction_drift(frame, profile(), parse_window("3000"))
    raw = []
    for w in result.windows:
        counts = np.array([c.count for c in w.classes])
        assert [c.label for c in w.classes] == ["A", "B", "C", "D"]
        assert [c.reference_share for c in w.classes] == pytest.approx(REF_P.tolist())
        chi = sps.chisquare(counts, f_exp=REF_P * counts.sum())
        assert (w.chi2, w.p_value) == pytest.approx((chi.statistic, chi.pvalue), rel=1e-9, abs=1e-300)
        assert w.js_distance == pytest.approx(jensenshannon(REF_P, counts / counts.sum(), base=2))
        c = counts / counts.sum()
        assert w.psi == pytest.approx(np.sum((c - REF_P) * np.log(c / REF_P)))
        raw.append(w.p_value)
    assert [w.p_adjusted for w in result.windows] == pytest.approx(
        sps.false_discovery_control(raw, method="bh").tolist(), rel=1e-9, abs=1e-300
    )
    assert result.windows[2].severity is Severity.WARNING  # PSI ~0.15: moderate, not yet 0.25


def test_major_shift_is_critical_and_gates():
    frame = concat(logs(2000, seed=1), logs(2000, [0.1, 0.1, 0.2, 0.6], seed=2))
    result = drift.prediction_drift(frame, profile(), parse_window("1000"))
    assert [w.severity for w in result.windows] == [Severity.OK] * 2 + [Severity.CRITICAL] * 2
    assert result.first_breach.start == result.windows[2].start
    assert exit_code(prediction_drift_findings(result)) == 1
    assert "PSI" in result.windows[2].reason


def test_insufficient_data_is_never_drift():
    frame = concat(logs(1000, seed=1), logs(150, [0.0, 0.0, 0.0, 1.0], seed=2))
    result = drift.prediction_drift(frame, profile(), parse_window("1000"))
    last = result.windows[-1]
    assert last.n == 150
    assert last.severity is Severity.UNKNOWN
    assert last.reason.startswith(drift.INSUFFICIENT_DATA)
    assert math.isnan(last.psi) and math.isnan(last.p_adjusted)
    only_small = drift.prediction_drift(logs(150, seed=3), profile(), WindowSpec())
    assert only_small.severity is Severity.UNKNOWN
    assert prediction_drift_findings(only_small)[0].message.startswith(drift.INSUFFICIENT_DATA)
    assert exit_code(prediction_drift_findings(only_small), fail_on=Severity.WARNING) == 0


def test_unseen_classes_are_reported_not_fatal():
    frame = logs(2000, seed=4).with_columns(
        pl.when(pl.int_range(pl.len()) % 20 == 0).then(pl.lit("E")).otherwise(pl.col("label")).alias("label")
    )
    result = drift.prediction_drift(frame, profile(), WindowSpec())
    (w,) = result.windows
    assert w.unseen_classes == ("E",)
    e = [c for c in w.classes if c.label == "E"][0]
    assert e.count == 100 and e.reference_share == 0.0
    assert math.isfinite(w.psi) and w.severity.rank >= Severity.WARNING.rank
    assert "never saw: E" in prediction_drift_findings(result)[0].message


def test_time_windows_and_versions():
    day = 86_400 / 3000
    v1 = logs(3 * 3000, seed=5, step_s=day, version="v1")
    v2 = logs(3 * 3000, [0.1, 0.1, 0.2, 0.6], seed=6, step_s=day, version="v2")
    frame = pl.concat([v1, v2]).sample(fraction=1.0, shuffle=True, seed=1)
    result = drift.prediction_drift(frame, profile(), parse_window("1d"))
    assert [(w.model_version, w.start.date().isoformat()) for w in result.windows] == [
        ("v1", "2024-05-01"), ("v1", "2024-05-02"), ("v1", "2024-05-03"),
        ("v2", "2024-05-01"), ("v2", "2024-05-02"), ("v2", "2024-05-03"),
    ]  # fmt: skip
    assert {w.model_version: w.severity for w in result.windows} == {
        "v1": Severity.OK,
        "v2": Severity.CRITICAL,
    }
    scopes = {f.scope: f.severity for f in prediction_drift_findings(result)}
    assert scopes == {"model_version=v1": Severity.OK, "model_version=v2": Severity.CRITICAL}
    per_window = prediction_drift_findings(result, per_window=True)
    assert len(per_window) == 6 and per_window[0].scope == "model_version=v1 window=2024-05-01T00:00:00Z"
    merged = drift.prediction_drift(frame, profile(), parse_window("1d"), by_version=False)
    assert [w.model_version for w in merged.windows] == [None] * 3
    assert all(w.n == 6000 for w in merged.windows)


def test_record_windows_count_per_version():
    frame = pl.concat([logs(1000, seed=1, version="v1"), logs(1000, seed=2, version="v2")]).sort("ts")
    result = drift.prediction_drift(frame, profile(), parse_window("500"))
    assert [(w.model_version, w.n) for w in result.windows] == [("v1", 500)] * 2 + [("v2", 500)] * 2


def test_records_without_label_and_missing_columns():
    frame = logs(600, seed=7).with_columns(
        pl.when(pl.int_range(pl.len()) % 3 == 0).then(None).otherwise(pl.col("label")).alias("label")
    )
    result = drift.prediction_drift(frame.select("ts", "label"), profile(), WindowSpec())
    assert result.windows[0].n == 400
    trend = drift.confidence_trend(frame.select("ts", "label"), profile(), WindowSpec())
    assert not trend.computable and trend.severity is Severity.UNKNOWN
    empty = drift.prediction_drift(frame.clear(), profile(), WindowSpec())
    assert empty.windows == () and empty.severity is Severity.UNKNOWN


def test_no_reference_is_not_computable():
    frame = logs(1000, seed=8)
    result = drift.prediction_drift(frame, None, WindowSpec())
    assert not result.computable and "no reference" in result.reason
    assert result.severity is Severity.UNKNOWN
    (w,) = result.windows
    assert w.n == 1000 and sum(c.share for c in w.classes) == pytest.approx(1.0)
    assert all(c.reference_share is None for c in w.classes)
    (finding,) = prediction_drift_findings(result)
    assert finding.severity is Severity.UNKNOWN and finding.check == drift.DRIFT_CHECK
    json.dumps(json_sections(frame, None, WindowSpec())["prediction_drift"], allow_nan=False)
    labelless = drift.prediction_drift(frame, profile(shares=[]), WindowSpec())
    assert not labelless.computable and "no class shares" in labelless.reason


# --------------------------------------------------------------------------- confidence


def test_confidence_statistics_match_numpy():
    frame = logs(3000, seed=9, probabilities=True)
    frame = frame.with_columns(
        pl.when(pl.int_range(pl.len()) % 10 == 0).then(None).otherwise(pl.col("confidence")).alias("confidence")
    )
    trend = drift.confidence_trend(frame, profile(), parse_window("1000"), low_threshold=0.7)
    for i, w in enumerate(trend.windows):
        part = frame.slice(i * 1000, 1000)
        probs = np.array(part["probabilities"].to_list())
        conf = np.where(
            part["confidence"].is_null().to_numpy(),
            probs.max(axis=1),
            part["confidence"].fill_null(0).to_numpy(),
        )
        assert w.n == 1000
        assert w.mean == pytest.approx(conf.mean())
        assert w.p10 == pytest.approx(np.quantile(conf, 0.1))
        assert w.share_below == pytest.approx((conf < 0.7).mean())
        assert w.mean_entropy_bits == pytest.approx(sps.entropy(probs, base=2, axis=1).mean())
        assert w.baseline == 0.8 and w.change == pytest.approx(conf.mean() - 0.8)
    assert trend.baseline_source == "reference"
    assert all(w.mean_entropy_bits is None for w in drift.confidence_trend(logs(500), None, WindowSpec()).windows)


def test_confidence_collapse_against_reference():
    frame = concat(logs(2000, seed=1, conf=(8, 2)), logs(2000, seed=2, conf=(3, 2)))  # mean 0.8 -> 0.6
    trend = drift.confidence_trend(frame, profile(mean_confidence=0.8), parse_window("1000"))
    assert [w.severity for w in trend.windows] == [Severity.OK] * 2 + [Severity.CRITICAL] * 2
    low = trend.windows[-1]
    assert low.direction == "down" and low.change == pytest.approx(-0.2, abs=0.03)
    assert trend.first_collapse == trend.windows[2]
    (finding,) = confidence_findings(trend)
    assert finding.check == drift.COLLAPSE_CHECK and finding.severity is Severity.CRITICAL
    assert finding.value == pytest.approx(0.2, abs=0.03) and finding.threshold == 0.10
    assert exit_code(finding for finding in confidence_findings(trend)) == 1


def test_confidence_collapse_against_first_window_without_reference():
    frame = concat(logs(100, seed=0, conf=(1, 1)), logs(900, seed=1, conf=(8, 2)), logs(1000, seed=2, conf=(8, 2)),
                   logs(1000, seed=3, conf=(3, 2)))  # fmt: skip
    trend = drift.confidence_trend(frame, None, WindowSpec(records=1000))
    assert trend.baseline_source == "first_window"
    # the first window (1000 records: 100 noisy + 900 good) is the baseline
    first = trend.windows[0]
    assert first.baseline == first.mean and first.severity is Severity.OK
    assert trend.windows[-1].severity is Severity.CRITICAL
    assert trend.windows[-1].direction == "down"
    small = drift.confidence_trend(logs(100), None, WindowSpec())
    assert small.baseline_source is None and small.severity is Severity.UNKNOWN


def test_confidence_rise_is_not_collapse():
    frame = concat(logs(1000, seed=1, conf=(3, 2)), logs(1000, seed=2, conf=(9, 1)))
    trend = drift.confidence_trend(frame, None, parse_window("1000"))
    assert trend.windows[1].direction == "up" and trend.windows[1].change > 0.2
    assert trend.severity is Severity.OK


# --------------------------------------------------------------------------- serialisation


def test_to_dict_is_json_safe_and_shaped():
    frame = concat(logs(1000, seed=1), logs(100, seed=2))
    data = json_sections(frame, profile(), parse_window("1000"))["prediction_drift"]
    assert data["check"] == "prediction_drift" and data["severity"] == "ok"
    assert data["thresholds"] == {
        "min_samples": 200,
        "alpha": 0.001,
        "warning_psi": 0.01,
        "critical_psi": 0.25,
        "epsilon": 1e-4,
    }
    window = data["windows"][1]
    assert window["severity"] == "unknown" and window["psi"] is None
    assert window["start"].endswith("Z") and window["classes"][0]["label"] == "A"
    assert data["first_breach"] is None
    trend = json_sections(frame, profile(), parse_window("1000"))["confidence"]
    assert trend["check"] == "confidence_collapse" and trend["baseline_source"] == "reference"
    assert set(trend["windows"][0]) >= {
        "n",
        "mean",
        "p10",
        "share_below",
        "mean_entropy_bits",
        "change",
        "direction",
    }


def test_reference_built_from_training_frame():
    train = logs(50_000, seed=30).select("label", "confidence")
    reference = build_profile(train, features=[])
    result = drift.prediction_drift(logs(5000, seed=31), reference, parse_window("1000"))
    assert result.severity is Severity.OK


def test_categorical_columns_as_ingest_produces_them():
    frame = concat(logs(2000, seed=1, version="v1"), logs(2000, [0.1, 0.1, 0.2, 0.6], seed=2, version="v1"))
    frame = frame.with_columns(pl.col("label", "model_version").cast(pl.Categorical))
    result = drift.prediction_drift(frame.lazy(), profile(), parse_window("1000"))
    assert [w.severity for w in result.windows] == [Severity.OK] * 2 + [Severity.CRITICAL] * 2
    assert result.windows[0].model_version == "v1"
    assert drift.confidence_trend(frame.lazy(), profile(), parse_window("1000")).windows[0].n == 1000
