"""Summaries roll up (issue 21 §4): hourly summaries give days, other whole multiples of an
hour and the whole range, as one read of the logs with that window gives them.

The oracle is a direct read of the same logs with the run's window, compared as
``tests/summary/test_files.py`` compares (every count and string equal, floats to 12
significant digits: a mean's sum is added per hour, then per day); percentiles and
counts are also compared exactly, and against numpy on the raw log lines.
"""

from __future__ import annotations

import functools
import gzip
import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from mlmon.analyses.feature_windows import FeatureReducer, FeatureWindowState
from mlmon.api.check import CheckOptions, build_check
from mlmon.api.drift import DriftOptions, build_drift_report
from mlmon.api.report import ReportOptions, build_report
from mlmon.api.summarize import SummaryOptions, build_summary, write_summary
from mlmon.cli import app
from mlmon.errors import UsageError
from mlmon.summary.rollup import coarse_micros
from mlmon.windows import WindowSpec, coarsest_nesting, common_multiple, divides, parse_window
from tests.conftest import REPO, SAMPLE_LOGS
from tests.summary.test_files import assert_same, comparable

REFERENCE = str(REPO / "references" / "train.json")
A = [str(SAMPLE_LOGS / "replica-a" / "app.log.1"), str(SAMPLE_LOGS / "replica-a" / "app.log.6.gz")]
B = [str(SAMPLE_LOGS / "replica-b" / "app.log.6.gz")]
NOW = datetime(2026, 11, 20, tzinfo=UTC)
HOUR, DAY = timedelta(hours=1), timedelta(days=1)

RUNS = {
    "report": lambda inputs, window: build_report(inputs, ReportOptions(p99_budget="40ms", **window)).to_json(),
    "drift": lambda inputs, window: build_drift_report(inputs, DriftOptions(reference=REFERENCE, **window)).to_json(),
    "check": lambda inputs, window: build_check(inputs, CheckOptions(reference=REFERENCE, now=NOW, **window)).to_json(),
}


@functools.cache
def direct(command: str, window: str) -> str:
    """The oracle: ``command`` on A and B read directly with ``window``, read once per module
    (a JSON string: nothing can change it between tests)."""
    return RUNS[command](A + B, {"window": window})


def summarize(folder, name, inputs, window="1h", reference=REFERENCE) -> str:
    path = str(folder / f"{name}.summary.json")
    write_summary(build_summary(inputs, SummaryOptions(window=window, reference=reference)), path)
    return path


@pytest.fixture(scope="module")
def hourly(tmp_path_factory):
    """Hourly summaries of each part: A's two files and B."""
    folder = tmp_path_factory.mktemp("hourly")
    return [summarize(folder, "a1", A[:1]), summarize(folder, "a6", A[1:]), summarize(folder, "b", B)]


# -- the oracle: a direct read of the logs with the run's window ---------------------------------


@pytest.mark.parametrize("command", RUNS)
@pytest.mark.parametrize("window", ["1d", "6h", "7d", "all"])
def test_hourly_summaries_roll_up_to_a_direct_read_with_the_coarser_window(hourly, command, window):
    got = comparable(RUNS[command](hourly, {"window": window}))
    assert_same(got, comparable(direct(command, window)))


@pytest.mark.parametrize("command", RUNS)
def test_without_window_a_run_takes_the_summaries_windows(hourly, command):
    got = comparable(RUNS[command](hourly, {}))
    assert_same(got, comparable(direct(command, "1h")))


@pytest.mark.parametrize("command", RUNS)
def test_summaries_and_logs_mixed_roll_up_in_argument_order(hourly, command):
    got = comparable(RUNS[command]([hourly[0], *A[1:], hourly[2]], {"window": "1d"}))
    assert_same(got, comparable(direct(command, "1d")))


def test_counts_and_percentiles_are_exact_and_agree_with_numpy_on_the_raw_lines(hourly):
    rolled = json.loads(build_report(hourly, ReportOptions(window="1d")).to_json())
    direct = json.loads(build_report(A + B, ReportOptions(window="1d")).to_json())
    assert rolled["windows"] == direct["windows"]  # every count and p99 to the last bit
    assert rolled["latency"] | {"mean_ms": None} == direct["latency"] | {"mean_ms": None}
    per_day: dict[str, list[float]] = {}
    for record in raw_records(A + B):
        if "latency_ms" in record:
            per_day.setdefault(record_time(record).strftime("%Y-%m-%d"), []).append(record["latency_ms"])
    windows = {w["start"][:10]: w for w in rolled["windows"]}
    assert sorted(d for d, w in windows.items() if w["records"]) == sorted(per_day) and len(per_day) == 2
    for day, values in per_day.items():
        assert windows[day]["p99_ms"] == float(np.percentile(values, 99))  # numpy's linear method, exactly
    hours = json.loads(build_report(hourly, ReportOptions(window="1h")).to_json())["windows"]
    for day, window in windows.items():  # a day's counts are its hours' counts, added
        assert window["records"] == sum(h["records"] for h in hours if h["start"][:10] == day)
        assert window["requests"] == sum(h["requests"] for h in hours if h["start"][:10] == day)


