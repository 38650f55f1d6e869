"""The CloudWatch Logs envelope (issue 26; fixtures in tests/ingest/envelopes/cloudwatch): each
shape told from its first bytes and no other log taken for it, the records, times and log
group and stream each event gives, the items skipped and where, damaged payloads counted,
never raised, and the account (entries = records + skipped + outside the time range)."""

from __future__ import annotations

import base64
import gzip
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mlmon.errors import MlmonError
from mlmon.ingest import IngestOptions, read_logs
from mlmon.ingest.envelopes import envelope_for, envelopes
from mlmon.ingest.needs import Needs

ENVELOPES = Path(__file__).parent / "envelopes"
GROUP, STREAM = "/ecs/imgcls", "imgcls/server/3f2a9c1e"
T0 = 1795176600000  # 2026-11-20T12:10:00Z in ms


def event(n: int, ms: int, **fields) -> dict:
    """A log event whose message is an mlmon record (``request_id`` r-<n>)."""
    record = {"event": "inference", "request_id": f"r-{n}", "latency_ms": 10.0 + n, "status": "ok", **fields}
    return {"id": str(n), "timestamp": ms, "message": json.dumps(record)}


def record(*events: dict, kind: str = "DATA_MESSAGE", group: str = GROUP, stream: str = STREAM) -> dict:
    return {
        "messageType": kind,
        "owner": "123456789012",
        "logGroup": group,
        "logStream": stream,
        "subscriptionFilters": ["mlmon"],
        "logEvents": list(events),
    }


CONTROL = record(
    {"id": "", "timestamp": T0, "message": "CWL CONTROL MESSAGE: Checking health of destination."},
    kind="CONTROL_MESSAGE",
    group="",
    stream="",
)


def lambda_event(payload: bytes) -> dict:
    return {"awslogs": {"data": base64.b64encode(gzip.compress(payload, mtime=0)).decode()}}


def compact(value: dict) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def iso_ms(ms: int) -> str:
    """The oracle for a given time: the event's ms as ISO UTC with 3 digits (datetime, not polars)."""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def read(path: Path, envelope: str = "auto"):
    data = read_logs(
        [str(path)],
        IngestOptions(max_malformed_share=1.0, envelope=envelope),
        Needs(("ts", "request_id", "latency_ms", "level")),
    )
    stats = data.stats
    assert stats.entries == stats.records + stats.skipped_lines + stats.outside_time_range
    return data.frame.collect(), stats


def problems(stats) -> list[tuple[int, str]]:
    return [(p.line, p.reason) for p in stats.examples]


def key_of(head: bytes) -> str | None:
    chosen = envelope_for(head)
    return chosen.key if chosen is not None else None


# -- detection -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "key"),
    [
        (b'2026-11-20T12:00:00.000Z {"event": "x"}\n', "cloudwatch/export"),
        (b"Permission Check Successful", "cloudwatch/write-test"),
        (b"Permission Check Successful\n", "cloudwatch/write-test"),
        (compact(record(event(1, T0))) + b"\n", "cloudwatch/subscription"),
        (json.dumps(CONTROL).encode() + b"\n", "cloudwatch/subscription"),
        (compact(record(event(1, T0))) + compact(CONTROL), "cloudwatch/run-together"),
        (compact(record(*(event(n, T0) for n in range(80))))[:8192], "cloudwatch/run-together"),  # a head cut mid-line
        (compact(lambda_event(b"{}")) + b"\n", "cloudwatch/lambda"),
        (json.dumps(lambda_event(b"{}"), indent=2).encode(), "cloudwatch/lambda-document"),
        (gzip.compress(compact(record(event(1, T0))), mtime=0), "cloudwatch/firehose"),
        # not CloudWatch's
        (b'2026-11-20T12:00:00.123456789Z {"event": "x"}\n', None),  # kubectl --timestamps (9 digits)
        (b'2026-11-20T12:00:00Z {"event": "x"}\n', None),
        (b'2026-11-20T12:00:00.000Z stdout F {"event": "x"}\n', None),  # CRI
        (b'{"ts": "2026-11-20T12:00:00Z", "latency_ms": 12.5, "status": "ok"}\n', None),  # mlmon
        (b'{"message": "messageType DATA_MESSAGE logEvents"}\n', None),
        (b"Permission Check Successful, and more\n", None),
        (gzip.compress(b'{"ts": "2026-11-20T12:00:00Z"}\n', mtime=0), None),  # some other gzip inside
    ],
)
def test_each_shape_is_told_from_its_first_bytes(head, key):
    found = key_of(head)
    assert found == key if key else not (found or "").startswith("cloudwatch")


