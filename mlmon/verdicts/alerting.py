"""``mlmon check``'s rules: each rule's severity window by window for one scope, then
persistence (``for`` and ``keep_firing_for``, :mod:`mlmon.verdicts.rules`), then one
verdict per rule and scope, which the exit code reflects.

A scope's windows are the run's windows in time order, all of them: a window where the
scope has nothing to judge (no predictions of that version, no latency values) is unknown
there, so it breaks a run of breaching windows as :mod:`~mlmon.verdicts.rules` says.

The verdict is the persistence summary's (``exit_on``): ``last`` (firing now) or ``any``
(fired anywhere). Every window's raw and effective severity is kept for the renderers.
Plain Python: no polars.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from mlmon.plain import iso_utc
from mlmon.verdicts.findings import Finding, Levels, Severity, Unknown
from mlmon.verdicts.rules import DEFAULT_EXIT_ON, ExitOn, FiringRule, evaluate


@dataclass(frozen=True)
class AlertRule:
    """One rule of ``mlmon check``: its levels and its persistence."""

    enabled: bool = True
    """False: the rule is not evaluated."""
    warning: float | None = None
    """Warning level in the rule's unit (None: no warning tier)."""
    critical: float | None = None
    """Critical level in the rule's unit (None: no critical tier)."""
    firing: FiringRule = field(default_factory=FiringRule)
    """``for`` and ``keep_firing_for``, in windows."""

    @property
    def has_levels(self) -> bool:
        """True when at least one level is set: a rule without levels checks nothing."""
        return self.warning is not None or self.critical is not None


def psi_levels(warning: float | None, critical: float | None) -> tuple[float, float]:
    """(warning, critical) PSI bounds of a two-tier drift rule from its levels: a missing
    critical level never fires (inf); a missing warning level is the critical one (no
    warning tier)."""
    critical = critical if critical is not None else math.inf
    return (warning if warning is not None else critical), critical


@dataclass(frozen=True)
class Judged:
    """One window of one rule and scope, judged alone (before persistence)."""

    start: datetime | None
    """The window's start (None: the whole run is one window)."""
    severity: Severity
    """The rule's severity for this window alone."""
    value: float | None
    """The value judged (p99 ms, error ratio, PSI, fall of confidence, share); None: none."""
    reason: str
    """Why, in words with the numbers."""


@dataclass(frozen=True)
class RuleWindow:
    """One window after persistence."""

    start: datetime | None
    """The window's start (None: the whole run)."""
    raw: Severity
    """The rule's severity for this window alone."""
    effective: Severity
    """What fired here: the highest firing tier, else unknown or ok (``rules.WindowState``)."""
    held: bool
    """Firing only through ``keep_firing_for``."""
    value: float | None
    """The value judged."""
    reason: str
    """Why the raw severity, in words."""


@dataclass(frozen=True)
class RuleOutcome:
    """One rule and scope over the run: its windows, what fired, and the verdict."""

    rule: str
    """The rule: a ``Check`` name or ``no_data``."""
    scope: str
    """``all``, ``model_version=...``, ``model version``, ``feature=...``."""
    severity: Severity
    """The verdict the exit code reflects (``exit_on``)."""
    current: Severity
    """Firing now: the last window with a severity other than unknown."""
    worst: Severity
    """The highest effective severity of any window."""
    message: str
    """One sentence: what fired, where, and the worst window's reason."""
    value: float | None
    """The worst window's value."""
    threshold: float | None
    """The level that value was compared with (the breached one, else the lowest set)."""
    windows: tuple[RuleWindow, ...]
    """Every window, in time order."""
    fired: tuple[datetime | None, ...]
    """Starts of the windows where the rule fired."""
    firing: FiringRule
    """The persistence applied."""
    unknown: Unknown | None = None
    """Why the verdict is unknown (None: it is not)."""
    levels: Levels | None = None
    """The rule's warning and critical levels, in the unit of ``value`` (None: not said)."""

    def finding(self) -> Finding:
        """The finding every renderer shows and the exit code reads."""
        return Finding(
            self.rule, self.severity, self.message, self.value, self.threshold, self.scope, self.unknown, self.levels
        )