def test_log_buckets_roll_up_exactly(tmp_path, monkeypatch):
    monkeypatch.setenv("MLMON_EXACT_VALUES", "500")  # every collection bucketed
    paths = [summarize(tmp_path, "a6", A[1:], reference=None), summarize(tmp_path, "b", B, reference=None)]
    rolled = json.loads(build_report(paths, ReportOptions(window="1d")).to_json())
    direct = json.loads(build_report(A[1:] + B, ReportOptions(window="1d")).to_json())
    assert rolled["latency"]["percentile_method"] == "log_buckets"
    assert rolled["windows"] == direct["windows"]  # bucket counts add exactly, whatever the grouping
    assert_same(comparable(json.dumps(rolled)), comparable(json.dumps(direct)))
    alone = json.loads(build_report(paths[1:], ReportOptions(window="6h")).to_json())  # one summary: no merge after it
    assert alone["windows"] == json.loads(build_report(B, ReportOptions(window="6h")).to_json())["windows"]


def test_summaries_of_several_windows_take_the_coarsest_when_they_nest(hourly, tmp_path):
    quarter = summarize(tmp_path, "b15", B, window="15m")
    daily = summarize(tmp_path, "a-day", A, window="1d")
    for command in ("report", "check"):
        got = comparable(RUNS[command]([hourly[0], hourly[1], quarter], {}))
        assert_same(got, comparable(direct(command, "1h")))
        got = comparable(RUNS[command]([daily, quarter], {}))
        assert_same(got, comparable(direct(command, "1d")))


def test_a_summary_of_hourly_summaries_with_a_coarser_window_is_a_daily_summary(hourly, tmp_path):
    daily = str(tmp_path / "day.summary.json")
    write_summary(build_summary(hourly, SummaryOptions(window="1d", reference=REFERENCE)), daily)
    assert json.loads(open(daily, encoding="utf-8").read())["settings"]["window_us"] == DAY // timedelta(microseconds=1)
    for command in RUNS:
        assert_same(comparable(RUNS[command]([daily], {})), comparable(direct(command, "1d")))
    kept = str(tmp_path / "kept.summary.json")  # no --window: the summaries' own
    write_summary(build_summary(hourly, SummaryOptions(reference=REFERENCE)), kept)
    assert json.loads(open(kept, encoding="utf-8").read())["settings"]["window_us"] == HOUR // timedelta(microseconds=1)


def test_the_command_line_takes_the_summaries_windows_and_rolls_them_up(hourly, runner):
    for args, window in (([], "1h"), (["--window", "1d"], "1d"), (["--window", "all"], "all")):
        result = runner.invoke(app, ["report", *hourly, *args, "-f", "json"])
        direct = runner.invoke(app, ["report", *A, *B, "--window", window, "-f", "json"])
        assert result.exit_code == direct.exit_code == 0, result.output
        assert json.loads(result.stdout)["window"] == json.loads(direct.stdout)["window"]
        assert_same(comparable(result.stdout), comparable(direct.stdout))


# -- refusals -------------------------------------------------------------------------------------


REFUSALS = {
    "finer": (
        ["--window", "15m"],
        (
            "made with 1h windows, which cannot be split into this run's 15m windows: run with --window 1h or a "
            "whole multiple of it"
        ),
    ),
    "not a multiple": (
        ["--window", "90m"],
        (
            "made with 1h windows, which do not fit whole into this run's 90m windows: run with --window 1h or a "
            "whole multiple of it (such as --window 2h)"
        ),
    ),
    "record counts": (
        ["--window", "5000"],
        "windows of 5,000 records cannot be made from a summary, which keeps no record: run with --window 1h",
    ),
}


@pytest.mark.parametrize(
    ("command", "case"),
    [
        (command, case)
        for command in ("report", "drift", "check")
        for case in REFUSALS
        if (command, case) != ("check", "record counts")
    ],
)  # check refuses record-count windows before it reads anything
def test_windows_a_summary_cannot_give_are_refused_in_one_line_naming_it(hourly, runner, command, case):
    args, words = REFUSALS[case]
    result = runner.invoke(app, [command, hourly[0], *args, *(["-r", REFERENCE] if command != "report" else [])])
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 2, result.output
    assert len(lines) == 1 and lines[0].startswith(f"mlmon: error: {hourly[0]}: ") and words in lines[0], lines


