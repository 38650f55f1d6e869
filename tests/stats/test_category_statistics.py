"""category_statistics, the one call that prediction drift and categorical feature drift make:
the aligned categories, PSI, Jensen-Shannon and chi-squared, each against numpy or scipy on
the same aligned vectors, and nan (never an exception) when one side is empty."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from scipy.spatial.distance import jensenshannon

from mlmon.stats import SHARE_EPSILON
from mlmon.stats.categorical import align_categories, category_statistics


def floored(shares: np.ndarray) -> np.ndarray:
    s = np.maximum(shares / shares.sum(), SHARE_EPSILON)
    return s / s.sum()


@pytest.mark.parametrize(
    ("reference", "counts"),
    [
        ({"A": 0.5, "B": 0.3, "C": 0.2}, {"A": 40, "B": 40, "C": 10, "D": 10}),  # D unseen
        ({"A": 0.5, "B": 0.5}, {"A": 300, "B": 700}),
        ({"x": 0.1, "y": 0.2, "z": 0.7}, {"z": 5}),  # two reference categories never seen now
        ({"A": 0.5, "B": 0.5}, {"A": 1}),  # a single count
    ],
)
def test_every_statistic_is_numpys_or_scipys_on_the_aligned_vectors(reference, counts):
    aligned, psi, js, chi2, p = category_statistics(reference, counts)
    labels = sorted(reference) + sorted(set(counts) - set(reference))
    assert list(aligned.labels) == labels
    ref = np.array([reference.get(k, 0.0) for k in labels])
    cur = np.array([counts.get(k, 0) for k in labels], dtype=float)
    assert aligned.reference_shares.tolist() == ref.tolist() and aligned.current_counts.tolist() == cur.tolist()
    r, c = floored(ref), floored(cur)
    assert psi == pytest.approx(float(np.sum((c - r) * np.log(c / r))), rel=1e-12)
    assert js == pytest.approx(jensenshannon(ref, cur / cur.sum(), base=2), rel=1e-9)
    expected = stats.chisquare(cur, f_exp=r * cur.sum())
    assert (chi2, p) == (pytest.approx(expected.statistic, rel=1e-12), pytest.approx(expected.pvalue, rel=1e-9))


def test_a_hand_worked_shift_of_two_classes():
    """50/50 against 30/70 of 100: PSI = 0.2 ln(0.7/0.5) - 0.2 ln(0.3/0.5) = 0.16946 (floors
    do not bite); chi2 = (20^2 + 20^2) / 50 = 16."""
    _, psi, _, chi2, p = category_statistics({"A": 0.5, "B": 0.5}, {"A": 30, "B": 70})
    assert psi == pytest.approx(0.2 * math.log(0.7 / 0.5) - 0.2 * math.log(0.3 / 0.5), rel=1e-12)
    assert chi2 == pytest.approx(16.0, rel=1e-12) and p == pytest.approx(stats.chi2.sf(16.0, 1), rel=1e-12)


@pytest.mark.parametrize(
    ("reference", "counts", "labels"),
    [
        ({}, {"A": 3, "B": 1}, ("A", "B")),  # no reference: everything is unseen
        ({"A": 0.4, "B": 0.6}, {}, ("A", "B")),  # no counts
        ({"A": 0.4, "B": 0.6}, {"A": 0, "B": 0}, ("A", "B")),  # counts of zero
    ],
)
def test_an_empty_side_gives_nan_and_still_the_aligned_categories(reference, counts, labels):
    aligned, *numbers = category_statistics(reference, counts)
    assert aligned.labels == labels
    assert all(math.isnan(x) for x in numbers)


def test_a_reference_category_with_share_zero_or_none_is_unseen_but_not_added_twice():
    aligned = align_categories({"A": 1.0, "B": 0.0, "C": None}, {"A": 5, "B": 2, "C": 1, "E": 0})  # type: ignore[dict-item]
    assert aligned.labels == ("A", "B", "C")  # E has no count: not unseen, not added
    assert aligned.unseen == ("B", "C")
    assert aligned.reference_shares.tolist() == [1.0, 0.0, 0.0] and aligned.current_counts.tolist() == [5, 2, 1]
