"""Property tests for hostile input (issue 9): mlmon never tracebacks, never loses a line
silently, and computes its percentiles over exactly the intact records.

Hypothesis writes log files line by line: valid records (ISO or epoch time under ``ts``,
``timestamp`` or ``@timestamp``; ``latency_ms`` as a number, a numeric string, a string, null,
a negative, ``1e400`` or ``NaN`` as raw text; status, error, label and confidence; plain,
loguru-shaped ``record`` or Docker-wrapped) mixed with hostile lines (truncated JSON, arrays
and scalars, text, random bytes, invalid UTF-8, ``NaN``/``Infinity``, long keys, deep
nesting, ``"log"`` keys that are not Docker, ``"record"`` of odd shapes, timestamps in year 0,
negative or 9999, kubectl/CRI prefixes, blank and whitespace-only lines, CRLF, a BOM, a last
line without a newline). A file may then be gzipped, and the gzip truncated or corrupted.

Invariants:

1. **API**: ``read_logs`` and ``build_report`` return, or raise an ``MlmonError``; never
   another exception.
2. **CLI**: ``mlmon report FILE --format json`` exits 0, 1 or 2, never with an internal
   error, with at most three short lines on stderr and no traceback; stdout is JSON when it
   exits 0 or 1. Checked in-process with typer's runner (the boundary without the
   last-resort guard, so an unexpected exception shows) and, for fewer examples, in a real
   process.
3. **Accounting**: ``stats.lines`` equals the non-blank lines of the bytes written (after
   decompression; a leading BOM is removed; a line is blank when it is empty or only
   Unicode white space, ``\\n`` alone ends a line, and a last line without ``\\n`` counts),
   and ``lines == records + skipped_lines + outside_time_range``. A truncated gzip counts
   the lines zlib can recover from it; a corrupted one is checked for the identity only.
4. **Intact records**: in a file of valid records, clearly bad lines and blank lines, every
   valid record is kept and every bad line is skipped; and p50/p95/p99 latency equal
   ``numpy.percentile`` (linear) of the usable latencies (finite, not negative) of the
   valid records, to 1e-9 relative.

Time windows are left out: year 9999 with ``--window 1h`` is a matter of time and memory
bounds, measured by ``benchmarks/bench_hostile.py``.

Each test's ``@example``s are the minimal failing cases hypothesis found before issue 9's
fixes, kept as regression cases. ``MLMON_HYPOTHESIS_PROFILE=issue9-deep`` runs ten times
the examples, at random.
"""

from __future__ import annotations

import gzip
import json
import math
import os
import subprocess
import sys
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, example, given, reject, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from mlmon.api.report import ReportOptions, build_report
from mlmon.cli.app import app
from mlmon.errors import MlmonError
from mlmon.ingest import IngestOptions, read_logs
from tests.conftest import REPO

