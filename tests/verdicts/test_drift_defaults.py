"""The DEFAULT thresholds of ``mlmon drift``, tested by their effect.

Each test puts data just on each side of one default (alpha 0.001 on the BH-adjusted
chi-squared p, warning PSI 0.01, critical PSI 0.25, min_samples 200, low-confidence 0.5,
collapse drop 0.10, per-version baselines without a reference), close enough that a 20%
change of that default flips one of the outcomes. Which side of the boundary the data lies
on is computed here with numpy/scipy, never with mlmon's own statistics.
"""

from __future__ import annotations

import csv
import json
import math
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest
from scipy import stats as sps

from mlmon import DriftOptions, Severity, build_drift_report, build_profile
from mlmon.reference.codec import profile_to_dict
from mlmon.windows import WindowSpec, parse_window

T0 = datetime(2026, 11, 9, tzinfo=UTC)
HALF = np.array([0.5, 0.5])  # reference shares of A and B


# --------------------------------------------------------------------------- oracles


def psi(counts, ref_shares) -> float:
    """Σ (c − r) · ln(c / r) over shares (no empty classes here, so no floor is needed)."""
    c = np.asarray(counts, float)
    c = c / c.sum()
    r = np.asarray(ref_shares, float)
    return float(np.sum((c - r) * np.log(c / r)))


def chi2_p(counts, ref_shares) -> float:
    c = np.asarray(counts, float)
    return float(sps.chisquare(c, f_exp=np.asarray(ref_shares) * c.sum()).pvalue)


# --------------------------------------------------------------------------- data builders


def reference_csv(tmp_path, labels, confidence, name="train.csv"):
    """Training data with a ``label`` and a ``confidence`` column."""
    path = tmp_path / name
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["label", "confidence"])
        for label, conf in zip(labels, confidence):
            writer.writerow([label, repr(float(conf))])
    return path


def half_reference(tmp_path):
    """5000 A and 5000 B; confidence alternating 0.7 / 0.9. Returns (path, confidences)."""
    labels = np.array(["A", "B"] * 5000)
    conf = np.tile([0.7, 0.9], 5000)
    return reference_csv(tmp_path, labels, conf), conf


def block(counts: dict[str, int], conf, seed: int):
    """Labels with exactly ``counts``, shuffled; confidence per prediction (scalar or array)."""
    labels = np.concatenate([[label] * n for label, n in counts.items()])
    labels = labels[np.random.default_rng(seed).permutation(len(labels))]
    conf = np.broadcast_to(np.asarray(conf, float), labels.shape)
    return labels, conf


def prediction_lines(*blocks, version=None, start_s=0, step_s=1):
    """One prediction record per label, ``step_s`` seconds apart, blocks one after the other."""
    lines, t = [], start_s
    for labels, conf in blocks:
        for label, c in zip(labels, conf):
            record = {
                "timestamp": (T0 + timedelta(seconds=t)).isoformat().replace("+00:00", "Z"),
                "event": "prediction",
                "model": "m",
                "label": str(label),
                "confidence": float(c),
            }
            if version is not None:
                record["model_version"] = version
            lines.append(record)
            t += step_s
    return lines


def drift(write_lines, lines, reference=None, window=WindowSpec()):
    path = write_lines("preds.log", lines)
    return build_drift_report([str(path)], DriftOptions(reference=reference, window=window))


# --------------------------------------------------------------------------- min_samples = 200


