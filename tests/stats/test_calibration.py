"""CBPE (mlmon.stats.calibration): the isotonic calibrator against scikit-learn's, the
calibration test and the estimates against NannyML's formulas written out here, and the
estimate against realized accuracy on synthetic models (calibrated, shifted, overconfident)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from sklearn.isotonic import IsotonicRegression

from mlmon.stats.calibration import (
    Calibrator,
    _stratified_folds,
    calibrate,
    equal_count_ece,
    estimate_band,
    estimated_accuracy,
    estimated_macro_f1,
    expected_confusion,
    fit_calibrators,
    fit_isotonic,
    needs_calibration,
)
from mlmon.stats.performance import class_metrics, confusion_matrix


def _scores(seed, n, rounded=False):
    rng = np.random.default_rng(seed)
    s = rng.random(n)
    s = np.round(s, 2) if rounded else s
    return s, (rng.random(n) < s**2).astype(int)


@pytest.mark.parametrize(("seed", "n", "rounded"), [(0, 3000, True), (1, 500, False), (2, 7, False), (3, 40, True)])
def test_the_calibrator_predicts_what_sklearns_isotonic_regression_does(seed, n, rounded):
    s, y = _scores(seed, n, rounded)
    calibrator = fit_isotonic(s, y, max_breakpoints=10**6)
    oracle = IsotonicRegression(out_of_bounds="clip").fit(s, y)
    grid = np.r_[np.linspace(-0.5, 1.5, 2001), s]
    np.testing.assert_allclose(calibrator.apply(grid), oracle.predict(grid), atol=1e-12)
    assert np.all(np.diff(calibrator.x) > 0) and np.all(np.diff(calibrator.y) >= 0)


@pytest.mark.parametrize("cap", [2, 10, 50])
def test_a_capped_calibrator_is_a_coarser_isotonic_fit_keeping_the_mean(cap):
    """Pooling blocks keeps every training score on a flat step whose value is its rows'
    mean outcome, so the fitted values still average to the outcomes' mean (a property of
    the isotonic least-squares fit)."""
    s, y = _scores(5, 20_000)
    calibrator = fit_isotonic(s, y, max_breakpoints=cap)
    assert len(calibrator.x) <= cap and np.all(np.diff(calibrator.y) >= 0)
    assert calibrator.apply(s).mean() == pytest.approx(y.mean(), abs=1e-12)
    assert len(fit_isotonic(s, y).x) <= 200


def test_equal_steps_are_merged_and_degenerate_fits():
    assert fit_isotonic([0.1, 0.2, 0.3, 0.4], [0, 0, 1, 1]).to_dict() == {"x": [0.1, 0.2, 0.3, 0.4], "y": [0, 0, 1, 1]}
    assert fit_isotonic([0.1, 0.2, 0.3], [1, 1, 1]).to_dict() == {"x": [0.1, 0.3], "y": [1.0, 1.0]}
    assert fit_isotonic([0.5, 0.5], [0, 1]).to_dict() == {"x": [0.5], "y": [0.5]}
    assert list(fit_isotonic([0.5], [1]).apply([0.0, 1.0])) == [1.0, 1.0]
    with pytest.raises(ValueError, match="0/1"):
        fit_isotonic([0.1, 0.2], [0, 2])
    with pytest.raises(ValueError, match="at least one"):
        fit_isotonic([], [])
    with pytest.raises(ValueError, match="at least 2"):
        fit_isotonic([0.1, 0.2], [0, 1], max_breakpoints=1)


def test_a_calibrator_survives_json_and_malformed_ones_are_refused():
    s, y = _scores(9, 2000)
    calibrator = fit_isotonic(s, y)
    again = Calibrator.from_dict(json.loads(json.dumps(calibrator.to_dict())))
    assert again == calibrator
    for bad in [{}, {"x": [1, 2]}, {"x": "ab", "y": "cd"}, {"x": [2, 1], "y": [0, 1]}, {"x": [1, 2], "y": [0.5, 2]}]:
        with pytest.raises(ValueError, match="calibrator"):
            Calibrator.from_dict(bad)


def test_folds_are_stratified_and_deterministic():
    y = np.array([0] * 23 + [1] * 7, dtype=float)[np.random.default_rng(1).permutation(30)]
    folds = _stratified_folds(y, 10)
    for cls in (0, 1):
        per_fold = np.bincount(folds[y == cls], minlength=10)
        assert per_fold.max() - per_fold.min() <= 1 and per_fold.sum() == (y == cls).sum()
    np.testing.assert_array_equal(folds, _stratified_folds(y, 10))


def _nannyml_ece(scores, outcomes, n_bins):
    """NannyML's _get_bin_index_edges and _calculate_expected_calibration_error, as written there."""
    order = scores.argsort(kind="stable")
    scores, outcomes = scores[order], outcomes[order]
    width = len(scores) // n_bins
    edges = list(range(0, len(scores) + 1, width))
    edges[-1] = len(scores)
    if len(edges) > n_bins + 1:  # range() yields one edge too many when width divides unevenly
        edges = edges[:n_bins] + [len(scores)]
    return sum(
        (right - left) / len(scores) * abs(scores[left:right].mean() - outcomes[left:right].mean())
        for left, right in zip(edges[:-1], edges[1:])
    )


