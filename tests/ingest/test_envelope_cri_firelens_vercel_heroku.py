"""The CRI (kubelet), FireLens, Vercel and Heroku envelopes (issue 26; fixtures in
tests/ingest/envelopes/): each shape told from its first bytes and no other log taken for it,
the records, times, levels and where they came from, the items skipped and where, damaged
shapes counted and never raised, ``--envelope`` forced, and the account (entries = records +
skipped + outside the time range). Oracles: json, datetime, and byte counts worked by hand."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mlmon.errors import NoUsableRecordsError
from mlmon.ingest.envelopes import cri, envelope_for, firelens, heroku, vercel
from mlmon.ingest.envelopes._documents import array_items
from tests.conftest import SAMPLE_LOGS
from tests.ingest.envelope_reads import problems, read_accounted

ENVELOPES = Path(__file__).parent / "envelopes"
LOGS = sorted(p for p in SAMPLE_LOGS.rglob("*.log*") if p.is_file())
POD = "default_imgcls-6d5f7b8c9-x7k2p_6f1e2d3c-4b5a-4978-8e6f-5a4b3c2d1e0f"
COLUMNS = ("ts", "level", "request_id", "status_code", "latency_ms", "event", "label")
RECORD = json.dumps({"event": "inference", "request_id": "r-1", "latency_ms": 12.5, "status": "ok"})


def read(path: Path, **options):
    return read_accounted([path], COLUMNS, **options)


def given(unwrapped, key: str) -> list:
    return list(unwrapped.given[key])


# --- detection ------------------------------------------------------------------------

HEADS = {
    "cri": (ENVELOPES / "cri/pods" / POD / "server/0.log").read_bytes(),
    "firelens": (ENVELOPES / "firelens/firelens.jsonl").read_bytes(),
    "vercel": (ENVELOPES / "vercel/drain.ndjson").read_bytes(),
    "vercel/array": (ENVELOPES / "vercel/drain.json").read_bytes(),
    "heroku": (ENVELOPES / "heroku/drain-body.txt").read_bytes(),
}
DETECTORS = {
    "cri": cri.detect,
    "firelens": firelens.detect,
    "vercel": vercel.detect_lines,
    "vercel/array": vercel.detect_array,
    "heroku": heroku.detect,
}
NOT_ENVELOPES = {
    "mlmon record": RECORD.encode() + b"\n",
    "Docker json-file": json.dumps({"log": RECORD + "\n", "stream": "stdout", "time": "2026-11-20T16:00:00Z"}).encode(),
    "kubectl --timestamps": b"2026-11-20T16:00:00.123456789Z " + RECORD.encode() + b"\n",
    "kubectl --prefix": b"[pod/imgcls-7f/server] " + RECORD.encode() + b"\n",
    "CloudWatch export line": b"2026-11-20T12:00:00.000Z stdout is where " + RECORD.encode() + b"\n",
    "a record logging a container": json.dumps({"log": "x", "container": {"id": "3f2a"}}).encode(),
    "a record with a deploymentId": json.dumps({"deploymentId": "d-1", "latency_ms": 3}).encode(),
    "a JSON array of records": b"[" + RECORD.encode() + b"]",
    "syslog without framing": b"<190>1 2026-11-20T19:00:00+00:00 host app web.1 - " + RECORD.encode(),
    "an octet count before text": b"12 hello world\n",
    "CRI-like with no time": b"stdout F " + RECORD.encode(),
}


@pytest.mark.parametrize("name", HEADS)
def test_each_shape_is_told_by_its_own_detector_only(name):
    accepted = {other for other, detect in DETECTORS.items() if detect(HEADS[name][:8192])}
    assert accepted == {name}
    assert envelope_for(HEADS[name][:8192]).key == name


@pytest.mark.parametrize("name", NOT_ENVELOPES)
def test_other_logs_are_not_taken_for_these_envelopes(name):
    assert not any(detect(NOT_ENVELOPES[name]) for detect in DETECTORS.values())


def test_the_sample_logs_are_taken_for_none_of_them():
    heads = [gzip.decompress(p.read_bytes())[:8192] if p.suffix == ".gz" else p.read_bytes()[:8192] for p in LOGS]
    assert LOGS and not [i for i, head in enumerate(heads) if any(detect(head) for detect in DETECTORS.values())]


def test_a_head_cut_mid_line_is_still_told():
    assert cri.detect(b'\n2026-11-20T16:00:00.1+01:00 stderr P {"ev')
    assert cri.detect(b"2026-11-20T16:00:00Z stdout F:x {}")  # a tag with extras, as the kubelet allows
    assert heroku.detect(HEADS["heroku"][:20])
    assert firelens.detect(HEADS["firelens"][:400])


# --- CRI ------------------------------------------------------------------------------


def cri_line(second: int, stream: str, tag: str, content: str, fraction: str = "") -> str:
    return f"2026-11-20T16:00:{second:02d}{fraction}Z {stream} {tag} {content}\n"


def test_cri_pieces_join_byte_for_byte_per_stream_at_the_first_pieces_line_and_time(tmp_path):
    one = json.dumps({"event": "inference", "request_id": "c-1", "latency_ms": 7.25, "status": "ok"})
    two = json.dumps({"event": "prediction", "request_id": "c-1", "label": "é"})
    body = "".join(
        [
            cri_line(1, "stdout", "P", one[:5], ".000001"),
            cri_line(2, "stderr", "F", json.dumps({"event": "inference", "latency_ms": 99.0})),
            cri_line(3, "stdout", "P", one[5:30]),
            cri_line(4, "stdout", "F", one[30:]),
            cri_line(5, "stdout", "P", two[:20]),
            cri_line(6, "stdout", "F", two[20:]),
        ]
    )
    path = tmp_path / "pods" / "ml_imgcls-1_0a1b/server/3.log"
    path.parent.mkdir(parents=True)
    path.write_text(body)
    unwrapped = cri.unwrap(path.read_bytes(), str(path))
    assert [json.loads(line) for line in unwrapped.data.decode().splitlines()] == [
        json.loads(one),
        {"event": "inference", "latency_ms": 99.0},
        json.loads(two),
    ]
    assert unwrapped.lines.tolist() == [1, 2, 5]
    assert given(unwrapped, "ts") == ["2026-11-20T16:00:01.000001Z", "2026-11-20T16:00:02Z", "2026-11-20T16:00:05Z"]
    assert given(unwrapped, "source.stream") == ["stdout", "stderr", "stdout"]
    assert given(unwrapped, "source.namespace") == ["ml"] * 3
    assert given(unwrapped, "source.pod") == ["imgcls-1"] * 3
    assert given(unwrapped, "source.container") == ["server"] * 3
    assert unwrapped.items == 3 and unwrapped.skipped == {}
    frame, stats = read(path, chunk_bytes=64)  # chunks far smaller than a run: cut only where no run is open
    assert stats.records == 3 and stats.entries == 3 and stats.lines == 6
    assert frame["latency_ms"].to_list() == [7.25, 99.0, None]
    assert frame["ts"][0] == datetime(2026, 11, 20, 16, 0, 1, 1, tzinfo=UTC)


def test_cri_run_never_finished_text_and_odd_lines_are_counted_where_they_are(tmp_path):
    path = tmp_path / "0.log"
    path.write_text(
        cri_line(0, "stdout", "F", RECORD)
        + "\n"  # a blank line
        + cri_line(1, "stderr", "F", "WARNING: no GPU")
        + cri_line(2, "stdout", "F", "")  # the application wrote an empty line
        + "garbage between lines\n"
        + cri_line(3, "stdout", "P", RECORD[:10])
        + cri_line(4, "stdout", "P", RECORD[10:20])
    )
    frame, stats = read(path)
    assert stats.envelopes[str(path)].envelope == "cri"
    assert (stats.records, stats.entries, stats.lines) == (1, 5, 6)
    assert problems(stats) == [
        (3, "not JSON (cri)"),
        (4, "not JSON (cri)"),
        (5, "not JSON"),
        (6, "partial CRI line"),
    ]
    assert stats.malformed_lines == 2  # the garbage and the run cut off; the app's own text lines are not damage


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (f"/var/log/pods/{POD}/server/0.log", {"namespace": "default", "pod": "imgcls-6d5f7b8c9-x7k2p"}),
        (f"/var/log/pods/{POD}/server/0.log.20261120-160000.gz", {"namespace": "default"}),
        (
            "/var/log/containers/imgcls-6d5f7b8c9-x7k2p_default_server-" + "ab" * 32 + ".log",
            {"namespace": "default", "pod": "imgcls-6d5f7b8c9-x7k2p"},
        ),
        ("/tmp/server.log", None),
        (f"/var/log/pods/{POD}/server/notes.log", None),
        ("-", None),
    ],
)
def test_cri_source_from_the_kubelet_path(path, expected):
    found = cri.source_of(path)
    if expected is None:
        assert found == {}
    else:
        assert {key: found[key] for key in expected} == expected and found["container"] == "server"


def test_cri_forced_on_a_file_of_other_lines_passes_them_on(tmp_path):
    path = tmp_path / "app.log"
    path.write_text(RECORD.replace("{", '{"ts": "2026-11-20T16:00:00Z", ', 1) + "\nnot a record\n")
    frame, stats = read(path, envelope="cri")
    assert stats.envelopes[str(path)].envelope == "cri"
    assert (stats.records, stats.lines_skipped) == (1, {"not JSON": 1})
    _, plain = read(path)
    assert plain.envelopes == {} and plain.records == 1


# --- FireLens -------------------------------------------------------------------------


def firelens_record(log: str, **extra) -> str:
    return json.dumps({"container_id": "c1", "container_name": "imgcls", "log": log, "source": "stdout", **extra})


def test_firelens_fills_a_time_the_output_added_and_keeps_the_apps_own(tmp_path):
    own = json.dumps({"ts": "2026-11-20T17:00:00.250Z", "latency_ms": 5.0, "status": "ok"})
    path = tmp_path / "firelens.log"
    path.write_text(
        firelens_record(RECORD, date="2026-11-20T17:00:01.000681Z")
        + "\n"
        + firelens_record(own, date="2026-11-20T17:00:09Z")
        + "\n"
        + json.dumps({"ts": "2026-11-20T17:00:02Z", "latency_ms": 1.0})  # no envelope: read as it is
        + "\n"
        + firelens_record("{broken")
        + "\n"
    )
    frame, stats = read(path)
    assert stats.envelopes[str(path)].envelope == "firelens"
    assert frame["ts"].to_list() == [
        datetime(2026, 11, 20, 17, 0, 0, 250000, tzinfo=UTC),
        datetime(2026, 11, 20, 17, 0, 1, 681, tzinfo=UTC),
        datetime(2026, 11, 20, 17, 0, 2, tzinfo=UTC),
    ]
    assert problems(stats) == [(4, "malformed JSON")]
    unwrapped = firelens.unwrap(path.read_bytes(), str(path))
    assert given(unwrapped, "source.container_id") == ["c1", "c1", None, "c1"]
    assert given(unwrapped, "source.stream") == ["stdout", "stdout", None, "stdout"]
    assert given(unwrapped, "source.ecs_cluster") == [None] * 4  # the plain fluentd driver's record


# --- Vercel ---------------------------------------------------------------------------

MS = 1795197600005  # 2026-11-20T18:00:00.005Z
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def vercel_entry(n: int, message: str, **extra) -> dict:
    return {
        "id": str(n),
        "message": message,
        "timestamp": MS + n,
        "type": "stdout",
        "source": "lambda",
        "deploymentId": "dpl_1",
        "projectId": "prj_1",
        "host": "h.vercel.app",
        "requestId": f"req-{n}",
        "level": "warning",
        **extra,
    }


TRICKY = ['{"latency_ms": 1.0, "note": "} ] { [ \\" \\\\"}', '{"latency_ms": 2.0, "note": "\\\\\\\\\\"}{"}']


def test_array_items_agree_with_json_on_strings_holding_braces_quotes_and_backslashes():
    entries = [vercel_entry(n, text) for n, text in enumerate(TRICKY * 3)]
    documents = {
        json.dumps(entries): entries,
        json.dumps(entries, indent=2): entries,
        json.dumps(entries) + "\n" + json.dumps(entries[:2]): entries + entries[:2],  # bodies appended
    }
    for document, expected in documents.items():
        data = document.encode()
        starts, ends = array_items(data)
        assert [json.loads(data[s : e + 1]) for s, e in zip(starts.tolist(), ends.tolist())] == expected


def test_vercel_array_over_lines_numbers_each_entry_by_its_first_line(tmp_path):
    entries = [vercel_entry(0, RECORD), vercel_entry(1, "Cold start"), vercel_entry(2, TRICKY[0])]
    path = tmp_path / "drain.json"
    path.write_text(json.dumps(entries, indent=2))
    starts = [n + 1 for n, line in enumerate(path.read_text().splitlines()) if line == "  {"]
    frame, stats = read(path)
    read_as = stats.envelopes[str(path)]
    assert (read_as.envelope, read_as.lines, read_as.items) == ("vercel", len(path.read_text().splitlines()), 3)
    assert problems(stats) == [(starts[1], "not JSON (vercel message)")]
    assert frame["ts"].to_list() == [EPOCH + timedelta(milliseconds=ms) for ms in (MS, MS + 2)]
    assert frame["level"].cast(str).to_list() == ["warning", "warning"]
    assert frame["request_id"].cast(str).to_list() == ["r-1", "req-2"]  # the record's own wins


def test_vercel_array_cut_short_counts_its_last_entry(tmp_path):
    document = json.dumps([vercel_entry(0, RECORD), vercel_entry(1, RECORD)])
    path = tmp_path / "drain.json"
    path.write_text(document[: document.index('"id": "1"') + 20])
    frame, stats = read(path)
    assert (stats.records, stats.entries) == (1, 2)
    assert problems(stats) == [(1, vercel.CUT_SHORT)]
    assert stats.malformed_lines == 1


def test_vercel_status_code_goes_to_requests_only(tmp_path):
    prediction = json.dumps({"event": "prediction", "label": "A", "confidence": 0.5})
    path = tmp_path / "drain.ndjson"
    lines = [vercel_entry(0, RECORD, statusCode=503), vercel_entry(1, prediction, statusCode=503)]
    path.write_text("".join(json.dumps(entry) + "\n" for entry in lines))
    frame, stats = read(path)
    assert stats.envelopes[str(path)].envelope == "vercel"
    assert frame["status_code"].to_list() == [503, None]


# --- Heroku ---------------------------------------------------------------------------


def framed(*messages: str) -> bytes:
    """The oracle for octet counting: each message's UTF-8 bytes plus its newline."""
    return b"".join(f"{len(m.encode()) + 1} ".encode() + m.encode() + b"\n" for m in messages)


