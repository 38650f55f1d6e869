"""Realized performance of a classifier from mergeable sums: accuracy with its Wilson
interval, per-class precision, recall and F1, macro F1, the Brier score, the expected
calibration error and binary ROC AUC (exact, or from a fixed score grid with its bound).

Every state a reducer keeps here is counts or sums that merge by addition: a confusion
matrix, a Brier term sum, per-bin calibration sums, per-score or per-bin outcome counts.
Classes are indices ``0 .. K-1``; mapping labels to indices is the caller's. See
``references/statistics/performance.md``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from numpy.typing import ArrayLike

from mlmon.stats.arrays import Floats, Ints
from mlmon.stats.grid import Estimate

Z_95 = 1.959963984540054
"""The standard normal quantile at 0.975: a two-sided 95% interval."""
ECE_BINS = 10
"""Equal-width bins of top-class confidence for the expected calibration error."""
AUC_GRID_BINS = 1000
"""Equal-width score bins on [0, 1] for ROC AUC beyond the exact-values budget."""


def wilson_interval(successes: int, n: int, z: float = Z_95) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion (accuracy: correct out of labelled).

    Notes
    -----
    With :math:`\\hat p = s / n`,

    .. math:: \\frac{\\hat p + z^2/2n \\pm z \\sqrt{\\hat p (1 - \\hat p)/n + z^2/4n^2}}{1 + z^2/n}

    It stays inside [0, 1] and is never empty at ``s = 0`` or ``s = n``, unlike the Wald
    interval. ``(nan, nan)`` when ``n = 0``. Newcombe's example: 81 of 263 gives
    0.2553 to 0.3662 at 95%.

    References
    ----------
    .. [1] E. B. Wilson, "Probable inference, the law of succession, and statistical
           inference", JASA 22 (1927) 209-212.
    .. [2] R. G. Newcombe, "Two-sided confidence intervals for the single proportion:
           comparison of seven methods", Statistics in Medicine 17 (1998) 857-872 (its examples).
    """
    if n < 0 or successes < 0 or successes > n:
        raise ValueError(f"a proportion needs 0 <= successes <= n, got {successes} of {n}")
    if n == 0:
        return math.nan, math.nan
    p, z2 = successes / n, z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z / (1 + z2 / n) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def confusion_matrix(actual: ArrayLike, predicted: ArrayLike, n_classes: int) -> Ints:
    """The ``K x K`` confusion counts of class indices: rows actual, columns predicted.

    Confusion matrices of disjoint rows add up to that of their union (the reducer's merge).
    """
    a, p = np.asarray(actual, dtype=np.int64), np.asarray(predicted, dtype=np.int64)
    if a.shape != p.shape:
        raise ValueError("actual and predicted classes differ in length")
    if a.size and (min(a.min(), p.min()) < 0 or max(a.max(), p.max()) >= n_classes):
        raise ValueError(f"class indices must lie in 0..{n_classes - 1}")
    return np.bincount(a * n_classes + p, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


@dataclass(frozen=True, eq=False)
class ClassMetrics:
    """Accuracy and per-class figures of one confusion matrix (counts, or expected counts)."""

    n: float
    """Rows counted: the sum of the matrix."""
    accuracy: float
    """Trace over ``n`` (``nan`` when ``n`` is 0)."""
    support: Floats
    """Rows actually of each class (row sums)."""
    predicted: Floats
    """Rows predicted as each class (column sums)."""
    precision: Floats
    """``TP / predicted`` per class, 0 where nothing was predicted as the class."""
    recall: Floats
    """``TP / support`` per class, 0 where the class never occurred."""
    f1: Floats
    """``2 TP / (support + predicted)`` per class, 0 where both are 0."""
    present: npt.NDArray[np.bool_]
    """Classes that occurred or were predicted: the labels scikit-learn sees."""
    macro_f1: float
    """Mean of ``f1`` over the present classes (``nan`` when none is)."""


def _ratio(numerator: Floats, denominator: Floats) -> Floats:
    """``numerator / denominator``, 0 where the denominator is 0 (scikit-learn's ``zero_division=0``)."""
    safe = np.where(denominator > 0, denominator, 1.0)
    return np.where(denominator > 0, numerator / safe, 0.0)


def class_metrics(confusion: ArrayLike) -> ClassMetrics:
    """Accuracy, per-class precision/recall/F1/support and macro F1 of a confusion matrix.

    Parameters
    ----------
    confusion : array_like
        ``K x K``, rows actual, columns predicted: counts (:func:`confusion_matrix`) or
        expected counts (CBPE's expected confusion matrix).

    Notes
    -----
    With ``TP_k = C[k, k]``, support ``S_k = sum_j C[k, j]`` and predicted
    ``P_k = sum_i C[i, k]``: precision ``TP/P``, recall ``TP/S``,
    ``F1 = 2 TP / (S + P) = TP / (TP + (FP + FN)/2)``, each 0 when its denominator is 0.
    On the rows the matrix came from, these equal scikit-learn's ``accuracy_score``,
    ``precision_recall_fscore_support(zero_division=0)`` and
    ``f1_score(average="macro", zero_division=0)`` over the labels that scikit-learn infers:
    the union of actual and predicted classes (``present``). A class with no support and no
    prediction is absent from that union, so scikit-learn leaves it out of the macro mean;
    only if it is passed in ``labels=`` does scikit-learn count it, as F1 = 0, lowering the
    mean. The per-class arrays cover all ``K`` classes (0 for an absent one, as scikit-learn
    with ``labels=range(K)``); ``macro_f1`` averages the present ones.

    References
    ----------
    .. [1] scikit-learn, ``sklearn.metrics.precision_recall_fscore_support``.
    """
    c = np.asarray(confusion, dtype=np.float64)
    if c.ndim != 2 or c.shape[0] != c.shape[1]:
        raise ValueError("a confusion matrix must be square")
    tp, support, predicted = np.diagonal(c).copy(), c.sum(axis=1), c.sum(axis=0)
    n = float(c.sum())
    present = (support > 0) | (predicted > 0)
    f1 = _ratio(2 * tp, support + predicted)
    return ClassMetrics(
        n=n,
        accuracy=float(tp.sum() / n) if n > 0 else math.nan,
        support=support,
        predicted=predicted,
        precision=_ratio(tp, predicted),
        recall=_ratio(tp, support),
        f1=f1,
        present=present,
        macro_f1=float(f1[present].mean()) if present.any() else math.nan,
    )


def brier_terms(probabilities: ArrayLike, actual: ArrayLike) -> Floats:
    """Per-row Brier terms ``sum_c (y_rc - p_rc)^2`` of an ``n x K`` probability matrix and
    the actual class indices (``y_rc`` is 1 for the actual class, else 0).

    Their sum and count are the Brier state; :func:`brier_score` finishes it.
    """
    p, a = np.asarray(probabilities, dtype=np.float64), np.asarray(actual, dtype=np.int64)
    if p.ndim != 2 or a.shape != (p.shape[0],):
        raise ValueError("probabilities must be n x K, with one actual class per row")
    if a.size and (a.min() < 0 or a.max() >= p.shape[1]):
        raise ValueError(f"actual class indices must lie in 0..{p.shape[1] - 1}")
    rows = np.arange(a.size)
    squares = p * p
    terms: Floats = squares.sum(axis=1) - squares[rows, a] + (1.0 - p[rows, a]) ** 2
    return terms


def brier_score(term_sum: float, n: int, n_classes: int) -> float:
    """The Brier score from the sum of :func:`brier_terms` over ``n`` rows.

    Notes
    -----
    scikit-learn's ``brier_score_loss`` (1.7 and later, ``scale_by_half="auto"``):

    .. math:: \\frac{1}{N} \\sum_{r} \\sum_{c=1}^{K} (y_{rc} - p_{rc})^2

    in [0, 2] for ``K >= 3``, and half of it for ``K = 2``, which is
    :math:`\\frac1N \\sum_r (y_r - p_r)^2` on the positive class, in [0, 1].
    ``nan`` when ``n`` is 0.

    References
    ----------
    .. [1] G. W. Brier, "Verification of forecasts expressed in terms of probability",
           Monthly Weather Review 78 (1950) 1-3.
    """
    if n == 0:
        return math.nan
    return term_sum / n * (0.5 if n_classes < 3 else 1.0)


def unit_bins(values: ArrayLike, n_bins: int) -> Ints:
    """Bin index of each value in ``[0, 1]`` cut into ``n_bins`` equal-width bins.

    Bin ``b`` is ``[b/n, (b+1)/n)`` (edges the floats nearest ``b/n``), except that the last
    is closed, ``[(n-1)/n, 1]``: 0.0 goes in the first bin, 1.0 in the last.
    """
    x = np.asarray(values, dtype=np.float64)
    if x.size and not (np.all(x >= 0.0) and np.all(x <= 1.0)):
        raise ValueError("values to bin on [0, 1] must lie in [0, 1]")
    edges = np.arange(n_bins + 1, dtype=np.float64) / n_bins
    return np.minimum(np.searchsorted(edges, x, side="right") - 1, n_bins - 1).astype(np.int64)


def calibration_bins(confidence: ArrayLike, correct: ArrayLike, n_bins: int = ECE_BINS) -> tuple[Ints, Floats, Ints]:
    """The expected-calibration-error state of some rows: per bin of top-class confidence
    (:func:`unit_bins`), the rows, their confidence sum and their correct predictions.

    States of disjoint rows add up, bin by bin.
    """
    c, ok = np.asarray(confidence, dtype=np.float64), np.asarray(correct, dtype=bool)
    if c.shape != ok.shape:
        raise ValueError("confidence and correctness differ in length")
    index = unit_bins(c, n_bins)
    counts = np.bincount(index, minlength=n_bins).astype(np.int64)
    sums = np.bincount(index, weights=c, minlength=n_bins).astype(np.float64)
    return counts, sums, np.bincount(index[ok], minlength=n_bins).astype(np.int64)


def ece(counts: ArrayLike, conf_sums: ArrayLike, correct_sums: ArrayLike) -> float:
    """Expected calibration error from per-bin counts, confidence sums and correct counts.

    Notes
    -----
    .. math:: \\mathrm{ECE} = \\sum_b \\frac{n_b}{N} \\left| \\mathrm{acc}_b - \\mathrm{conf}_b \\right|
              = \\frac{1}{N} \\sum_b \\left| \\mathrm{correct}_b - \\mathrm{confsum}_b \\right|

    over the bins (empty bins add nothing). ``nan`` when no row was counted.

    References
    ----------
    .. [1] M. P. Naeini, G. F. Cooper, M. Hauskrecht, "Obtaining well calibrated
           probabilities using Bayesian binning", AAAI 2015.
    .. [2] C. Guo, G. Pleiss, Y. Sun, K. Q. Weinberger, "On calibration of modern neural
           networks", ICML 2017, eq. 3.
    """
    n = np.asarray(counts, dtype=np.float64)
    gap = np.asarray(correct_sums, dtype=np.float64) - np.asarray(conf_sums, dtype=np.float64)
    if n.shape != gap.shape:
        raise ValueError("the calibration bins differ in length")
    total = float(n.sum())
    return float(np.abs(gap).sum() / total) if total > 0 else math.nan


def score_counts(scores: ArrayLike, outcomes: ArrayLike) -> tuple[Floats, Ints, Ints]:
    """The exact ROC AUC state: distinct scores ascending, with the positives and negatives
    at each. Merge two states with :func:`merge_score_counts`."""
    s, y = np.asarray(scores, dtype=np.float64), np.asarray(outcomes, dtype=bool)
    if s.shape != y.shape or s.ndim != 1:
        raise ValueError("scores and outcomes differ in length")
    values, index = np.unique(s, return_inverse=True)
    positives = np.bincount(index[y], minlength=values.size).astype(np.int64)
    negatives = np.bincount(index[~y], minlength=values.size).astype(np.int64)
    return values, positives, negatives


def merge_score_counts(
    first: tuple[Floats, Ints, Ints], second: tuple[Floats, Ints, Ints]
) -> tuple[Floats, Ints, Ints]:
    """Two :func:`score_counts` states as one: the union of the scores, counts added."""
    values, index = np.unique(np.concatenate([first[0], second[0]]), return_inverse=True)
    pos = np.bincount(index, weights=np.concatenate([first[1], second[1]]), minlength=values.size)
    neg = np.bincount(index, weights=np.concatenate([first[2], second[2]]), minlength=values.size)
    return values, pos.astype(np.int64), neg.astype(np.int64)


def auc_from_counts(positives: ArrayLike, negatives: ArrayLike) -> float:
    """ROC AUC from positives and negatives per group, groups in ascending score order,
    pairs inside one group counted half.

    Notes
    -----
    The Mann-Whitney form: with ``N_b`` the negatives in groups before ``b``,

    .. math:: \\mathrm{AUC} = \\frac{\\sum_b p_b (N_b + n_b / 2)}{P \\cdot N}

    Exact (equal to ``sklearn.metrics.roc_auc_score``, ties and all) when the groups are
    the distinct scores (:func:`score_counts`); from bins, see :func:`approximate_auc`.
    ``nan`` when there is no positive or no negative (scikit-learn warns and returns nan).

    References
    ----------
    .. [1] J. A. Hanley, B. J. McNeil, "The meaning and use of the area under a receiver
           operating characteristic (ROC) curve", Radiology 143 (1982) 29-36.
    """
    p, n = np.asarray(positives, dtype=np.float64), np.asarray(negatives, dtype=np.float64)
    if p.shape != n.shape:
        raise ValueError("positive and negative counts differ in length")
    total_p, total_n = float(p.sum()), float(n.sum())
    if total_p == 0 or total_n == 0:
        return math.nan
    below = np.cumsum(n) - n
    return float((p * (below + n / 2)).sum() / (total_p * total_n))


def roc_auc(scores: ArrayLike, outcomes: ArrayLike) -> float:
    """Exact binary ROC AUC of scores (higher means positive) and boolean outcomes."""
    _, positives, negatives = score_counts(scores, outcomes)
    return auc_from_counts(positives, negatives)


def auc_grid_counts(scores: ArrayLike, outcomes: ArrayLike, n_bins: int = AUC_GRID_BINS) -> tuple[Ints, Ints]:
    """Positives and negatives per equal-width score bin on [0, 1] (:func:`unit_bins`): the
    approximate ROC AUC state, of fixed size, for when the exact one exceeds its budget."""
    s, y = np.asarray(scores, dtype=np.float64), np.asarray(outcomes, dtype=bool)
    if s.shape != y.shape:
        raise ValueError("scores and outcomes differ in length")
    index = unit_bins(s, n_bins)
    positives = np.bincount(index[y], minlength=n_bins).astype(np.int64)
    return positives, np.bincount(index[~y], minlength=n_bins).astype(np.int64)


def approximate_auc(positives: ArrayLike, negatives: ArrayLike) -> Estimate:
    """ROC AUC from per-bin counts, with a guaranteed bound on its distance to the exact value.

    Notes
    -----
    A positive-negative pair in different bins is ordered by the bins, exactly as by the
    scores. A pair inside bin ``b`` counts 1, 1/2 or 0 in the exact AUC; the estimate counts
    it 1/2, so it is off by at most 1/2 per such pair:

    .. math:: |\\widehat{\\mathrm{AUC}} - \\mathrm{AUC}| \\le \\frac{\\sum_b p_b n_b}{2 P N}

    half the share of positive-negative pairs that share a bin. The bound is reached when
    in every bin all positives score above all negatives (or all below).
    """
    p, n = np.asarray(positives, dtype=np.float64), np.asarray(negatives, dtype=np.float64)
    value = auc_from_counts(p, n)
    if math.isnan(value):
        return Estimate(math.nan, math.nan)
    return Estimate(value, float((p * n).sum() / (2 * p.sum() * n.sum())))