def test_a_whole_range_summary_cannot_be_split(tmp_path, runner):
    whole = summarize(tmp_path, "b-all", B, window="all", reference=None)
    result = runner.invoke(app, ["report", whole, "--window", "1d"])
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"mlmon: error: {whole}: made over the whole range, which cannot be split into this run's 1d "
        f"windows: run with --window all"
    )
    assert runner.invoke(app, ["report", whole]).exit_code == 0  # no --window: the whole range


def test_summaries_whose_windows_do_not_nest_are_refused_with_a_window_that_holds_both(tmp_path, runner):
    forty = summarize(tmp_path, "a40", A[1:], window="40m", reference=None)
    hour = summarize(tmp_path, "b60", B, window="1h", reference=None)
    result = runner.invoke(app, ["report", forty, hour])
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"mlmon: error: the summaries' windows do not nest ({forty} has 40m windows, {hour} has 1h windows): "
        "run with --window 2h, a multiple of it, or all"
    )
    with pytest.raises(UsageError, match="do not nest"):
        build_report([forty, hour])  # the Python twin, as the CLI
    both = json.loads(build_report([forty, hour], ReportOptions(window="2h")).to_json())
    assert_same(comparable(json.dumps(both)), comparable(build_report(A[1:] + B, ReportOptions(window="2h")).to_json()))


def test_since_and_until_keep_their_rule_when_rolling_up(hourly, runner):
    result = runner.invoke(app, ["report", hourly[0], "--window", "1d", "--since", "2026-11-14"])
    assert result.exit_code == 2 and "--since/--until cannot filter a summary" in result.stderr


# -- the pieces ----------------------------------------------------------------------------------


def test_which_windows_divide_which():
    hour, day, whole, records = (parse_window(text) for text in ("1h", "1d", "all", "5000"))
    assert divides(hour, day) and divides(hour, whole) and divides(whole, whole) and divides(hour, hour)
    assert not divides(day, hour) and not divides(hour, parse_window("90m")) and not divides(whole, day)
    assert not divides(hour, records) and divides(parse_window("40m"), parse_window("2h"))
    assert coarsest_nesting([hour, parse_window("15m"), day]) == day
    assert coarsest_nesting([hour, whole]) == whole and coarsest_nesting([parse_window("40m"), hour]) is None
    assert (
        common_multiple([parse_window("40m"), hour]) == parse_window("2h") and common_multiple([hour, whole]) == whole
    )


def test_a_fine_window_goes_to_the_epoch_aligned_coarse_window_that_holds_it():
    us = timedelta(microseconds=1)
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    to_week = coarse_micros(WindowSpec(duration=timedelta(days=7)))
    monday = datetime(2026, 11, 9, 13, tzinfo=UTC)  # weeks from the epoch start on Thursdays
    assert epoch + us * to_week((monday - epoch) // us) == datetime(2026, 11, 5, tzinfo=UTC)
    before = datetime(1969, 12, 31, 23, tzinfo=UTC)
    assert epoch + us * coarse_micros(WindowSpec(duration=DAY))((before - epoch) // us) == datetime(
        1969, 12, 31, tzinfo=UTC
    )
    assert coarse_micros(WindowSpec())(123) == 0


def test_feature_windows_roll_up_through_the_reducers_merge(hourly):
    """The rolled feature state equals the reducer's own merge of the hourly windows by day."""
    from mlmon.summary.files import read_summary
    from mlmon.summary.rollup import roll_up

    summary = read_summary(hourly[2])
    state: FeatureWindowState = summary.states["features"]
    reducer = FeatureReducer(_reference_features(), WindowSpec(duration=DAY))
    rolled = roll_up("features", state, reducer)
    day = DAY // timedelta(microseconds=1)
    assert set(rolled.states) == {key // day * day for key in state.states}
    for coarse in rolled.states:
        hours = sorted(key for key in state.states if key // day * day == coarse)
        assert rolled.rows[coarse] == sum(state.rows[key] for key in hours)
        assert rolled.first[coarse] == min(state.first[key] for key in hours)
    assert rolled.unprofiled == state.unprofiled


def _reference_features():
    from mlmon.reference.store import load_reference

    return load_reference(REFERENCE).features


def raw_records(paths):
    for path in paths:
        opener = gzip.open if path.endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8") as lines:
            for line in lines:
                try:
                    yield json.loads(line)
                except json.JSONDecodeError:
                    continue  # app.log.1 holds one malformed line, skipped by mlmon as well


def record_time(record) -> datetime:
    if "timestamp" in record:
        return datetime.fromisoformat(record["timestamp"].replace("Z", "+00:00"))
    return datetime.strptime(record["asctime"], "%Y-%m-%d %H:%M:%S,%f").replace(tzinfo=UTC)