@pytest.mark.parametrize("n", [100, 1234, 10])
def test_equal_count_ece_is_nannymls(n):
    s, y = _scores(n, n)
    assert equal_count_ece(s, y, 10) == pytest.approx(_nannyml_ece(s, y, 10), abs=1e-12)
    assert math.isnan(equal_count_ece(s[:9], y[:9], 10))


def test_needs_calibration_as_nannyml():
    rng = np.random.default_rng(3)
    q = rng.random(20_000)
    y = (rng.random(q.size) < q).astype(int)
    overconfident = 1 / (1 + np.exp(-4 * np.log(q / (1 - q))))
    assert needs_calibration(overconfident, y)
    assert not needs_calibration(q, np.ones_like(y))  # one class
    assert not needs_calibration(np.r_[np.zeros(50), np.ones(50)] * 0.8, np.r_[np.zeros(50), np.ones(50)])  # AUC 1
    assert not needs_calibration(q[:19], y[:19])  # too few rows to tell


def test_calibrate_binary_and_multiclass_rows():
    step = Calibrator((0.2, 0.8), (0.0, 1.0))
    binary = calibrate([[0.3, 0.7], [0.9, 0.1]], [None, step])
    np.testing.assert_allclose(binary, [[1 / 6, 5 / 6], [1.0, 0.0]])
    zero, middle = Calibrator((0.0, 1.0), (0.0, 0.0)), Calibrator((0.15, 0.25), (0.0, 1.0))
    rows = calibrate([[0.5, 0.3, 0.2], [0.1, 0.1, 0.8]], [step, middle, zero])
    np.testing.assert_allclose(rows, [[1 / 3, 2 / 3, 0.0], [1 / 3, 1 / 3, 1 / 3]])  # the second: all 0, so uniform
    assert list(calibrate([[0.2, 0.3, 0.5]], [None, None, None])[0]) == [0.2, 0.3, 0.5]
    assert list(calibrate([[0.6, 0.4]], [None, None])[0]) == [0.6, 0.4]
    with pytest.raises(ValueError, match="slot"):
        calibrate([[0.6, 0.4]], [None])


def _model(rng, n, k, alpha):
    """A perfectly calibrated k-class model: p ~ Dirichlet(alpha), actual ~ p, predicted = argmax p."""
    p = rng.dirichlet(np.full(k, alpha), n)
    actual = (rng.random((n, 1)) > np.cumsum(p, axis=1)).sum(axis=1)
    return p, np.minimum(actual, k - 1), p.argmax(axis=1)


def _nannyml_estimates(p, predicted):
    """NannyML's CBPE accuracy (mean probability of the predicted class) and multiclass F1
    (per class on binarized predictions: TP, FP, FN, TP / (TP + (FP + FN)/2), then the mean)."""
    k = p.shape[1]
    accuracy = p[np.arange(len(p)), predicted].mean()
    f1 = []
    for c in range(k):
        pred_c, p_c = predicted == c, p[:, c]
        tp, fp, fn = p_c[pred_c].sum(), (1 - p_c[pred_c]).sum(), p_c[~pred_c].sum()
        f1.append(tp / (tp + 0.5 * (fp + fn)) if tp + fp + fn else 0.0)
    return accuracy, float(np.mean(f1))


