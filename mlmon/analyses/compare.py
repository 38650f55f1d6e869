"""Two sides compared, metric by metric: each side's figure, the candidate's difference
and its 95% interval (numbers only; :mod:`mlmon.verdicts.compare` judges them).

* latency p50/p95/p99: the difference of the percentiles (numpy's linear method) with a
  percentile bootstrap interval (:func:`mlmon.stats.bootstrap.quantile_difference_interval`,
  drawn from the order statistics, so its cost does not grow with the values); beyond the
  exact-values budget the same bootstrap runs on the log buckets (values within 0.54%);
* ``latency_shape`` and ``confidence_shape``: the two-sample Kolmogorov-Smirnov distance and
  its p-value (:func:`mlmon.stats.continuous.counted_ks_wasserstein`, ties and all): a
  change of spread or of shape, not only of the median;
* ``error_rate``: the difference of the error rates with Newcombe's interval;
* ``predicted_classes``: PSI of the candidate's class shares against the baseline's, with
  the chi-squared test of homogeneity; each class's share difference with its Newcombe
  interval (:class:`ClassShift`);
* ``confidence_mean``: the difference of mean confidence, Welch's interval;
* shadow traffic (one request answered by both): agreement with its Wilson interval and
  the flip matrix (:class:`Agreement`);
* labels: realized accuracy (Newcombe's interval of the difference), CBPE's estimated
  accuracy (each side's reference band; no interval of the difference).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import polars as pl

from mlmon.analyses.compare_sides import Sample, Side
from mlmon.analyses.labels import ID
from mlmon.analyses.performance import RealizedWindow
from mlmon.stats.arrays import Floats
from mlmon.stats.bootstrap import counted_quantile, quantile_difference_interval, weighted_moments, welch_difference
from mlmon.stats.categorical import psi
from mlmon.stats.compare import homogeneity_chi_squared, newcombe_difference, sample_ratio_mismatch
from mlmon.stats.continuous import counted_ks_wasserstein
from mlmon.stats.performance import wilson_interval

NAN = math.nan
LATENCY_QUANTILES = (("latency_p50", 50), ("latency_p95", 95), ("latency_p99", 99))
"""The latency percentiles compared, by metric name."""


@dataclass(frozen=True)
class Effect:
    """One metric compared: each side's figure, the difference and its interval."""

    metric: str
    """Stable name: ``latency_p99``, ``error_rate``, ``predicted_classes``..."""
    baseline: float
    """The baseline's figure (nan: none, or the metric has no per-side figure)."""
    candidate: float
    """The candidate's figure."""
    difference: float
    """Candidate minus baseline; for ``*_shape`` the KS distance, for
    ``predicted_classes`` the PSI (nan: not computable)."""
    low: float
    """Low end of the difference's 95% interval (nan: none)."""
    high: float
    """High end of the difference's 95% interval (nan: none)."""
    n_baseline: int
    """Values behind the baseline's figure."""
    n_candidate: int
    """Values behind the candidate's figure."""
    unit: str
    """``ms``, ``share`` (0 to 1), ``psi`` or ``distance`` (KS, 0 to 1)."""
    method: str
    """How the interval or the test was made, in words."""
    p_value: float = NAN
    """The test's p-value where the metric has one (shape, classes, traffic)."""
    exact: bool = True
    """False when the values were log-bucket representatives (beyond the exact budget)."""
    note: str = ""
    """Why a side has no figure (CBPE's reason for no estimate), empty otherwise."""


@dataclass(frozen=True)
class ClassShift:
    """One class's share of the predictions on each side."""

    name: str
    """The class."""
    baseline: float
    """Its share of the baseline's predictions."""
    candidate: float
    """Its share of the candidate's."""
    low: float
    """Newcombe 95% interval of ``candidate - baseline``, low end."""
    high: float
    """High end."""


@dataclass(frozen=True)
class Agreement:
    """Shadow traffic: requests (same request id) both sides answered."""

    pairs: int
    """Requests answered by both."""
    agreed: int
    """Of which with the same predicted class."""
    low: float
    """Wilson 95% interval of the agreement rate, low end."""
    high: float
    """High end."""
    flips: tuple[tuple[str, str, int], ...]
    """(baseline's class, candidate's class, requests) for every pair of classes that
    occurred, agreements included, in name order."""

    @property
    def rate(self) -> float:
        """Agreed share of the pairs (nan when none)."""
        return self.agreed / self.pairs if self.pairs else NAN