def test_forced_cloudwatch_reads_a_head_no_detector_takes_as_subscription_records():
    assert envelope_for(b'{"event": "x"}\n', "cloudwatch").key == "cloudwatch/subscription"
    assert envelope_for(b"Permission Check Successful", "cloudwatch").key == "cloudwatch/write-test"


# -- subscription records --------------------------------------------------------------------


def test_subscription_records_give_each_event_its_time_group_and_stream():
    data = b"\n".join(
        [
            compact(CONTROL),
            compact(record(event(1, T0 + 1), event(2, T0 + 999), stream="a")),
            b"",
            compact(record(event(3, T0 + 123456, ts="2026-11-20T00:00:00.5Z"), group="/g2", stream="b")),
        ]
    )
    unwrapped = envelopes()["cloudwatch/subscription"].unwrap(data + b"\n", "x")
    assert unwrapped.lines.tolist() == [2, 2, 4]
    assert unwrapped.skipped == {"CONTROL_MESSAGE": [1]}
    assert (unwrapped.items, unwrapped.blank) == (4, 1)
    assert list(unwrapped.given["ts"]) == [iso_ms(T0 + 1), iso_ms(T0 + 999), iso_ms(T0 + 123456)]
    assert list(unwrapped.given["source.log_group"]) == [GROUP, GROUP, "/g2"]
    assert list(unwrapped.given["source.log_stream"]) == ["a", "a", "b"]
    texts = [json.loads(line) for line in unwrapped.data.decode().splitlines()]
    assert [t["request_id"] for t in texts] == ["r-1", "r-2", "r-3"]


def test_subscription_records_read_with_the_event_time_and_the_records_own_time_winning(tmp_path):
    path = tmp_path / "kinesis.jsonl"
    path.write_bytes(
        compact(CONTROL) + b"\n" + compact(record(event(1, T0 + 7), event(2, T0, ts="2026-11-20T12:00:00.25Z"))) + b"\n"
    )
    frame, stats = read(path)
    assert frame["request_id"].to_list() == ["r-2", "r-1"]  # in time order
    assert frame["ts"].to_list() == [
        datetime(2026, 11, 20, 12, 0, 0, 250000, tzinfo=UTC),
        datetime.fromtimestamp((T0 + 7) / 1000, UTC),
    ]
    assert stats.envelopes[str(path)].envelope == "cloudwatch"
    assert (stats.envelopes[str(path)].lines, stats.envelopes[str(path)].items) == (2, 3)
    assert stats.lines_skipped == {"CONTROL_MESSAGE": 1}
    assert problems(stats) == [(1, "CONTROL_MESSAGE")]


def test_damaged_records_are_counted_on_their_lines(tmp_path):
    no_list = record()
    no_list["logEvents"] = event(9, T0)  # an object
    missing = record()
    del missing["logEvents"]
    lines = [
        compact(no_list),
        compact(missing),
        compact(record({"id": "1", "timestamp": T0, "message": "plain text"}, event(4, T0 + 1))),
        compact(record()),  # no events: nothing to read, nothing lost
        b'{"messageType": "DATA_MESSAGE", "logEvents": [',  # cut
        b'{"ts": "2026-11-20T12:10:05Z", "request_id": "plain", "latency_ms": 5.0}',  # no envelope: passed on
    ]
    path = tmp_path / "damaged.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    frame, stats = read(path, envelope="cloudwatch")
    assert sorted(frame["request_id"].to_list()) == ["plain", "r-4"]
    assert stats.lines_skipped == {
        "malformed envelope (cloudwatch logEvents is not a list)": 1,
        "malformed envelope (cloudwatch logEvents missing)": 1,
        "not JSON (cloudwatch message)": 1,
        "malformed JSON": 1,
    }
    assert sorted(problems(stats)) == [
        (1, "malformed envelope (cloudwatch logEvents is not a list)"),
        (2, "malformed envelope (cloudwatch logEvents missing)"),
        (3, "not JSON (cloudwatch message)"),
        (5, "malformed JSON"),
    ]
    assert stats.envelopes[str(path)].items == 6  # 1 + 1 + 2 + 0 + the two lines passed on


def test_an_event_time_no_datetime_holds_gives_no_time(tmp_path):
    path = tmp_path / "far.jsonl"
    path.write_bytes(compact(record(event(1, 10**17), event(2, 10**17, ts="2026-11-20T12:00:00Z"))) + b"\n")
    frame, stats = read(path)
    assert frame["request_id"].to_list() == ["r-2"]
    assert stats.lines_skipped == {"missing timestamp": 1}


# -- Lambda events ---------------------------------------------------------------------------


