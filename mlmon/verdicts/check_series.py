"""Each ``mlmon check`` rule's windows for each of its scopes, judged one by one
(:class:`~mlmon.verdicts.alerting.Judged`), on the run's window starts.

- ``latency_p99`` and ``error_rate``: the two-level budget rule (``budgets``) on each
  window's p99 and error ratio, for the whole input and, when the logs name more than one
  model/version, for each (a slow version can hide behind a fast one).
- ``prediction_drift`` and ``confidence_collapse``: the windows ``drift`` judges, per
  model version.
- ``feature_drift``: per feature (``feature=NAME``), and for the inputs as a whole
  (``all``): the severity held by at least ``drift_share`` of the judged features.
- ``no_data``: a window that lies wholly inside the run's range and holds no record is
  critical (the logs stopped); a partial window at either edge is not judged by this.

Plain Python: the analyses' result types are read by attribute, never imported at run time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, cast

from mlmon.plain import iso_utc
from mlmon.verdicts.alerting import AlertRule, Judged, align, share_severity
from mlmon.verdicts.budgets import error_rate_finding, p99_finding
from mlmon.verdicts.findings import Severity
from mlmon.verdicts.scopes import JudgedWindow, finite_or_none, scope

if TYPE_CHECKING:
    from mlmon.analyses.ops_types import WindowOps
    from mlmon.verdicts.feature_drift import FeatureDriftResult

Starts = Sequence[datetime | None]
"""The run's window starts, in time order; ``(None,)`` when the run is one window."""

NO_RECORDS = "no records in this window"


def latency_series(windows: Sequence[WindowOps], starts: Starts, rule: AlertRule, label: str = "all") -> list[Judged]:
    """p99 latency per window against the rule's levels (milliseconds)."""
    judged = []
    for w in windows:
        if not w.records:
            judged.append(Judged(w.start, Severity.UNKNOWN, None, NO_RECORDS))
            continue
        finding = p99_finding(w.p99_ms, rule.critical, label, warning_ms=rule.warning)
        judged.append(Judged(w.start, finding.severity, finding.value, finding.message))
    return align(keyed(judged, starts), starts, NO_RECORDS)


def error_series(windows: Sequence[WindowOps], starts: Starts, rule: AlertRule, label: str = "all") -> list[Judged]:
    """Errors / requests per window against the rule's levels (fractions)."""
    judged = []
    for w in windows:
        if not w.requests:
            judged.append(Judged(w.start, Severity.UNKNOWN, None, "no requests in this window"))
            continue
        errors = round((w.error_rate or 0.0) * w.requests)
        finding = error_rate_finding(w.error_rate, errors, w.requests, rule.critical, label, rule.warning)
        judged.append(Judged(w.start, finding.severity, finding.value, finding.message))
    return align(keyed(judged, starts), starts, "no requests in this window")


def versioned_series(
    windows: Iterable[JudgedWindow], starts: Starts, value: str, missing: str
) -> dict[str, list[Judged]]:
    """Drift or confidence windows (``model_version``, ``start``, ``severity``, ``reason``
    and the attribute ``value``) as one series per version scope. Confidence's value is
    its fall (``-change``)."""
    groups: dict[str, list[Judged]] = {}
    for w in windows:
        number = getattr(w, "change" if value == "fall" else value)
        number = -number if value == "fall" else number
        groups.setdefault(scope(w.model_version), []).append(
            Judged(w.start, w.severity, finite_or_none(number), w.reason)
        )
    return {name: align(keyed(series, starts), starts, missing) for name, series in groups.items()}


def feature_series(result: FeatureDriftResult, starts: Starts, drift_share: float) -> dict[str, list[Judged]]:
    """Per feature (``feature=NAME``), and the inputs as a whole (``all``), per window."""
    per_feature: dict[str, list[Judged]] = {}
    by_window: dict[datetime | None, list[Severity]] = {}
    for v in result.verdicts:
        # check's feature windows are keyed by their start (a verdict's window is any key)
        start = None if starts == (None,) or result.whole_range else cast("datetime | None", v.window)
        per_feature.setdefault(f"feature={v.feature}", []).append(
            Judged(start, v.severity, finite_or_none(v.drift.psi), v.reason)
        )
        by_window.setdefault(start, []).append(v.severity)
    missing = "no inputs in this window"
    series = {
        name: align(own, starts if not result.whole_range else (None,), missing) for name, own in per_feature.items()
    }
    shares = []
    for start, severities in by_window.items():
        severity, share = share_severity(severities, drift_share)
        drifted = sum(1 for s in severities if s.rank >= Severity.WARNING.rank)
        judged = sum(1 for s in severities if s is not Severity.UNKNOWN)
        reason = (
            f"{drifted} of {judged} judged features drifted ({share:.0%}; {drift_share:.0%} needed)"
            if judged
            else "no feature could be judged"
        )
        shares.append(Judged(start, severity, finite_or_none(share), reason))
    if shares:
        series = {"all": align(shares, starts if not result.whole_range else (None,), missing), **series}
    return series


def no_data_series(
    windows: Sequence[WindowOps], starts: Starts, every: timedelta | None, span: tuple[datetime, datetime] | None
) -> list[Judged]:
    """Critical for each window wholly inside ``span`` (the run's range) without a record;
    ok for a window with records; unknown for an empty partial window at an edge."""
    records: dict[datetime | None, int] = {w.start: w.records for w in windows}
    judged = []
    for start in starts:
        count = records.get(start, 0)
        if start is None or every is None or span is None:
            severity, reason = (
                (Severity.OK, f"{count:,} records") if count else (Severity.CRITICAL, "no records in the run")
            )
            judged.append(Judged(start, severity, float(count), reason))
        elif count:
            judged.append(Judged(start, Severity.OK, float(count), f"{count:,} records"))
        elif span[0] <= start and start + every <= span[1]:
            reason = (
                f"no records from {iso_utc(start)} to {iso_utc(start + every)}: the logs stopped or nothing was served"
            )
            judged.append(Judged(start, Severity.CRITICAL, 0.0, reason))
        else:
            judged.append(
                Judged(start, Severity.UNKNOWN, 0.0, "no records in this partial window at the edge of the run")
            )
    return judged


def silence_severity(last: datetime | None, now: datetime, rule: AlertRule) -> tuple[Severity, str]:
    """The age of the last record at ``now`` against the no_data rule's levels (seconds):
    over critical is critical, over warning a warning. Unknown when no level is set."""
    if not rule.has_levels:
        return Severity.UNKNOWN, "no silence level set"
    if last is None:
        return Severity.CRITICAL, "no record at all"
    age = (now - last).total_seconds()
    for severity, level in ((Severity.CRITICAL, rule.critical), (Severity.WARNING, rule.warning)):
        if level is not None and age > level:
            return (
                severity,
                f"last record {show_age(age)} ago ({iso_utc(last)}), "
                f"over the {show_age(level)} {severity.value} silence level",
            )
    bound = next(level for level in (rule.warning, rule.critical) if level is not None)
    return Severity.OK, f"last record {show_age(age)} ago, within {show_age(bound)}"


def show_age(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if abs(seconds) >= size:
            return f"{seconds / size:.3g}{unit}"
    return f"{seconds:.3g}s"


def keyed(judged: list[Judged], starts: Starts) -> list[Judged]:
    """A one-window run keys its only window as None, whatever its start."""
    if tuple(starts) == (None,):
        return [Judged(None, j.severity, j.value, j.reason) for j in judged[-1:]]
    return judged