def syslog(pri: int, second: int, text: str, proc: str = "web.1", data: str = "") -> str:
    return f"<{pri}>1 2026-11-20T19:00:{second:02d}+00:00 host app {proc} - {data}{text}"


@pytest.mark.parametrize(
    ("pri", "level"),
    [(184, "emergency"), (185, "alert"), (186, "critical"), (187, "error"), (188, "warning"), (189, "notice"),
     (190, "info"), (191, "debug"), (3, "error"), (14, "info")],
)  # fmt: skip
def test_heroku_level_is_the_severity_of_pri(tmp_path, pri, level):
    path = tmp_path / "body.txt"
    path.write_bytes(framed(syslog(pri, 0, RECORD)))
    frame, _ = read(path)
    assert frame["level"].cast(str).to_list() == [level]


def test_heroku_lengths_count_octets_and_structured_data_is_passed_over(tmp_path):
    accented = json.dumps({"event": "prediction", "label": "été", "request_id": "h-9"}, ensure_ascii=False)
    path = tmp_path / "body.txt"
    path.write_bytes(
        framed(syslog(190, 1, accented, proc="web.3"), syslog(190, 2, RECORD, data='[meta seq="1\\]"] '))
        + b"\n"
        + framed(syslog(190, 3, RECORD, proc="worker.1"))
    )
    frame, stats = read(path)
    assert frame["label"].cast(str).to_list() == ["été", None, None]
    assert frame["ts"].dt.second().to_list() == [1, 2, 3]
    assert (stats.records, stats.entries, stats.lines, stats.skipped) == (3, 3, 3, {})  # the blank line between bodies
    unwrapped = heroku.unwrap(path.read_bytes(), str(path))
    assert given(unwrapped, "source.proc_id") == ["web.3", "web.1", "worker.1"]
    assert given(unwrapped, "source.app_name") == ["app"] * 3
    assert unwrapped.lines.tolist() == [1, 2, 3]  # frame numbers


