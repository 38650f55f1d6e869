"""Log-spaced buckets: bounded-memory counts of values, and quantiles read from them with a
bounded relative error.

Growth :math:`\\gamma = 2^{1/64}` is the bucket scheme of Prometheus native histograms at
schema 6 (https://prometheus.io/docs/specs/native_histograms/, "Schema"): bucket
:math:`i` of a positive value :math:`v` is :math:`i = \\lceil \\log_\\gamma v \\rceil`, so it
covers :math:`(\\gamma^{i-1}, \\gamma^i]`. Every value of the bucket is read as
:math:`\\tilde v = 2\\gamma^i / (\\gamma + 1)`, whose relative distance to any point of the
bucket is at most :math:`\\alpha = (\\gamma - 1)/(\\gamma + 1) \\approx 0.54\\%` (DDSketch:
C. Masson, J. E. Rim, H. K. Lee, "DDSketch: A Fast and Fully-Mergeable Quantile Sketch
with Relative-Error Guarantees", PVLDB 12(12), 2019, section 2). Counts of the same
buckets add exactly, so bucketed states merge in any order to the same counts.

Zero has its own bucket (key 0) and a negative value mirrors its absolute value's bucket
(key :math:`-k`): one signed ``int64`` key whose order is the values' order,

.. math:: k(v) = \\operatorname{sign}(v)\\,(i(|v|) + 2^{20}),

since :math:`i` lies in :math:`[-68\\,736, 65\\,536]` for every finite double (and
:math:`\\pm\\infty` get one key past either end). mlmon's latencies (≥ 0) and confidences
(in [0, 1]) never are negative; the mirror keeps these functions total.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from mlmon.stats.arrays import Floats, Ints

GAMMA = 2.0 ** (1 / 64)
"""Bucket growth: Prometheus native histograms, schema 6."""
RELATIVE_ERROR = (GAMMA - 1) / (GAMMA + 1)
"""Largest relative error of a quantile read from the buckets: (γ − 1)/(γ + 1) ≈ 0.54%."""
_OFFSET = 1 << 20
_LOWEST, _HIGHEST = -64 * 1075, 64 * 1024 + 1


def bucket_keys(values: ArrayLike) -> Ints:
    """The signed bucket key of each finite value (module docstring): ``0`` for zero,
    ``±(ceil(64·log2|v|) + 2**20)`` otherwise, as ``int64``; the keys order as the values."""
    x = np.asarray(values, dtype=np.float64)
    magnitude = np.abs(x)
    with np.errstate(divide="ignore"):
        index = np.ceil(np.log2(magnitude, where=magnitude > 0, out=np.zeros_like(magnitude)) * 64)
    index = np.clip(index, _LOWEST, _HIGHEST).astype(np.int64) + _OFFSET
    return np.where(x > 0, index, np.where(x < 0, -index, 0)).astype(np.int64)


def bucket_values(keys: ArrayLike) -> Floats:
    """The representative value of each bucket key: ``±2γ^i/(γ + 1)``, 0 for key 0."""
    k = np.asarray(keys, dtype=np.int64)
    index = (np.abs(k) - _OFFSET).astype(np.float64)
    with np.errstate(over="ignore"):
        magnitude = 2.0 * np.exp2(index / 64) / (GAMMA + 1)
    return np.where(k == 0, 0.0, np.sign(k) * magnitude)


def count_buckets(values: ArrayLike) -> tuple[Ints, Ints]:
    """Sparse bucket counts of ``values``: the distinct keys (ascending) and their counts."""
    keys, counts = np.unique(bucket_keys(values), return_counts=True)
    return keys, counts.astype(np.int64)


def add_buckets(parts: Sequence[tuple[Ints, Ints]]) -> tuple[Ints, Ints]:
    """The sum of sparse bucket counts: each key's counts added (exact, so in any order
    the same result), keys ascending."""
    if len(parts) == 1:
        return parts[0]
    if not parts:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    keys, where = np.unique(np.concatenate([k for k, _ in parts]), return_inverse=True)
    counts = np.bincount(where, weights=np.concatenate([c for _, c in parts]), minlength=keys.size)
    return keys, np.rint(counts).astype(np.int64)


def bucket_quantiles(keys: ArrayLike, counts: ArrayLike, qs: ArrayLike, minimum: float, maximum: float) -> Floats:
    """Quantiles ``qs`` (in [0, 1]) of the values counted in the buckets.

    numpy's default (linear) definition on the order statistics :math:`x_{(0)} \\le \\dots
    \\le x_{(n-1)}`: with :math:`h = (n - 1) q` and :math:`j = \\lfloor h \\rfloor`,

    .. math:: Q(q) = x_{(j)} + (h - j)\\,(x_{(j+1)} - x_{(j)})

    (Hyndman & Fan 1996, definition 7), where each order statistic is its bucket's
    representative clamped to the exact ``[minimum, maximum]``, and the first and last
    are ``minimum`` and ``maximum`` themselves. Each is then within
    ``RELATIVE_ERROR`` of the true one, and so is ``Q`` when both lie on one side of zero.
    Empty buckets give nan.
    """
    c = np.asarray(counts, dtype=np.int64)
    q = np.asarray(qs, dtype=np.float64)
    n = int(c.sum())
    if n == 0:
        return np.full(q.shape, np.nan)
    cumulative = np.cumsum(c)
    h = (n - 1) * q
    low = np.floor(h).astype(np.int64)
    high = np.minimum(low + 1, n - 1)
    representative = np.clip(bucket_values(keys), minimum, maximum)

    def order_statistic(rank: Ints) -> Floats:
        value = representative[np.searchsorted(cumulative, rank, side="right")]
        statistic: Floats = np.where(rank == 0, minimum, np.where(rank == n - 1, maximum, value))
        return statistic

    at_low, at_high = order_statistic(low), order_statistic(high)
    interpolated: Floats = at_low + (h - low) * (at_high - at_low)
    return interpolated


def count_below(keys: ArrayLike, counts: ArrayLike, threshold: float) -> int:
    """Values counted in buckets whose representative is strictly below ``threshold``: the
    exact count but for the bucket that holds ``threshold`` (within ``RELATIVE_ERROR`` of it)."""
    below = bucket_values(keys) < threshold
    return int(np.asarray(counts, dtype=np.int64)[below].sum())
