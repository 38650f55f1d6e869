"""Never lose, destroy or misread the user's files (issue 21 §3).

* Every input is opened once: a pipe, a FIFO, a process substitution (``/dev/fd/N``) and
  standard input lose no byte to the look that tells a summary or a compressed stream from a
  log; every read is checked against the line count of what was written into it.
* Every line is counted once (a Docker record whose ``log`` is a bare newline included):
  ``lines = records + skipped_lines + outside_time_range``, and ``lines`` is the number of
  non-blank lines, counted here by Python.
* An output that names an input of the same run (same path, hard link, symbolic link, a
  file found in a directory, the reference, bench's model) is refused before anything is
  read or written, exit 2, one line naming both; the file is left byte for byte.
* mlmon's own files in a log directory are recognised by content, skipped and listed; one
  named as a log is an error that says what it is.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from mlmon.api.report import ReportOptions, build_report
from mlmon.api.summarize import SummaryOptions, build_summary, write_summary
from mlmon.cli import app
from mlmon.errors import InputError, UsageError
from mlmon.ingest import IngestOptions, read_logs
from mlmon.ingest.sniff import PROFILE, SUMMARY, kind_of
from tests.conftest import REPO, SAMPLE_LOGS

LOG = SAMPLE_LOGS / "replica-b" / "app.log"
REFERENCE = REPO / "references" / "train.json"
CLI = [sys.executable, "-c", "from mlmon.cli import main; main()"]


def non_blank_lines(data: bytes) -> int:
    """The oracle: lines holding something other than spaces, tabs and CR."""
    return sum(1 for line in data.split(b"\n") if line.strip(b" \t\r"))


def payload(n: int = 3000) -> bytes:
    """Numbered records (latency i) of about 190 kB: far more than any head read ahead."""
    return "".join(
        json.dumps(
            {
                "ts": f"2026-11-09T{i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d}Z",
                "event": "inference",
                "latency_ms": float(i),
                "pad": "x" * 20,
            }
        )
        + "\n"
        for i in range(n)
    ).encode()


def feed(fd: int, data: bytes, pieces: tuple[int, ...] = ()) -> threading.Thread:
    """Write ``data`` to the pipe ``fd`` from a thread: first ``pieces`` bytes one write
    each (a writer that sends a few bytes first), then the rest; then close it."""

    def run() -> None:
        with os.fdopen(fd, "wb", buffering=0) as out:
            at = 0
            for size in pieces:
                out.write(data[at : at + size])
                at += size
                time.sleep(0.05)  # lets the reader see the short piece alone
            out.write(data[at:])

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def read_through_a_pipe(data: bytes, pieces: tuple[int, ...] = (), **options):
    """``data`` read as ``/dev/fd/N``, what ``<(...)`` gives a program."""
    reader, writer = os.pipe()
    thread = feed(writer, data, pieces)
    try:
        result = read_logs([f"/dev/fd/{reader}"], IngestOptions(max_malformed_share=1.0, **options))
    finally:
        thread.join(timeout=60)
        os.close(reader)
    return result.frame.collect(), result.stats


# -- pipes, FIFOs, standard input --------------------------------------------------------


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gzip"])
@pytest.mark.parametrize("pieces", [(), (1, 2, 5)], ids=["one write", "a few bytes first"])
def test_a_process_substitution_loses_no_line(compress, pieces):
    data = payload()
    frame, stats = read_through_a_pipe(gzip.compress(data) if compress else data, pieces)
    assert stats.lines == non_blank_lines(data) == stats.records == 3000
    assert sorted(frame["latency_ms"].to_list()) == [float(i) for i in range(3000)]


def test_a_pipe_smaller_than_the_head_read_ahead_is_read_whole():
    data = payload(3)
    frame, stats = read_through_a_pipe(data)
    assert stats.records == 3 and frame["latency_ms"].to_list() == [0.0, 1.0, 2.0]


def test_the_report_of_a_pipe_counts_the_lines_of_the_file():
    """Through the summary check (``mlmon.api.inputs``): it once ate the first 256 bytes."""
    data = LOG.read_bytes()
    reader, writer = os.pipe()
    thread = feed(writer, data)
    try:
        report = build_report([f"/dev/fd/{reader}"])
    finally:
        thread.join(timeout=60)
        os.close(reader)
    assert report.ingest.lines == non_blank_lines(data) == report.ingest.records == 4441


def test_the_cli_reads_a_bash_process_substitution_whole():
    script = 'exec "$@" <(cat "$LOG")'
    run = subprocess.run(
        ["bash", "-c", script, "bash", *CLI, "report", "--format", "json"],
        capture_output=True,
        timeout=300,
        env={**os.environ, "LOG": str(LOG)},
    )
    assert run.returncode == 0, run.stderr
    inputs = json.loads(run.stdout)["inputs"]
    assert inputs["lines"] == inputs["records"] == non_blank_lines(LOG.read_bytes())


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gzip"])
def test_a_fifo_with_a_writer_is_read_once_whole_not_waited_on(tmp_path, compress):
    fifo = tmp_path / "live.log"
    os.mkfifo(fifo)
    data = payload()
    writer = subprocess.Popen(["sh", "-c", 'cat > "$0"', str(fifo)], stdin=subprocess.PIPE)
    reader = subprocess.Popen(
        [*CLI, "report", "--format", "json", str(fifo)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        writer.communicate(gzip.compress(data) if compress else data, timeout=300)
        out, err = reader.communicate(timeout=300)
    finally:
        writer.kill()
        reader.kill()
    assert reader.returncode == 0, err
    inputs = json.loads(out)["inputs"]
    assert inputs["lines"] == inputs["records"] == non_blank_lines(data)


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gzip"])
def test_standard_input_is_read_whole(compress):
    data = LOG.read_bytes()
    run = subprocess.run(
        [*CLI, "report", "--format", "json", "-"],
        input=gzip.compress(data) if compress else data,
        capture_output=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    inputs = json.loads(run.stdout)["inputs"]
    assert inputs["files"] == ["-"] and inputs["lines"] == inputs["records"] == non_blank_lines(data)


def test_a_summary_through_a_pipe_merges_like_the_file(tmp_path):
    path = tmp_path / "b.summary.json"
    write_summary(build_summary([str(LOG)]), path)
    reader, writer = os.pipe()
    thread = feed(writer, gzip.compress(path.read_bytes()), (2,))
    try:
        piped = build_report([f"/dev/fd/{reader}"], ReportOptions(window="1h"))
    finally:
        thread.join(timeout=60)
        os.close(reader)
    direct = build_report([str(LOG)], ReportOptions(window="1h"))
    assert piped.ingest.lines == direct.ingest.lines == 4441 and piped.overall.records == direct.overall.records


def _refusing_to_open(monkeypatch, bad: Path) -> str:
    """Make ``bad`` unreadable as a permission would (tests run as root, where chmod 000
    reads all the same): opening it raises what opening it would."""
    from mlmon.ingest import sources

    real_open, error = sources._open, f"{bad}: cannot open: Permission denied"

    def refusing(source):
        if source == str(bad):
            raise InputError(error)
        return real_open(source)

    monkeypatch.setattr(sources, "_open", refusing)
    return error


def test_an_unreadable_file_in_a_directory_is_skipped_beside_a_summary_as_without_one(runner, tmp_path, monkeypatch):
    summary, folder = tmp_path / "a.summary.json", tmp_path / "logs"
    write_summary(build_summary([str(LOG)], SummaryOptions(window="1h")), summary)
    folder.mkdir()
    shutil.copy(SAMPLE_LOGS / "replica-a" / "app.log", folder / "a.log")
    bad = folder / "b.log"
    bad.write_bytes(payload(10))
    error = _refusing_to_open(monkeypatch, bad)
    alone = runner.invoke(app, ["report", str(folder), "--window", "1h", "--format", "json"])
    mixed = runner.invoke(app, ["report", str(folder), str(summary), "--format", "json"])
    assert (alone.exit_code, mixed.exit_code) == (0, 0), mixed.output
    alone_inputs, mixed_inputs = json.loads(alone.stdout)["inputs"], json.loads(mixed.stdout)["inputs"]
    assert alone_inputs["unreadable_files"] == mixed_inputs["unreadable_files"] == [error]
    lines_a = non_blank_lines((SAMPLE_LOGS / "replica-a" / "app.log").read_bytes())
    assert alone_inputs["lines"] == lines_a and mixed_inputs["lines"] == lines_a + non_blank_lines(LOG.read_bytes())
    named = runner.invoke(app, ["report", str(bad), str(summary)])  # named on the command line: never skipped
    assert named.exit_code == 2 and named.stderr.strip() == f"mlmon: error: {error}"


def test_the_skipped_file_reads_the_same_beside_a_summary(runner, tmp_path, monkeypatch):
    """The words and the exit code a person sees, with and without a summary."""
    summary, folder = tmp_path / "a.summary.json", tmp_path / "logs"
    write_summary(build_summary([str(LOG)], SummaryOptions(window="1h")), summary)
    folder.mkdir()
    shutil.copy(SAMPLE_LOGS / "replica-a" / "app.log", folder / "a.log")
    shutil.copy(SAMPLE_LOGS / "replica-a" / "app.log.1", folder / "b.log")
    error = _refusing_to_open(monkeypatch, folder / "b.log")
    alone = runner.invoke(app, ["report", str(folder), "--window", "1h", "--p99-budget", "1ms"])
    mixed = runner.invoke(app, ["report", str(folder), str(summary), "--p99-budget", "1ms"])
    said = [[line for line in result.stdout.splitlines() if "unreadable" in line] for result in (alone, mixed)]
    assert (alone.exit_code, mixed.exit_code) == (1, 1), mixed.output  # the budget breached, as with the logs alone
    assert said[0] == said[1] == [f"skipped 1 unreadable file: {error}"]
    assert alone.stderr == mixed.stderr == ""


def test_reduce_logs_reads_what_was_discovered_without_looking_again(tmp_path, monkeypatch):
    from mlmon.analyses.ops import OpsReducer
    from mlmon.ingest.discovery import discover
    from mlmon.ingest.reader import reduce_logs

    folder = tmp_path / "logs"
    folder.mkdir()
    for name in ("a.log", "b.log.1"):
        shutil.copy(LOG, folder / name)
    files = [str(folder / "a.log"), str(folder / "b.log.1")]
    looks = _counting_sniffs(monkeypatch)
    found = discover([str(folder)])
    _, stats = reduce_logs(found, IngestOptions(), OpsReducer())
    assert looks == {path: 1 for path in files} and stats.files == tuple(files)
    assert reduce_logs([str(folder)], IngestOptions(), OpsReducer())[1] == stats  # from paths, it discovers them itself
    assert looks == {path: 2 for path in files}
    assert stats.lines == 2 * non_blank_lines(LOG.read_bytes())


def _counting_sniffs(monkeypatch) -> dict[str, int]:
    """How many times discovery looks at each file's first bytes, by path."""
    from mlmon.ingest import discovery

    looks: dict[str, int] = {}
    real = discovery.mlmon_kind

    def counting(path):
        looks[path] = looks.get(path, 0) + 1
        return real(path)

    monkeypatch.setattr(discovery, "mlmon_kind", counting)
    return looks


