"""Feature drift numbers of one window (issue 10, third step): window states that merge by
addition, and statistics checked against scipy and numpy on the raw values."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from scipy import stats as scipy_stats
from scipy.spatial.distance import jensenshannon

from mlmon.analyses.features import CategoryState, NumericState, feature_drift, window_state
from mlmon.reference.build import build_profile
from mlmon.reference.keys import value_keys
from mlmon.stats import GRID_LEVELS

RNG = np.random.default_rng(7)
REF_N = 50_000


@pytest.fixture(scope="module")
def reference():
    frame = pl.DataFrame(
        {
            "x": RNG.normal(10, 2, REF_N),
            "flag": RNG.integers(0, 2, REF_N).astype(float),
            "camera": RNG.choice(["cam01", "cam02", "cam03"], REF_N, p=[0.5, 0.3, 0.2]),
            "constant": np.full(REF_N, 3.0),
            "empty": [None] * REF_N,
        },
        schema_overrides={"empty": pl.Float64},
    )
    return build_profile(frame, label=None, features=["x", "flag", "camera", "constant", "empty"])


def drift(reference, name, values):
    state = window_state(pl.Series(values), reference.features[name])
    return feature_drift(reference.features[name], state, reference.grid_levels), state


def test_a_continuous_feature_is_scipys_ks_and_wasserstein_within_their_bounds(reference):
    ref_values = np.asarray(pl.Series(RNG.normal(10, 2, REF_N)))  # a fresh draw of the same law
    current = RNG.normal(10.3, 2.6, 6_000)
    result, state = drift(reference, "x", np.concatenate([current, [np.nan] * 60]))
    assert result.missing_share == pytest.approx(60 / 6060) and result.n == 6_000
    assert isinstance(state, NumericState) and result.kind == "continuous" and result.unknown is None
    ks = scipy_stats.ks_2samp(ref_values, current).statistic
    assert result.ks.low - 0.01 <= ks <= result.ks.high + 0.01  # two reference draws differ by about 1/sqrt(n)
    feature = reference.features["x"]
    assert result.mean_shift_sd == pytest.approx((current.mean() - feature.mean) / feature.std, rel=1e-9)
    assert result.std_ratio == pytest.approx(current.std(ddof=1) / feature.std, rel=1e-9)
    w1 = scipy_stats.wasserstein_distance(np.quantile(ref_values, np.linspace(0, 1, 20_001)), current) / feature.std
    assert abs(result.wasserstein_sd.value - w1) <= result.wasserstein_sd.bound + 0.02
    assert result.outside_share == pytest.approx(((current < feature.min) | (current > feature.max)).mean())


def test_window_states_merge_to_the_state_of_the_whole_window(reference):
    values = np.concatenate([RNG.normal(10, 2, 3000), [np.nan, np.inf]])
    flags = np.concatenate([np.round(RNG.uniform(0, 1, 3000)), [np.nan, np.nan]])
    cameras = [*RNG.choice(["cam01", "cam09"], 3000), None, None]
    for name, data in (("x", values), ("flag", flags), ("camera", cameras)):
        pieces = [
            window_state(pl.Series(data[a:b]), reference.features[name])
            for a, b in ((0, 7), (7, 1500), (1500, len(data)))
        ]
        merged = pieces[0].merge(pieces[1]).merge(pieces[2])
        whole = window_state(pl.Series(data), reference.features[name])
        a = feature_drift(reference.features[name], merged, reference.grid_levels)
        b = feature_drift(reference.features[name], whole, reference.grid_levels)
        assert a.psi == pytest.approx(b.psi, rel=1e-12) and a.p_value == pytest.approx(b.p_value, rel=1e-9, abs=1e-300)
        assert a.n == b.n and a.missing_share == b.missing_share == pytest.approx(2 / 3002)


def test_a_binary_feature_is_compared_by_value_with_scipys_exact_ks_and_wasserstein(reference):
    current = (RNG.uniform(size=6_000) < 0.46).astype(float)  # share of 1 moves from ~50% to 46%
    result, state = drift(reference, "flag", current)
    assert isinstance(state, CategoryState) and result.kind == "discrete"
    ref_counts = reference.features["flag"].value_counts
    keys = sorted(ref_counts)
    observed = np.array([state.counts.get(k, 0) for k in keys])
    raw_reference = np.repeat([float(k) for k in keys], [ref_counts[k] for k in keys])
    d = scipy_stats.ks_2samp(raw_reference, current).statistic
    assert result.ks.low == result.ks.high == pytest.approx(d, abs=1e-12)
    n_e = REF_N * current.size / (REF_N + current.size)
    assert result.p_value == pytest.approx(scipy_stats.kstwobign.sf(np.sqrt(n_e) * d), rel=1e-9)
    w1 = scipy_stats.wasserstein_distance(raw_reference, current) / reference.features["flag"].std
    assert result.wasserstein_sd.value == pytest.approx(w1, rel=1e-9) and result.wasserstein_sd.bound == 0
    r, c = np.array([ref_counts[k] for k in keys]) / REF_N, observed / observed.sum()
    assert result.psi == pytest.approx(float(np.sum((c - r) * np.log(c / r))), rel=1e-9)
    assert 0.002 < result.psi < 0.02 and result.mean_shift_sd == pytest.approx(
        (current.mean() - reference.features["flag"].mean) / reference.features["flag"].std
    )


def test_a_new_category_is_unseen_with_its_share_and_js_is_scipys(reference):
    current = ["cam01"] * 350 + ["cam02"] * 210 + ["cam03"] * 140 + ["cam04"] * 300 + [None] * 100
    result, _ = drift(reference, "camera", current)
    assert result.kind == "categorical" and result.unseen == {"cam04": pytest.approx(0.3)}
    assert result.missing_share == pytest.approx(100 / 1100)
    ref = reference.features["camera"].category_counts
    p = np.array([ref["cam01"], ref["cam02"], ref["cam03"], 0]) / REF_N
    q = np.array([350, 210, 140, 300]) / 1000
    assert result.js_distance == pytest.approx(jensenshannon(p, q, base=2), rel=1e-9)
    assert result.psi > 0.25  # 30% of rows in a category the reference never saw


def test_a_new_resolution_shows_as_an_unseen_value_outside_the_reference_range():
    frame = pl.DataFrame({"width": [640.0] * 900 + [1280.0] * 100})
    profile = build_profile(frame, label=None, features=["width"])
    assert profile.features["width"].value_counts == {"640.0": 900, "1280.0": 100}
    state = window_state(pl.Series([1920.0] * 400 + [640.0] * 500 + [1280.0] * 100), profile.features["width"])
    result = feature_drift(profile.features["width"], state, profile.grid_levels)
    assert result.unseen == {"1920.0": pytest.approx(0.4)} and result.outside_share == pytest.approx(
        0.4
    )  # 1280 is the maximum: inside


@pytest.mark.parametrize(
    ("name", "values", "reason"),
    [
        ("empty", [1.0, 2.0], "the reference has no values of this feature"),
        ("x", [None, float("nan")], "no values in this window"),
        ("x", [], "no values in this window"),
    ],
)
def test_degenerate_features_are_unknown_with_a_reason_never_an_exception(reference, name, values, reason):
    result, _ = drift(reference, name, pl.Series(values, dtype=pl.Float64))
    assert result.unknown == reason
    if reason:
        assert math.isnan(result.p_value)  # never tested; PSI may be a plain 0 (a constant that stayed)


def test_a_version_1_profile_says_it_has_no_grid(reference):
    from dataclasses import replace

    old = replace(reference.features["x"], grid=())
    state = window_state(pl.Series([1.0, 2.0]), reference.features["x"])
    assert "version 1" in feature_drift(old, state, ()).unknown


def test_value_keys_are_the_profiles_keys():
    assert value_keys(pl.Series([640.0, -0.0, 1 / 3, 1e-7])).to_list() == ["640.0", "0.0", "0.3333333333333333", "1e-7"]


def test_grid_levels_are_the_ones_the_reference_stores(reference):
    assert reference.grid_levels == tuple(GRID_LEVELS)


def test_the_same_constant_on_both_sides_is_identical_not_unknown(reference):
    """640 pixels wide in training and in the window: p = 1 and PSI 0 (ok), while a constant
    that moves is tested as usual."""
    same, _ = drift(reference, "constant", pl.Series([3.0] * 300))
    assert (same.unknown, same.p_value, same.psi) == (None, 1.0, 0.0)
    moved, _ = drift(reference, "constant", pl.Series([4.0] * 300))
    assert moved.unknown is None and moved.p_value < 1e-100 and moved.psi > 1


def test_a_count_the_reference_never_held_is_a_small_step_not_a_new_category(reference):
    """An integer feature whose window holds a value between two reference values (or just
    past the maximum), a few times: chi-squared on categories would call it new; ordered
    values make it a step of its share (scipy's KS on the raw values)."""
    ref_counts = reference.features["flag"].value_counts
    raw_reference = np.repeat([float(k) for k in ref_counts], list(ref_counts.values()))
    current = np.concatenate([(RNG.uniform(size=1_000) < 0.5).astype(float), [0.5, 0.5, 2.0]])
    result, _ = drift(reference, "flag", current)
    exact = scipy_stats.ks_2samp(raw_reference, current)
    assert result.ks.low == pytest.approx(exact.statistic, abs=1e-12) and result.p_value > 0.05
    assert set(result.unseen) == {"0.5", "2.0"}
