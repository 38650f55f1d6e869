"""Multiple testing: Benjamini-Hochberg adjusted p-values."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from mlmon.stats.arrays import Floats


def benjamini_hochberg(pvalues: ArrayLike) -> Floats:
    """Benjamini-Hochberg adjusted p-values; ``nan`` entries stay ``nan`` and are not counted.

    Parameters
    ----------
    pvalues : array_like
        Raw p-values of one family of tests (e.g. all windows x model versions).

    Returns
    -------
    numpy.ndarray
        Adjusted p-values, same shape; reject at level ``alpha`` where adjusted < ``alpha``.

    Notes
    -----
    With the :math:`m` finite p-values sorted ascending, :math:`p_{(1)} \\le \\dots \\le
    p_{(m)}`:

    .. math:: \\tilde p_{(i)} = \\min_{j \\ge i} \\min\\left(1, \\frac{m}{j} p_{(j)}\\right)

    Equal to ``scipy.stats.false_discovery_control(p, method="bh")`` on the finite entries
    (checked in the tests). Controls the false discovery rate at ``alpha`` for independent or positively
    dependent tests; under the global null it also bounds the chance of any false alarm
    by ``alpha``.

    References
    ----------
    .. [1] Y. Benjamini, Y. Hochberg, "Controlling the false discovery rate: a practical and
           powerful approach to multiple testing", J. R. Stat. Soc. B 57(1) (1995) 289-300.
    """
    arr = np.asarray(pvalues, dtype=float)
    out = np.full(arr.shape, np.nan)
    finite = np.isfinite(arr)
    if finite.any():
        out[finite] = _bh(np.clip(arr[finite], 0.0, 1.0))
    return out


def _bh(p: Floats) -> Floats:
    order = np.argsort(p)
    m = p.size
    scaled = p[order] * m / np.arange(1, m + 1)
    # p <= 1 after clipping, so the running minimum from the top never exceeds 1.
    adjusted = np.minimum.accumulate(scaled[::-1])[::-1]
    out = np.empty(m)
    out[order] = adjusted
    return out
