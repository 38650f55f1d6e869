"""Statistics on categorical distributions: shares, PSI, chi-squared, Jensen-Shannon."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from mlmon.stats import SHARE_EPSILON
from mlmon.stats.arrays import Floats, Ints


@dataclass(frozen=True)
class AlignedCategories:
    """Reference shares and current counts on one shared list of categories."""

    labels: tuple[str, ...]
    """Categories in order: the reference's (sorted), then unseen ones (sorted)."""
    reference_shares: Floats
    """Reference share per category; 0.0 for categories the reference never saw."""
    current_counts: Ints
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
    unseen = sorted(str(k) for k, v in cur_counts.items() if v > 0 and float(ref_shares.get(k, 0.0) or 0.0) <= 0.0)
    extra = [k for k in unseen if k not in ref_shares]
    labels = tuple(ref_labels + extra)
    ref = np.array([float(ref_shares.get(k, 0.0) or 0.0) for k in labels], dtype=float)
    cur = np.array([int(cur_counts.get(k, 0) or 0) for k in labels], dtype=np.int64)
    return AlignedCategories(labels=labels, reference_shares=ref, current_counts=cur, unseen=tuple(unseen))


def category_statistics(
    ref_shares: Mapping[str, float], cur_counts: Mapping[str, int], epsilon: float = SHARE_EPSILON
) -> tuple[AlignedCategories, float, float, float, float]:
    """Current counts per category against reference shares: the aligned categories, PSI,
    Jensen-Shannon distance, and the chi-squared statistic and p-value. Every statistic is
    nan without a reference or current counts (see :func:`psi`, :func:`js_distance`,
    :func:`chi_squared_gof` for each formula)."""
    aligned = align_categories(ref_shares, cur_counts)
    ref, cur = aligned.reference_shares, aligned.current_counts
    if not ref_shares or cur.sum() == 0:
        nan = float("nan")
        return aligned, nan, nan, nan, nan
    chi2, p = chi_squared_gof(cur, ref, epsilon)
    return aligned, psi(ref, cur, epsilon), js_distance(ref, cur), chi2, p


def to_shares(values: ArrayLike) -> Floats:
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
    shares: Floats = arr / total
    return shares


def floor_shares(values: ArrayLike, epsilon: float = SHARE_EPSILON) -> Floats:
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
    renormalised: Floats = floored / floored.sum()
    return renormalised


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
    # Imported here: scipy.special costs 0.3 s of start-up, which report does not need.
    from scipy.special import chdtrc

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


def _kl_bits(p: Floats, m: Floats) -> float:
    """KL(p || m) in bits over the categories where p > 0 (there m >= p / 2 > 0)."""
    mask = p > 0
    return float(np.sum(p[mask] * np.log2(p[mask] / m[mask])))


def _same_shape(a: ArrayLike | Sequence[float], b: ArrayLike | Sequence[float]) -> tuple[Floats, Floats]:
    x = np.asarray(a, dtype=float)
    y = np.asarray(b, dtype=float)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(f"expected two vectors of the same length, got shapes {x.shape} and {y.shape}")
    return x, y
