"""The watch checkpoint (issue 27): written whole or not at all, read back as written, a
damaged one refused in one line; a restart from it, after a rotation, counts every line once;
a running watch's /metrics parses and shows check's families beside the live counters."""

from __future__ import annotations

import json
import os
import threading
import urllib.request
from datetime import UTC, datetime

import pytest
from prometheus_client.parser import text_string_to_metric_families

from mlmon.api.check import CheckOptions
from mlmon.api.report import build_report
from mlmon.errors import InputError, OutputError
from mlmon.summary.files import dumps
from mlmon.watch.alerts import AlertState
from mlmon.watch.checkpoint import Checkpoint, Saver, load, save
from mlmon.watch.engine import WatchEngine
from mlmon.watch.follow import Follower
from mlmon.watch.run import Watch, run_watch
from tests.watch.watch_logs import START, append, log_lines

NOW = datetime(2026, 11, 9, 12, tzinfo=UTC)


def followed(tmp_path, lines: int = 60) -> tuple[WatchEngine, Follower]:
    log = tmp_path / "app.log"
    log.write_bytes(log_lines(lines))
    engine = WatchEngine(CheckOptions(now=NOW))
    follower = Follower([str(tmp_path)], "beginning")
    while (poll := follower.poll()).batches:
        engine.step(poll, NOW, evaluate=False)
    return engine, follower


def checkpoint_of(engine: WatchEngine, follower: Follower) -> Checkpoint:
    return Checkpoint(follower.positions(), engine.summary(), engine.alerts, engine.exporter.snapshot())


def test_a_checkpoint_reads_back_as_written(tmp_path):
    engine, follower = followed(tmp_path)
    with follower:
        written = checkpoint_of(engine, follower)
    state = tmp_path / "state" / "watch.json"
    state.parent.mkdir()
    save(state, written)
    read = load(state)
    assert read is not None
    assert (
        read.positions == written.positions and read.positions.files[0].offset == (tmp_path / "app.log").stat().st_size
    )
    assert dumps(read.summary) == dumps(written.summary)
    assert read.alerts == written.alerts and read.counters == written.counters
    assert load(tmp_path / "none.json") is None  # a first start
    assert os.listdir(state.parent) == ["watch.json"]  # no temporary file left


def test_a_crash_before_the_rename_leaves_the_old_checkpoint(tmp_path, monkeypatch):
    engine, follower = followed(tmp_path)
    state = tmp_path / "watch.json"
    with follower:
        save(state, checkpoint_of(engine, follower))
        before = state.read_bytes()
        append(tmp_path / "app.log", log_lines(30, seed=5, start=START.replace(hour=5)))
        engine.step(follower.poll(), NOW, evaluate=False)
        newer = checkpoint_of(engine, follower)

    def crash(*args: object) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OutputError, match="cannot write the watch state: Input/output error"):
        save(state, newer)
    assert state.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["app.log", "watch.json"]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('{"mlmon_watch_checkpoint": 1, "positions": {', "JSONDecodeError"),
        ('{"mlmon_watch_checkpoint": 7}', "version 7"),
        ("[1, 2]", "not a JSON object"),
        ('{"mlmon_watch_checkpoint": 1, "positions": {"version": 1, "files": [], "retired": []}}', "KeyError"),
    ],
)
def test_a_damaged_checkpoint_is_one_line_naming_the_file(tmp_path, text, says):
    state = tmp_path / "watch.json"
    state.write_text(text)
    with pytest.raises(InputError) as error:
        load(state)
    message = str(error.value)
    assert len(message.splitlines()) == 1 and message.startswith(f"{state}: damaged watch state") and says in message


def test_a_damaged_summary_inside_is_refused(tmp_path):
    engine, follower = followed(tmp_path, 30)
    state = tmp_path / "watch.json"
    with follower:
        save(state, checkpoint_of(engine, follower))
    document = json.loads(state.read_text())
    document["summary"]["mlmon_summary_version"] = 99
    state.write_text(json.dumps(document))
    with pytest.raises(InputError, match="damaged watch state .*summary format version 99"):
        load(state)


