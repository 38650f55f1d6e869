"""Prediction drift and confidence trend: pure analyses over canonical log columns.

Input columns (as ingest produces them): ``ts`` Datetime(UTC), ``label`` String (null on
records that are not predictions), ``confidence`` Float64, ``probabilities`` List(Float64),
``model_version`` String. Missing optional columns are treated as all-null. Grouping and
counting run in polars; the statistics run per window on the small count table
(:mod:`mlmon.stats`). Verdicts follow DESIGN.md §5: significant AND material.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import numpy as np
import polars as pl

from mlmon import stats
from mlmon.findings import Finding, Severity, worst
from mlmon.reference import ReferenceProfile
from mlmon.windows import WINDOW_COLUMN, WindowSpec, with_window

COLUMNS = ("ts", "label", "model_version", "confidence", "probabilities")
"""The canonical columns these analyses read (``read_logs(..., columns=COLUMNS)``)."""

DRIFT_CHECK = "prediction_drift"
"""Check name of prediction-drift findings."""
COLLAPSE_CHECK = "confidence_collapse"
"""Check name of confidence-collapse findings."""
INSUFFICIENT_DATA = "insufficient data"
"""Reason prefix of windows with fewer than ``min_samples`` predictions."""

_VERSION, _WINDOW, _START, _CONF, _ENTROPY = "_version", "_window", "_start", "_conf", "_entropy"


# --------------------------------------------------------------------------- result types


@dataclass(frozen=True)
class ClassShare:
    """One class in one window, next to the reference."""

    label: str
    """Predicted class."""
    count: int
    """Predictions of this class in the window."""
    share: float
    """``count`` / window predictions."""
    reference_share: float | None
    """Share in the reference (0.0 for a class the reference never saw; None without a
    reference)."""


@dataclass(frozen=True)
class DriftWindow:
    """Class shares of one (model version, window) compared with the reference."""

    model_version: str | None
    """Model version the window covers (None: not logged, or ``by_version=False``)."""
    start: datetime
    """Window key: the aligned start for time windows, else the first record's time."""
    end: datetime
    """Time of the window's last prediction."""
    n: int
    """Predictions (records with a label) in the window."""
    classes: tuple[ClassShare, ...]
    """Reference classes (sorted) then unseen classes (sorted)."""
    unseen_classes: tuple[str, ...]
    """Classes predicted in the window that the reference never saw."""
    psi: float
    """Population Stability Index against the reference (nan when not computed)."""
    js_distance: float
    """Jensen-Shannon distance, base 2, in [0, 1] (nan when not computed)."""
    chi2: float
    """Chi-squared goodness-of-fit statistic (nan when not computed)."""
    p_value: float
    """Chi-squared p-value (nan when not computed)."""
    p_adjusted: float
    """Benjamini-Hochberg adjusted p-value across all tested windows x versions."""
    severity: Severity
    """ok / warning / critical, or unknown (insufficient data, no reference)."""
    reason: str
    """Why this severity, in words with the numbers."""


@dataclass(frozen=True)
class DriftThresholds:
    """The rule behind prediction-drift verdicts."""

    min_samples: int
    """Fewer predictions in a window: ``insufficient data``."""
    alpha: float
    """Significant when the BH-adjusted chi-squared p-value is below this."""
    warning_psi: float
    """Warning: significant and PSI at or above this."""
    critical_psi: float
    """Critical: significant and PSI at or above this."""
    epsilon: float
    """Share floor for empty classes in PSI and chi-squared."""


