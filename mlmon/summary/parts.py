"""The parts of a summary and the settings they were made with: which part each reducer
fills, and whether a summary suits a run.

A summary holds up to four parts, each one reducer's partial state: ``ops``
(:class:`~mlmon.analyses.ops.OpsReducer`), ``predictions``
(:class:`~mlmon.analyses.predictions.PredictionReducer`), ``features``
(:class:`~mlmon.analyses.feature_windows.FeatureReducer`, only when made with a reference)
and ``labels`` (:class:`~mlmon.analyses.labels.LabelJoinReducer`, only when made with
``--labels-join``: it keeps every prediction's request id until a run joins its label).
A run may also name a fifth part, ``estimated`` (:class:`~mlmon.analyses.estimated.EstimateReducer`,
CBPE's estimates: ``check``'s estimate rules), which no summary holds yet: a run of
summaries that needs it is refused.
A run's reducer is a :class:`~mlmon.analyses.composite.Composite` whose parts are named so
(:func:`composite`): its state, a mapping by those names, is what a summary writes, and a
run takes the parts its composite names. A state merges with another only when both were
reduced alike: versions judged apart or pooled alike, and for features the same reference
grids; its windows are the run's, or finer ones that the run's hold whole, which roll up
(:mod:`mlmon.summary.rollup`). Those settings travel with the summary and are checked
before anything merges.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mlmon.analyses.composite import Composite
from mlmon.analyses.estimated import EstimateReducer
from mlmon.analyses.feature_windows import FeatureReducer
from mlmon.analyses.labels import LabelJoinReducer
from mlmon.analyses.ops import OpsReducer
from mlmon.analyses.predictions import PredictionReducer
from mlmon.ingest.needs import ChunkReducer
from mlmon.reference.profile import CalibrationProfile, CategoricalFeature, NumericFeature
from mlmon.windows import WindowSpec, divides, window_option

OPS, PREDICTIONS, FEATURES, LABELS, ESTIMATED = "ops", "predictions", "features", "labels", "estimated"
"""The parts' names: a run's composite names its parts so, and a summary stores them so
(``estimated``: no summary yet)."""
PARTS = {
    OpsReducer: OPS,
    PredictionReducer: PREDICTIONS,
    FeatureReducer: FEATURES,
    LabelJoinReducer: LABELS,
    EstimateReducer: ESTIMATED,
}
"""Each reducer's part of a summary, by the reducer's class."""
PartReducer = OpsReducer | PredictionReducer | FeatureReducer | LabelJoinReducer | EstimateReducer
"""A reducer whose state a summary holds."""


@dataclass(frozen=True)
class ReferenceKey:
    """What a summary's feature states were counted against."""

    source: str | None
    """The reference as named when the summary was made (for messages only)."""
    fingerprint: str
    """``sha256:`` of what shapes a feature's state: each feature's name in order, kind,
    quantile grid (exact float text) and whether it is discrete (:func:`reference_fingerprint`)."""
    features: tuple[str, ...]
    """The reference's features, in its order."""


@dataclass(frozen=True)
class SummarySettings:
    """How a summary's states were reduced: what a run must share to merge them."""

    window: WindowSpec
    """Every part's windows (time windows or the whole range; never record counts)."""
    by_version: bool
    """Predictions judged per model version (True) or pooled."""
    reference: ReferenceKey | None
    """The reference the feature states were counted against; None: no ``features`` part."""
    since: datetime | None
    """``--since`` of the read that made it (records before it were left out)."""
    until: datetime | None
    """``--until`` of the read that made it."""
    fields: dict[str, str]
    """``--field`` mappings of that read (recorded; a summary's records are already read)."""
    features: tuple[str, ...]
    """``--features`` of that read (recorded, like ``fields``)."""
    calibration: str | None = None
    """``sha256:`` of the calibration its ``estimated`` states were made with
    (:func:`calibration_fingerprint`); None: no ``estimated`` part."""


def part_name(reducer: Any) -> str:
    """The part ``reducer`` fills; ``TypeError`` for a reducer no summary holds."""
    name = PARTS.get(type(reducer))
    if name is None:
        raise TypeError(f"summaries hold no state of {type(reducer).__name__}")
    return name


def composite(*reducers: ChunkReducer[Any]) -> Composite:
    """``reducers`` as one composite, each part named as a summary stores its state."""
    return Composite({part_name(reducer): reducer for reducer in reducers})


def summary_parts(reducer: Composite) -> list[tuple[str, PartReducer]]:
    """The composite's parts by name, in order; ``TypeError`` for a reducer whose state
    no summary holds."""
    parts: list[tuple[str, PartReducer]] = []
    for name, part in reducer.parts.items():
        if not isinstance(part, OpsReducer | PredictionReducer | FeatureReducer | LabelJoinReducer | EstimateReducer):
            raise TypeError(f"summaries hold no state of {type(part).__name__}")
        parts.append((name, part))
    return parts


