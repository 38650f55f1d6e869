"""Drift of a numeric feature from a reference quantile grid and a window's counts on it.

A reference profile keeps a numeric feature as its quantiles at :data:`GRID_LEVELS` (0,
0.5%, ..., 100%: minimum, 199 inner points, maximum). A window keeps, per feature, the
count of its values in each interval of that grid, the count and sum of the values below
the reference minimum and above its maximum, and its moments (:class:`Moments`). Those
states merge by addition, so every statistic here works on chunks, files and hosts alike,
and none needs the raw values of either side.

Each statistic states how far it can be from the one computed on the raw values: the grid
holds the reference's CDF exactly at its points only. ``references/statistics/`` has the
derivations and the numbers behind them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from mlmon.stats.categorical import psi

GRID_STEP = 0.005
_TAIL_LEVELS = (1e-5, 1e-4, 5e-4, 1e-3, 2e-3, 3e-3, 4e-3)
GRID_LEVELS = tuple(sorted({0.0, 1.0, *_TAIL_LEVELS, *(round(1 - t, 5) for t in _TAIL_LEVELS), *(round(i * GRID_STEP, 3) for i in range(1, 200))}))
"""Reference quantile levels of a numeric feature (215): the minimum, 0.001% to 0.4% in the
lower tail, 0.5% to 99.5% in steps of 0.5%, the mirrored upper tail, the maximum. The 0.5%
steps bracket the KS statistic to within 0.005 plus one window bin; the finer tails keep
the Wasserstein estimate within about 0.001 sd, where the widest intervals would otherwise
be (see ``references/statistics/wasserstein.md``)."""
DECILES = tuple(GRID_LEVELS.index(round(d / 10, 3)) for d in range(11))
"""Grid indices of the levels 0, 0.1, ..., 1: the frozen PSI bins."""


@dataclass(frozen=True)
class Moments:
    """Count, mean and sum of squared deviations of some values; merge with :meth:`merge`."""

    count: int
    """Values counted."""
    mean: float
    """Their mean (``nan`` when ``count`` is 0)."""
    m2: float
    """Sum of squared deviations from the mean (0 when ``count`` < 2)."""

    @classmethod
    def of(cls, values: ArrayLike) -> Moments:
        """The moments of finite ``values``."""
        x = np.asarray(values, dtype=float)
        if x.size == 0:
            return cls(0, math.nan, 0.0)
        mean = float(x.mean())
        return cls(int(x.size), mean, float(((x - mean) ** 2).sum()))

    def merge(self, other: Moments) -> Moments:
        """Chan, Golub and LeVeque's pairwise update: exact, associative up to rounding.

        ``n = n_a + n_b``, ``δ = mean_b − mean_a``, ``mean = mean_a + δ n_b / n``,
        ``M2 = M2_a + M2_b + δ² n_a n_b / n``.
        """
        if other.count == 0:
            return self
        if self.count == 0:
            return other
        n = self.count + other.count
        delta = other.mean - self.mean
        return Moments(n, self.mean + delta * other.count / n, self.m2 + other.m2 + delta * delta * self.count * other.count / n)

    @property
    def std(self) -> float:
        """Sample standard deviation (ddof = 1); ``nan`` below two values."""
        return math.sqrt(self.m2 / (self.count - 1)) if self.count > 1 else math.nan


@dataclass(frozen=True)
class GridCounts:
    """A window's finite values of one feature, counted on a reference grid ``g_0..g_M``."""

    counts: np.ndarray
    """``M + 2`` counts: below ``g_0``; in ``[g_j, g_{j+1})`` for each j, the last interval
    closed; above ``g_M``."""
    below_sum: float
    """Sum of the values below ``g_0`` (for the exact Wasserstein tail)."""
    above_sum: float
    """Sum of the values above ``g_M``."""

    @property
    def n(self) -> int:
        return int(self.counts.sum())

    def merge(self, other: GridCounts) -> GridCounts:
        return GridCounts(self.counts + other.counts, self.below_sum + other.below_sum, self.above_sum + other.above_sum)