settings.register_profile(
    "issue9-ci",
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
settings.register_profile("issue9-deep", settings.get_profile("issue9-ci"), max_examples=600, derandomize=False)
PROFILE = settings.get_profile(os.environ.get("MLMON_HYPOTHESIS_PROFILE", "issue9-ci"))
SCALE = PROFILE.max_examples / 60


def examples(n: int) -> settings:
    return settings(PROFILE, max_examples=max(1, round(n * SCALE)))


MAIN = "from mlmon.cli import main; main()"
BOM = b"\xef\xbb\xbf"
WHITESPACE = "\t\x0b\x0c\r \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000"
"""Unicode White_Space without ``\\n`` (what polars' ``strip_chars`` strips). Python's
``str.isspace`` also counts ``\\x1c``-``\\x1f``, which mlmon does not."""
MAGICS = (b"\x1f\x8b\x08", b"BZh", b"\xfd7zXZ\x00")  # gzip is its magic plus method 8 (deflate)
T = '"2026-11-09T12:00:00Z"'


# --- valid records -------------------------------------------------------------------
# From 1974: an epoch in milliseconds below 1e11 (before 1973-03-03) reads as seconds, by design.
MOMENTS = st.datetimes(min_value=datetime(1974, 1, 1), max_value=datetime(2099, 12, 31))


@st.composite
def timestamps(draw) -> str:
    """Raw JSON text of a timestamp mlmon must read."""
    moment = draw(MOMENTS)
    seconds = moment.replace(tzinfo=UTC).timestamp()
    return draw(
        st.sampled_from(
            [
                f'"{moment:%Y-%m-%dT%H:%M:%S}Z"',
                f'"{moment.isoformat(timespec="microseconds")}Z"',
                f'"{moment:%Y-%m-%dT%H:%M:%S}+05:30"',
                f'"{moment:%Y-%m-%d %H:%M:%S},{moment.microsecond // 1000:03d}"',
                repr(seconds),
                str(int(seconds * 1000)),
                f'"{int(seconds)}"',
            ]
        )
    )


def _usable(x: float) -> st.SearchStrategy:
    return st.sampled_from([(repr(x), x), (json.dumps(str(x)), x)])


LATENCIES = st.one_of(
    st.floats(0, 1e12).flatmap(_usable),
    st.integers(0, 10**6).map(lambda i: (str(i), float(i))),
    st.floats(-1e6, -1e-3).map(lambda x: (repr(x), None)),
    st.sampled_from([(None, None), ("null", None), ('"12ms"', None), ('""', None), ("1e400", None), ("NaN", None)]),
)
"""(raw JSON text or None for absent, the latency mlmon must use or None)."""
EXTRAS = st.dictionaries(
    st.sampled_from(["status", "error", "label", "confidence", "level", "event", "model"]),
    st.sampled_from(
        ['"ok"', '"error"', '"timeout"', "200", "503", "null", "false", '"A"', "0.9", "7", '"RuntimeError: x"']
    ),
    max_size=4,
)


@dataclass(frozen=True)
class Record:
    line: bytes
    latency: float | None


@st.composite
def records(draw) -> Record:
    raw, latency = draw(LATENCIES)
    fields = {key: value for key, value in draw(EXTRAS).items()}
    if raw is not None:
        fields["latency_ms"] = raw
    body = lambda parts: "{" + ", ".join(f'"{k}": {v}' for k, v in parts.items()) + "}"  # noqa: E731
    shape = draw(st.sampled_from(["plain", "plain", "loguru", "docker"]))
    if shape == "loguru":
        seconds = draw(MOMENTS).replace(tzinfo=UTC).timestamp()
        record = {"time": body({"timestamp": repr(seconds)}), "extra": body(fields), "message": '"inference"'}
        return Record(body({"record": body(record)}).encode(), latency)
    key = draw(st.sampled_from(["ts", "timestamp", "@timestamp"]))
    inner = body({key: draw(timestamps()), **fields})
    if shape == "docker":
        inner = json.dumps({"log": inner + "\n", "stream": "stdout", "time": "2026-11-09T12:00:00.5Z"})
    return Record(inner.encode(), latency)


# --- hostile lines -------------------------------------------------------------------
def _nested(depth: int) -> str:
    return '{"a": ' * depth + "1" + "}" * depth


ODD_RECORD = [
    '"x"',
    "[1, 2]",
    "3",
    "null",
    "{}",
    '{"extra": "s"}',
    '{"extra": [1]}',
    '{"time": "x"}',
    '{"time": {"timestamp": "x"}}',
    '{"extra": {"latency_ms": {"a": 1}}}',
    '{"level": 5}',
    _nested(100),
]
ODD_TS = [
    '"0000-01-01T00:00:00Z"',
    '"-0001-01-01T00:00:00Z"',
    '"9999-12-31T23:59:59Z"',
    '"0001-01-01T00:00:00Z"',
    "-1e10",
    "1e300",
    "-1e300",
    "1e400",
    '"1e400"',
    '"2026-13-45T99:99:99Z"',
    "0",
    "-62135596800",
    "253402300800",
    '""',
    "{}",
    "[]",
    "true",
    '"NaN"',
    "NaN",
]
FIXED = [
    "[1, 2]",
    "3",
    '"text"',
    "true",
    "null",
    "{",
    "}",
    "{}",
    "Traceback (most recent call last):",
    "\x00\x00",
    '{"ts": ' + T + ', "latency_ms": Infinity}',
    '{"ts": ' + T + ', "latency_ms": -Infinity, "x": [NaN]}',
    '{"ts": ' + T + ', "confidence": NaN, "label": "A"}',
    '{"ts": NaN}',
    '{"ts": ' + T + ', "latency_ms": 1, "latency_ms": 2}',
    '{"ts": ' + T + ', "m": "\\ud800", "latency_ms": 4}',
    '{"ts": ' + T + ', "status_code": 1e400}',
    '{"log": "hello", "ts": ' + T + ', "latency_ms": 5}',
    '{"log": 5, "ts": ' + T + "}",
    '{"log": {"a": 1}}',
    '{"log": null, "ts": ' + T + "}",
    '{"log": "{\\"ts\\": 1}"}',
    '{"log": "[1]\\n", "time": ' + T + "}",
    '2026-11-09T12:00:00Z stdout F {"latency_ms": 3}',
    '2026-11-09T12:00:00Z stdout P {"latency_ms": 3}',
    '[pod/x/c] {"ts": ' + T + "}",
    '[pod/x/c] 2026-11-09T12:00:00.5Z {"latency_ms": 1}',
    "stdout F {}",
]


@st.composite
def hostile_lines(draw) -> bytes:
    """One line, without its terminator."""
    kind = draw(st.integers(0, 9))
    if kind <= 2:
        return draw(records()).line
    if kind == 3:
        line = draw(records()).line
        return line[: draw(st.integers(1, len(line) - 1))]
    if kind == 4:
        return draw(st.sampled_from(FIXED)).encode()
    if kind == 5:
        return ('{"ts": ' + T + ', "latency_ms": 2, "record": ' + draw(st.sampled_from(ODD_RECORD)) + "}").encode()
    if kind == 6:
        return ('{"ts": ' + draw(st.sampled_from(ODD_TS)) + ', "latency_ms": 3}').encode()
    if kind == 7:
        depth, shape = (
            draw(st.sampled_from([100, 600, 1100, 5000])),
            draw(st.sampled_from([("[", "]"), ('{"a": ', "}")])),
        )
        value = shape[0] * depth + shape[1] * depth if shape[0] == "[" else _nested(depth)
        size = draw(st.sampled_from([10, 1000, 100_000]))
        return ('{"ts": ' + T + ', "latency_ms": 1e400, "deep": ' + value + ', "' + "k" * size + '": 1}').encode()
    if kind == 8:
        return draw(st.text(WHITESPACE, max_size=4)).encode()
    raw = draw(st.one_of(st.binary(max_size=40), st.text(max_size=40).map(str.encode)))
    return raw.replace(b"\n", b"")


# --- files ---------------------------------------------------------------------------
@dataclass(frozen=True)
class LogFile:
    data: bytes  # the bytes written
    plain: bytes | None  # what can be decompressed from them (None: unknown, the stream is corrupt)


def join(draw, lines: list[bytes]) -> bytes:
    ends = [draw(st.sampled_from([b"\n", b"\n", b"\r\n"])) for _ in lines]
    if lines and draw(st.booleans()):
        ends[-1] = b""
    text = b"".join(line + end for line, end in zip(lines, ends))
    return (BOM if draw(st.integers(0, 4)) == 4 else b"") + text


@st.composite
def hostile_files(draw) -> LogFile:
    plain = join(draw, draw(st.lists(hostile_lines(), max_size=25)))
    mode = draw(st.sampled_from(["plain", "plain", "gzip", "truncated", "corrupt"]))
    if mode == "plain":
        if plain.startswith(MAGICS):  # read as compressed, by design
            reject()
        return LogFile(plain, plain)
    packed = gzip.compress(plain, mtime=0)
    if mode == "gzip":
        return LogFile(packed, plain)
    if mode == "truncated":
        cut = packed[: draw(st.integers(1, len(packed) - 1))]
        return LogFile(cut, recoverable(cut))
    at = draw(st.integers(10, len(packed) - 1))
    return LogFile(packed[:at] + bytes([packed[at] ^ draw(st.integers(1, 255))]) + packed[at + 1 :], None)


def recoverable(data: bytes) -> bytes | None:
    if not data.startswith(MAGICS[0]):
        return data
    try:
        return zlib.decompressobj(31).decompress(data)
    except zlib.error:
        return None


@dataclass(frozen=True)
class CleanFile:
    data: bytes
    valid: int
    bad: int
    latencies: list[float]


BAD = st.one_of(
    records().map(lambda r: r.line).flatmap(lambda line: st.integers(1, len(line) - 1).map(lambda k: line[:k])),
    st.sampled_from(
        [
            "[1, 2]",
            "42",
            '"text"',
            "Traceback (most recent call last):",
            "GET /health 200",
            '{"latency_ms": 5}',
            '{"ts": "yesterday", "latency_ms": 7}',
            '{"event": "inference", "latency_ms": }',
        ]
    ).map(str.encode),
)
"""Lines that must be skipped: truncated records, non-objects, text, no or bad timestamp."""


@st.composite
def clean_files(draw) -> CleanFile:
    items = draw(
        st.lists(st.one_of(records(), BAD, st.text(" \t\r", max_size=3).map(str.encode)), min_size=1, max_size=40)
    )
    items.append(draw(records()))
    items = draw(st.permutations(items))
    valid = [item for item in items if isinstance(item, Record)]
    bad = [item for item in items if isinstance(item, bytes) and item.strip()]
    plain = join(draw, [item.line if isinstance(item, Record) else item for item in items])
    data = gzip.compress(plain, mtime=0) if draw(st.booleans()) else plain
    return CleanFile(data, len(valid), len(bad), [r.latency for r in valid if r.latency is not None])


def nonblank_lines(plain: bytes) -> int:
    pieces = plain.removeprefix(BOM).split(b"\n")
    if pieces[-1] == b"":
        pieces.pop()
    return sum(1 for piece in pieces if piece.decode("utf-8", "replace").strip(WHITESPACE))


@contextmanager
def written(data: bytes, name: str = "app.log") -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="mlmon-prop-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        yield str(path)


SENTINEL = b'{"ts": "2026-11-09T12:00:00Z", "latency_ms": 1.5}\n'
WINDOWS = st.sampled_from(["all", "1", "7"])


# --- 1. the Python API ---------------------------------------------------------------
YEAR_0, RECORD_STRING, RECORD_EXTRA_OBJECT = (
    LogFile(line, line)
    for line in (
        b'{"ts": "0000-01-01T00:00:00Z", "latency_ms": 3}\n',
        b'{"ts": "2026-11-09T12:00:00Z", "latency_ms": 2, "record": "x"}\n',
        b'{"ts": "2026-11-09T12:00:00Z", "latency_ms": 2, "record": {"extra": {"latency_ms": {"a": 1}}}}\n',
    )
)


@examples(80)
@given(log=hostile_files(), window=WINDOWS, share=st.sampled_from([0.05, 1.0]))
@example(log=YEAR_0, window="all", share=0.05)
@example(log=RECORD_STRING, window="all", share=0.05)
@example(log=RECORD_EXTRA_OBJECT, window="all", share=0.05)
def test_api_returns_or_raises_an_mlmon_error(log, window, share):
    with written(log.data) as path:
        ingest = IngestOptions(max_malformed_share=share)
        for call in (
            lambda: read_logs([path], ingest).frame.collect(),
            lambda: build_report([path], ReportOptions(ingest, window)),
        ):
            with suppress(MlmonError):
                call()


# --- 2. the command line -------------------------------------------------------------
def check_cli(code: int, stdout: str, stderr: str) -> None:
    assert code in (0, 1, 2), (code, stderr)
    assert "Traceback" not in stderr and "internal error" not in stderr, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) <= 3 and all(len(line) <= 1000 for line in lines), stderr
    if code in (0, 1):
        json.loads(stdout)


