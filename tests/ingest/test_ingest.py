"""Ingest: every input form, every dialect, every kind of bad line."""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
from datetime import UTC, datetime

import polars as pl
import pytest

from mlmon.errors import InputError, NoUsableRecordsError, UsageError
from mlmon.ingest import IngestOptions, Needs, read_logs, reduce_logs

T0 = "2026-11-09T12:00:00Z"


def records(path, **options):
    data = read_logs([str(path)], IngestOptions(**options))
    return data.frame.collect(), data.stats


def inference(i: int, **extra) -> dict:
    return {"timestamp": f"2026-11-09T12:00:{i:02d}Z", "event": "inference", "latency_ms": float(i), **extra}


# --- input forms -------------------------------------------------------------------------


def test_gzip_detected_by_magic_bytes_not_name(tmp_path):
    path = tmp_path / "app.log.2"  # logrotate without .gz suffix
    path.write_bytes(gzip.compress(b"".join(json.dumps(inference(i)).encode() + b"\n" for i in range(3))))
    frame, _ = records(path)
    assert frame["latency_ms"].to_list() == [0.0, 1.0, 2.0]


@pytest.mark.parametrize("compress", [bz2.compress, lzma.compress])
def test_bz2_and_xz(tmp_path, compress):
    path = tmp_path / "app.log"
    path.write_bytes(compress(b"".join(json.dumps(inference(i)).encode() + b"\n" for i in range(4))))
    frame, _ = records(path)
    assert frame.height == 4


def test_directory_recursive_and_glob_and_file_mixed(tmp_path, write_lines):
    (tmp_path / "a" / "b").mkdir(parents=True)
    write_lines("a/b/x.log", [inference(1)])
    write_lines("a/y.jsonl", [inference(2)])
    write_lines("a/notes.md", ["# not a log"])
    write_lines("z.log", [inference(3)])
    write_lines("w.ndjson", [inference(4)])
    data = read_logs([str(tmp_path / "a"), str(tmp_path / "z.*"), str(tmp_path / "w.ndjson")])
    assert data.stats.records == 4
    assert data.stats.ignored_files == (str(tmp_path / "a" / "notes.md"),)


def test_stdin(monkeypatch):
    import io
    import sys

    payload = "".join(json.dumps(inference(i)) + "\n" for i in range(3)).encode()

    class FakeStdin:
        buffer = io.BufferedReader(io.BytesIO(payload))

    monkeypatch.setattr(sys, "stdin", FakeStdin())
    data = read_logs(["-"])
    assert data.stats.records == 3
    assert data.frame.collect()["source"].to_list() == ["-"] * 3