@pytest.mark.parametrize("k", [2, 3, 6])
def test_expected_confusion_gives_nannymls_estimates_and_merges(k):
    rng = np.random.default_rng(k)
    p, _, predicted = _model(rng, 3000, k, 1.0)
    expected = expected_confusion(p, predicted)
    loop = np.zeros((k, k))
    for row, j in zip(p, predicted):
        loop[:, j] += row
    np.testing.assert_allclose(expected, loop, atol=1e-9)
    np.testing.assert_allclose(
        expected_confusion(p[:1000], predicted[:1000]) + expected_confusion(p[1000:], predicted[1000:]),
        expected,
        atol=1e-9,
    )
    accuracy, f1 = _nannyml_estimates(p, predicted)
    assert estimated_accuracy(expected) == pytest.approx(accuracy, abs=1e-12)
    assert estimated_macro_f1(expected) == pytest.approx(f1, abs=1e-12)


def test_estimates_of_a_class_never_predicted_and_an_empty_window():
    p = np.array([[0.7, 0.2, 0.1], [0.6, 0.3, 0.1]])
    expected = expected_confusion(p, np.array([0, 0]))
    assert estimated_macro_f1(expected) == pytest.approx(_nannyml_estimates(p, np.array([0, 0]))[1], abs=1e-15)
    assert class_metrics(expected).predicted[1] == 0.0
    empty = expected_confusion(np.zeros((0, 3)), np.zeros(0, dtype=int))
    assert math.isnan(estimated_accuracy(empty)) and math.isnan(estimated_macro_f1(empty))


def test_the_band_is_nannymls_mean_and_population_sd():
    chunks = np.array([0.91, 0.93, 0.92, np.nan, 0.90, 0.94])
    mean, sd = np.nanmean(chunks), np.nanstd(chunks)
    assert estimate_band(chunks) == pytest.approx((mean - 3 * sd, mean + 3 * sd), abs=1e-15)
    assert estimate_band([0.99, 0.95]) == pytest.approx((0.97 - 0.06, 1.0))  # clipped at 1
    assert estimate_band([0.5, 0.7], multiplier=1.0, limits=(-math.inf, math.inf)) == pytest.approx((0.5, 0.7))
    assert all(math.isnan(v) for v in estimate_band([np.nan]))


def _estimate(reference, window):
    (p_ref, actual_ref, _), (p, actual, predicted) = reference, window
    calibrated = calibrate(p, fit_calibrators(p_ref, actual_ref))
    realized = class_metrics(confusion_matrix(actual, predicted, p.shape[1])).accuracy
    return estimated_accuracy(expected_confusion(calibrated, predicted)), realized


@pytest.mark.parametrize("k", [2, 3])
def test_cbpe_matches_realized_accuracy_under_covariate_shift_and_misses_a_concept_shift(k):
    rng = np.random.default_rng(100 + k)
    reference = _model(rng, 100_000, k, 1.0)
    same = _estimate(reference, _model(rng, 100_000, k, 1.0))
    covariate = _estimate(reference, _model(rng, 100_000, k, 0.3))  # more confident inputs
    assert abs(same[0] - same[1]) < 0.01 and abs(covariate[0] - covariate[1]) < 0.01
    assert covariate[1] - same[1] > 0.05  # the shift is real: accuracy rose
    p, actual, predicted = _model(rng, 100_000, k, 1.0)
    relabelled = np.where(rng.random(actual.size) < 0.3, (actual + 1) % k, actual)  # a new rule for 30%
    concept = _estimate(reference, (p, relabelled, predicted))
    assert concept[0] - concept[1] > 0.1  # CBPE still says what it said before: it cannot see this


def test_calibration_fixes_an_overconfident_model_on_a_new_sample():
    rng = np.random.default_rng(11)

    def sample(n):
        q = rng.beta(2, 2, n)
        y = (rng.random(n) < q).astype(int)
        p1 = 1 / (1 + np.exp(-3 * np.log(q / (1 - q))))  # overconfident scores
        return np.column_stack([1 - p1, p1]), y, (p1 >= 0.5).astype(int)

    reference, (p, actual, predicted) = sample(50_000), sample(100_000)
    realized = np.mean(actual == predicted)
    raw = estimated_accuracy(expected_confusion(p, predicted))
    calibrators = fit_calibrators(reference[0], reference[1])
    fixed = estimated_accuracy(expected_confusion(calibrate(p, calibrators), predicted))
    assert calibrators[0] is None and calibrators[1] is not None
    assert raw - realized > 0.1 and abs(fixed - realized) < 0.01
