"""``mlmon bench --log`` where the log cannot be written (issue 9): a directory, a parent
that is a file or cannot be made, no permission, a full disk. One line, exit 2, checked
before the model loads where the system lets it show, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mlmon.bench import run_bench
from mlmon.bench import runner as bench_runner
from mlmon.cli.app import app
from mlmon.errors import OutputError
from tests.conftest import REPO

FAST = ("--iterations", "3", "--warmup", "0")


def one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mlmon: error: cannot write --log "), stderr
    assert "Traceback" not in stderr
    return lines[0]


@pytest.fixture
def no_model_load(monkeypatch):
    """Fail the test if the benchmark gets as far as loading the model."""

    def refuse(*args, **kwargs):
        raise AssertionError("the model was loaded before the --log path was checked")

    monkeypatch.setattr(bench_runner, "load_session", refuse)


def _unwritable(tmp_path: Path) -> list[tuple[str, Path, str]]:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    cases = [
        ("directory", tmp_path, "it is a directory"),
        ("parent-is-a-file", blocker / "bench.jsonl", "a parent of it is not a directory"),
        ("deep-parent-is-a-file", blocker / "sub" / "bench.jsonl", "a parent of it is not a directory"),
    ]
    if Path("/proc/self").is_dir():  # mkdir under /proc fails even for root
        cases.append(("cannot-make-parent", Path("/proc/mlmon-no-such-dir/bench.jsonl"), ""))
    if os.geteuid() != 0:  # root writes anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        cases.append(("no-permission", locked / "bench.jsonl", "Permission denied"))
    return cases


def test_an_unwritable_log_is_one_line_before_the_model_loads(runner, tmp_path, no_model_load):
    for name, path, why in _unwritable(tmp_path):
        result = runner.invoke(app, ["bench", *FAST, "--log", str(path)])
        assert result.exit_code == 2, (name, result.output)
        line = one_error_line(result.stderr)
        assert line.startswith(f"mlmon: error: cannot write --log {path}: ") and why in line, (name, line)
        assert result.stdout == ""


def test_the_library_raises_an_output_error(tmp_path, no_model_load):
    with pytest.raises(OutputError, match="it is a directory"):
        run_bench(iterations=3, warmup=0, log=tmp_path)


def test_a_failed_check_or_model_leaves_the_old_log_alone(runner, tmp_path):
    old = tmp_path / "bench.jsonl"
    old.write_text("old line\n")
    result = runner.invoke(app, ["bench", str(tmp_path / "missing.onnx"), *FAST, "--log", str(old)])
    assert result.exit_code == 2 and "the file exists; add --force to replace it" in result.stderr
    result = runner.invoke(app, ["bench", str(tmp_path / "missing.onnx"), *FAST, "--log", str(old), "--force"])
    assert result.exit_code == 2 and "model file not found" in result.stderr
    assert old.read_text() == "old line\n"
    new = tmp_path / "new.jsonl"
    result = runner.invoke(app, ["bench", str(tmp_path / "missing.onnx"), *FAST, "--log", str(new)])
    assert result.exit_code == 2 and not new.exists()


def test_missing_parent_directories_are_made(runner, tmp_path):
    path = tmp_path / "new" / "dirs" / "bench.jsonl"
    result = runner.invoke(app, ["bench", *FAST, "--log", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert len(path.read_text().splitlines()) == json.loads(result.stdout)["run"]["log_records"] == 3


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_full_disk_is_one_line_through_the_real_entry_point():
    run = subprocess.run(
        [sys.executable, "-c", "from mlmon.cli import main; main()", "bench", *FAST, "--log", "/dev/full"],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert run.returncode == 2, run.stderr
    assert one_error_line(run.stderr) == "mlmon: error: cannot write --log /dev/full: No space left on device"


def test_an_unknown_prediction_output_leaves_the_old_log_alone(runner, tmp_path):
    old = tmp_path / "bench.jsonl"
    old.write_text("old line\n")
    result = runner.invoke(app, ["bench", *FAST, "--log", str(old), "--force", "--proba-output", "nope"])
    assert (
        result.exit_code == 2
        and result.stderr.strip()
        == "mlmon: error: --proba-output nope: the model has no such output (its outputs: probabilities)"
    )
    assert old.read_text() == "old line\n"
