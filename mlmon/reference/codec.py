"""The reference profile's one codec: a :class:`~mlmon.reference.profile.ReferenceProfile`
to the versioned JSON document the profile file holds (:func:`profile_to_dict`) and back
(:func:`profile_from_dict`), as :mod:`mlmon.summary.codec` is for summaries. The file itself
(reading, size caps, atomic writes) is :mod:`mlmon.reference.store`'s; the types are
:mod:`mlmon.reference.profile`'s. The layout is documented in ``references/PROFILE_FORMAT.md``.

Versions (:data:`~mlmon.reference.profile.VERSION_KEY`): this mlmon writes
:data:`~mlmon.reference.profile.PROFILE_VERSION` (4) for a profile with a calibration,
version 3 for one without (the profile's ``version``), and reads :data:`READABLE_VERSIONS`.
A version-1 profile has no quantile grids, ``grid_levels`` or ``missing`` counts: its
numeric features load with empty grids (drift says they cannot be compared), its
``missing`` as 0 and its ``value_counts`` empty. Version 2 added the grids and the
``missing`` counts; version 3 each numeric feature's ``grid_counts``, empty when read from
version 2; version 4 the ``calibration`` (estimated performance), a key written only when
there is one. Decoding checks every value for its type, range and shape
(:mod:`mlmon.reference.validate`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from mlmon.errors import ReferenceProfileError
from mlmon.plain import iso_utc, to_plain
from mlmon.reference.profile import (
    DISCRETE_VALUES,
    VERSION_KEY,
    CalibrationProfile,
    CategoricalFeature,
    ConfidenceSummary,
    FeatureProfile,
    NumericFeature,
    ReferenceProfile,
)
from mlmon.reference.validate import FieldError, Obj, as_int, as_number, as_text, as_time, shown

if TYPE_CHECKING:  # scipy loads with mlmon.stats.calibration: only when a calibration is read
    from mlmon.stats.calibration import Calibrator

READABLE_VERSIONS = (1, 2, 3, 4)
"""Versions this mlmon reads. A version-1 profile loads with no grids: its features cannot
be compared for drift, and drift says so."""

_CONFIDENCE_NUMBERS = ("mean", "p10", "p50", "p90")


def profile_to_dict(profile: ReferenceProfile) -> dict[str, Any]:
    """JSON-safe plain data, as the profile file holds it; NaN becomes None. The
    ``calibration`` key is there only when the profile has one."""
    calibration = {} if profile.calibration is None else {"calibration": _calibration_dict(profile.calibration)}
    return to_plain(
        {
            VERSION_KEY: profile.version,
            "created_at": iso_utc(profile.created_at),
            "source": profile.source,
            "n_rows": profile.n_rows,
            "columns": {
                "label": profile.label_column,
                "confidence": profile.confidence_column,
                "proba": list(profile.proba_columns),
            },
            "class_counts": dict(profile.class_counts),
            "class_shares": dict(profile.class_shares),
            "confidence": None if profile.confidence is None else vars(profile.confidence),
            "grid_levels": list(profile.grid_levels),
            "features": {name: _feature_dict(f) for name, f in profile.features.items()},
            **calibration,
        }
    )


def _calibration_dict(calibration: CalibrationProfile) -> dict[str, Any]:
    return {
        "actual": calibration.actual_column,
        "classes": list(calibration.classes),
        "calibrators": [None if c is None else c.to_dict() for c in calibration.calibrators],
        "confidence_range": list(calibration.confidence_range),
        "rows": calibration.rows,
        "accuracy": calibration.accuracy,
        "chunk_rows": calibration.chunk_rows,
        "chunk_accuracy": list(calibration.chunk_accuracy),
        "chunk_macro_f1": list(calibration.chunk_macro_f1),
    }


def _feature_dict(feature: FeatureProfile) -> dict[str, Any]:
    out = {"kind": feature.kind, **{k: v for k, v in vars(feature).items() if k != "kind"}}
    if isinstance(feature, NumericFeature):
        out["quantiles"] = {f"{q:g}": v for q, v in feature.quantiles.items()}
        out["bin_edges"] = list(feature.bin_edges)
        out["bin_counts"] = list(feature.bin_counts)
        out["grid"] = list(feature.grid)
        out["grid_counts"] = list(feature.grid_counts)
        out["value_counts"] = dict(feature.value_counts)
    return out


def not_a_profile(data: Any) -> str:
    """Why ``data`` (a parsed JSON document) is no profile, as an error message says it."""
    got = "an object without it" if isinstance(data, Mapping) else shown(data)
    return f"not a reference profile (expected an object with {VERSION_KEY}, got {got})"


def profile_from_dict(data: Any, origin: str = "<dict>") -> ReferenceProfile:
    """Validate plain data (as from :func:`profile_to_dict`) into a profile.
    Raises :class:`~mlmon.errors.ReferenceProfileError` naming ``origin`` and the field."""
    if not isinstance(data, dict) or VERSION_KEY not in data:
        raise ReferenceProfileError(f"{origin}: {not_a_profile(data)}")
    try:
        version = as_int(data[VERSION_KEY], VERSION_KEY)
        if version not in READABLE_VERSIONS:
            raise ReferenceProfileError(
                f"{origin}: reference profile version {version!r} is not supported (this mlmon reads "
                f"versions {', '.join(map(str, READABLE_VERSIONS))}); rebuild it with `mlmon reference build`"
            )
        return _profile(Obj(data), version)
    except FieldError as error:
        raise ReferenceProfileError(f"{origin}: corrupt reference profile: {error}") from None


def _profile(top: Obj, version: int) -> ReferenceProfile:
    columns = top.obj("columns") if top.raw("columns", None) is not None else Obj({}, "columns")
    proba = columns.array("proba") if columns.raw("proba", None) is not None else []
    counts, shares = _classes(top)
    conf = None if top.raw("confidence") is None else _confidence(top.obj("confidence"))
    features = top.obj("features")
    levels = _grid_levels(top) if version >= 2 else ()
    calibration = top.raw("calibration", None) if version >= 4 else None
    return ReferenceProfile(
        version=version,
        grid_levels=levels,
        created_at=as_time(top.raw("created_at"), top.at("created_at")),
        source=top.text("source"),
        n_rows=top.integer("n_rows"),
        label_column=columns.optional_text("label") if "label" in columns.data else None,
        confidence_column=columns.optional_text("confidence") if "confidence" in columns.data else None,
        proba_columns=tuple(as_text(v, f"{columns.at('proba')}[{i}]") for i, v in enumerate(proba)),
        class_counts=counts,
        class_shares=shares,
        confidence=conf,
        features={
            name: _feature(features.obj(name), levels if version >= 2 else None, version) for name in features.data
        },
        calibration=None if calibration is None else _calibration(top.obj("calibration"), proba),
    )


def _calibration(d: Obj, proba: list[Any]) -> CalibrationProfile:
    """The calibration of a version-4 profile: as many classes (different texts) as
    probability columns, one calibrator or null per class, numbers in their ranges."""
    classes = tuple(as_text(v, f"{d.at('classes')}[{i}]") for i, v in enumerate(d.array("classes")))
    if len(classes) < 2 or len(set(classes)) != len(classes) or len(classes) != len(proba):
        raise FieldError(d.at("classes"), "expected two or more different classes, one per probability column")
    slots = d.array("calibrators")
    if len(slots) != len(classes):
        raise FieldError(d.at("calibrators"), f"expected {len(classes)} calibrators or nulls, one per class")
    span = _numbers(d, "confidence_range", nullable=False)
    if len(span) != 2 or span[0] > span[1]:
        raise FieldError(d.at("confidence_range"), "expected [lowest, highest], two numbers in [0, 1]")
    chunk_accuracy, chunk_f1 = _numbers(d, "chunk_accuracy"), _numbers(d, "chunk_macro_f1")
    if len(chunk_accuracy) != len(chunk_f1):
        raise FieldError(d.at("chunk_macro_f1"), "expected one estimate per chunk, as chunk_accuracy")
    return CalibrationProfile(
        actual_column=d.text("actual"),
        classes=classes,
        calibrators=tuple(_calibrator(slot, f"{d.at('calibrators')}[{i}]") for i, slot in enumerate(slots)),
        confidence_range=(span[0], span[1]),
        rows=d.integer("rows"),
        accuracy=d.number("accuracy", low=0.0, high=1.0),
        chunk_rows=d.integer("chunk_rows"),
        chunk_accuracy=chunk_accuracy,
        chunk_macro_f1=chunk_f1,
    )


def _calibrator(slot: Any, field: str) -> Calibrator | None:
    from mlmon.stats.calibration import Calibrator

    if slot is None:
        return None
    if not isinstance(slot, Mapping):
        raise FieldError(field, f"expected an object or null, got {shown(slot)}")
    try:
        return Calibrator.from_dict(slot)
    except ValueError as error:
        raise FieldError(field, str(error)) from None


def _numbers(d: Obj, key: str, nullable: bool = True) -> tuple[float, ...]:
    """A list of numbers in [0, 1] (null as nan where ``nullable``)."""
    field = d.at(key)
    return tuple(
        as_number(v, f"{field}[{i}]", nullable=nullable, low=0.0, high=1.0) for i, v in enumerate(d.array(key))
    )


def _grid_levels(top: Obj) -> tuple[float, ...]:
    levels = tuple(
        as_number(x, f"{top.at('grid_levels')}[{i}]", nullable=False, low=0.0, high=1.0)
        for i, x in enumerate(top.array("grid_levels"))
    )
    if len(levels) < 2 or levels[0] != 0.0 or levels[-1] != 1.0 or not all(a < b for a, b in pairwise(levels)):
        raise FieldError(top.at("grid_levels"), "expected strictly increasing levels from 0 to 1")
    return levels


def _classes(top: Obj) -> tuple[dict[str, int], dict[str, float]]:
    counts_obj, shares_obj = top.obj("class_counts"), top.obj("class_shares")
    counts = {k: as_int(v, counts_obj.at(k)) for k, v in counts_obj.data.items()}
    shares = {k: as_number(v, shares_obj.at(k), nullable=False, low=0.0, high=1.0) for k, v in shares_obj.data.items()}
    if set(counts) != set(shares):
        raise FieldError("class_shares", "must name the same classes as class_counts")
    if shares and abs(sum(shares.values()) - 1.0) > 1e-6:
        raise FieldError("class_shares", f"shares must sum to 1, not {sum(shares.values()):.6g}")
    return counts, shares


def _confidence(conf: Obj) -> ConfidenceSummary:
    entropy = conf.raw("mean_entropy_bits", None)
    return ConfidenceSummary(
        count=conf.integer("count"),
        **{k: conf.number(k) for k in _CONFIDENCE_NUMBERS},
        std=conf.number("std", low=0.0),
        share_below_0_5=conf.number("share_below_0_5", low=0.0, high=1.0),
        mean_entropy_bits=None if entropy is None else conf.number("mean_entropy_bits", low=0.0),
    )


def _feature(d: Obj, levels: tuple[float, ...] | None, version: int) -> FeatureProfile:
    """One feature; ``levels`` are the profile's grid levels (None: version 1, no grid)."""
    kind = d.raw("kind")
    missing = 0 if levels is None else d.integer("missing")
    if kind == "categorical":
        cats = d.obj("category_counts")
        categories = {k: as_int(v, cats.at(k)) for k, v in cats.data.items()}
        return CategoricalFeature(
            d.integer("count"), d.number("missing_share", nullable=False, low=0.0, high=1.0), categories, missing
        )
    if kind != "numeric":
        raise FieldError(d.at("kind"), f'expected "numeric" or "categorical", got {shown(kind)}')
    edges, counts = _histogram(d)
    quantiles = d.obj("quantiles")
    grid = () if levels is None else _grid(d, len(levels))
    return NumericFeature(
        count=d.integer("count"),
        missing_share=d.number("missing_share", nullable=False, low=0.0, high=1.0),
        std=d.number("std", low=0.0),
        mean=d.number("mean"),
        min=d.number("min"),
        max=d.number("max"),
        quantiles={_level(k, quantiles): quantiles.number(k) for k in quantiles.data},
        bin_edges=edges,
        bin_counts=counts,
        missing=missing,
        grid=grid,
        grid_counts=_grid_counts(d, grid) if version >= 3 else (),
        value_counts={} if levels is None else _value_counts(d),
    )


