"""B against A: the latency difference with a bootstrap interval, and the decision line.

Intervals
---------
Calls come in pairs (A and B on the same input, one right after the other), so one
bootstrap resample draws pairs, with replacement, and keeps them together
(``scipy.stats.bootstrap(..., paired=True, method="percentile")``, seeded): machine noise
that hits a pair hits both of its calls, and the interval does not count it twice. The
statistics are the difference B - A of the medians and of the 99th percentiles (numpy's
linear percentiles, as everywhere in bench) and the ratio B / A of the means.

Decision
--------
B is *faster* at a batch size when the 95% interval of the mean ratio lies wholly below 1,
*slower* when it lies wholly above 1, else there is *no clear difference* (an interval that
touches 1 is no difference). The speed-up shown is A's mean over B's. Top-1 agreement
below 99% (:data:`~mlmon.bench.ab_result.AGREEMENT_LEVEL`) is called out: a quantized
model that is faster but wrong is not an improvement.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np

from mlmon.bench.ab_result import AGREEMENT_LEVEL, CONFIDENCE_LEVEL, Agreement, Estimate, LatencyDifference
from mlmon.stats.arrays import Floats

RESAMPLES = 2000
"""Bootstrap resamples per batch size, up to ``RESAMPLE_BUDGET / pairs`` pairs: enough for a
95% percentile interval, and under half a second for 3,000 pairs on an idle core."""
RESAMPLE_BUDGET = 20_000_000
"""Pairs drawn in all, at most: above 10,000 pairs the resamples drop (20,000 pairs: 1,000),
never below ``MIN_RESAMPLES``, so a long run's interval still takes seconds, not minutes;
with that many pairs the interval is narrow and its ends move little."""
MIN_RESAMPLES = 500
"""The fewest resamples, however many pairs."""


def resamples_for(pairs: int) -> int:
    """Resamples for ``pairs`` pairs: ``RESAMPLES``, fewer above 10,000 pairs (the budget)."""
    return max(MIN_RESAMPLES, min(RESAMPLES, RESAMPLE_BUDGET // max(pairs, 1)))


def _statistics(a: Floats, b: Floats, axis: int = -1) -> Floats:
    """[p50(B) - p50(A), p99(B) - p99(A), mean(B) / mean(A)] along ``axis``."""
    pa = np.percentile(a, [50, 99], axis=axis)
    pb = np.percentile(b, [50, 99], axis=axis)
    out: Floats = np.stack([pb[0] - pa[0], pb[1] - pa[1], np.mean(b, axis=axis) / np.mean(a, axis=axis)])
    return out


def latency_difference(
    a_ms: Sequence[float], b_ms: Sequence[float], batch_size: int, seed: int = 0, resamples: int | None = None
) -> LatencyDifference:
    """B against A from their paired call latencies (``a_ms[i]`` and ``b_ms[i]`` on the same
    input): the statistics and their paired percentile bootstrap intervals (``resamples``
    None: :func:`resamples_for`). With fewer than two pairs the intervals are NaN (no clear
    difference)."""
    from scipy import stats

    a, b = np.asarray(a_ms, dtype=np.float64), np.asarray(b_ms, dtype=np.float64)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError(f"paired latencies need two equal 1-D samples, got {a.shape} and {b.shape}")
    resamples = resamples_for(a.size) if resamples is None else resamples
    values = _statistics(a, b) if a.size else np.full(3, math.nan)
    low = high = np.full(3, math.nan)
    if a.size >= 2:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # identical resamples: a degenerate interval, still right
            found = stats.bootstrap(
                (a, b),
                _statistics,
                paired=True,
                vectorized=True,
                n_resamples=resamples,
                confidence_level=CONFIDENCE_LEVEL,
                method="percentile",
                rng=np.random.default_rng(seed),
                batch=max(1, 4_000_000 // (2 * a.size)),
            )
        low, high = found.confidence_interval.low, found.confidence_interval.high
    est = [Estimate(float(values[i]), float(low[i]), float(high[i])) for i in range(3)]
    return LatencyDifference(batch_size, int(a.size), est[0], est[1], est[2], resamples)


def _times(x: float) -> str:
    return f"{x:.1f}x" if x >= 1.095 else f"{x:.2f}x"


def _phrase(d: LatencyDifference) -> str:
    ratio = d.mean_ratio.value
    if d.verdict == "faster":
        return f"{_times(1.0 / ratio)} faster at batch {d.batch_size}"
    if d.verdict == "slower":
        return f"{_times(ratio)} slower at batch {d.batch_size}"
    return f"no clear difference at batch {d.batch_size}"


def _percent(share: float) -> str:
    text = f"{100 * share:.1f}%"
    return f"{100 * share:.2f}%" if text in ("100.0%", "0.0%") and 0 < share < 1 else text


def agrees(agreement: Agreement) -> bool:
    """Top-1 agreement at or above :data:`AGREEMENT_LEVEL` (True for a non-classifier)."""
    return agreement.top1_share is None or agreement.top1_share >= AGREEMENT_LEVEL - 1e-12


def _agreement_words(agreement: Agreement, faster: bool) -> str:
    if agreement.top1_share is None:
        diffs = [v for _, v in agreement.output_max_abs_diff if v is not None]
        return f"; largest output difference {max(diffs):.3g}" if diffs else ""
    if agrees(agreement):
        return f"{' with' if faster else ';'} {_percent(agreement.top1_share)} top-1 agreement"
    return f"{' but' if faster else ' and'} disagrees on {_percent(1.0 - agreement.top1_share)} of inputs"


def decision_line(differences: Sequence[LatencyDifference], agreement: Agreement) -> str:
    """One line: where B is faster than A (faster ones first), where not, and whether their
    outputs agree, e.g. ``B is 1.8x faster at batch 8 with 99.6% top-1 agreement``."""
    fast = [d for d in differences if d.verdict == "faster"]
    rest = [d for d in differences if d.verdict != "faster"]
    phrases = "; ".join(_phrase(d) for d in (*fast, *rest))
    head = f"B is {phrases}" if fast else f"B is not faster: {phrases}"
    if fast and rest:
        return f"{head}{_agreement_words(agreement, False)}"
    return f"{head}{_agreement_words(agreement, bool(fast))}"