def test_missing_path_and_empty_glob_are_input_errors(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_logs([str(tmp_path / "nope.log")])
    with pytest.raises(InputError, match="no files match"):
        read_logs([str(tmp_path / "*.log")])


def test_records_are_ordered_by_event_time_across_files(write_lines):
    late = write_lines("a.log", [inference(30), inference(40)])
    early = write_lines("b.log", [inference(10), inference(35)])
    frame = read_logs([str(late), str(early)]).frame.collect()
    assert frame["latency_ms"].to_list() == [10.0, 30.0, 35.0, 40.0]
    assert frame["source"].cast(pl.String).to_list() == [str(early), str(late), str(early), str(late)]


def test_small_chunks_give_the_same_result_as_one_chunk(write_lines):
    lines = [inference(i % 60, status="ok") for i in range(500)] + ["{broken"] + [inference(1)]
    path = write_lines("app.log", lines)
    whole, whole_stats = records(path)
    chunked, chunked_stats = records(path, chunk_bytes=256)
    assert whole.equals(chunked)
    assert whole_stats.skipped == chunked_stats.skipped == {"malformed JSON": 1}
    assert chunked_stats.examples[0].line == 501


def test_file_chunks_match_stream_chunks(tmp_path):
    """Plain files are cut at exact line boundaries; compressed ones through a carried
    remainder. Both must see the same lines, numbers included: a BOM, a line longer than
    the boundary probe, and no final newline."""
    from mlmon.ingest.sources import _BOUNDARY_PROBE, read_chunks

    lines = [json.dumps(inference(i % 60)) for i in range(300)]
    lines[120] = json.dumps(inference(1, note="x" * (_BOUNDARY_PROBE + 10)))
    body = b"\xef\xbb\xbf" + "\n".join(lines).encode()
    plain, packed = tmp_path / "a.log", tmp_path / "a.log.gz"
    plain.write_bytes(body)
    packed.write_bytes(gzip.compress(body))
    for chunk_bytes in (1_000, 1 << 20):
        got = [(c.data, c.starts_file, c.newlines) for c in read_chunks(str(plain), chunk_bytes)]
        joined = b"".join(data for data, _, _ in got)
        assert joined == body[3:]
        assert [starts for _, starts, _ in got] == [True] + [False] * (len(got) - 1)
        assert all(newlines == data.count(b"\n") for data, _, newlines in got)
        assert b"".join(c.data for c in read_chunks(str(packed), chunk_bytes)) == joined
    assert records(plain, chunk_bytes=1_000)[0].drop("source").equals(records(packed)[0].drop("source"))


def test_an_analysis_gets_only_the_columns_it_needs_and_merges_in_input_order(write_lines):
    lines = [inference(1, label="A"), inference(2, latency_ms="12ms"), inference(3)]
    path = str(write_lines("a.log", lines))
    narrow = read_logs([path], needs=Needs(("latency_ms",)))
    assert narrow.frame.collect_schema().names() == ["ts", "latency_ms"]
    assert narrow.stats.skipped == {"wrong type: latency_ms": 1}  # checked though not all kept

    class Labels:
        needs = Needs(("label",))

        def from_chunk(self, records):
            assert records.columns == ["ts", "label"]
            return records["label"].drop_nulls().cast(pl.String).to_list()

        def merge(self, left, right):
            return left + right

    many = [{"ts": 1_700_000_000 + i, "latency_ms": 1.0, "label": f"L{i}"} for i in range(3000)]
    state, stats = reduce_logs([str(write_lines("b.log", many))], IngestOptions(chunk_bytes=4096), Labels())
    assert state == [f"L{i}" for i in range(3000)] and stats.records == 3000


# --- dialects -------------------------------------------------------------------------------


def test_python_json_logger_dialect(write_lines):
    path = write_lines(
        "a.log",
        [
            {
                "asctime": "2026-11-09 12:00:00,250",
                "levelname": "ERROR",
                "message": "inference",
                "latency_ms": 5,
                "status": "error",
            }
        ],
    )
    frame, _ = records(path)
    row = frame.row(0, named=True)
    assert row["ts"] == datetime(2026, 11, 9, 12, 0, 0, 250000, tzinfo=UTC)
    assert (row["level"], row["event"], row["error_kind"]) == ("error", "inference", "error")


def test_structlog_dialect(write_lines):
    path = write_lines(
        "a.log",
        [
            {
                "event": "prediction",
                "timestamp": "2026-11-09T12:00:00.5Z",
                "level": "info",
                "label": "A",
                "confidence": 0.9,
            }
        ],
    )
    row = records(path)[0].row(0, named=True)
    assert (row["event"], row["label"], row["confidence"]) == ("prediction", "A", 0.9)


def test_loguru_serialize_dialect(write_lines):
    line = {
        "text": "inference\n",
        "record": {
            "message": "inference",
            "level": {"name": "INFO"},
            "time": {"timestamp": 1762689600.5},
            "extra": {"latency_ms": 12.5, "model_version": "2"},
        },
    }
    row = records(write_lines("a.log", [line]))[0].row(0, named=True)
    assert row["ts"] == datetime(2025, 11, 9, 12, 0, 0, 500000, tzinfo=UTC)
    assert (row["latency_ms"], row["model_version"], row["level"]) == (12.5, "2", "info")


def test_docker_json_file_wrapper(write_lines):
    inner = json.dumps({"event": "inference", "latency_ms": 8})
    path = write_lines("a.log", [{"log": inner + "\n", "stream": "stdout", "time": "2026-11-09T12:00:08.1Z"}])
    row = records(path)[0].row(0, named=True)
    assert row["latency_ms"] == 8.0
    assert row["ts"] == datetime(2026, 11, 9, 12, 0, 8, 100000, tzinfo=UTC)


def test_kubectl_prefix_timestamps_and_cri(write_lines):
    body = json.dumps({"event": "inference", "latency_ms": 3})
    path = write_lines(
        "a.log",
        [
            f"[pod/api-7f/app] {json.dumps(inference(1))}",
            f"2026-11-09T12:00:02.000000001Z {body}",
            f"[pod/api-7f/app] 2026-11-09T12:00:03Z {body}",
            f"2026-11-09T12:00:04.5Z stdout F {body}",
        ],
    )
    frame, stats = records(path)
    assert frame["ts"].dt.second().to_list() == [1, 2, 3, 4]
    assert stats.skipped == {}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-11-09T12:00:00Z", datetime(2026, 11, 9, 12, tzinfo=UTC)),
        ("2026-11-09T14:00:00+02:00", datetime(2026, 11, 9, 12, tzinfo=UTC)),
        ("2026-11-09T12:00:00", datetime(2026, 11, 9, 12, tzinfo=UTC)),
        ("2026-11-09 12:00:00,123", datetime(2026, 11, 9, 12, 0, 0, 123000, tzinfo=UTC)),
        (1762689600, datetime(2025, 11, 9, 12, tzinfo=UTC)),
        (1762689600123, datetime(2025, 11, 9, 12, 0, 0, 123000, tzinfo=UTC)),
        (1762689600123456, datetime(2025, 11, 9, 12, 0, 0, 123456, tzinfo=UTC)),
        (1762689600123456000, datetime(2025, 11, 9, 12, 0, 0, 123456, tzinfo=UTC)),
        ("1762689600.25", datetime(2025, 11, 9, 12, 0, 0, 250000, tzinfo=UTC)),
    ],
)
def test_timestamp_forms(write_lines, raw, expected):
    row = records(write_lines("a.log", [{"ts": raw, "latency_ms": 1}]))[0].row(0, named=True)
    assert row["ts"] == expected