def decide(
    rule_name: str,
    scope: str,
    judged: Sequence[Judged],
    rule: AlertRule,
    exit_on: ExitOn = DEFAULT_EXIT_ON,
    show: Callable[[float], str] = "{:.4g}".format,
    *,
    minimum: bool = False,
) -> RuleOutcome:
    """Persistence over ``judged`` (one scope's windows, in time order), and the verdict.
    ``minimum``: the levels are minimums (accuracy), so among windows of one severity the
    lowest value is the worst."""
    run = evaluate([j.severity for j in judged], rule.firing.for_windows, rule.firing.keep_firing_for, exit_on)
    windows = tuple(
        RuleWindow(j.start, state.raw, state.effective, state.held, j.value, j.reason)
        for j, state in zip(judged, run.windows, strict=True)
    )
    fired = tuple(judged[i].start for i in run.fired)
    known = [j for j in judged if j.severity is not Severity.UNKNOWN]
    sign = -1.0 if minimum else 1.0
    top = (
        max(known, key=lambda j: (j.severity.rank, sign * j.value if j.value is not None else float("-inf")))
        if known
        else None
    )
    threshold = _threshold(top, rule)
    unknown = Unknown.MISSING_INPUT if run.verdict is Severity.UNKNOWN else None
    message = _message(judged, known, top, fired, run.verdict, run.current, rule, exit_on, show, minimum)
    return RuleOutcome(
        rule_name,
        scope,
        run.verdict,
        run.current,
        run.worst,
        message,
        None if top is None else top.value,
        threshold,
        windows,
        fired,
        rule.firing,
        unknown,
        Levels(rule.warning, rule.critical),
    )


def _threshold(top: Judged | None, rule: AlertRule) -> float | None:
    if top is not None and top.severity is Severity.CRITICAL:
        return rule.critical
    return rule.warning if rule.warning is not None else rule.critical


def _message(
    judged: Sequence[Judged],
    known: Sequence[Judged],
    top: Judged | None,
    fired: Sequence[datetime | None],
    verdict: Severity,
    current: Severity,
    rule: AlertRule,
    exit_on: ExitOn,
    show: Callable[[float], str],
    minimum: bool = False,
) -> str:
    if top is None:
        reason = judged[0].reason if judged else "no windows"
        return (
            f"not judged in any of {len(judged)} windows; the first: {reason}"
            if len(judged) > 1
            else f"not judged: {reason}"
        )
    where = f"{len(known)} judged window(s)" if len(judged) > 1 else "the run"
    if not fired:
        pending = sum(1 for j in known if j.severity.rank >= Severity.WARNING.rank)
        note = f"; {pending} breaching window(s) never reached for={rule.firing.for_windows}" if pending else ""
        shown = (
            f"; {'lowest' if minimum else 'largest'} {show(top.value)}"
            if top.value is not None and len(judged) > 1
            else f"; {top.reason}"
        )
        return f"ok in {where}{shown}{note}"
    first = _when(fired[0])
    head = f"fired in {len(fired)} of {len(judged)} window(s), first at {first}" if len(judged) > 1 else "fired"
    now = ""
    if exit_on is ExitOn.LAST and len(judged) > 1:
        now = "; firing now" if current.rank >= Severity.WARNING.rank else "; not firing now (cleared)"
    return f"{head}{now}; worst: {top.reason}"


def _when(start: datetime | None) -> str:
    return "the whole run" if start is None else iso_utc(start)


def align(judged: Iterable[Judged], starts: Sequence[datetime | None], missing: str) -> list[Judged]:
    """``judged`` placed on the run's window ``starts``; a start with none is unknown,
    ``missing`` the reason (a version without predictions in that window)."""
    by_start = {j.start: j for j in judged}
    return [by_start.get(start) or Judged(start, Severity.UNKNOWN, None, missing) for start in starts]


def share_severity(severities: Sequence[Severity], share: float) -> tuple[Severity, float]:
    """The severity held by at least ``share`` of the judged ``severities`` (unknown ones
    left out), and the share at warning or above: critical when that share of them is
    critical, else warning when that share is warning or above, else ok; unknown when none
    is judged. Evidently's dataset drift, with its ``drift_share`` (0.5), per tier."""
    judged = [s for s in severities if s is not Severity.UNKNOWN]
    if not judged:
        return Severity.UNKNOWN, float("nan")
    at_warning = sum(1 for s in judged if s.rank >= Severity.WARNING.rank) / len(judged)
    if sum(1 for s in judged if s is Severity.CRITICAL) / len(judged) >= share:
        return Severity.CRITICAL, at_warning
    return (Severity.WARNING if at_warning >= share else Severity.OK), at_warning