@examples(40)
@given(log=hostile_files())
@example(log=RECORD_STRING)
def test_cli_in_process_exits_0_1_or_2_with_one_line(log):
    with written(log.data) as path:
        result = CliRunner().invoke(app, ["report", path, "--format", "json"])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    check_cli(result.exit_code, result.stdout, result.stderr)


@examples(6)
@given(log=hostile_files())
@example(log=YEAR_0)
def test_cli_process_never_tracebacks(log):
    env = {k: v for k, v in os.environ.items() if k != "MLMON_DEBUG"}
    with written(log.data) as path:
        run = subprocess.run(
            [sys.executable, "-c", MAIN, "report", path, "--format", "json"],
            check=False,
            capture_output=True,
            text=True,
            errors="replace",
            cwd=REPO,
            env=env,
            timeout=120,
        )
    check_cli(run.returncode, run.stdout, run.stderr)


# --- 3. accounting -------------------------------------------------------------------
@examples(80)
@given(log=hostile_files())
@example(log=LogFile(b"\x1f\x8b", b"\x1f\x8b"))  # not gzip: no method byte
@example(log=LogFile(gzip.compress(SENTINEL, mtime=0)[:-4], SENTINEL))
def test_every_nonblank_line_is_a_record_or_a_counted_skip(log):
    with written(log.data) as path, written(SENTINEL, "sentinel.log") as sentinel:
        try:
            stats = read_logs([path, sentinel], IngestOptions(max_malformed_share=1.0)).stats
        except MlmonError:
            return  # e.g. --max-malformed; nothing to account for
        except Exception:  # noqa: BLE001 - invariant 1's business
            reject()
    assert stats.entries == stats.records + stats.skipped_lines + stats.outside_time_range, stats  # CRI P pieces join
    if log.plain is not None:
        assert stats.lines == nonblank_lines(log.plain) + 1, stats


