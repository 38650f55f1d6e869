"""Progress while reading (issue 12): the ingest hook reports bytes and records as a read
goes on, and the CLI draws them on stderr only where a person watches (a terminal, the
terminal format, no --quiet), transiently, and stops on Ctrl-C."""

from __future__ import annotations

import gzip
import io
import json
import os
import pty
import select
import subprocess
import sys

import pytest
from rich.console import Console

from mlmon.cli import app
from mlmon.cli import progress as cli_progress
from mlmon.cli.progress import ProgressDisplay, progress_shown, progress_wanted
from mlmon.ingest import progress as ingest_progress
from mlmon.ingest.options import IngestOptions
from mlmon.ingest.reader import read_logs
from tests.conftest import REPO


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    for name in [n for n in os.environ if n.startswith("MLMON_")]:
        monkeypatch.delenv(name)


def _lines(n: int, start: int = 0) -> str:
    return "".join(
        json.dumps(
            {
                "ts": 1_762_646_400 + i,
                "event": "inference",
                "latency_ms": 10 + i % 7,
                "status": "ok",
                "label": "AB"[i % 2],
            }
        )
        + "\n"
        for i in range(start, start + n)
    )


@pytest.fixture
def logs(tmp_path):
    plain = tmp_path / "a.jsonl"
    plain.write_text(_lines(3000))
    packed = tmp_path / "b.jsonl.gz"
    packed.write_bytes(gzip.compress(_lines(2000, start=3000).encode()))
    return [plain, packed]


def _observed(paths, **options):
    calls = []
    with ingest_progress.observing(lambda done, total, records: calls.append((done, total, records))):
        data = read_logs([str(p) for p in paths], IngestOptions(chunk_bytes=16_384, **options))
    return calls, data


def test_the_hook_sees_bytes_rise_to_the_files_sizes_and_every_record(logs):
    calls, data = _observed(logs)
    total = sum(p.stat().st_size for p in logs)
    assert len(calls) > 10  # once per chunk read and once per chunk folded
    assert {t for _, t, _ in calls} == {total}
    done = [d for d, _, _ in calls]
    records = [r for _, _, r in calls]
    assert done == sorted(done) and records == sorted(records)
    assert all(d <= total for d in done)
    assert calls[-1][0] == total and calls[-1][2] == data.stats.records == 5000
    # the plain file advances chunk by chunk; the compressed one counts when it is done
    first_size = logs[0].stat().st_size
    assert len({d for d in done if 0 < d < first_size}) > 5
    assert not [d for d in done if first_size < d < total]


def test_standard_input_has_no_total(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(_lines(10).encode())))
    calls = []
    with ingest_progress.observing(lambda *args: calls.append(args)):
        read_logs(["-"])
    assert calls and all(total is None for _, total, _ in calls) and calls[-1][2] == 10


def test_without_an_observer_there_is_no_meter(logs):
    assert ingest_progress.meter([str(p) for p in logs]) is None
    with ingest_progress.observing(lambda *args: None):
        assert ingest_progress.meter([str(p) for p in logs]) is not None
    assert ingest_progress.meter([str(p) for p in logs]) is None


class _TTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_wanted_only_on_a_terminal_in_the_terminal_format(monkeypatch):
    monkeypatch.delenv("TERM", raising=False)
    assert progress_wanted(False, None, _TTY()) and progress_wanted(False, "terminal", _TTY())
    assert not progress_wanted(True, "terminal", _TTY())  # --quiet
    assert not progress_wanted(False, "json", _TTY()) and not progress_wanted(False, "nagios", _TTY())
    assert not progress_wanted(False, "terminal", io.StringIO())  # not a terminal
    monkeypatch.setenv("TERM", "dumb")
    assert not progress_wanted(False, "terminal", _TTY())


def test_the_display_on_a_forced_terminal_appears_after_the_delay_and_goes():
    out = io.StringIO()
    now = [0.0]
    display = ProgressDisplay(
        console=Console(file=out, force_terminal=True, width=120), delay=1.0, clock=lambda: now[0]
    )
    display(1000, 4000, 10)
    assert display.progress is None and out.getvalue() == ""  # under a second: nothing
    now[0] = 2.0
    display(2_000_000, 4_000_000, 12_345)
    assert display.progress is not None
    display.stop()
    shown = out.getvalue()
    assert "reading" in shown and "2.0/4.0 MB" in shown and "12,345 records" in shown and "(6,172/s)" in shown
    assert "\x1b[2K" in shown[-40:]  # transient: the line is erased
    display(3_000_000, 4_000_000, 20_000)  # after stop: ignored
    assert display.progress is None


def test_ctrl_c_stops_the_display_and_unhooks_ingest():
    with pytest.raises(KeyboardInterrupt), progress_shown(True):
        display = cli_progress._ACTIVE.get()
        assert display is not None and ingest_progress._OBSERVER.get() is display
        raise KeyboardInterrupt
    assert display.stopped and cli_progress._ACTIVE.get() is None and ingest_progress._OBSERVER.get() is None


def test_no_progress_when_stderr_is_not_a_terminal(runner, logs, monkeypatch):
    monkeypatch.setattr(cli_progress, "DELAY_S", 0.0)
    result = runner.invoke(app, ["report", *map(str, logs)])
    assert result.exit_code == 0, result.output
    assert "reading" not in result.stderr and "\x1b" not in result.stderr


def _run_on_a_terminal(*args: str) -> tuple[int, str, str]:
    """Run mlmon with stderr on a pseudo-terminal (stdout a pipe), the delay at zero."""
    code = "import mlmon.cli.progress as p; p.DELAY_S = 0.0; from mlmon.cli import main; main()"
    master, slave = pty.openpty()
    try:
        proc = subprocess.run(
            [sys.executable, "-c", code, *args],
            stdout=subprocess.PIPE,
            stderr=slave,
            cwd=REPO,
            env={**os.environ, "TERM": "xterm", "COLUMNS": "120"},
            timeout=120,
        )
        chunks = []
        while select.select([master], [], [], 0.2)[0]:
            chunks.append(os.read(master, 65536))
    finally:
        os.close(slave)
        os.close(master)
    return proc.returncode, proc.stdout.decode(), b"".join(chunks).decode(errors="replace")


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_on_a_terminal_the_display_shows_and_leaves_stdout_alone(logs):
    code, out, err = _run_on_a_terminal("report", *map(str, logs))
    assert code == 0
    assert "reading" in err and "records (" in err and ("kB" in err or "MB" in err)
    assert out.startswith("mlmon report") and "\x1b[" not in out  # stdout is a pipe: no ANSI
    for args in (("--quiet",), ("--format", "json")):
        code, out, err = _run_on_a_terminal("report", *map(str, logs), *args)
        assert code == 0 and "records (" not in err, args