@pytest.mark.parametrize("with_summary", [False, True])
def test_each_input_is_looked_for_and_at_once_per_run(tmp_path, monkeypatch, with_summary):
    folder = tmp_path / "logs"
    folder.mkdir()
    for name in ("a.log", "b.log.1"):
        shutil.copy(LOG, folder / name)
    named = tmp_path / "c.jsonl"
    named.write_bytes(payload(50))
    inputs = [str(folder), str(named)]
    if with_summary:
        summary = tmp_path / "c.summary.json"
        write_summary(build_summary([str(named)], SummaryOptions(window="1h")), summary)
        inputs.insert(1, str(summary))
    looks = _counting_sniffs(monkeypatch)
    result = build_report(inputs, ReportOptions(window="1h"))
    assert looks == {path: 1 for path in [str(folder / "a.log"), str(folder / "b.log.1"), *inputs[1:]]}
    assert result.ingest.lines == 2 * non_blank_lines(LOG.read_bytes()) + (2 if with_summary else 1) * 50


# -- every line counted once -------------------------------------------------------------


def _docker(log: str, stream: str = "stdout") -> str:
    return json.dumps({"log": log, "stream": stream, "time": "2026-11-09T12:00:00.5Z"})


def _ok(i: int) -> str:
    return json.dumps({"ts": f"2026-11-09T12:00:{i:02d}Z", "latency_ms": float(i)})


