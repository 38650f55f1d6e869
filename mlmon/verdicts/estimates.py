"""Verdicts on CBPE's estimated accuracy (:mod:`mlmon.analyses.estimated`): below the
reference's band, and far from the realized accuracy once labels arrive.

* ``estimated_accuracy``, per model version: critical when a window's estimate lies below
  the reference's band (the reference chunks' mean estimate minus 3 standard deviations,
  NannyML's alert), naming the first such window (when the estimate saw it) and the
  lowest; ok when every known estimate is at or above it; unknown, with the reason, when
  no window has an estimate.
* ``estimate_gap``, per model version, on mature windows with an estimate: a warning when
  the realized accuracy differs from the estimate by more than the band's half-width plus
  the half-width of the realized accuracy's Wilson interval. CBPE assumes the model's
  calibration holds (no concept drift); a gap beyond both uncertainties is the one signal
  in production that it no longer does. Unknown when no window has both.
"""

from __future__ import annotations

from mlmon.plain import iso_utc
from mlmon.verdicts.findings import Finding, Severity, Unknown
from mlmon.verdicts.performance import JudgedWindow
from mlmon.verdicts.registry import Check
from mlmon.verdicts.scopes import scope


def estimate_findings(judged: tuple[JudgedWindow, ...]) -> tuple[Finding, ...]:
    """The two estimate findings per model version; none when no window has an estimate."""
    if all(j.estimate is None for j in judged):
        return ()
    versions = list(dict.fromkeys(j.window.model_version for j in judged))
    out: list[Finding] = []
    for version in versions:
        mine = [j for j in judged if j.window.model_version == version]
        out += [_estimated(mine, scope(version)), _gap(mine, scope(version))]
    return tuple(out)


def allowed_gap(j: JudgedWindow) -> float:
    """How far the realized accuracy may lie from the estimate before it is a finding."""
    assert j.estimate is not None
    band = (j.estimate.accuracy_high - j.estimate.accuracy_low) / 2
    return band + (j.window.accuracy_high - j.window.accuracy_low) / 2


def _estimated(judged: list[JudgedWindow], where: str) -> Finding:
    check = Check.ESTIMATED_ACCURACY.value
    known = [j for j in judged if j.estimate is not None and j.estimate.unknown is None]
    if not known:
        reasons = [j.estimate.unknown for j in judged if j.estimate is not None and j.estimate.unknown]
        why = reasons[0] if reasons else "no prediction to estimate"
        return Finding(
            check, Severity.UNKNOWN, f"no window has an estimate: {why}", scope=where, unknown=Unknown.NOT_COMPUTABLE
        )
    below = [j for j in known if j.estimate is not None and j.estimate.estimated_accuracy < j.estimate.accuracy_low]
    low = min(known, key=lambda j: j.estimate.estimated_accuracy if j.estimate else 0.0)
    e = low.estimate
    assert e is not None
    band = f"the reference's band {e.accuracy_low:.1%}-{e.accuracy_high:.1%}"
    if below:
        first = min(below, key=lambda j: j.window.start).estimate
        assert first is not None
        message = (
            f"estimated accuracy {first.estimated_accuracy:.1%} is below {band} from window {iso_utc(first.start)} "
            f"({len(below)} of {len(known)} windows below; lowest {e.estimated_accuracy:.1%})"
        )
        return Finding(check, Severity.CRITICAL, message, e.estimated_accuracy, e.accuracy_low, where)
    message = f"estimated accuracy is within or above {band} in every window; lowest {e.estimated_accuracy:.1%}"
    return Finding(check, Severity.OK, message, e.estimated_accuracy, e.accuracy_low, where)


def _gap(judged: list[JudgedWindow], where: str) -> Finding:
    check = Check.ESTIMATE_GAP.value
    both = [j for j in judged if j.gap is not None]
    if not both:
        message = "no window has both enough labels and an estimate"
        return Finding(check, Severity.UNKNOWN, message, scope=where, unknown=Unknown.MISSING_INPUT)
    worst = max(both, key=lambda j: abs(j.gap or 0.0) - allowed_gap(j))
    gap, allowed = worst.gap or 0.0, allowed_gap(worst)
    w = worst.window
    said = (
        f"realized accuracy {w.accuracy:.1%} ({w.labelled:,} labels) against the estimate "
        f"{w.accuracy + gap:.1%} in window {iso_utc(w.start)}: a gap of {abs(gap):.1%}"
    )
    if abs(gap) > allowed:
        message = (
            f"{said}, beyond the {allowed:.1%} the band and the labels allow: the model's calibration no longer "
            "holds (concept drift?)"
        )
        return Finding(check, Severity.WARNING, message, abs(gap), allowed, where)
    return Finding(
        check, Severity.OK, f"largest gap: {said}, within the {allowed:.1%} allowed", abs(gap), allowed, where
    )