@dataclass(frozen=True)
class KSBracket:
    """The two-sample Kolmogorov-Smirnov statistic, known to lie in ``[low, high]``."""

    low: float
    """A lower bound of D: the largest gap at the grid points."""
    high: float
    """An upper bound of D: the largest gap any arrangement inside an interval allows."""
    p_value: float
    """The asymptotic two-sample p-value of ``low`` (see :func:`ks_bracket`)."""


@dataclass(frozen=True)
class Estimate:
    """A statistic computed from the grid, and how far the raw-data value can be from it."""

    value: float
    """The estimate."""
    bound: float
    """``|estimate − raw-data value| <= bound`` (for a continuous reference)."""


def grid_counts(values: ArrayLike, grid: ArrayLike, *, is_sorted: bool = False) -> GridCounts:
    """Count finite ``values`` on the reference ``grid`` (non-decreasing, at least two points).

    A value equal to a grid point counts in the interval that starts there (the last point
    closes the last interval), as ``numpy.searchsorted(grid, x, side="right")`` places it.
    The values are sorted and the grid points searched in them: with ``L_j`` the number of
    values below ``g_j``, the counts are the differences of ``0, L_0, ..., L_M, n``. That
    is five times faster than searching each value in the grid. ``is_sorted``: the values
    are sorted already.
    """
    g = np.asarray(grid, dtype=float)
    x = np.asarray(values, dtype=float) if is_sorted else np.sort(np.asarray(values, dtype=float))
    below_j = np.searchsorted(x, g, side="left")
    counts = np.diff(np.concatenate([[0], below_j, [x.size]])).astype(np.int64)
    at_max = int(np.searchsorted(x, g[-1], side="right")) - int(below_j[-1])
    counts[-2] += at_max  # the maximum closes the last interval
    counts[-1] -= at_max
    return GridCounts(counts, float(x[: below_j[0]].sum()), float(x[below_j[-1] + at_max :].sum()))


def _cdf_at_points(counts: np.ndarray) -> np.ndarray:
    """The window's CDF at the grid points: ``G_j = G(g_j−)`` for j < M (the share below
    ``g_j``), and ``G_M = G(g_M)`` (all but the share above the maximum)."""
    return np.cumsum(counts)[:-1] / counts.sum()


def ks_bracket(levels: ArrayLike, window: GridCounts, reference_count: int) -> KSBracket:
    """Bracket the KS statistic between the reference and the window.

    Notes
    -----
    The reference CDF ``F`` is continuous with ``F(g_j) = p_j`` (the grid's levels); the
    window's empirical CDF ``G`` is known at the grid points from the counts:
    ``G_j = G(g_j−)``. ``D = sup |F − G|``. At the points, ``D >= |p_j − G_j|``, and
    ``|F(g_M) − G(g_M)|`` is the share above the maximum. Inside ``[g_j, g_{j+1})`` both
    CDFs are monotone, so ``|F − G| <= max(p_{j+1} − G_j, G_{j+1} − p_j)``. Hence

    .. math:: \\max_j |p_j - G_j| \\le D \\le \\max_j \\max(p_{j+1} - G_j,\\ G_{j+1} - p_j)

    and the bracket is at most ``max_j (Δp_j + ΔG_j)`` wide: 0.005 plus the window's largest
    interval share. The reference grid holds its own empirical CDF to within ``1/n_ref``.

    The p-value is that of ``low`` under Kolmogorov's limiting distribution,
    ``p = K̄(sqrt(n_e) · D_lo)`` with ``n_e = n m / (n + m)`` (``scipy.special.kolmogorov``).
    Both ends are conservative: the lower end rejects only when the smallest D the grid
    allows is significant, and the limiting distribution's p is above the exact one for
    finite ``n_e`` (``scipy.stats.kstwo.sf(D, round(n_e))``, what ``ks_2samp``'s
    ``method="asymp"`` gives): by at most 26% of p at ``n_e = 200``, 8% at 1,000, 3% at
    6,000, for p from 0.1 to 1e-6 (12%, 5% and 2% at p = 0.001). It needs
    ``scipy.special`` only, where ``scipy.stats`` would add 1.3 s to every start.

    References
    ----------
    .. [1] N. Smirnov, "Table for estimating the goodness of fit of empirical
           distributions", Annals of Mathematical Statistics 19 (1948) 279-281.
    """
    p = np.asarray(levels, dtype=float)
    n = window.n
    if n == 0 or reference_count <= 0:
        return KSBracket(math.nan, math.nan, math.nan)
    g = _cdf_at_points(window.counts)
    low = float(np.abs(p - g).max())  # at g_M: the share above the maximum
    high = float(np.maximum(p[1:] - g[:-1], g[1:] - p[:-1]).max())
    n_e = n * reference_count / (n + reference_count)
    # Imported here: scipy.special costs 0.3 s of start-up, which report does not need.
    from scipy.special import kolmogorov

    p_value = float(kolmogorov(math.sqrt(n_e) * low))
    return KSBracket(low, max(high, low), p_value)