HOSTILE = [
    (_ok(1), "record"),
    ("", None),
    ("   ", None),
    ("\t\r", None),
    (_docker(_ok(2) + "\n"), "record"),
    (_docker("\n"), "skipped"),
    (_docker("  \r\n", "stderr"), "skipped"),
    (_docker(_ok(3)), "skipped"),  # split by Docker
    (_docker("plain text\n"), "skipped"),
    ("not json", "skipped"),
    ("[1, 2]", "skipped"),
    ('{"ts": ', "skipped"),
    (json.dumps({"latency_ms": 5}), "skipped"),
    (json.dumps({"ts": "0001-01-01T00:00:00Z"}), "skipped"),
    ("2026-11-09T12:00:04Z stdout F " + _ok(4), "record"),
    ("2026-11-09T12:00:05Z stdout P " + _ok(5)[:10], "skipped"),
    ("[pod/a/b] " + _ok(6), "record"),
    (json.dumps({"ts": "2031-01-01T00:00:00Z", "latency_ms": 1}), "outside"),
    (_ok(7) + "\r", "record"),
    (_docker("\n"), "skipped"),
]


@pytest.mark.parametrize("how", ["file", "small chunks", "gzip", "pipe"])
def test_every_line_of_a_hostile_mix_is_counted_once(tmp_path, how):
    lines = [line for line, _ in HOSTILE] * 7
    data = "\n".join(lines).encode()  # no final newline: the last line is whole all the same
    expected = {what: sum(1 for _, kind in HOSTILE if kind == what) * 7 for what in ("record", "skipped", "outside")}
    until = {"until": "2030-01-01"}
    if how == "pipe":
        _, stats = read_through_a_pipe(data, **until)
    else:
        path = tmp_path / "mix.log"
        path.write_bytes(gzip.compress(data) if how == "gzip" else data)
        stats = read_logs(
            [str(path)],
            IngestOptions(max_malformed_share=1.0, chunk_bytes=512 if how == "small chunks" else 8 << 20, **until),
        ).stats
    assert stats.lines == non_blank_lines(data) == sum(expected.values())
    assert (stats.records, stats.skipped_lines, stats.outside_time_range) == (
        expected["record"],
        expected["skipped"],
        expected["outside"],
    )
    assert stats.lines == stats.records + stats.skipped_lines + stats.outside_time_range
    assert stats.lines_skipped["empty Docker line"] == 3 * 7


