"""Hostile input at ingest (issue 9): shapes that crashed, records that vanished or were
miscounted, inputs that could not be read. Every case checks the accounting identity:
non-blank lines = records + skipped lines + outside the time range."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time
import zlib

import pytest

from mlmon.errors import InputError
from mlmon.ingest import IngestOptions, read_logs, sources

TS = "2026-11-09T12:00:00Z"


def read(path, **options):
    data = read_logs([str(path)], IngestOptions(max_malformed_share=1.0, **options))
    frame, stats = data.frame.collect(), data.stats
    assert stats.lines == stats.records + stats.skipped_lines + stats.outside_time_range
    return frame, stats


def write(tmp_path, lines: list[str], name: str = "app.log"):
    path = tmp_path / name
    path.write_text("".join(line + "\n" for line in lines))
    return path


def ok(i: int) -> str:
    return json.dumps({"ts": f"2026-11-09T12:00:{i:02d}Z", "latency_ms": float(i)})


# --- shapes that raised ------------------------------------------------------------------


@pytest.mark.parametrize(
    "record",
    [
        "text",
        [1, 2],
        3,
        True,
        None,
        {"extra": "x"},
        {"extra": [1]},
        {"time": "2026"},
        {"time": {"timestamp": "soon"}},
        {"extra": {"latency_ms": {"a": 1}}},
        {"level": 5, "message": ["m"]},
    ],
)
def test_a_record_key_of_any_shape_is_read_not_raised(tmp_path, record):
    line = json.dumps({"ts": TS, "latency_ms": 7.0, "record": record})
    frame, stats = read(write(tmp_path, [ok(1), line, ok(2)]))
    assert frame["latency_ms"].to_list() == [1.0, 2.0, 7.0] or sorted(frame["latency_ms"].to_list()) == [1.0, 2.0, 7.0]


def test_a_record_key_nested_deeper_than_any_parser_wants(tmp_path):
    deep = '{"ts": "%s", "latency_ms": 7, "record": {"extra": %s1%s}}' % (TS, '{"a":' * 150, "}" * 150)
    frame, stats = read(write(tmp_path, [ok(1), deep]))
    assert sorted(frame["latency_ms"].to_list()) == [1.0, 7.0]


def test_loguru_records_still_read_when_a_neighbour_has_another_shape(tmp_path):
    loguru = json.dumps(
        {"record": {"time": {"timestamp": 1.7628e9}, "extra": {"latency_ms": 5}, "level": {"name": "INFO"}}}
    )
    odd = json.dumps({"ts": TS, "latency_ms": 7, "record": "text"})
    frame, stats = read(write(tmp_path, [loguru, odd]))
    assert sorted(frame["latency_ms"].to_list()) == [5.0, 7.0] and stats.skipped == {}


@pytest.mark.parametrize(
    "ts",
    [
        "0000-01-01T00:00:00Z",
        "-0001-06-01T00:00:00Z",
        "1969-12-31T23:59:59Z",
        "2200-01-01T00:00:00Z",
        "9999-12-31T23:59:59Z",
        -1e10,
        -1.0,
    ],
)
def test_timestamps_outside_1970_to_2200_are_skipped_lines(tmp_path, ts):
    frame, stats = read(write(tmp_path, [ok(1), json.dumps({"ts": ts, "latency_ms": 5})]))
    assert frame.height == 1
    assert stats.lines_skipped == {"timestamp out of range": 1} or stats.lines_skipped == {"unparseable timestamp": 1}


def test_the_epoch_and_2199_are_in_range(tmp_path):
    frame, stats = read(
        write(
            tmp_path,
            [json.dumps({"ts": 0, "latency_ms": 1}), json.dumps({"ts": "2199-12-31T23:59:59Z", "latency_ms": 2})],
        )
    )
    assert frame.height == 2 and stats.skipped == {}


# --- records that vanished ---------------------------------------------------------------


@pytest.mark.parametrize("log", ["", "GET /predict 200", {"level": "info", "logger": "app"}, "line\n", ["a"]])
def test_a_log_key_that_is_not_a_docker_wrapper_is_the_records_own(tmp_path, log):
    line = json.dumps({"ts": TS, "latency_ms": 5, "status": "error", "log": log})
    frame, stats = read(write(tmp_path, [ok(1), line]))
    assert sorted(frame["latency_ms"].to_list()) == [1.0, 5.0]
    assert frame["error_kind"].to_list().count("error") == 1 and stats.skipped == {}


def test_docker_wrappers_are_unwrapped_and_split_lines_counted(tmp_path):
    def docker(text: str) -> str:
        return json.dumps({"log": text, "stream": "stdout", "time": "2026-11-09T12:00:09.5Z"})

    lines = [docker(ok(1) + "\n"), docker('{"ts": "2026-11-09T12:00:02Z", "laten'), docker(ok(3) + "\n")]
    frame, stats = read(write(tmp_path, lines))
    assert frame["latency_ms"].to_list() == [1.0, 3.0]
    assert stats.lines_skipped == {"partial Docker line": 1} and stats.lines == 3


@pytest.mark.parametrize("value", ["1e400", "-1e400", "9" * 400, "1.5e309"])
def test_a_number_too_big_for_a_double_keeps_its_record(tmp_path, value):
    huge = '{"ts": "%s", "latency_ms": %s, "status": "error"}' % (TS, value)
    frame, stats = read(write(tmp_path, [ok(1), huge]))
    assert frame.height == 2 and frame["error_kind"].to_list().count("error") == 1
    assert stats.values_not_used == {"impossible value: latency_ms": 1} and stats.skipped_lines == 0


def test_a_huge_number_in_a_field_nobody_reads_costs_nothing(tmp_path):
    huge = '{"ts": "%s", "latency_ms": 4, "trace": %s, "span": [1e999, 2]}' % (TS, "7" * 400)
    frame, stats = read(write(tmp_path, [ok(1), huge]))
    assert sorted(frame["latency_ms"].to_list()) == [1.0, 4.0] and stats.skipped == {}


@pytest.mark.parametrize("number", ["-170141183460469231731687303715884105729", "3" * 40, "-2e400"])
def test_a_number_beyond_128_bits_inside_a_nested_object_keeps_its_record(tmp_path, number):
    """Valid JSON that polars' validator accepts but its reader cannot type (found by the
    feature property test): the record is kept, not called malformed."""
    nested = '{"ts": "%s", "latency_ms": 4, "features": {"x": {"": %s}}}' % (TS, number)
    frame, stats = read(write(tmp_path, [ok(1), nested]))
    assert sorted(frame["latency_ms"].to_list()) == [1.0, 4.0] and stats.skipped_lines == 0


def _payload(n: int = 10) -> bytes:
    return "".join(ok(i) + "\n" for i in range(n)).encode()


def _flushed(data: bytes) -> bytes:
    """A gzip stream cut right after ``data``, with no trailer: truncated at a line boundary."""
    packer = zlib.compressobj(wbits=31)
    return packer.compress(data) + packer.flush(zlib.Z_SYNC_FLUSH)


@pytest.mark.parametrize("damage", ["bad crc", "trailing garbage", "cut at a line boundary"])
def test_damaged_gzip_counts_no_line_that_does_not_exist(tmp_path, damage):
    packed = gzip.compress(_payload())
    body = {
        "bad crc": packed[:-8] + b"\0\0\0\0" + packed[-4:],
        "trailing garbage": packed + b"garbage!",
        "cut at a line boundary": _flushed(_payload()),
    }[damage]
    path = tmp_path / "app.log.gz"
    path.write_bytes(body)
    data = read_logs([str(path)])  # the default 5% limit: nothing here is a skipped line
    assert data.stats.lines == data.stats.records == 10 and data.stats.skipped_lines == 0
    assert data.stats.values_not_used == {"compressed stream truncated or corrupt": 1}


def test_a_gzip_cut_inside_the_last_line_counts_it_once(tmp_path):
    path = tmp_path / "app.log.gz"
    path.write_bytes(_flushed(_payload()[:-9]))
    frame, stats = read(path)
    assert stats.lines == 10 and stats.records == 9 and stats.lines_skipped == {"truncated last line": 1}


def test_plain_text_that_starts_with_bzh_is_not_bz2(tmp_path):
    frame, stats = read(write(tmp_path, ["BZh91AY&SY is how bzip2 starts", ok(1), ok(2)]))
    assert frame.height == 2 and stats.lines_skipped == {"not JSON": 1}


def test_max_malformed_names_a_skipped_line_not_a_kept_value(tmp_path):
    lines = [json.dumps({"ts": TS, "latency_ms": "12ms"}), ok(1), "not json", "{broken", ok(2)]
    with pytest.raises(InputError) as error:
        read_logs([str(write(tmp_path, lines))])
    message = str(error.value)
    assert "2 of 5 lines (40.0%) were skipped (1 not JSON, 1 malformed JSON)" in message
    assert message.endswith("first: " + str(tmp_path / "app.log") + ":3: not JSON")


# --- lines too long, unreadable inputs ----------------------------------------------------


@pytest.mark.parametrize("where", ["middle", "last, with a newline", "last, without one"])
@pytest.mark.parametrize("compressed", [False, True])
def test_a_line_over_the_cap_is_skipped_and_counted(tmp_path, monkeypatch, where, compressed):
    monkeypatch.setattr(sources, "MAX_LINE_BYTES", 4096)
    long = '{"ts": "%s", "pad": "%s"}' % (TS, "x" * 20_000)
    lines = [ok(1), long, ok(3)] if where == "middle" else [ok(1), ok(2), long]
    text = "\n".join(lines) + ("" if where == "last, without one" else "\n")
    path = tmp_path / "app.log"
    path.write_bytes(gzip.compress(text.encode()) if compressed else text.encode())
    frame, stats = read(path, chunk_bytes=1024)
    assert stats.lines == 3 and frame.height == 2 and stats.lines_skipped == {"line too long": 1}
    assert [str(p) for p in stats.examples] == [f"{path}:{2 if where == 'middle' else 3}: line too long"]
    assert frame["latency_ms"].to_list() == ([1.0, 3.0] if where == "middle" else [1.0, 2.0])


def test_a_fifo_named_on_the_command_line_is_read(tmp_path):
    fifo = tmp_path / "pipe.log"
    os.mkfifo(fifo)
    writer = subprocess.Popen(["sh", "-c", f'cat > "{fifo}"'], stdin=subprocess.PIPE)
    writer.stdin.write(gzip.compress(_payload()))
    writer.stdin.close()
    frame, stats = read(fifo)
    writer.wait(timeout=10)
    assert frame.height == 10 and stats.skipped == {}


def test_a_fifo_inside_a_directory_is_ignored_not_waited_on(tmp_path):
    write(tmp_path, [ok(1)], "a.log")
    os.mkfifo(tmp_path / "b.log")
    data = read_logs([str(tmp_path)])
    assert data.stats.records == 1 and data.stats.ignored_files == (str(tmp_path / "b.log"),)


def test_an_unreadable_file_inside_a_directory_is_skipped_and_counted(tmp_path, monkeypatch):
    good, bad = write(tmp_path, [ok(1)], "a.log"), write(tmp_path, [ok(2)], "b.log")
    real_open = sources._open

    def refusing(source):
        if source == str(bad):
            raise InputError(f"{source}: cannot open: Permission denied")
        return real_open(source)

    monkeypatch.setattr(sources, "_open", refusing)
    data = read_logs([str(tmp_path)])
    assert data.stats.records == 1 and data.stats.unreadable_files == (f"{bad}: cannot open: Permission denied",)
    with pytest.raises(InputError, match="Permission denied"):
        read_logs([str(bad), str(good)])  # named on the command line: fatal


def test_ctrl_c_stops_a_run_even_when_the_shell_ignored_sigint():
    """A background job of a non-interactive shell starts with SIGINT ignored."""
    code = "from mlmon.cli import main; main()"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "report", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    proc.stdin.write((ok(1) + "\n").encode())
    proc.stdin.flush()
    time.sleep(2.0)  # imported and blocked reading stdin
    proc.send_signal(signal.SIGINT)
    try:
        code = proc.wait(timeout=20)
    finally:
        proc.kill()
    assert code == 130
    assert b"Traceback" not in proc.stderr.read()


def test_records_far_from_the_rest_in_time_are_named_with_the_range_that_leaves_them_out(tmp_path):
    from mlmon.api.report import build_report
    from mlmon.render import OutputFormat, render

    lines = [json.dumps({"ts": f"2026-11-09T00:{i // 60:02d}:{i % 60:02d}Z", "latency_ms": i}) for i in range(300)]
    report = build_report([str(write(tmp_path, [*lines, json.dumps({"ts": "2150-01-01T00:00:00Z", "latency_ms": 5})]))])
    far = report.far_from_rest
    assert far is not None and far.records == 1 and report.overall.records == 301
    assert (far.since.isoformat(), far.until.isoformat()) == ("2026-11-09T00:00:00+00:00", "2026-11-09T00:05:00+00:00")
    text = render(report, OutputFormat.TERMINAL, color=False)
    assert "1 record far outside the rest in time" in text and "--since 2026-11-09T00:00:00Z" in text
    assert build_report([str(write(tmp_path, lines, "near.log"))]).far_from_rest is None


@pytest.mark.parametrize(
    "bad", ['{"event": "inference", "latency_ms": }', '{"event" "inference"}', '{"ok": tru}', '{"a": 1}}']
)
def test_object_shaped_bad_lines_are_found_without_reading_every_line_alone(tmp_path, bad):
    """The first is set apart by its look, the others found by reading in pieces."""
    bad_at = {7, 1500, 1501, 2999}
    lines = [bad if n in bad_at else json.dumps({"ts": TS, "latency_ms": float(n)}) for n in range(1, 3001)]
    frame, stats = read(write(tmp_path, lines))
    assert stats.lines_skipped == {"malformed JSON": 4} and frame.height == 2996
    assert sorted(frame["latency_ms"].to_list()) == [float(n) for n in range(1, 3001) if n not in bad_at]
    assert [p.line for p in stats.examples] == sorted(bad_at)


# --- loguru records whose object polars renders as text that is not JSON ------------------


def _loguru(message: str, latency: float, i: int, extra: dict | None = None) -> str:
    record = {
        "message": message,
        "time": {"timestamp": 1762646400.5 + i, "repr": "2025-11-09 00:00:00"},
        "level": {"name": "INFO", "no": 20},
        "extra": {**(extra or {}), "latency_ms": latency},
    }
    return json.dumps({"text": message + "\n", "record": record})


_MESSAGES = ["ok", "C:\\path", "tab\there", "fine"]  # a backslash and a tab: escaped in the line, not by polars


def _loguru_lines(**extra) -> list[str]:
    return [_loguru(message, 10.0 + i, i, extra) for i, message in enumerate(_MESSAGES)]


def _assert_every_loguru_record(frame, stats):
    assert stats.skipped == {} and stats.records == 4
    assert sorted(frame["latency_ms"].to_list()) == [10.0, 11.0, 12.0, 13.0]
    assert sorted(frame["event"].to_list()) == sorted(_MESSAGES)


def test_a_loguru_message_with_a_backslash_or_a_tab_keeps_its_record(tmp_path):
    frame, stats = read(write(tmp_path, _loguru_lines()))
    _assert_every_loguru_record(frame, stats)


def test_a_loguru_record_after_a_kubectl_prefix_is_read_again_from_its_line(tmp_path):
    lines = [f"[pod/api-1/app] 2026-11-09T12:00:0{i}Z {line}" for i, line in enumerate(_loguru_lines())]
    frame, stats = read(write(tmp_path, lines))
    _assert_every_loguru_record(frame, stats)


def test_a_loguru_record_inside_a_docker_wrapper_is_read_again_from_its_line(tmp_path):
    lines = [
        json.dumps({"log": line + "\n", "stream": "stdout", "time": "2026-11-09T12:00:09.5Z"})
        for line in _loguru_lines()
    ]
    frame, stats = read(write(tmp_path, lines))
    _assert_every_loguru_record(frame, stats)


def test_a_quote_in_a_loguru_extra_key_keeps_the_record(tmp_path):
    lines = [_loguru("plain", 10.0 + i, i, {'say "hi"': i, "back\\slash": "x"}) for i in range(4)]
    frame, stats = read(write(tmp_path, lines))
    assert stats.skipped == {} and sorted(frame["latency_ms"].to_list()) == [10.0, 11.0, 12.0, 13.0]


def test_a_broken_loguru_record_beside_other_shapes_and_plain_lines(tmp_path):
    odd = json.dumps({"ts": TS, "latency_ms": 7, "record": "C:\\text"})
    frame, stats = read(write(tmp_path, [*_loguru_lines(), odd, ok(1)]))
    assert stats.skipped == {} and sorted(frame["latency_ms"].to_list()) == [1.0, 7.0, 10.0, 11.0, 12.0, 13.0]


@pytest.mark.parametrize("compressed", [False, True])
def test_a_broken_loguru_record_in_a_later_chunk_is_read_again_from_its_own_line(tmp_path, compressed):
    lines = [_loguru("C:\\run\\%d" % i if i % 7 == 3 else "ok", float(i), i) for i in range(300)]
    path = write(tmp_path, lines)
    if compressed:
        path = tmp_path / "app.log.gz"
        path.write_bytes(gzip.compress("".join(line + "\n" for line in lines).encode()))
    frame, stats = read(path, chunk_bytes=4096)
    assert stats.skipped == {} and sorted(frame["latency_ms"].to_list()) == [float(i) for i in range(300)]
    assert frame.filter(frame["latency_ms"] == 10.0)["event"].to_list() == ["C:\\run\\10"]
