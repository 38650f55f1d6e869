"""Statistics on counts and shares: pure functions on numpy arrays, no I/O.

Every function documents its formula (``Notes``) and sources (``References``), in the style
of ``scipy.stats``. Degenerate inputs (empty, all-zero, a single category) never raise: the
function returns ``nan`` and callers map that to the ``unknown`` severity. Mismatched
shapes are programming errors and raise ``ValueError``.

The notes in ``references/statistics/`` give the defaults and where they come from.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import chdtrc

SHARE_EPSILON = 1e-4
"""Floor applied to every share before PSI and the chi-squared expected counts.

A share of zero makes ``ln(c / r)`` infinite. Shares below the floor are raised to it and the
vector is renormalised to sum to one (:func:`floor_shares`). ``1e-4`` is one record in ten
thousand: small enough not to mask a real class, large enough to keep one stray prediction
of an unseen class from dominating PSI (it adds about 0.002 at n = 1,000).
"""


@dataclass(frozen=True)
class AlignedCategories:
    """Reference shares and current counts on one shared list of categories."""

    labels: tuple[str, ...]
    """Categories in order: the reference's (sorted), then unseen ones (sorted)."""
    reference_shares: np.ndarray
    """Reference share per category; 0.0 for categories the reference never saw."""
    current_counts: np.ndarray
    """Current count per category; 0 for reference categories absent now."""
    unseen: tuple[str, ...]
    """Categories with a current count but no reference share (or a zero one)."""


def align_categories(ref_shares: Mapping[str, float], cur_counts: Mapping[str, int]) -> AlignedCategories:
    """Put reference shares and current counts on the same categories.

    Parameters
    ----------
    ref_shares : mapping of str to float
        Reference share per category (need not sum exactly to one).
    cur_counts : mapping of str to int
        Current count per category.

    Returns
    -------
    AlignedCategories
        The union of categories, reference categories first.

    Notes
    -----
    Unseen-class policy: a category in ``cur_counts`` that the reference never saw (or saw
    with share 0) is kept, never dropped, with reference share 0 and reported in ``unseen``.
    PSI and chi-squared then see it through :data:`SHARE_EPSILON`, so a class the model never
    predicted on its training data raises both statistics in proportion to its share.
    """
    ref_labels = sorted(str(k) for k in ref_shares)
    unseen = sorted(
        str(k) for k, v in cur_counts.items() if v > 0 and float(ref_shares.get(k, 0.0) or 0.0) <= 0.0
    )
    extra = [k for k in unseen if k not in ref_shares]
    labels = tuple(ref_labels + extra)
    ref = np.array([float(ref_shares.get(k, 0.0) or 0.0) for k in labels], dtype=float)
    cur = np.array([int(cur_counts.get(k, 0) or 0) for k in labels], dtype=np.int64)
    return AlignedCategories(labels=labels, reference_shares=ref, current_counts=cur, unseen=tuple(unseen))


def to_shares(values: ArrayLike) -> np.ndarray:
    """Normalise counts (or shares) to shares summing to one; ``nan`` when the sum is not
    positive or the input is empty.

    Raises
    ------
    ValueError
        When a value is negative or not finite.
    """
    arr = np.asarray(values, dtype=float)
    if arr.ndim != 1:
        raise ValueError("expected a one-dimensional vector of counts or shares")
    if arr.size and (not np.all(np.isfinite(arr)) or np.any(arr < 0)):
        raise ValueError("counts and shares must be finite and non-negative")
    total = arr.sum()
    if arr.size == 0 or total <= 0:
        return np.full(arr.shape, np.nan)
    return arr / total


def floor_shares(values: ArrayLike, epsilon: float = SHARE_EPSILON) -> np.ndarray:
    """Shares with every entry raised to at least ``epsilon``, then renormalised.

    Notes
    -----
    .. math:: s_i = c_i / \\sum_j c_j, \\quad
              \\tilde s_i = \\max(s_i, \\varepsilon) / \\sum_j \\max(s_j, \\varepsilon)

    After renormalisation an empty category holds slightly less than ``epsilon``.
    """
    shares = to_shares(values)
    if np.isnan(shares).any():
        return shares
    floored = np.maximum(shares, epsilon)
    return floored / floored.sum()


def psi(ref_shares: ArrayLike, cur_counts_or_shares: ArrayLike, epsilon: float = SHARE_EPSILON) -> float:
    """Population Stability Index between a reference and a current distribution.

    Parameters
    ----------
    ref_shares : array_like
        Reference shares (or counts) per bin or category.
    cur_counts_or_shares : array_like
        Current counts (or shares) on the same bins.
    epsilon : float, optional
        Share floor for empty bins, see :func:`floor_shares`.

    Returns
    -------
    float
        PSI >= 0, or ``nan`` when either side is empty or all zero.

    Notes
    -----
    With shares floored at ``epsilon`` and renormalised (:func:`floor_shares`):

    .. math:: \\mathrm{PSI} = \\sum_i (c_i - r_i) \\ln \\frac{c_i}{r_i}

    PSI is the symmetrised Kullback-Leibler divergence ``KL(c||r) + KL(r||c)`` in nats.
    Conventional reading: < 0.1 stable, 0.1-0.25 moderate shift, >= 0.25 major shift.

    References
    ----------
    .. [1] N. Siddiqi, "Credit Risk Scorecards", Wiley, 2006, ch. 8.
    .. [2] B. Yurdakul, "Statistical Properties of Population Stability Index",
           PhD thesis, Western Michigan University, 2018.
    """
    ref, cur = _same_shape(ref_shares, cur_counts_or_shares)
    r = floor_shares(ref, epsilon)
    c = floor_shares(cur, epsilon)
    if r.size == 0 or np.isnan(r).any() or np.isnan(c).any():
        return float("nan")
    return float(np.sum((c - r) * np.log(c / r)))