def test_empty_docker_lines_are_counted_but_are_not_malformed(tmp_path):
    path = tmp_path / "container.log"
    path.write_text(
        "".join(line + "\n" for line in [_docker(_ok(1) + "\n"), *[_docker("\n")] * 5, _docker(_ok(2) + "\n")])
    )
    stats = read_logs([str(path)]).stats  # the default 5% limit: blank lines are not malformed
    assert (stats.lines, stats.records, stats.skipped_lines, stats.malformed_share) == (7, 2, 5, 0.0)
    path.write_text(path.read_text() + "oops\n")
    with pytest.raises(InputError, match=r"1 of 8 lines \(12\.5%\) were skipped \(1 not JSON\).*first: .*:8: not JSON"):
        read_logs([str(path)])


# -- an output never replaces an input ---------------------------------------------------


@pytest.fixture
def logs(tmp_path):
    folder = tmp_path / "logs"
    folder.mkdir()
    shutil.copy(LOG, folder / "app.log")
    return folder


def _refused(runner, args, victim: Path, *names: str):
    before = victim.read_bytes()
    result = runner.invoke(app, args)
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 2, result.output
    assert len(lines) == 1 and lines[0].startswith("mlmon: error: ") and all(name in lines[0] for name in names), lines
    assert victim.read_bytes() == before
    return lines[0]


@pytest.mark.parametrize("command", [["report"], ["check"], ["summarize"], ["drift", "-r", str(REFERENCE)]])
def test_an_output_over_a_log_is_refused_before_anything_is_read(runner, logs, command, monkeypatch):
    from mlmon.ingest import sources

    def no_read(source):
        raise AssertionError(f"{source} was opened")

    monkeypatch.setattr(sources, "_open", no_read)  # every read of a log or a summary opens it here
    log = logs / "app.log"
    _refused(runner, [*command, str(log), "-o", str(log)], log, f"--output {log} would overwrite the input {log}")


