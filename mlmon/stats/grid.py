"""Drift of a numeric feature from a reference quantile grid and a window's counts on it.

A reference profile keeps a numeric feature as its quantiles at :data:`GRID_LEVELS` (0,
0.5%, ..., 100%: minimum, 199 inner points, maximum) and, since profile version 3, its own
counts on that grid. The grid's *distinct* points ``u_0 < ... < u_K`` cut the line into
``2K + 3`` cells: below ``u_0``, the point ``{u_0}``, the open interval ``(u_0, u_1)``, the
point ``{u_1}``, ..., the point ``{u_K}``, above ``u_K``. A window keeps, per feature, the
count of its values in each cell, the sums below ``u_0`` and above ``u_K``, and its moments
(:class:`Moments`). Those states merge by addition, so every statistic here works on
chunks, files and hosts alike, and none needs the raw values of either side.

A value equal to a grid point is counted *at* that point, on both sides, so repeated values
(integer sizes, rounded measurements, a few common values plus a tail) are compared exactly:
every statistic uses the reference's actual share of each cell (:class:`ReferenceGrid`),
never the nominal share of a level. Each statistic states how far it can be from the one
computed on the raw values: only values strictly inside an open interval are not placed
exactly. ``references/statistics/`` has the derivations and the numbers behind them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from mlmon.stats.arrays import Floats, Ints
from mlmon.stats.categorical import psi

GRID_STEP = 0.005
_TAIL_LEVELS = (1e-5, 1e-4, 5e-4, 1e-3, 2e-3, 3e-3, 4e-3)
_UPPER_TAIL_LEVELS = tuple(round(1 - t, 5) for t in _TAIL_LEVELS)
_STEP_LEVELS = tuple(round(i * GRID_STEP, 3) for i in range(1, 200))
GRID_LEVELS = tuple(sorted({0.0, 1.0, *_TAIL_LEVELS, *_UPPER_TAIL_LEVELS, *_STEP_LEVELS}))
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
        return Moments(
            n, self.mean + delta * other.count / n, self.m2 + other.m2 + delta * delta * self.count * other.count / n
        )

    @property
    def std(self) -> float:
        """Sample standard deviation (ddof = 1); ``nan`` below two values."""
        return math.sqrt(self.m2 / (self.count - 1)) if self.count > 1 else math.nan


@dataclass(frozen=True)
class GridCounts:
    """A window's finite values of one feature, counted in the cells of a reference grid
    whose distinct points are ``u_0 < ... < u_K``."""

    counts: Ints
    """``2K + 3`` counts: below ``u_0``; then for each point, the values equal to it and
    (but after the last) the values strictly between it and the next; above ``u_K``."""
    below_sum: float
    """Sum of the values below ``u_0`` (for the exact Wasserstein tail)."""
    above_sum: float
    """Sum of the values above ``u_K``."""

    @property
    def n(self) -> int:
        return int(self.counts.sum())

    def merge(self, other: GridCounts) -> GridCounts:
        return GridCounts(
            self.counts + other.counts, self.below_sum + other.below_sum, self.above_sum + other.above_sum
        )


@dataclass(frozen=True, eq=False)
class ReferenceGrid:
    """A numeric feature's reference on its grid: the distinct points and the reference's
    share of each cell (:class:`GridCounts` holds a window's counts in the same cells)."""

    points: Floats
    """The distinct grid points ``u_0 < ... < u_K`` (the reference minimum to its maximum)."""
    shares: Floats
    """``2K + 3`` shares of the reference values per cell, summing to one."""
    count: int
    """Reference values (finite)."""
    deciles: Ints
    """Indices into ``points`` of the distinct values among the reference deciles (levels 0,
    0.1, ..., 1): the edges of the PSI bins."""
    decile_levels: tuple[int, ...]
    """For each of those edges, the first decile (0..10) with that value."""
    exact: bool
    """True when ``shares`` are the reference's counts (profile version 3); False when they
    were derived from the levels of a version-2 grid, which places each tie's mass only
    between the first and the last level it covers."""

    @classmethod
    def from_values(cls, values: ArrayLike, levels: ArrayLike = GRID_LEVELS) -> ReferenceGrid:
        """The grid of finite ``values`` at ``levels`` (numpy linear quantiles), with its
        exact counts."""
        x = np.sort(np.asarray(values, dtype=float))
        quantiles = np.quantile(x, np.asarray(levels, dtype=float))
        return cls.of(quantiles, levels, x.size, grid_counts(x, quantiles, is_sorted=True).counts)

    @classmethod
    def of(cls, quantiles: ArrayLike, levels: ArrayLike, count: int, cell_counts: ArrayLike = ()) -> ReferenceGrid:
        """A reference from its quantiles at ``levels`` and, when known, its ``cell_counts``
        (``2K + 3`` for the ``K + 1`` distinct quantiles). Without them each distinct point
        ``u`` gets the share ``p_last(u) − p_first(u)`` (the levels its tie spans) and each open
        interval the levels between: exact for a grid without ties."""
        q, lv = np.asarray(quantiles, dtype=float), np.asarray(levels, dtype=float)
        points = np.unique(q)
        cells = np.asarray(cell_counts, dtype=float)
        if cells.size:
            shares = cells / cells.sum()
        else:
            first, last = np.searchsorted(q, points, side="left"), np.searchsorted(q, points, side="right") - 1
            shares = np.zeros(2 * points.size + 1)
            shares[1:-1:2] = lv[last] - lv[first]
            shares[2:-1:2] = lv[first[1:]] - lv[last[:-1]]
        decile_index = np.searchsorted(lv, np.arange(11) / 10 - 1e-12)
        decile_values = q[decile_index]
        edges, first_decile = np.unique(decile_values, return_index=True)
        return cls(
            points, shares, int(count), np.searchsorted(points, edges), tuple(map(int, first_decile)), bool(cells.size)
        )


@dataclass(frozen=True)
class KSBracket:
    """The two-sample Kolmogorov-Smirnov statistic, known to lie in ``[low, high]``."""

    low: float
    """A lower bound of D: the largest gap at the grid points (each side of each point)."""
    high: float
    """An upper bound of D: the largest gap any arrangement inside an open interval allows."""
    p_value: float
    """The asymptotic two-sample p-value of ``low`` (see :func:`ks_bracket`)."""


@dataclass(frozen=True)
class Estimate:
    """A statistic computed from the grid, and how far the raw-data value can be from it."""

    value: float
    """The estimate."""
    bound: float
    """``|estimate − raw-data value| <= bound``."""


def grid_counts(values: ArrayLike, grid: ArrayLike, *, is_sorted: bool = False, distinct: bool = False) -> GridCounts:
    """Count finite ``values`` in the cells of ``grid`` (non-decreasing; its distinct points
    ``u_0 < ... < u_K`` make the cells, see :class:`GridCounts`).

    The values are sorted and each point searched in them from both sides: with ``L_i`` the
    values below ``u_i`` and ``R_i`` those at or below it, the counts are the differences of
    ``0, L_0, R_0, L_1, R_1, ..., L_K, R_K, n``. That is five times faster than searching each
    value in the grid. ``is_sorted``: the values are sorted already; ``distinct``: the grid
    is its distinct points already (``ReferenceGrid.points``).
    """
    points = np.asarray(grid, dtype=float) if distinct else np.unique(np.asarray(grid, dtype=float))
    x = np.asarray(values, dtype=float) if is_sorted else np.sort(np.asarray(values, dtype=float))
    bounds = np.empty(2 * points.size, dtype=np.int64)
    bounds[0::2] = np.searchsorted(x, points, side="left")
    bounds[1::2] = np.searchsorted(x, points, side="right")
    counts = np.diff(np.concatenate([[0], bounds, [x.size]])).astype(np.int64)
    return GridCounts(counts, float(x[: bounds[0]].sum()), float(x[bounds[-1] :].sum()))


def _cumulative(cells: Floats | Ints) -> Floats:
    """0, then the share at or below the end of each cell (``2K + 4`` values)."""
    return np.concatenate([[0.0], np.cumsum(cells) / cells.sum()])


def _interval_cells(size: int) -> Ints:
    """Indices of the cells that are intervals (the tails and the open intervals)."""
    return np.arange(0, size, 2)


def ks_bracket(reference: ReferenceGrid, window: GridCounts) -> KSBracket:
    """Bracket the KS statistic between the reference and the window.

    Notes
    -----
    Both empirical CDFs, ``F`` (reference) and ``G`` (window), are known exactly just
    below and at each grid point from the cell counts, ties included. ``D = sup |F − G|``.
    At those places ``D >= |F − G|``; the largest is ``D_lo``. Inside an open interval
    ``(u_i, u_{i+1})`` both CDFs are monotone, so
    ``|F − G| <= max(F(u_{i+1}−) − G(u_i), G(u_{i+1}−) − F(u_i))``. Hence

    .. math:: D_{lo} \\le D \\le \\max(D_{lo}, \\max_i \\max(F(u_{i+1}-) - G(u_i),\\ G(u_{i+1}-) - F(u_i)))

    and the bracket is at most ``max_i (ΔF_i + ΔG_i)`` wide, the shares strictly inside one
    open interval: 0.005 plus the window's share there for a continuous feature, and nothing
    for values that sit on grid points (a few common values, integers). With a version-2
    reference (``reference.exact`` False) ties are placed from their levels, within one
    level step.

    The p-value is that of ``low`` under Kolmogorov's limiting distribution,
    ``p = K̄(sqrt(n_e) · D_lo)`` with ``n_e = n m / (n + m)`` (``scipy.special.kolmogorov``).
    Both ends are conservative: the lower end rejects only when the smallest D the grid
    allows is significant, and the limiting distribution's p is above the exact one for
    finite ``n_e`` (``scipy.stats.kstwo.sf(D, round(n_e))``, what ``ks_2samp``'s
    ``method="asymp"`` gives): by at most 26% of p at ``n_e = 200``, 8% at 1,000, 3% at
    6,000, for p from 0.1 to 1e-6. With ties the test is conservative too (the null
    distribution of D is stochastically smaller for discontinuous data). It needs
    ``scipy.special`` only, where ``scipy.stats`` would add 1.3 s to every start.

    References
    ----------
    .. [1] N. Smirnov, "Table for estimating the goodness of fit of empirical
           distributions", Annals of Mathematical Statistics 19 (1948) 279-281.
    .. [2] W. J. Conover, "A Kolmogorov goodness-of-fit test for discontinuous
           distributions", JASA 67 (1972) 591-596.
    """
    n = window.n
    if n == 0 or reference.count <= 0:
        return KSBracket(math.nan, math.nan, math.nan)
    f, g = _cumulative(reference.shares), _cumulative(window.counts)
    low = float(np.abs(f - g).max())
    k = _interval_cells(window.counts.size)
    high = float(np.maximum(f[k + 1] - g[k], g[k + 1] - f[k]).max())
    n_e = n * reference.count / (n + reference.count)
    # Imported here: scipy.special costs 0.3 s of start-up, which report does not need.
    from scipy.special import kolmogorov

    p_value = float(kolmogorov(math.sqrt(n_e) * low))
    return KSBracket(low, max(high, low), p_value)


def wasserstein(reference: ReferenceGrid, window: GridCounts) -> Estimate:
    """Wasserstein-1 distance between the reference and the window, in the feature's units.

    Notes
    -----
    ``W1 = ∫ |F(x) − G(x)| dx``. Below the reference minimum ``F = 0``, so that part is
    ``Σ_{x<u_0} (u_0 − x) / n``; above the maximum it is ``Σ_{x>u_K} (x − u_K) / n``: both
    exact from the counts and sums. A grid point has no width. Inside an open interval
    ``(u_i, u_{i+1})`` of width ``w_i`` both CDFs go from their values at ``u_i`` to those
    just below ``u_{i+1}``; taken as linear, ``d = F − G`` runs from ``d_0`` to ``d_1`` and

    .. math:: \\int |d| = w_i \\frac{|d_0| + |d_1|}{2} \\ \\text{(same sign)},\\quad
              w_i \\frac{d_0^2 + d_1^2}{2(|d_0| + |d_1|)} \\ \\text{(a crossing)}

    A monotone function between two values differs from the line joining them by at most
    half the rectangle in area, so the error is at most ``Σ_i w_i (ΔF_i + ΔG_i) / 2`` over
    the shares strictly inside each interval, returned as the bound. Values on grid points
    (ties) add nothing to it.

    References
    ----------
    .. [1] S. S. Vallender, "Calculation of the Wasserstein distance between probability
           distributions on the line", Theory Probab. Appl. 18 (1974) 784-786.
    """
    n = window.n
    if n == 0:
        return Estimate(math.nan, math.nan)
    u, c = reference.points, window.counts
    tails = (c[0] * u[0] - window.below_sum + window.above_sum - c[-1] * u[-1]) / n
    f, g = _cumulative(reference.shares), _cumulative(c)
    k = _interval_cells(c.size)[1:-1]  # the open intervals
    width = np.diff(u)
    d0, d1 = f[k] - g[k], f[k + 1] - g[k + 1]
    same = np.sign(d0) * np.sign(d1) >= 0
    magnitude = np.abs(d0) + np.abs(d1)
    with np.errstate(invalid="ignore", divide="ignore"):
        crossing = np.where(magnitude > 0, (d0 * d0 + d1 * d1) / (2 * magnitude), 0.0)
    inner = np.where(same, magnitude / 2, crossing)
    bound = float(np.sum(width * (reference.shares[k] + c[k] / n)) / 2)
    return Estimate(float(tails + np.sum(width * inner)), bound)


def _decile_starts(reference: ReferenceGrid) -> Ints:
    """Start cells of the PSI bins: below the minimum; from each distinct decile edge but
    the last, up to the next (the last bin closed at the maximum); above the maximum."""
    inner = reference.deciles[:-1] if reference.deciles.size > 1 else reference.deciles
    return np.concatenate([[0], 1 + 2 * inner, [2 * reference.points.size]])


def decile_bins(reference: ReferenceGrid) -> tuple[tuple[str, ...], Floats]:
    """The PSI bins' labels and the reference's actual share of each: ``< min``, one bin per
    distinct decile interval (``d3``, or ``d1-d7`` when ties merge deciles 1 to 7), ``> max``."""
    first = reference.decile_levels
    ends = [*first[1:-1], 10]
    spans = [(first[j] + 1, ends[j]) for j in range(len(ends))] if len(first) > 1 else [(1, 10)]
    names = [f"d{a}" if a >= b else f"d{a}-d{b}" for a, b in spans]
    return ("< min", *names, "> max"), np.add.reduceat(reference.shares, _decile_starts(reference))


def decile_counts(reference: ReferenceGrid, window: GridCounts) -> Ints:
    """The window's counts pooled into the PSI bins of :func:`decile_bins`."""
    return np.add.reduceat(window.counts, _decile_starts(reference))


def decile_psi(reference: ReferenceGrid, window: GridCounts) -> float:
    """PSI over the reference deciles, with one bin below the reference minimum and one
    above its maximum (reference share 0 each, floored by :func:`~.categorical.psi`).

    The bins are the distinct decile values, each bin ``[e_j, e_{j+1})`` (the last closed),
    so a value equal to an edge falls in the same bin on both sides, and each side's share
    is its actual count there: a tie holding 60% of the reference makes one bin of about
    60% on both sides, not six bins of a nominal 10%."""
    return psi(decile_bins(reference)[1], decile_counts(reference, window))


def grid_quantiles(
    reference: ReferenceGrid, window: GridCounts, levels: ArrayLike, lowest: float, highest: float
) -> Floats:
    """Quantiles of a window's values estimated from its counts on the reference grid.

    Notes
    -----
    With the window's cumulative share at the end of each cell, the quantile ``q`` lies in
    the cell whose cumulative share first reaches ``q``. A point cell gives its point
    exactly (ties are exact); an interval is interpolated linearly, as if its values were
    spread evenly. The tails use the window's own extremes: below ``u_0`` the interval is
    ``[lowest, u_0]``, above ``u_K`` it is ``[u_K, highest]``. The exact quantile lies in
    the same cell (numpy's ``inverted_cdf`` always; ``linear`` but where ``q`` falls exactly
    on a cell's end), so the error is at most that cell's width. nan when the window is empty.
    """
    u = reference.points
    counts = window.counts.astype(float)
    total = counts.sum()
    q = np.asarray(levels, dtype=float)
    if total == 0 or u.size == 0:
        return np.full(q.shape, np.nan)
    low_edge, high_edge = np.empty(counts.size), np.empty(counts.size)
    low_edge[1:-1:2], high_edge[1:-1:2] = u, u
    low_edge[2:-1:2], high_edge[2:-1:2] = u[:-1], u[1:]
    low_edge[0], high_edge[0] = min(lowest, u[0]), u[0]
    low_edge[-1], high_edge[-1] = u[-1], max(highest, u[-1])
    cumulative = np.concatenate([[0.0], np.cumsum(counts) / total])
    k = np.clip(np.searchsorted(cumulative, q, side="left") - 1, 0, counts.size - 1)
    share = counts[k] / total
    within = np.where(share > 0, (q - cumulative[k]) / np.where(share > 0, share, 1.0), 0.0)
    return low_edge[k] + np.clip(within, 0.0, 1.0) * (high_edge[k] - low_edge[k])


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
