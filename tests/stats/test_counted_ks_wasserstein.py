"""counted_ks_wasserstein, the exact KS and Wasserstein-1 of a discrete numeric feature from
both sides' value counts: scipy on the values repeated by their counts is the oracle."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from mlmon.stats.continuous import counted_ks_wasserstein

CASES = [
    ([1.0, 2.0, 3.0], [5, 3, 2], [2.0, 3.0, 4.0], [1, 1, 2]),  # a value the reference never had
    ([0.0, 1.0], [700, 300], [0.0, 1.0], [550, 450]),  # a 0/1 flag
    ([10.0, 20.0, 40.0], [1, 1, 1], [10.0, 20.0, 40.0], [1, 1, 1]),  # the same counts
    ([-3.0, 0.5, 7.0], [2, 9, 4], [-1.0], [6]),  # one value only, inside the range
    ([5.0], [1], [5.0, 6.0], [1, 1]),  # a single reference value, counted once
    ([1.0, 2.0], [3, 4], [7.0], [1]),  # a window of one value
]


@pytest.mark.parametrize(("ref_values", "ref_counts", "values", "counts"), CASES)
def test_the_statistics_are_scipys_on_the_repeated_values(ref_values, ref_counts, values, counts):
    reference, window = np.repeat(ref_values, ref_counts), np.repeat(values, counts)
    d, p, w1 = counted_ks_wasserstein(ref_values, ref_counts, values, counts)
    assert d == pytest.approx(stats.ks_2samp(reference, window).statistic, abs=1e-12)
    assert w1 == pytest.approx(stats.wasserstein_distance(reference, window), abs=1e-12)
    n, m = reference.size, window.size
    assert p == pytest.approx(stats.kstwobign.sf(math.sqrt(n * m / (n + m)) * d), rel=1e-12)


def test_a_hand_worked_pair():
    """Reference 1 x5, 2 x3, 3 x2 (F: .5 .8 1 1) against 2, 3, 4 x2 (G: 0 .25 .5 1): the
    gaps are .5 .55 .5 0, so D = 0.55 and W1 = .5 + .55 + .5 = 1.55 (unit steps)."""
    d, p, w1 = counted_ks_wasserstein([1, 2, 3], [5, 3, 2], [2, 3, 4], [1, 1, 2])
    assert d == pytest.approx(0.55, abs=1e-12) and w1 == pytest.approx(1.55, abs=1e-12)
    assert p == pytest.approx(stats.kstwobign.sf(math.sqrt(10 * 4 / 14) * 0.55), rel=1e-12)


@pytest.mark.parametrize(("ref_counts", "counts"), [([0, 0], [1, 2]), ([3, 1], [0, 0]), ([], [1, 1])])
def test_an_empty_side_gives_nan(ref_counts, counts):
    values = [1.0, 2.0][: len(ref_counts)] if ref_counts else []
    assert all(math.isnan(x) for x in counted_ks_wasserstein(values, ref_counts, [1.0, 2.0], counts))