def wasserstein(grid: ArrayLike, levels: ArrayLike, window: GridCounts) -> Estimate:
    """Wasserstein-1 distance between the reference and the window, in the feature's units.

    Notes
    -----
    ``W1 = ∫ |F(x) − G(x)| dx``. Below the reference minimum ``F = 0``, so that part is
    ``Σ_{x<g_0} (g_0 − x) / n``; above the maximum it is ``Σ_{x>g_M} (x − g_M) / n``: both
    exact from the counts and sums. Inside ``[g_j, g_{j+1}]`` of width ``w_j`` both CDFs are
    taken as linear between their values at the ends, so ``d = F − G`` is linear from
    ``d_0`` to ``d_1`` and

    .. math:: \\int |d| = w_j \\frac{|d_0| + |d_1|}{2} \\ \\text{(same sign)},\\quad
              w_j \\frac{d_0^2 + d_1^2}{2(|d_0| + |d_1|)} \\ \\text{(a crossing)}

    A monotone function between two values differs from the line joining them by at most
    half the rectangle in area (a step at either end is the extreme case), so the error is
    at most ``Σ_j w_j (Δp_j + ΔG_j) / 2``, returned as the bound (the reference grid's own
    ``1/n_ref`` slack aside).

    References
    ----------
    .. [1] S. S. Vallender, "Calculation of the Wasserstein distance between probability
           distributions on the line", Theory Probab. Appl. 18 (1974) 784-786.
    """
    g_pts, p = np.asarray(grid, dtype=float), np.asarray(levels, dtype=float)
    n = window.n
    if n == 0:
        return Estimate(math.nan, math.nan)
    c = window.counts
    tails = (c[0] * g_pts[0] - window.below_sum + window.above_sum - c[-1] * g_pts[-1]) / n
    g = _cdf_at_points(c)
    width = np.diff(g_pts)
    d0, d1 = p[:-1] - g[:-1], p[1:] - g[1:]
    same = np.sign(d0) * np.sign(d1) >= 0
    magnitude = np.abs(d0) + np.abs(d1)
    with np.errstate(invalid="ignore", divide="ignore"):
        crossing = np.where(magnitude > 0, (d0 * d0 + d1 * d1) / (2 * magnitude), 0.0)
    inner = np.where(same, magnitude / 2, crossing)
    bound = float(np.sum(width * (np.diff(p) + np.diff(g))) / 2)
    return Estimate(float(tails + np.sum(width * inner)), bound)


