"""Confidence collapse at its boundaries, hand-worked with falls exact in binary: a fall
equal to a level does not pass it (strictly more), and the finding names where its
baseline came from in words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from mlmon.verdicts.confidence import confidence_findings, judge_confidence
from mlmon.verdicts.findings import Severity
from mlmon.verdicts.registry import ConfidenceThresholds

T0 = datetime(2026, 11, 20, tzinfo=UTC)
LEVELS = ConfidenceThresholds(collapse_drop=0.5, warning_drop=0.25)


def windows(*means: float, n: int = 300):
    return [
        SimpleNamespace(
            model_version="v1",
            start=T0 + timedelta(days=i),
            end=T0 + timedelta(days=i),
            n=n,
            n_confidence=n,
            confidence_mean=m,
            confidence_p10=m / 2,
            share_below=0.0,
            mean_entropy_bits=None,
            percentile_method="exact",
        )
        for i, m in enumerate(means)
    ]


def test_a_fall_equal_to_a_level_does_not_pass_it():
    """Baseline 0.75 (the first window). Falls: 0, 0.25 (= the warning level: ok), 0.5 (= the
    collapse level: not critical, but more than the warning level), 0.3125 (a warning)."""
    result = judge_confidence(windows(0.75, 0.5, 0.25, 0.4375), None, LEVELS, "1d windows")
    assert [w.severity for w in result.windows] == [Severity.OK, Severity.OK, Severity.WARNING, Severity.WARNING]
    assert [w.change for w in result.windows] == [0.0, -0.25, -0.5, -0.3125]
    assert result.windows[1].reason == "mean confidence down 0.250 (0.750 -> 0.500), bound 0.5"
    assert result.windows[2].reason == "mean confidence fell 0.500 (0.750 -> 0.250), more than the 0.25 warning level"
    critical = judge_confidence(windows(0.75, 0.2), None, LEVELS, "1d windows").windows[1]
    assert critical.severity is Severity.CRITICAL
    assert critical.reason == "mean confidence fell 0.550 (0.750 -> 0.200), more than 0.5"


def test_the_finding_names_a_first_window_baseline_in_words():
    result = judge_confidence(windows(0.75, 0.5, 0.25, 0.4375), None, LEVELS, "1d windows")
    assert result.baseline_source == "first_window"
    (finding,) = confidence_findings(result)
    assert finding.severity is Severity.WARNING and finding.value == 0.5 and finding.threshold == 0.5
    assert finding.message == (
        "mean confidence collapsed in 2 of 4 window(s), first at 2026-11-22T00:00:00Z; largest fall 0.500 "
        "(0.750 -> 0.250, baseline from the first window with enough data), bound 0.5"
    )
    (calm,) = confidence_findings(judge_confidence(windows(0.75, 0.625), None, LEVELS, "1d windows"))
    assert calm.message == (
        "mean confidence stable in 2 window(s): largest fall 0.125 against 0.750 "
        "(the first window with enough data), bound 0.5"
    )


def test_a_reference_baseline_is_named_as_such():
    (finding,) = confidence_findings(judge_confidence(windows(0.5), 0.75, LEVELS, "whole range"))
    assert (
        finding.message
        == "mean confidence stable in 1 window(s): largest fall 0.250 against 0.750 (reference), bound 0.5"
    )