@dataclass(frozen=True)
class Traffic:
    """How the requests of the compared period split between the sides."""

    baseline: int
    """Requests the baseline served."""
    candidate: int
    """Requests the candidate served."""
    expected: float | None
    """The candidate's expected share (``--split``; None: not checked)."""
    chi2: float
    """Sample ratio mismatch statistic (nan: not checked)."""
    p_value: float
    """Its p-value (nan: not checked)."""

    @property
    def share(self) -> float:
        """The candidate's share of the requests (nan with none)."""
        total = self.baseline + self.candidate
        return self.candidate / total if total else NAN


@dataclass(frozen=True)
class Comparison:
    """Everything measured about two sides over their common period."""

    effects: tuple[Effect, ...]
    """One per metric the data allow, in a fixed order."""
    classes: tuple[ClassShift, ...]
    """Per-class shares (empty without predictions on both sides)."""
    agreement: Agreement | None
    """Shadow traffic (None: no request answered by both)."""
    traffic: Traffic
    """The split of the requests."""


@dataclass(frozen=True)
class SideFigures:
    """What one side served over the compared period (its other figures are in the
    effects: each holds both sides')."""

    name: str
    """``imgcls:1.5.0``, or the side's logs."""
    records: int
    """Records read."""
    requests: int
    """Requests served."""
    errors: int
    """Failed requests."""
    predictions: int
    """Predictions (records with a predicted class)."""
    start: datetime | None
    """First record in the period."""
    end: datetime | None
    """Last record in the period."""


def side_figures(side: Side) -> SideFigures:
    """A side's counts, for the result."""
    predictions = sum(n for _, n in side.classes)
    return SideFigures(side.name, side.records, side.requests, side.errors, predictions, side.start, side.end)


def compare_sides(baseline: Side, candidate: Side, expected_share: float | None) -> Comparison:
    """Every metric the two sides' data allow."""
    effects = [
        *_latency(baseline.latency, candidate.latency),
        _error_rate(baseline, candidate),
        *_classes_effect(baseline, candidate),
        *_confidence(baseline.confidence, candidate.confidence),
        *_accuracy(baseline, candidate),
    ]
    return Comparison(
        tuple(e for e in effects if e is not None),
        class_shifts(baseline.classes, candidate.classes),
        agreement(baseline.predictions, candidate.predictions),
        traffic(baseline.requests, candidate.requests, expected_share),
    )


def traffic(baseline: int, candidate: int, expected_share: float | None) -> Traffic:
    """The split, with the sample ratio mismatch test when a share is expected."""
    if expected_share is None:
        return Traffic(baseline, candidate, None, NAN, NAN)
    chi2, p = sample_ratio_mismatch(candidate, baseline, expected_share)
    return Traffic(baseline, candidate, expected_share, chi2, p)


def _latency(baseline: Sample, candidate: Sample) -> list[Effect]:
    if baseline.n == 0 and candidate.n == 0:
        return []
    exact = baseline.exact and candidate.exact
    method = "percentile bootstrap" + ("" if exact else " on log buckets")
    effects = []
    for metric, q in LATENCY_QUANTILES:
        point, low, high = quantile_difference_interval(
            (baseline.values, baseline.counts), (candidate.values, candidate.counts), q / 100
        )
        b = counted_quantile(baseline.values, baseline.counts, q / 100)
        c = counted_quantile(candidate.values, candidate.counts, q / 100)
        effects.append(Effect(metric, b, c, point, low, high, baseline.n, candidate.n, "ms", method, exact=exact))
    effects.append(_shape("latency_shape", baseline, candidate))
    return effects


def _shape(metric: str, baseline: Sample, candidate: Sample) -> Effect:
    d, p, _ = counted_ks_wasserstein(baseline.values, baseline.counts, candidate.values, candidate.counts)
    exact = baseline.exact and candidate.exact
    return Effect(
        metric, NAN, NAN, d, NAN, NAN, baseline.n, candidate.n, "distance", "two-sample Kolmogorov-Smirnov", p, exact
    )


def _error_rate(baseline: Side, candidate: Side) -> Effect | None:
    if baseline.requests == 0 and candidate.requests == 0:
        return None
    d, low, high = newcombe_difference(candidate.errors, candidate.requests, baseline.errors, baseline.requests)
    return Effect(
        "error_rate",
        _rate(baseline.errors, baseline.requests),
        _rate(candidate.errors, candidate.requests),
        d,
        low,
        high,
        baseline.requests,
        candidate.requests,
        "share",
        "Newcombe hybrid score interval",
    )