def test_lambda_events_one_a_line_and_a_cut_or_undecodable_payload(tmp_path):
    good = lambda_event(compact(record(event(1, T0), event(2, T0 + 40))))
    cut = lambda_event(compact(record(*(event(n, T0 + 80) for n in range(3, 9)))))
    half = len(cut["awslogs"]["data"]) // 8 * 4
    cut["awslogs"]["data"] = cut["awslogs"]["data"][:half]  # base64 decodes; the gzip stream ends early
    lines = [
        compact(good),
        compact(cut),  # gzip cut
        compact({"awslogs": {"data": "not base64 at all!"}}),
        compact({"awslogs": {"data": base64.b64encode(b"not gzip").decode()}}),
        compact({"awslogs": {}}),
        compact(lambda_event(b"no JSON here")),  # decodes, holds no record: counted by the decoder
    ]
    path = tmp_path / "lambda.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    frame, stats = read(path)
    assert stats.envelopes[str(path)].envelope == "cloudwatch"
    assert frame["request_id"].to_list() == ["r-1", "r-2"]
    assert frame["ts"].to_list() == [datetime.fromtimestamp(ms / 1000, UTC) for ms in (T0, T0 + 40)]
    reason = "undecodable payload (cloudwatch awslogs.data)"
    assert stats.lines_skipped == {reason: 4, "not JSON": 1}
    assert sorted(problems(stats)) == [(2, reason), (3, reason), (4, reason), (5, reason), (6, "not JSON")]


def test_a_pretty_printed_lambda_event_is_read_whole(tmp_path):
    payload = compact(record(event(1, T0), event(2, T0 + 5), stream="s"))
    text = json.dumps(lambda_event(payload), indent=2) + "\n\n" + json.dumps(lambda_event(compact(CONTROL)), indent=2)
    path = tmp_path / "event.json"
    path.write_text(text)
    assert envelope_for(text.encode()).whole_file
    unwrapped = envelopes()["cloudwatch/lambda-document"].unwrap(text.encode(), str(path))
    assert unwrapped.lines.tolist() == [1, 1]
    assert unwrapped.skipped == {"CONTROL_MESSAGE": [text.split("\n").index("{", 1) + 1]}  # where the 2nd starts
    assert (unwrapped.items, unwrapped.blank) == (3, 1)
    frame, stats = read(path)
    assert frame["request_id"].to_list() == ["r-1", "r-2"]
    assert stats.envelopes[str(path)].items == 3


# -- Firehose to S3 --------------------------------------------------------------------------


def firehose(*members: bytes) -> bytes:
    return gzip.compress(b"".join(members), mtime=0)


def test_firehose_gzip_inside_gzip_every_item_on_line_one(tmp_path):
    first = gzip.compress(compact(record(event(1, T0), event(2, T0 + 100))), mtime=0)
    control = gzip.compress(compact(CONTROL), mtime=0)
    last = gzip.compress(compact(record(event(3, T0 + 5000), stream="other")), mtime=0)
    path = tmp_path / "delivery-1.gz"
    path.write_bytes(firehose(first, control, last))
    frame, stats = read(path)
    assert frame["request_id"].to_list() == ["r-1", "r-2", "r-3"]
    assert frame["ts"].to_list() == [datetime.fromtimestamp(ms / 1000, UTC) for ms in (T0, T0 + 100, T0 + 5000)]
    assert stats.lines_skipped == {"CONTROL_MESSAGE": 1}
    assert problems(stats) == [(1, "CONTROL_MESSAGE")]
    assert stats.envelopes[str(path)].items == 4
    unwrapped = envelopes()["cloudwatch/firehose"].unwrap(gzip.decompress(path.read_bytes()), str(path))
    assert list(unwrapped.given["source.log_stream"]) == [STREAM, STREAM, "other"]


