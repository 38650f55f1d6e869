"""Realized performance (mlmon.stats.performance) against scikit-learn, a direct numpy
computation written differently, and hand-worked values (Newcombe 1998 for Wilson)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn import metrics

from mlmon.stats.performance import (
    approximate_auc,
    auc_from_counts,
    auc_grid_counts,
    brier_score,
    brier_terms,
    calibration_bins,
    class_metrics,
    confusion_matrix,
    ece,
    merge_score_counts,
    roc_auc,
    score_counts,
    unit_bins,
    wilson_interval,
)

# Newcombe (1998), its four worked examples, method 3 (Wilson score, no continuity correction), 95%.
NEWCOMBE = [
    ((81, 263), (0.2553, 0.3662)),
    ((15, 148), (0.0624, 0.1605)),
    ((0, 20), (0.0, 0.1611)),
    ((1, 29), (0.0061, 0.1718)),
]


@pytest.mark.parametrize(("counts", "expected"), NEWCOMBE)
def test_wilson_matches_newcombes_table(counts, expected):
    low, high = wilson_interval(*counts)
    assert (round(low, 4), round(high, 4)) == expected


@pytest.mark.parametrize(("s", "n", "z"), [(81, 263, 1.959963984540054), (3, 10, 1.0), (7, 7, 2.5758), (1, 1000, 1.96)])
def test_wilson_ends_solve_the_score_equation(s, n, z):
    """The ends are the proportions pi whose score test is exactly |z|: (s/n - pi)^2 = z^2 pi (1 - pi) / n."""
    for pi in wilson_interval(s, n, z):
        assert (s / n - pi) ** 2 == pytest.approx(z * z * pi * (1 - pi) / n, abs=1e-13)


def test_wilson_degenerate_and_bad_counts():
    assert all(math.isnan(v) for v in wilson_interval(0, 0))
    assert wilson_interval(5, 5)[1] == 1.0 and wilson_interval(0, 5)[0] == 0.0
    for bad in [(6, 5), (-1, 5), (0, -1)]:
        with pytest.raises(ValueError, match="successes"):
            wilson_interval(*bad)


def _random_classes(seed, n, k, skip_predicted=None, skip_actual=None):
    rng = np.random.default_rng(seed)
    actual, predicted = rng.integers(0, k, n), rng.integers(0, k, n)
    predicted = np.where(rng.random(n) < 0.6, actual, predicted)  # better than chance
    if skip_predicted is not None:
        predicted[predicted == skip_predicted] = (skip_predicted + 1) % k
    if skip_actual is not None:
        actual[actual == skip_actual] = (skip_actual + 1) % k
    return actual, predicted


CLASS_CASES = {
    "random": _random_classes(1, 500, 4),
    "a class never predicted": _random_classes(2, 300, 4, skip_predicted=2),
    "a class that never occurs": _random_classes(3, 300, 4, skip_actual=1),
    "a class neither occurs nor is predicted": _random_classes(4, 300, 5, skip_predicted=3, skip_actual=3),
    "one class": (np.zeros(20, dtype=int), np.zeros(20, dtype=int)),
    "one class, sometimes mispredicted": (np.zeros(20, dtype=int), np.array([0] * 15 + [1] * 5)),
    "all correct": (np.arange(30) % 3, np.arange(30) % 3),
    "all wrong": (np.arange(30) % 3, (np.arange(30) + 1) % 3),
    "one row": (np.array([1]), np.array([2])),
}


@pytest.mark.parametrize("case", CLASS_CASES)
def test_class_metrics_are_scikit_learns(case):
    actual, predicted = CLASS_CASES[case]
    k = int(max(actual.max(), predicted.max())) + 1
    m = class_metrics(confusion_matrix(actual, predicted, k))
    labels = np.union1d(actual, predicted)
    assert m.accuracy == pytest.approx(metrics.accuracy_score(actual, predicted), abs=1e-15)
    assert list(np.flatnonzero(m.present)) == list(labels)
    p, r, f, s = metrics.precision_recall_fscore_support(actual, predicted, zero_division=0)
    for mine, theirs in [(m.precision, p), (m.recall, r), (m.f1, f), (m.support, s)]:
        np.testing.assert_allclose(mine[m.present], theirs, atol=1e-15)
    full = metrics.precision_recall_fscore_support(actual, predicted, labels=range(k), zero_division=0)
    np.testing.assert_allclose(m.f1, full[2], atol=1e-15)
    assert m.macro_f1 == pytest.approx(metrics.f1_score(actual, predicted, average="macro", zero_division=0), abs=1e-15)


def test_an_absent_class_stays_out_of_the_macro_mean_unless_sklearn_is_given_it():
    actual, predicted = CLASS_CASES["a class neither occurs nor is predicted"]
    m = class_metrics(confusion_matrix(actual, predicted, 5))
    forced = metrics.f1_score(actual, predicted, labels=range(5), average="macro", zero_division=0)
    assert not m.present[3] and m.f1[3] == 0.0
    assert forced == pytest.approx(m.macro_f1 * 4 / 5, abs=1e-15)


def test_a_hand_worked_confusion_matrix():
    """Actual A: 5 (4 right, 1 as B); actual B: 3 (1 right, 2 as A). A: P 4/6, R 4/5,
    F1 8/11; B: P 1/2, R 1/3, F1 2/5; accuracy 5/8; macro F1 (8/11 + 2/5)/2 = 31/55."""
    m = class_metrics([[4, 1], [2, 1]])
    assert m.accuracy == 5 / 8 and m.macro_f1 == pytest.approx(31 / 55, abs=1e-15)
    np.testing.assert_allclose(m.precision, [4 / 6, 1 / 2])
    np.testing.assert_allclose(m.recall, [4 / 5, 1 / 3])
    np.testing.assert_allclose(m.f1, [8 / 11, 2 / 5])


def test_confusion_matrices_merge_by_addition_and_match_sklearn():
    actual, predicted = CLASS_CASES["random"]
    whole = confusion_matrix(actual, predicted, 4)
    parts = confusion_matrix(actual[:123], predicted[:123], 4) + confusion_matrix(actual[123:], predicted[123:], 4)
    np.testing.assert_array_equal(whole, parts)
    np.testing.assert_array_equal(whole, metrics.confusion_matrix(actual, predicted, labels=range(4)))


def test_an_empty_window_and_bad_input():
    m = class_metrics(np.zeros((3, 3), dtype=int))
    assert math.isnan(m.accuracy) and math.isnan(m.macro_f1) and m.n == 0
    assert confusion_matrix([], [], 3).sum() == 0
    with pytest.raises(ValueError, match="0..2"):
        confusion_matrix([0, 3], [0, 1], 3)
    with pytest.raises(ValueError, match="square"):
        class_metrics([[1, 2, 3]])


def _probabilities(seed, n, k):
    rng = np.random.default_rng(seed)
    p = rng.dirichlet(np.ones(k), n)
    return p, np.array([rng.choice(k, p=row) for row in p])


@pytest.mark.parametrize("k", [2, 3, 5])
def test_brier_is_sklearns_from_summed_terms(k):
    p, actual = _probabilities(k, 400, k)
    terms = brier_terms(p, actual)
    merged = brier_terms(p[:150], actual[:150]).sum() + brier_terms(p[150:], actual[150:]).sum()
    assert merged == pytest.approx(terms.sum(), rel=1e-12)
    expected = metrics.brier_score_loss(actual, p, labels=range(k))
    assert brier_score(merged, 400, k) == pytest.approx(expected, rel=1e-12)
    if k == 2:  # the binary form: the positive class's probability alone
        assert brier_score(merged, 400, k) == pytest.approx(metrics.brier_score_loss(actual, p[:, 1]), rel=1e-12)


def test_brier_hand_worked_and_degenerate():
    """scikit-learn's docstring example: rows (0.8 .1 .1 | eggs), (.2 .7 .1 | ham),
    (.2 .2 .6 | spam): terms 0.06, 0.14, 0.24, mean 0.44 / 3 (its docstring shows 0.146...)."""
    terms = brier_terms([[0.8, 0.1, 0.1], [0.2, 0.7, 0.1], [0.2, 0.2, 0.6]], [0, 1, 2])
    np.testing.assert_allclose(terms, [0.06, 0.14, 0.24], atol=1e-15)
    assert brier_score(terms.sum(), 3, 3) == pytest.approx(0.44 / 3, abs=1e-15)
    assert brier_terms([[0.0, 1.0]], [0])[0] == 2.0 and brier_score(2.0, 1, 2) == 1.0  # all wrong
    assert brier_score(0.0, 4, 3) == 0.0 and math.isnan(brier_score(0.0, 0, 3))
    with pytest.raises(ValueError, match="0..1"):
        brier_terms([[0.5, 0.5]], [2])


def _ece_oracle(confidence, correct, n_bins=10):
    """The textbook form: for each bin's interval, |accuracy - mean confidence| weighted by its share."""
    total = 0.0
    for b in range(n_bins):
        lo, hi = b / n_bins, (b + 1) / n_bins
        inside = (confidence >= lo) & ((confidence < hi) if b < n_bins - 1 else (confidence <= hi))
        if inside.any():
            total += inside.mean() * abs(correct[inside].mean() - confidence[inside].mean())
    return total