def _value_counts(d: Obj) -> dict[str, int]:
    values = d.obj("value_counts")
    counts = {k: as_int(v, values.at(k)) for k, v in values.data.items()}
    if len(counts) > DISCRETE_VALUES:
        raise FieldError(d.at("value_counts"), f"expected at most {DISCRETE_VALUES} values, got {len(counts)}")
    for key in counts:
        try:
            float(key)
        except ValueError:
            raise FieldError(values.at(key), "expected a number as the key") from None
    return counts


def _grid(d: Obj, size: int) -> tuple[float, ...]:
    grid = tuple(as_number(x, f"{d.at('grid')}[{i}]", nullable=False) for i, x in enumerate(d.array("grid")))
    if grid and (len(grid) != size or not all(a <= b for a, b in pairwise(grid))):
        raise FieldError(d.at("grid"), f"expected {size} non-decreasing quantiles, one per grid level")
    count = d.integer("count")
    if bool(grid) != (count > 0):
        raise FieldError(d.at("grid"), "expected quantiles exactly when count is above 0")
    return grid


def _grid_counts(d: Obj, grid: tuple[float, ...]) -> tuple[int, ...]:
    counts = tuple(as_int(x, f"{d.at('grid_counts')}[{i}]") for i, x in enumerate(d.array("grid_counts")))
    cells = 2 * len(set(grid)) + 1 if grid else 0
    if len(counts) != cells:
        raise FieldError(d.at("grid_counts"), f"expected {cells} counts, two per distinct grid value and one more")
    if counts and (counts[0] or counts[-1] or sum(counts) != d.integer("count")):
        raise FieldError(
            d.at("grid_counts"), "expected counts that sum to count, with none below the minimum or above the maximum"
        )
    return counts


def _histogram(d: Obj) -> tuple[tuple[float, ...], tuple[int, ...]]:
    edges = tuple(as_number(x, f"{d.at('bin_edges')}[{i}]", nullable=False) for i, x in enumerate(d.array("bin_edges")))
    counts = tuple(as_int(x, f"{d.at('bin_counts')}[{i}]") for i, x in enumerate(d.array("bin_counts")))
    if not edges and not counts:
        return edges, counts
    constant = len(edges) == 2 and edges[0] == edges[1]
    if len(edges) < 2 or not (constant or all(a < b for a, b in pairwise(edges))):
        raise FieldError(
            d.at("bin_edges"), "expected at least two strictly increasing edges (or [c, c] for a constant feature)"
        )
    if len(counts) != len(edges) + 1:
        raise FieldError(
            d.at("bin_counts"), f"expected len(bin_edges) + 1 = {len(edges) + 1} counts, got {len(counts)}"
        )
    return edges, counts


def _level(key: str, levels: Obj) -> float:
    try:
        level = float(key)
    except ValueError:
        level = math.nan
    if not 0.0 <= level <= 1.0:
        raise FieldError(levels.at(key), "expected a quantile level between 0 and 1 as the key")
    return level