def test_heroku_damaged_frames_are_counted_and_reading_goes_on(tmp_path):
    good = framed(syslog(190, 1, RECORD))
    path = tmp_path / "body.txt"
    path.write_bytes(good + b"garbage line\n" + good + b"not syslog\n" + framed("hello") + b"999 " + good)
    frame, stats = read(path)
    assert stats.envelopes[str(path)].envelope == "heroku"
    assert problems(stats) == [
        (2, heroku.BAD_FRAME),
        (4, heroku.BAD_FRAME),
        (5, heroku.NOT_SYSLOG),
        (6, heroku.BAD_FRAME),
    ]
    assert (stats.records, stats.entries, stats.malformed_lines) == (2, 6, 4)


def test_heroku_forced_on_the_fixture_and_auto_agree():
    path = ENVELOPES / "heroku/drain-body.txt"
    auto, forced = read(path), read(path, envelope="heroku")
    assert auto[0].equals(forced[0]) and auto[1].lines_skipped == forced[1].lines_skipped == {
        "not JSON (heroku message)": 1
    }


def test_heroku_a_message_holding_a_newline_is_framed_by_its_length(tmp_path):
    spread = '{"event": "inference",\n "latency_ms": 31.5, "status": "ok"}'
    body = framed(syslog(190, 1, RECORD), syslog(190, 2, spread), syslog(190, 3, RECORD))
    assert heroku.frames_a_line(body) is None  # not one frame a line: the loop cuts it
    path = tmp_path / "body.txt"
    path.write_bytes(body)
    frame, stats = read(path)
    assert frame["latency_ms"].to_list() == [12.5, 31.5, 12.5]
    assert (stats.records, stats.entries, stats.lines) == (3, 3, 4)
    assert heroku.unwrap(body, str(path)).lines.tolist() == [1, 2, 3]