@pytest.mark.parametrize("seed", range(4))
def test_ece_matches_a_direct_computation_and_merges(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 3000))
    confidence = rng.random(n) if seed % 2 else np.round(rng.random(n), 1)  # raw, or on the bin edges
    correct = rng.random(n) < confidence**1.5
    whole = calibration_bins(confidence, correct)
    half = [calibration_bins(confidence[s], correct[s]) for s in (slice(None, n // 2), slice(n // 2, None))]
    merged = [a + b for a, b in zip(*half)]
    assert ece(*merged) == pytest.approx(ece(*whole), abs=1e-12)
    assert ece(*whole) == pytest.approx(_ece_oracle(confidence, correct), abs=1e-12)


def test_ece_hand_worked_and_bin_edges():
    """Bin 0.3-0.4 holds 0.3 (wrong) and 0.35 (right): |1 - 0.65| = 0.35; bin 0.9-1.0
    holds 1.0 (right) and 0.9 (wrong): |1 - 1.9| = 0.9; bin 0.0-0.1 holds 0.0 (wrong): 0.
    ECE = (0.35 + 0.9) / 5 = 0.25."""
    counts, sums, right = calibration_bins([0.3, 0.35, 1.0, 0.9, 0.0], [False, True, True, False, False])
    assert list(counts) == [1, 0, 0, 2, 0, 0, 0, 0, 0, 2] and list(right) == [0, 0, 0, 1, 0, 0, 0, 0, 0, 1]
    assert ece(counts, sums, right) == pytest.approx(0.25, abs=1e-15)
    assert list(unit_bins([0.0, 0.1, 0.7, 0.99999, 1.0], 10)) == [0, 1, 7, 9, 9]
    assert ece(*calibration_bins([1.0, 1.0], [True, True])) == 0.0
    assert ece(*calibration_bins([1.0, 1.0], [False, False])) == 1.0
    assert math.isnan(ece(*calibration_bins([], [])))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        calibration_bins([1.2], [True])


def _auc_cases():
    rng = np.random.default_rng(7)
    y = rng.random(2000) < 0.3
    raw = rng.random(2000) + 0.4 * y
    return {
        "continuous": (raw / raw.max(), y),
        "tied": (np.round(raw / raw.max(), 2), y),
        "three values": (np.where(y, rng.choice([0.5, 0.9], 2000), rng.choice([0.2, 0.5], 2000)), y),
        "one score": (np.full(50, 0.5), np.arange(50) % 3 == 0),
        "separated": (np.r_[np.zeros(10), np.ones(5)], np.r_[np.zeros(10), np.ones(5)] == 1),
        "reversed": (np.r_[np.ones(10), np.zeros(5)], np.r_[np.zeros(10), np.ones(5)] == 1),
        "one each": (np.array([0.4, 0.4]), np.array([True, False])),
    }


@pytest.mark.parametrize("case", list(_auc_cases()))
def test_exact_auc_is_sklearns_ties_and_all(case):
    scores, y = _auc_cases()[case]
    assert roc_auc(scores, y) == pytest.approx(metrics.roc_auc_score(y, scores), abs=1e-12)
    first, second = score_counts(scores[::2], y[::2]), score_counts(scores[1::2], y[1::2])
    _, pos, neg = merge_score_counts(first, second)
    assert auc_from_counts(pos, neg) == pytest.approx(metrics.roc_auc_score(y, scores), abs=1e-12)


@pytest.mark.parametrize("case", list(_auc_cases()))
@pytest.mark.parametrize("n_bins", [5, 20, 1000])
def test_approximate_auc_is_within_its_bound_of_sklearns(case, n_bins):
    scores, y = _auc_cases()[case]
    estimate = approximate_auc(*auc_grid_counts(scores, y, n_bins))
    assert abs(estimate.value - metrics.roc_auc_score(y, scores)) <= estimate.bound + 1e-12


def test_the_auc_bound_hand_worked_and_reached():
    """Two bins: [0, .5) holds positives 0.2, 0.3 and negatives 0.1; [.5, 1] holds the
    positive 0.9 and negatives 0.6, 0.7. Pairs: P = 3, N = 3, 9 pairs; in-bin pairs
    2*1 + 1*2 = 4, so the bound is 4 / (2 * 9) = 2/9; the estimate counts them half:
    (2 * 0.5 + 1 * (1 + 1)) / 9 = 3/9; exact: all 4 in-bin pairs right, 2 cross pairs
    (0.2, 0.3 above nothing in bin 1): (4 + 1) / 9 = 5/9 = 3/9 + 2/9."""
    scores, y = np.array([0.2, 0.3, 0.1, 0.9, 0.6, 0.7]), np.array([1, 1, 0, 1, 0, 0]) == 1
    estimate = approximate_auc(*auc_grid_counts(scores, y, 2))
    assert estimate.value == pytest.approx(3 / 9) and estimate.bound == pytest.approx(2 / 9)
    assert metrics.roc_auc_score(y, scores) == pytest.approx(estimate.value + estimate.bound)


def test_auc_with_one_class_is_nan():
    assert math.isnan(roc_auc([0.1, 0.5], [True, True])) and math.isnan(roc_auc([], []))
    assert all(math.isnan(v) for v in (approximate_auc([0, 0], [3, 1]).value, approximate_auc([0, 0], [3, 1]).bound))
