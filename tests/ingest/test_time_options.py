"""--since/--until: absolute times, and durations counted back from the run's time."""

from datetime import UTC, datetime, timedelta

import pytest

from mlmon.cli.options import ingest_options, parse_time_option
from mlmon.errors import UsageError

NOW = datetime(2026, 11, 26, 10, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "back"),
    [
        ("6h", timedelta(hours=6)),
        ("30m", timedelta(minutes=30)),
        ("2d", timedelta(days=2)),
        (" 1.5h ", timedelta(minutes=90)),
        ("90s", timedelta(seconds=90)),
    ],
)
def test_a_duration_counts_back_from_now(text, back):
    assert parse_time_option("--since", text, NOW) == NOW - back


def test_absolute_times_are_unchanged():
    assert parse_time_option("--since", "2026-11-12", NOW) == datetime(2026, 11, 12, tzinfo=UTC)
    assert parse_time_option("--until", "2026-11-12T06:30:00Z", NOW) == datetime(2026, 11, 12, 6, 30, tzinfo=UTC)
    assert parse_time_option("--until", "2026-11-12T06:30Z", NOW) == datetime(2026, 11, 12, 6, 30, tzinfo=UTC)
    assert parse_time_option("--until", "2026-11-12T06:30", NOW) == datetime(2026, 11, 12, 6, 30, tzinfo=UTC)
    assert parse_time_option("--until", "2026-11-12T06:30+01:00", NOW) == datetime(2026, 11, 12, 5, 30, tzinfo=UTC)
    assert parse_time_option("--since", "1700000000", NOW) == datetime.fromtimestamp(1700000000, UTC)


def test_both_bounds_share_one_now():
    options = ingest_options(None, "6h", "1h", "5%", now=NOW)
    assert (options.since, options.until) == (NOW - timedelta(hours=6), NOW - timedelta(hours=1))


@pytest.mark.parametrize("text", ["0h", "6x", "yesterday"])
def test_bad_values_name_the_option(text):
    with pytest.raises(UsageError, match="--since"):
        parse_time_option("--since", text, NOW)


@pytest.mark.parametrize(("since", "until"), [("2026-11-12", "2026-11-11"), ("2026-11-12", "2026-11-12"), ("1h", "2h")])
def test_since_must_come_before_until(since, until):
    with pytest.raises(UsageError, match="--since .* is not before --until"):
        ingest_options(None, since, until, "5%", now=NOW)