def decile_psi(levels: ArrayLike, window: GridCounts, deciles: tuple[int, ...] = DECILES) -> float:
    """PSI over the reference deciles, with one bin below the reference minimum and one
    above its maximum (reference share 0 each, floored by :func:`~.categorical.psi`).
    ``deciles`` are the grid indices of the levels 0, 0.1, ..., 1."""
    p = np.asarray(levels, dtype=float)
    cut = np.array(deciles)
    reference = np.concatenate([[0.0], np.diff(p[cut]), [0.0]])
    return psi(reference, decile_counts(window, deciles))


def decile_counts(window: GridCounts, deciles: tuple[int, ...] = DECILES) -> np.ndarray:
    """The window's counts pooled into the reference deciles: below the minimum, the ten
    deciles, above the maximum (12 counts). ``deciles`` are the grid indices of the levels
    0, 0.1, ..., 1."""
    c = window.counts
    return np.concatenate([[c[0]], np.add.reduceat(c[1:-1], np.array(deciles)[:-1]), [c[-1]]])


def grid_quantiles(grid: ArrayLike, window: GridCounts, levels: ArrayLike, lowest: float, highest: float) -> np.ndarray:
    """Quantiles of a window's values estimated from its counts on the reference grid.

    Notes
    -----
    With ``F`` the window's share at or below each grid point ``g_j`` (counts cumulated),
    the quantile ``q`` lies in the interval whose cumulative share first reaches ``q``,
    and is placed by linear interpolation inside it, as if its values were spread evenly.
    The tails use the window's own extremes: below ``g_0`` the interval is
    ``[lowest, g_0]``, above ``g_M`` it is ``[g_M, highest]``. The exact quantile lies in
    the same interval, so the error is at most that interval's width: the reference's
    0.5% quantile step where the window looks like the reference. nan when the window is
    empty.
    """
    g = np.asarray(grid, dtype=float)
    counts = window.counts.astype(float)
    total = counts.sum()
    q = np.asarray(levels, dtype=float)
    if total == 0 or g.size == 0:
        return np.full(q.shape, np.nan)
    edges = np.concatenate([[min(lowest, g[0])], g, [max(highest, g[-1])]])
    cumulative = np.concatenate([[0.0], np.cumsum(counts) / total])
    # interval k spans edges[k]..edges[k+1] and cumulative[k]..cumulative[k+1]
    k = np.clip(np.searchsorted(cumulative, q, side="left") - 1, 0, counts.size - 1)
    share = counts[k] / total
    within = np.where(share > 0, (q - cumulative[k]) / np.where(share > 0, share, 1.0), 0.0)
    return edges[k] + np.clip(within, 0.0, 1.0) * (edges[k + 1] - edges[k])


def missing_share_test(reference_missing: int, reference_rows: int, missing: int, rows: int) -> float:
    """p-value of the change in a feature's missing share: Pearson's chi-squared test of
    independence on the 2x2 table (missing, present) x (reference, window), without
    continuity correction (``scipy.stats.chi2_contingency(..., correction=False)``).

    Notes
    -----
    ``chi2 = N (ad - bc)^2 / ((a+b)(c+d)(a+c)(b+d))`` with one degree of freedom, the
    square of the two-proportion z statistic. 1.0 when both shares are equal or a margin is
    empty (nothing to test), nan without rows on either side.

    References
    ----------
    Agresti, A. (2013). Categorical Data Analysis, 3rd ed., section 3.2.
    """
    if reference_rows <= 0 or rows <= 0:
        return math.nan
    a, b = reference_missing, reference_rows - reference_missing
    c, d = missing, rows - missing
    n = a + b + c + d
    denominator = float(a + c) * float(b + d) * float(a + b) * float(c + d)
    if denominator == 0:
        return 1.0
    chi2 = n * (float(a) * d - float(b) * c) ** 2 / denominator
    # Imported here: scipy.special costs 0.3 s of start-up, which report does not need.
    from scipy.special import chdtrc

    return float(chdtrc(1, chi2))
