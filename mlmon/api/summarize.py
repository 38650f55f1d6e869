"""``mlmon summarize``'s Python twin: every analysis' partial state of a read, to be merged
later with other summaries and logs by ``report``, ``drift`` and ``check``.

    summary = build_summary("/var/log/app/", SummaryOptions(reference="train.json"))
    write_summary(summary, "host-a.summary.json")

One read feeds what ``check`` runs: operational numbers, predictions per model version,
and, with a reference, the input features, all on the same windows. The default window
is ``check``'s (1h), so a summary serves ``check`` as it is; ``report``, ``drift`` and
``check`` take its windows when they are given no ``--window``, and roll its states up
into any window that is a whole multiple of them, or the whole range
(:mod:`mlmon.summary.rollup`); finer windows cannot be cut from it and are refused. A
summary of summaries, with no ``--window``, keeps theirs. Record-count windows are
refused: they keep every record.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from mlmon.api.check import DEFAULT_WINDOW
from mlmon.api.coerce import Inputs, OptionError, as_inputs, check_fields, options_of
from mlmon.api.groups import refuse_by
from mlmon.api.inputs import open_inputs
from mlmon.api.reducers import Analyses
from mlmon.config.specs import BY_VERSION, LABELS_JOIN, REFERENCE, WINDOW
from mlmon.errors import OutputError
from mlmon.files import refuse_overwriting, replace_file
from mlmon.ingest.options import IngestOptions
from mlmon.reference.profile import CalibrationProfile
from mlmon.reference.store import load_reference
from mlmon.summary.files import Summary, dumps
from mlmon.summary.parts import ReferenceKey, SummarySettings, calibration_fingerprint, reference_fingerprint
from mlmon.windows import WindowSpec


@dataclass(frozen=True)
class SummaryOptions:
    """What a summary holds."""

    ingest: IngestOptions = field(default_factory=IngestOptions)
    """How to read the logs. Input with no records gives an empty summary (a quiet host),
    not an error: the run that merges it judges the whole."""
    window: WindowSpec = DEFAULT_WINDOW
    """Time windows or the whole range (``"1h"``, ``"all"`` parse); default ``check``'s 1h."""
    reference: str | Path | None = None
    """Reference profile whose features are counted (None: no ``features`` part)."""
    by_version: bool = True
    """Count predictions per model version (as ``check`` and ``drift`` do by default)."""
    labels_join: bool = False
    """Also keep the label join's state (``labels``: every prediction's request id and time,
    every label), for ``performance``; None of it is kept by default."""

    def __post_init__(self) -> None:
        """Parse and check every field as the CLI does, through its option spec
        (:mod:`mlmon.config.specs`); ``ingest`` may be a dict. ``OptionError`` (a
        ``ValueError``) names the field; record-count windows are refused."""
        object.__setattr__(self, "ingest", options_of(IngestOptions, self.ingest, "ingest"))
        check_fields(self, SUMMARY_OPTIONS)
        if self.window.records is not None:
            raise OptionError(
                f"{WINDOW.named('window')} {self.window.records}: record-count windows keep every record, and a "
                "summary keeps none; "
                "use time windows (15m, 1h, 1d) or all"
            )


SUMMARY_OPTIONS = {"window": WINDOW, "reference": REFERENCE, "by_version": BY_VERSION, "labels_join": LABELS_JOIN}
"""``SummaryOptions``' own fields and their specs (``--window``, ``--reference``)."""


def build_summary(inputs: Inputs, options: SummaryOptions | None = None) -> Summary:
    """Read ``inputs`` (logs, and summaries to merge) once with every analysis. Raises
    ``MlmonError`` on unusable input or an incompatible summary."""
    options = options_of(SummaryOptions, options)
    refuse_by(options.ingest, "summarize")
    ingest = replace(options.ingest, allow_no_records=True)
    run = open_inputs(as_inputs(inputs), ingest)
    options = replace(options, window=run.window(options.window))
    reference = None if options.reference is None else load_reference(options.reference)
    # without features, the summary says whether its logs carry inputs, as a read for drift would
    asked = Analyses(
        options.window,
        ops=True,
        predictions=True,
        by_version=options.by_version,
        reference=reference,
        note_inputs=True,
        labels=options.labels_join,
        estimates=None if reference is None else reference.calibration,
    )
    state, stats = run.reduce(asked.reducer())
    calibration = None if reference is None else reference.calibration
    settings = summary_settings(options.window, options.by_version, options.reference, asked, ingest, calibration)
    return Summary(settings, stats, dict(state), created=datetime.now(UTC))


def summary_json(summary: Summary) -> str:
    """The summary file's text (``mlmon.summary.files`` documents the format)."""
    return dumps(summary)


def write_summary(summary: Summary, path: str | Path) -> int:
    """Write ``summary`` to the file ``path`` whole (a temporary file, then a rename), and
    return its size in bytes. ``OutputError`` when it cannot be written; ``UsageError``
    when ``path`` names a file the summary was made from, or its reference profile."""
    reference = summary.settings.reference
    read = [("the input", source) for source in summary.stats.files]
    if reference is not None and reference.source is not None:
        read.append(("the reference profile", reference.source))
    refuse_overwriting({"the summary": path}, read)
    text = dumps(summary)
    try:
        replace_file(Path(path), text, 0o644)
    except OSError as error:
        raise OutputError(f"{path}: cannot write the summary: {error.strerror or error}") from None
    return len(text.encode())


def summary_settings(
    window: WindowSpec,
    by_version: bool,
    reference_path: str | Path | None,
    analyses: Analyses,
    ingest: IngestOptions,
    calibration: CalibrationProfile | None,
) -> SummarySettings:
    """What a summary of ``analyses``' states was made with, which a later run checks before
    merging it: the window, versions split or not, the reference's features (by fingerprint),
    the read's time range, fields and features, and the calibration the estimates used."""
    features = analyses.feature_reducer()
    key = None
    if features is not None:
        key = ReferenceKey(str(reference_path), reference_fingerprint(features.reference), tuple(features.reference))
    return SummarySettings(
        window,
        by_version,
        key,
        ingest.since,
        ingest.until,
        dict(ingest.fields),
        tuple(ingest.features),
        None if calibration is None else calibration_fingerprint(calibration),
    )