@pytest.mark.parametrize(
    ("field", "value", "expected_ms"),
    [
        ("latency_ms", 12, 12.0),
        ("latency_us", 1500, 1.5),
        ("latency_s", 0.25, 250.0),
        ("duration_seconds", 2, 2000.0),
        ("elapsed", 7, 7.0),
    ],
)
def test_latency_unit_from_field_name(write_lines, field, value, expected_ms):
    row = records(write_lines("a.log", [{"ts": T0, field: value}]))[0].row(0, named=True)
    assert row["latency_ms"] == pytest.approx(expected_ms)


def test_field_override_with_nested_path_and_unit(write_lines):
    path = write_lines("a.log", [{"ts": T0, "latency_ms": 999, "timings": {"total": 0.5}}])
    frame, _ = records(path, fields={"latency_s": "timings.total"})
    assert frame["latency_ms"].to_list() == [500.0]


def test_unknown_field_override_is_usage_error(write_lines):
    with pytest.raises(UsageError, match="unknown field"):
        records(write_lines("a.log", [inference(1)]), fields={"latncy": "x"})


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ({"status": "timeout"}, "timeout"),
        ({"status": "invalid_input"}, "invalid_input"),
        ({"status": "error"}, "error"),
        ({"status_code": 503}, "http_5xx"),
        ({"status_code": 422}, "invalid_input"),
        ({"status": 500}, "http_5xx"),
        ({"level": "ERROR"}, "error"),
        ({"error": "boom"}, "error"),
        ({"exc_info": "Traceback..."}, "error"),
        ({"status": "ok", "status_code": 200}, None),
        ({"error": None}, None),
    ],
)
def test_error_classification(write_lines, line, kind):
    timed, bare = records(write_lines("a.log", [{"ts": T0, "latency_ms": 1, **line}, {"ts": T0, **line}]))[0].iter_rows(
        named=True
    )
    assert timed["error_kind"] == bare["error_kind"] == kind
    assert timed["is_request"]  # a latency makes a request
    # Without a latency, a record is a request when it has a status, a status code or an error.
    assert bare["is_request"] == (kind is not None or "status" in line or "status_code" in line)


