"""The silence's ages at the unit boundaries, hand-worked (a mutation survivor: an age of
exactly one minute, hour or day shown in the unit below): 60 s is 1m, 3600 s is 1h,
86400 s is 1d, one second less stays in the smaller unit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mlmon.verdicts.alerting import AlertRule
from mlmon.verdicts.check_series import silence_severity
from mlmon.verdicts.findings import Severity

T0 = datetime(2026, 11, 20, tzinfo=UTC)
RULE = AlertRule(warning=3600.0, critical=86400.0)


@pytest.mark.parametrize(
    ("seconds", "expected", "text"),
    [
        (59, Severity.OK, "last record 59s ago, within 1h"),
        (60, Severity.OK, "last record 1m ago, within 1h"),
        (3599, Severity.OK, "last record 60m ago, within 1h"),
        (3600, Severity.OK, "last record 1h ago, within 1h"),
        (86399, Severity.WARNING, "last record 24h ago (2026-11-20T00:00:00Z), over the 1h warning silence level"),
        (86400, Severity.WARNING, "last record 1d ago (2026-11-20T00:00:00Z), over the 1h warning silence level"),
        (86401, Severity.CRITICAL, "last record 1d ago (2026-11-20T00:00:00Z), over the 1d critical silence level"),
    ],
)
def test_an_age_of_exactly_one_unit_is_shown_in_that_unit(seconds, expected, text):
    assert silence_severity(T0, T0 + timedelta(seconds=seconds), RULE) == (expected, text)


def test_a_level_of_exactly_one_minute_is_shown_as_one_minute():
    rule = AlertRule(critical=60.0)
    assert silence_severity(T0, T0 + timedelta(seconds=61), rule) == (
        Severity.CRITICAL,
        "last record 1.02m ago (2026-11-20T00:00:00Z), over the 1m critical silence level",
    )