@dataclass(frozen=True)
class PredictionDriftResult:
    """Prediction drift per (model version, window)."""

    computable: bool
    """False when there is no reference (or it has no classes): windows then carry counts
    and shares only, every statistic is nan and every severity unknown."""
    reason: str | None
    """Why not computable (None when computable)."""
    window: str
    """How records were windowed, in words."""
    thresholds: DriftThresholds
    """The verdict rule."""
    reference_shares: dict[str, float]
    """Reference class shares (empty without a reference)."""
    windows: tuple[DriftWindow, ...]
    """Windows ordered by model version (first seen first), then start."""

    @property
    def severity(self) -> Severity:
        """Worst window verdict; unknown when not computable or nothing had enough data."""
        known = [w for w in self.windows if w.severity is not Severity.UNKNOWN]
        return worst(known) if self.computable and known else Severity.UNKNOWN

    @property
    def first_breach(self) -> DriftWindow | None:
        """Earliest window (by start, any version) at warning or above."""
        return _first(self.windows)

    def findings(self, per_window: bool = False) -> list[Finding]:
        """One finding per model version (worst window), or per window."""
        if not self.computable:
            return [Finding(DRIFT_CHECK, Severity.UNKNOWN, f"prediction drift not computed: {self.reason}")]
        if per_window:
            return [_window_finding(DRIFT_CHECK, w, w.psi, self._threshold(w.severity)) for w in self.windows]
        return [self._version_finding(v, ws) for v, ws in _by_version(self.windows).items()]

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe plain data (datetimes as ISO-8601 UTC, nan as None)."""
        return {
            "check": DRIFT_CHECK,
            "severity": self.severity.value,
            **_plain(self),
            "first_breach": _ref(self.first_breach),
        }

    def _threshold(self, severity: Severity) -> float:
        t = self.thresholds
        return t.critical_psi if severity is Severity.CRITICAL else t.warning_psi

    def _version_finding(self, version: str | None, windows: list[DriftWindow]) -> Finding:
        scope = _scope(version)
        tested = [w for w in windows if w.severity is not Severity.UNKNOWN]
        if not tested:
            return Finding(
                DRIFT_CHECK,
                Severity.UNKNOWN,
                f"{INSUFFICIENT_DATA}: no window has {self.thresholds.min_samples} predictions",
                scope=scope,
            )
        severity = worst(tested)
        top = max(tested, key=lambda w: (w.severity.rank, w.psi))
        unseen = sorted({c for w in windows for c in w.unseen_classes})
        note = f"; classes the reference never saw: {', '.join(unseen)}" if unseen else ""
        if severity is Severity.OK:
            message = f"no prediction drift in {len(tested)} window(s) (max PSI {top.psi:.4f}){note}"
        else:
            breached = [w for w in tested if w.severity.rank >= Severity.WARNING.rank]
            message = (
                f"prediction drift in {len(breached)} of {len(tested)} window(s), first at "
                f"{_iso(_first(windows).start)}; worst PSI {top.psi:.4f}, p_BH {_num(top.p_adjusted)}{note}"
            )
        return Finding(
            DRIFT_CHECK, severity, message, _finite_or_none(top.psi), self._threshold(severity), scope
        )


@dataclass(frozen=True)
class ConfidenceWindow:
    """Confidence summary of one (model version, window)."""

    model_version: str | None
    """Model version the window covers (None: not logged, or ``by_version=False``)."""
    start: datetime
    """Window key: the aligned start for time windows, else the first record's time."""
    end: datetime
    """Time of the window's last prediction."""
    n: int
    """Predictions with a finite confidence (logged, or the maximum logged probability)."""
    mean: float
    """Mean confidence."""
    p10: float
    """10th percentile of confidence (numpy linear interpolation)."""
    share_below: float
    """Share of predictions with confidence strictly below ``low_threshold``."""
    mean_entropy_bits: float | None
    """Mean entropy (bits) of the normalised probability vectors; None when none logged."""
    baseline: float
    """Mean confidence compared against (nan when there is none)."""
    change: float
    """``mean - baseline`` (negative: confidence fell)."""
    direction: str
    """``down``, ``up``, ``flat``, or ``unknown``."""
    severity: Severity
    """critical when confidence fell by more than ``collapse_drop``; unknown when
    insufficient data or no baseline; else ok."""
    reason: str
    """Why this severity, in words with the numbers."""


@dataclass(frozen=True)
class ConfidenceThresholds:
    """The rule behind confidence-collapse verdicts."""

    min_samples: int
    """Fewer confident predictions in a window: ``insufficient data``."""
    low_threshold: float
    """Confidence below this counts in ``share_below``."""
    collapse_drop: float
    """Collapse: mean confidence below the baseline by more than this (absolute)."""