def reference_fingerprint(features: Mapping[str, NumericFeature | CategoricalFeature]) -> str:
    """A hash of what shapes the feature states: per feature (in order) its name, kind,
    quantile grid (``repr`` of each float: exact) and whether it is discrete. Category
    counts and moments do not shape a state: references that differ only there give
    states that merge, and drift judges them against the run's own reference."""
    shape = [
        [name, "categorical"]
        if isinstance(f, CategoricalFeature)
        else [name, "numeric", [repr(float(g)) for g in f.grid], bool(f.value_counts)]
        for name, f in features.items()
    ]
    return "sha256:" + hashlib.sha256(json.dumps(shape, separators=(",", ":")).encode()).hexdigest()


def calibration_fingerprint(calibration: CalibrationProfile) -> str:
    """A hash of what shapes an ``estimated`` state: the classes in order, each calibrator's
    breakpoints (exact float text) and the calibrated confidence range. The band does not
    shape a state: references that differ only there give states that merge."""
    shape = [
        list(calibration.classes),
        [
            None if c is None else [[repr(float(v)) for v in c.x], [repr(float(v)) for v in c.y]]
            for c in calibration.calibrators
        ],
        [repr(float(v)) for v in calibration.confidence_range],
    ]
    return "sha256:" + hashlib.sha256(json.dumps(shape, separators=(",", ":")).encode()).hexdigest()


def _same_calibration(settings: SummarySettings, leaf: EstimateReducer) -> bool:
    return settings.calibration == calibration_fingerprint(leaf.calibration)


def mismatch(settings: SummarySettings, reducer: Composite, parts: Mapping[str, Any]) -> str | None:
    """Why a summary made with ``settings`` (holding ``parts``) cannot merge into a run
    of ``reducer``, part by part under the composite's names; None when it can (its
    windows may be finer: they roll up)."""
    for name, leaf in summary_parts(reducer):
        if isinstance(leaf, EstimateReducer) and name in parts and not _same_calibration(settings, leaf):
            return (
                "its estimates were made with another reference's calibration: make the summary with this run's "
                "--reference"
            )
        # the label join keeps each prediction's own time: any window can be cut from it
        if not isinstance(leaf, LabelJoinReducer) and not divides(settings.window, leaf.window):
            return window_mismatch(settings.window, leaf.window)
        if name not in parts:
            return _absent(name, leaf)
        if isinstance(leaf, PredictionReducer | LabelJoinReducer) and leaf.by_version != settings.by_version:
            made, run = ("per model version", "pooled") if settings.by_version else ("pooled", "per model version")
            return f"its predictions were counted {made}, this run counts them {run}"
        reference = settings.reference
        if (
            isinstance(leaf, FeatureReducer)
            and reference is not None
            and reference_fingerprint(leaf.reference) != reference.fingerprint
        ):
            return (
                f"its feature states were counted on the grids of another reference ({reference.source or 'unnamed'}, "
                f"features {', '.join(reference.features) or 'none'}): make the summaries with this run's --reference"
            )
    return None


def window_mismatch(made: WindowSpec, run: WindowSpec) -> str:
    """Why states kept per ``made`` window cannot give the run's ``run`` windows (``made``
    does not divide ``run``), and the ``--window`` values that can."""
    kept = "made over the whole range" if made.is_whole else f"made with {made.describe()}"
    if made.is_whole:
        return f"{kept}, which cannot be split into this run's {run.describe()}: run with --window all"
    fits = f"--window {window_option(made)} or a whole multiple of it"
    if run.records is not None:
        return f"{kept}; {run.describe()} cannot be made from a summary, which keeps no record: run with {fits}, or all"
    assert made.duration is not None and run.duration is not None
    if run.duration < made.duration:
        return f"{kept}, which cannot be split into this run's {run.describe()}: run with {fits}, or all"
    above = WindowSpec(duration=made.duration * -(-run.duration // made.duration))
    return (
        f"{kept}, which do not fit whole into this run's {run.describe()}: run with {fits} "
        f"(such as --window {window_option(above)}), or all"
    )


def _absent(name: str, leaf: Any) -> str:
    if isinstance(leaf, FeatureReducer):
        return (
            f"has no feature states (made without --reference), and this run judges {len(leaf.reference)} features: "
            "make the summary with --reference"
        )
    if isinstance(leaf, EstimateReducer):
        return (
            "holds no CBPE estimates (made without a calibrated --reference), which this run needs: make the summary "
            "with --reference REF built with reference build ... --actual"
        )
    if isinstance(leaf, LabelJoinReducer):
        return "has no labels part (made without --labels-join), and this run joins labels: make it with --labels-join"
    return f"has no {name} part, which this run needs"
