"""What ``drift`` and ``check`` require of the logs before they judge anything
(``mlmon.verdicts.needs``): a requested comparison whose field is in no record is exit 2,
and so is a reference that shares no class and no feature with the logs.

Which comparisons a run requests (``required``, check names):

* ``drift`` compares the logs with the reference: with a reference that holds class
  shares, logs that carry neither a label nor input features leave it nothing to compare,
  and that is exit 2 (``something``). Logs with features but no label get data drift,
  and prediction drift reads "not computed: no record carries a label", with the keys.
* ``feature_drift``: when the run names features (``--features``);
* any drift rule whose levels the config sets (``mlmon.cli.required``), and
  ``confidence_collapse`` when ``--confidence-drop`` or ``--low-confidence`` is given.

A rule left at its defaults is judged where the logs allow and reads unknown, with the
keys seen, where they do not: in ``check``, a rule never configured is not a gate. Each is
required only where the reference makes it possible (class shares, profiled features) and
the run kept records (no record at all is ``check``'s ``no_data``).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from mlmon.errors import ReferenceMismatchError
from mlmon.ingest.names import FEATURES as CARRIES_FEATURES
from mlmon.ingest.needs import FeatureNeeds, Needs
from mlmon.verdicts.needs import CONFIDENCE, PREDICTION_DRIFT, reference_mismatch, require_features, require_field
from mlmon.verdicts.registry import Check

if TYPE_CHECKING:
    from mlmon.analyses.predictions import PredictionWindow
    from mlmon.ingest.problems import IngestStats
    from mlmon.reference.profile import ReferenceProfile
    from mlmon.verdicts.feature_drift import FeatureDriftResult

PREDICTION, CONFIDENCE_CHECK, FEATURES = (
    Check.PREDICTION_DRIFT.value,
    Check.CONFIDENCE_COLLAPSE.value,
    Check.FEATURE_DRIFT.value,
)


def default_required(features_named: bool, features: bool = True) -> frozenset[str]:
    """The comparisons a run requests when its caller does not say: feature drift when
    features are named (``features_named``: ``--features``) and its rule is on."""
    return frozenset({FEATURES} if features and features_named else set())


def with_inputs_presence(needs: Needs) -> Needs:
    """``needs`` taking input features, none of them read: for a drift read that judges no
    feature against a reference with class shares, ``IngestStats.fields_found`` then says
    whether some record carries inputs (``features``: a ``features`` object, at the top
    level or in loguru's ``record.extra``, or a field named by ``--features``), in any
    line however late (:func:`_carries_inputs`). The object is not decoded
    (``mlmon.ingest.outcome``), so
    the read costs little more than one that leaves it out."""
    return needs if needs.features is not None else replace(needs, features=FeatureNeeds())


def require_drift_inputs(
    reference: ReferenceProfile | None,
    windows: Sequence[PredictionWindow],
    features: FeatureDriftResult | None,
    stats: IngestStats,
    required: Collection[str],
    *,
    something: bool = False,
) -> None:
    """Raise ``MissingFieldError`` for a requested comparison with no field to compare
    (and, with ``something``, when a reference with class shares meets logs with neither
    a label nor input features), and ``ReferenceMismatchError`` when the reference shares
    no class and no feature with the logs over the whole run. Nothing to say without a
    reference or records."""
    if reference is None or stats.records == 0:
        return
    predictions = sum(w.n for w in windows)
    if reference.class_shares and PREDICTION in required:
        require_field(stats, "label", PREDICTION, PREDICTION_DRIFT, predictions)
    if reference.features and FEATURES in required:
        require_features(stats, features is not None and features.reason is None)
    if predictions and CONFIDENCE_CHECK in required:
        require_field(stats, "confidence", CONFIDENCE_CHECK, CONFIDENCE, sum(w.n_confidence for w in windows))
    if something and reference.class_shares and not _carries_inputs(features, stats):
        require_field(
            stats,
            "label",
            PREDICTION,
            "drift has nothing to compare (no input features either): prediction drift",
            predictions,
        )
    _require_overlap(reference, windows, features)


def _carries_inputs(features: FeatureDriftResult | None, stats: IngestStats) -> bool:
    """Whether the logs carry input features: some were judged, or some line read held a
    ``features`` object or a named feature field (``stats.fields_found``, from the whole
    read: never the sample of keys that messages show)."""
    return (features is not None and features.reason is None) or CARRIES_FEATURES in stats.fields_found


def _require_overlap(
    reference: ReferenceProfile, windows: Sequence[PredictionWindow], features: FeatureDriftResult | None
) -> None:
    """Refuse a reference that shares nothing with the logs: no class predicted over the
    whole run is one of its classes, and no feature it profiles holds a value in any
    record (a class or feature missing from some windows is drift, judged as such).
    Nothing to say when the records kept hold neither predictions nor features."""
    shares, profiled = dict(reference.class_shares), tuple(reference.features)
    if not shares and not profiled:
        return
    log_classes = {label for w in windows for label, n in w.class_counts.items() if n}
    judged = features is not None and features.reason is None
    if not log_classes and not judged:
        return  # nothing kept to compare: a thin range, or a field already required above
    common_features = set(profiled) - set(features.only_in_reference) if judged and features is not None else set()
    if log_classes & set(shares) or common_features:
        return
    log_features = list(features.only_in_logs) if features is not None else []
    raise ReferenceMismatchError(
        reference_mismatch(shares, log_classes, profiled, log_features),
        check=PREDICTION if shares else FEATURES,
    )
