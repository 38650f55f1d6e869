"""The one significance-and-materiality rule (references/statistics/README.md), for prediction drift now and
feature drift later: p-values are adjusted with Benjamini-Hochberg across every tested
(window, scope), then a shift is a finding only when it is significant AND material, in
two tiers. Large n makes negligible shifts significant; a fixed effect bound alone misses
small real ones: the rule needs both.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from mlmon import stats
from mlmon.verdicts.findings import Severity


def two_tier_verdict(p_adjusted: float, effect: float, *, alpha: float, warning: float, critical: float) -> Severity:
    """Critical when ``p_adjusted < alpha`` and ``effect >= critical``; warning when
    ``p_adjusted < alpha`` and ``effect >= warning``; ok otherwise; unknown when either
    number is nan."""
    if not (math.isfinite(p_adjusted) and math.isfinite(effect)):
        return Severity.UNKNOWN
    if p_adjusted >= alpha:
        return Severity.OK
    if effect >= critical:
        return Severity.CRITICAL
    return Severity.WARNING if effect >= warning else Severity.OK


def adjust(p_values: Sequence[float], tested: Sequence[bool]) -> list[float]:
    """Benjamini-Hochberg adjusted p-values over the ``tested`` entries; nan elsewhere, so
    an untested window neither counts in the family nor gets a verdict."""
    chosen = [p if t else math.nan for p, t in zip(p_values, tested, strict=True)]
    return [float(p) for p in stats.benjamini_hochberg(chosen)]


def significance_reason(
    severity: Severity, effect_name: str, effect: float, p_adj: float, *, alpha: float, warning: float, critical: float
) -> str:
    """Why :func:`two_tier_verdict` said ``severity``, in words with the numbers."""
    if severity is Severity.UNKNOWN:
        return "not computable (a single class in reference and window)"
    sig = f"p_BH {_num(p_adj)} {'<' if p_adj < alpha else '>='} {alpha:g}"
    if severity is Severity.CRITICAL:
        return f"significant ({sig}) and {effect_name} {effect:.4f} >= {critical:g}"
    if severity is Severity.WARNING:
        return f"significant ({sig}) and {effect_name} {effect:.4f} >= {warning:g}"
    if p_adj >= alpha:
        return f"not significant ({sig}); {effect_name} {effect:.4f}"
    return f"significant ({sig}) but immaterial: {effect_name} {effect:.4f} < {warning:g}"


def _num(value: float) -> str:
    return f"{value:.3g}" if math.isfinite(value) else "n/a"
