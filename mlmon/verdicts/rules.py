"""Persistence over a run's windows (issue 11): Prometheus-style ``for`` and
``keep_firing_for``, as pure functions from per-window severities to what fired.

Input: the severities one rule gave one scope, window by window in time order, plus
``for_windows`` (N >= 1) and ``keep_firing_for`` (M >= 0). Plain Python; no polars, no numpy.

The rule, per tier
------------------
Warning and critical are two tiers, tracked separately, as two Prometheus alerting rules
with a ``severity`` label would be. A window *breaches* a tier when its severity ranks at or
above the tier's: a critical window breaches both tiers, a warning window only the warning
tier. Per tier:

- **pending**: the count of consecutive breaching windows ending at this one. The tier
  starts firing at the window where it reaches N (N = 1: the first breaching window), as
  Prometheus fires once the expression has held for ``for:``. One window that does not
  breach resets the count to 0, as Prometheus drops a pending alert whose expression
  stops returning the series.
- **keep_firing_for**: once firing, the tier keeps firing for M more windows after the last
  breaching one, then stops (M = 0: it stops at the first window that does not breach). A
  breach during those M windows continues the alert at once (no new ``for``) and restarts
  the M. Once it has stopped, firing again takes N consecutive breaching windows afresh.

A window's *effective* severity is the highest tier firing there; a window where neither
fires keeps its own severity when that is unknown and is ok otherwise (a window still
pending is ok: it has not fired). With the defaults (N = 1, M = 0) the effective severities
are the raw ones, unknown included: persistence changes nothing until it is asked to.

Unknown windows
---------------
An unknown window (too few samples, not computable) does not breach either tier, and it
counts as a window that does not breach: it resets the pending count, and it is one of the
M windows that ``keep_firing_for`` holds a firing alert through. So:

- it never starts or advances an alert: ``for`` asks for N consecutive windows of evidence
  of a breach, and a window without evidence breaks the run. ``breach, unknown, breach``
  with N = 2 does not fire. That is what Prometheus does when the series vanishes, and it
  is the side that keeps a cron job from paging on noise (docs/architecture.md: "no alert on noise").
- it does not end a firing alert sooner than a clean window would: a firing alert is held
  through up to M unknown or clean windows, as Prometheus holds one through
  ``keep_firing_for`` when its series vanishes. With M = 0 the unknown window is shown as
  unknown. Holding an alert through missing data for ever would show windows without data
  as critical; logs that stop are the silence check's finding, not this rule's.
- it is never shown as ok: not firing, it stays unknown.

Why not let unknown windows pass through without resetting (pytest's "skipped")? Then
``breach`` in hour 1 and ``breach`` in hour 7 with five sparse hours between would fire
with N = 2: two breaches are not a sustained one. And the defaults would no longer
reproduce the raw severities.

A run over many windows, and its exit code
------------------------------------------
mlmon keeps no state between runs. A run that covers many windows (an hourly cron job with
``--since 6h --window 1h``) evaluates the whole series from its first window, with every
count at 0 there; the state carries from window to window within the run. The run must
therefore reach back at least N windows (plus M to see a held alert) for ``for`` to be
able to fire, and its first and last windows are usually partial (windows align to the
epoch, the run's ``--since`` does not).

Which severity the exit code reflects is :class:`ExitOn`:

- ``last`` (the default, and ``mlmon check``'s for cron): is the rule firing *now*? The
  effective severity of the run's last window that has one other than unknown. An hourly
  cron job that pages should page while the condition fires, and stop once it has cleared
  (and M has run out); an episode that ended at 05:00 must not page again at 06:00, 07:00
  ... for as long as it stays inside the six-hour look-back. Trailing unknown windows are
  skipped because they say nothing about now: the usual one is the partial last hour (five
  minutes of data at 10:05), too small to judge, and it must not hide an alert that fired
  at 09:00-10:00.
- ``any``: did the rule fire anywhere in the run? The worst effective severity over every
  window. For a CI gate over a fixed log (a validation run, a replay) where any firing
  window should fail the step; with N = 1 and M = 0 it is "any window breached".
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from mlmon.verdicts.findings import Severity

TIERS = (Severity.WARNING, Severity.CRITICAL)
"""The tiers a rule can fire at, lowest first."""


class ExitOn(str, enum.Enum):
    """Which windows of a run its exit code reflects."""

    LAST = "last"
    """Firing now: the last window with a severity other than unknown (cron)."""
    ANY = "any"
    """Fired anywhere: the worst effective severity over the run (a CI gate)."""


DEFAULT_EXIT_ON = ExitOn.LAST
"""``mlmon check``'s default: an hourly cron job pages while the rule fires now, not for an
episode that ended hours ago inside its look-back."""


@dataclass(frozen=True)
class FiringRule:
    """``for`` and ``keep_firing_for`` in windows, checked when made. A user's values are
    parsed first by their option specs (``rules.NAME.for``, :func:`mlmon.config.specs.parse_rule`:
    the config file's and ``CheckOptions``' messages); this check guards the pure functions
    here (:func:`window_states`, :func:`evaluate`) called directly."""

    for_windows: int = 1
    """Consecutive breaching windows before a tier fires; 1 fires on the first."""
    keep_firing_for: int = 0
    """Windows a firing tier stays firing after its last breaching window; 0: none."""

    def __post_init__(self) -> None:
        for name, value, least in (("for_windows", self.for_windows, 1), ("keep_firing_for", self.keep_firing_for, 0)):
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"{name} must be a whole number of windows, not {value!r}")
            if value < least:
                raise ValueError(f"{name} must be at least {least} (windows), not {value}")


@dataclass(frozen=True)
class WindowState:
    """One window after persistence: what the rule said there and what fired."""

    index: int
    """Position of the window in the run, from 0."""
    raw: Severity
    """The rule's severity for this window alone."""
    effective: Severity
    """What fired: the highest firing tier; else unknown for an unknown window, else ok."""
    firing: bool
    """True when a tier fires here (``effective`` is warning or critical)."""
    held: bool
    """True when firing only through ``keep_firing_for``: this window does not breach at
    the effective tier (it is ok, unknown, or a lower tier)."""
    pending: int
    """Consecutive windows ending here that breach at warning or above (a critical counts):
    the count the warning tier compares with ``for_windows``; 0 when this one does not breach."""
    pending_critical: int
    """The same count for the critical tier: consecutive critical windows ending here."""


