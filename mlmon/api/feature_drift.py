"""Data drift for ``mlmon drift``: the feature reducer a reference asks for, and the
numbers and verdicts of its windows (the orchestration between analyses and verdicts)."""

from __future__ import annotations

from mlmon.analyses.feature_summary import merged_state, summarize
from mlmon.analyses.feature_windows import FeatureReducer, FeatureWindows
from mlmon.analyses.features import feature_drift
from mlmon.reference.profile import ReferenceProfile
from mlmon.verdicts.feature_drift import FeatureDriftResult, judge_feature_drift, rank_features
from mlmon.verdicts.registry import FeatureDriftThresholds
from mlmon.windows import WindowSpec


def feature_reducer(reference: ReferenceProfile | None, window: WindowSpec) -> FeatureReducer | None:
    """The reducer that reads the reference's features, or None when there is nothing to
    compare (no reference, no features, a version-1 profile without grids)."""
    if reference is None or not reference.features or not reference.grid_levels:
        return None
    return FeatureReducer(reference.features, window)


def feature_result(
    found: FeatureWindows | None,
    reference: ReferenceProfile | None,
    thresholds: FeatureDriftThresholds,
) -> FeatureDriftResult:
    """Data drift's result: the windows ``found`` judged against ``reference``, or why no
    feature was read (``found`` None)."""
    if found is None or reference is None:
        return not_judged(reference, thresholds)
    return judge_features(found, reference, thresholds)


def not_judged(reference: ReferenceProfile | None, thresholds: FeatureDriftThresholds) -> FeatureDriftResult:
    """The result when no feature is read, saying why."""
    if reference is None:
        reason = "no reference profile (feature drift compares inputs with one: use --reference)"
    elif not reference.features:
        reason = f"the reference profile ({reference.source or 'unnamed'}) has no features"
    else:
        reason = (
            f"the reference profile ({reference.source or 'unnamed'}) is version 1, without quantile grids: "
            "rebuild it with mlmon reference build"
        )
    return FeatureDriftResult((), (), reason, {}, (), False, thresholds)


def judge_features(
    found: FeatureWindows, reference: ReferenceProfile, thresholds: FeatureDriftThresholds
) -> FeatureDriftResult:
    """Every feature in every window against ``reference``, judged together."""
    if not found.windows:
        reason = "the logs carry no inputs (no features object, and no --features fields)"
        return FeatureDriftResult((), (), reason, found.unprofiled, (), found.whole_range, thresholds)
    levels = reference.grid_levels
    measured = [
        (name, window.start, feature_drift(profile, window.states[name], levels))
        for window in found.windows
        for name, profile in reference.features.items()
    ]
    verdicts = judge_feature_drift(measured, thresholds)
    merged = {name: merged_state([w.states[name] for w in found.windows]) for name in reference.features}
    summaries = {
        name: summarize(reference.features[name], state, levels) for name, state in merged.items() if state is not None
    }
    absent = tuple(name for name, state in merged.items() if state is None or state.present == 0)
    return FeatureDriftResult(
        rank_features(verdicts, summaries), verdicts, None, found.unprofiled, absent, found.whole_range, thresholds
    )