@pytest.mark.parametrize("chunk_bytes", [None, 64 << 10])
def test_field_first_seen_after_25000_records(write_lines, chunk_bytes):
    """Later chunks of a file are read with the keys its earlier chunks had; a key first
    seen late (an error field, another latency name, a version) must still be read."""
    late = [
        {"timestamp": "2026-11-09T13:00:00Z", "event": "inference", "exc_info": "Traceback ...", "latency_ms": 3.0},
        {"timestamp": "2026-11-09T13:00:01Z", "event": "inference", "duration_s": 0.25, "model_version": "2"},
    ]
    lines = [inference(i % 60) for i in range(25_000)] + late
    options = {"chunk_bytes": chunk_bytes} if chunk_bytes else {}
    frame, stats = records(write_lines("a.log", lines), **options)
    assert frame["error_kind"].drop_nulls().to_list() == ["error"]
    assert frame["latency_ms"].tail(1).to_list() == [250.0]
    assert frame["model_version"].drop_nulls().cast(pl.String).to_list() == ["2"]
    assert stats.skipped == {}


def test_number_arriving_later_as_string(write_lines):
    lines = [inference(i % 60) for i in range(2_000)] + [{"ts": T0, "latency_ms": "12.5"}]
    frame, stats = records(write_lines("a.log", lines))
    assert frame.height == 2_001 and 12.5 in frame["latency_ms"].to_list()
    assert stats.skipped == {}


# --- bad input ------------------------------------------------------------------------------


def test_each_kind_of_bad_line_is_counted_with_file_and_line(write_lines):
    path = write_lines(
        "a.log",
        [
            inference(1),  # 1 ok
            '{"timestamp": "2026-11-09T12:00:02Z", "lat',  # 2 malformed
            inference(3, latency_ms="12ms"),  # 3 wrong type (record kept)
            "",  # 4 blank (not a problem)
            '{"timestamp": "2026-11-09T12:00:05Z", "latency_ms": NaN}',  # 5 NaN
            inference(6, latency_ms=-4),  # 6 negative latency
            "[1, 2, 3]",  # 7 not an object
            "Traceback (most recent call last):",  # 8 not JSON
            {"event": "inference", "latency_ms": 3},  # 9 no timestamp
            {"ts": "yesterday", "latency_ms": 3},  # 10 bad timestamp
            inference(11, confidence=1.7),  # 11 impossible confidence
            '{"timestamp": "2026-11-09T12:00:12Z", "latency_ms": 1',  # 12 truncated last line
        ],
        final_newline=False,
    )
    frame, stats = records(path, max_malformed_share=1.0)
    assert stats.skipped == {
        "malformed JSON": 1,
        "wrong type: latency_ms": 1,
        "impossible value: NaN/Infinity read as null": 1,
        "impossible value: latency_ms": 1,
        "not a JSON object": 1,
        "not JSON": 1,
        "missing timestamp": 1,
        "unparseable timestamp": 1,
        "impossible value: confidence": 1,
        "truncated last line": 1,
    }
    assert frame.height == 5  # lines 1, 3, 5, 6, 11 are kept; bad values nulled
    assert frame["latency_ms"].to_list() == [1.0, None, None, None, 11.0]
    assert stats.lines == 11 and stats.skipped_lines == 6
    assert [str(p) for p in stats.examples][:3] == [
        f"{path}:2: malformed JSON",
        f"{path}:3: wrong type: latency_ms",
        f"{path}:5: impossible value: NaN/Infinity read as null",
    ]