def test_a_restart_after_a_rotation_counts_every_line_once(tmp_path):
    """Some polls, a checkpoint, more lines, the file renamed and a new one started: a new
    engine and follower from the checkpoint end with one batch report's totals."""
    log = tmp_path / "app.log"
    engine, follower = followed(tmp_path, 80)
    state = tmp_path / "state.json"
    with follower:
        save(state, checkpoint_of(engine, follower))
    append(log, log_lines(40, seed=1, start=START.replace(hour=4)))  # after the checkpoint
    os.rename(log, tmp_path / "app.log.1")  # rename rotation while stopped
    log.write_bytes(log_lines(50, seed=2, start=START.replace(hour=7)))
    saved = load(state)
    assert saved is not None
    resumed = WatchEngine(CheckOptions(now=NOW), summary=saved.summary, alerts=saved.alerts)
    with Follower([str(tmp_path / "*.log*")], "end", saved.positions) as again:
        while (poll := again.poll()).batches:
            resumed.step(poll, NOW, evaluate=False)
    whole = build_report([str(tmp_path / "app.log.1"), str(log)], {"window": "all"}).ingest
    stats = resumed.stats
    assert (stats.lines, stats.records, stats.skipped) == (whole.lines, whole.records, whole.skipped)
    assert stats.lines == 170 and stats.skipped == {"malformed JSON": 3 + 1 + 2}
    report = resumed.evaluate(NOW)
    assert report.report.overall.latency.p99_ms == build_report(str(tmp_path / "app.log*")).overall.latency.p99_ms


def test_metrics_show_checks_families_and_the_live_counters(tmp_path):
    log = tmp_path / "app.log"
    log.write_bytes(log_lines(50))
    stop = threading.Event()
    seen: list[Watch] = []
    options = {
        "state": str(tmp_path / "state.json"),
        "start": "beginning",
        "listen": "127.0.0.1:0",
        "poll_seconds": 0.05,
        "check": {"rules": {"latency_p99": {"critical": 30}}},
    }
    thread = threading.Thread(
        target=run_watch, args=([str(log)], options), kwargs={"stop": stop, "started": seen.append}
    )
    thread.start()
    try:
        for _ in range(200):
            if seen and seen[0].engine.report is not None:
                break
            stop.wait(0.05)
        assert seen and seen[0].server is not None
        with urllib.request.urlopen(seen[0].server.url, timeout=5) as response:
            families = {f.name: f for f in text_string_to_metric_families(response.read().decode())}
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive()
    assert families["mlmon_watch_lines_read"].samples[0].value == 50
    assert families["mlmon_watch_records"].samples[0].value == 48
    assert {s.labels["reason"]: s.value for s in families["mlmon_watch_skipped_lines"].samples} == {"malformed JSON": 2}
    status = {s.labels.get("rule") or s.labels.get("check"): s.value for s in families["mlmon_rule_status"].samples}
    assert "latency_p99" in status
    saved = load(tmp_path / "state.json")  # written on stop
    assert saved is not None and saved.summary.stats.lines == 50 and saved.counters["checkpoints"] >= 1
    assert isinstance(saved.alerts, AlertState)


def test_the_saver_writes_on_its_own_thread_one_at_a_time_and_raises_a_failed_write(tmp_path, monkeypatch):
    engine, follower = followed(tmp_path)
    with follower:
        taken = checkpoint_of(engine, follower)
    state, writes, release = tmp_path / "watch.json", [], threading.Event()
    real = save

    def slow(path, checkpoint):
        release.wait(5)
        real(path, checkpoint)

    monkeypatch.setattr("mlmon.watch.checkpoint.save", slow)
    saver = Saver(state, lambda: writes.append(1))
    assert saver.save(lambda: taken) is True
    assert saver.save(lambda: pytest.fail("not taken while one is being written")) is False
    release.set()
    assert saver.save(lambda: taken, wait=True) is True and writes == [1, 1]
    assert dumps(load(state).summary) == dumps(taken.summary)
    monkeypatch.setattr("mlmon.watch.checkpoint.save", lambda path, checkpoint: real(tmp_path / "no" / "x", checkpoint))
    saver.save(lambda: taken)
    with pytest.raises(OutputError, match="cannot write the watch state"):
        saver.save(lambda: taken, wait=True)
    assert writes == [1, 1]