def test_vercel_bodies_appended_a_line_each_number_entries_by_their_body(tmp_path):
    first = [vercel_entry(0, RECORD), vercel_entry(1, RECORD)]
    second = [vercel_entry(2, "Cold start"), vercel_entry(3, RECORD)]
    path = tmp_path / "drain.json"
    path.write_text(json.dumps(first) + "\n\n" + json.dumps(second) + "\n")
    frame, stats = read(path)
    assert stats.envelopes[str(path)].envelope == "vercel"
    assert (stats.records, stats.entries, stats.lines) == (3, 4, 2)
    assert problems(stats) == [(3, "not JSON (vercel message)")]
    assert vercel.unwrap_array(path.read_bytes(), str(path)).lines.tolist() == [1, 1, 3]


@pytest.mark.parametrize(
    ("data", "blank"),
    [(b"", 0), (b"\n", 1), (b"[1]\n\n [2]\n  \n", 2), (b"[1]\n \t", 1), (b"[1]", 0), (b"\r\n\r\n[1]", 2)],
)
def test_blank_lines_of_an_array_document_are_counted_by_hand(data, blank):
    assert vercel.blank_lines(data) == blank


def test_firelens_pieces_of_a_line_the_driver_split_are_counted_as_damage(tmp_path):
    path = tmp_path / "firelens.log"
    pieces = [RECORD[:30], RECORD[30:]]
    path.write_text(
        firelens_record(RECORD.replace("r-1", "r-0"), date="2026-11-20T17:00:00Z")
        + "\n"
        + "".join(
            firelens_record(piece, partial_message="true", partial_id="p1", partial_ordinal=str(n + 1)) + "\n"
            for n, piece in enumerate(pieces)
        )
    )
    frame, stats = read(path)
    assert (stats.records, stats.entries) == (1, 3)
    assert problems(stats) == [(2, firelens.PARTIAL), (3, firelens.PARTIAL)]
    assert stats.malformed_lines == 2


@pytest.mark.parametrize("name", ["cri", "firelens", "vercel"])
def test_forced_on_plain_records_passes_every_line_on(tmp_path, name):
    path = tmp_path / "app.log"
    path.write_bytes(b"".join(LOGS[0].read_bytes().splitlines(keepends=True)[:50]) + b"plain text\n")
    _, plain = read(path)
    _, forced = read(path, envelope=name)  # the identity is checked in read()
    assert forced.envelopes[str(path)].envelope == name and forced.entries == plain.entries == 51
    assert (forced.records, forced.lines_skipped) == (plain.records, plain.lines_skipped) == (50, {"not JSON": 1})


def test_heroku_forced_on_plain_records_is_one_line_of_error(tmp_path):
    path = tmp_path / "app.log"
    path.write_bytes(b"".join(LOGS[0].read_bytes().splitlines(keepends=True)[:50]))
    with pytest.raises(NoUsableRecordsError, match=r"\(50 malformed envelope \(heroku frame\)\).*app.log:1: "):
        read(path, envelope="heroku")  # no line starts with a length: each is a frame that cannot be read