def test_crlf_line_endings(write_lines):
    frame, stats = records(write_lines("a.log", [inference(1), inference(2)], newline="\r\n"))
    assert frame["latency_ms"].to_list() == [1.0, 2.0] and stats.skipped == {}


def test_truncated_gzip_keeps_what_was_read(tmp_path):
    payload = gzip.compress(b"".join(json.dumps(inference(i % 60)).encode() + b"\n" for i in range(2000)))
    path = tmp_path / "app.log.3.gz"
    path.write_bytes(payload[: len(payload) // 2])
    frame, stats = records(path, max_malformed_share=1.0)
    assert 0 < frame.height < 2000
    assert stats.skipped["compressed stream truncated or corrupt"] == 1


def test_empty_file_is_no_usable_records(tmp_path):
    path = tmp_path / "empty.log"
    path.write_text("")
    with pytest.raises(NoUsableRecordsError, match="no usable records"):
        read_logs([str(path)])


def test_malformed_share_over_limit_is_input_error(write_lines):
    path = write_lines("a.log", [inference(i) for i in range(10)] + ["{bad"] * 2)
    with pytest.raises(InputError, match=r"2 of 12 lines \(16.7%\)"):
        records(path)
    frame, _ = records(path, max_malformed_share=0.2)
    assert frame.height == 10


def test_since_until_filter_on_event_time(write_lines):
    path = write_lines("a.log", [inference(i) for i in range(10)])
    since = datetime(2026, 11, 9, 12, 0, 3, tzinfo=UTC)
    until = datetime(2026, 11, 9, 12, 0, 6, tzinfo=UTC)
    frame, stats = records(path, since=since, until=until)
    assert frame["latency_ms"].to_list() == [3.0, 4.0, 5.0]
    assert stats.outside_time_range == 7


def test_sample_logs_read_with_the_one_planted_malformed_line():
    from tests.conftest import SAMPLE_LOGS

    data = read_logs([str(SAMPLE_LOGS)])
    assert data.stats.skipped == {"malformed JSON": 1}
    assert str(data.stats.examples[0]).endswith("replica-a/app.log.1:2614: malformed JSON")
    assert len(data.stats.files) == 14


def test_status_code_bounds_and_the_4xx_edge(write_lines):
    lines = [{"ts": T0, "status_code": code} for code in (99, 100, 399, 400, 499, 500, 599, 600)]
    frame, stats = records(write_lines("a.log", lines))
    assert frame["status_code"].to_list() == [None, 100, 399, 400, 499, 500, 599, None]
    assert frame["error_kind"].cast(pl.String).to_list() == [
        None,
        None,
        None,
        "invalid_input",
        "invalid_input",
        "http_5xx",
        "http_5xx",
        None,
    ]
    assert stats.skipped == {"impossible value: status_code": 2}


def test_probabilities_are_read_from_objects_and_arrays(write_lines):
    lines = [
        {"ts": T0, "label": "A", "probabilities": {"A": 0.7, "B": 0.2, "C": 0.1}},
        {"ts": T0, "label": "B", "probabilities": [0.25, 0.75]},
        {"ts": T0, "label": "C", "probabilities": {"A": 0.5, "B": "n/a", "C": 0.5}},
    ]
    data = read_logs([str(write_lines("a.log", lines))], needs=Needs(("label", "probabilities")))
    assert data.frame.collect()["probabilities"].to_list() == [[0.7, 0.2, 0.1], [0.25, 0.75], [0.5, 0.5]]
