"""``mlmon watch`` end to end (issue 27): a real process killed with SIGKILL after a
checkpoint, the log rotated and grown, then resumed with ``--once``: every line counted once,
as one batch ``report`` counts them; SIGTERM writes the state and returns; ``--once`` exits
with check's code; usage errors are one line."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time

from mlmon.api.check import CheckOptions, build_check
from mlmon.api.report import build_report
from mlmon.cli import app
from mlmon.verdicts.findings import exit_code
from mlmon.watch.checkpoint import load
from mlmon.watch.run import Watch, run_watch
from tests.conftest import REPO
from tests.watch.watch_logs import START, append, log_lines

MAIN = "from mlmon.cli import main; main()"


def mlmon(*args: str) -> list[str]:
    return [sys.executable, "-c", MAIN, *args]


def wait_for_checkpoint(path, process: subprocess.Popen, least: int = 1, lines: int = 0) -> dict:
    """The state file once it holds ``least`` checkpoints and ``lines`` lines (10 s at most)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()[1]
        try:
            state = json.loads(path.read_text())
            if state["counters"]["checkpoints"] >= least and state["counters"]["lines"] >= lines:
                return state
        except (FileNotFoundError, json.JSONDecodeError):
            pass
        time.sleep(0.05)
    raise AssertionError("no checkpoint written")


def test_kill_9_then_resume_counts_every_line_once(tmp_path, runner):
    log, state = tmp_path / "app.log", tmp_path / "state.json"
    log.write_bytes(log_lines(120))
    args = ["watch", str(tmp_path / "*.log*"), "--state", str(state), "--from", "beginning", "--listen", "127.0.0.1:0"]
    process = subprocess.Popen(
        mlmon(*args, "--poll-seconds", "0.05", "--checkpoint-seconds", "0.1"), cwd=REPO, stderr=subprocess.PIPE
    )
    try:
        wait_for_checkpoint(state, process, lines=120)
        append(log, log_lines(60, seed=1, start=START.replace(hour=6)))
        wait_for_checkpoint(state, process, lines=180)
        append(log, log_lines(30, seed=2, start=START.replace(hour=9)))  # perhaps read, perhaps not: no checkpoint
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    assert process.returncode == -signal.SIGKILL
    os.rename(log, tmp_path / "app.log.1")
    log.write_bytes(log_lines(40, seed=3, start=START.replace(hour=11)))
    done = runner.invoke(app, [*args[:4], "--once", "--format", "json"])
    files = [str(tmp_path / "app.log.1"), str(log)]
    batch = build_check(files)
    assert done.exit_code == exit_code(batch.findings) == 0, done.stderr
    result = json.loads(done.stdout)
    whole = build_report(files, {"window": "all"}).ingest
    saved = load(state)
    assert whole.lines == 250 and whole.skipped == {"malformed JSON": 4 + 2 + 1 + 1}
    assert result["inputs"]["lines"] == whole.lines and result["inputs"]["records"] == whole.records
    assert saved is not None and (saved.summary.stats.lines, saved.summary.stats.records) == (
        whole.lines,
        whole.records,
    )


def test_sigterm_finishes_the_step_writes_the_state_and_returns(tmp_path):
    """In this process (run_watch takes the signals in the main thread): SIGTERM once the
    first checkpoint is written; the watch returns with the state of every line written."""
    log, state = tmp_path / "app.log", tmp_path / "state.json"
    log.write_bytes(log_lines(30))

    def terminate_after_a_checkpoint(watch: Watch) -> None:
        def later() -> None:
            deadline = time.monotonic() + 10
            while not state.exists() and time.monotonic() < deadline:
                time.sleep(0.02)
            append(log, log_lines(10, seed=4, start=START.replace(hour=2)))
            os.kill(os.getpid(), signal.SIGTERM)

        threading.Thread(target=later, daemon=True).start()

    options = {
        "state": str(state),
        "start": "beginning",
        "listen": "127.0.0.1:0",
        "poll_seconds": 0.05,
        "checkpoint_seconds": 0.1,
    }
    run_watch([str(log)], options, started=terminate_after_a_checkpoint)
    saved = load(state)
    assert saved is not None and saved.summary.stats.lines == saved.counters["lines"]
    assert saved.counters["lines"] in (30, 40)  # the lines appended with the signal may come in the last step
    assert saved.positions.files[0].lines == saved.counters["lines"]


def test_sighup_reloads_the_rules_and_keeps_the_state(tmp_path):
    log, state = tmp_path / "app.log", tmp_path / "state.json"
    log.write_bytes(log_lines(30))
    reloaded = CheckOptions(rules={"latency_p99": {"critical": 5}})

    seen: list[Watch] = []

    def hang_up_then_stop(watch: Watch) -> None:
        seen.append(watch)

        def later() -> None:
            deadline = time.monotonic() + 10
            while watch.engine.report is None and time.monotonic() < deadline:
                time.sleep(0.02)
            os.kill(os.getpid(), signal.SIGHUP)
            while watch.engine.options.rules != reloaded.rules and time.monotonic() < deadline:
                time.sleep(0.02)
            os.kill(os.getpid(), signal.SIGTERM)

        threading.Thread(target=later, daemon=True).start()

    options = {"state": str(state), "start": "beginning", "listen": "127.0.0.1:0", "poll_seconds": 0.05}
    run_watch([str(log)], options, reload=lambda: reloaded, started=hang_up_then_stop)
    assert seen[0].engine.options.rules == reloaded.rules
    saved = load(state)
    assert saved is not None and saved.summary.stats.lines == 30


def test_usage_errors_are_one_line_and_exit_2(tmp_path, runner):
    log = tmp_path / "app.log"
    log.write_bytes(log_lines(5))
    (tmp_path / "bad.json").write_text("{")
    cases = [
        (["watch", str(log)], "--state"),
        (["watch", str(log), "--state", str(log)], "would overwrite the input"),
        (["watch", str(tmp_path), "--state", str(tmp_path / "state.json")], "would be followed as a log of"),
        (["watch", str(tmp_path / "*"), "--state", str(tmp_path / "w.state")], "would be followed as a log of"),
        (["watch", str(log), "--once", "--poll-seconds", "0"], "must be above 0"),
        (["watch", str(log), "--once", "--from", "middle"], "--from"),
        (["watch", str(log), "--state", str(tmp_path / "bad.json"), "--once"], "damaged watch state"),
        (["watch", str(tmp_path / "none.log"), "--once"], "none.log: no such file"),
        (["watch", str(log), "--once", "--webhook", "ftp://x"], "webhook 'ftp://x': expected an http"),
    ]
    for args, says in cases:
        result = runner.invoke(app, args)
        lines = result.stderr.strip().splitlines()
        assert result.exit_code == 2 and len(lines) == 1 and says in lines[0], (args, result.stderr)
        assert "Traceback" not in result.output


def test_once_exits_with_checks_code(tmp_path, runner):
    log = tmp_path / "app.log"
    log.write_bytes(log_lines(40))
    config = tmp_path / "mlmon.toml"
    config.write_text("[rules.latency_p99]\ncritical = 30\n")
    batch = build_check(str(log), {"rules": {"latency_p99": {"critical": 30}}})
    result = runner.invoke(app, ["watch", str(log), "--once", "--config", str(config), "--format", "json"])
    assert result.exit_code == exit_code(batch.findings) == 1, result.stderr
    findings = json.loads(result.stdout)["findings"]
    assert [(f["check"], f["severity"]) for f in findings] == [(f.check, f.severity.value) for f in batch.findings]
