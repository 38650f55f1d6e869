"""Statistics for comparing two model versions (issue 25, ``mlmon compare``): the difference
of two proportions with Newcombe's hybrid score interval, and the sample ratio mismatch
test of a traffic split. Pure functions on counts, so states that merge by addition feed
them. See ``references/statistics/compare.md``.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from mlmon.stats.performance import Z_95, wilson_interval


def newcombe_difference(
    successes_a: int, n_a: int, successes_b: int, n_b: int, z: float = Z_95
) -> tuple[float, float, float]:
    """The difference of two independent proportions ``p_a - p_b`` and its interval by
    Newcombe's method 10 (the hybrid score interval from the two Wilson intervals).

    Notes
    -----
    With :math:`(l_a, u_a)` and :math:`(l_b, u_b)` the Wilson intervals of :math:`p_a` and
    :math:`p_b` and :math:`d = p_a - p_b`:

    .. math:: L = d - \\sqrt{(p_a - l_a)^2 + (u_b - p_b)^2}, \\quad
              U = d + \\sqrt{(u_a - p_a)^2 + (p_b - l_b)^2}

    Unlike the Wald interval it stays inside [-1, 1], is never of zero width at 0/n, and
    keeps close to its nominal coverage for small counts and rare events (an error rate of
    2/5,000 against 0/5,000), which is why a sparse error rate against none cannot hide in
    a zero-width interval. ``(nan, nan, nan)`` when either side has no trial.

    References
    ----------
    .. [1] R. G. Newcombe, "Interval estimation for the difference between independent
           proportions: comparison of eleven methods", Statistics in Medicine 17 (1998)
           873-890, method 10 (its Table II gives the worked examples).
    """
    if n_a == 0 or n_b == 0:
        return math.nan, math.nan, math.nan
    p_a, p_b = successes_a / n_a, successes_b / n_b
    low_a, high_a = wilson_interval(successes_a, n_a, z)
    low_b, high_b = wilson_interval(successes_b, n_b, z)
    d = p_a - p_b
    return d, d - math.hypot(p_a - low_a, high_b - p_b), d + math.hypot(high_a - p_a, p_b - low_b)


def sample_ratio_mismatch(n_candidate: int, n_baseline: int, expected_share: float) -> tuple[float, float]:
    """(chi-squared statistic, p-value) of the candidate's share of the traffic against the
    share the rollout expects (a canary at 10%: ``expected_share=0.1``).

    Notes
    -----
    Pearson's goodness-of-fit test with one degree of freedom, as A/B platforms check a
    split (Fabijan et al., "Diagnosing Sample Ratio Mismatch in Online Controlled
    Experiments", KDD 2019):

    .. math:: \\chi^2 = \\frac{(n_c - N s)^2}{N s} + \\frac{(n_b - N (1 - s))^2}{N (1 - s)}

    with :math:`N = n_c + n_b` and :math:`s` the expected share. ``(nan, nan)`` with no
    traffic; ``ValueError`` for a share outside (0, 1).
    """
    if not 0.0 < expected_share < 1.0:
        raise ValueError(f"the expected share must lie strictly between 0 and 1, got {expected_share}")
    total = n_candidate + n_baseline
    if total == 0:
        return math.nan, math.nan
    expected_c, expected_b = total * expected_share, total * (1 - expected_share)
    chi2 = (n_candidate - expected_c) ** 2 / expected_c + (n_baseline - expected_b) ** 2 / expected_b
    return chi2, float(stats.chi2.sf(chi2, df=1))


def homogeneity_chi_squared(counts_a: ArrayLike, counts_b: ArrayLike) -> tuple[float, float, int]:
    """(statistic, p-value, degrees of freedom) of Pearson's test that two samples of
    categories come from one distribution: the two versions' predicted classes.

    Notes
    -----
    The 2 x K contingency table of the two sides' counts, classes neither side has left
    out; expected counts :math:`E_{ij} = R_i C_j / N` from the row and column totals:

    .. math:: \\chi^2 = \\sum_{i,j} \\frac{(O_{ij} - E_{ij})^2}{E_{ij}}, \\quad df = K - 1

    Both sides are samples, so neither is taken as the truth (a goodness-of-fit test
    against the baseline's shares would ignore the baseline's own noise). Equal to
    ``scipy.stats.chi2_contingency(table, correction=False)``. ``(nan, nan, 0)`` when a
    side is empty or fewer than two classes occur.

    References
    ----------
    .. [1] K. Pearson, "On the criterion that a given system of deviations...",
           Philosophical Magazine 50 (1900) 157-175; A. Agresti, *Categorical Data
           Analysis*, 3rd ed., section 3.2.
    """
    table = np.vstack([np.asarray(counts_a, dtype=float), np.asarray(counts_b, dtype=float)])
    table = table[:, table.sum(axis=0) > 0]
    rows = table.sum(axis=1)
    if table.shape[1] < 2 or (rows == 0).any():
        return math.nan, math.nan, 0
    expected = np.outer(rows, table.sum(axis=0)) / table.sum()
    statistic = float(((table - expected) ** 2 / expected).sum())
    df = table.shape[1] - 1
    return statistic, float(stats.chi2.sf(statistic, df)), df
