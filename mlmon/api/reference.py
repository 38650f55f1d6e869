"""``mlmon reference build``'s Python twin. Training data goes through
``mlmon.ingest.tables.read_table``; logs of a known-good period go through ingest, so every
dialect and ``--since``/``--until`` work, and give the prediction part of the profile
(class shares and confidence; logs' input features are not profiled yet). A log window's
predictions (label and confidence, about 12 bytes each) are held in memory to profile."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from mlmon.errors import UsageError
from mlmon.ingest.needs import Needs
from mlmon.ingest.reader import IngestOptions, read_logs
from mlmon.ingest.tables import TABLE_READERS, read_table
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
    """Probability columns (training data)."""
    features: tuple[str, ...] | None = None
    """Feature columns (training data; default every other numeric column)."""
    from_logs: bool = False
    """Read the inputs as service logs."""
    ingest: IngestOptions = field(default_factory=IngestOptions)
    """How to read logs."""


def reads_as_logs(inputs: list[str] | tuple[str, ...], options: ReferenceBuildOptions) -> bool:
    if options.from_logs or options.ingest.since is not None or options.ingest.until is not None:
        return True
    return len(inputs) != 1 or Path(inputs[0]).is_dir() or Path(inputs[0]).suffix.lower() not in TABLE_READERS


def build_reference(inputs: list[str] | tuple[str, ...], output: str | Path | None, options: ReferenceBuildOptions | None = None) -> ReferenceProfile:
    """Profile ``inputs`` and write the profile to ``output`` (when given)."""
    options = options or ReferenceBuildOptions()
    if reads_as_logs(inputs, options):
        logs = read_logs(inputs, options.ingest, Needs(("label", "confidence")))
        predictions = logs.frame.filter(pl.col("label").is_not_null()).select(pl.col("label").cast(pl.String), "confidence").collect()
        if predictions.height == 0:
            raise UsageError(f"{', '.join(inputs)}: no prediction records (label) to profile")
        source = ", ".join(inputs) + _period(options.ingest)
        profile = build_profile(predictions, label="label", confidence="confidence", features=[], source=source)
    else:
        table = read_table(inputs[0])
        profile = build_profile(
            table, label=options.label, confidence=options.confidence,
            proba_cols=list(options.proba_cols) if options.proba_cols else None,
            features=list(options.features) if options.features else None, source=str(inputs[0]),
        )
    if output is not None:
        save_profile(profile, output)
    return profile


def _period(options: IngestOptions) -> str:
    parts = [f"since {options.since.isoformat()}" if options.since else "", f"until {options.until.isoformat()}" if options.until else ""]
    text = ", ".join(p for p in parts if p)
    return f" ({text})" if text else ""
