"""Statistics on numeric values and probability vectors: entropy, frozen-histogram counts."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from mlmon.stats.arrays import Floats, Ints


def entropy_bits(probabilities: ArrayLike) -> Floats | float:
    """Shannon entropy in bits of a probability vector, or of each row of a 2-D array.

    Notes
    -----
    Each vector is normalised to sum to one first, then

    .. math:: H(p) = -\\sum_i p_i \\log_2 p_i, \\quad 0 \\log 0 = 0

    (as ``scipy.stats.entropy(p, base=2)``). ``nan`` for an all-zero vector. For ``k``
    classes, ``0 <= H <= log2 k``.

    References
    ----------
    .. [1] C. E. Shannon, "A mathematical theory of communication",
           Bell System Technical Journal 27 (1948) 379-423.
    """
    arr = np.asarray(probabilities, dtype=float)
    total = arr.sum(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = arr / np.where(total > 0, total, np.nan)
        terms = np.where(p > 0, -p * np.log2(p), 0.0)
    result = np.where(np.isnan(p).any(axis=-1), np.nan, terms.sum(axis=-1))
    return float(result) if result.ndim == 0 else result


def bin_counts(values: ArrayLike, edges: ArrayLike) -> Ints:
    """Count values into the ``len(edges) + 1`` bins of a frozen reference histogram.

    Parameters
    ----------
    values : array_like
        Finite values (drop missing values first).
    edges : array_like
        Strictly increasing edges, at least two (a constant reference has ``[c, c]``; see
        ``references/PROFILE_FORMAT.md``).

    Returns
    -------
    numpy.ndarray
        Integer counts: ``[below, interior_1, ..., interior_{len-1}, above]``.

    Notes
    -----
    With edges :math:`e_0 \\le \\dots \\le e_m` (``m = len(edges) - 1``):
    bin 0 is :math:`x < e_0` (below the reference range); bin :math:`i` for
    :math:`1 \\le i < m` is :math:`e_{i-1} \\le x < e_i`; bin :math:`m` is
    :math:`e_{m-1} \\le x \\le e_m` (closed, so the reference maximum belongs to it);
    bin :math:`m + 1` is :math:`x > e_m` (above the reference range).
    """
    x = np.asarray(values, dtype=float)
    e = np.asarray(edges, dtype=float)
    if e.ndim != 1 or e.size < 2:
        raise ValueError("a frozen histogram needs at least two edges")
    index = np.searchsorted(e, x, side="right")
    index[x == e[-1]] = e.size - 1
    return np.bincount(index, minlength=e.size + 1).astype(np.int64)


def counted_ks_wasserstein(
    reference_values: ArrayLike, reference_counts: ArrayLike, values: ArrayLike, counts: ArrayLike
) -> tuple[float, float, float]:
    """Two-sample KS statistic ``D``, its asymptotic p-value and the Wasserstein-1 distance
    of two samples given as distinct numbers with their counts; exact, ties and all.

    Notes
    -----
    On the union ``x_1 < ... < x_m`` of both sides' values, the empirical CDFs ``F`` and
    ``G`` are step functions that jump only there, so

    .. math:: D = \\max_i |F(x_i) - G(x_i)|, \\qquad
              W_1 = \\sum_{i<m} |F(x_i) - G(x_i)| (x_{i+1} - x_i)

    (``scipy.stats.ks_2samp(...).statistic`` and ``scipy.stats.wasserstein_distance`` on
    the values repeated by their counts). The p-value is Kolmogorov's limiting
    distribution at ``sqrt(n_e) D``, ``n_e = n m / (n + m)``, as for continuous features;
    with ties the test is conservative (Conover 1972). A value the reference never saw
    moves ``D`` by its share only, so a rare count inside the reference's range is not the
    new category chi-squared would make of it. nan when either side is empty.

    References
    ----------
    .. [1] W. J. Conover, "A Kolmogorov goodness-of-fit test for discontinuous
           distributions", JASA 67 (1972) 591-596.
    """
    rv, rc = np.asarray(reference_values, dtype=float), np.asarray(reference_counts, dtype=float)
    wv, wc = np.asarray(values, dtype=float), np.asarray(counts, dtype=float)
    n, m = rc.sum(), wc.sum()
    if n <= 0 or m <= 0:
        return np.nan, np.nan, np.nan
    x = np.union1d(rv, wv)
    f = np.cumsum(np.bincount(np.searchsorted(x, rv), weights=rc, minlength=x.size)) / n
    g = np.cumsum(np.bincount(np.searchsorted(x, wv), weights=wc, minlength=x.size)) / m
    gap = np.abs(f - g)
    d = float(gap.max())
    # Imported here: scipy.special costs 0.3 s of start-up, which report does not need.
    from scipy.special import kolmogorov

    return d, float(kolmogorov(np.sqrt(n * m / (n + m)) * d)), float(np.sum(gap[:-1] * np.diff(x)))