@dataclass(frozen=True)
class Persistence:
    """A run's windows after persistence, and the severity its exit code reflects."""

    windows: tuple[WindowState, ...]
    """One state per input window, in order."""
    fired: tuple[int, ...]
    """Indexes of the windows where a tier fires, in order."""
    first_firing: int | None
    """Index of the first firing window; None when none fired."""
    current: Severity
    """Firing now: the effective severity of the last window whose effective severity is
    not unknown (trailing unknown windows say nothing about now); unknown when none is."""
    worst: Severity
    """The highest effective severity in the run; unknown for no windows or only unknown."""
    exit_on: ExitOn
    """Which of ``current`` and ``worst`` is the verdict."""
    verdict: Severity
    """The severity the exit code reflects: ``current`` for ``last``, ``worst`` for ``any``."""

    def breaches(self, fail_on: Severity = Severity.CRITICAL) -> bool:
        """True when the verdict is at or above ``fail_on`` (exit code 1)."""
        return self.verdict.at_least(fail_on)


class _Tier:
    """One tier's state while the windows are walked."""

    def __init__(self, level: Severity, rule: FiringRule) -> None:
        self.level, self.rule = level, rule
        self.pending, self.firing, self.quiet = 0, False, 0

    def step(self, raw: Severity) -> bool:
        """Take one window; True when this tier breaches there."""
        breach = raw.rank >= self.level.rank  # unknown ranks -1: never a breach
        if breach:
            self.pending, self.quiet = self.pending + 1, 0
            self.firing = self.firing or self.pending >= self.rule.for_windows
        else:
            self.pending = 0
            if self.firing:
                self.quiet += 1
                self.firing = self.quiet <= self.rule.keep_firing_for
        return breach


def window_states(
    severities: Iterable[Severity], for_windows: int = 1, keep_firing_for: int = 0
) -> tuple[WindowState, ...]:
    """Walk ``severities`` (one rule, one scope, time order) and say per window what fires.

    Raises ``ValueError`` for ``for_windows < 1`` or ``keep_firing_for < 0``, ``TypeError``
    for a count that is not an int or an item that is not a :class:`Severity`."""
    rule = FiringRule(for_windows, keep_firing_for)
    warning, critical = _Tier(Severity.WARNING, rule), _Tier(Severity.CRITICAL, rule)
    states = []
    for index, raw in enumerate(severities):
        if not isinstance(raw, Severity):
            raise TypeError(f"window {index}: expected a Severity, not {raw!r}")
        breaches = {Severity.WARNING: warning.step(raw), Severity.CRITICAL: critical.step(raw)}
        top = critical if critical.firing else warning if warning.firing else None
        quiet = Severity.UNKNOWN if raw is Severity.UNKNOWN else Severity.OK
        effective = quiet if top is None else top.level
        states.append(
            WindowState(
                index=index,
                raw=raw,
                effective=effective,
                firing=top is not None,
                held=top is not None and not breaches[top.level],
                pending=warning.pending,
                pending_critical=critical.pending,
            )
        )
    return tuple(states)


def summarize(windows: Sequence[WindowState], exit_on: ExitOn | str = DEFAULT_EXIT_ON) -> Persistence:
    """The run's summary of :func:`window_states`' output; ``exit_on`` is ``last`` or ``any``."""
    mode = _exit_on(exit_on)
    fired = tuple(w.index for w in windows if w.firing)
    known = [w.effective for w in windows if w.effective is not Severity.UNKNOWN]
    current = known[-1] if known else Severity.UNKNOWN
    worst = max(known, key=lambda s: s.rank) if known else Severity.UNKNOWN
    return Persistence(
        windows=tuple(windows),
        fired=fired,
        first_firing=fired[0] if fired else None,
        current=current,
        worst=worst,
        exit_on=mode,
        verdict=current if mode is ExitOn.LAST else worst,
    )


def evaluate(
    severities: Iterable[Severity],
    for_windows: int = 1,
    keep_firing_for: int = 0,
    exit_on: ExitOn | str = DEFAULT_EXIT_ON,
) -> Persistence:
    """:func:`window_states` then :func:`summarize`: one rule and scope over a run."""
    mode = _exit_on(exit_on)
    return summarize(window_states(severities, for_windows, keep_firing_for), mode)


def _exit_on(value: ExitOn | str) -> ExitOn:
    try:
        return ExitOn(value)
    except ValueError:
        raise ValueError(f"exit_on must be 'last' or 'any', not {value!r}") from None