# --- 4. intact records ---------------------------------------------------------------
ISO = b'{"ts": "2000-01-01T00:00:00Z", "latency_ms": '
HUGE_LATENCY = CleanFile(ISO + b"1e400}\n" + ISO + b"0.0}\n", valid=2, bad=0, latencies=[0.0])
DOCKER_LAST_LINE = CleanFile(
    ISO + b'0.0}\n{"log": "{\\"ts\\": \\"2000-01-01T00:00:00Z\\", \\"latency_ms\\": 0.0}\\n", '
    b'"stream": "stdout", "time": "2026-11-09T12:00:00.5Z"}',
    valid=2,
    bad=0,
    latencies=[0.0, 0.0],
)


@examples(60)
@given(log=clean_files())
@example(log=HUGE_LATENCY)
def test_every_valid_record_is_kept_and_every_bad_line_skipped(log):
    with written(log.data) as path:
        stats = read_logs([path], IngestOptions(max_malformed_share=1.0)).stats
    assert (stats.records, stats.skipped_lines, stats.lines) == (log.valid, log.bad, log.valid + log.bad), stats


@examples(60)
@given(log=clean_files())
@example(log=DOCKER_LAST_LINE)
def test_percentiles_equal_numpy_over_intact_records(log):
    with written(log.data) as path:
        latency = build_report([path], ReportOptions(IngestOptions(max_malformed_share=1.0))).overall.latency
    assert latency.count == len(log.latencies)
    got = (latency.p50_ms, latency.p95_ms, latency.p99_ms)
    want = (
        tuple(float(np.percentile(np.array(log.latencies), q)) for q in (50, 95, 99)) if log.latencies else (None,) * 3
    )
    assert all(
        g == w or (g is not None and w is not None and math.isclose(g, w, rel_tol=1e-9)) for g, w in zip(got, want)
    ), (got, want)