def _classes_effect(baseline: Side, candidate: Side) -> list[Effect]:
    if not baseline.classes and not candidate.classes:
        return []
    names = sorted({name for name, _ in baseline.classes} | {name for name, _ in candidate.classes})
    b, c = _counts(baseline.classes, names), _counts(candidate.classes, names)
    n_b, n_c = int(b.sum()), int(c.sum())
    if n_b == 0 or n_c == 0:
        value, p = NAN, NAN
    else:
        value = psi(b / n_b, c)
        p = homogeneity_chi_squared(b, c)[1]
    method = "PSI against the baseline's shares; chi-squared test of homogeneity"
    return [Effect("predicted_classes", NAN, NAN, value, NAN, NAN, n_b, n_c, "psi", method, p)]


def class_shifts(
    baseline: tuple[tuple[str, int], ...], candidate: tuple[tuple[str, int], ...]
) -> tuple[ClassShift, ...]:
    """Each class's share on both sides, with the Newcombe interval of the difference."""
    names = sorted({name for name, _ in baseline} | {name for name, _ in candidate})
    b, c = _counts(baseline, names), _counts(candidate, names)
    n_b, n_c = int(b.sum()), int(c.sum())
    if n_b == 0 or n_c == 0:
        return ()
    shifts = []
    for i, name in enumerate(names):
        _, low, high = newcombe_difference(int(c[i]), n_c, int(b[i]), n_b)
        shifts.append(ClassShift(name, float(b[i]) / n_b, float(c[i]) / n_c, low, high))
    return tuple(shifts)


def _confidence(baseline: Sample, candidate: Sample) -> list[Effect]:
    if baseline.n == 0 and candidate.n == 0:
        return []
    n_b, mean_b, var_b = weighted_moments(baseline.values, baseline.counts)
    n_c, mean_c, var_c = weighted_moments(candidate.values, candidate.counts)
    d, low, high = welch_difference(mean_b, var_b, n_b, mean_c, var_c, n_c)
    exact = baseline.exact and candidate.exact
    mean = Effect(
        "confidence_mean", mean_b, mean_c, d, low, high, baseline.n, candidate.n, "share", "Welch", exact=exact
    )
    return [mean, _shape("confidence_shape", baseline, candidate)]


def _accuracy(baseline: Side, candidate: Side) -> list[Effect]:
    effects = []
    b, c = baseline.realized, candidate.realized
    if b is not None or c is not None:
        n_b, x_b = _labelled(b)
        n_c, x_c = _labelled(c)
        d, low, high = newcombe_difference(x_c, n_c, x_b, n_b)
        effects.append(
            Effect(
                "accuracy", _rate(x_b, n_b), _rate(x_c, n_c), d, low, high, n_b, n_c, "share", "Newcombe hybrid score"
            )
        )
    eb, ec = baseline.estimate, candidate.estimate
    if eb is not None or ec is not None:
        acc_b = eb.estimated_accuracy if eb is not None else NAN
        acc_c = ec.estimated_accuracy if ec is not None else NAN
        used = (eb.used if eb is not None else 0, ec.used if ec is not None else 0)
        why = [
            f"no estimate for the {name}: {e.unknown}"
            for name, e in (("baseline", eb), ("candidate", ec))
            if e and e.unknown
        ]
        effects.append(
            Effect(
                "estimated_accuracy", acc_b, acc_c, acc_c - acc_b, NAN, NAN, *used, "share", "CBPE", note="; ".join(why)
            )
        )
    return effects


def _labelled(window: RealizedWindow | None) -> tuple[int, int]:
    """(labelled, correct) of a realized window: the confusion matrix's total and trace."""
    if window is None:
        return 0, 0
    return window.labelled, sum(row[i] for i, row in enumerate(window.confusion))


def agreement(baseline: pl.DataFrame, candidate: pl.DataFrame) -> Agreement | None:
    """Requests both sides answered (by request id; an id answered twice by one side
    counts once, with its first answer). None when there is none."""
    if baseline.height == 0 or candidate.height == 0:
        return None
    b = baseline.unique(ID, keep="first", maintain_order=True).rename({"label": "_b"})
    c = candidate.unique(ID, keep="first", maintain_order=True).rename({"label": "_c"})
    pairs = b.join(c, on=ID, how="inner")
    if pairs.height == 0:
        return None
    flips = pairs.group_by("_b", "_c").len().sort("_b", "_c", nulls_last=True)
    agreed = int((pairs.get_column("_b") == pairs.get_column("_c")).sum())
    low, high = wilson_interval(agreed, pairs.height)
    rows = tuple((str(x), str(y), int(n)) for x, y, n in flips.iter_rows())
    return Agreement(pairs.height, agreed, low, high, rows)


def _counts(classes: tuple[tuple[str, int], ...], names: list[str]) -> Floats:
    found = dict(classes)
    return np.array([found.get(name, 0) for name in names], dtype=np.float64)


def _rate(x: int, n: int) -> float:
    return x / n if n else NAN