@pytest.mark.parametrize("link", ["hard", "symbolic"])
def test_a_link_to_a_log_is_the_log(runner, logs, link):
    log, other = logs / "app.log", logs.parent / "other.log"
    os.link(log, other) if link == "hard" else other.symlink_to(log)
    line = _refused(runner, ["report", str(log), "-o", str(other)], log, str(log), str(other))
    assert ("hard link" if link == "hard" else "symbolic link") in line
    line = _refused(runner, ["report", str(other), "-o", str(log)], log, str(log), str(other))


def test_a_log_found_in_a_directory_or_by_a_glob_is_an_input(runner, logs):
    log = logs / "app.log"
    _refused(runner, ["report", str(logs), "--format", "json", "-o", str(log)], log, str(log))
    _refused(runner, ["summarize", str(logs / "*.log"), "-o", str(log)], log, str(log))


def test_the_reference_and_the_config_are_inputs(runner, logs, tmp_path):
    profile = tmp_path / "train.json"
    shutil.copy(REFERENCE, profile)
    _refused(
        runner,
        ["drift", str(logs), "-r", str(profile), "--format", "json", "-o", str(profile)],
        profile,
        "the reference profile",
    )
    config = tmp_path / "mlmon.toml"
    config.write_text('window = "1h"\n')
    _refused(runner, ["report", str(logs), "--config", str(config), "-o", str(config)], config, "the config file")


def test_bench_never_logs_over_its_model_or_its_output(runner, tmp_path):
    model = tmp_path / "model.onnx"
    shutil.copy(REPO / "mlmon" / "models" / "imgcls4.onnx", model)
    _refused(runner, ["bench", str(model), "-n", "1", "--log", str(model), "--force"], model, "--log", "the model")
    report = tmp_path / "bench.json"
    report.write_text("{}\n")
    _refused(
        runner,
        ["bench", str(model), "-n", "1", "--log", str(report), "--force", "-o", str(report)],
        report,
        "--output",
        "--log",
    )
    from mlmon.bench import run_bench

    with pytest.raises(UsageError, match="would overwrite the model"):
        run_bench(model, iterations=1, log=model)


def test_reference_build_never_writes_over_its_data(runner, tmp_path):
    table = tmp_path / "train.csv"
    shutil.copy(REPO / "references" / "train.csv", table)
    _refused(runner, ["reference", "build", str(table), "-o", str(table)], table, str(table))


def test_build_reference_never_writes_over_what_it_reads(tmp_path, logs):
    from mlmon.api.reference import build_reference

    table = tmp_path / "train.csv"
    shutil.copy(REPO / "references" / "train.csv", table)
    before = table.read_bytes()
    with pytest.raises(UsageError, match=f"the output {table} would overwrite the input {table}"):
        build_reference(str(table), table)
    with pytest.raises(UsageError, match="would overwrite the input"):
        build_reference(str(logs), logs / "app.log")
    assert table.read_bytes() == before


def test_write_summary_refuses_a_path_it_was_made_from(logs):
    summary = build_summary([str(logs)], SummaryOptions(reference=str(REFERENCE)))
    before = (logs / "app.log").read_bytes()
    with pytest.raises(UsageError, match="would overwrite the input"):
        write_summary(summary, logs / "app.log")
    with pytest.raises(UsageError, match="would overwrite the reference profile"):
        write_summary(summary, REFERENCE)
    assert (logs / "app.log").read_bytes() == before


def test_a_summary_in_the_directory_is_an_input_so_it_is_not_replaced(runner, logs):
    target = logs / "host.summary.json"
    assert runner.invoke(app, ["summarize", str(logs), "-o", str(target), "-q"]).exit_code == 0
    _refused(runner, ["summarize", str(logs), "-o", str(target)], target, f"would overwrite the input {target}")