@dataclass(frozen=True)
class ConfidenceTrendResult:
    """Confidence per (model version, window) and its collapse verdicts."""

    computable: bool
    """False when no prediction carries a confidence or probabilities."""
    reason: str | None
    """Why not computable (None when computable)."""
    window: str
    """How records were windowed, in words."""
    thresholds: ConfidenceThresholds
    """The verdict rule."""
    baseline_source: str | None
    """``reference`` (the profile's mean confidence), ``first_window`` (each version's first
    window with enough data), or None when there is no baseline."""
    windows: tuple[ConfidenceWindow, ...]
    """Windows ordered by model version (first seen first), then start."""

    @property
    def severity(self) -> Severity:
        """Worst window verdict; unknown when not computable or nothing could be judged."""
        known = [w for w in self.windows if w.severity is not Severity.UNKNOWN]
        return worst(known) if self.computable and known else Severity.UNKNOWN

    @property
    def first_collapse(self) -> ConfidenceWindow | None:
        """Earliest window (by start, any version) at warning or above."""
        return _first(self.windows)

    def findings(self, per_window: bool = False) -> list[Finding]:
        """One finding per model version (largest drop), or per window. A finding's
        ``value`` is the fall of mean confidence (baseline - mean; negative for a rise) and
        its ``threshold`` is ``collapse_drop``."""
        bound = self.thresholds.collapse_drop
        if not self.computable:
            return [Finding(COLLAPSE_CHECK, Severity.UNKNOWN, f"confidence not analysed: {self.reason}")]
        if per_window:
            return [_window_finding(COLLAPSE_CHECK, w, -w.change, bound) for w in self.windows]
        out = []
        for version, windows in _by_version(self.windows).items():
            judged = [w for w in windows if w.severity is not Severity.UNKNOWN]
            if not judged:
                reason = windows[0].reason if windows else "no windows"
                out.append(Finding(COLLAPSE_CHECK, Severity.UNKNOWN, reason, None, bound, _scope(version)))
                continue
            low = min(judged, key=lambda w: w.change)
            collapsed = [w for w in judged if w.severity is Severity.CRITICAL]
            if collapsed:
                message = (
                    f"mean confidence collapsed in {len(collapsed)} of {len(judged)} window(s), first at "
                    f"{_iso(collapsed[0].start)}; largest fall {-low.change:.3f} ({low.baseline:.3f} -> "
                    f"{low.mean:.3f}, baseline from {self.baseline_source}), bound {bound:g}"
                )
            else:
                message = (
                    f"mean confidence stable in {len(judged)} window(s): largest fall {max(-low.change, 0):.3f} "
                    f"against {low.baseline:.3f} ({self.baseline_source}), bound {bound:g}"
                )
            out.append(Finding(COLLAPSE_CHECK, worst(judged), message, -low.change, bound, _scope(version)))
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe plain data (datetimes as ISO-8601 UTC, nan as None)."""
        return {
            "check": COLLAPSE_CHECK,
            "severity": self.severity.value,
            **_plain(self),
            "first_collapse": _ref(self.first_collapse),
        }


# --------------------------------------------------------------------------- analyses


def two_tier_verdict(
    p_adjusted: float, effect: float, *, alpha: float, warning: float, critical: float
) -> Severity:
    """Significant AND material (DESIGN.md §5): critical when ``p_adjusted < alpha`` and
    ``effect >= critical``; warning when ``p_adjusted < alpha`` and ``effect >= warning``;
    ok otherwise; unknown when either number is nan."""
    if not (math.isfinite(p_adjusted) and math.isfinite(effect)):
        return Severity.UNKNOWN
    if p_adjusted >= alpha:
        return Severity.OK
    if effect >= critical:
        return Severity.CRITICAL
    return Severity.WARNING if effect >= warning else Severity.OK


def prediction_drift(
    frame: pl.LazyFrame | pl.DataFrame,
    reference: ReferenceProfile | None,
    window: WindowSpec,
    *,
    min_samples: int = 200,
    alpha: float = 0.001,
    warning_psi: float = 0.01,
    critical_psi: float = 0.25,
    epsilon: float = stats.SHARE_EPSILON,
    by_version: bool = True,
) -> PredictionDriftResult:
    """Compare class shares per (model version, window) with the reference.

    Each window with at least ``min_samples`` predictions gets PSI, chi-squared (statistic,
    p), and JS distance; p-values are adjusted with Benjamini-Hochberg across all such
    windows and versions; the verdict is :func:`two_tier_verdict` on (adjusted p, PSI).
    """
    thresholds = DriftThresholds(min_samples, alpha, warning_psi, critical_psi, epsilon)
    ref_shares = dict(reference.class_shares) if reference is not None else {}
    reason = None
    if reference is None:
        reason = "no reference profile (prediction drift compares class shares with one: use --reference)"
    elif not ref_shares:
        reason = f"the reference profile ({reference.source or 'unnamed'}) has no class shares"
    rows = _aligned_windows(_prepare(frame, window, by_version), ref_shares)
    computed = [
        _window_statistics(aligned, reason is None and n >= min_samples, epsilon) for *_, n, aligned in rows
    ]
    adjusted = stats.benjamini_hochberg([p for *_, p in computed])
    windows = tuple(
        _drift_window(row, values, float(p_adj), thresholds, reason)
        for row, values, p_adj in zip(rows, computed, adjusted, strict=True)
    )
    return PredictionDriftResult(reason is None, reason, window.describe(), thresholds, ref_shares, windows)


def confidence_trend(
    frame: pl.LazyFrame | pl.DataFrame,
    reference: ReferenceProfile | None,
    window: WindowSpec,
    *,
    low_threshold: float = 0.5,
    collapse_drop: float = 0.10,
    min_samples: int = 200,
    by_version: bool = True,
) -> ConfidenceTrendResult:
    """Mean, p10, share below ``low_threshold`` and mean entropy of confidence per
    (model version, window), and collapse verdicts against a baseline.

    Confidence is the logged ``confidence``, else the largest logged probability. The
    baseline is the reference's mean confidence, else each version's first window with at
    least ``min_samples`` confident predictions. Collapse (critical): the window mean is
    below the baseline by more than ``collapse_drop``.
    """
    thresholds = ConfidenceThresholds(min_samples, low_threshold, collapse_drop)
    prepared = _prepare(frame, window, by_version)
    conf = pl.col(_CONF)
    table = _window_meta(
        prepared,
        conf.count().alias("n_conf"),
        conf.mean().alias("mean"),
        conf.quantile(0.1, "linear").alias("p10"),
        (conf < low_threshold).sum().alias("below"),
        pl.col(_ENTROPY).mean().alias("entropy"),
        pl.col(_ENTROPY).count().alias("n_entropy"),
    ).collect()
    if table.height == 0 or int(table.get_column("n_conf").sum()) == 0:
        reason = "no prediction logs a confidence or probabilities"
        return ConfidenceTrendResult(False, reason, window.describe(), thresholds, None, ())
    ref_mean = _reference_mean(reference)
    source = "reference" if ref_mean is not None else "first_window"
    baselines: dict[Any, float] = {}
    windows = []
    for row in table.iter_rows(named=True):
        version, n = row[_VERSION], int(row["n_conf"])
        if ref_mean is not None:
            baseline = ref_mean
        elif version not in baselines and n >= min_samples:
            baseline = baselines[version] = float(row["mean"])
        else:
            baseline = baselines.get(version, math.nan)
        windows.append(_confidence_window(row, n, baseline, thresholds))
    if ref_mean is None and not baselines:
        source = None
    return ConfidenceTrendResult(True, None, window.describe(), thresholds, source, tuple(windows))


def findings(
    *results: PredictionDriftResult | ConfidenceTrendResult, per_window: bool = False
) -> list[Finding]:
    """All findings of ``results``, in order."""
    return [f for result in results for f in result.findings(per_window=per_window)]


# --------------------------------------------------------------------------- frame plumbing


def prediction_records(frame: pl.LazyFrame | pl.DataFrame) -> pl.LazyFrame:
    """Predictions only, as the narrow rows these analyses need: ``ts``, ``label``,
    ``model_version``, confidence (the top probability when no confidence is logged) and
    entropy. Row-wise, so ingest applies it to each chunk
    (``read_logs(..., per_chunk=prediction_records)``) and probability lists are never kept.
    A frame it already produced passes through unchanged."""
    lf = frame.lazy()
    schema = lf.collect_schema()
    if _ENTROPY in schema:
        return lf
    missing = {
        "model_version": pl.lit(None, dtype=pl.String),
        "confidence": pl.lit(None, dtype=pl.Float64),
        "probabilities": pl.lit(None, dtype=pl.List(pl.Float64)),
    }
    lf = lf.with_columns(expr.alias(name) for name, expr in missing.items() if name not in schema)
    probs = pl.col("probabilities").cast(pl.List(pl.Float64))
    conf = pl.coalesce(pl.col("confidence").cast(pl.Float64), probs.list.max())
    total = probs.list.sum()
    raw = probs.list.eval(
        pl.when(pl.element() > 0).then(-pl.element() * pl.element().log(2)).otherwise(0.0)
    ).list.sum()
    return lf.filter(pl.col("label").is_not_null()).select(
        "ts",
        "label",
        "model_version",
        pl.when(conf.is_finite()).then(conf).alias(_CONF),
        # H(p / s) = H_raw(p) / s + log2 s, for s = sum(p) > 0
        pl.when(total > 0).then(raw / total + total.log(2)).alias(_ENTROPY),
    )


def _prepare(frame: pl.LazyFrame | pl.DataFrame, window: WindowSpec, by_version: bool) -> pl.LazyFrame:
    """Predictions only, with version, window key, window start, confidence and entropy."""
    version = pl.col("model_version") if by_version else pl.lit(None, dtype=pl.Categorical)
    lf = (
        prediction_records(frame)
        .sort("ts")
        .select("ts", "label", version.alias(_VERSION), _CONF, _ENTROPY)
    )
    if window.duration is not None:
        lf = with_window(lf, window)
        return lf.with_columns(pl.col(WINDOW_COLUMN).alias(_WINDOW), pl.col(WINDOW_COLUMN).alias(_START))
    if window.records is not None:
        key = pl.int_range(pl.len(), dtype=pl.Int64).over(_VERSION) // window.records
    else:
        key = pl.lit(0, dtype=pl.Int64)
    return lf.with_columns(key.alias(_WINDOW)).with_columns(
        pl.col("ts").min().over(_VERSION, _WINDOW).alias(_START)
    )


def _aligned_windows(prepared: pl.LazyFrame, ref_shares: dict[str, float]) -> list[tuple]:
    """(version, start, end, n, AlignedCategories) per window, from one class-count table."""
    meta, counts = pl.collect_all(
        [_window_meta(prepared), prepared.group_by(_VERSION, _WINDOW, "label").agg(pl.len().alias("n"))]
    )
    per_window: dict[tuple[Any, Any], dict[str, int]] = {}
    for version, key, label, n in counts.iter_rows():
        per_window.setdefault((version, key), {})[label] = int(n)
    return [
        (version, start, end, int(n), stats.align_categories(ref_shares, per_window.get((version, key), {})))
        for version, key, start, end, n in meta.select(_VERSION, _WINDOW, _START, "end", "n").iter_rows()
    ]


def _window_statistics(aligned: stats.AlignedCategories, compute: bool, epsilon: float) -> tuple[float, ...]:
    """(PSI, JS, chi2, p) of one window, or all nan when not computed."""
    if not compute:
        return (math.nan,) * 4
    ref, cur = aligned.reference_shares, aligned.current_counts
    chi2, p = stats.chi_squared_gof(cur, ref, epsilon)
    return stats.psi(ref, cur, epsilon), stats.js_distance(ref, cur), chi2, p


def _window_meta(prepared: pl.LazyFrame, *aggs: pl.Expr) -> pl.LazyFrame:
    """One row per (version, window): start, end, n and ``aggs``, sorted by version
    (first seen first), then start."""
    return (
        prepared.group_by(_VERSION, _WINDOW)
        .agg(pl.col(_START).first(), pl.col("ts").max().alias("end"), pl.len().alias("n"), *aggs)
        .with_columns(pl.col(_START).min().over(_VERSION).alias("_first_seen"))
        .sort("_first_seen", _VERSION, _START, nulls_last=False)
        .drop("_first_seen")
    )


# --------------------------------------------------------------------------- window builders


def _drift_window(row, computed, p_adj: float, t: DriftThresholds, not_computable: str | None) -> DriftWindow:
    version, start, end, n, aligned = row
    psi, js, chi2, p = computed
    counts = aligned.current_counts
    classes = tuple(
        ClassShare(label, int(c), c / n if n else math.nan, None if not_computable else float(r))
        for label, c, r in zip(aligned.labels, counts, aligned.reference_shares)
    )
    if not_computable:
        severity, reason = Severity.UNKNOWN, not_computable
    elif n < t.min_samples:
        severity, reason = Severity.UNKNOWN, f"{INSUFFICIENT_DATA}: {n} predictions < {t.min_samples}"
    else:
        severity = two_tier_verdict(p_adj, psi, alpha=t.alpha, warning=t.warning_psi, critical=t.critical_psi)
        reason = _drift_reason(severity, psi, p_adj, t)
    return DriftWindow(
        version, start, end, n, classes, aligned.unseen, psi, js, chi2, p, p_adj, severity, reason
    )


def _drift_reason(severity: Severity, psi: float, p_adj: float, t: DriftThresholds) -> str:
    if severity is Severity.UNKNOWN:
        return "not computable (a single class in reference and window)"
    sig = f"p_BH {_num(p_adj)} {'<' if p_adj < t.alpha else '>='} {t.alpha:g}"
    if severity is Severity.CRITICAL:
        return f"significant ({sig}) and PSI {psi:.4f} >= {t.critical_psi:g}"
    if severity is Severity.WARNING:
        return f"significant ({sig}) and PSI {psi:.4f} >= {t.warning_psi:g}"
    if p_adj >= t.alpha:
        return f"not significant ({sig}); PSI {psi:.4f}"
    return f"significant ({sig}) but immaterial: PSI {psi:.4f} < {t.warning_psi:g}"


def _confidence_window(
    row: dict[str, Any], n: int, baseline: float, t: ConfidenceThresholds
) -> ConfidenceWindow:
    mean = float(row["mean"]) if n else math.nan
    change = mean - baseline
    if not math.isfinite(change):
        direction = "unknown"
    else:
        direction = "down" if change < 0 else "up" if change > 0 else "flat"
    if n < t.min_samples:
        severity, reason = (
            Severity.UNKNOWN,
            f"{INSUFFICIENT_DATA}: {n} confident predictions < {t.min_samples}",
        )
    elif not math.isfinite(baseline):
        severity, reason = (
            Severity.UNKNOWN,
            "no baseline: no reference confidence and no earlier window with enough data",
        )
    elif -change > t.collapse_drop:
        severity = Severity.CRITICAL
        reason = f"mean confidence fell {-change:.3f} ({baseline:.3f} -> {mean:.3f}), more than {t.collapse_drop:g}"
    else:
        severity = Severity.OK
        reason = f"mean confidence {direction} {abs(change):.3f} ({baseline:.3f} -> {mean:.3f}), bound {t.collapse_drop:g}"
    return ConfidenceWindow(
        model_version=row[_VERSION],
        start=row[_START],
        end=row["end"],
        n=n,
        mean=mean,
        p10=_float(row["p10"]),
        share_below=row["below"] / n if n else math.nan,
        mean_entropy_bits=_float(row["entropy"]) if row["n_entropy"] else None,
        baseline=baseline,
        change=change,
        direction=direction,
        severity=severity,
        reason=reason,
    )


def _reference_mean(reference: ReferenceProfile | None) -> float | None:
    summary = reference.confidence if reference is not None else None
    if summary is None or summary.count == 0 or not math.isfinite(summary.mean):
        return None
    return summary.mean


# --------------------------------------------------------------------------- small helpers


def _first(windows):
    breached = [w for w in windows if w.severity.rank >= Severity.WARNING.rank]
    return min(breached, key=lambda w: w.start) if breached else None


def _by_version(windows) -> dict[str | None, list]:
    groups: dict[str | None, list] = {}
    for w in windows:
        groups.setdefault(w.model_version, []).append(w)
    return groups


def _scope(version: str | None) -> str:
    return "all" if version is None else f"model_version={version}"


def _window_finding(check: str, w, value: float, threshold: float) -> Finding:
    scope = f"{_scope(w.model_version)} window={_iso(w.start)}"
    return Finding(check, w.severity, w.reason, _finite_or_none(value), threshold, scope)


def _ref(w) -> dict[str, Any] | None:
    if w is None:
        return None
    return {"model_version": w.model_version, "start": _iso(w.start), "severity": w.severity.value}


def _iso(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def _num(value: float) -> str:
    return f"{value:.3g}" if math.isfinite(value) else "n/a"


def _float(value: Any) -> float:
    return math.nan if value is None else float(value)


def _finite_or_none(value: float | None) -> float | None:
    return float(value) if value is not None and math.isfinite(value) else None


def _plain(value: Any) -> Any:
    """Dataclasses, enums, datetimes, tuples and floats to JSON-safe plain data."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Severity):
        return value.value
    if isinstance(value, datetime):
        return _iso(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value
