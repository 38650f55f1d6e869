"""Statistics on numeric values and probability vectors: entropy, frozen-histogram counts."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def entropy_bits(probabilities: ArrayLike) -> np.ndarray | float:
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


def bin_counts(values: ArrayLike, edges: ArrayLike) -> np.ndarray:
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
