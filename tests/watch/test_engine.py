"""The watch engine (issue 27): batches a Follower cut from real files merge into the state of
one read, check's evaluation of that state is ``mlmon check``'s, and a long run keeps its
state flat by dropping the windows the rules no longer look at."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from mlmon.analyses.bounds import COMPACT_AT
from mlmon.api.check import CheckOptions, build_check
from mlmon.api.report import build_report
from mlmon.errors import MlmonError, UsageError
from mlmon.summary.files import dumps
from mlmon.verdicts.findings import exit_code
from mlmon.watch.alerts import DeliveryResult, Target
from mlmon.watch.engine import WatchEngine
from mlmon.watch.follow import Follower
from mlmon.watch.prune import windows_kept
from tests.watch.watch_logs import START, append, log_lines

NOW = datetime(2026, 11, 9, 12, tzinfo=UTC)
RULES = {"latency_p99": {"warning": 40, "critical": 60, "for": 2}, "error_rate": {"critical": 0.08}}


def follow_all(engine: WatchEngine, follower: Follower, evaluate: bool = False) -> int:
    """Poll until nothing is new; the number of batches merged."""
    batches = 0
    while (poll := follower.poll()).batches:
        batches += len(poll.batches)
        engine.step(poll, NOW, evaluate=evaluate)
    return batches


def test_once_equals_check_and_the_totals_equal_one_batch_report(tmp_path):
    log = tmp_path / "app.log"
    log.write_bytes(log_lines(200))  # 3 minutes apart: 10 hours, every 25th line malformed
    options = CheckOptions(rules=RULES, now=NOW)
    engine = WatchEngine(options)
    with Follower([str(log)], "beginning", max_bytes=1500) as follower:
        assert follow_all(engine, follower) > 10  # many batches, cut mid-file
    report = engine.evaluate(NOW)
    batch = build_check(str(log), options)
    assert report.findings == batch.findings and report.outcomes == batch.outcomes
    assert exit_code(report.findings) == exit_code(batch.findings) == 1  # the p99 budget breaches

    whole = build_report(str(log), {"window": "all"})
    stats = engine.stats
    assert (stats.lines, stats.records, stats.skipped) == (200, 192, {"malformed JSON": 8})
    ingest = whole.ingest
    assert (stats.lines, stats.records, stats.skipped) == (ingest.lines, ingest.records, ingest.skipped)
    assert [str(p) for p in stats.examples] == [str(p) for p in whole.ingest.examples]  # the file's own line numbers
    latencies = [json.loads(line)["latency_ms"] for line in log.read_bytes().splitlines() if b"broken" not in line]
    overall = report.report.overall.latency
    assert overall.p99_ms == whole.overall.latency.p99_ms
    assert overall.p50_ms == pytest.approx(np.percentile(latencies, 50, method="linear"), rel=1e-12)


def test_a_window_close_evaluates_and_publishes_check(tmp_path):
    log = tmp_path / "app.log"
    log.write_bytes(log_lines(10))  # 00:00 to 00:27
    engine = WatchEngine(CheckOptions(rules=RULES))
    with Follower([str(log)], "beginning") as follower:
        first = engine.step(follower.poll(), NOW)
        assert first is not None  # nothing evaluated yet: the first records are
        append(log, log_lines(5, seed=1, start=START + timedelta(minutes=40)))  # same hour: no close
        assert engine.step(follower.poll(), NOW) is None
        append(log, log_lines(3, seed=2, start=START + timedelta(hours=1, minutes=5)))  # the first hour closed
        closed = engine.step(follower.poll(), NOW)
    assert closed is not None and closed.ingest.records == 18
    text = engine.exporter.check.collect()
    names = {family.name for family in text}
    assert "mlmon_rule_status" in names


def test_a_simulated_week_keeps_the_state_flat(tmp_path):
    """A week of hourly windows, 4 records each, a day appended between polls: after each
    evaluation the state holds the windows the rules need and no more (its size flat from day
    to day), and the last window is judged as a batch check over every line judges it."""
    log = tmp_path / "app.log"
    log.write_bytes(b"")
    options = CheckOptions(rules=RULES, now=NOW)
    engine = WatchEngine(options)
    kept = windows_kept(engine.options.rules)
    assert kept == 1 + 2  # latency_p99's for 2, nothing kept firing
    windows, sizes = [], []
    with Follower([str(log)], "beginning") as follower:
        for day in range(7):
            start = START + timedelta(days=day)
            append(log, log_lines(96, seed=day, start=start, step=timedelta(minutes=15)))
            assert engine.step(follower.poll(), NOW) is not None  # a window closed: evaluated, then pruned
            states = engine.summary().states
            windows.append({len(states[part].window_keys) for part in ("ops", "predictions")})
            states = {name: state for name, state in states.items()}
            classes = states["ops"].classes  # whole-run class counts: re-aggregated past COMPACT_AT tables
            assert len(classes) <= COMPACT_AT
            states["ops"] = replace(states["ops"], classes=())
            sizes.append(len(dumps(replace(engine.summary(), states=states))))
    assert windows == [{kept + 1}] * 7  # the windows kept, and the first one (confidence's baseline)
    assert max(sizes[1:]) < 1.02 * min(sizes[1:])  # day 1 holds fewer windows than the rules keep
    assert engine.stats.lines == 7 * 96 and engine.exporter.snapshot()["lines"] == 7 * 96
    later = NOW + timedelta(days=8)
    last = engine.evaluate(later)
    batch = build_check(str(log), replace(options, now=later))
    assert last.report.windows[-kept + 1 :] == batch.report.windows[-kept + 1 :]
    assert [(f.check, f.scope, f.severity) for f in last.findings] == [
        (f.check, f.scope, f.severity) for f in batch.findings
    ]


def test_windows_kept_follows_the_longest_rule():
    options = CheckOptions(rules={"error_rate": {"critical": 0.1, "for": 3, "keep_firing_for": 4}})
    assert windows_kept(options.rules) == 3 + 4 + 1


def test_by_is_refused(tmp_path):
    options = CheckOptions(ingest={"by": ("pod",)})
    with pytest.raises(UsageError, match="--by"):
        WatchEngine(options)


def test_a_reloaded_config_changes_the_rules_and_keeps_the_state(tmp_path):
    log = tmp_path / "app.log"
    log.write_bytes(log_lines(60))
    engine = WatchEngine(CheckOptions(rules=RULES, now=NOW))
    with Follower([str(log)], "beginning") as follower:
        follow_all(engine, follower)
    before = engine.evaluate(NOW)
    engine.reconfigure(CheckOptions(rules={"latency_p99": {"critical": 1000}}))
    after = engine.evaluate(NOW)
    assert after.ingest.records == before.ingest.records == 58
    latency = [f for f in after.findings if f.check == "latency_p99" and f.scope == "all"]
    assert latency and latency[0].threshold == 1000
    with pytest.raises(UsageError, match="not the window"):
        engine.reconfigure(CheckOptions(window="15m"))


def test_the_whole_range_is_evaluated_again_when_records_came_in_and_time_passed(tmp_path, monkeypatch):
    log = tmp_path / "app.log"
    log.write_bytes(log_lines(10))
    engine = WatchEngine(CheckOptions(window="all"))
    with Follower([str(log)], "beginning") as follower:
        assert engine.step(follower.poll(), NOW) is not None  # the first records
        append(log, log_lines(5, seed=1, start=START + timedelta(days=2)))
        assert engine.step(follower.poll(), NOW) is None  # within a minute of the last evaluation
        monkeypatch.setattr("mlmon.watch.engine.WHOLE_RANGE_SECONDS", 0.0)
        assert engine.step(follower.poll(), NOW) is not None  # records came in since
        again = engine.step(follower.poll(), NOW)
    assert again is None  # nothing new
    assert engine.report is not None and engine.report.ingest.records == 10 + 5


def test_a_firing_rule_is_delivered_then_resolved(tmp_path):
    """The p99 budget breached in the newest window: its alert goes to the targets at that
    evaluation, is counted, and is sent resolved (endsAt) once new rules clear it."""
    log = tmp_path / "app.log"
    log.write_bytes(log_lines(40))
    sent: list[tuple] = []

    def send(alerts, targets):
        sent.append(tuple(alerts))
        return tuple(DeliveryResult(t.name, True, 1, 0) for t in targets)

    target = Target.webhook("http://127.0.0.1:9/hook")
    engine = WatchEngine(CheckOptions(rules={"latency_p99": {"critical": 25}}), targets=[target], send=send)
    with Follower([str(log)], "beginning") as follower:
        follow_all(engine, follower)
    engine.evaluate(NOW)
    (firing,) = sent[0]
    labels = dict(firing.labels)
    assert (labels["alertname"], labels["severity"], labels["scope"]) == ("latency_p99", "critical", "all")
    assert firing.ends_at is None and firing.starts_at == NOW
    engine.reconfigure(CheckOptions(rules={"latency_p99": {"critical": 10_000}}))
    later = NOW + timedelta(minutes=1)
    engine.evaluate(later)
    (resolved,) = sent[1]
    assert resolved.key == firing.key and resolved.ends_at == later
    assert engine.exporter.snapshot()["deliveries"] == {target.name: 2}


def test_an_evaluation_check_refuses_is_tried_again_at_the_next_close(tmp_path):
    """Half the lines malformed: check refuses the read (over --max-malformed), as mlmon check
    would; the engine says so once per window close, not at every poll."""
    log = tmp_path / "app.log"
    log.write_bytes(log_lines(10) + b"not json\n" * 10)
    engine = WatchEngine(CheckOptions())
    with Follower([str(log)], "beginning") as follower:
        with pytest.raises(MlmonError, match="malformed"):
            engine.step(follower.poll(), NOW)
        append(log, log_lines(2, seed=1, start=START + timedelta(minutes=50)))  # the same hour
        assert engine.step(follower.poll(), NOW) is None
        append(log, log_lines(2, seed=2, start=START + timedelta(hours=1)))  # the next hour
        with pytest.raises(MlmonError, match="malformed"):
            engine.step(follower.poll(), NOW)
    assert engine.stats.lines == 24 and engine.stats.skipped == {"not JSON": 10}