@pytest.mark.parametrize("n, judged", [(200, True), (199, False)])
def test_min_samples_200_predictions_per_window(tmp_path, write_lines, n, judged):
    ref, ref_conf = half_reference(tmp_path)
    stable = block({"A": 500, "B": 500}, np.tile([0.7, 0.9], 500), seed=1)
    # a window that is badly drifted (90% A) and collapsed (confidence 0.4 vs 0.8)
    bad = block({"A": n - 20, "B": 20}, 0.4, seed=2)
    assert psi([n - 20, 20], HALF) > 0.5 and chi2_p([n - 20, 20], HALF) < 1e-20
    report = drift(write_lines, prediction_lines(stable, bad), ref, parse_window("1000"))

    first, second = report.prediction.windows
    assert (first.n, first.severity) == (1000, Severity.OK)
    assert second.n == n
    conf_first, conf_second = report.confidence.windows
    assert conf_first.severity is Severity.OK and conf_second.n == n
    if judged:
        assert second.severity is Severity.CRITICAL
        assert conf_second.severity is Severity.CRITICAL
    else:
        assert second.severity is Severity.UNKNOWN
        assert second.reason.startswith("insufficient data")
        assert conf_second.severity is Severity.UNKNOWN
        assert conf_second.reason.startswith("insufficient data")


# --------------------------------------------------------------------------- alpha = 0.001 on p_BH


@pytest.mark.parametrize(
    "a, n, p_range, expected",
    [
        (238, 409, (0.0008, 0.001), Severity.WARNING),  # alpha 0.0008 would call it ok
        (237, 408, (0.001, 0.0012), Severity.OK),  # alpha 0.0012 would call it a warning
    ],
)
def test_alpha_0_001(tmp_path, write_lines, a, n, p_range, expected):
    ref, _ = half_reference(tmp_path)
    counts = [a, n - a]
    p = chi2_p(counts, HALF)
    assert p_range[0] < p < p_range[1]
    assert 0.012 < psi(counts, HALF) < 0.2  # material whichever warning floor within 20%
    report = drift(write_lines, prediction_lines(block({"A": a, "B": n - a}, 0.8, seed=3)), ref)
    (w,) = report.prediction.windows
    assert w.n == n
    assert w.p_adjusted == pytest.approx(p, rel=1e-9)  # one window: p_BH = p
    assert w.psi == pytest.approx(psi(counts, HALF), rel=1e-9)
    assert w.severity is expected


def test_alpha_applies_to_benjamini_hochberg_adjusted_p(tmp_path, write_lines):
    ref, _ = half_reference(tmp_path)
    shifted, stable = [241, 171], [206, 206]
    raw = [chi2_p(shifted, HALF), chi2_p(stable, HALF)]
    adjusted = sps.false_discovery_control(raw, method="bh")
    # raw p is significant at 0.001, the BH-adjusted p (2 tests) is not, but would be at 0.0012
    assert raw[0] < 0.001 < adjusted[0] < 0.0012
    assert psi(shifted, HALF) > 0.012
    lines = prediction_lines(block({"A": 241, "B": 171}, 0.8, seed=4), block({"A": 206, "B": 206}, 0.8, seed=5))
    report = drift(write_lines, lines, ref, parse_window("412"))
    first, second = report.prediction.windows
    assert (first.n, second.n) == (412, 412)
    assert first.p_value == pytest.approx(raw[0], rel=1e-9)
    assert first.p_adjusted == pytest.approx(adjusted[0], rel=1e-9)
    assert first.severity is Severity.OK
    assert second.severity is Severity.OK


# --------------------------------------------------------------------------- warning PSI = 0.01


@pytest.mark.parametrize(
    "a, psi_range, expected",
    [
        (5523, (0.010, 0.012), Severity.WARNING),  # a floor of 0.012 would call it ok
        (5474, (0.008, 0.010), Severity.OK),  # a floor of 0.008 would call it a warning
    ],
)
def test_warning_psi_0_01(tmp_path, write_lines, a, psi_range, expected):
    ref, _ = half_reference(tmp_path)
    counts = [a, 10_000 - a]
    assert psi_range[0] < psi(counts, HALF) < psi_range[1]
    assert chi2_p(counts, HALF) < 1e-15  # clearly significant: only the PSI floor decides
    report = drift(write_lines, prediction_lines(block({"A": a, "B": 10_000 - a}, 0.8, seed=6)), ref)
    (w,) = report.prediction.windows
    assert w.psi == pytest.approx(psi(counts, HALF), rel=1e-9)
    assert w.p_adjusted < 1e-15
    assert w.severity is expected


