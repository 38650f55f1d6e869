"""Feature-drift verdicts (issue 10): no false alarm on stationary features, subtle real
shifts are warnings and never critical, gross shifts are critical from the first window,
degenerate features are unknown with a reason."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
import scipy.stats

from mlmon.analyses.features import CategoryState, FeatureDrift, NumericState, feature_drift, window_state
from mlmon.reference.build import build_profile
from mlmon.stats.grid import Estimate, GridCounts, Moments
from mlmon.verdicts.feature_drift import (
    FeatureDriftResult,
    FeatureOutcome,
    FeatureVerdict,
    feature_drift_findings,
    judge_feature_drift,
    rank_features,
)
from mlmon.verdicts.findings import Severity
from mlmon.verdicts.registry import FeatureDriftThresholds

REF_N = 100_000
CATEGORIES = [f"c{i}" for i in range(10)]
CATEGORY_P = np.arange(1, 11) / 55


def draw(kind: str, rng: np.random.Generator, size) -> np.ndarray:
    if kind == "normal":
        return rng.normal(5, 2, size)
    if kind == "lognormal":
        return rng.lognormal(1, 0.6, size)
    if kind == "uniform":
        return rng.uniform(-1, 1, size)
    if kind == "binary":
        return (rng.uniform(size=size) < 0.5).astype(float)
    return rng.choice(np.array(CATEGORIES), size=size, p=CATEGORY_P)


KINDS = ("normal", "lognormal", "uniform", "binary", "category")
FEATURES = [f"{kind}_{i}" for kind in KINDS for i in range(4)]


@pytest.fixture(scope="module")
def reference():
    rng = np.random.default_rng(20)
    frame = pl.DataFrame({name: draw(name.rsplit("_", 1)[0], rng, REF_N) for name in FEATURES})
    return build_profile(frame, label=None, features=FEATURES)


def numeric_states(values: np.ndarray, grid: tuple[float, ...]) -> list[NumericState]:
    """Window states of every row of ``values`` at once (the reducer's state, built fast)."""
    g = np.unique(grid)
    rows, width = values.shape
    left = np.searchsorted(g, values, side="left")
    on_point = g[np.minimum(left, len(g) - 1)] == values
    index = np.where(on_point, 1 + 2 * left, 2 * left)  # the cell: below, {u_0}, (u_0, u_1), ..., above
    cells = 2 * len(g) + 1
    counts = np.bincount((index + np.arange(rows)[:, None] * cells).ravel(), minlength=rows * cells).reshape(rows, -1)
    below, above = np.where(values < g[0], values, 0).sum(axis=1), np.where(values > g[-1], values, 0).sum(axis=1)
    means, m2 = values.mean(axis=1), ((values - values.mean(axis=1, keepdims=True)) ** 2).sum(axis=1)
    return [
        NumericState(
            GridCounts(counts[i], float(below[i]), float(above[i])), Moments(width, float(means[i]), float(m2[i])), 0
        )
        for i in range(rows)
    ]


def category_states(values: np.ndarray, keys: list[str] | None = None) -> list[CategoryState]:
    states = []
    for row in values:
        labels, counts = np.unique(row, return_counts=True)
        names = keys or [str(x) for x in labels]
        if keys:
            names = [f"{float(x)!r}" for x in labels]
        numeric = row.dtype.kind == "f"
        states.append(
            CategoryState(
                dict(zip(names, map(int, counts))), 0, Moments.of(row) if numeric else Moments(0, math.nan, 0.0)
            )
        )
    return states


def judge(reference, name: str, states) -> list:
    feature = reference.features[name]
    measured = [(name, i, feature_drift(feature, s, reference.grid_levels)) for i, s in enumerate(states)]
    return list(judge_feature_drift(measured))


def test_twenty_stationary_features_over_a_thousand_windows_flag_nothing(reference):
    rng = np.random.default_rng(21)
    measured = []
    for name in FEATURES:
        kind, feature = name.rsplit("_", 1)[0], reference.features[name]
        values = draw(kind, rng, (1000, 1000))
        if kind in ("binary", "category"):
            states = category_states(values, keys=[] if kind == "binary" else None)
        else:
            states = numeric_states(values, feature.grid)
        measured += [(name, i, feature_drift(feature, s, reference.grid_levels)) for i, s in enumerate(states)]
    verdicts = judge_feature_drift(measured)
    assert len(verdicts) == 20_000
    flagged = [(v.feature, v.window, v.reason) for v in verdicts if v.severity is not Severity.OK]
    assert flagged == []
    assert all(math.isfinite(v.drift.psi) and math.isfinite(v.p_adjusted) for v in verdicts)


@pytest.mark.parametrize(
    ("name", "shift"),
    [
        ("normal_0", lambda x: (x - 5) * 1.3 + 5),  # std x1.3, mean unchanged: a mean-only check misses it
        ("normal_1", lambda x: x + 0.15 * 2),  # mean +0.15 sd
        ("binary_0", None),  # a binary share from 50% to 46%
    ],
)
def test_subtle_real_shifts_in_windows_of_6000_are_warnings_never_critical(reference, name, shift):
    rng = np.random.default_rng(22)
    if name.startswith("binary"):
        states = category_states((rng.uniform(size=(5, 6000)) < 0.46).astype(float), keys=[])
    else:
        states = numeric_states(shift(draw("normal", rng, (5, 6000))), reference.features[name].grid)
    severities = {v.severity for v in judge(reference, name, states)}
    assert severities == {Severity.WARNING}, [v.reason for v in judge(reference, name, states)]


def test_gross_shifts_are_critical_from_the_first_window(reference):
    rng = np.random.default_rng(23)
    shifted = numeric_states(draw("normal", rng, (3, 2000)) + 2.0, reference.features["normal_2"].grid)  # +1 sd
    assert [v.severity for v in judge(reference, "normal_2", shifted)] == [Severity.CRITICAL] * 3
    rows = np.concatenate([draw("category", rng, (1, 1400)), np.full((1, 600), "c99")], axis=1)  # a new category: 30%
    verdicts = judge(reference, "category_0", category_states(rows))
    assert verdicts[0].severity is Severity.CRITICAL and verdicts[0].drift.unseen == {"c99": pytest.approx(0.3)}


def test_degenerate_features_are_unknown_with_the_reason_and_no_nan_reaches_a_total():
    """Degenerate inputs are unknown with a reason; a constant that stayed is ok."""
    frame = pl.DataFrame(
        {"constant": np.full(1000, 3.0), "empty": [None] * 1000, "x": np.linspace(0, 1, 1000)},
        schema_overrides={"empty": pl.Float64},
    )
    reference = build_profile(frame, label=None, features=["constant", "empty", "x"])
    measured = [
        (
            "empty",
            0,
            feature_drift(
                reference.features["empty"],
                window_state(pl.Series([1.0] * 300), reference.features["empty"]),
                reference.grid_levels,
            ),
        ),
        (
            "x",
            0,
            feature_drift(
                reference.features["x"],
                window_state(pl.Series([None] * 300, dtype=pl.Float64), reference.features["x"]),
                reference.grid_levels,
            ),
        ),
        (
            "x",
            1,
            feature_drift(
                reference.features["x"],
                window_state(pl.Series(np.linspace(0, 1, 50)), reference.features["x"]),
                reference.grid_levels,
            ),
        ),
        (
            "constant",
            0,
            feature_drift(
                reference.features["constant"],
                window_state(pl.Series([3.0] * 300), reference.features["constant"]),
                reference.grid_levels,
            ),
        ),
    ]
    verdicts = judge_feature_drift(measured)
    assert [(v.feature, v.severity.value, v.reason) for v in verdicts[:3:2]] == [
        ("empty", "unknown", "the reference has no values of this feature"),
        ("x", "unknown", "insufficient data: 50 values < 200"),
    ]
    # An all-null window of a feature the reference had: its distribution cannot be
    # compared, but the loss can: 300 of 300 rows missing against none of 1,000.
    assert verdicts[1].drift.unknown == "no values in this window"
    assert verdicts[1].severity is Severity.CRITICAL and verdicts[1].reason.startswith(
        "missing share 100.0% against 0.0%"
    )
    assert verdicts[1].drift.missing_p_value == pytest.approx(
        scipy.stats.chi2_contingency([[0, 1000], [300, 0]], correction=False)[1]
    )
    # the same constant on both sides: identical distributions, tested with p = 1, so ok
    assert (verdicts[3].severity, verdicts[3].drift.p_value, verdicts[3].drift.psi) == (Severity.OK, 1.0, 0.0)
    assert all(math.isnan(v.p_adjusted) for v in verdicts[:3]) and verdicts[3].p_adjusted == 1.0
    moved = feature_drift(
        reference.features["constant"],
        window_state(pl.Series([4.0] * 300), reference.features["constant"]),
        reference.grid_levels,
    )
    assert judge_feature_drift([("constant", 0, moved)])[0].severity is Severity.CRITICAL  # a constant that moved


def test_a_significant_but_immaterial_shift_is_ok_whatever_psi_says(reference):
    """Mean +0.08 sd in windows of 200,000: KS is significant and PSI passes the discrete
    warning bound (0.005), but Wasserstein/sd (about 0.08) is under the continuous one."""
    rng = np.random.default_rng(24)
    states = numeric_states(draw("normal", rng, (2, 200_000)) + 0.16, reference.features["normal_3"].grid)
    verdicts = judge(reference, "normal_3", states)
    assert all(v.p_adjusted < 0.001 and v.drift.psi > 0.005 for v in verdicts)
    assert [v.severity for v in verdicts] == [Severity.OK] * 2
    assert all(v.reason.startswith("significant") and "immaterial: Wasserstein/sd 0.0" in v.reason for v in verdicts)


def _missing_case(reference_missing: int, windows: list[tuple[int, int]]):
    """A numeric feature with ``reference_missing`` of 5,000 rows missing, and windows of
    (missing, rows)."""
    rng = np.random.default_rng(31)
    values = rng.normal(size=5000)
    values[:reference_missing] = np.nan
    reference = build_profile(pl.DataFrame({"x": values}), label=None, features=["x"])
    feature = reference.features["x"]
    measured = []
    for index, (missing, rows) in enumerate(windows):
        column = rng.normal(size=rows)
        column[:missing] = np.nan
        measured.append(
            ("x", index, feature_drift(feature, window_state(pl.Series(column), feature), reference.grid_levels))
        )
    return judge_feature_drift(measured)


def test_a_stationary_missing_share_never_alarms():
    rng = np.random.default_rng(32)
    windows = [(int(rng.binomial(1000, 0.05)), 1000) for _ in range(1000)]
    assert {v.severity for v in _missing_case(250, windows)} == {Severity.OK}


def test_a_rise_of_the_missing_share_is_a_warning_then_critical_and_a_fall_pages_nobody():
    verdicts = _missing_case(250, [(600, 6000), (1800, 6000), (3600, 6000), (0, 6000)])
    assert [v.severity for v in verdicts] == [Severity.WARNING, Severity.WARNING, Severity.CRITICAL, Severity.OK]
    assert verdicts[0].reason.startswith("missing share 10.0% against 5.0% in the reference")
    expected = scipy.stats.chi2_contingency([[250, 4750], [600, 5400]], correction=False)[1]
    assert verdicts[0].drift.missing_p_value == pytest.approx(expected)


def _drift(**fields) -> FeatureDrift:
    base = {
        "kind": "discrete",
        "n": 1_000,
        "missing_share": 0.0,
        "reference_missing_share": 0.0,
        "psi": 0.0,
        "p_value": 1.0,
    }
    return FeatureDrift(**{**base, **fields})


@pytest.mark.parametrize(
    ("fields", "severity"),
    [
        ({"n": 200, "psi": 0.3, "p_value": 1e-9}, Severity.CRITICAL),  # exactly min_samples: judged
        ({"n": 199, "psi": 0.3, "p_value": 1e-9}, Severity.UNKNOWN),
        ({"psi": 0.25, "p_value": 1e-9}, Severity.CRITICAL),  # bounds are inclusive
        ({"psi": 0.005, "p_value": 1e-9}, Severity.WARNING),
        ({"psi": 0.3, "p_value": 0.001}, Severity.OK),  # p_BH must be below alpha
        ({"kind": "continuous", "psi": 0.01, "p_value": 1e-9, "wasserstein_sd": Estimate(0.1, 0.0)}, Severity.WARNING),
        ({"kind": "continuous", "psi": 0.01, "p_value": 1e-9, "wasserstein_sd": Estimate(0.0999, 0.0)}, Severity.OK),
        # 150 values and half the rows missing: 300 rows, enough to test the missing share
        ({"n": 150, "missing_share": 0.5, "missing_p_value": 1e-9, "p_value": math.nan}, Severity.CRITICAL),
        ({"n": 100, "missing_share": 0.5, "missing_p_value": 1e-9, "p_value": math.nan}, Severity.CRITICAL),  # 200 rows
        ({"n": 90, "missing_share": 0.5, "missing_p_value": 1e-9, "p_value": math.nan}, Severity.UNKNOWN),
    ],
)
def test_every_bound_is_inclusive_where_the_registry_says_at_or_above(fields, severity):
    assert judge_feature_drift([("f", 0, _drift(**fields))])[0].severity is severity


def _outcome(name: str, severity: Severity, psi: float = 0.0):
    verdict = FeatureVerdict(name, 0, _drift(psi=psi), 0.0, 0.0, severity, "why")
    return FeatureOutcome(name, "discrete", severity, verdict, None, None)


def test_the_dataset_finding_names_the_movers_and_is_the_worst_severity():
    def finding(*outcomes, reason=None):
        result = FeatureDriftResult(tuple(outcomes), (), reason, {}, (), False, FeatureDriftThresholds())
        (only,) = feature_drift_findings(result)
        return only

    assert finding(reason="no inputs").severity is Severity.UNKNOWN
    assert (
        finding(_outcome("a", Severity.UNKNOWN)).message
        == "feature drift not computed: no feature could be judged (1 unknown)"
    )
    quiet = finding(_outcome("a", Severity.OK), _outcome("b", Severity.UNKNOWN))
    assert (quiet.severity, quiet.message, quiet.value) == (Severity.OK, "no feature drifted (1 of 2 judged)", 0.0)
    moved = finding(_outcome("a", Severity.WARNING), _outcome("b", Severity.CRITICAL), _outcome("c", Severity.OK))
    assert (moved.severity, moved.value) == (Severity.CRITICAL, 2.0)
    assert moved.message == "2 of 3 features drifted: a warning, b critical"
    many = finding(*[_outcome(f"f{i}", Severity.WARNING) for i in range(7)])
    assert many.message.endswith("f4 warning, ...") and many.message.startswith("7 of 7")


def test_features_rank_by_severity_then_psi_and_the_first_drifted_window_is_kept():
    verdicts = [
        FeatureVerdict("a", 1, _drift(psi=0.3), 0.0, 0.0, Severity.CRITICAL, ""),
        FeatureVerdict("b", 1, _drift(psi=0.02), 0.0, 0.0, Severity.WARNING, ""),
        FeatureVerdict("b", 2, _drift(psi=0.5), 0.0, 0.0, Severity.CRITICAL, ""),
        FeatureVerdict("c", 1, _drift(psi=math.nan), math.nan, math.nan, Severity.UNKNOWN, ""),
    ]
    ranked = rank_features(verdicts, {"a": None, "b": None, "c": None})
    assert [(o.feature, o.severity, o.first_drifted) for o in ranked] == [
        ("b", Severity.CRITICAL, 1),
        ("a", Severity.CRITICAL, 1),
        ("c", Severity.UNKNOWN, None),
    ]
    assert ranked[0].worst.window == 2
