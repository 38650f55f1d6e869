"""The one place that builds the reducers a run needs, and the one runner that reads a
run's inputs with them.

A command says what it asks of its logs (:class:`Analyses`: operational numbers,
predictions, input features against a reference, on which windows); :meth:`Analyses.reducer`
gives the :class:`~mlmon.analyses.composite.Composite` that reads them in one pass, its
parts named as a summary stores them (``ops``, ``predictions``, ``features``), and
:func:`analyse` reduces the run's inputs (logs and summaries, :mod:`mlmon.api.inputs`)
and finalizes every part::

    run = open_inputs(inputs, ingest)
    window = run.window(options.window)
    found = analyse(run, Analyses(window, ops=True, predictions=True, reference=reference))
    found.ops, found.predictions, found.features, found.stats

``report``, ``drift`` and ``check`` call :func:`analyse`; ``summarize`` keeps the states
(:meth:`RunInputs.reduce <mlmon.api.inputs.RunInputs.reduce>` with :meth:`Analyses.reducer`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, cast

import polars as pl

from mlmon.analyses.composite import Before, Composite
from mlmon.analyses.estimated import EstimatedWindow, EstimateReducer
from mlmon.analyses.feature_windows import FeatureReducer, FeatureWindows
from mlmon.analyses.group_result import GroupResult
from mlmon.analyses.grouped import GROUPS, Grouped
from mlmon.analyses.labels import JoinedRows, LabelJoinReducer
from mlmon.analyses.ops import OpsReducer, OpsResult
from mlmon.analyses.predictions import PredictionReducer, PredictionWindow
from mlmon.api.inputs import RunInputs
from mlmon.errors import UsageError
from mlmon.ingest.needs import ChunkReducer, Needs
from mlmon.ingest.problems import IngestStats
from mlmon.reference.profile import CalibrationProfile, ReferenceProfile
from mlmon.summary.parts import ESTIMATED, FEATURES, LABELS, OPS, PREDICTIONS, composite, part_name
from mlmon.windows import WindowSpec


@dataclass(frozen=True)
class Analyses:
    """What a run asks of its logs: which analyses, on which windows."""

    window: WindowSpec
    """Every analysis' windows (the run's: ``RunInputs.window``)."""
    ops: bool = False
    """Operational numbers (throughput, latency, errors, resources)."""
    predictions: bool = False
    """Predictions per (model version, window): class counts and confidence."""
    by_version: bool = True
    """Predictions judged per model version (False: pooled)."""
    low_confidence: float | None = None
    """Confidence strictly below this counts in a window's ``share_below`` (None: not counted)."""
    reference: ReferenceProfile | None = None
    """Input features are read against this reference when it profiles some with quantile
    grids (:func:`~mlmon.api.feature_drift.feature_reducer`)."""
    features: bool = True
    """False: read no input feature even then (``check`` with ``feature_drift`` off)."""
    labels: bool = False
    """The label join too (``labels``: :class:`~mlmon.analyses.labels.LabelJoinReducer`)."""
    estimates: CalibrationProfile | None = None
    """CBPE's estimates with this calibration too (``estimated``:
    :class:`~mlmon.analyses.estimated.EstimateReducer`); None: not read."""
    label_vectors: bool = True
    """The label join keeps each prediction's probability vector (the Brier score, ROC AUC);
    False: it does not decode them (compare's accuracy needs only the classes)."""
    before: datetime | None = None
    """Every analysis but the label join reads only the records before this time (the join
    reads on: labels arrive after their predictions); None: every record."""
    note_inputs: bool = False
    """When no feature is read, the predictions still note whether some record carries
    input features (``IngestStats.fields_found``, :func:`~mlmon.api.drift_inputs.with_inputs_presence`)."""
    by: tuple[str, ...] = ()
    """``--by``: the ``ops`` and ``predictions`` analyses asked for also run per group of
    records (:class:`~mlmon.analyses.grouped.Grouped`, the ``groups`` part); empty: not split."""

    def feature_reducer(self) -> FeatureReducer | None:
        """The reducer of the input features, or None when none are read (no reference:
        none, without loading data drift's modules, which a run without one never needs)."""
        if not self.features or self.reference is None:
            return None
        from mlmon.api.feature_drift import feature_reducer

        return feature_reducer(self.reference, self.window)

    def reducer(self) -> Composite:
        """The analyses asked for, as one composite: ``ops``, ``predictions``, ``features``,
        ``labels``, ``estimated`` (in that order, the order they finalize in)."""
        parts: list[OpsReducer | PredictionReducer | FeatureReducer | LabelJoinReducer | EstimateReducer] = []
        if self.ops:
            parts.append(OpsReducer(self.window))
        features = self.feature_reducer()
        if self.predictions:
            predictions = PredictionReducer(self.window, self.by_version, low_threshold=self.low_confidence)
            if features is None and self.note_inputs:
                from mlmon.api.drift_inputs import with_inputs_presence

                predictions = replace(predictions, needs=with_inputs_presence(predictions.needs))
            parts.append(predictions)
        if features is not None:
            parts.append(features)
        if self.labels:
            join = LabelJoinReducer(self.window, self.by_version)
            if not self.label_vectors:
                vectors = ("probabilities", "probability_classes")
                join = replace(join, needs=Needs(tuple(c for c in join.needs.columns if c not in vectors)))
            parts.append(join)
        if self.estimates is not None:
            parts.append(EstimateReducer(self.window, self.by_version, calibration=self.estimates))
        if not parts:
            raise ValueError("a run asks for at least one analysis")
        if self.before is None:
            return self._grouped(composite(*parts))
        until = self.before
        wrapped: dict[str, Any] = {
            part_name(p): p if isinstance(p, LabelJoinReducer) else Before(cast("ChunkReducer[object]", p), until)
            for p in parts
        }
        return self._grouped(Composite(wrapped))

    def _grouped(self, whole: Composite) -> Composite:
        """``whole``, and with ``by`` its ``ops`` and ``predictions`` parts per group too."""
        split = {name: part for name, part in whole.parts.items() if name in (OPS, PREDICTIONS)}
        if not self.by or not split:
            return whole
        grouped = cast("ChunkReducer[object]", Grouped(Composite(split), self.by))
        return Composite({**whole.parts, GROUPS: grouped})


