"""mlmon.stats against scipy and hand-worked examples."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps
from scipy.spatial.distance import jensenshannon

from mlmon import stats

# --------------------------------------------------------------------------- PSI


def test_psi_hand_worked_two_classes():
    # (0.6 - 0.5) ln(0.6/0.5) + (0.4 - 0.5) ln(0.4/0.5) = 0.1 (ln 1.2 - ln 0.8)
    expected = 0.1 * (math.log(1.2) - math.log(0.8))
    assert stats.psi([0.5, 0.5], [0.6, 0.4]) == pytest.approx(expected, rel=1e-12)
    assert expected == pytest.approx(0.040546510810816, rel=1e-12)


def test_psi_takes_counts_or_shares():
    assert stats.psi([5, 5], [60, 40]) == pytest.approx(stats.psi([0.5, 0.5], [0.6, 0.4]), rel=1e-12)


def test_psi_is_symmetrised_kl():
    rng = np.random.default_rng(1)
    r = rng.dirichlet(np.ones(6))
    c = rng.dirichlet(np.ones(6))
    assert stats.psi(r, c) == pytest.approx(sps.entropy(c, r) + sps.entropy(r, c), rel=1e-9)


def test_psi_identical_is_zero():
    assert stats.psi([0.2, 0.3, 0.5], [20, 30, 50]) == pytest.approx(0.0, abs=1e-15)


def test_psi_empty_bin_uses_documented_epsilon():
    eps = 1e-4  # the documented floor (references/statistics/psi.md), not read from mlmon
    r = np.array([0.5, 0.5, eps]) / (1 + eps)  # the empty reference class, floored and renormalised
    c = np.array([0.4, 0.4, 0.2])
    expected = float(np.sum((c - r) * np.log(c / r)))
    assert stats.psi([0.5, 0.5, 0.0], [40, 40, 20]) == pytest.approx(expected, rel=1e-12)
    assert math.isfinite(stats.psi([1.0, 0.0], [0.0, 1.0]))


def test_psi_degenerate_inputs_are_nan():
    assert math.isnan(stats.psi([], []))
    assert math.isnan(stats.psi([0.5, 0.5], [0, 0]))
    assert math.isnan(stats.psi([0, 0], [3, 4]))
    with pytest.raises(ValueError):
        stats.psi([0.5, 0.5], [1, 2, 3])
    with pytest.raises(ValueError):
        stats.psi([0.5, 0.5], [-1, 2])


# --------------------------------------------------------------------------- chi-squared


def test_chi_squared_hand_worked():
    # expected 50/50: (30-50)^2/50 + (70-50)^2/50 = 16 on 1 d.o.f.
    statistic, p = stats.chi_squared_gof([30, 70], [0.5, 0.5])
    assert statistic == pytest.approx(16.0)
    assert p == pytest.approx(sps.chi2.sf(16.0, 1), rel=1e-12)
    assert p == pytest.approx(6.334248366623996e-05, rel=1e-9)


def test_chi_squared_matches_scipy():
    rng = np.random.default_rng(2)
    for _ in range(20):
        r = rng.dirichlet(np.ones(5))
        obs = rng.multinomial(1000, rng.dirichlet(np.ones(5)))
        expected = sps.chisquare(obs, f_exp=r * obs.sum())
        statistic, p = stats.chi_squared_gof(obs, r)
        assert statistic == pytest.approx(expected.statistic, rel=1e-9)
        assert p == pytest.approx(expected.pvalue, rel=1e-9, abs=1e-300)


def test_chi_squared_unseen_class_gets_epsilon_expected():
    eps = 1e-4  # the documented floor (references/statistics/psi.md), not read from mlmon
    obs = np.array([500, 490, 10])
    r = np.array([0.5, 0.5, eps]) / (1 + eps)
    expected = sps.chisquare(obs, f_exp=r * 1000)
    statistic, p = stats.chi_squared_gof(obs, [0.5, 0.5, 0.0])
    assert statistic == pytest.approx(expected.statistic, rel=1e-12)
    assert p == pytest.approx(expected.pvalue, rel=1e-9, abs=1e-300)


def test_chi_squared_degenerate_inputs_are_nan():
    for obs, ref in (([], []), ([0, 0], [0.5, 0.5]), ([5], [1.0]), ([3, 4], [0, 0])):
        statistic, p = stats.chi_squared_gof(obs, ref)
        assert math.isnan(statistic) and math.isnan(p)


# --------------------------------------------------------------------------- Jensen-Shannon


def test_js_matches_scipy_base2():
    rng = np.random.default_rng(3)
    for _ in range(20):
        p, q = rng.dirichlet(np.ones(4)), rng.multinomial(500, rng.dirichlet(np.ones(4)))
        assert stats.js_distance(p, q) == pytest.approx(jensenshannon(p, q / q.sum(), base=2), rel=1e-12)


def test_js_hand_worked():
    assert stats.js_distance([1, 0], [0, 1]) == pytest.approx(1.0)
    assert stats.js_distance([0.3, 0.7], [30, 70]) == pytest.approx(0.0, abs=1e-7)
    # p = (1, 0), q = (1/2, 1/2): m = (3/4, 1/4);
    # KL(p||m) = log2(4/3); KL(q||m) = 1/2 log2(2/3) + 1/2 log2(2)
    js2 = 0.5 * math.log2(4 / 3) + 0.5 * (0.5 * math.log2(2 / 3) + 0.5)
    assert stats.js_distance([1, 0], [0.5, 0.5]) == pytest.approx(math.sqrt(js2), rel=1e-12)


def test_js_degenerate_inputs_are_nan():
    assert math.isnan(stats.js_distance([], []))
    assert math.isnan(stats.js_distance([0, 0], [1, 2]))


# --------------------------------------------------------------------------- Benjamini-Hochberg


def test_bh_hand_worked():
    # sorted 0.005, 0.01, 0.03, 0.04 -> x 4/1, 4/2, 4/3, 4/4 = 0.02, 0.02, 0.04, 0.04 (monotone)
    adjusted = stats.benjamini_hochberg([0.01, 0.04, 0.03, 0.005])
    np.testing.assert_allclose(adjusted, [0.02, 0.04, 0.04, 0.02])


def test_bh_matches_scipy_and_skips_nan():
    rng = np.random.default_rng(4)
    p = rng.uniform(size=50) ** 3
    np.testing.assert_allclose(stats.benjamini_hochberg(p), sps.false_discovery_control(p, method="bh"))
    adjusted = stats.benjamini_hochberg([0.01, float("nan"), 0.04])
    assert math.isnan(adjusted[1])
    np.testing.assert_allclose(adjusted[[0, 2]], [0.02, 0.04])
    assert stats.benjamini_hochberg([]).shape == (0,)
    assert np.isnan(stats.benjamini_hochberg([float("nan")])).all()


# --------------------------------------------------------------------------- entropy, bins, align


def test_entropy_bits_matches_scipy():
    rng = np.random.default_rng(5)
    rows = rng.dirichlet(np.ones(4), size=10) * 3  # unnormalised on purpose
    np.testing.assert_allclose(stats.entropy_bits(rows), sps.entropy(rows, base=2, axis=1))
    assert stats.entropy_bits([0.25] * 4) == pytest.approx(2.0)
    assert stats.entropy_bits([1.0, 0.0, 0.0]) == pytest.approx(0.0)
    assert math.isnan(stats.entropy_bits([0.0, 0.0]))


def test_bin_counts_hand_worked():
    edges = [0.0, 1.0, 2.0]
    # below: -1 | [0, 1): 0, 0.5 | [1, 2] closed: 1, 2, 2 | above: 3
    counts = stats.bin_counts([-1, 0, 0.5, 1, 2, 2, 3], edges)
    assert counts.tolist() == [1, 2, 3, 1]
    assert stats.bin_counts([4.0, 5.0, 6.0], [5.0, 5.0]).tolist() == [1, 1, 1]
    with pytest.raises(ValueError):
        stats.bin_counts([1.0], [1.0])


def test_align_categories_keeps_unseen_classes():
    aligned = stats.align_categories({"B": 0.25, "A": 0.75}, {"A": 5, "Z": 2, "E": 1})
    assert aligned.labels == ("A", "B", "E", "Z")
    assert aligned.unseen == ("E", "Z")
    assert aligned.reference_shares.tolist() == [0.75, 0.25, 0.0, 0.0]
    assert aligned.current_counts.tolist() == [5, 0, 1, 2]


def test_floor_shares_renormalises():
    floored = stats.floor_shares([1.0, 0.0], epsilon=0.01)
    np.testing.assert_allclose(floored, [1 / 1.01, 0.01 / 1.01])
    assert floored.sum() == pytest.approx(1.0)


# --------------------------------------------------------------------------- edges a mutation audit found


def test_edges_of_shares_alignment_and_bins():
    import warnings

    assert stats.to_shares([5]).tolist() == [1.0]  # one category is a share of one
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # all-zero counts: nan, without dividing by zero
        assert np.isnan(stats.to_shares([0, 0])).all()
        assert all(map(math.isnan, stats.chi_squared_gof([0, 0], [0.5, 0.5])))
    aligned = stats.align_categories({"A": 1.0}, {"A": 5, "Z": 0})
    assert aligned.labels == ("A",) and aligned.unseen == ()  # a class counted zero times is not "seen"
    # One prediction is enough for a finite statistic: (1 - 0.5)^2 / 0.5 + (0 - 0.5)^2 / 0.5 = 1.
    assert stats.chi_squared_gof([1, 0], [0.5, 0.5])[0] == pytest.approx(1.0)
    with pytest.raises(ValueError):
        stats.psi([[0.5, 0.5]], [[1, 1]])  # two-dimensional input is a programming error
    assert stats.bin_counts([0.5], [0.0, 1.0]).tolist() == [0, 1, 0]  # always len(edges) + 1 bins
    assert stats.bin_counts([], [0.0, 1.0, 2.0]).tolist() == [0, 0, 0, 0]


def test_benjamini_hochberg_clips_p_above_one():
    assert stats.benjamini_hochberg([1.5, 0.01]).tolist() == pytest.approx([1.0, 0.02])