# --------------------------------------------------------------------------- critical PSI = 0.25


@pytest.mark.parametrize(
    "a, psi_range, expected",
    [
        (750, (0.25, 0.30), Severity.CRITICAL),  # a bound of 0.30 would call it a warning
        (728, (0.20, 0.25), Severity.WARNING),  # a bound of 0.20 would call it critical
    ],
)
def test_critical_psi_0_25_with_a_profile_json(tmp_path, write_lines, a, psi_range, expected):
    train = pl.DataFrame({"label": ["A", "B"] * 5000, "confidence": [0.7, 0.9] * 5000})
    profile_path = tmp_path / "train.json"
    with profile_path.open("w") as fh:
        json.dump(profile_to_dict(build_profile(train, features=[])), fh)
    counts = [a, 1000 - a]
    assert psi_range[0] < psi(counts, HALF) < psi_range[1]
    assert chi2_p(counts, HALF) < 1e-30
    report = drift(write_lines, prediction_lines(block({"A": a, "B": 1000 - a}, 0.8, seed=7)), profile_path)
    (w,) = report.prediction.windows
    assert w.psi == pytest.approx(psi(counts, HALF), rel=1e-9)
    assert w.severity is expected


# --------------------------------------------------------------------------- low confidence = 0.5


def test_share_below_counts_confidence_strictly_below_0_5(tmp_path, write_lines):
    ref, _ = half_reference(tmp_path)
    # 0.45 only counts for a threshold above 0.45 (0.4 would miss it); 0.5 counts only with
    # "<=" or a higher threshold; 0.55 counts only for a threshold above 0.55 (0.6 would).
    conf = np.repeat([0.45, 0.5, 0.55, 0.9], 100)
    labels = np.tile(["A", "B"], 200)
    report = drift(write_lines, prediction_lines((labels, conf)), ref)
    (w,) = report.confidence.windows
    assert w.n == 400
    assert w.share_below == pytest.approx(np.mean(conf < 0.5))
    assert w.share_below == pytest.approx(0.25)
    assert w.mean == pytest.approx(np.mean(conf))


# --------------------------------------------------------------------------- collapse drop = 0.10


@pytest.mark.parametrize(
    "pair, fall_range, expected",
    [
        ((0.61, 0.81), (0.08, 0.10), Severity.OK),  # fall 0.09: a bound of 0.08 would flag it
        ((0.59, 0.79), (0.10, 0.12), Severity.CRITICAL),  # fall 0.11: a bound of 0.12 would not
        ((0.81, 1.0), (-0.12, -0.10), Severity.OK),  # a rise of 0.105 is reported, not alerted
    ],
)
def test_confidence_collapse_drop_0_10(tmp_path, write_lines, pair, fall_range, expected):
    ref, ref_conf = half_reference(tmp_path)
    conf = np.tile(pair, 500)
    fall = float(np.mean(ref_conf) - np.mean(conf))
    assert fall_range[0] < fall < fall_range[1]
    labels = np.tile(["A", "B"], 500)
    report = drift(write_lines, prediction_lines((labels, conf)), ref)
    (w,) = report.confidence.windows
    assert w.n == 1000
    assert w.baseline == pytest.approx(np.mean(ref_conf))
    assert w.mean == pytest.approx(np.mean(conf))
    assert w.change == pytest.approx(-fall)
    assert w.severity is expected
    assert report.prediction.windows[0].severity is Severity.OK  # shares match the reference exactly