@dataclass(frozen=True)
class Analysed:
    """The results of a run's analyses."""

    stats: IngestStats
    """What was read and skipped."""
    ops: OpsResult | None
    """Operational numbers; None when not asked for."""
    predictions: tuple[PredictionWindow, ...]
    """Prediction windows (empty when not asked for)."""
    features: FeatureWindows | None
    """Input features per window; None when none were read."""
    labels: JoinedRows | None = None
    """The predictions joined to their labels; None when the join was not asked for."""
    estimates: tuple[EstimatedWindow, ...] = ()
    """CBPE's estimates per (model version, window); empty when not asked for."""
    groups: tuple[GroupResult[Analysed], ...] = field(default=())
    """With ``--by``: per group of records, its ``ops`` and ``predictions`` (the run's
    ``stats``); empty when not split."""

    @classmethod
    def of(cls, done: Mapping[str, object], stats: IngestStats) -> Analysed:
        """From a composite's finalized parts (:meth:`Analyses.reducer`)."""
        ops, predictions, features = done.get(OPS), done.get(PREDICTIONS, ()), done.get(FEATURES)
        assert ops is None or isinstance(ops, OpsResult)
        assert isinstance(predictions, tuple) and (features is None or isinstance(features, FeatureWindows))
        labels = done.get(LABELS)
        assert labels is None or isinstance(labels, JoinedRows)
        estimates = done.get(ESTIMATED, ())
        assert isinstance(estimates, tuple)
        split = done.get(GROUPS, ())
        assert isinstance(split, tuple)
        groups = tuple(replace(group, result=cls.of(group.result, stats)) for group in split)
        return cls(stats, ops, predictions, features, labels, estimates, groups)


def analyse(run: RunInputs, asked: Analyses) -> Analysed:
    """Read the run's inputs once with every analysis ``asked`` for and finalize them
    (predictions before features: their refusal names a better ``--window``)."""
    if asked.by and run.summaries:
        raise UsageError(
            f"--by {','.join(asked.by)}: summary files hold no groups; read the logs themselves "
            f"({', '.join(sorted(run.summaries))})"
        )
    reducer = asked.reducer()
    state, stats = run.reduce(reducer)
    return Analysed.of(reducer.finalize(state), stats)


def analyse_records(records: pl.DataFrame, asked: Analyses, stats: IngestStats) -> Analysed:
    """The same for canonical records already in memory, as one chunk."""
    reducer = asked.reducer()
    return Analysed.of(reducer.finalize(reducer.from_chunk(records)), stats)
