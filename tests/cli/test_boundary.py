"""The CLI boundary in hostile environments (issue 9, section 1 and 4): closed and full
streams, pipes that close early, encodings, and the internal-error guard. Each but the
guard runs the real entry point in a subprocess, because these are properties of the process."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import REPO, SAMPLE_LOGS

MAIN = "from mlmon.cli import main; main()"
ONE_DAY = SAMPLE_LOGS / "replica-a" / "app.log"
"""The sample week's last day (2026-11-15) from one replica: a report to write, read in a
third of the week's time (what is tested here is the writing)."""


def mlmon(*args: str, code: str = MAIN, env: dict | None = None, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, **(env or {})},
        **kwargs,
    )


def one_error_line(stderr: str, prefix: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(prefix), stderr
    assert "Traceback" not in stderr
    return lines[0]


def test_an_unexpected_exception_is_one_line_and_exit_2(monkeypatch, capsys):
    """The entry point's guard, in process: nothing here is a property of the process."""
    import mlmon.api.report
    from mlmon.cli import main

    monkeypatch.setattr(mlmon.api.report, "build_report", lambda *a, **k: 1 / 0)
    monkeypatch.setattr(sys, "argv", ["mlmon", "report", "x.log"])
    monkeypatch.delenv("MLMON_DEBUG", raising=False)
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 2
    line = one_error_line(capsys.readouterr().err, "mlmon: internal error: ZeroDivisionError: division by zero")
    assert line.endswith("(set MLMON_DEBUG=1 for the traceback)")
    monkeypatch.setenv("MLMON_DEBUG", "1")
    with pytest.raises(ZeroDivisionError):  # the traceback goes through, and Python exits 1
        main()


def test_closed_stdin_and_stdout_are_input_and_output_errors():
    closed_in = subprocess.run(
        ["bash", "-c", f'"{sys.executable}" -c "{MAIN}" report - <&-'], capture_output=True, text=True, cwd=REPO
    )
    assert closed_in.returncode == 2
    one_error_line(closed_in.stderr, "mlmon: error: -: standard input is closed")
    closed_out = subprocess.run(
        ["bash", "-c", f'"{sys.executable}" -c "{MAIN}" report "{ONE_DAY}" >&-'],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert closed_out.returncode == 2
    one_error_line(closed_out.stderr, "mlmon: error: cannot write the report: standard output is closed")


def test_a_full_disk_is_exit_2():
    if not os.path.exists("/dev/full"):
        return
    with open("/dev/full", "w") as full:
        run = subprocess.run(
            [sys.executable, "-c", MAIN, "report", str(ONE_DAY)],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO,
        )
    assert run.returncode == 2
    one_error_line(run.stderr, "mlmon: error: cannot write the report to standard output: No space left on device")


def test_a_reader_that_stops_early_is_not_an_error():
    """``mlmon report --window 5m | head -2``: 2,000 lines, far more than a pipe holds."""
    proc = subprocess.Popen(
        [sys.executable, "-c", MAIN, "report", str(SAMPLE_LOGS), "--window", "5m"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO,
    )
    assert proc.stdout.readline().startswith(b"mlmon report")
    proc.stdout.close()
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0, stderr
    assert stderr == ""


def test_a_terminal_that_cannot_encode_the_report_gets_replacements():
    run = mlmon("report", str(ONE_DAY), env={"PYTHONIOENCODING": "latin-1"})
    assert run.returncode == 0, run.stderr
    assert "time span    2026-11-15 00:00 ? 2026-11-15 23:59 UTC" in run.stdout  # the arrow has no latin-1 code