def test_standard_input_redirected_from_the_output_file_is_refused(logs):
    log = logs / "app.log"
    before = log.read_bytes()
    with open(log, "rb") as stdin:
        run = subprocess.run([*CLI, "report", "-", "-o", str(log)], stdin=stdin, capture_output=True, timeout=300)
    message = (
        f"mlmon: error: --output {log} would overwrite the input - (standard input is that file): "
        f"write it elsewhere (nothing was written)"
    )
    assert run.returncode == 2 and run.stderr.decode().strip() == message
    assert log.read_bytes() == before


def test_last_runs_report_in_the_directory_may_be_replaced_and_is_not_read(runner, logs):
    target = logs / "report.json"
    for _ in range(2):
        result = runner.invoke(app, ["report", str(logs), "--format", "json", "-o", str(target)])
        assert result.exit_code == 0, result.output
    inputs = json.loads(target.read_text())["inputs"]
    assert inputs["files"] == [str(logs / "app.log")] and inputs["mlmon_files"] == [f"{target}: an mlmon report (JSON)"]
    assert inputs["lines"] == inputs["records"] == 4441


# -- mlmon's own files -------------------------------------------------------------------


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> dict[str, bytes]:
    """Every format mlmon writes, from the real renderers and the real profile."""
    from mlmon.api.check import CheckOptions, build_check
    from mlmon.api.drift import DriftOptions, build_drift_report
    from mlmon.render import OutputFormat, render
    from mlmon.summary.files import dumps

    folder = tmp_path_factory.mktemp("outputs")
    report = build_report([str(LOG)], ReportOptions(p99_budget="1ms"))
    made = {f"report.{f.value}": render(report, f, color=False).encode() for f in OutputFormat}
    made["drift.json"] = render(
        build_drift_report([str(LOG)], DriftOptions(reference=str(REFERENCE))), OutputFormat.JSON
    ).encode()
    made["check.json"] = render(build_check([str(LOG)], CheckOptions()), OutputFormat.JSON).encode()
    made["train.json"] = REFERENCE.read_bytes()
    made["b.summary.json"] = dumps(build_summary([str(LOG)])).encode()
    for name, data in made.items():
        (folder / name).write_bytes(data)
    return made


EXPECTED = {
    "report.terminal": "an mlmon report (terminal text)",
    "report.json": "an mlmon report (JSON)",
    "report.markdown": "an mlmon markdown report",
    "report.junit": "an mlmon JUnit XML report",
    "report.prometheus": "mlmon Prometheus metrics",
    "report.nagios": "an mlmon Nagios result",
    "report.html": "an mlmon HTML report",
    "drift.json": "an mlmon drift report (JSON)",
    "check.json": "an mlmon check result (JSON)",
    "train.json": PROFILE,
    "b.summary.json": SUMMARY,
}


def test_every_format_mlmon_writes_is_recognised_by_its_first_bytes(outputs):
    assert set(outputs) == set(EXPECTED)
    assert {name: kind_of(data[:8192]) for name, data in outputs.items()} == EXPECTED
    assert {name: kind_of(gzip.compress(data)[:8192]) for name, data in outputs.items()} == EXPECTED


def _dialects() -> list[bytes]:
    """One line of each dialect mlmon reads, and the logs mlmon itself writes."""
    return [
        (
            b'{"asctime": "2026-11-09 12:00:00,123", "levelname": "INFO", "message": "mlmon report done", '
            b'"latency_ms": 3}\n'
        ),
        b'{"event": "mlmon report", "timestamp": "2026-11-09T12:00:00Z", "level": "info"}\n',
        b'{"text": "mlmon check\\n", "record": {"message": "mlmon check", "time": {"timestamp": 1.7e9}}}\n',
        b'{"log": "{\\"mlmon_report_version\\": 2}\\n", "stream": "stdout", "time": "2026-11-09T12:00:00Z"}\n',
        b'2026-11-09T12:00:00Z stdout F {"ts": 1}\n',
        b"[pod/a/b] mlmon report\n",
        b"mlmon reporting for duty\n",
        b'mlmon report\n{"ts": 1}\n',
    ]


@pytest.mark.parametrize("data", [path.read_bytes() for path in sorted(SAMPLE_LOGS.rglob("app.log*"))] + _dialects())
def test_logs_are_not_taken_for_mlmon_files(data):
    assert kind_of(data[:8192]) is None


