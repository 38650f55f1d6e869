"""Small shared pieces of the per-window judges: scopes, first breach, grouping by version."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime
from typing import Protocol, TypeVar

from mlmon.plain import iso_utc
from mlmon.verdicts.findings import Finding, Levels, Severity


class JudgedWindow(Protocol):
    """What the shared pieces read of a judged window (prediction drift, confidence)."""

    @property
    def model_version(self) -> str | None: ...

    @property
    def start(self) -> datetime: ...

    @property
    def severity(self) -> Severity: ...

    @property
    def reason(self) -> str: ...


W = TypeVar("W", bound=JudgedWindow)


def scope(version: str | None) -> str:
    """``all``, or ``model_version=<v>``."""
    return "all" if version is None else f"model_version={version}"


def first_breach(windows: Iterable[W]) -> W | None:
    """Earliest window (by start, any version) at warning or above."""
    breached = [w for w in windows if w.severity.rank >= Severity.WARNING.rank]
    return min(breached, key=lambda w: w.start) if breached else None


def by_version(windows: Iterable[W]) -> dict[str | None, list[W]]:
    """Windows grouped by model version, first seen first."""
    groups: dict[str | None, list[W]] = {}
    for w in windows:
        groups.setdefault(w.model_version, []).append(w)
    return groups


def window_finding(
    check: str, w: JudgedWindow, value: float, threshold: float, levels: Levels | None = None
) -> Finding:
    """A finding for one window, scoped to its version and start."""
    where = f"{scope(w.model_version)} window={iso_utc(w.start)}"
    return Finding(check, w.severity, w.reason, finite_or_none(value), threshold, where, levels=levels)


def finite_or_none(value: float | None) -> float | None:
    return float(value) if value is not None and math.isfinite(value) else None


def judged_severity(computable: bool, windows: Iterable[JudgedWindow]) -> Severity:
    """Worst window verdict; unknown when not computable or nothing could be judged."""
    known = [w.severity for w in windows if w.severity is not Severity.UNKNOWN]
    if not (computable and known):
        return Severity.UNKNOWN
    return max(known, key=lambda s: s.rank)
