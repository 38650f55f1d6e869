"""Estimated performance per (model version, window) before the labels arrive (CBPE,
``references/statistics/cbpe.md``): each prediction's probability vector goes through the
reference's calibrators (:class:`~mlmon.reference.profile.CalibrationProfile`), and the
window's state is its expected confusion matrix, which merges by addition.

**Which predictions are used.** A prediction (a record with a ``label``) is estimated from
when its predicted class is one of the reference's classes and its probabilities read as
one vector in the reference's class order: a vector logged as an object (``{"cat": 0.9,
"dog": 0.1}``) by class name, when its classes are exactly the reference's; one logged as
an array in the reference's class order (the order of its probability columns), when its
length is the number of classes. The others are counted by reason: *no probabilities*
(none logged, or one that is not a finite number) and *classes differ* (other class names,
another length, or a predicted class the reference does not have). A used prediction
whose top probability lies outside the reference's :attr:`confidence_range
<mlmon.reference.profile.CalibrationProfile.confidence_range>` is *out of range*: the
calibrators are flat beyond it, an extrapolation; it is still used.

**Unknown.** A window's estimate is unknown (its estimates nan, ``unknown`` the reason)
when more than :data:`UNKNOWN_SHARE` (10%) of its predictions have no probabilities, or
more than 10% have classes that differ, or more than 10% of the used ones are out of
range; the first that holds is the reason.

**Exact merges.** The expected confusion matrix is summed in fixed point (each calibrated
probability rounded to a multiple of 2^-32, :data:`SCALE`, summed as 64-bit integers,
exact up to 2^31 predictions per window), so any chunking and any merge order give the
same windows to the last bit; the rounding moves an estimate by less than 1e-9.

Windows are time windows or the whole range (record-count windows are refused at
``finalize``, as for realized performance), bounded as every reducer's
(``mlmon.analyses.bounds``).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl

from mlmon.analyses.bounds import (
    MINUTE,
    check_time_windows,
    compacted,
    concat_or_empty,
    key_set,
    merge_bounded,
    minute_counts,
    window_key,
)
from mlmon.errors import UsageError
from mlmon.ingest.needs import Needs
from mlmon.reference.profile import CalibrationProfile
from mlmon.stats.arrays import Floats
from mlmon.stats.calibration import calibrate, estimated_accuracy, estimated_macro_f1
from mlmon.windows import WindowSpec

UNKNOWN_SHARE = 0.1
"""Largest share of a window's predictions without probabilities, or with other classes
(or of its used predictions out of the reference's confidence range) that still gives an
estimate; beyond it the window is unknown."""
SCALE = 2**32
"""Fixed point of the expected confusion sums: a calibrated probability ``p`` is held as
``round(p * SCALE)``."""
_VERSION, _WINDOW, _PRED = "_version", "_window", "_pred"
_NO_PROBS, _DIFFER, _OUT = "no_probabilities", "classes_differ", "out_of_range"
_KEYS = [_VERSION, _WINDOW]
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class EstimatedWindow:
    """CBPE's estimates for one (model version, window)."""

    model_version: str | None
    """Model version the window covers (None: not logged, or ``by_version=False``)."""
    start: datetime
    """Window key: the aligned start for time windows, else the first prediction's time."""
    end: datetime
    """Time of the window's last prediction."""
    n: int
    """Predictions (records with a label) in the window."""
    used: int
    """Predictions the estimate is made from: ``n`` less those without probabilities and
    those whose classes differ."""
    no_probabilities: int
    """Predictions without a usable probability vector (none logged, or not finite)."""
    classes_differ: int
    """Predictions whose probability classes or predicted class are not the reference's."""
    out_of_range: int
    """Used predictions whose top probability lies outside the reference's confidence range."""
    estimated_accuracy: float
    """Mean calibrated probability of the predicted class (nan when unknown)."""
    accuracy_low: float
    """Lower end of the reference's band of estimated accuracy (chunks' mean - 3 sd)."""
    accuracy_high: float
    """Upper end of that band (chunks' mean + 3 sd), both within [0, 1]."""
    estimated_macro_f1: float
    """Macro F1 of the expected confusion matrix (nan when unknown)."""
    macro_f1_low: float
    """Lower end of the reference's band of estimated macro F1."""
    macro_f1_high: float
    """Upper end of that band."""
    expected: tuple[tuple[float, ...], ...]
    """The expected confusion matrix of the used predictions: ``expected[i][j]`` sums, over
    predictions of class ``j``, the calibrated probability of class ``i`` (rows actual,
    columns predicted, classes in the reference's order)."""
    unknown: str | None = None
    """Why there is no estimate (see the module's notes); None when there is one."""


@dataclass(frozen=True)
class EstimateState:
    """Partial state of :class:`EstimateReducer`: tables that merge by concatenation
    (re-aggregated past ``bounds.COMPACT_AT``)."""

    counts: tuple[pl.DataFrame, ...] = ()
    """(version, window) → predictions, counts by reason, first and last time; per chunk."""
    expected: tuple[pl.DataFrame, ...] = ()
    """(version, window, predicted class) → fixed-point sums ``e0 .. e{K-1}`` of the
    calibrated probabilities of each class; per chunk."""
    minutes: tuple[pl.DataFrame, ...] = ()
    """Time windows only: minute → predictions, first and last time; per chunk."""
    window_keys: frozenset[int] | None = frozenset()
    """Time windows only: the distinct window starts held (epoch µs); None once over
    ``MAX_WINDOWS``, when every piece but ``minutes`` is dropped."""


@dataclass(frozen=True)
class EstimateReducer:
    """Reduce canonical records to :class:`EstimatedWindow` rows per version and window."""

    window: WindowSpec = field(default_factory=WindowSpec)
    """Time windows or the whole range (record-count windows are refused at ``finalize``)."""
    by_version: bool = True
    """Keep model versions apart."""
    calibration: CalibrationProfile = field(kw_only=True)
    """The reference's classes, calibrators, confidence range and band (a keyword)."""
    needs: Needs = Needs(("label", "model_version", "probabilities", "probability_classes"))
    """The columns read."""

    def from_chunk(self, records: pl.DataFrame) -> EstimateState:
        rows = self._rows(records)
        keyed = rows.lazy().with_columns(window_key(self.window).alias(_WINDOW))
        if self.window.duration is None:
            return _state(keyed, len(self.calibration.classes))
        minutes, keys = pl.collect_all([minute_counts(keyed), keyed.select(_WINDOW)])
        window_keys = key_set(keys.get_column(_WINDOW))
        if window_keys is None:
            return EstimateState(minutes=(minutes,), window_keys=None)
        state = _state(keyed, len(self.calibration.classes))
        return dataclasses.replace(state, minutes=(minutes,), window_keys=window_keys)

    def merge(self, left: EstimateState, right: EstimateState) -> EstimateState:
        return compacted(merge_bounded(left, right), _TABLE_KEYS)

    def finalize(self, state: EstimateState) -> tuple[EstimatedWindow, ...]:
        """Windows ordered by model version (first seen first), then start. ``UsageError``
        for record-count windows, or when the windows would number over ``MAX_WINDOWS``."""
        if self.window.records is not None:
            raise UsageError("--window: performance is judged on time windows (e.g. 1d) or the whole range")
        check_time_windows(self.window, state.minutes, state.window_keys is None)
        k = len(self.calibration.classes)
        counts = (
            concat_or_empty(state.counts, _counts_schema())
            .group_by(_KEYS)
            .agg(pl.col("n", _NO_PROBS, _DIFFER, _OUT).sum(), pl.col("first").min(), pl.col("last").max())
        )
        sums = (
            concat_or_empty(state.expected, _expected_schema(k)).group_by(*_KEYS, _PRED).agg(pl.col(_columns(k)).sum())
        )
        matrices: dict[tuple[str | None, int], Floats] = {}
        for version, key, pred, *column in sums.iter_rows():
            matrices.setdefault((version, key), np.zeros((k, k)))[:, pred] = np.asarray(column, dtype=np.float64)
        whole = self.window.duration is None
        out = []
        for version, key, n, no_probs, differ, out_of_range, first, last in counts.iter_rows():
            expected = matrices.get((version, key), np.zeros((k, k))) / SCALE
            start = first if whole else _EPOCH + timedelta(microseconds=key)
            out.append(self._window(version, start, last, (n, no_probs, differ, out_of_range), expected))
        return _ordered(out)

    def _rows(self, records: pl.DataFrame) -> pl.DataFrame:
        """One row per prediction: time, version, predicted class index, reason flags and
        the fixed-point calibrated probabilities (0 where not used)."""
        classes = self.calibration.classes
        rows = prediction_vectors(records, classes, self.by_version)
        used = rows.get_column("_used").to_numpy()
        raw = rows.filter(pl.col("_used")).select(_columns(len(classes), "p")).to_numpy().astype(np.float64)
        top = raw.max(axis=1) if raw.size else np.empty(0)
        low, high = self.calibration.confidence_range
        out = np.zeros(used.size, dtype=bool)
        out[used] = (top < low) | (top > high)
        fixed = np.zeros((used.size, len(classes)), dtype=np.int64)
        if raw.size:
            fixed[used] = np.rint(calibrate(raw, self.calibration.calibrators) * SCALE).astype(np.int64)
        return rows.select("ts", _VERSION, _PRED, _NO_PROBS, _DIFFER).with_columns(
            pl.Series(_OUT, out),
            *(pl.Series(name, fixed[:, i]) for i, name in enumerate(_columns(len(classes)))),
        )

    def _window(
        self,
        version: str | None,
        start: datetime,
        end: datetime,
        counts: tuple[int, int, int, int],
        expected: Floats,
    ) -> EstimatedWindow:
        """One window from its counts (predictions, no probabilities, classes differ, out of
        range) and expected confusion matrix."""
        calibration = self.calibration
        n, no_probs, differ, out = counts
        used = n - no_probs - differ
        unknown = _unknown(n, no_probs, differ, used, out, calibration)
        acc_low, acc_high = calibration.accuracy_band
        f1_low, f1_high = calibration.macro_f1_band
        return EstimatedWindow(
            model_version=version,
            start=start,
            end=end,
            n=n,
            used=used,
            no_probabilities=no_probs,
            classes_differ=differ,
            out_of_range=out,
            estimated_accuracy=math.nan if unknown else estimated_accuracy(expected),
            accuracy_low=acc_low,
            accuracy_high=acc_high,
            estimated_macro_f1=math.nan if unknown else estimated_macro_f1(expected),
            macro_f1_low=f1_low,
            macro_f1_high=f1_high,
            expected=tuple(tuple(float(v) for v in line) for line in expected),
            unknown=unknown,
        )


def prediction_vectors(records: pl.DataFrame, classes: tuple[str, ...], by_version: bool = True) -> pl.DataFrame:
    """Predictions only: ``ts``, version, the predicted class's index in ``classes``
    (null when it is none of them), the probabilities ``p0 .. p{K-1}`` in ``classes``'
    order, and the flags ``no_probabilities``, ``classes_differ`` and ``_used`` (see the
    module's notes). Vectorised: list expressions per class, no loop over records."""
    lf = records.lazy()
    schema = lf.collect_schema()
    missing = {
        "label": pl.lit(None, dtype=pl.Categorical),
        "model_version": pl.lit(None, dtype=pl.Categorical),
        "probabilities": pl.lit(None, dtype=pl.List(pl.Float64)),
        "probability_classes": pl.lit(None, dtype=pl.List(pl.String)),
    }
    lf = lf.with_columns(expr.alias(name) for name, expr in missing.items() if name not in schema)
    k, probs, names = len(classes), pl.col("_probs"), pl.col("_names")
    version = pl.col("model_version").cast(pl.Categorical) if by_version else pl.lit(None, dtype=pl.Categorical)
    # In steps, each column computed once: one select of it all evaluates the list
    # expressions again wherever they are used (8 s for 1M predictions, 1 s in steps).
    rows = lf.filter(pl.col("label").is_not_null()).select(
        "ts",
        version.alias(_VERSION),
        pl.col("label").cast(pl.String).replace_strict(list(classes), list(range(k)), default=None).alias(_PRED),
        pl.col("probabilities").cast(pl.List(pl.Float64)).alias("_probs"),
        pl.col("probability_classes").cast(pl.List(pl.String)).alias("_names"),
    )
    same_names = (
        (names.list.len() == k)
        & names.list.eval(pl.element().is_in(list(classes))).list.all()
        & (names.list.n_unique() == k)
    )
    rows = rows.with_columns(
        ((probs.list.len() == k) & pl.when(names.is_not_null()).then(same_names).otherwise(True))
        .fill_null(False)
        .alias("_shaped"),
        *(names.list.eval((pl.element() == c).arg_max()).list.first().alias(f"_at{i}") for i, c in enumerate(classes)),
    )
    by_name = (probs.list.get(pl.col(f"_at{i}"), null_on_oob=True) for i in range(k))
    rows = rows.with_columns(
        pl.when(pl.col("_shaped")).then(pl.when(names.is_not_null()).then(v).otherwise(probs.list.get(i))).alias(p)
        for i, (v, p) in enumerate(zip(by_name, _columns(k, "p")))
    )
    finite = pl.all_horizontal(pl.col(_columns(k, "p")).is_finite()).fill_null(False)
    no_probs = probs.is_null() | (probs.list.len() == 0).fill_null(True) | (pl.col("_shaped") & ~finite)
    rows = rows.with_columns(no_probs.alias(_NO_PROBS))
    return rows.select(
        "ts",
        _VERSION,
        pl.col(_PRED).cast(pl.Int64),
        *_columns(k, "p"),
        _NO_PROBS,
        (~pl.col(_NO_PROBS) & (~pl.col("_shaped") | pl.col(_PRED).is_null())).alias(_DIFFER),
        (~pl.col(_NO_PROBS) & pl.col("_shaped") & pl.col(_PRED).is_not_null()).alias("_used"),
    ).collect()


def _unknown(n: int, no_probs: int, differ: int, used: int, out: int, calibration: CalibrationProfile) -> str | None:
    """The reason a window has no estimate, or None (see the module's notes)."""
    if no_probs > UNKNOWN_SHARE * n:
        return f"probabilities not logged for {no_probs:,} of {n:,} predictions"
    if differ > UNKNOWN_SHARE * n:
        classes = ", ".join(calibration.classes)
        return f"classes differ from the reference's ({classes}) for {differ:,} of {n:,} predictions"
    if out > UNKNOWN_SHARE * used:
        low, high = calibration.confidence_range
        return f"confidence outside the reference's range [{low:.3g}, {high:.3g}] for {out:,} of {used:,} predictions"
    return None


def _state(keyed: pl.LazyFrame, k: int) -> EstimateState:
    """Counts by reason and fixed-point expected sums per (version, window)."""
    flags = [pl.col(name).cast(pl.Int64).sum() for name in (_NO_PROBS, _DIFFER, _OUT)]
    counts, expected = pl.collect_all(
        [
            keyed.group_by(_KEYS).agg(
                pl.len().cast(pl.Int64).alias("n"),
                *flags,
                pl.col("ts").min().alias("first"),
                pl.col("ts").max().alias("last"),
            ),
            keyed.filter(pl.col(_PRED).is_not_null() & ~pl.col(_NO_PROBS) & ~pl.col(_DIFFER))
            .group_by(*_KEYS, _PRED)
            .agg(pl.col(_columns(k)).sum()),
        ]
    )
    return EstimateState(counts=(_typed(counts, _counts_schema()),), expected=(_typed(expected, _expected_schema(k)),))


def _typed(table: pl.DataFrame, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """``table``'s columns in ``schema``'s order and types, so that pieces concatenate."""
    return table.select(pl.col(name).cast(dtype) for name, dtype in schema.items())


def _columns(k: int, prefix: str = "e") -> list[str]:
    """``e0 .. e{K-1}``: the fixed-point sums; ``p0 ..``: one prediction's probabilities."""
    return [f"{prefix}{i}" for i in range(k)]


def _ordered(windows: list[EstimatedWindow]) -> tuple[EstimatedWindow, ...]:
    """Model versions in the order first seen (by their first window), then by start."""
    first_seen: dict[str | None, datetime] = {}
    for w in windows:
        first_seen[w.model_version] = min(first_seen.get(w.model_version, w.start), w.start)
    return tuple(
        sorted(
            windows,
            key=lambda w: (first_seen[w.model_version], w.model_version is not None, w.model_version or "", w.start),
        )
    )


_TS = pl.Datetime("us", "UTC")


def _counts_schema() -> dict[str, pl.DataType]:
    counts = {name: pl.Int64() for name in ("n", _NO_PROBS, _DIFFER, _OUT)}
    return {_VERSION: pl.Categorical(), _WINDOW: pl.Int64(), **counts, "first": _TS, "last": _TS}


def _expected_schema(k: int) -> dict[str, pl.DataType]:
    return {_VERSION: pl.Categorical(), _WINDOW: pl.Int64(), _PRED: pl.Int64(), **{c: pl.Int64() for c in _columns(k)}}


_TABLE_KEYS = {"counts": _KEYS, "expected": [*_KEYS, _PRED], "minutes": [MINUTE]}
"""The key columns of the state's tables, for ``bounds.compacted``."""
