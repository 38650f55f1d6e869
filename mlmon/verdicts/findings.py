"""Severities and findings: what a check concluded, with the evidence behind it."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol


class Severity(enum.Enum):
    """Outcome of one check. ``rank`` orders them for ``--fail-on`` (unknown ranks lowest:
    a check that could not be computed never breaches by itself, but is always shown)."""

    OK = "ok"
    WARNING = "warning"
    CRITICAL = "critical"
    UNKNOWN = "unknown"

    @property
    def rank(self) -> int:
        return {"unknown": -1, "ok": 0, "warning": 1, "critical": 2}[self.value]

    def at_least(self, other: Severity) -> bool:
        """True when this severity is at or above ``other`` (for ``--fail-on``)."""
        return self.rank >= other.rank >= 1


class Unknown(str, enum.Enum):
    """Why a check reads unknown: JUnit skips the first and reports the second as an error."""

    MISSING_INPUT = "missing_input"
    """Nothing, or too little, to judge: no reference, too few samples, no such records."""
    NOT_COMPUTABLE = "not_computable"
    """The input was there but the check could not be computed from it."""


@dataclass(frozen=True)
class Levels:
    """A rule's two levels, in the units of the value it judges (as ``check_load -w -c``)."""

    warning: float | None = None
    """Past this the value is a warning (None: the rule has no warning tier)."""
    critical: float | None = None
    """Past this the value is critical (None: the rule has no critical tier)."""


@dataclass(frozen=True)
class Finding:
    """One check's verdict on one scope (the whole run, a model version, a window)."""

    check: str
    """Stable machine name of the check, e.g. ``latency_p99`` or ``prediction_drift``."""
    severity: Severity
    """The verdict."""
    message: str
    """One human sentence: what was found, with the value and the threshold."""
    value: float | None = None
    """The measured value the verdict is based on (None when not computable)."""
    threshold: float | None = None
    """The bound the value was compared against (None when not applicable)."""
    scope: str = "all"
    """What the finding covers: ``all``, a model/version, or a window start."""
    unknown: Unknown | None = None
    """Why an unknown finding is unknown, when the check says (None: not said; renderers
    then read the message)."""
    levels: Levels | None = field(default=None, metadata={"plain": False})
    """Both levels of the rule, whatever the severity (None: not said). ``threshold`` is the
    one level the value was compared with; Nagios perfdata needs both, in its warn and crit
    fields. Left out of the JSON, which has always had ``threshold`` alone."""


class HasSeverity(Protocol):
    """Anything judged: a finding, or a judged window."""

    @property
    def severity(self) -> Severity: ...


def worst(findings: Iterable[HasSeverity]) -> Severity:
    """The highest-ranked severity among ``findings``; OK for none, and OK when every one is
    unknown (unknown ranks below ok: it is shown, never a breach by itself)."""
    return max((Severity.OK, *(f.severity for f in findings)), key=lambda severity: severity.rank)


NO_CHECKS = "no checks"
"""The status of a result that holds no finding: nothing was checked, which is not ``ok``."""


def status_of(findings: list[Finding] | tuple[Finding, ...]) -> str:
    """A result's one-word status, shared by every result's ``status`` and the JSON output:
    the worst severity among the findings that could be judged (``ok``, ``warning``,
    ``critical``); ``unknown`` when every finding is unknown; :data:`NO_CHECKS` when there
    is no finding at all (no budget, no rule, no reference given)."""
    if not findings:
        return NO_CHECKS
    known = [f for f in findings if f.severity is not Severity.UNKNOWN]
    return worst(known).value if known else Severity.UNKNOWN.value


def exit_code(findings: list[Finding] | tuple[Finding, ...], fail_on: Severity = Severity.CRITICAL) -> int:
    """0 when no finding is at or above ``fail_on``, else 1 (a check breached)."""
    return 1 if any(f.severity.at_least(fail_on) for f in findings) else 0