@pytest.mark.parametrize(
    "baseline, expected",
    [
        (0.1625, Severity.OK),  # fall exactly 0.1: not "more than"
        (math.nextafter(0.1625, 1.0), Severity.CRITICAL),  # one ulp more
    ],
)
def test_collapse_is_a_fall_strictly_more_than_0_10(tmp_path, write_lines, baseline, expected):
    # Floats chosen so the fall is exact: 0.0625 is dyadic and 0.1625 - 0.0625 == 0.1 in
    # binary64 (checked below), so the boundary case really sits on the boundary.
    train = pl.DataFrame({"label": ["A", "B"] * 500, "confidence": [0.1625] * 1000})
    profile = profile_to_dict(build_profile(train, features=[]))
    profile["confidence"]["mean"] = baseline
    path = tmp_path / "train.json"
    path.write_text(json.dumps(profile))
    fall = baseline - 0.0625
    assert (fall == 0.1) if expected is Severity.OK else (fall > 0.1)
    labels = np.tile(["A", "B"], 500)
    report = drift(write_lines, prediction_lines((labels, np.full(1000, 0.0625))), path)
    (w,) = report.confidence.windows
    assert w.baseline == baseline and w.mean == 0.0625
    assert w.severity is expected


# --------------------------------------------------------------------------- no reference: per-version baseline


def test_without_reference_each_version_is_its_own_baseline(write_lines):
    # v1 is a confident model (0.90 then 0.85); v2 is a less confident one (0.60, then a real
    # collapse to 0.45). Records of the two versions alternate in time, v1 first.
    v1 = [
        block({"A": 500, "B": 500}, np.tile([0.85, 0.95], 500), seed=10),
        block({"A": 500, "B": 500}, np.tile([0.80, 0.90], 500), seed=11),
    ]
    v2 = [
        block({"A": 500, "B": 500}, np.tile([0.55, 0.65], 500), seed=12),
        block({"A": 500, "B": 500}, np.tile([0.40, 0.50], 500), seed=13),
    ]
    lines = [
        record
        for pair in zip(
            prediction_lines(*v1, version="v1", start_s=0, step_s=2),
            prediction_lines(*v2, version="v2", start_s=1, step_s=2),
        )
        for record in pair
    ]
    report = drift(write_lines, lines, None, parse_window("1000"))

    assert not report.prediction.computable
    assert report.prediction.windows and all(w.severity is Severity.UNKNOWN for w in report.prediction.windows)
    by_version = {}
    for w in report.confidence.windows:
        by_version.setdefault(w.model_version, []).append(w)
    assert sorted(by_version) == ["v1", "v2"]
    v1w, v2w = by_version["v1"], by_version["v2"]
    assert [w.n for w in v1w] == [1000, 1000] and [w.n for w in v2w] == [1000, 1000]
    v1_base, v2_base = np.mean(v1[0][1]), np.mean(v2[0][1])
    assert [w.baseline for w in v1w] == pytest.approx([v1_base, v1_base])
    assert [w.baseline for w in v2w] == pytest.approx([v2_base, v2_base])
    # v2's first window is 0.30 below v1's: no collapse, because versions are not compared
    assert [w.severity for w in v1w] == [Severity.OK, Severity.OK]
    assert [w.severity for w in v2w] == [Severity.OK, Severity.CRITICAL]
    assert v2w[1].change == pytest.approx(np.mean(v2[1][1]) - v2_base)  # -0.15
    # the version's overall mean (0.525) as baseline would hide the collapse
    assert np.mean(np.concatenate([v2[0][1], v2[1][1]])) - np.mean(v2[1][1]) < 0.10
    assert report.confidence.baseline_source == "first_window"


# --------------------------------------------------------------------------- degenerate reference


def test_single_class_reference_and_window_is_unknown_never_ok(tmp_path, write_lines):
    ref = reference_csv(tmp_path, ["A"] * 1000, np.full(1000, 0.8))
    report = drift(write_lines, prediction_lines(block({"A": 1000}, 0.8, seed=20)), ref)
    (w,) = report.prediction.windows
    assert w.n == 1000
    assert w.severity is Severity.UNKNOWN
    assert report.prediction.severity is Severity.UNKNOWN
    drift_findings = [f for f in report.findings if f.check == "prediction_drift"]
    assert drift_findings and all(f.severity is Severity.UNKNOWN for f in drift_findings)
