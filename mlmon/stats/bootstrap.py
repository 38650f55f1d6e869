"""Statistics for comparing the latencies of two model versions (issue 25, ``mlmon compare``
and ``mlmon bench``): an exact quantile of counted values, the bootstrap distribution of a
quantile drawn from order statistics of uniforms (no resample is built, so the cost does
not grow with the sample), the percentile-bootstrap interval of a difference of quantiles,
and Welch's interval of a difference of means. Samples are sorted values with optional
counts, as mergeable states keep them. See ``references/statistics/compare.md``.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from mlmon.stats.arrays import Floats, Ints

BOOTSTRAP_SEED = 25
"""Seed of :func:`quantile_difference_interval`'s generator, so that one run's interval is
the same every time (a verdict must not flip between two runs on the same logs). 25 is the
issue that brought the comparison; any fixed value would do."""

BOOTSTRAP_RESAMPLES = 2000
"""Default resamples of a bootstrap interval: the Monte-Carlo error of a 95% endpoint is then
about 1% of the interval's width (Efron and Tibshirani, 1993, ch. 19, ask 1,000-2,000 for
percentile intervals); each costs two beta draws and two binary searches per side."""


def _sample(values: Floats, counts: Ints | None) -> tuple[Floats, Ints]:
    """The values as floats and their cumulative counts; ``ValueError`` for values out of
    order, counts of another shape or negative counts."""
    x = np.asarray(values, dtype=np.float64)
    c = np.ones(x.shape, dtype=np.int64) if counts is None else np.asarray(counts, dtype=np.int64)
    if x.ndim != 1 or c.shape != x.shape:
        raise ValueError(f"values and counts must be 1-d of one length, got {x.shape} and {c.shape}")
    if np.any(c < 0):
        raise ValueError("counts must not be negative")
    if np.any(x[1:] < x[:-1]) or np.any(np.isnan(x)):
        raise ValueError("values must be sorted ascending and not nan")
    return x, np.cumsum(c)


def _at_ranks(x: Floats, cumulative: Ints, ranks: Ints) -> Floats:
    """The values at 1-based ``ranks`` of the expanded sample: the first value whose
    cumulative count reaches the rank (a value counted 0 times is never chosen)."""
    index: Ints = np.searchsorted(cumulative, ranks, side="left").astype(np.int64)
    return x[index]


def _lerp(a: Floats, b: Floats, g: float) -> Floats:
    """numpy's own linear interpolation for quantiles (``a + (b - a) g``, from ``b`` once
    ``g >= 0.5``), so that exact quantiles equal ``np.quantile`` to the last bit."""
    diff = b - a
    out: Floats = a + diff * g if g < 0.5 else b - diff * (1 - g)
    return out


def _linear_index(n: int, q: float) -> tuple[int, float]:
    """``(k, g)`` of numpy's ``linear`` method on ``n`` values: the 1-based rank ``k`` below
    the quantile and the weight ``g`` of the next rank (``k = n`` and ``g = 0`` at the top)."""
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"the quantile level must lie in [0, 1], got {q}")
    h = (n - 1) * q
    if h >= n - 1:
        return n, 0.0
    j = math.floor(h)
    return j + 1, h - j


def counted_quantile(values: Floats, counts: Ints | None, q: float) -> float:
    """The ``q``-quantile of sorted ``values`` each repeated ``counts`` times, equal to
    ``np.quantile(np.repeat(values, counts), q)`` (the ``linear`` method) without expanding
    them; ``nan`` for an empty sample.

    Notes
    -----
    With :math:`h = (n - 1) q`, :math:`k = \\lfloor h \\rfloor + 1` and :math:`g = h - \\lfloor h \\rfloor`,
    :math:`Q(q) = (1 - g) x_{(k)} + g x_{(k+1)}` (Hyndman and Fan's definition 7), the order
    statistic at rank :math:`r` being the first value whose cumulative count reaches :math:`r`.

    References
    ----------
    .. [1] R. J. Hyndman and Y. Fan, "Sample quantiles in statistical packages", The American
           Statistician 50 (1996) 361-365.
    """
    x, cumulative = _sample(values, counts)
    n = int(cumulative[-1]) if cumulative.size else 0
    if n == 0:
        return math.nan
    k, g = _linear_index(n, q)
    ranks = np.array([k, min(k + 1, n)], dtype=np.int64)
    pair = _at_ranks(x, cumulative, ranks)
    return float(_lerp(pair[:1], pair[1:], g)[0])


def weighted_moments(values: Floats, counts: Ints | None) -> tuple[int, float, float]:
    """``(n, mean, variance)`` of ``values`` each repeated ``counts`` times, the variance with
    ``ddof = 1`` as Welch's test takes it: ``(0, nan, nan)`` when empty, ``(1, x, nan)`` for one.

    Notes
    -----
    :math:`n = \\sum c_i`, :math:`\\bar x = \\sum c_i x_i / n`,
    :math:`s^2 = \\sum c_i (x_i - \\bar x)^2 / (n - 1)` (two passes, so no cancellation).
    """
    x, cumulative = _sample(values, counts)
    c = np.diff(cumulative, prepend=0).astype(np.float64)
    n = int(cumulative[-1]) if cumulative.size else 0
    if n == 0:
        return 0, math.nan, math.nan
    mean = float(np.dot(c, x) / n)
    var = float(np.dot(c, (x - mean) ** 2) / (n - 1)) if n > 1 else math.nan
    return n, mean, var


def quantile_bootstrap(
    values: Floats, counts: Ints | None, q: float, n_resamples: int, rng: np.random.Generator
) -> Floats:
    """``n_resamples`` draws of the ``q``-quantile (numpy's ``linear`` method) of a bootstrap
    resample of the sample: sorted ``values``, each repeated ``counts`` times (``None``: once).
    The same law as ``np.quantile(rng.choice(sample, n), q)``, at a cost of
    :math:`O(R \\log K)` for :math:`R` resamples of :math:`K` distinct values, whatever
    :math:`n`. ``nan`` draws for an empty sample.

    Notes
    -----
    A resample of size :math:`n` is :math:`F_n^{-1}(U_1), \\dots, F_n^{-1}(U_n)` with
    :math:`U_i` uniform and :math:`F_n^{-1}(u)` the order statistic of rank
    :math:`\\lceil n u \\rceil`; :math:`F_n^{-1}` is monotone, so the resample's
    :math:`k`-th order statistic is :math:`F_n^{-1}(U_{(k)})`. The linear quantile needs
    ranks :math:`k = \\lfloor (n-1) q \\rfloor + 1` and :math:`k + 1` only, drawn jointly:

    .. math:: U_{(k)} \\sim \\mathrm{Beta}(k, n + 1 - k), \\qquad
              U_{(k+1)} = U_{(k)} + (1 - U_{(k)}) V, \\quad V \\sim \\mathrm{Beta}(1, n - k)

    (given :math:`U_{(k)}`, the other :math:`n - k` uniforms above it are uniform on
    :math:`(U_{(k)}, 1)` and :math:`U_{(k+1)}` is their minimum). Then
    :math:`Q^* = (1 - g) F_n^{-1}(U_{(k)}) + g F_n^{-1}(U_{(k+1)})`; the second draw is
    skipped when :math:`g = 0` (``q`` of 0 or 1, ``n = 1``, or :math:`(n-1) q` whole).

    References
    ----------
    .. [1] H. A. David and H. N. Nagaraja, "Order Statistics", 3rd ed., Wiley (2003),
           sections 2.1-2.3 (order statistics of uniforms, the Markov property).
    .. [2] B. Efron and R. J. Tibshirani, "An Introduction to the Bootstrap", Chapman & Hall
           (1993), chapter 6.
    """
    x, cumulative = _sample(values, counts)
    n = int(cumulative[-1]) if cumulative.size else 0
    if n == 0:
        return np.full(n_resamples, np.nan)
    k, g = _linear_index(n, q)

    def order_statistic(u: Floats) -> Floats:
        ranks = np.clip(np.ceil(n * u), 1, n).astype(np.int64)
        return _at_ranks(x, cumulative, ranks)

    u_k: Floats = rng.beta(k, n + 1 - k, n_resamples)
    low = order_statistic(u_k)
    if g == 0.0 or k == n:
        return low
    u_next: Floats = u_k + (1.0 - u_k) * rng.beta(1, n - k, n_resamples)
    return _lerp(low, order_statistic(u_next), g)


def quantile_difference_interval(
    baseline: tuple[Floats, Ints | None],
    candidate: tuple[Floats, Ints | None],
    q: float,
    confidence: float = 0.95,
    n_resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> tuple[float, float, float]:
    """The candidate's ``q``-quantile minus the baseline's, and its percentile-bootstrap
    interval; each side is ``(sorted values, counts or None)``. The same for one ``seed``
    every time; ``(nan, nan, nan)`` when a side is empty.

    Notes
    -----
    The point is :math:`\\hat\\theta = Q_c(q) - Q_b(q)` (:func:`counted_quantile`). The two
    sides are resampled independently (:func:`quantile_bootstrap`, one generator, baseline
    first), :math:`\\theta^*_r = Q^*_{c,r} - Q^*_{b,r}`, and the interval is the
    :math:`(1 - c)/2` and :math:`(1 + c)/2` percentiles of the :math:`\\theta^*_r`
    (``np.percentile``, linear), as ``scipy.stats.bootstrap(..., method='percentile')``.
    The percentile interval is transformation-respecting and needs no variance of a quantile;
    at small samples and far tails (p99 of 100 values) it is too short, as every bootstrap
    of an extreme quantile is.

    References
    ----------
    .. [1] B. Efron and R. J. Tibshirani, "An Introduction to the Bootstrap", Chapman & Hall
           (1993), chapter 13 (the percentile interval).
    """
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"the confidence must lie strictly between 0 and 1, got {confidence}")
    point = counted_quantile(*candidate, q) - counted_quantile(*baseline, q)
    if math.isnan(point):
        return math.nan, math.nan, math.nan
    rng = np.random.default_rng(seed)
    base = quantile_bootstrap(baseline[0], baseline[1], q, n_resamples, rng)
    cand = quantile_bootstrap(candidate[0], candidate[1], q, n_resamples, rng)
    low, high = np.percentile(cand - base, [50 * (1 - confidence), 50 * (1 + confidence)])
    return point, float(low), float(high)


def welch_difference(
    mean_a: float, var_a: float, n_a: int, mean_b: float, var_b: float, n_b: int, confidence: float = 0.95
) -> tuple[float, float, float]:
    """The difference of means ``mean_b - mean_a`` and its Welch interval, from each side's
    mean, sample variance (``ddof = 1``) and count: ``scipy.stats.ttest_ind(b, a,
    equal_var=False).confidence_interval(confidence)`` from moments that merge.

    Notes
    -----
    With :math:`v_a = s_a^2 / n_a` and :math:`v_b = s_b^2 / n_b`, the Welch-Satterthwaite
    degrees of freedom and the interval are

    .. math:: \\nu = \\frac{(v_a + v_b)^2}{v_a^2 / (n_a - 1) + v_b^2 / (n_b - 1)}, \\qquad
              \\bar x_b - \\bar x_a \\pm t_{\\nu, (1 + c)/2} \\sqrt{v_a + v_b}

    ``(nan, nan, nan)`` when a side has fewer than two values (no variance). When both
    variances are 0 the two sides are constants, the difference is known exactly and the
    interval has zero width ``(d, d, d)`` (scipy returns nan there).

    References
    ----------
    .. [1] B. L. Welch, "The generalization of 'Student's' problem when several different
           population variances are involved", Biometrika 34 (1947) 28-35.
    .. [2] F. E. Satterthwaite, "An approximate distribution of estimates of variance
           components", Biometrics Bulletin 2 (1946) 110-114.
    """
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"the confidence must lie strictly between 0 and 1, got {confidence}")
    if n_a < 2 or n_b < 2:
        return math.nan, math.nan, math.nan
    diff = float(mean_b - mean_a)
    v_a, v_b = var_a / n_a, var_b / n_b
    if v_a + v_b == 0:
        return diff, diff, diff
    df = (v_a + v_b) ** 2 / (v_a**2 / (n_a - 1) + v_b**2 / (n_b - 1))
    half = float(stats.t.ppf((1 + confidence) / 2, df)) * math.sqrt(v_a + v_b)
    return diff, diff - half, diff + half