def test_mlmon_files_in_a_log_directory_are_skipped_and_listed(runner, logs, outputs):
    names = {
        "report.json": "old-report.json",
        "report.prometheus": "metrics.prom.log",
        "report.html": "report.html.log",
        "train.json": "train.json",
        "drift.json": "drift.json.gz",
    }
    for name, target in names.items():
        data = outputs[name]
        (logs / target).write_bytes(gzip.compress(data) if target.endswith(".gz") else data)
    result = runner.invoke(app, ["report", str(logs), "--format", "json"])
    assert result.exit_code == 0, result.output
    inputs = json.loads(result.stdout)["inputs"]
    assert inputs["files"] == [str(logs / "app.log")] and inputs["lines"] == inputs["records"] == 4441
    assert sorted(inputs["mlmon_files"]) == sorted(
        f"{logs / target}: {EXPECTED[name]}" for name, target in names.items()
    )
    text = runner.invoke(app, ["report", str(logs)]).stdout
    assert (
        "skipped 5 mlmon files (mlmon's own, not logs): " in text
        and f"{logs / 'drift.json.gz'}: an mlmon drift report (JSON)" in text
    )


def test_a_summary_in_a_log_directory_is_merged_not_listed(runner, logs, outputs):
    (logs / "b.summary.json").write_bytes(outputs["b.summary.json"])
    inputs = json.loads(runner.invoke(app, ["report", str(logs), "--window", "1h", "--format", "json"]).stdout)[
        "inputs"
    ]
    assert inputs["mlmon_files"] == [] and inputs["lines"] == 2 * 4441


def test_a_profile_named_as_a_log_says_to_pass_it_with_reference(runner, logs):
    for command in (["report"], ["drift", "-r", str(REFERENCE)]):
        result = runner.invoke(app, [*command, str(logs), str(REFERENCE)])
        assert result.exit_code == 2
        assert (
            result.stderr.strip() == f"mlmon: error: {REFERENCE}: this is a reference profile; pass it with --reference"
        )


@pytest.mark.parametrize("name", ["report.json", "report.html", "report.prometheus", "report.junit", "check.json"])
def test_an_output_named_as_a_log_says_what_it_is(runner, tmp_path, outputs, name):
    path = tmp_path / name
    path.write_bytes(outputs[name])
    result = runner.invoke(app, ["report", str(path)])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"mlmon: error: {path}: this is {EXPECTED[name]}, mlmon's own output, not a log"


def test_a_directory_of_mlmon_files_only_has_no_logs(runner, tmp_path, outputs):
    (tmp_path / "train.json").write_bytes(outputs["train.json"])
    result = runner.invoke(app, ["report", str(tmp_path)])
    assert (
        result.exit_code == 2
        and "no log files found, only mlmon's own files" in result.stderr
        and "a reference profile" in result.stderr
    )


@pytest.mark.parametrize("name", ["train.json", "report.json"])
def test_an_mlmon_file_through_a_pipe_is_named_as_such(outputs, name):
    reader, writer = os.pipe()
    thread = feed(writer, outputs[name])
    try:
        with pytest.raises(InputError, match=re.escape(f"/dev/fd/{reader}: this is {EXPECTED[name]}")):
            build_report([f"/dev/fd/{reader}"])
    finally:
        thread.join(timeout=60)
        os.close(reader)


def test_read_logs_refuses_a_summary_by_name(tmp_path, outputs):
    path = tmp_path / "b.summary.json"
    path.write_bytes(outputs["b.summary.json"])
    with pytest.raises(InputError, match="this is an mlmon summary"):
        read_logs([str(path)])


def test_the_dask_engine_refuses_a_pipe_its_workers_could_not_open():
    pytest.importorskip("distributed")
    from mlmon.analyses.ops import OpsReducer
    from mlmon.ingest import reduce_logs
    from mlmon.windows import WindowSpec

    reader, writer = os.pipe()
    thread = feed(writer, payload(3))
    try:
        with pytest.raises(UsageError, match=f"not a pipe or FIFO: /dev/fd/{reader}: use --engine local"):
            reduce_logs([f"/dev/fd/{reader}"], IngestOptions(engine="dask"), OpsReducer(WindowSpec()))
    finally:
        os.read(reader, 1 << 20)  # let the writer finish
        thread.join(timeout=60)
        os.close(reader)
