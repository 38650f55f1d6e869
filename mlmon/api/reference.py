"""``mlmon reference build``'s Python twin. Training data goes through
``mlmon.ingest.tables.read_table``; logs of a known-good period go through ingest, so every
dialect and ``--since``/``--until`` work. From logs, the predictions (label and confidence)
give the class shares and confidence, and the records that carry inputs give the features:
every key of their ``features`` objects (up to ``MAX_FEATURES``), plus ``--features``
fields and ``--field features.NAME=path`` mappings. A feature is numeric when at least half
of its values are numbers; its other values then count as missing in the profile.
The window's predictions and inputs are held in memory to profile (exact quantiles need
every value): a known-good day, not a year."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from mlmon.api.coerce import Inputs, as_inputs, check_fields, options_of
from mlmon.api.groups import refuse_by
from mlmon.config.specs import (
    CONFIDENCE_COLUMN,
    FEATURE_COLUMNS,
    FROM_LOGS,
    PROBA_COLS,
    REFERENCE_ACTUAL,
    REFERENCE_LABEL,
)
from mlmon.errors import UsageError
from mlmon.files import refuse_overwriting
from mlmon.ingest.discovery import files_read
from mlmon.ingest.features import HAS_FEATURES, feature_name
from mlmon.ingest.needs import FeatureNeeds, Needs
from mlmon.ingest.options import IngestOptions
from mlmon.ingest.reader import read_logs
from mlmon.ingest.tables import TABLE_READERS, read_table
from mlmon.plain import iso_utc
from mlmon.reference.build import build_profile
from mlmon.reference.profile import ReferenceProfile
from mlmon.reference.store import save_profile


@dataclass(frozen=True)
class ReferenceBuildOptions:
    """How to read the data and which columns mean what."""

    label: str = "label"
    """Label column (training data)."""
    confidence: str | None = None
    """Confidence column (training data)."""
    proba_cols: tuple[str, ...] | None = None
    """Probability columns (training data): ``"p_A,p_B"`` or a list."""
    features: tuple[str, ...] | None = None
    """Feature columns of training data (default every other numeric column); with logs,
    top-level fields read as features besides the ``features`` object."""
    from_logs: bool = False
    """Read the inputs as service logs."""
    actual: str | None = None
    """True-class column of a labelled table the model did not train on (training data
    only, with ``proba_cols``): the profile then holds a calibration for estimated
    performance."""
    ingest: IngestOptions = field(default_factory=IngestOptions)
    """How to read logs."""

    def __post_init__(self) -> None:
        """Parse and check every field as the CLI does, through its option spec
        (:mod:`mlmon.config.specs`): comma-separated names or sequences; ``ingest`` may be
        a dict. ``OptionError`` (a ``ValueError``) names the field and its flag."""
        object.__setattr__(self, "ingest", options_of(IngestOptions, self.ingest, "ingest"))
        check_fields(self, REFERENCE_BUILD_OPTIONS)


REFERENCE_BUILD_OPTIONS = {
    "label": REFERENCE_LABEL,
    "confidence": CONFIDENCE_COLUMN,
    "proba_cols": PROBA_COLS,
    "features": FEATURE_COLUMNS,
    "from_logs": FROM_LOGS,
    "actual": REFERENCE_ACTUAL,
}
"""``ReferenceBuildOptions``' own fields and their specs (the flags of ``mlmon reference build``)."""


def reads_as_logs(inputs: list[str] | tuple[str, ...], options: ReferenceBuildOptions) -> bool:
    if options.from_logs or options.ingest.since is not None or options.ingest.until is not None:
        return True
    return len(inputs) != 1 or Path(inputs[0]).is_dir() or Path(inputs[0]).suffix.lower() not in TABLE_READERS


def build_reference(
    inputs: Inputs, output: str | Path | None = None, options: ReferenceBuildOptions | None = None
) -> ReferenceProfile:
    """Profile ``inputs`` (a training table, or logs: a path, directory, glob or ``-``, or a
    sequence of them) and write the profile to ``output`` (when given)."""
    options = options_of(ReferenceBuildOptions, options)
    refuse_by(options.ingest, "reference build")
    inputs = as_inputs(inputs)
    refuse_overwriting({"the output": output}, [("the input", path) for path in files_read(inputs)])  # before any read
    if reads_as_logs(inputs, options):
        profile = _from_logs(inputs, options)
    else:
        table = read_table(inputs[0])
        profile = build_profile(
            table,
            label=options.label,
            confidence=options.confidence,
            proba_cols=list(options.proba_cols) if options.proba_cols else None,
            features=list(options.features) if options.features else None,
            source=str(inputs[0]),
            actual=options.actual,
        )
    if output is not None:
        save_profile(profile, output)
    return profile


def _from_logs(inputs: list[str] | tuple[str, ...], options: ReferenceBuildOptions) -> ReferenceProfile:
    if options.actual is not None:
        raise UsageError("--actual reads a table with the true classes (CSV, Parquet, JSON lines), not logs")
    ingest = dataclasses.replace(options.ingest, features=tuple(options.features or ()))
    logs = read_logs(inputs, ingest, Needs(("label", "confidence"), FeatureNeeds(discover="all")))
    frame = logs.frame.collect()
    predictions = frame.filter(pl.col("label").is_not_null()).select(pl.col("label").cast(pl.String), "confidence")
    inputs_frame = (
        typed_features(frame.filter(pl.col(HAS_FEATURES))) if HAS_FEATURES in frame.columns else pl.DataFrame()
    )
    if predictions.height == 0 and inputs_frame.width == 0:
        raise UsageError(
            f"{', '.join(inputs)}: nothing to profile: no prediction records (label) and no input features"
        )
    source = ", ".join(inputs) + _period(options.ingest)
    profile = build_profile(predictions, label="label", confidence="confidence", features=[], source=source)
    if inputs_frame.width == 0:
        return profile
    features = build_profile(inputs_frame, label=None, features=inputs_frame.columns).features
    return dataclasses.replace(profile, features=features)


def typed_features(rows: pl.DataFrame) -> pl.DataFrame:
    """The ``feature:<name>`` text columns of ``rows`` as one column per feature: numbers
    when at least half of the present values are numbers (the rest become missing),
    text otherwise."""
    columns = []
    for name in rows.columns:
        feature = feature_name(name)
        if feature is None:
            continue
        text = rows.get_column(name).cast(pl.String)
        numbers = text.str.strip_chars().cast(pl.Float64, strict=False)
        numeric = numbers.is_not_null().sum() * 2 >= text.is_not_null().sum() and numbers.is_not_null().any()
        columns.append((numbers if numeric else text).alias(feature))
    return pl.DataFrame(columns)


def _period(options: IngestOptions) -> str:
    parts = [
        f"since {iso_utc(options.since)}" if options.since else "",
        f"until {iso_utc(options.until)}" if options.until else "",
    ]
    text = ", ".join(p for p in parts if p)
    return f" ({text})" if text else ""
