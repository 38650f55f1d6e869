"""Persistence over a run's windows (issue 11): ``for`` and ``keep_firing_for``, per tier.

Every expected row is worked by hand from the rule in ``mlmon.verdicts.rules.py``.
Series are written one letter a window: O ok, W warning, C critical, U unknown. An expected
row is ``(effective, held, pending, pending_critical)`` per window.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlmon.verdicts.findings import Severity
from mlmon.verdicts.rules import (
    DEFAULT_EXIT_ON,
    ExitOn,
    FiringRule,
    WindowState,
    evaluate,
    summarize,
    window_states,
)

LETTERS = {"O": Severity.OK, "W": Severity.WARNING, "C": Severity.CRITICAL, "U": Severity.UNKNOWN}
PROPERTY = settings(max_examples=200, deadline=None, derandomize=True, database=None)


def series(text: str) -> list[Severity]:
    return [LETTERS[c] for c in text.replace(" ", "")]


def effective(states: tuple[WindowState, ...]) -> str:
    letter = {v: k for k, v in LETTERS.items()}
    return "".join(letter[s.effective] for s in states)


def rows(states: tuple[WindowState, ...]) -> list[tuple[str, bool, int, int]]:
    """Each window as ``(effective letter, held, pending, pending_critical)``; checks on the
    way that ``index``, ``raw`` and ``firing`` say what they must."""
    letter = {v: k for k, v in LETTERS.items()}
    for i, s in enumerate(states):
        assert s.index == i
        assert s.firing == (s.effective in (Severity.WARNING, Severity.CRITICAL))
    return [(letter[s.effective], s.held, s.pending, s.pending_critical) for s in states]


# --- for: N consecutive breaching windows ----------------------------------------------


@pytest.mark.parametrize("raw", ["COCOCO", "WOWOWO", "CUCUCU", "OCOCOCOC"])
@pytest.mark.parametrize("keep", [0, 3])
def test_a_flapping_series_never_fires_with_for_2(raw, keep):
    states = window_states(series(raw), for_windows=2, keep_firing_for=keep)
    assert [s.firing for s in states] == [False] * len(raw)
    assert max(s.pending for s in states) == 1
    result = evaluate(series(raw), for_windows=2, keep_firing_for=keep, exit_on="any")
    assert result.fired == () and result.first_firing is None and not result.breaches(Severity.WARNING)


def test_flapping_rows_by_hand():
    assert rows(window_states(series("COCO"), for_windows=2)) == [
        ("O", False, 1, 1),
        ("O", False, 0, 0),
        ("O", False, 1, 1),
        ("O", False, 0, 0),
    ]


@pytest.mark.parametrize(
    "for_windows, expected, first",
    [(1, "OCCCC", 1), (2, "OOCCC", 2), (3, "OOOCC", 3), (4, "OOOOC", 4), (5, "OOOOO", None)],
)
def test_a_sustained_breach_fires_at_its_nth_window_and_not_before(for_windows, expected, first):
    states = window_states(series("OCCCC"), for_windows=for_windows)
    assert effective(states) == expected
    assert [s.pending for s in states] == [0, 1, 2, 3, 4]
    assert [s.pending_critical for s in states] == [0, 1, 2, 3, 4]
    result = evaluate(series("OCCCC"), for_windows=for_windows)
    assert result.first_firing == first
    assert result.fired == (() if first is None else tuple(range(first, 5)))


def test_for_3_rows_by_hand():
    assert rows(window_states(series("OCCCCO"), for_windows=3)) == [
        ("O", False, 0, 0),
        ("O", False, 1, 1),
        ("O", False, 2, 2),
        ("C", False, 3, 3),
        ("C", False, 4, 4),
        ("O", False, 0, 0),
    ]


def test_one_clean_window_resets_the_count():
    # C C O C C C with for=3: the O at 2 resets; 3, 4, 5 count 1, 2, 3 and fire at 5.
    assert rows(window_states(series("CCOCCC"), for_windows=3)) == [
        ("O", False, 1, 1),
        ("O", False, 2, 2),
        ("O", False, 0, 0),
        ("O", False, 1, 1),
        ("O", False, 2, 2),
        ("C", False, 3, 3),
    ]


# --- keep_firing_for: M windows after it clears ----------------------------------------


@pytest.mark.parametrize("keep, expected", [(0, "COOOO"), (1, "CCOOO"), (2, "CCCOO"), (3, "CCCCO"), (4, "CCCCC")])
def test_keep_firing_for_holds_exactly_m_windows_after_it_clears(keep, expected):
    states = window_states(series("COOOO"), keep_firing_for=keep)
    assert effective(states) == expected
    assert [s.held for s in states] == [False] + [True] * keep + [False] * (4 - keep)


def test_keep_2_rows_by_hand():
    assert rows(window_states(series("COOOO"), keep_firing_for=2)) == [
        ("C", False, 1, 1),
        ("C", True, 0, 0),
        ("C", True, 0, 0),
        ("O", False, 0, 0),
        ("O", False, 0, 0),
    ]


def test_a_re_breach_within_keep_continues_firing_and_restarts_the_hold():
    # for=2, keep=2: fires at 1; 2 held (1 of 2); the breach at 3 continues the alert with
    # pending 1 (no new for) and restarts the hold; 4 and 5 held; 6 is the third clean one.
    assert rows(window_states(series("CCOCOOO"), for_windows=2, keep_firing_for=2)) == [
        ("O", False, 1, 1),
        ("C", False, 2, 2),
        ("C", True, 0, 0),
        ("C", False, 1, 1),
        ("C", True, 0, 0),
        ("C", True, 0, 0),
        ("O", False, 0, 0),
    ]


def test_after_the_hold_runs_out_firing_again_takes_for_afresh():
    # for=2, keep=1: fires at 1, held at 2, stops at 3; 4 is pending 1 again, fires at 5.
    assert effective(window_states(series("CCOOCC"), for_windows=2, keep_firing_for=1)) == "OCCOOC"


# --- warning and critical tiers ----------------------------------------------------------


def test_two_warnings_then_two_criticals_with_for_2():
    # The warning tier counts W and C: 1, 2, 3, 4, firing from 1. The critical tier counts
    # only C: 0, 0, 1, 2, firing at 3. Window 2 is critical raw but warning effective.
    assert rows(window_states(series("WWCC"), for_windows=2)) == [
        ("O", False, 1, 0),
        ("W", False, 2, 0),
        ("W", False, 3, 1),
        ("C", False, 4, 2),
    ]


def test_two_criticals_then_two_warnings_with_for_2():
    # keep=0: the critical tier stops at 2, the warning tier goes on firing.
    assert rows(window_states(series("CCWW"), for_windows=2)) == [
        ("O", False, 1, 1),
        ("C", False, 2, 2),
        ("W", False, 3, 0),
        ("W", False, 4, 0),
    ]
    # keep=1: the critical tier is held through 2 (a warning window: held), stops at 3.
    assert rows(window_states(series("CCWW"), for_windows=2, keep_firing_for=1)) == [
        ("O", False, 1, 1),
        ("C", False, 2, 2),
        ("C", True, 3, 0),
        ("W", False, 4, 0),
    ]


def test_flapping_criticals_inside_a_sustained_warning_stay_warning():
    assert rows(window_states(series("WCWC"), for_windows=2)) == [
        ("O", False, 1, 0),
        ("W", False, 2, 1),
        ("W", False, 3, 0),
        ("W", False, 4, 1),
    ]


# --- unknown windows ---------------------------------------------------------------------


def test_an_unknown_window_does_not_breach_and_resets_the_pending_count():
    # breach, unknown, breach with for=2: no two consecutive windows of evidence.
    assert rows(window_states(series("CUC"), for_windows=2)) == [
        ("O", False, 1, 1),
        ("U", False, 0, 0),
        ("O", False, 1, 1),
    ]
    assert rows(window_states(series("UWU"), for_windows=1)) == [
        ("U", False, 0, 0),
        ("W", False, 1, 0),
        ("U", False, 0, 0),
    ]


def test_an_unknown_window_counts_towards_keep_firing_for_like_a_clean_one():
    # for=1, keep=1: 1 is held (raw unknown, effective critical); 2 is the second window
    # without a breach, so the alert has stopped and the window shows unknown.
    states = window_states(series("CUUO"), keep_firing_for=1)
    assert rows(states) == [("C", False, 1, 1), ("C", True, 0, 0), ("U", False, 0, 0), ("O", False, 0, 0)]
    assert states[1].raw is Severity.UNKNOWN
    # keep=0: each window as judged alone.
    assert effective(window_states(series("CUUO"))) == "CUUO"


def test_exit_on_last_skips_a_trailing_unknown_window():
    # The partial last hour of a cron run: too few samples to judge. It does not hide the
    # alert that fired in the hour before it.
    result = evaluate(series("OCCCU"), for_windows=3)
    assert effective(result.windows) == "OOOCU"
    assert (result.current, result.worst, result.verdict) == (Severity.CRITICAL,) * 3
    assert result.breaches()
    # Not yet fired before the unknown window: the latest judged window is ok (pending).
    result = evaluate(series("OCCU"), for_windows=3)
    assert effective(result.windows) == "OOOU"
    assert (result.current, result.verdict) == (Severity.OK, Severity.OK)


def test_only_unknown_windows_are_unknown_and_never_breach():
    for mode in ExitOn:
        result = evaluate(series("UUU"), exit_on=mode)
        assert effective(result.windows) == "UUU"
        assert (result.current, result.worst, result.verdict) == (Severity.UNKNOWN,) * 3
        assert not result.breaches(Severity.WARNING)


# --- the run's verdict -------------------------------------------------------------------


def test_last_reflects_firing_now_and_any_reflects_firing_anywhere():
    # An episode at 0-1, held through 2 (keep=1), over by 3.
    last = evaluate(series("CCOOOO"), keep_firing_for=1)
    assert effective(last.windows) == "CCCOOO"
    assert last.fired == (0, 1, 2) and last.first_firing == 0
    assert last.exit_on is ExitOn.LAST is DEFAULT_EXIT_ON
    assert (last.current, last.worst, last.verdict) == (Severity.OK, Severity.CRITICAL, Severity.OK)
    assert not last.breaches(Severity.WARNING)
    anywhere = evaluate(series("CCOOOO"), keep_firing_for=1, exit_on="any")
    assert anywhere.exit_on is ExitOn.ANY and anywhere.verdict is Severity.CRITICAL
    assert anywhere.breaches() and anywhere.windows == last.windows


def test_the_verdict_against_fail_on():
    result = evaluate(series("OWW"), for_windows=2)
    assert effective(result.windows) == "OOW" and result.verdict is Severity.WARNING
    assert result.breaches(Severity.WARNING) and not result.breaches(Severity.CRITICAL)


def test_summarize_matches_evaluate():
    states = window_states(series("OWCCO"), for_windows=2, keep_firing_for=1)
    assert summarize(states, "any") == evaluate(series("OWCCO"), 2, 1, ExitOn.ANY)
    # Warning tier counts 0 1 2 3 0 (fires at 2), critical 0 0 1 2 0 (fires at 3); both held at 4.
    assert summarize(states).fired == (2, 3, 4) and effective(states) == "OOWCC"


# --- empty input, defaults, properties ----------------------------------------------------


def test_empty_input():
    assert window_states([]) == ()
    for mode in ExitOn:
        result = evaluate([], for_windows=3, keep_firing_for=2, exit_on=mode)
        assert result.windows == () and result.fired == () and result.first_firing is None
        assert (result.current, result.worst, result.verdict) == (Severity.UNKNOWN,) * 3
        assert not result.breaches(Severity.WARNING)


severities = st.lists(st.sampled_from(list(Severity)), max_size=40)


@PROPERTY
@given(severities)
def test_for_1_keep_0_reproduces_the_raw_severities(raw):
    states = window_states(iter(raw))
    assert [s.effective for s in states] == raw
    assert [s.firing for s in states] == [s in (Severity.WARNING, Severity.CRITICAL) for s in raw]
    assert not any(s.held for s in states)
    assert [s.raw for s in states] == raw


@PROPERTY
@given(severities, st.integers(1, 5), st.integers(0, 4))
def test_a_longer_for_never_fires_more_and_a_longer_keep_never_fires_less(raw, n, m):
    fired = {w.index: w.effective.rank for w in window_states(raw, n, m) if w.firing}
    longer_for = {w.index: w.effective.rank for w in window_states(raw, n + 1, m) if w.firing}
    longer_keep = {w.index: w.effective.rank for w in window_states(raw, n, m + 1) if w.firing}
    assert all(i in fired and rank <= fired[i] for i, rank in longer_for.items())
    assert all(i in longer_keep and rank <= longer_keep[i] for i, rank in fired.items())


# --- argument validation ------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"for_windows": 0}, ValueError, "for_windows must be at least 1 (windows), not 0"),
        ({"for_windows": -2}, ValueError, "for_windows must be at least 1 (windows), not -2"),
        ({"keep_firing_for": -1}, ValueError, "keep_firing_for must be at least 0 (windows), not -1"),
        ({"for_windows": 1.5}, TypeError, "for_windows must be a whole number of windows, not 1.5"),
        ({"for_windows": True}, TypeError, "for_windows must be a whole number of windows, not True"),
        ({"keep_firing_for": "2"}, TypeError, "keep_firing_for must be a whole number of windows, not '2'"),
    ],
)
def test_bad_arguments_are_errors_that_say_what_is_wrong(kwargs, error, message):
    with pytest.raises(error) as raised:
        window_states(series("C"), **kwargs)
    assert str(raised.value) == message
    with pytest.raises(error, match="must be"):
        evaluate([], **kwargs)  # checked even with no windows
    with pytest.raises(error, match="must be"):
        FiringRule(**kwargs)


def test_a_bad_exit_on_or_window_is_an_error():
    with pytest.raises(ValueError, match="exit_on must be 'last' or 'any', not 'first'"):
        evaluate(series("C"), exit_on="first")
    with pytest.raises(TypeError, match="window 1: expected a Severity, not 'critical'"):
        window_states([Severity.OK, "critical"])