def chi_squared_gof(
    observed_counts: ArrayLike, ref_shares: ArrayLike, epsilon: float = SHARE_EPSILON
) -> tuple[float, float]:
    """Chi-squared goodness of fit of current counts to the reference shares.

    Parameters
    ----------
    observed_counts : array_like
        Current count per category.
    ref_shares : array_like
        Reference share per category, floored at ``epsilon`` (see :func:`floor_shares`) so
        that categories the reference never saw have a positive expected count.
    epsilon : float, optional
        Share floor.

    Returns
    -------
    statistic, pvalue : float
        ``nan, nan`` when there are no observations, the reference is all zero, or there is
        a single category (zero degrees of freedom).

    Notes
    -----
    With :math:`n = \\sum_i o_i` and expected counts :math:`e_i = n \\tilde r_i`:

    .. math:: \\chi^2 = \\sum_i \\frac{(o_i - e_i)^2}{e_i}, \\quad k - 1 \\text{ d.o.f.}

    The p-value is the chi-squared survival function, ``scipy.special.chdtrc(k - 1, x)``
    (what ``scipy.stats.chisquare(observed, f_exp=e)`` returns, without importing
    ``scipy.stats``, which takes 0.4 s).

    References
    ----------
    .. [1] K. Pearson, "On the criterion that a given system of deviations ...",
           Philosophical Magazine 50 (1900) 157-175.
    .. [2] SciPy, ``scipy.stats.chisquare``.
    """
    obs, ref = _same_shape(observed_counts, ref_shares)
    n = obs.sum()
    r = floor_shares(ref, epsilon)
    if obs.size < 2 or n <= 0 or np.isnan(r).any():
        return float("nan"), float("nan")
    expected = r * n
    statistic = float(np.sum((obs - expected) ** 2 / expected))
    return statistic, float(chdtrc(obs.size - 1, statistic))


def js_distance(p: ArrayLike, q: ArrayLike) -> float:
    """Jensen-Shannon distance in base 2, in [0, 1].

    Returns
    -------
    float
        The distance, or ``nan`` when either side is empty or all zero.

    Notes
    -----
    With :math:`m = (p + q) / 2` and both sides normalised to shares (no epsilon needed:
    the terms with a zero share vanish):

    .. math:: \\mathrm{JS}(p, q) = \\sqrt{\\tfrac12 \\mathrm{KL}_2(p\\|m)
              + \\tfrac12 \\mathrm{KL}_2(q\\|m)}

    Equal to ``scipy.spatial.distance.jensenshannon(p, q, base=2)`` (checked in the tests).

    References
    ----------
    .. [1] J. Lin, "Divergence measures based on the Shannon entropy",
           IEEE Trans. Information Theory 37(1) (1991) 145-151.
    .. [2] D. M. Endres, J. E. Schindelin, "A new metric for probability distributions",
           IEEE Trans. Information Theory 49(7) (2003) 1858-1860.
    """
    a, b = _same_shape(p, q)
    pa, qb = to_shares(a), to_shares(b)
    if pa.size == 0 or np.isnan(pa).any() or np.isnan(qb).any():
        return float("nan")
    m = (pa + qb) / 2.0
    divergence = 0.5 * _kl_bits(pa, m) + 0.5 * _kl_bits(qb, m)
    return float(np.sqrt(max(divergence, 0.0)))


def _kl_bits(p: np.ndarray, m: np.ndarray) -> float:
    """KL(p || m) in bits over the categories where p > 0 (there m >= p / 2 > 0)."""
    mask = p > 0
    return float(np.sum(p[mask] * np.log2(p[mask] / m[mask])))


def benjamini_hochberg(pvalues: ArrayLike) -> np.ndarray:
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


def _bh(p: np.ndarray) -> np.ndarray:
    order = np.argsort(p)
    m = p.size
    scaled = p[order] * m / np.arange(1, m + 1)
    adjusted = np.minimum(np.minimum.accumulate(scaled[::-1])[::-1], 1.0)
    out = np.empty(m)
    out[order] = adjusted
    return out


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


def _same_shape(
    a: ArrayLike | Sequence[float], b: ArrayLike | Sequence[float]
) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(a, dtype=float)
    y = np.asarray(b, dtype=float)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(f"expected two vectors of the same length, got shapes {x.shape} and {y.shape}")
    return x, y
