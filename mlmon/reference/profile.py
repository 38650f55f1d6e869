"""Reference profile types: what drift needs to know about training data, and no raw rows.

The JSON layout is documented field by field in ``references/PROFILE_FORMAT.md`` and in the
docstrings below (docs/architecture.md, "The reference profile"). Building lives in ``build``, the JSON document in
``codec``, the file in ``store``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from mlmon.errors import UsageError

if TYPE_CHECKING:  # scipy loads with mlmon.stats.calibration: only where a calibration is used
    from mlmon.stats.calibration import Calibrator

PROFILE_VERSION = 4
"""The newest profile format version this mlmon writes. Version 2 added each numeric
feature's quantile ``grid`` (what feature drift needs) and the ``missing`` counts; version 3
the reference's own counts on that grid (``grid_counts``), which make repeated values exact;
version 4 the ``calibration`` that estimated performance needs (:class:`CalibrationProfile`).
A profile without a calibration is written as :data:`UNCALIBRATED_VERSION`, byte for byte
as before, so profiles built without ``--actual`` read everywhere they did."""
UNCALIBRATED_VERSION = 3
"""The version of a profile built without ground truth (no ``calibration``)."""
VERSION_KEY = "mlmon_reference_version"
"""Top-level JSON key holding :data:`PROFILE_VERSION`; its presence marks a profile."""
QUANTILE_LEVELS = (0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99)
"""Quantiles stored per numeric feature (numpy's default linear interpolation)."""
EDGE_LEVELS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
"""Quantiles that become the frozen histogram edges: minimum, deciles, maximum."""
TOP_K = 20
"""Categories kept per categorical feature; the rest are pooled under :data:`OTHER`."""
OTHER = "__other__"
"""Name of the pooled category for categories beyond the top :data:`TOP_K`."""
DISCRETE_VALUES = 20
"""A numeric feature with at most this many distinct values is discrete: its values are
compared as categories (chi-squared), where a quantile grid would be all ties."""
LOW_CONFIDENCE = 0.5
"""Threshold behind ``share_below_0_5`` in the confidence summary."""


def build_time() -> datetime:
    """When a profile is built: now, or ``SOURCE_DATE_EPOCH`` (seconds since 1970, the
    reproducible-builds convention) when that is set, so a build can be byte-identical."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch:
        return datetime.now(UTC)
    try:
        return datetime.fromtimestamp(int(epoch), UTC)
    except (ValueError, OverflowError, OSError):
        raise UsageError(f"SOURCE_DATE_EPOCH={epoch!r} is not a whole number of seconds since 1970") from None


@dataclass(frozen=True)
class ConfidenceSummary:
    """Distribution of the model's confidence (top-class probability) on the reference."""

    count: int
    """Rows with a finite confidence."""
    mean: float
    """Mean confidence (``nan``/JSON null when ``count`` is 0)."""
    std: float
    """Sample standard deviation, ddof = 1 (null when ``count`` < 2)."""
    p10: float
    """10th percentile, numpy linear interpolation."""
    p50: float
    """Median, numpy linear interpolation."""
    p90: float
    """90th percentile, numpy linear interpolation."""
    share_below_0_5: float
    """Share of rows with confidence strictly below 0.5."""
    mean_entropy_bits: float | None = None
    """Mean Shannon entropy (bits) of the per-row probability vectors, each normalised to
    sum to one; None when no probability columns were given."""


@dataclass(frozen=True)
class NumericFeature:
    """Summary and frozen histogram of one numeric feature. Missing means null, NaN or
    infinite; every statistic but ``missing_share`` is over the finite values only."""

    count: int
    """Finite values."""
    missing_share: float
    """Share of rows where the value is missing (0 for an empty frame)."""
    mean: float
    """Mean of the finite values (null when ``count`` is 0)."""
    std: float
    """Sample standard deviation, ddof = 1 (null when ``count`` < 2)."""
    min: float
    """Smallest finite value (null when ``count`` is 0)."""
    max: float
    """Largest finite value (null when ``count`` is 0)."""
    quantiles: dict[float, float]
    """Quantile level -> value at :data:`QUANTILE_LEVELS`, numpy linear interpolation;
    JSON keys are the levels as strings ("0.01", ..., "0.99")."""
    bin_edges: tuple[float, ...]
    """Frozen edges: the distinct values of min, deciles, max (at least two: a constant
    feature has ``[c, c]``; empty when ``count`` is 0)."""
    bin_counts: tuple[int, ...]
    """``len(bin_edges) + 1`` counts, see :func:`mlmon.stats.bin_counts`:
    ``[below min, [e0, e1), ..., [e_{m-1}, e_m] closed, above max]``. The first and last
    are 0 on the reference; they catch current values outside the reference range."""
    missing: int = 0
    """Rows where the value is missing (version 2; 0 when read from version 1)."""
    grid: tuple[float, ...] = ()
    """Quantiles at the profile's ``grid_levels`` (numpy linear), from the minimum to the
    maximum: the state feature drift compares a window with (:mod:`mlmon.stats.grid`).
    Empty when ``count`` is 0, and in a version-1 profile."""
    grid_counts: tuple[int, ...] = ()
    """The reference's values counted in the cells of ``grid`` (version 3): below its
    minimum, then for each distinct grid point the values equal to it and those strictly
    between it and the next, above its maximum (``2K + 3`` counts for ``K + 1`` distinct
    points; :class:`mlmon.stats.grid.GridCounts`). Empty in older profiles, whose ties are
    then placed from the levels (:meth:`mlmon.stats.grid.ReferenceGrid.of`)."""
    value_counts: dict[str, int] = field(default_factory=dict)
    """For a discrete feature (at most :data:`DISCRETE_VALUES` distinct values, such as a
    0/1 flag or an image width): the count of each value, keyed by :func:`value_key`.
    Feature drift then compares values as categories. Empty for a continuous feature."""
    kind: str = "numeric"
    """Always ``numeric``."""

    @property
    def bin_shares(self) -> Any:
        """``bin_counts`` as a numpy array of shares summing to one (``nan`` when empty)."""
        from mlmon import stats

        return stats.to_shares(self.bin_counts)


@dataclass(frozen=True)
class CategoricalFeature:
    """Category counts of one non-numeric feature (strings, booleans)."""

    count: int
    """Non-null values."""
    missing_share: float
    """Share of rows where the value is null."""
    category_counts: dict[str, int]
    """Count of each of the :data:`TOP_K` most frequent categories (ties broken by name),
    plus :data:`OTHER` pooling all remaining categories when there are any."""
    missing: int = 0
    """Rows where the value is null (version 2; 0 when read from version 1)."""
    kind: str = "categorical"
    """Always ``categorical``."""


FeatureProfile = NumericFeature | CategoricalFeature


@dataclass(frozen=True)
class CalibrationProfile:
    """What estimated performance (CBPE, ``references/statistics/cbpe.md``) needs of a
    labelled reference table: the class order, one calibrator per class, and the reference's
    own chunk-to-chunk spread of the estimates (the band)."""

    actual_column: str
    """Column the ground truth was read from (``--actual``)."""
    classes: tuple[str, ...]
    """The model's classes, in the order of the probability columns (``proba_columns``): the
    order a logged array of probabilities is read in. At least two, all different."""
    calibrators: tuple[Calibrator | None, ...]
    """One slot per class: its isotonic calibrator, or None where calibration does not lower
    the calibration error on held-out rows (:func:`mlmon.stats.calibration.fit_calibrators`;
    binary: slot 0 is always None, the positive class is ``classes[1]``)."""
    confidence_range: tuple[float, float]
    """Smallest and largest top-class probability (row maximum of the probability columns)
    on the reference rows: the range the calibration has seen."""
    rows: int
    """Reference rows with a predicted class, a true class and every probability finite: the
    rows the calibrators were fitted on."""
    accuracy: float
    """Realized accuracy of those rows: the share whose predicted class is the true one."""
    chunk_rows: int
    """Rows of the smallest reference chunk: the rows are cut, in table order, into
    :data:`REFERENCE_CHUNKS` chunks whose sizes differ by at most one."""
    chunk_accuracy: tuple[float, ...]
    """Estimated accuracy of each reference chunk (calibrated probabilities; nan when empty)."""
    chunk_macro_f1: tuple[float, ...]
    """Estimated macro F1 of each reference chunk (nan when empty)."""

    @property
    def accuracy_band(self) -> tuple[float, float]:
        """NannyML's band of estimated accuracy: the chunks' mean ± 3 sd, within [0, 1]."""
        from mlmon.stats.calibration import estimate_band

        return estimate_band(self.chunk_accuracy)

    @property
    def macro_f1_band(self) -> tuple[float, float]:
        """NannyML's band of estimated macro F1: the chunks' mean ± 3 sd, within [0, 1]."""
        from mlmon.stats.calibration import estimate_band

        return estimate_band(self.chunk_macro_f1)


REFERENCE_CHUNKS = 10
"""Chunks the reference is cut into for the band (NannyML's ``DefaultChunker``: 10)."""


@dataclass(frozen=True)
class ReferenceProfile:
    """Everything drift compares against. Serialised by :func:`mlmon.reference.codec.profile_to_dict`
    (and :func:`~mlmon.reference.store.save_profile`, to a file)."""

    source: str
    """Free-text description of what was profiled (usually the input path)."""
    n_rows: int
    """Rows in the profiled data, including rows with a missing label."""
    class_counts: dict[str, int]
    """Count of each predicted class (the label column cast to string, nulls excluded)."""
    class_shares: dict[str, float]
    """``class_counts`` divided by their total; sums to one (empty without a label)."""
    confidence: ConfidenceSummary | None = None
    """Confidence summary; None when neither a confidence nor probability columns exist."""
    features: dict[str, FeatureProfile] = field(default_factory=dict)
    """Per feature name, its numeric or categorical profile."""
    label_column: str | None = None
    """Column the classes were read from."""
    confidence_column: str | None = None
    """Column the confidence was read from; None when derived from ``proba_columns``."""
    proba_columns: tuple[str, ...] = ()
    """Probability columns (confidence = their row maximum when no confidence column)."""
    created_at: datetime = field(default_factory=build_time)
    """When the profile was built (UTC; ``SOURCE_DATE_EPOCH`` when set, see :func:`build_time`)."""
    version: int = PROFILE_VERSION
    """Format version, stored under :data:`VERSION_KEY`."""
    grid_levels: tuple[float, ...] = ()
    """The quantile levels of every numeric feature's ``grid`` (``mlmon.stats.GRID_LEVELS``
    when built by this mlmon; empty in a version-1 profile)."""
    calibration: CalibrationProfile | None = None
    """The calibration for estimated performance (version 4, ``reference build --actual``);
    None when the profile was built without ground truth."""
    path: str | None = field(default=None, compare=False)
    """The file this profile was read from, as the user named it (``--reference``); None
    when it was built in memory. Not part of the file: ``source`` says what was profiled."""