def test_firehose_members_cut_corrupt_or_not_json_are_counted(tmp_path):
    good = gzip.compress(compact(record(event(1, T0))), mtime=0)
    bad = bytearray(gzip.compress(compact(record(event(2, T0))), mtime=0))
    bad[12:20] = b"\xff" * 8  # the deflate stream corrupted
    text = gzip.compress(b"plain text, no record", mtime=0)
    cut = gzip.compress(compact(record(event(3, T0 + 1))), mtime=0)
    path = tmp_path / "delivery-2.gz"
    path.write_bytes(firehose(good, bytes(bad), good, text, cut[: len(cut) // 2]))
    frame, stats = read(path)
    assert frame["request_id"].to_list() == ["r-1", "r-1"]
    reason = "undecodable payload (cloudwatch firehose record)"
    assert stats.lines_skipped == {reason: 2, "not JSON": 1}
    assert stats.envelopes[str(path)].items == 5


def test_records_run_together_without_a_newline(tmp_path):
    tricky = record(
        {"id": "7", "timestamp": T0 + 7, "message": '{"request_id": "r-7", "note": "a}{b", "latency_ms": 1}'}
    )
    members = [compact(record(event(1, T0))), compact(CONTROL), compact(tricky), compact(record(event(2, T0 + 9)))]
    path = tmp_path / "delivery-3"
    path.write_bytes(b"".join(members))  # no newline anywhere: one line
    assert envelope_for(path.read_bytes()[:8192]).key == "cloudwatch/run-together"
    frame, stats = read(path)
    assert frame["request_id"].to_list() == ["r-1", "r-7", "r-2"]  # the "}{" inside a message is no cut
    assert problems(stats) == [(1, "CONTROL_MESSAGE")]
    assert stats.envelopes[str(path)].items == 4
    lines = tmp_path / "delivery-4"
    lines.write_bytes(members[0] + b"\n" + members[1] + members[2] + b"\n" + b"{broken}" + members[3] + b"\n")
    frame, stats = read(lines, envelope="cloudwatch")
    assert frame["request_id"].to_list() == ["r-1", "r-7", "r-2"]
    assert sorted(problems(stats)) == [(2, "CONTROL_MESSAGE"), (3, "malformed JSON")]


# -- the S3 export ---------------------------------------------------------------------------


def test_the_export_gives_the_line_time_unless_the_message_has_its_own(tmp_path):
    lines = [
        b'2026-11-20T12:00:00.000Z {"request_id": "e-1", "latency_ms": 3.0}',
        b'2026-11-20T12:00:01.500Z {"ts": "2026-11-20T12:00:01.498Z", "request_id": "e-2", "latency_ms": 4.0}',
        b" \t",
        b"2026-11-20T12:00:02.000Z START RequestId: 1b2c Version: $LATEST",
        b'{"ts": "2026-11-20T12:00:03Z", "request_id": "e-3", "latency_ms": 5.0}',  # no time before it: passed on
        b'2026-11-20T12:00:04.1234567Z {"request_id": "e-4", "latency_ms": 6.0}',  # 7 digits: cut to 6
        b'2026-11-20T12:00:05.000Z \t {"request_id": "e-5", "latency_ms": 7.0}',  # white space first
        b"2026-11-20T12:00:06.000Z ",  # an empty message
        b'2026-11-20T12:0X:07.000Z {"request_id": "e-6", "latency_ms": 8.0}',  # no time: passed on, no JSON
    ]
    path = tmp_path / "000000.gz"
    path.write_bytes(gzip.compress(b"\r\n".join(lines) + b"\r\n", mtime=0))
    frame, stats = read(path)
    assert stats.envelopes[str(path)].envelope == "cloudwatch"
    assert frame["request_id"].to_list() == ["e-1", "e-2", "e-3", "e-4", "e-5"]
    assert frame["ts"].to_list() == [
        datetime(2026, 11, 20, 12, 0, 0, tzinfo=UTC),
        datetime(2026, 11, 20, 12, 0, 1, 498000, tzinfo=UTC),
        datetime(2026, 11, 20, 12, 0, 3, tzinfo=UTC),
        datetime(2026, 11, 20, 12, 0, 4, 123456, tzinfo=UTC),
        datetime(2026, 11, 20, 12, 0, 5, tzinfo=UTC),
    ]
    message = "not JSON (cloudwatch message)"
    assert problems(stats) == [(4, message), (8, message), (9, "not JSON")]
    assert (stats.envelopes[str(path)].lines, stats.envelopes[str(path)].items) == (8, 8)


def test_kubectl_timestamps_with_nine_digits_still_read_as_plain_lines(tmp_path):
    path = tmp_path / "pod.log"
    path.write_bytes(b'2026-11-20T12:00:00.123456789Z {"request_id": "k-1", "latency_ms": 3.0}\n')
    frame, stats = read(path)
    assert stats.envelopes == {}
    assert frame["ts"].to_list() == [datetime(2026, 11, 20, 12, 0, 0, 123456, tzinfo=UTC)]


def test_the_export_folder_counts_its_write_test_object():
    frame, stats = read(ENVELOPES / "cloudwatch" / "export")
    assert {Path(p).name: (r.envelope, r.items) for p, r in stats.envelopes.items()} == {
        "000000.gz": ("cloudwatch", 3),
        "aws-logs-write-test": ("cloudwatch", 1),
    }
    assert stats.entries == 4 and stats.records == 3
    assert problems(stats) == [(1, "aws-logs-write-test")]


def test_an_object_of_nothing_but_damage_is_a_one_line_error(tmp_path):
    cut = gzip.compress(compact(record(event(1, T0))), mtime=0)
    path = tmp_path / "delivery-5.gz"
    path.write_bytes(firehose(gzip.compress(compact(CONTROL), mtime=0), cut[:20]))
    with pytest.raises(MlmonError) as raised:
        read_logs([str(path)], IngestOptions(), Needs(("ts",)))
    assert "undecodable payload (cloudwatch firehose record)" in str(raised.value)
    assert "\n" not in str(raised.value)
