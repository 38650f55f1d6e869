"""The README's check recipes, run for real: the hourly cron script (with stub pager and
chat commands) and the release gate's command line."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import REPO, SAMPLE_LOGS

README = (REPO / "README.md").read_text(encoding="utf-8")


def _block(marker: str, language: str) -> str:
    """The fenced block of ``language`` that contains ``marker``."""
    for block in re.findall(rf"```{language}\n(.*?)```", README, flags=re.S):
        if marker in block:
            return block
    raise AssertionError(f"no {language} block with {marker!r} in README.md")


@pytest.fixture
def cron(tmp_path):
    """The README's hourly script with its paths moved under ``tmp_path``, stub ``page-oncall``
    and ``notify-team`` commands that record their calls, and ``mlmon`` on PATH."""
    bin_dir, logs, etc = tmp_path / "bin", tmp_path / "logs", tmp_path / "etc"
    for d in (bin_dir, logs, etc, tmp_path / "out"):
        d.mkdir()
    for name in ("page-oncall", "notify-team"):
        stub = bin_dir / name
        stub.write_text(f'#!/bin/sh\necho "{name} $*" >> {tmp_path}/calls\ncat >> {tmp_path}/calls 2>/dev/null || true\n')
        stub.chmod(stub.stat().st_mode | stat.S_IEXEC)
    mlmon = Path(sys.executable).with_name("mlmon")
    (bin_dir / "mlmon").symlink_to(mlmon if mlmon.exists() else shutil.which("mlmon"))
    script = _block("mlmon-hourly", "sh")
    script = script.replace("/var/log/model/", f"{logs}/").replace("/etc/mlmon/mlmon.toml", str(etc / "mlmon.toml"))
    script = script.replace("/var/log/mlmon/last-check.txt", str(tmp_path / "out" / "last-check.txt"))
    (tmp_path / "hourly.sh").write_text(script)
    (etc / "mlmon.toml").write_text('[rules.latency_p99]\ncritical = "250ms"\n')
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    env.pop("MLMON_CONFIG", None)

    def run(minutes_ago: list[int]) -> tuple[int, str]:
        now = datetime.now(UTC)
        lines = [f'{{"ts": "{(now - timedelta(minutes=m)).isoformat()}", "latency_ms": 20}}\n' for m in minutes_ago]
        (logs / "app.log").write_text("".join(lines))
        done = subprocess.run(["sh", str(tmp_path / "hourly.sh")], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
        calls = (tmp_path / "calls").read_text() if (tmp_path / "calls").exists() else ""
        (tmp_path / "calls").unlink(missing_ok=True)
        return done.returncode, calls

    return run, etc / "mlmon.toml"


def test_the_hourly_script_is_quiet_while_the_logs_flow(cron):
    run, _ = cron
    code, calls = run(list(range(1, 6 * 60, 2)))
    assert (code, calls) == (0, "")


def test_the_hourly_script_pages_when_the_logs_stop(cron):
    run, _ = cron
    code, calls = run(list(range(3 * 60, 6 * 60, 2)))  # nothing in the last three hours
    assert calls.startswith("page-oncall") and "no_data" in calls


def test_the_hourly_script_tells_a_broken_pipeline_from_a_breach(cron):
    run, config = cron
    config.write_text('[rules.latency_p99]\ncritical = "fast"\n')
    code, calls = run(list(range(1, 60, 2)))
    assert calls.startswith("notify-team mlmon check could not run (exit 2)")


def _gate_args() -> list[str]:
    line = next(line for line in _block("release-gate", "yaml").splitlines() if "run: mlmon check" in line)
    return line.split("run: ", 1)[1].split()


@pytest.mark.parametrize(("day_file", "expected"), [("app.log.5.gz", 0), ("app.log.3.gz", 1)])
def test_the_release_gate_passes_tuesday_and_blocks_thursday(tmp_path, day_file, expected):
    """The workflow's command on one day of sample predictions: Tuesday is like training,
    Thursday has the shift."""
    args = _gate_args()
    assert args[:3] == ["mlmon", "check", "validation.jsonl"]
    shutil.copy(REPO / "references" / "train.json", tmp_path / "train.json")
    args = [a.replace("references/train.json", str(tmp_path / "train.json")) for a in args]
    args[2] = str(SAMPLE_LOGS / "replica-a" / day_file)
    mlmon = Path(sys.executable).with_name("mlmon")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLMON_", "GITHUB_"))}
    done = subprocess.run([str(mlmon), *args[1:]], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == expected, done.stdout + done.stderr
    assert done.stdout.startswith("## mlmon check: ")
