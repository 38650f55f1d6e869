"""``mlmon performance``'s Python twin: is the model right, now that labels arrive?

``build_performance("logs/", PerformanceOptions(labels=("labels.csv",), window="1d"))``
joins the labels (records in the logs, and label tables) to the predictions by request id
(:mod:`mlmon.analyses.labels`), computes realized performance per model version and window
(:mod:`mlmon.analyses.performance`) and judges the mature windows
(:mod:`mlmon.verdicts.performance`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from mlmon.analyses.composite import ByPart, Composite
from mlmon.analyses.labels import JoinedRows, LabelJoinReducer
from mlmon.analyses.performance import realized
from mlmon.api.coerce import Inputs, OptionTypeError, as_inputs, check_fields, options_of
from mlmon.api.groups import refuse_by
from mlmon.api.inputs import open_inputs
from mlmon.api.reducers import Analyses
from mlmon.api.results import PerformanceReport
from mlmon.config.specs import BY_VERSION, REFERENCE, WINDOW
from mlmon.errors import InputError
from mlmon.ingest.label_tables import LabelTable, read_label_table
from mlmon.ingest.options import IngestOptions
from mlmon.options import RATIO, OptionSpec
from mlmon.reference.profile import CalibrationProfile
from mlmon.reference.store import load_reference
from mlmon.summary.parts import ESTIMATED, LABELS
from mlmon.units import Count
from mlmon.verdicts.estimates import estimate_findings
from mlmon.verdicts.performance import (
    MIN_COVERAGE,
    MIN_LABELLED,
    Maturity,
    accuracy_findings,
    judge_windows,
    with_estimates,
)
from mlmon.windows import WHOLE_BY_DEFAULT, WindowSpec

MIN_ACCURACY = OptionSpec(RATIO, "--min-accuracy", None, optional=True)
MIN_COVERAGE_SPEC = OptionSpec(RATIO, "--min-coverage", None, MIN_COVERAGE)
MIN_LABELLED_SPEC = OptionSpec(Count(1), "--min-labelled", None, MIN_LABELLED)


@dataclass(frozen=True)
class PerformanceOptions:
    """What to join and what to judge."""

    ingest: IngestOptions = field(default_factory=IngestOptions)
    """How to read the logs (its ``fields`` map label tables' columns too)."""
    window: WindowSpec = WHOLE_BY_DEFAULT
    """Windows by prediction time (``"1d"`` parses); not set: the whole range."""
    labels: tuple[str, ...] = ()
    """Label tables (CSV, Parquet or JSON lines) besides the label records in the logs."""
    min_accuracy: float | None = None
    """Judge accuracy against this minimum (``"90%"`` parses); None: not judged."""
    min_coverage: float = MIN_COVERAGE
    """Labelled share a window needs before it is judged."""
    min_labelled: int = MIN_LABELLED
    """Labels a window needs before it is judged."""
    by_version: bool = True
    """Keep model versions apart."""
    reference: str | os.PathLike[str] | None = None
    """A reference profile built with ``--actual`` (a calibration): CBPE estimates accuracy
    per window before the labels arrive, and the estimate is set against the realized one."""

    def __post_init__(self) -> None:
        """Parse and check every field as the CLI does; a single label table may be a string."""
        object.__setattr__(self, "ingest", options_of(IngestOptions, self.ingest, "ingest"))
        labels = (self.labels,) if isinstance(self.labels, str | os.PathLike) else self.labels
        if not isinstance(labels, tuple | list) or not all(isinstance(p, str | os.PathLike) for p in labels):
            raise OptionTypeError(f"labels (--labels) {labels!r}: expected label table paths")
        object.__setattr__(self, "labels", tuple(os.fspath(p) for p in labels))
        check_fields(self, PERFORMANCE_OPTIONS)


PERFORMANCE_OPTIONS = {
    "window": WINDOW,
    "min_accuracy": MIN_ACCURACY,
    "min_coverage": MIN_COVERAGE_SPEC,
    "min_labelled": MIN_LABELLED_SPEC,
    "by_version": BY_VERSION,
    "reference": REFERENCE,
}
"""``PerformanceOptions``' checked fields and their specs (flags of ``mlmon performance``)."""


def build_performance(inputs: Inputs, options: PerformanceOptions | None = None) -> PerformanceReport:
    """Read ``inputs`` and the label tables, join, and judge. Raises ``MlmonError`` on
    unusable input (a label table without an id or a truth column among them)."""
    options = options_of(PerformanceOptions, options)
    refuse_by(options.ingest, "performance")
    calibration = calibration_of(options.reference)
    run = open_inputs(as_inputs(inputs), options.ingest)
    options = replace(options, window=run.window(options.window))
    tables = [read_label_table(path, options.ingest.fields) for path in options.labels]
    reducer = Analyses(options.window, by_version=options.by_version, labels=True, estimates=calibration).reducer()
    state, stats = run.reduce(reducer)
    joined = joined_with_tables(reducer, state, tables)
    if joined.rows.height == 0:
        raise InputError("no prediction in the input: performance needs records with a predicted label")
    done = realized(joined, whole_range=options.window.duration is None)
    estimates = reducer.parts[ESTIMATED].finalize(state[ESTIMATED]) if ESTIMATED in reducer.parts else ()
    maturity = Maturity(options.min_coverage, options.min_labelled)
    judged = with_estimates(judge_windows(done.windows, maturity, options.min_accuracy), estimates)
    findings = (*accuracy_findings(judged, options.min_accuracy), *estimate_findings(judged))
    return PerformanceReport(stats, options.window, judged, done.counts, tuple(tables), maturity, findings)


def joined_with_tables(reducer: Composite, state: ByPart[Any], tables: Sequence[LabelTable]) -> JoinedRows:
    """The label join of a run's state (``labels`` part), the label tables' rows merged in."""
    join = reducer.parts[LABELS]
    assert isinstance(join, LabelJoinReducer)
    labels_state = state[LABELS]
    for table in tables:
        labels_state = join.merge(labels_state, join.labels_state(table.frame))
    return join.finalize(labels_state)


def calibration_of(reference: str | os.PathLike[str] | None) -> CalibrationProfile | None:
    """The calibration of the reference at ``reference`` (None: none given); ``InputError``
    when the reference has none."""
    if reference is None:
        return None
    profile = load_reference(reference)
    if profile.calibration is None:
        raise InputError(
            f"{os.fspath(reference)}: the reference has no calibration, so nothing can be estimated: build it from "
            "held-out labelled data with mlmon reference build ... --proba-cols ... --actual COLUMN"
        )
    return profile.calibration
