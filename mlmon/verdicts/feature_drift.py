"""Feature-drift verdicts: each (feature, window) is tested once, p-values are adjusted
with Benjamini-Hochberg across all of them, and a shift is a finding only when it is
significant AND material (``significance``). Materiality depends on the feature's kind:

* continuous: warning at Wasserstein-1 / reference sd >= 0.1 (Evidently's drift bound, a
  0.1 sd mean move), critical at PSI >= 0.25;
* discrete and categorical: warning at PSI >= 0.005 (a binary share from 50% to 46%),
  critical at PSI >= 0.25 (a new category holding 30% of rows gives about 2).

The numbers behind these bounds: ``references/statistics/feature_drift.md``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mlmon.verdicts.findings import Severity
from mlmon.verdicts.registry import FeatureDriftThresholds
from mlmon.verdicts.significance import adjust

if TYPE_CHECKING:
    from mlmon.analyses.features import FeatureDrift


@dataclass(frozen=True)
class FeatureVerdict:
    """One feature in one window, judged."""

    feature: str
    """The feature's name."""
    window: object
    """The window it was measured in (its start, or a key)."""
    drift: FeatureDrift
    """The numbers."""
    p_adjusted: float
    """Benjamini-Hochberg adjusted p-value (nan when not tested)."""
    severity: Severity
    """ok, warning, critical, or unknown (not computable, or too few values)."""
    reason: str
    """Why, in words with the numbers."""


def judge_feature_drift(measured: Sequence[tuple[str, object, FeatureDrift]], t: FeatureDriftThresholds | None = None) -> tuple[FeatureVerdict, ...]:
    """Verdicts for ``(feature, window, drift)`` triples, adjusted together."""
    t = t or FeatureDriftThresholds()
    tested = [d.unknown is None and d.n >= t.min_samples and math.isfinite(d.p_value) for _, _, d in measured]
    adjusted = adjust([d.p_value for _, _, d in measured], tested)
    return tuple(_judge(name, window, d, p, ok, t) for (name, window, d), p, ok in zip(measured, adjusted, tested))


def _judge(name: str, window: object, d: FeatureDrift, p_adj: float, tested: bool, t: FeatureDriftThresholds) -> FeatureVerdict:
    if not tested:
        why = d.unknown or (f"insufficient data: {d.n} values < {t.min_samples}" if d.n < t.min_samples else "not computable")
        return FeatureVerdict(name, window, d, p_adj, Severity.UNKNOWN, why)
    effect_name, effect, warning = _warning_effect(d, t)
    significant = p_adj < t.alpha
    sig = f"p_BH {p_adj:.3g} {'<' if significant else '>='} {t.alpha:g}"
    if not significant:
        return FeatureVerdict(name, window, d, p_adj, Severity.OK, f"not significant ({sig}); PSI {d.psi:.4f}")
    if d.psi >= t.critical_psi:
        return FeatureVerdict(name, window, d, p_adj, Severity.CRITICAL, f"significant ({sig}) and PSI {d.psi:.4f} >= {t.critical_psi:g}")
    if effect >= warning:
        return FeatureVerdict(name, window, d, p_adj, Severity.WARNING, f"significant ({sig}) and {effect_name} {effect:.4f} >= {warning:g}")
    return FeatureVerdict(name, window, d, p_adj, Severity.OK, f"significant ({sig}) but immaterial: {effect_name} {effect:.4f} < {warning:g}")


def _warning_effect(d: FeatureDrift, t: FeatureDriftThresholds) -> tuple[str, float, float]:
    if d.kind == "continuous" and d.wasserstein_sd is not None:
        return "Wasserstein/sd", d.wasserstein_sd.value, t.warning_wasserstein
    return "PSI", d.psi, t.warning_psi
