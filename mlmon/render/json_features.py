"""The ``feature_drift`` section of ``mlmon drift --format json`` (README, "JSON output")."""

from __future__ import annotations

from typing import Any

from mlmon.plain import to_plain
from mlmon.verdicts.feature_drift import FeatureDriftResult, FeatureOutcome, FeatureVerdict, feature_drift_findings
from mlmon.verdicts.findings import Severity
from mlmon.verdicts.registry import Check


def feature_drift_payload(result: FeatureDriftResult | None) -> dict[str, Any] | None:
    """Data drift: the dataset counts, features ranked by drift with their summaries, and
    every (feature, window) verdict. None when the inputs were not read."""
    if result is None:
        return None
    return {
        "check": Check.FEATURE_DRIFT.value,
        "severity": feature_drift_findings(result)[0].severity.value,
        "reason": result.reason,
        "whole_range": result.whole_range,
        "features_compared": len(result.features),
        "drifted": result.count(Severity.WARNING) + result.count(Severity.CRITICAL),
        "critical": result.count(Severity.CRITICAL),
        "warning": result.count(Severity.WARNING),
        "unknown": result.count(Severity.UNKNOWN),
        "only_in_logs": dict(result.only_in_logs),
        "only_in_reference": list(result.only_in_reference),
        "features": [_feature(outcome) for outcome in result.features],
        "windows": [_window(verdict) for verdict in result.verdicts],
        "thresholds": to_plain(result.thresholds),
    }


def _feature(outcome: FeatureOutcome) -> dict[str, Any]:
    summary = outcome.summary
    return {
        "name": outcome.feature,
        "section": outcome.section,
        "kind": outcome.kind,
        "severity": outcome.severity.value,
        "first_drifted": to_plain(outcome.first_drifted),
        "worst_window": _window(outcome.worst),
        "reference": _distribution(summary.reference),
        "current": _distribution(summary.current),
        "histogram": to_plain({"bins": summary.bars.labels, "reference": summary.bars.reference, "current": summary.bars.current}),
    }


def _distribution(d: Any) -> dict[str, Any]:
    p5, p50, p95 = d.quantiles
    return to_plain({"n": d.n, "missing_share": d.missing_share, "mean": d.mean, "std": d.std, "p5": p5, "p50": p50, "p95": p95})


def _window(v: FeatureVerdict) -> dict[str, Any]:
    d = v.drift
    return to_plain({
        "feature": v.feature,
        "start": v.window,
        "severity": v.severity.value,
        "reason": v.reason,
        "n": d.n,
        "psi": d.psi,
        "p_value": d.p_value,
        "p_adjusted": v.p_adjusted,
        "ks": None if d.ks is None else {"low": d.ks.low, "high": d.ks.high},
        "wasserstein_sd": None if d.wasserstein_sd is None else {"value": d.wasserstein_sd.value, "bound": d.wasserstein_sd.bound},
        "mean_shift_sd": d.mean_shift_sd,
        "std_ratio": d.std_ratio,
        "js_distance": d.js_distance,
        "outside_share": d.outside_share,
        "unseen": d.unseen,
        "missing_share": d.missing_share,
        "reference_missing_share": d.reference_missing_share,
        "missing_p_adjusted": v.missing_p_adjusted,
    })
