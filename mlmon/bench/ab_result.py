"""Result types of ``mlmon bench A.onnx B.onnx``: frozen dataclasses, no numpy, no onnxruntime.

An A/B run times two models on the same inputs, their calls interleaved, and compares
them: each model's latency and throughput (a :class:`~mlmon.bench.result.BenchResult`
each), the difference of their latencies with a bootstrap interval per batch size
(:class:`LatencyDifference`), the agreement of their outputs on the same inputs
(:class:`Agreement`), one decision line and notes (the int8 one)."""

from __future__ import annotations

from dataclasses import dataclass

from mlmon.bench.result import BenchResult

CONFIDENCE_LEVEL = 0.95
"""Level of every interval of an A/B run."""
KL_EPSILON = 1e-12
"""Floor of B's probabilities in KL(A||B): a class B gives probability 0 where A gives p > 0
adds ``p * log(p / 1e-12)`` (about 27.6 p) instead of infinity."""
AGREEMENT_LEVEL = 0.99
"""Top-1 agreement below this (a share) is called out in the decision line."""


@dataclass(frozen=True)
class Estimate:
    """A statistic and its bootstrap interval."""

    value: float
    """The statistic on the measured calls."""
    low: float
    """Lower end of the interval (``CONFIDENCE_LEVEL``, percentile bootstrap)."""
    high: float
    """Upper end of the interval."""


@dataclass(frozen=True)
class LatencyDifference:
    """B against A at one batch size, from their interleaved calls."""

    batch_size: int
    """Samples per call."""
    pairs: int
    """Calls of each model (one pair per input: A then B, or B then A)."""
    p50_diff_ms: Estimate
    """Median latency of B minus that of A, in ms."""
    p99_diff_ms: Estimate
    """99th percentile latency of B minus that of A, in ms."""
    mean_ratio: Estimate
    """Mean latency of B over that of A: below 1, B is faster."""
    resamples: int
    """Bootstrap resamples (pairs resampled together, ``scipy.stats.bootstrap(paired=True)``)."""

    @property
    def verdict(self) -> str:
        """``faster`` (the ratio's interval lies wholly below 1), ``slower`` (wholly above 1)
        or ``no clear difference`` (it holds or touches 1)."""
        if self.mean_ratio.high < 1.0:
            return "faster"
        if self.mean_ratio.low > 1.0:
            return "slower"
        return "no clear difference"


@dataclass(frozen=True)
class Agreement:
    """How alike the two models' outputs are on the same inputs (every distinct input timed)."""

    rows: int
    """Samples compared (input rows, over every batch size)."""
    classifier: bool
    """True when both models' outputs read as a prediction (``mlmon.bench.predict``)."""
    source: str
    """The outputs read, e.g. ``probs``, or ``none: not a classifier``."""
    top1_agree: int | None = None
    """Rows where both models predict the same label (None: not a classifier)."""
    top1_share: float | None = None
    """``top1_agree / rows``."""
    top1_low: float | None = None
    """Wilson interval of ``top1_share`` (``CONFIDENCE_LEVEL``), lower end."""
    top1_high: float | None = None
    """Wilson interval, upper end."""
    max_abs_proba_diff: float | None = None
    """Largest absolute difference of a class probability between the two (None: no
    probability output, or different classes)."""
    mean_kl: float | None = None
    """Mean over rows of KL(A||B) of the probability vectors, in nats, B's probabilities
    floored at ``KL_EPSILON``."""
    output_max_abs_diff: tuple[tuple[str, float | None], ...] = ()
    """Largest absolute difference of each numeric output both models have, by name (None:
    shapes differ)."""


@dataclass(frozen=True)
class ABResult:
    """Everything ``mlmon bench A.onnx B.onnx`` measured."""

    a: BenchResult
    """Model A's timings (its configurations' CPU and RSS are the whole process: both
    models, calls interleaved)."""
    b: BenchResult
    """Model B's timings, same inputs, same batch sizes."""
    differences: tuple[LatencyDifference, ...]
    """B against A, one per batch size."""
    agreement: Agreement
    """Agreement of the outputs on the same inputs."""
    decision: str
    """One line: is B faster, and does it agree with A."""
    notes: tuple[str, ...] = ()
    """What to keep in mind (int8 kernels without VNNI-class instructions)."""
