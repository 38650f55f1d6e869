"""Confidence-based performance estimation (CBPE): isotonic calibrators per class, the
test that keeps one only where it helps, and estimated accuracy and macro F1 from the
expected confusion matrix, with NannyML's band.

The window state is the expected confusion matrix (``K x K`` floats), which merges by
addition. Classes are indices ``0 .. K-1``. See ``references/statistics/cbpe.md``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from mlmon.stats.arrays import Floats, Ints
from mlmon.stats.performance import class_metrics, ece, roc_auc

MAX_BREAKPOINTS = 200
"""Most breakpoints one calibrator keeps (a profile stores them): 100 flat steps."""
CALIBRATION_FOLDS = 10
"""Held-out folds of :func:`needs_calibration` (NannyML: 10 splits)."""
CALIBRATION_ECE_BINS = 10
"""Equal-count bins of the calibration error in :func:`needs_calibration` (NannyML: 10)."""


@dataclass(frozen=True)
class Calibrator:
    """A monotone map from one class's score to a calibrated probability, linear between
    breakpoints and flat beyond them (scikit-learn's ``IsotonicRegression(out_of_bounds="clip")``)."""

    x: tuple[float, ...]
    """Scores at the breakpoints, strictly increasing."""
    y: tuple[float, ...]
    """Calibrated probabilities there, non-decreasing, in [0, 1]."""

    def apply(self, scores: ArrayLike) -> Floats:
        """Calibrated probabilities of ``scores``: ``np.interp`` on the breakpoints, in [0, 1]."""
        return np.clip(np.interp(np.asarray(scores, dtype=np.float64), self.x, self.y), 0.0, 1.0)

    def to_dict(self) -> dict[str, list[float]]:
        """The breakpoints as JSON-ready lists: ``{"x": [...], "y": [...]}``."""
        return {"x": list(self.x), "y": list(self.y)}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Calibrator:
        """The calibrator that :meth:`to_dict` wrote; ``ValueError`` (one line) if malformed."""
        try:
            raw_x, raw_y = data["x"], data["y"]
            x = np.asarray(raw_x, dtype=np.float64)
            y = np.asarray(raw_y, dtype=np.float64)
        except (KeyError, TypeError, ValueError):
            raise ValueError("a calibrator needs lists of numbers 'x' and 'y'") from None
        if x.ndim != 1 or x.shape != y.shape or x.size == 0:
            raise ValueError("a calibrator needs 'x' and 'y' of the same, non-zero length")
        ok = np.all(np.isfinite(x)) and np.all(np.diff(x) > 0) and np.all(np.diff(y) >= 0)
        if not (ok and np.all(y >= 0) and np.all(y <= 1)):
            raise ValueError("a calibrator's 'x' must increase and its 'y' be non-decreasing in [0, 1]")
        return cls(tuple(float(v) for v in x), tuple(float(v) for v in y))


def _pool_blocks(y: Floats, w: Floats, start: Floats, end: Floats, max_blocks: int) -> tuple[Floats, ...]:
    """Merge adjacent isotonic blocks: first runs of equal value, then, while more than
    ``max_blocks`` remain, the neighbouring pairs whose merge adds least squared error
    (``w1 w2 / (w1 + w2) (y1 - y2)^2``), pairs starting at even then at odd blocks in turn,
    so that the pairs of one round are disjoint (``O(B log B)`` for ``B`` blocks). Each merge
    is the weighted mean of two neighbours: the fit stays isotonic and keeps the outcomes'
    weighted mean."""
    keep = np.concatenate([[True], np.diff(y) != 0])
    group = np.cumsum(keep) - 1
    w2 = np.bincount(group, weights=w).astype(np.float64)
    y2 = np.bincount(group, weights=w * y).astype(np.float64) / w2
    s2, e2 = start[keep], end[np.concatenate([keep[1:], [True]])]
    parity = 0
    while y2.size > max_blocks:
        pairs = np.arange(parity, y2.size - 1, 2)
        parity ^= 1
        if pairs.size == 0:
            continue
        cost = w2[pairs] * w2[pairs + 1] / (w2[pairs] + w2[pairs + 1]) * (y2[pairs + 1] - y2[pairs]) ** 2
        i = np.sort(pairs[np.argsort(cost, kind="stable")[: y2.size - max_blocks]])
        merged = w2[i] + w2[i + 1]
        y2[i] = (w2[i] * y2[i] + w2[i + 1] * y2[i + 1]) / merged
        w2[i], e2[i] = merged, e2[i + 1]
        y2, w2, s2, e2 = (np.delete(a, i + 1) for a in (y2, w2, s2, e2))
    return y2, w2, s2, e2


def fit_isotonic(scores: ArrayLike, outcomes: ArrayLike, max_breakpoints: int = MAX_BREAKPOINTS) -> Calibrator:
    """Fit an increasing isotonic calibrator of one class's scores to its 0/1 outcomes.

    Notes
    -----
    Equal scores are pooled first (their outcome mean, weighted by their count, as
    scikit-learn's ``IsotonicRegression`` does), then ``scipy.optimize.isotonic_regression``
    (pool adjacent violators) minimises :math:`\\sum_i w_i (f(x_i) - \\bar y_i)^2` subject to
    ``f`` non-decreasing. Each constant block keeps its first and last score as breakpoints;
    between blocks the map is linear. So the fit, uncapped, predicts exactly what
    scikit-learn's ``IsotonicRegression(out_of_bounds="clip")`` does. Adjacent blocks of equal
    value are merged, and while more than ``max_breakpoints // 2`` blocks remain, the
    neighbouring pairs whose pooling adds least squared error are pooled (:func:`_pool_blocks`):
    a coarser isotonic fit, at most ``max_breakpoints`` numbers per coordinate.

    References
    ----------
    .. [1] B. Zadrozny, C. Elkan, "Transforming classifier scores into accurate multiclass
           probability estimates", KDD 2002.
    """
    s, y = np.asarray(scores, dtype=np.float64), np.asarray(outcomes, dtype=np.float64)
    if s.ndim != 1 or s.shape != y.shape or s.size == 0:
        raise ValueError("a calibrator needs as many outcomes as scores, at least one")
    if not np.all(np.isfinite(s)) or not np.all((y == 0) | (y == 1)):
        raise ValueError("a calibrator needs finite scores and 0/1 outcomes")
    if max_breakpoints < 2:
        raise ValueError("a calibrator keeps at least 2 breakpoints")
    from scipy.optimize import isotonic_regression  # lazy: scipy.optimize is 0.6 s of an mlmon process's start

    values, index, counts = np.unique(s, return_inverse=True, return_counts=True)
    means = np.bincount(index, weights=y) / counts
    fit = isotonic_regression(means, weights=counts.astype(np.float64), increasing=True)
    starts = np.asarray(fit.blocks[:-1], dtype=np.int64)
    block_y = np.asarray(fit.x, dtype=np.float64)[starts]
    ends = values[np.asarray(fit.blocks[1:], dtype=np.int64) - 1]
    weights = np.asarray(fit.weights, dtype=np.float64)
    level, _, first, last = _pool_blocks(block_y, weights, values[starts], ends, max_breakpoints // 2)
    two = last > first
    x = np.column_stack([first, last]).ravel()[np.column_stack([np.ones_like(two), two]).ravel()]
    y_at = np.clip(np.repeat(level, np.where(two, 2, 1)), 0.0, 1.0)
    return Calibrator(tuple(float(v) for v in x), tuple(float(v) for v in y_at))


def _stratified_folds(outcomes: Floats, n_folds: int) -> Ints:
    """Fold of each row: its position among the rows of the same outcome, modulo ``n_folds``
    (a deterministic stratified k-fold by index)."""
    order = np.argsort(outcomes, kind="stable")
    sorted_outcomes = outcomes[order]
    first_of_class = np.searchsorted(sorted_outcomes, sorted_outcomes, side="left")
    folds = np.empty(outcomes.size, dtype=np.int64)
    folds[order] = (np.arange(outcomes.size) - first_of_class) % n_folds
    return folds


def equal_count_ece(scores: ArrayLike, outcomes: ArrayLike, n_bins: int = CALIBRATION_ECE_BINS) -> float:
    """Calibration error of one class's scores on ``n_bins`` bins of equal count.

    Rows sorted by score, bin edges at ``i * (n // n_bins)``, the last bin taking the
    remainder (NannyML's ``_get_bin_index_edges``); then :func:`ece` on the bins' sums.
    ``nan`` when there are fewer than ``n_bins`` rows.
    """
    s, y = np.asarray(scores, dtype=np.float64), np.asarray(outcomes, dtype=np.float64)
    if s.size < n_bins:
        return math.nan
    order = np.argsort(s, kind="stable")
    starts = np.arange(n_bins) * (s.size // n_bins)
    counts = np.diff(np.append(starts, s.size))
    return ece(counts, np.add.reduceat(s[order], starts), np.add.reduceat(y[order], starts))


def needs_calibration(
    scores: ArrayLike,
    outcomes: ArrayLike,
    n_folds: int = CALIBRATION_FOLDS,
    n_bins: int = CALIBRATION_ECE_BINS,
    max_breakpoints: int = MAX_BREAKPOINTS,
) -> bool:
    """Whether an isotonic calibrator lowers one class's calibration error on held-out rows.

    Notes
    -----
    As NannyML's ``nannyml.calibration.needs_calibration``: ``False`` when the outcomes
    are all one class, or when the scores already separate them (ROC AUC > 0.999); else
    calibrators are fitted on all folds but one and applied to the one left out, and the
    answer is whether the equal-count calibration error (:func:`equal_count_ece`) of the
    held-out calibrated scores is below that of the raw scores, on the same rows.
    NannyML draws 10 stratified shuffle splits of 10% (seed 42); mlmon uses a deterministic
    stratified k-fold by index (:func:`_stratified_folds`), so every row is held out once.
    ``False`` also with fewer than ``2 * n_folds`` rows, too few to tell.
    """
    s, y = np.asarray(scores, dtype=np.float64), np.asarray(outcomes, dtype=np.float64)
    if s.shape != y.shape or s.ndim != 1:
        raise ValueError("needs_calibration needs as many outcomes as scores")
    if s.size < 2 * n_folds or np.unique(y).size < 2 or roc_auc(s, y == 1) > 0.999:
        return False
    folds = _stratified_folds(y, n_folds)
    held_out = np.empty_like(s)
    for fold in range(n_folds):
        test = folds == fold
        held_out[test] = fit_isotonic(s[~test], y[~test], max_breakpoints).apply(s[test])
    return bool(equal_count_ece(held_out, y, n_bins) < equal_count_ece(s, y, n_bins))


def fit_calibrators(
    probabilities: ArrayLike, actual: ArrayLike, max_breakpoints: int = MAX_BREAKPOINTS
) -> tuple[Calibrator | None, ...]:
    """One calibrator per class (``None`` where calibration does not help), fitted on a
    labelled table that the model did not train on.

    ``K >= 3``: one-vs-rest, class ``k``'s column against ``actual == k``. ``K = 2``: the
    positive class (column 1) only, as NannyML's binary CBPE; slot 0 is ``None``. Each is
    kept where :func:`needs_calibration` says so, then fitted on all the rows.
    """
    p, a = np.asarray(probabilities, dtype=np.float64), np.asarray(actual, dtype=np.int64)
    if p.ndim != 2 or a.shape != (p.shape[0],) or p.shape[1] < 2:
        raise ValueError("calibration needs an n x K probability matrix (K >= 2) and one actual class per row")
    classes = [1] if p.shape[1] == 2 else range(p.shape[1])
    fitted: list[Calibrator | None] = [None] * p.shape[1]
    for k in classes:
        outcome = (a == k).astype(np.float64)
        if needs_calibration(p[:, k], outcome, max_breakpoints=max_breakpoints):
            fitted[k] = fit_isotonic(p[:, k], outcome, max_breakpoints)
    return tuple(fitted)


def calibrate(probabilities: ArrayLike, calibrators: Sequence[Calibrator | None]) -> Floats:
    """Calibrated probability rows: each column through its calibrator (``None``: as is).

    ``K = 2``: column 1 through its calibrator, column 0 is ``1 - p1``. ``K >= 3``: each row
    renormalised to sum to one; a row whose calibrated values are all 0 becomes uniform,
    ``1/K`` each (NannyML's ``_calibrate_predicted_probabilities``).
    """
    p = np.asarray(probabilities, dtype=np.float64)
    if p.ndim != 2 or p.shape[1] != len(calibrators) or p.shape[1] < 2:
        raise ValueError("one calibrator slot per probability column, at least two")
    if p.shape[1] == 2:
        positive = calibrators[1].apply(p[:, 1]) if calibrators[1] is not None else p[:, 1]
        return np.column_stack([1.0 - positive, positive])
    columns = [c.apply(p[:, k]) if c is not None else p[:, k] for k, c in enumerate(calibrators)]
    out = np.column_stack(columns)
    total = out.sum(axis=1, keepdims=True)
    uniform = np.full_like(out, 1.0 / out.shape[1])
    result: Floats = np.divide(out, total, out=uniform, where=total != 0)
    return result


def expected_confusion(calibrated: ArrayLike, predicted: ArrayLike) -> Floats:
    """The expected confusion matrix of some rows: ``E[i, j] = sum over rows predicted j of
    the calibrated probability of class i`` (rows actual, columns predicted, as
    :func:`mlmon.stats.performance.confusion_matrix`). Matrices of disjoint rows add up."""
    p, pred = np.asarray(calibrated, dtype=np.float64), np.asarray(predicted, dtype=np.int64)
    if p.ndim != 2 or pred.shape != (p.shape[0],):
        raise ValueError("calibrated probabilities must be n x K, with one predicted class per row")
    k = p.shape[1]
    if pred.size and (pred.min() < 0 or pred.max() >= k):
        raise ValueError(f"predicted class indices must lie in 0..{k - 1}")
    return np.stack([np.bincount(pred, weights=p[:, i], minlength=k) for i in range(k)])


def estimated_accuracy(expected: ArrayLike) -> float:
    """CBPE accuracy: the mean calibrated probability of the predicted class, which is the
    expected confusion matrix's trace over its sum (rows of probabilities sum to one).
    ``nan`` for an empty window."""
    return class_metrics(expected).accuracy


def estimated_macro_f1(expected: ArrayLike) -> float:
    """CBPE macro F1 from the expected confusion matrix ``E``.

    Notes
    -----
    Per class ``k`` (NannyML's ``estimate_f1``, one-vs-rest, and
    ``MulticlassClassificationF1._estimate``): expected
    :math:`TP_k = E_{kk} = \\sum_{\\hat y = k} p_k`,
    :math:`FP_k = \\sum_{i \\ne k} E_{ik} = \\sum_{\\hat y = k} (1 - p_k)`,
    :math:`FN_k = \\sum_{j \\ne k} E_{kj} = \\sum_{\\hat y \\ne k} p_k`, and
    :math:`F1_k = TP_k / (TP_k + (FP_k + FN_k)/2)`, 0 when the denominator is 0
    (:func:`mlmon.stats.performance.class_metrics`). The macro F1 is the mean over all
    ``K`` classes of the model, as NannyML (for ``K = 2`` too, where NannyML's binary F1 is
    class 1's alone). ``nan`` for an empty window.
    """
    metrics = class_metrics(expected)
    return float(metrics.f1.mean()) if metrics.n > 0 else math.nan


def estimate_band(
    chunk_estimates: ArrayLike, multiplier: float = 3.0, limits: tuple[float, float] = (0.0, 1.0)
) -> tuple[float, float]:
    """NannyML's band of a metric: the reference chunks' mean ± ``multiplier`` standard
    deviations, clipped to the metric's range.

    Notes
    -----
    NannyML's ``StandardDeviationThreshold`` (``nannyml/thresholds.py``): ``np.nanmean``
    and ``np.nanstd``, the population sd (``ddof = 0``), ``nan`` estimates left out; its
    accuracy and F1 metrics limit the band to [0, 1]. ``(nan, nan)`` without a finite estimate.
    """
    values = np.asarray(chunk_estimates, dtype=np.float64)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return math.nan, math.nan
    mean, sd = float(values.mean()), float(values.std())
    return max(limits[0], mean - multiplier * sd), min(limits[1], mean + multiplier * sd)
